// Dataset generation speed. The `paper` case is the paper's LRB dataset (Table 3:
// n = 1000, n_p = 768, N = 100000, S = 0.99, M = 0.1); `tiny` keeps the benchmark
// compiling and running inside `bazel test //...`.
//
// Counters: samples_per_second (whole generation, wall clock), pgd_seconds and
// codes_seconds per generation, pgd_iterations and max_interference of the last run.
// Exits non-zero if a generation fails or the filter selects nothing, so that the test
// target fails too.

#include <string>

#include "benchmark/benchmark.h"
#include "datasets/generator.h"
#include "datasets/lrb_spec.h"
#include "util/parallel.h"

namespace lrb::datasets {
namespace {

bool generation_failed = false;  // set by any benchmark; read by main

void BM_GenerateLrb(benchmark::State& state, const std::string& spec_text) {
  const absl::StatusOr<LrbSpec> spec = ParseLrbSpec(spec_text);
  if (!spec.ok()) {
    generation_failed = true;
    state.SkipWithError(std::string(spec.status().message()).c_str());
    return;
  }
  const int threads = static_cast<int>(state.range(0));
  GenerationReport report;
  double pgd_seconds = 0, codes_seconds = 0;
  for (auto _ : state) {
    absl::StatusOr<Dataset> dataset = GenerateLrb(*spec, threads);
    if (!dataset.ok()) {
      generation_failed = true;
      state.SkipWithError(std::string(dataset.status().message()).c_str());
      return;
    }
    report = dataset->report;
    pgd_seconds += report.pgd_seconds;
    codes_seconds += report.codes_seconds;
    benchmark::DoNotOptimize(dataset->content_hash);
  }
  const double runs = static_cast<double>(state.iterations());
  state.counters["samples_per_second"] = benchmark::Counter(
      runs * static_cast<double>(spec->num_samples), benchmark::Counter::kIsRate);
  state.counters["pgd_seconds"] = pgd_seconds / runs;
  state.counters["codes_seconds"] = codes_seconds / runs;
  state.counters["pgd_iterations"] = report.pgd_iterations;
  state.counters["max_interference"] = report.max_interference;
  state.SetLabel(ToString(*spec));
}

// One thread and all hardware threads, to show the scaling.
void ThreadCounts(benchmark::internal::Benchmark* b) {
  b->ArgName("threads")->Arg(1);
  if (DefaultThreadCount() > 1) b->Arg(DefaultThreadCount());
}

BENCHMARK_CAPTURE(BM_GenerateLrb, paper, std::string("lrb"))
    ->Apply(ThreadCounts)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// PGD runs here too (random start ~0.6 > M = 0.3), so every stage is exercised.
BENCHMARK_CAPTURE(BM_GenerateLrb, tiny, std::string("lrb(n=64,np=48,N=2000,M=0.3)"))
    ->Apply(ThreadCounts)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace lrb::datasets

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const size_t benchmarks_run = benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return benchmarks_run == 0 || lrb::datasets::generation_failed ? 1 : 0;
}
