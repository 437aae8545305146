// How often TopK keeps negative codes, and what a ReLU after the selection changes: the
// smoke suite's dataset, training budget and TopK SAE (with and without anchoring), each
// with relu=0 and relu=1, seeds 0-2, trained on the SIMD backend through the runner (so exactly as
// `lrb run` trains and scores), recorded under the suite name "smoke_topk_relu" in --db, and
// exported; then every exported model encodes the evaluation split and the fraction of its
// non-zero codes that are negative is counted. docs/metrics.md quotes the output.
//
//   ./bazelw run -c opt //bench:topk_relu_measurement -- --db=/tmp/topk_relu.db
//
// A measurement, not a test: it takes under a minute on two cores and prints a table.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "bench/model_import.h"
#include "bench/runner.h"
#include "bench/suites.h"
#include "datasets/dataset.h"
#include "datasets/generator.h"
#include "leaderboard/store/store.h"
#include "sdl/kernels/kernels.h"
#include "sdl/methods.h"
#include "util/parallel.h"
#include "util/status_macros.h"

namespace lrb::bench {
namespace {

struct NegativeCodes {
  int64_t nonzero = 0, negative = 0;
};

// Encodes the evaluation split with the exported model in `dir` and counts its codes.
absl::StatusOr<NegativeCodes> CountNegativeCodes(const std::string& dir,
                                                 const datasets::Dataset& dataset) {
  LRB_ASSIGN_OR_RETURN(const ImportedModel imported,
                       LoadModelDirectory(dir, dataset.n_p, dataset.n_r, "sae", 1));
  constexpr int64_t kBatch = 1024;
  NegativeCodes counts;
  std::vector<float> inputs;
  sdl::MethodWorkspace ws;
  for (int64_t begin = dataset.num_train; begin < dataset.num_samples(); begin += kBatch) {
    const int64_t end = std::min(begin + kBatch, dataset.num_samples());
    inputs.resize((end - begin) * dataset.n_p);
    datasets::MaterializeInputs(dataset, begin, end, inputs.data());
    LRB_ASSIGN_OR_RETURN(const sdl::SparseRows codes,
                         sdl::Encode(imported.method, imported.model, inputs.data(), end - begin,
                                     sdl::SimdKernels(), ws));
    for (const float value : codes.values) {
      counts.nonzero += value != 0.0f;
      counts.negative += value < 0.0f;
    }
  }
  return counts;
}

double MetricOf(const leaderboard::RunRecord& run, const std::string& name) {
  for (const auto& [metric, value] : run.metrics) {
    if (metric == name) return value;
  }
  return -1;
}

absl::Status Measure(const std::string& db) {
  LRB_ASSIGN_OR_RETURN(const Suite* smoke, FindSuite("smoke"));
  Suite suite = *smoke;
  suite.name = "smoke_topk_relu";
  suite.description = "the smoke suite's TopK SAE with relu=0 and relu=1 (measurement)";
  suite.methods = {"sae.topk(latents=640,k=6)",
                   "sae.topk(latents=640,k=6)+anchor(k=32,lambda=0.1)",
                   "sae.topk(latents=640,k=6,relu=1)",
                   "sae.topk(latents=640,k=6,relu=1)+anchor(k=32,lambda=0.1)"};
  suite.backends = {"simd"};
  suite.seeds = {0, 1, 2};
  const std::string models = db + ".models";
  LRB_ASSIGN_OR_RETURN(std::unique_ptr<leaderboard::Store> store, leaderboard::Store::Open(db));
  RunOptions options;
  options.export_models_dir = models;
  LRB_ASSIGN_OR_RETURN(const RunSummary summary, RunSuite(suite, *store, options));
  if (!summary.AllSucceeded()) return absl::InternalError("a run failed; see --db");
  if (summary.reused_not_exported > 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%d runs were reused from %s and not exported; use a fresh --db",
        summary.reused_not_exported, db));
  }
  LRB_ASSIGN_OR_RETURN(const datasets::Dataset dataset,
                       datasets::GenerateDataset(suite.datasets[0], DefaultThreadCount()));
  LRB_ASSIGN_OR_RETURN(const std::vector<leaderboard::RunRecord> runs, store->LoadRuns(suite.id()));
  std::printf("%-84s %4s %9s %7s %9s %8s %7s %6s %9s\n", "method (simd)", "seed", "M_GT@.95",
              "M_IP", "dec M_GT", "dec M_IP", "FVU", "L0", "negative");
  for (const leaderboard::RunRecord& run : runs) {
    LRB_ASSIGN_OR_RETURN(const NegativeCodes counts,
                         CountNegativeCodes(models + "/" + run.run_key, dataset));
    std::printf("%-84s %4d %8.2f%% %7.4f %8.2f%% %8.4f %7.4f %6.3f %8.2f%%\n",
                run.method_spec.c_str(), static_cast<int>(run.seed),
                100 * MetricOf(run, "m_gt@0.95"),
                MetricOf(run, "m_ip"), 100 * MetricOf(run, "decoder.m_gt@0.95"),
                MetricOf(run, "decoder.m_ip"), MetricOf(run, "eval.fvu"),
                MetricOf(run, "eval.l0"),
                counts.nonzero == 0 ? 0.0 : 100.0 * counts.negative / counts.nonzero);
  }
  std::printf("negative: the fraction of non-zero eval-split codes that are negative\n");
  return absl::OkStatus();
}

}  // namespace
}  // namespace lrb::bench

int main(int argc, char** argv) {
  std::string db;
  for (int i = 1; i < argc; ++i) {
    if (absl::StartsWith(argv[i], "--db=")) db = std::string(argv[i]).substr(5);
  }
  if (db.empty()) {
    std::fprintf(stderr, "usage: topk_relu_measurement --db=PATH (a fresh SQLite file)\n");
    return 2;
  }
  const absl::Status status = lrb::bench::Measure(db);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
