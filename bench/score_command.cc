#include "bench/score_command.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/environment.h"
#include "bench/leaderboard_command.h"
#include "bench/model_import.h"
#include "bench/run_key.h"
#include "bench/score_rows.h"
#include "bench/score_model.h"
#include "bench/scoring/scoring.h"
#include "datasets/dataset_io.h"
#include "datasets/dataset_spec.h"
#include "leaderboard/store/store.h"
#include "sdl/kernels/kernels.h"
#include "util/status_macros.h"

namespace lrb::bench {
namespace {

using scoring::kScorerVersion;

using Clock = std::chrono::steady_clock;

// Names go into a method spec and the board: printable, no spaces or spec punctuation.
absl::Status CheckName(const std::string& name) {
  if (name.empty() || name.size() > 64) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--name=\"%s\": expected 1 to 64 characters", name));
  }
  for (const char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--name=\"%s\": '%c' is not allowed; use letters, digits, '-', '_' and '.'", name, c));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<leaderboard::RunRecord> ScoreExternalModel(const ScoreRequest& request) {
  LRB_RETURN_IF_ERROR(CheckName(request.name));
  const auto start = Clock::now();
  LRB_ASSIGN_OR_RETURN(const datasets::Dataset d, datasets::LoadDataset(request.dataset_dir));
  LRB_ASSIGN_OR_RETURN(const datasets::DatasetSpec spec, datasets::ParseDatasetSpec(d.spec));
  if (request.suite != nullptr) {
    bool in_suite = false;
    for (const std::string& text : request.suite->datasets) {
      LRB_ASSIGN_OR_RETURN(const datasets::DatasetSpec suite_spec,
                           datasets::ParseDatasetSpec(text));
      in_suite = in_suite || datasets::ToString(suite_spec) == datasets::ToString(spec);
    }
    if (!in_suite) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--dataset=%s holds %s, which is not a dataset of %s; `lrb generate --suite=%s` "
          "writes the suite's, or leave --suite out to score on this dataset alone",
          request.dataset_dir, d.spec, request.suite->id(), request.suite->name));
    }
  }
  if (static_cast<int64_t>(d.codes.indptr.size()) != d.num_samples() + 1) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "--dataset=%s has no ground-truth codes (e.g. imported activations); the scorer "
        "needs them",
        request.dataset_dir));
  }
  const std::string topology =
      spec.transcoder.has_value() ? "transcoder" : spec.crosscoder.has_value() ? "crosscoder" : "sae";
  const int64_t sources = d.source_dims.empty() ? 1 : static_cast<int64_t>(d.source_dims.size());
  LRB_ASSIGN_OR_RETURN(
      const ImportedModel imported,
      LoadModelDirectory(request.model_dir, d.n_p, d.n_r, topology, sources));

  const int64_t n_eval = d.num_samples() - d.num_train;
  std::vector<float> eval_inputs(n_eval * d.n_p);
  datasets::MaterializeInputs(d, d.num_train, d.num_samples(), eval_inputs.data());
  std::vector<float> eval_targets;
  if (!d.features_r.empty()) {
    eval_targets.resize(n_eval * d.n_r);
    datasets::MaterializeTargets(d, d.num_train, d.num_samples(), eval_targets.data());
  }
  // An LRB export of an anchored method keeps its anchored features out of the averages,
  // exactly as its own run did; an external model has no anchors.
  std::vector<bool> anchored(d.n, false);
  if (imported.method.anchor.has_value()) {
    const int64_t k = std::min<int64_t>(imported.method.anchor->k, d.n);
    for (int64_t i = 0; i < k; ++i) anchored[d.anchor_order[i]] = true;
  }
  LRB_ASSIGN_OR_RETURN(
      scoring::RunScores scores,
      ScoreModel(imported.method, imported.model, d, eval_inputs.data(),
                 eval_targets.empty() ? eval_inputs.data() : eval_targets.data(), anchored));

  leaderboard::RunRecord record;
  record.suite = request.suite != nullptr ? request.suite->id() : "";
  record.dataset_spec = d.spec;
  record.dataset_hash = d.content_hash;
  record.method_spec = absl::StrCat("external:", request.name);
  record.train_spec = "external";
  record.backend = "external";
  record.backend_used = "external";
  record.seed = 0;
  record.scorer_version = kScorerVersion;
  record.environment = CaptureEnvironment(/*threads=*/0);
  record.external = leaderboard::ExternalSubmission{
      .name = request.name,
      .model_path = std::filesystem::absolute(request.model_dir).lexically_normal().string(),
      .model_hash = imported.model_hash,
      .activation = imported.activation};
  // The model's files, not its path, identify it: the same files scored again are the
  // same run.
  record.run_key = RunKey({.dataset_hash = record.dataset_hash,
                           .method_spec = record.method_spec,
                           .family_version = absl::StrCat("external@1:", imported.model_hash),
                           .train_spec = record.train_spec,
                           .backend_used = record.backend_used,
                           .seed = record.seed,
                           .scorer_version = record.scorer_version});
  record.status = "ok";
  record.score_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  RecordScores(std::move(scores), record);
  std::sort(record.metrics.begin(), record.metrics.end());
  return record;
}

absl::Status ScoreCommand(const ScoreRequest& request, const std::string& db_path,
                          std::ostream& out) {
  LRB_ASSIGN_OR_RETURN(const leaderboard::RunRecord record, ScoreExternalModel(request));
  LRB_ASSIGN_OR_RETURN(const std::unique_ptr<leaderboard::Store> store,
                       leaderboard::Store::Open(db_path));
  LRB_ASSIGN_OR_RETURN(const leaderboard::Claim claim, store->ClaimRun(record));
  switch (claim.outcome) {
    case leaderboard::Claim::Outcome::kClaimed:
      LRB_RETURN_IF_ERROR(store->FinishRun(claim.run_id, record));
      out << absl::StrFormat("scored %s (%s, model hash %s) on %s: stored as run %s in %s\n",
                             request.name, record.external->activation,
                             record.external->model_hash, record.dataset_spec, record.run_key,
                             db_path);
      break;
    case leaderboard::Claim::Outcome::kAlreadyFinished:
      out << absl::StrFormat("%s with these exact model files is already on the board (run "
                             "%s); nothing added\n",
                             request.name, record.run_key);
      break;
    case leaderboard::Claim::Outcome::kHeldByAnother:
      return absl::UnavailableError(absl::StrFormat(
          "run %s is being stored by %s; try again", record.run_key, claim.note));
  }
  for (const auto& [name, value] : record.metrics) {
    if (name == "m_gt@0.95" || name == "m_ip" || name == "mcc" || name == "eval.fvu" ||
        name == "eval.l0") {
      out << absl::StrFormat("  %-10s %.4f\n", name, value);
    }
  }
  out << "\n";
  return PrintDatasetLeaderboard(*store, record.dataset_hash, record.dataset_spec,
                                 /*include_unclean=*/false);
}

}  // namespace lrb::bench
