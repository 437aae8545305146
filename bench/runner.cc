#include "bench/runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "leaderboard/store/run_owner.h"
#include "bench/environment.h"
#include "bench/model_export.h"
#include "bench/run_key.h"
#include "bench/score_rows.h"
#include "bench/score_model.h"
#include "bench/trajectory.h"
#include "bench/scoring/scoring.h"
#include "datasets/dataset.h"
#include "datasets/dataset_io.h"
#include "datasets/dataset_spec.h"
#include "datasets/generator.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/train_spec.h"
#include "sdl/trainer.h"
#include "nlohmann/json.hpp"
#include "util/input_file.h"
#include "util/parallel.h"
#include "util/status_macros.h"

namespace lrb::bench {

using scoring::kScorerVersion;

// A generated dataset with its dense splits materialised once for all of its runs.
struct PreparedDataset {
  datasets::Dataset data;
  std::vector<float> train_inputs, eval_inputs;
  std::vector<float> train_targets, eval_targets;  // empty when x_r = x_p
  const float* train_targets_or_inputs() const {
    return train_targets.empty() ? train_inputs.data() : train_targets.data();
  }
  const float* eval_targets_or_inputs() const {
    return eval_targets.empty() ? eval_inputs.data() : eval_targets.data();
  }
};

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}


absl::StatusOr<PreparedDataset> Prepare(datasets::Dataset dataset, int threads) {
  PreparedDataset prepared;
  prepared.data = std::move(dataset);
  const datasets::Dataset& d = prepared.data;
  const int64_t n_train = d.num_train, n_eval = d.num_samples() - d.num_train;
  // Rows depend only on their sample, so the split is materialised in parallel (noise
  // draws make it as costly as generation at paper size).
  const auto fill = [threads](const datasets::Dataset& dataset, auto materialize, int64_t begin,
                              int64_t end, int64_t dim, std::vector<float>& out) {
    out.resize((end - begin) * dim);
    ParallelFor(
        begin, end, threads,
        [&](int64_t b, int64_t e) { materialize(dataset, b, e, out.data() + (b - begin) * dim); },
        /*min_chunk=*/1024);
  };
  fill(d, datasets::MaterializeInputs, 0, n_train, d.n_p, prepared.train_inputs);
  fill(d, datasets::MaterializeInputs, n_train, n_train + n_eval, d.n_p, prepared.eval_inputs);
  if (!d.features_r.empty()) {  // transcoder; otherwise x_r = x_p
    fill(d, datasets::MaterializeTargets, 0, n_train, d.n_r, prepared.train_targets);
    fill(d, datasets::MaterializeTargets, n_train, n_train + n_eval, d.n_r,
         prepared.eval_targets);
  }
  return prepared;
}

// Anchors for `method` on `dataset`: latent i is anchored to feature anchor_order[i]. Also
// which features those are, as flags (the scorer leaves them out) and in latent order (for
// model.json).
absl::StatusOr<sdl::Anchors> MakeAnchors(const sdl::MethodSpec& method,
                                         const datasets::Dataset& dataset,
                                         std::vector<bool>& anchored_features,
                                         AnchoredFeatures& anchor_order) {
  anchored_features.assign(dataset.n, false);
  anchor_order = {};
  sdl::Anchors anchors;
  if (!method.anchor.has_value()) return anchors;
  if (method.anchor->k >= dataset.n) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "anchor(k=%d) on a dataset with %d features: expected k < %d so that some features "
        "are left to score",
        method.anchor->k, dataset.n, dataset.n));
  }
  anchors.k = method.anchor->k;
  anchors.lambda = method.anchor->lambda;
  // Anchors are unit-norm. Ground-truth rows are not always: a
  // crosscoder row has norm sqrt(sources), a TMS direction its learned length.
  const auto append_unit = [](const float* row, int64_t dim, std::vector<float>& out) {
    double norm_sq = 0;
    for (int64_t d = 0; d < dim; ++d) norm_sq += static_cast<double>(row[d]) * row[d];
    const double inv_norm = norm_sq > 0 ? 1 / std::sqrt(norm_sq) : 0.0;
    for (int64_t d = 0; d < dim; ++d) out.push_back(static_cast<float>(row[d] * inv_norm));
  };
  const std::vector<float>& targets = dataset.target_features();
  for (int64_t i = 0; i < anchors.k; ++i) {
    const int64_t feature = dataset.anchor_order[i];
    anchored_features[feature] = true;
    anchor_order.features.push_back(feature);
    append_unit(dataset.features_p.data() + feature * dataset.n_p, dataset.n_p, anchors.encoder);
    append_unit(targets.data() + feature * dataset.n_r, dataset.n_r, anchors.decoder);
  }
  anchor_order.lambda = anchors.lambda;
  return anchors;
}

// Trains and scores one run; fills the outcome fields of `record`, `model_out` and
// `anchored_out` (the anchoring the trainer was given).
absl::Status TrainAndScore(const sdl::MethodSpec& method, const sdl::TrainSpec& train,
                           const PreparedDataset& prepared, const sdl::KernelTable& kernels,
                           uint64_t seed, const sdl::ProgressCallback& progress,
                           leaderboard::RunRecord& record, sdl::SaeModel& model_out,
                           AnchoredFeatures& anchored_out) {
  const datasets::Dataset& d = prepared.data;
  std::vector<bool> anchored;
  LRB_ASSIGN_OR_RETURN(const sdl::Anchors anchors,
                       MakeAnchors(method, d, anchored, anchored_out));
  const sdl::TrainingData data{prepared.train_inputs.data(), prepared.train_targets_or_inputs(),
                               d.num_train, d.n_p, d.n_r};
  // The trajectory (train.eval_every > 0): every checkpoint but the last is scored here; the
  // last one is the trained model, scored once below, whose metrics close the trajectory.
  // Scoring time spent at checkpoints is inside train_seconds.
  record.trajectory.clear();
  const sdl::CheckpointCallback checkpoint = [&](int64_t steps_done, const sdl::SaeModel& model,
                                                 double mean_loss) -> absl::Status {
    record.trajectory.push_back(
        {.step = steps_done, .metric = std::string(kTrajectoryLossMetric), .value = mean_loss});
    if (steps_done == train.steps) return absl::OkStatus();
    LRB_ASSIGN_OR_RETURN(const scoring::RunScores scores,
                         ScoreModel(method, model, d, prepared.eval_inputs.data(),
                                    prepared.eval_targets_or_inputs(), anchored));
    AppendTrajectoryPoints(steps_done, scores.metrics, record.trajectory);
    return absl::OkStatus();
  };
  LRB_ASSIGN_OR_RETURN(
      const sdl::TrainResult trained,
      sdl::Train(method, train, anchors, data, kernels, seed, progress, checkpoint));
  record.train_seconds = trained.log.seconds;

  const auto score_start = Clock::now();
  LRB_ASSIGN_OR_RETURN(scoring::RunScores scores,
                       ScoreModel(method, trained.model, d, prepared.eval_inputs.data(),
                                  prepared.eval_targets_or_inputs(), anchored));
  record.score_seconds = SecondsSince(score_start);
  if (train.eval_every > 0) AppendTrajectoryPoints(train.steps, scores.metrics, record.trajectory);
  std::sort(record.trajectory.begin(), record.trajectory.end(),
            [](const leaderboard::TrajectoryPoint& a, const leaderboard::TrajectoryPoint& b) {
              return std::tie(a.metric, a.step) < std::tie(b.metric, b.step);
            });
  RecordScores(std::move(scores), record);
  record.metrics.emplace_back("train.final_loss", trained.log.final_loss);
  record.metrics.emplace_back("train.dead_fraction", trained.log.dead_fraction);
  record.metrics.emplace_back("train.latents_resampled",
                              static_cast<double>(trained.log.latents_resampled));
  // Samples trained on: with the run's train_seconds, its speed in samples/s. A count, not
  // a rate, so that every stored metric is a pure function of the run's inputs.
  record.metrics.emplace_back("train.samples", static_cast<double>(trained.log.steps) *
                                                   static_cast<double>(train.batch));
  model_out = trained.model;
  return absl::OkStatus();
}

// Lines from several runs training at once: each line is written whole, under a lock. The
// redrawn progress line of a terminal is used only when one run trains at a time.
class SharedLog {
 public:
  SharedLog(std::ostream* out, bool redraw) : out_(out), redraw_(redraw) {}
  bool enabled() const { return out_ != nullptr; }
  bool redraw() const { return redraw_; }

  void Line(const std::string& line) {
    if (out_ == nullptr) return;
    absl::MutexLock lock(&mu_);
    if (pending_redraw_) *out_ << "\n";
    pending_redraw_ = false;
    *out_ << line << "\n" << std::flush;
  }
  void Redraw(const std::string& line) {
    if (out_ == nullptr) return;
    absl::MutexLock lock(&mu_);
    pending_redraw_ = true;
    *out_ << "\r" << line << "\033[K" << std::flush;
  }

 private:
  absl::Mutex mu_;
  std::ostream* const out_;
  const bool redraw_;
  bool pending_redraw_ ABSL_GUARDED_BY(mu_) = false;
};

// Progress lines: "[2/4] <method> on simd:AVX2 seed 0: 40% loss 0.123 ETA 12s", and the
// run's heartbeat, refreshed at most every kHeartbeatInterval so other machines see it alive.
sdl::ProgressCallback MakeProgress(SharedLog& log, const std::string& prefix,
                                   leaderboard::Store& store, int64_t run_id) {
  const auto start = Clock::now();
  auto last_quarter = std::make_shared<int64_t>(-1);
  auto last_heartbeat = std::make_shared<Clock::time_point>(start);
  auto heartbeat_failed = std::make_shared<bool>(false);
  return [&log, &store, run_id, prefix, start, last_quarter, last_heartbeat,
          heartbeat_failed](int64_t done, int64_t total, double loss) {
    if (Clock::now() - *last_heartbeat >= leaderboard::kHeartbeatInterval) {
      *last_heartbeat = Clock::now();
      // A missed heartbeat costs nothing until the lease runs out; training goes on, and
      // the run's end is recorded (or refused) by FinishRun as usual.
      const absl::Status beat = store.Heartbeat(run_id);
      if (!beat.ok() && !*heartbeat_failed) {
        *heartbeat_failed = true;
        log.Line(absl::StrCat(prefix, ": cannot refresh the heartbeat: ", beat.ToString()));
      }
    }
    if (!log.enabled()) return;
    const double elapsed = SecondsSince(start);
    const double eta = done > 0 ? elapsed * static_cast<double>(total - done) / done : 0;
    const int64_t percent = 100 * done / total;
    const std::string line = absl::StrFormat("%s: %3d%% loss %.4g ETA %.0fs", prefix, percent,
                                             loss, eta);
    if (log.redraw()) {
      log.Redraw(line);
    } else if (percent / 25 != *last_quarter) {  // a line per quarter in logs
      *last_quarter = percent / 25;
      log.Line(line);
    }
  };
}

// One run ready to claim: its record (identity and environment) and how to train it.
struct Job {
  sdl::MethodSpec method;
  const sdl::KernelTable* kernels = nullptr;
  leaderboard::RunRecord record;
  std::string prefix;  // names the run in log lines
};

absl::StatusOr<Job> MakeJob(const std::string& suite_id, const datasets::Dataset& dataset,
                            const std::string& method_text, const sdl::TrainSpec& train,
                            const std::string& backend, uint64_t seed,
                            const leaderboard::Environment& environment) {
  Job job;
  LRB_ASSIGN_OR_RETURN(job.method, sdl::ParseMethodSpec(method_text));
  LRB_ASSIGN_OR_RETURN(job.kernels, sdl::KernelsByName(backend));
  leaderboard::RunRecord& record = job.record;
  record.suite = suite_id;
  record.dataset_spec = dataset.spec;
  record.dataset_hash = dataset.content_hash;
  record.method_spec = sdl::ToString(job.method);
  record.train_spec = sdl::ToString(train);
  record.backend = backend;
  record.backend_used = job.kernels->backend_name();
  record.seed = seed;
  record.scorer_version = kScorerVersion;
  record.environment = environment;
  record.run_key = RunKey({record.dataset_hash, record.method_spec,
                           sdl::FamilyVersion(job.method), record.train_spec,
                           record.backend_used, seed, record.scorer_version});
  return job;
}

RunSummary& operator+=(RunSummary& total, const RunSummary& one) {
  total.trained += one.trained;
  total.reused += one.reused;
  total.reused_from_other += one.reused_from_other;
  total.failed += one.failed;
  total.skipped_held += one.skipped_held;
  total.retried += one.retried;
  total.export_failed += one.export_failed;
  total.reused_not_exported += one.reused_not_exported;
  return total;
}

// Copies the run with `run_key` into `store` from the first of `options.reuse_from` that
// has it whole and finished, unless `store` has it already. Returns the path of the
// database it came from, or "" when nothing was copied (then the run is claimed as usual;
// also when `store` refused the copy, e.g. because another process is training the key).
absl::StatusOr<std::string> CopyFromReuseDatabases(const std::string& run_key,
                                                   leaderboard::Store& store,
                                                   const RunOptions& options) {
  if (options.reuse_from.empty() || options.force) return "";
  LRB_ASSIGN_OR_RETURN(const std::optional<leaderboard::RunRecord> present,
                       store.FindFinishedRun(run_key));
  if (present.has_value()) return "";
  for (leaderboard::Store* source : options.reuse_from) {
    LRB_ASSIGN_OR_RETURN(const std::optional<leaderboard::RunRecord> found,
                         source->FindFinishedRun(run_key));
    if (!found.has_value()) continue;
    LRB_ASSIGN_OR_RETURN(const leaderboard::Import import, store.ImportFinishedRun(*found));
    return import.outcome == leaderboard::Import::Outcome::kRefused ? "" : source->path();
  }
  return "";
}

// Claims, trains, scores and records one run; returns what happened to it. Fails only for
// storage errors, which stop the suite.
absl::StatusOr<RunSummary> RunOne(Job& job, const sdl::TrainSpec& train,
                                  const PreparedDataset& prepared, leaderboard::Store& store,
                                  const RunOptions& options, SharedLog& log) {
  RunSummary summary;
  leaderboard::RunRecord& record = job.record;
  const std::string& prefix = job.prefix;
  LRB_ASSIGN_OR_RETURN(const std::string copied_from,
                       CopyFromReuseDatabases(record.run_key, store, options));
  LRB_ASSIGN_OR_RETURN(const leaderboard::Claim claim,
                       store.ClaimRun(record, /*replace_finished=*/options.force));
  if (claim.outcome == leaderboard::Claim::Outcome::kAlreadyFinished) {
    ++summary.reused;
    if (!options.export_models_dir.empty()) ++summary.reused_not_exported;
    if (copied_from.empty()) {
      log.Line(prefix + ": already done (reused)");
    } else {
      ++summary.reused_from_other;
      log.Line(absl::StrCat(prefix, ": already done (reused from ", copied_from, ")"));
    }
    return summary;
  }
  if (claim.outcome == leaderboard::Claim::Outcome::kHeldByAnother) {
    ++summary.skipped_held;
    log.Line(absl::StrCat(prefix, ": skipped, being trained by ", claim.note));
    return summary;
  }
  const int64_t run_id = claim.run_id;
  if (!claim.note.empty()) {
    ++summary.retried;
    log.Line(absl::StrCat(prefix, ": retrying ", claim.note));
  }
  if (options.tracker) options.tracker->RunStarted(store, run_id, prefix);
  sdl::SaeModel model;
  AnchoredFeatures anchored;
  absl::Status status =
      TrainAndScore(job.method, train, prepared, *job.kernels, record.seed,
                    MakeProgress(log, prefix, store, run_id), record, model, anchored);
  bool row_gone = false;
  if (status.ok()) {
    // An outcome the store refuses (e.g. a NaN metric) fails the run, not the suite.
    status = store.FinishRun(run_id, record);
    if (status.ok()) {
      ++summary.trained;
      log.Line(absl::StrFormat("%s: done, trained in %.1fs, scored in %.1fs", prefix,
                               record.train_seconds, record.score_seconds));
    }
    row_gone = absl::IsNotFound(status);
  }
  if (!status.ok()) {
    // kNotFound: the row is gone, taken over by another process that judged this one's
    // lease expired (run_owner.h). That process owns the run now; this result is dropped
    // and counted as failed, and the suite goes on.
    const absl::Status recorded = row_gone ? status : store.FailRun(run_id, status.ToString());
    if (options.tracker) options.tracker->RunEnded(run_id);
    if (absl::IsNotFound(recorded)) {
      ++summary.failed;
      log.Line(absl::StrCat(prefix, ": result dropped, another process took the run over: ",
                            recorded.message()));
      return summary;
    }
    LRB_RETURN_IF_ERROR(recorded);
    ++summary.failed;
    log.Line(absl::StrCat(prefix, ": FAILED: ", status.ToString()));
    return summary;
  }
  if (options.tracker) options.tracker->RunEnded(run_id);
  // Exported only once the scores are safe in the store: a full disk or a bad directory
  // costs the model files, never the run.
  if (!options.export_models_dir.empty()) {
    const absl::Status exported =
        ExportModel(job.method, model, record, anchored,
                    options.export_models_dir + "/" + record.run_key);
    if (!exported.ok()) {
      ++summary.export_failed;
      log.Line(absl::StrCat(prefix, ": recorded, but its model was not exported: ",
                            exported.message()));
    }
  }
  return summary;
}

// Runs `jobs` (all on `prepared`) on up to `parallel` threads, in order of their index.
// After a storage error no new run starts; the runs in flight finish and the first error
// is returned.
absl::Status RunJobs(std::vector<Job>& jobs, const sdl::TrainSpec& train,
                     const PreparedDataset& prepared, leaderboard::Store& store,
                     const RunOptions& options, SharedLog& log, int parallel,
                     RunSummary& summary) {
  absl::Mutex mu;
  size_t next = 0;
  absl::Status first_error;
  const auto worker = [&] {
    while (true) {
      size_t index;
      {
        absl::MutexLock lock(&mu);
        if (!first_error.ok() || next >= jobs.size()) return;
        index = next++;
      }
      const absl::StatusOr<RunSummary> one =
          RunOne(jobs[index], train, prepared, store, options, log);
      absl::MutexLock lock(&mu);
      if (one.ok()) {
        summary += *one;
      } else if (first_error.ok()) {
        first_error = one.status();
      }
    }
  };
  const int extra = std::max(0, std::min<int>(parallel, static_cast<int>(jobs.size())) - 1);
  std::vector<std::thread> threads;
  threads.reserve(extra);
  for (int i = 0; i < extra; ++i) threads.emplace_back(worker);
  worker();
  for (std::thread& thread : threads) thread.join();
  return first_error;
}

int ThreadsPerRun(const RunOptions& options) {
  return options.threads > 0 ? options.threads : DefaultThreadCount();
}

void LogDataset(SharedLog& log, const datasets::Dataset& d, double seconds, bool loaded) {
  log.Line(absl::StrFormat("  %d samples, hash %s, max interference %.4f after %d PGD steps "
                           "(%s in %.1fs)",
                           d.num_samples(), d.content_hash, d.report.max_interference,
                           d.report.pgd_iterations, loaded ? "loaded" : "generated", seconds));
}

constexpr int64_t kMaxSuiteJsonBytes = int64_t{64} << 20;

}  // namespace

absl::StatusOr<std::vector<SuiteDataEntry>> ReadSuiteData(const Suite& suite,
                                                          const std::string& data_dir) {
  using json = nlohmann::json;
  const std::string path = (std::filesystem::path(data_dir) / "suite.json").string();
  const absl::StatusOr<std::string> text = ReadSmallFile(path, kMaxSuiteJsonBytes);
  if (!text.ok()) {
    return absl::NotFoundError(absl::StrFormat(
        "--data=%s: cannot read its suite.json (%s); `lrb generate --suite=%s --out=%s` "
        "writes it",
        data_dir, text.status().message(), suite.name, data_dir));
  }
  const json manifest = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  const auto string_field = [](const json& object, const char* key) -> std::string {
    return object.is_object() && object.contains(key) && object[key].is_string()
               ? object[key].get<std::string>()
               : std::string();
  };
  if (manifest.is_discarded() || !manifest.is_object() || !manifest.contains("datasets") ||
      !manifest["datasets"].is_array()) {
    return absl::DataLossError(absl::StrCat(
        path, ": not a suite manifest (expected a JSON object with a \"datasets\" array)"));
  }
  if (string_field(manifest, "suite") != suite.id()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "--data=%s holds suite \"%s\", not %s", data_dir, string_field(manifest, "suite"),
        suite.id()));
  }
  if (string_field(manifest, "fingerprint") != SuiteFingerprint(suite)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "--data=%s: suite fingerprint %s, but this binary's %s is %s: the directory was "
        "written by another version of LRB; generate it again",
        data_dir, string_field(manifest, "fingerprint"), suite.id(), SuiteFingerprint(suite)));
  }
  const json& entries = manifest["datasets"];
  if (entries.size() != suite.datasets.size()) {
    return absl::DataLossError(absl::StrFormat("%s: %d datasets, but %s has %d", path,
                                               entries.size(), suite.id(),
                                               suite.datasets.size()));
  }
  std::vector<SuiteDataEntry> data;
  for (size_t i = 0; i < entries.size(); ++i) {
    LRB_ASSIGN_OR_RETURN(const datasets::DatasetSpec spec,
                         datasets::ParseDatasetSpec(suite.datasets[i]));
    const std::string canonical = datasets::ToString(spec);
    const std::string dir = string_field(entries[i], "dir");
    const std::string listed_spec = string_field(entries[i], "spec");
    const std::string hash = string_field(entries[i], "content_hash");
    if (dir.empty() || dir == "." || dir == ".." || dir.find('/') != std::string::npos ||
        hash.empty()) {
      return absl::DataLossError(absl::StrFormat(
          "%s: datasets[%d] is %s, expected {\"dir\": a directory name, \"spec\", "
          "\"content_hash\"}",
          path, i, entries[i].dump(-1, ' ', false, json::error_handler_t::replace)));
    }
    if (listed_spec != canonical) {
      return absl::FailedPreconditionError(
          absl::StrFormat("%s: datasets[%d] is %s, but %s's dataset %d is %s", path, i,
                          listed_spec, suite.id(), i, canonical));
    }
    data.push_back({(std::filesystem::path(data_dir) / dir).string(), canonical, hash});
  }
  return data;
}

absl::StatusOr<std::string> PlannedRunKey(const std::string& dataset_hash,
                                          const std::string& method_spec,
                                          const std::string& train_spec,
                                          const std::string& backend, uint64_t seed) {
  LRB_ASSIGN_OR_RETURN(const sdl::MethodSpec method, sdl::ParseMethodSpec(method_spec));
  LRB_ASSIGN_OR_RETURN(const sdl::TrainSpec train, sdl::ParseTrainSpec(train_spec));
  LRB_ASSIGN_OR_RETURN(const sdl::KernelTable* kernels, sdl::KernelsByName(backend));
  return RunKey({dataset_hash, sdl::ToString(method), sdl::FamilyVersion(method),
                 sdl::ToString(train), kernels->backend_name(), seed, kScorerVersion});
}

absl::StatusOr<RunSummary> RunSuite(const Suite& suite, leaderboard::Store& store,
                                    const RunOptions& options) {
  LRB_ASSIGN_OR_RETURN(const RunPlan plan, PlanRuns(suite, RunFilter{}));
  return RunSuitePlan(suite, plan, store, options);
}

absl::StatusOr<RunSummary> RunSuitePlan(const Suite& suite, const RunPlan& plan,
                                        leaderboard::Store& store, const RunOptions& options) {
  LRB_ASSIGN_OR_RETURN(const sdl::TrainSpec train, sdl::ParseTrainSpec(suite.train));
  std::vector<SuiteDataEntry> data;
  if (!options.data_dir.empty()) {
    LRB_ASSIGN_OR_RETURN(data, ReadSuiteData(suite, options.data_dir));
  }
  const int threads = ThreadsPerRun(options);
  const int parallel = std::max(1, options.jobs);
  const leaderboard::Environment environment = CaptureEnvironment(threads);
  SharedLog log(options.log, options.log_is_terminal && parallel == 1);

  RunSummary summary;
  const int64_t total = static_cast<int64_t>(plan.runs.size());
  for (int64_t begin = 0; begin < total;) {
    // The plan's runs of one dataset are contiguous (matrix order).
    const int dataset_index = plan.runs[begin].dataset_index;
    int64_t end = begin;
    while (end < total && plan.runs[end].dataset_index == dataset_index) ++end;
    const std::string& spec = plan.runs[begin].dataset_spec;

    const auto start = Clock::now();
    datasets::Dataset dataset;
    if (data.empty()) {
      log.Line("generating " + spec + " ...");
      LRB_ASSIGN_OR_RETURN(dataset, datasets::GenerateDataset(spec, threads));
    } else {
      const SuiteDataEntry& entry = data[dataset_index];
      log.Line("loading " + entry.dir + " (" + spec + ") ...");
      LRB_ASSIGN_OR_RETURN(dataset, datasets::LoadDataset(entry.dir));
      if (dataset.spec != entry.spec || dataset.content_hash != entry.content_hash) {
        return absl::DataLossError(absl::StrFormat(
            "%s holds %s with content hash %s, but the suite directory lists %s with hash %s; "
            "generate the directory again",
            entry.dir, dataset.spec, dataset.content_hash, entry.spec, entry.content_hash));
      }
    }
    LRB_ASSIGN_OR_RETURN(const PreparedDataset prepared, Prepare(std::move(dataset), threads));
    LogDataset(log, prepared.data, SecondsSince(start), /*loaded=*/!data.empty());

    std::vector<Job> jobs;
    for (int64_t i = begin; i < end; ++i) {
      const PlannedRun& run = plan.runs[i];
      LRB_ASSIGN_OR_RETURN(Job job, MakeJob(suite.id(), prepared.data, run.method_spec, train,
                                            run.backend, run.seed, environment));
      job.prefix = absl::StrFormat("[%d/%d] %s on %s seed %d", i + 1, total,
                                   job.record.method_spec, job.record.backend_used, run.seed);
      jobs.push_back(std::move(job));
    }
    LRB_RETURN_IF_ERROR(RunJobs(jobs, train, prepared, store, options, log, parallel, summary));
    begin = end;
  }
  return summary;
}

DatasetRuns::DatasetRuns(std::string dataset_dir, std::unique_ptr<PreparedDataset> prepared,
                         RunOptions options)
    : dataset_dir_(std::move(dataset_dir)),
      prepared_(std::move(prepared)),
      options_(std::move(options)) {}

DatasetRuns::~DatasetRuns() = default;

absl::StatusOr<std::unique_ptr<DatasetRuns>> DatasetRuns::Load(const std::string& dataset_dir,
                                                               const RunOptions& options) {
  SharedLog log(options.log, options.log_is_terminal);
  const auto start = Clock::now();
  log.Line("loading " + dataset_dir + " ...");
  LRB_ASSIGN_OR_RETURN(datasets::Dataset dataset, datasets::LoadDataset(dataset_dir));
  LRB_ASSIGN_OR_RETURN(PreparedDataset prepared,
                       Prepare(std::move(dataset), ThreadsPerRun(options)));
  LogDataset(log, prepared.data, SecondsSince(start), /*loaded=*/true);
  return std::unique_ptr<DatasetRuns>(new DatasetRuns(
      dataset_dir, std::make_unique<PreparedDataset>(std::move(prepared)), options));
}

const std::string& DatasetRuns::dataset_spec() const { return prepared_->data.spec; }

const std::string& DatasetRuns::dataset_hash() const { return prepared_->data.content_hash; }

absl::StatusOr<RunSummary> DatasetRuns::Run(const std::string& method, const std::string& train,
                                            const std::string& backend, uint64_t seed,
                                            leaderboard::Store& store) {
  LRB_ASSIGN_OR_RETURN(const sdl::MethodSpec method_spec, sdl::ParseMethodSpec(method));
  LRB_ASSIGN_OR_RETURN(const sdl::TrainSpec train_spec,
                       train.empty() ? sdl::TrainSpec{} : sdl::ParseTrainSpec(train));
  LRB_RETURN_IF_ERROR(sdl::KernelsByName(backend).status());
  const datasets::Dataset& dataset = prepared_->data;
  if (!MethodFitsDataset(sdl::ToString(method_spec), dataset.spec)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s does not fit the dataset %s (%s): transcoder.* methods train on +transcoder "
        "datasets, crosscoder.*(sources=m) on +crosscoder(m=m), sae.* on the rest",
        sdl::ToString(method_spec), dataset_dir_, dataset.spec));
  }
  SharedLog log(options_.log, options_.log_is_terminal);
  LRB_ASSIGN_OR_RETURN(Job job, MakeJob(/*suite_id=*/"", dataset, method, train_spec, backend,
                                        seed, CaptureEnvironment(ThreadsPerRun(options_))));
  job.prefix = absl::StrFormat("%s on %s seed %d", job.record.method_spec,
                               job.record.backend_used, seed);
  std::vector<Job> jobs;
  jobs.push_back(std::move(job));
  RunSummary summary;
  LRB_RETURN_IF_ERROR(RunJobs(jobs, train_spec, *prepared_, store, options_, log,
                              /*parallel=*/1, summary));
  return summary;
}

absl::StatusOr<RunSummary> TrainOnDataset(const std::string& dataset_dir,
                                          const std::string& method, const std::string& train,
                                          const std::string& backend, uint64_t seed,
                                          leaderboard::Store& store, const RunOptions& options) {
  // Specs are checked before the dataset is loaded (seconds at paper size).
  LRB_RETURN_IF_ERROR(sdl::ParseMethodSpec(method).status());
  if (!train.empty()) LRB_RETURN_IF_ERROR(sdl::ParseTrainSpec(train).status());
  LRB_RETURN_IF_ERROR(sdl::KernelsByName(backend).status());
  LRB_ASSIGN_OR_RETURN(const std::unique_ptr<DatasetRuns> runs,
                       DatasetRuns::Load(dataset_dir, options));
  return runs->Run(method, train, backend, seed, store);
}

}  // namespace lrb::bench
