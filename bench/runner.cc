#include "bench/runner.h"

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "bench/environment.h"
#include "bench/reconstruction.h"
#include "bench/run_key.h"
#include "bench/scoring.h"
#include "datasets/dataset.h"
#include "datasets/generator.h"
#include "datasets/lrb_spec.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/train_spec.h"
#include "sdl/trainer.h"
#include "util/parallel.h"
#include "util/status_macros.h"

namespace lrb::bench {
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
  LRB_ASSIGN_OR_RETURN(const datasets::LrbSpec spec, datasets::ParseLrbSpec(spec_text));
  PreparedDataset prepared;
  LRB_ASSIGN_OR_RETURN(prepared.data, datasets::GenerateLrb(spec, threads));
  const datasets::Dataset& d = prepared.data;
  const int64_t n_train = d.num_train, n_eval = d.num_samples() - d.num_train;
  prepared.train_inputs.resize(n_train * d.n_p);
  prepared.eval_inputs.resize(n_eval * d.n_p);
  datasets::MaterializeInputs(d, 0, n_train, prepared.train_inputs.data());
  datasets::MaterializeInputs(d, n_train, d.num_samples(), prepared.eval_inputs.data());
  if (!d.features_r.empty()) {
    prepared.train_targets.resize(n_train * d.n_r);
    prepared.eval_targets.resize(n_eval * d.n_r);
    datasets::MaterializeTargets(d, 0, n_train, prepared.train_targets.data());
    datasets::MaterializeTargets(d, n_train, d.num_samples(), prepared.eval_targets.data());
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
  const std::vector<float>& targets = dataset.target_features();
  for (int64_t i = 0; i < anchors.k; ++i) {
    const int64_t feature = dataset.anchor_order[i];
    anchored_features[feature] = true;
    anchors.encoder.insert(anchors.encoder.end(), dataset.features_p.begin() + feature * dataset.n_p,
                           dataset.features_p.begin() + (feature + 1) * dataset.n_p);
    anchors.decoder.insert(anchors.decoder.end(), targets.begin() + feature * dataset.n_r,
                           targets.begin() + (feature + 1) * dataset.n_r);
  }
  return anchors;
}

// Trains and scores one run; fills the outcome fields of `record`.
absl::Status TrainAndScore(const sdl::MethodSpec& method, const sdl::TrainSpec& train,
                           const PreparedDataset& prepared, const sdl::KernelTable& kernels,
                           uint64_t seed, const sdl::ProgressCallback& progress,
                           leaderboard::RunRecord& record) {
  const datasets::Dataset& d = prepared.data;
  std::vector<bool> anchored;
  LRB_ASSIGN_OR_RETURN(const sdl::Anchors anchors, MakeAnchors(method, d, anchored));
  const sdl::TrainingData data{prepared.train_inputs.data(), prepared.train_targets_or_inputs(),
                               d.num_train, d.n_p, d.n_r};
  LRB_ASSIGN_OR_RETURN(const sdl::TrainResult trained,
                       sdl::Train(method, train, anchors, data, kernels, seed, progress));
  record.train_seconds = trained.log.seconds;

  const auto score_start = Clock::now();
  const sdl::SaeModel& model = trained.model;
  LRB_ASSIGN_OR_RETURN(const RecoveryScores encoder,
                       ScoreDirections(model.w_enc.data(), model.n_q, d.features_p.data(), d.n,
                                       d.n_p, anchored, kernels));
  LRB_ASSIGN_OR_RETURN(const RecoveryScores decoder,
                       ScoreDirections(model.w_dec.data(), model.n_q,
                                       d.target_features().data(), d.n, d.n_r, anchored,
                                       kernels));
  LRB_ASSIGN_OR_RETURN(
      const ReconstructionScores recon,
      ScoreReconstruction(method, model, prepared.eval_inputs.data(),
                          prepared.eval_targets_or_inputs(), d.num_samples() - d.num_train,
                          kernels));
  record.score_seconds = SecondsSince(score_start);
  record.metrics = {
      {"m_gt@0.95", encoder.m_gt_095},
      {"m_gt@0.9", encoder.m_gt_090},
      {"m_ip", encoder.m_ip},
      {"decoder.m_gt@0.95", decoder.m_gt_095},
      {"decoder.m_ip", decoder.m_ip},
      {"eval.fvu", recon.fvu},
      {"eval.l0", recon.l0},
      {"eval.dead_fraction", recon.dead_fraction},
      {"train.final_loss", trained.log.final_loss},
      {"train.dead_fraction", trained.log.dead_fraction},
      {"features_scored", static_cast<double>(encoder.features_scored)},
  };
  record.features = encoder.features;
  return absl::OkStatus();
}

// Progress lines: "[2/4] <method> on simd:AVX2 seed 0: 40% loss 0.123 ETA 12s".
sdl::ProgressCallback MakeProgress(const RunOptions& options, const std::string& prefix) {
  if (options.log == nullptr) return nullptr;
  const auto start = Clock::now();
  auto last_decile = std::make_shared<int64_t>(-1);
  return [&options, prefix, start, last_decile](int64_t done, int64_t total, double loss) {
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
    for (const sdl::MethodSpec& method : methods) {
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
          if (options.force) {
            LRB_RETURN_IF_ERROR(store.DeleteRun(record.run_key));
          } else {
            LRB_ASSIGN_OR_RETURN(const auto finished, store.FindFinishedRun(record.run_key));
            if (finished.has_value()) {
              ++summary.reused;
              if (options.log) *options.log << prefix << ": already done (reused)\n";
              continue;
            }
          }
          LRB_ASSIGN_OR_RETURN(const int64_t run_id, store.BeginRun(record));
          absl::Status status = TrainAndScore(method, train, prepared, kernels, seed,
                                              MakeProgress(options, prefix), record);
          if (options.log && options.log_is_terminal) *options.log << "\n";
          if (status.ok()) {
            // An outcome the store refuses (e.g. a NaN metric) fails the run, not the suite.
            status = store.FinishRun(run_id, record);
            if (status.ok()) ++summary.trained;
          }
          if (!status.ok()) {
            LRB_RETURN_IF_ERROR(store.FailRun(run_id, status.ToString()));
            ++summary.failed;
            if (options.log) *options.log << prefix << ": FAILED: " << status << "\n";
          }
        }
      }
    }
  }
  return summary;
}

}  // namespace lrb::bench
