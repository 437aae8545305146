#include "bench/model_export.h"

#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

#include "absl/strings/str_format.h"
#include "datasets/npy.h"
#include "nlohmann/json.hpp"
#include "util/status_macros.h"

namespace lrb::bench {

absl::Status ExportModel(const sdl::MethodSpec& method, const sdl::SaeModel& model,
                         const leaderboard::RunRecord& run, const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot create model directory %s: %s", dir, error.message()));
  }
  const auto path = [&dir](const char* name) { return dir + "/" + name; };
  LRB_RETURN_IF_ERROR(datasets::WriteNpy(path("W_E.npy"), model.w_enc, {model.n_q, model.n_p}));
  LRB_RETURN_IF_ERROR(datasets::WriteNpy(path("b_E.npy"), model.b_enc, {model.n_q}));
  // Stored n_q x n_r (a latent's decoder direction contiguous); the paper's W_D is n_r x n_q.
  std::vector<float> w_d(model.n_r * model.n_q);
  for (int64_t i = 0; i < model.n_q; ++i) {
    for (int64_t d = 0; d < model.n_r; ++d) w_d[d * model.n_q + i] = model.w_dec[i * model.n_r + d];
  }
  LRB_RETURN_IF_ERROR(datasets::WriteNpy(path("W_D.npy"), w_d, {model.n_r, model.n_q}));
  LRB_RETURN_IF_ERROR(datasets::WriteNpy(path("b_D.npy"), model.b_dec, {model.n_r}));
  std::vector<std::string> files = {"W_E.npy", "b_E.npy", "W_D.npy", "b_D.npy"};
  if (!model.extra.empty()) {
    LRB_RETURN_IF_ERROR(datasets::WriteNpy(path("extra.npy"), model.extra,
                                           {static_cast<int64_t>(model.extra.size())}));
    files.push_back("extra.npy");
  }

  nlohmann::json json = {
      {"format", "lrb.model.v1"},
      {"method_spec", sdl::ToString(method)},
      {"family_version", sdl::FamilyVersion(method)},
      {"n_p", model.n_p},
      {"n_r", model.n_r},
      {"n_q", model.n_q},
      {"inference_threshold", model.threshold},
      {"files", files},
      {"run",
       {{"run_key", run.run_key},
        {"suite", run.suite},
        {"dataset_spec", run.dataset_spec},
        {"dataset_hash", run.dataset_hash},
        {"train_spec", run.train_spec},
        {"backend_used", run.backend_used},
        {"seed", run.seed},
        {"git_commit", run.environment.git_commit},
        {"git_dirty", run.environment.git_dirty},
        {"build_mode", run.environment.build_mode}}},
  };
  std::ofstream out(path("model.json"));
  out << json.dump(2) << "\n";
  out.close();
  if (!out) {
    return absl::InternalError(absl::StrFormat("cannot write %s", path("model.json")));
  }
  return absl::OkStatus();
}

}  // namespace lrb::bench
