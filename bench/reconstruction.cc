#include "bench/reconstruction.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_format.h"
#include "sdl/topk_sae.h"
#include "util/status_macros.h"

namespace lrb::bench {

absl::StatusOr<ReconstructionScores> ScoreReconstruction(const sdl::MethodSpec& method,
                                                         const sdl::SaeModel& model,
                                                         const float* inputs,
                                                         const float* targets, int64_t rows,
                                                         const sdl::KernelTable& kernels) {
  if (rows < 1) return absl::InvalidArgumentError("no evaluation samples to score");
  const int64_t n_r = model.n_r;
  // Mean target, for the total variance.
  std::vector<double> mean(n_r, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t d = 0; d < n_r; ++d) mean[d] += targets[r * n_r + d];
  }
  for (double& m : mean) m /= static_cast<double>(rows);

  // Chunks bound the pre-activation buffer (chunk x n_q floats).
  constexpr int64_t kChunk = 512;
  sdl::TopkWorkspace workspace;
  std::vector<float> reconstruction(std::min(kChunk, rows) * n_r);
  std::vector<bool> ever_active(model.n_q, false);
  double residual_sq = 0, total_sq = 0;
  int64_t nonzero_codes = 0;
  for (int64_t begin = 0; begin < rows; begin += kChunk) {
    const int64_t count = std::min(kChunk, rows - begin);
    LRB_RETURN_IF_ERROR(
        sdl::TopkEncode(method, model, inputs + begin * model.n_p, count, kernels, workspace));
    kernels.sparse_decode(workspace.active.data(), workspace.active_values.data(), count,
                          method.k, model.w_dec.data(), n_r, n_r, model.b_dec.data(),
                          reconstruction.data(), n_r);
    for (int64_t r = 0; r < count; ++r) {
      const float* target = targets + (begin + r) * n_r;
      for (int64_t d = 0; d < n_r; ++d) {
        const double err = static_cast<double>(reconstruction[r * n_r + d]) - target[d];
        const double dev = static_cast<double>(target[d]) - mean[d];
        residual_sq += err * err;
        total_sq += dev * dev;
      }
    }
    for (size_t i = 0; i < workspace.active.size(); ++i) {
      ever_active[workspace.active[i]] = true;
      nonzero_codes += workspace.active_values[i] != 0.0f;
    }
  }
  ReconstructionScores scores;
  scores.fvu = total_sq > 0 ? residual_sq / total_sq : 0.0;
  scores.l0 = static_cast<double>(nonzero_codes) / static_cast<double>(rows);
  scores.dead_fraction =
      static_cast<double>(std::count(ever_active.begin(), ever_active.end(), false)) /
      static_cast<double>(model.n_q);
  return scores;
}

}  // namespace lrb::bench
