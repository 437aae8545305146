#include "bench/runner.h"

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "leaderboard/store/run_owner.h"
#include "bench/environment.h"
#include "bench/model_export.h"
#include "bench/run_key.h"
#include "bench/score_rows.h"
#include "bench/scoring/codes.h"
#include "bench/scoring/encode.h"
#include "bench/scoring/scoring.h"
#include "datasets/dataset.h"
#include "datasets/dataset_spec.h"
#include "datasets/generator.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/train_spec.h"
#include "sdl/trainer.h"
#include "util/parallel.h"
#include "util/status_macros.h"

namespace lrb::bench {

using scoring::EncodeCodes;
using scoring::Hierarchy;
using scoring::kScorerVersion;
using scoring::RunScores;
using scoring::ScoreRun;
using scoring::ScoringInputs;
using scoring::ViewRows;

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

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

absl::StatusOr<PreparedDataset> Prepare(const std::string& spec_text, int threads) {
  PreparedDataset prepared;
  LRB_ASSIGN_OR_RETURN(prepared.data, datasets::GenerateDataset(spec_text, threads));
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

// Anchors for `method` on `dataset`: latent i is anchored to feature anchor_order[i].
absl::StatusOr<sdl::Anchors> MakeAnchors(const sdl::MethodSpec& method,
                                         const datasets::Dataset& dataset,
                                         std::vector<bool>& anchored_features) {
  anchored_features.assign(dataset.n, false);
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
    append_unit(dataset.features_p.data() + feature * dataset.n_p, dataset.n_p, anchors.encoder);
    append_unit(targets.data() + feature * dataset.n_r, dataset.n_r, anchors.decoder);
  }
  return anchors;
}

// Trains and scores one run; fills the outcome fields of `record` and `model`.
absl::Status TrainAndScore(const sdl::MethodSpec& method, const sdl::TrainSpec& train,
                           const PreparedDataset& prepared, const sdl::KernelTable& kernels,
                           uint64_t seed, const sdl::ProgressCallback& progress,
                           leaderboard::RunRecord& record, sdl::SaeModel& model_out) {
  const datasets::Dataset& d = prepared.data;
  std::vector<bool> anchored;
  LRB_ASSIGN_OR_RETURN(const sdl::Anchors anchors, MakeAnchors(method, d, anchored));
  const sdl::TrainingData data{prepared.train_inputs.data(), prepared.train_targets_or_inputs(),
                               d.num_train, d.n_p, d.n_r};
  LRB_ASSIGN_OR_RETURN(const sdl::TrainResult trained,
                       sdl::Train(method, train, anchors, data, kernels, seed, progress));
  record.train_seconds = trained.log.seconds;

  // Scoring is the scorer's, not the run's: it always runs on the SIMD kernels, so the
  // scores of a scalar-trained and a SIMD-trained model are computed the same way (and a
  // paper-size scoring takes seconds, not minutes of scalar GEMM).
  const sdl::KernelTable& scoring_kernels = sdl::SimdKernels();
  const auto score_start = Clock::now();
  const sdl::SaeModel& model = trained.model;
  const int64_t n_eval = d.num_samples() - d.num_train;
  if (static_cast<int64_t>(d.codes.indptr.size()) != d.num_samples() + 1) {
    return absl::FailedPreconditionError(
        "the dataset has no ground-truth codes; the scorer needs them for its eval metrics");
  }
  LRB_ASSIGN_OR_RETURN(const datasets::SparseCodes eval_codes,
                       EncodeCodes(method, model, prepared.eval_inputs.data(), n_eval,
                                   scoring_kernels));
  ScoringInputs inputs;
  inputs.n_q = model.n_q;
  inputs.n_p = model.n_p;
  inputs.n_r = model.n_r;
  inputs.encoder_rows = model.w_enc.data();
  inputs.decoder_rows = model.w_dec.data();
  inputs.decoder_bias = model.b_dec.data();
  inputs.n = d.n;
  inputs.features_p = d.features_p.data();
  inputs.features_r = d.target_features().data();
  inputs.excluded = anchored;
  inputs.true_codes = ViewRows(d.codes, d.num_train, d.num_samples());
  inputs.learned_codes = ViewRows(eval_codes, 0, n_eval);
  inputs.eval_targets = prepared.eval_targets_or_inputs();
  const Hierarchy hierarchy{d.parent};
  inputs.hierarchy = d.parent.empty() ? nullptr : &hierarchy;
  LRB_ASSIGN_OR_RETURN(RunScores scores, ScoreRun(inputs, scoring_kernels));
  record.score_seconds = SecondsSince(score_start);
  RecordScores(std::move(scores), record);
  record.metrics.emplace_back("train.final_loss", trained.log.final_loss);
  record.metrics.emplace_back("train.dead_fraction", trained.log.dead_fraction);
  record.metrics.emplace_back("train.latents_resampled",
                              static_cast<double>(trained.log.latents_resampled));
  model_out = trained.model;
  return absl::OkStatus();
}

// Progress lines: "[2/4] <method> on simd:AVX2 seed 0: 40% loss 0.123 ETA 12s", and the
// run's heartbeat, refreshed at most every kHeartbeatInterval so other machines see it alive.
sdl::ProgressCallback MakeProgress(const RunOptions& options, const std::string& prefix,
                                   leaderboard::Store& store, int64_t run_id) {
  const auto start = Clock::now();
  auto last_decile = std::make_shared<int64_t>(-1);
  auto last_heartbeat = std::make_shared<Clock::time_point>(start);
  auto heartbeat_failed = std::make_shared<bool>(false);
  return [&options, &store, run_id, prefix, start, last_decile, last_heartbeat,
          heartbeat_failed](int64_t done, int64_t total, double loss) {
    if (Clock::now() - *last_heartbeat >= leaderboard::kHeartbeatInterval) {
      *last_heartbeat = Clock::now();
      // A missed heartbeat costs nothing until the lease runs out; training goes on, and
      // the run's end is recorded (or refused) by FinishRun as usual.
      const absl::Status beat = store.Heartbeat(run_id);
      if (!beat.ok() && !*heartbeat_failed && options.log != nullptr) {
        *heartbeat_failed = true;
        *options.log << prefix << ": cannot refresh the heartbeat: " << beat << "\n";
      }
    }
    if (options.log == nullptr) return;
    const double elapsed = SecondsSince(start);
    const double eta = done > 0 ? elapsed * static_cast<double>(total - done) / done : 0;
    const int64_t percent = 100 * done / total;
    const std::string line = absl::StrFormat("%s: %3d%% loss %.4g ETA %.0fs", prefix, percent,
                                             loss, eta);
    if (options.log_is_terminal) {
      *options.log << "\r" << line << "\033[K" << std::flush;
    } else if (percent / 25 != *last_decile) {  // a line per quarter in logs
      *last_decile = percent / 25;
      *options.log << line << "\n";
    }
  };
}

}  // namespace

absl::StatusOr<RunSummary> RunSuite(const Suite& suite, leaderboard::Store& store,
                                    const RunOptions& options) {
  LRB_ASSIGN_OR_RETURN(const sdl::TrainSpec train, sdl::ParseTrainSpec(suite.train));
  std::vector<sdl::MethodSpec> methods;
  for (const std::string& text : suite.methods) {
    LRB_ASSIGN_OR_RETURN(sdl::MethodSpec method, sdl::ParseMethodSpec(text));
    methods.push_back(method);
  }
  for (const std::string& dataset : suite.datasets) {
    LRB_RETURN_IF_ERROR(datasets::ParseDatasetSpec(dataset).status());
  }
  std::vector<const sdl::KernelTable*> backends;
  for (const std::string& name : suite.backends) {
    LRB_ASSIGN_OR_RETURN(const sdl::KernelTable* kernels, sdl::KernelsByName(name));
    backends.push_back(kernels);
  }
  const int threads = DefaultThreadCount();
  const leaderboard::Environment environment = CaptureEnvironment(threads);

  RunSummary summary;
  int64_t index = 0;
  for (const std::string& dataset_text : suite.datasets) {
    const auto generate_start = Clock::now();
    if (options.log) *options.log << "generating " << dataset_text << " ...\n";
    LRB_ASSIGN_OR_RETURN(const PreparedDataset prepared, Prepare(dataset_text, threads));
    if (options.log) {
      *options.log << absl::StrFormat(
          "  %d samples, hash %s, max interference %.4f after %d PGD steps (%.1fs)\n",
          prepared.data.num_samples(), prepared.data.content_hash,
          prepared.data.report.max_interference, prepared.data.report.pgd_iterations,
          SecondsSince(generate_start));
    }
    for (size_t m = 0; m < methods.size(); ++m) {
      const sdl::MethodSpec& method = methods[m];
      // Each dataset trains the methods whose topology it calls for (suites.h).
      if (!MethodFitsDataset(suite.methods[m], dataset_text)) continue;
      for (size_t b = 0; b < backends.size(); ++b) {
        const sdl::KernelTable& kernels = *backends[b];
        for (const uint64_t seed : suite.seeds) {
          ++index;
          leaderboard::RunRecord record;
          record.suite = suite.id();
          record.dataset_spec = prepared.data.spec;
          record.dataset_hash = prepared.data.content_hash;
          record.method_spec = sdl::ToString(method);
          record.train_spec = sdl::ToString(train);
          record.backend = suite.backends[b];
          record.backend_used = kernels.backend_name();
          record.seed = seed;
          record.scorer_version = kScorerVersion;
          record.environment = environment;
          record.run_key = RunKey({record.dataset_hash, record.method_spec,
                                   sdl::FamilyVersion(method), record.train_spec,
                                   record.backend_used, seed, record.scorer_version});
          const std::string prefix =
              absl::StrFormat("[%d/%d] %s on %s seed %d", index, suite.size(),
                              record.method_spec, record.backend_used, seed);
          LRB_ASSIGN_OR_RETURN(const leaderboard::Claim claim,
                               store.ClaimRun(record, /*replace_finished=*/options.force));
          if (claim.outcome == leaderboard::Claim::Outcome::kAlreadyFinished) {
            ++summary.reused;
            if (!options.export_models_dir.empty()) ++summary.reused_not_exported;
            if (options.log) *options.log << prefix << ": already done (reused)\n";
            continue;
          }
          if (claim.outcome == leaderboard::Claim::Outcome::kHeldByAnother) {
            ++summary.skipped_held;
            if (options.log) {
              *options.log << prefix << ": skipped, being trained by " << claim.note << "\n";
            }
            continue;
          }
          const int64_t run_id = claim.run_id;
          if (!claim.note.empty()) {
            ++summary.retried;
            if (options.log) *options.log << prefix << ": retrying " << claim.note << "\n";
          }
          if (options.tracker) options.tracker->RunStarted(store, run_id, prefix);
          sdl::SaeModel model;
          absl::Status status =
              TrainAndScore(method, train, prepared, kernels, seed,
                            MakeProgress(options, prefix, store, run_id), record, model);
          if (options.log && options.log_is_terminal) *options.log << "\n";
          bool row_gone = false;
          if (status.ok()) {
            // An outcome the store refuses (e.g. a NaN metric) fails the run, not the suite.
            status = store.FinishRun(run_id, record);
            if (status.ok()) ++summary.trained;
            row_gone = absl::IsNotFound(status);
          }
          if (!status.ok()) {
            // kNotFound: the row is gone, taken over by another process that judged this
            // one's lease expired (run_owner.h). That process owns the run now; this
            // result is dropped and counted as failed, and the suite goes on.
            const absl::Status recorded =
                row_gone ? status : store.FailRun(run_id, status.ToString());
            if (options.tracker) options.tracker->RunEnded(run_id);
            if (absl::IsNotFound(recorded)) {
              ++summary.failed;
              if (options.log) {
                *options.log << prefix << ": result dropped, another process took the run "
                             << "over: " << recorded.message() << "\n";
              }
              continue;
            }
            LRB_RETURN_IF_ERROR(recorded);
            ++summary.failed;
            if (options.log) *options.log << prefix << ": FAILED: " << status << "\n";
            continue;
          }
          if (options.tracker) options.tracker->RunEnded(run_id);
          // Exported only once the scores are safe in the store: a full disk or a bad
          // directory costs the model files, never the run.
          if (!options.export_models_dir.empty()) {
            const absl::Status exported = ExportModel(
                method, model, record, options.export_models_dir + "/" + record.run_key);
            if (!exported.ok()) {
              ++summary.export_failed;
              if (options.log) {
                *options.log << prefix << ": recorded, but its model was not exported: "
                             << exported.message() << "\n";
              }
            }
          }
        }
      }
    }
  }
  return summary;
}

}  // namespace lrb::bench
