#include "bench/scoring/reconstruction.h"

#include <limits>
#include <vector>

#include "absl/strings/str_format.h"
#include "util/status_macros.h"

namespace lrb::scoring {

absl::StatusOr<ReconstructionScores> ScoreReconstruction(const CodesView& codes,
                                                         const float* decoder_rows,
                                                         const float* decoder_bias,
                                                         int64_t n_r, const float* targets,
                                                         const sdl::KernelTable& kernels) {
  if (codes.rows < 1 || n_r < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cannot score the reconstruction of %d samples of dimension %d", codes.rows, n_r));
  }
  LRB_RETURN_IF_ERROR(ValidateCodes(codes, "learned codes"));
  const int64_t rows = codes.rows;
  std::vector<double> mean(n_r, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t d = 0; d < n_r; ++d) mean[d] += targets[r * n_r + d];
  }
  for (double& m : mean) m /= static_cast<double>(rows);

  std::vector<float> reconstruction(n_r);
  double residual_sq = 0, total_sq = 0;
  for (int64_t r = 0; r < rows; ++r) {
    // A row of CSR codes is one sparse_decode call with k = its entry count.
    kernels.sparse_decode(codes.indices + codes.begin(r), codes.values + codes.begin(r), 1,
                          codes.end(r) - codes.begin(r), decoder_rows, n_r, n_r, decoder_bias,
                          reconstruction.data(), n_r);
    const float* target = targets + r * n_r;
    for (int64_t d = 0; d < n_r; ++d) {
      const double err = static_cast<double>(reconstruction[d]) - target[d];
      const double dev = static_cast<double>(target[d]) - mean[d];
      residual_sq += err * err;
      total_sq += dev * dev;
    }
  }
  ReconstructionScores scores;
  if (total_sq > 0) {
    scores.fvu = residual_sq / total_sq;
  } else {
    scores.fvu = residual_sq > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  }
  return scores;
}

}  // namespace lrb::scoring
