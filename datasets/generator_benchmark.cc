// Dataset generation speed. The `paper` case is the paper's LRB dataset (Table 3:
// n = 1000, n_p = 768, N = 100000, S = 0.99, M = 0.1); the `paper_*` cases add what the
// other suites add at the same size (a transcoder's second PGD, hierarchy, the realism
// knobs with their O(n)-per-sample copula path), `tms` trains the toy model; `tiny` keeps
// the benchmark compiling and running inside `bazel test //...`.
//
// Counters: samples_per_second (whole generation, wall clock), pgd_seconds and
// codes_seconds per generation, pgd_iterations and max_interference of the last run.
// Exits non-zero if a generation fails or the filter selects nothing, so that the test
// target fails too.

#include <string>

#include "benchmark/benchmark.h"
#include "datasets/generator.h"
#include "datasets/dataset_spec.h"
#include "util/parallel.h"

namespace lrb::datasets {
namespace {

bool generation_failed = false;  // set by any benchmark; read by main

void BM_GenerateLrb(benchmark::State& state, const std::string& spec_text) {
  const absl::StatusOr<DatasetSpec> spec = ParseDatasetSpec(spec_text);
  if (!spec.ok()) {
    generation_failed = true;
    state.SkipWithError(std::string(spec.status().message()).c_str());
    return;
  }
  const int threads = static_cast<int>(state.range(0));
  GenerationReport report;
  double pgd_seconds = 0, codes_seconds = 0, tms_seconds = 0;
  for (auto _ : state) {
    absl::StatusOr<Dataset> dataset = GenerateDataset(*spec, threads);
    if (!dataset.ok()) {
      generation_failed = true;
      state.SkipWithError(std::string(dataset.status().message()).c_str());
      return;
    }
    report = dataset->report;
    pgd_seconds += report.pgd_seconds;
    codes_seconds += report.codes_seconds;
    tms_seconds += report.tms_seconds;
    benchmark::DoNotOptimize(dataset->content_hash);
  }
  const double runs = static_cast<double>(state.iterations());
  state.counters["samples_per_second"] = benchmark::Counter(
      runs * static_cast<double>(NumSamples(*spec)), benchmark::Counter::kIsRate);
  state.counters["pgd_seconds"] = pgd_seconds / runs;
  state.counters["codes_seconds"] = codes_seconds / runs;
  if (tms_seconds > 0) state.counters["tms_seconds"] = tms_seconds / runs;
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

BENCHMARK_CAPTURE(BM_GenerateLrb, paper_transcoder, std::string("lrb+transcoder(nr=768)"))
    ->Apply(ThreadCounts)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_CAPTURE(BM_GenerateLrb, paper_hier,
                  std::string("lrb_hier(roots=200,depth=1,branch=4,exclusive=1)"))
    ->Apply(ThreadCounts)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_CAPTURE(BM_GenerateLrb, paper_realistic,
                  std::string("lrb+zipf(alpha=0.7)+corr(rank=8,rho=0.3)+scale(sigma=0.5)+"
                              "noise(sigma=0.02)"))
    ->Apply(ThreadCounts)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_CAPTURE(BM_GenerateLrb, tms, std::string("tms(n=64,np=16,S=0.95,N=50000)"))
    ->Arg(1)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// PGD runs here too (random start ~0.6 > M = 0.3), so every stage is exercised.
BENCHMARK_CAPTURE(BM_GenerateLrb, tiny,
                  std::string("lrb_hier(roots=16,depth=1,branch=3,np=48,N=2000,M=0.4)+"
                              "zipf+corr+noise"))
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
