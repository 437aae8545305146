#include "bench/model_export.h"

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_format.h"
#include "datasets/npy.h"
#include "nlohmann/json.hpp"
#include "sdl/family_traits.h"
#include "sdl/methods.h"
#include "util/atomic_file.h"
#include "util/status_macros.h"

namespace lrb::bench {
namespace {

// model.json's "activation" (bench/model_import.h), as the family declares it; "" for
// families that cannot be described that way (their method_spec says it all to `lrb score`).
std::string ActivationOf(const sdl::MethodSpec& method, const sdl::SaeModel& model) {
  const sdl::FamilyTraits* traits = sdl::FindFamilyTraits(method.family);
  if (traits == nullptr || traits->score_activation == nullptr) return "";
  return traits->score_activation(method, model);
}

// The anchoring must be the method's: model.json would otherwise name features the model
// was not anchored to.
absl::Status CheckAnchoring(const sdl::MethodSpec& method, const AnchoredFeatures& anchored) {
  const int64_t k = method.anchor.has_value() ? method.anchor->k : 0;
  const double lambda = method.anchor.has_value() ? method.anchor->lambda : 0.0;
  if (static_cast<int64_t>(anchored.features.size()) == k && anchored.lambda == lambda) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "model export: %d anchored features with lambda %g for %s; expected %d with lambda %g",
      anchored.features.size(), anchored.lambda, sdl::ToString(method), k, lambda));
}

}  // namespace

absl::Status ExportModel(const sdl::MethodSpec& method, const sdl::SaeModel& model,
                         const leaderboard::RunRecord& run, const AnchoredFeatures& anchored,
                         const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("model export: empty directory path");
  LRB_RETURN_IF_ERROR(CheckAnchoring(method, anchored));
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error || !std::filesystem::is_directory(dir)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cannot create model directory %s: %s", dir,
        error ? error.message() : std::string("a file that is not a directory is in the way")));
  }
  const auto path = [&dir](const char* name) { return dir + "/" + name; };
  // model.json is the directory's commit point: removed first, written last, so that it
  // exists only beside a complete set of arrays of the same model.
  std::filesystem::remove(path("model.json"), error);
  if (error) {
    return absl::InternalError(
        absl::StrFormat("cannot remove %s: %s", path("model.json"), error.message()));
  }
  LRB_RETURN_IF_ERROR(SyncDirectory(dir));
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
  } else {
    std::filesystem::remove(path("extra.npy"), error);  // a previous model's
    if (error) {
      return absl::InternalError(
          absl::StrFormat("cannot remove stale %s: %s", path("extra.npy"), error.message()));
    }
  }

  nlohmann::json json = {
      {"activation", ActivationOf(method, model)},
      {"format", "lrb.model.v1"},
      {"method_spec", sdl::ToString(method)},
      {"family_version", sdl::FamilyVersion(method)},
      {"n_p", model.n_p},
      {"n_r", model.n_r},
      {"n_q", model.n_q},
      {"inference_threshold", sdl::InferenceStateValue(method, model, "threshold")},
      {"anchored_features", anchored.features},
      {"anchor_lambda", anchored.lambda},
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
  if (json["activation"] == "") json.erase("activation");
  return WriteFileAtomically(path("model.json"), json.dump(2) + "\n");
}

}  // namespace lrb::bench
