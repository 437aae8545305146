#include "bench/scoring/reconstruction.h"

#include <limits>

#include "Eigen/Core"
#include "absl/strings/str_format.h"
#include "util/status_macros.h"

namespace lrb::scoring {
namespace {

using RowMajorFloats = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace

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
  const Eigen::Map<const RowMajorFloats> x(targets, rows, n_r);  // the targets x_r(s)
  Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(n_r);
  for (int64_t r = 0; r < rows; ++r) mean += x.row(r).cast<double>();
  mean /= static_cast<double>(rows);

  // The two sums of squares stay one fused loop over samples, then dimensions, in index
  // order: stored FVUs depend on that rounding (reconstruction_test pins it). Eigen
  // reductions would start a fresh sum per sample (other bits), or need all reconstructions
  // materialised and three passes over them (bit-identical, but measured 1.4x slower).
  Eigen::RowVectorXf x_hat(n_r);
  double residual_sq = 0, total_sq = 0;
  for (int64_t r = 0; r < rows; ++r) {
    // x_hat = W_D x_q(s) + b_D: a row of CSR codes is one sparse_decode call, k = its size.
    kernels.sparse_decode(codes.indices + codes.begin(r), codes.values + codes.begin(r), 1,
                          codes.end(r) - codes.begin(r), nullptr, decoder_rows, n_r, n_r,
                          decoder_bias, x_hat.data(), n_r);
    for (int64_t d = 0; d < n_r; ++d) {
      const double err = static_cast<double>(x_hat[d]) - x(r, d);
      const double dev = static_cast<double>(x(r, d)) - mean[d];
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
