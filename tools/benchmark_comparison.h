#ifndef LRB_TOOLS_BENCHMARK_COMPARISON_H_
#define LRB_TOOLS_BENCHMARK_COMPARISON_H_

// Two sets of Google Benchmark JSON outputs (--benchmark_out_format=json), a base and a
// contender, compared benchmark by benchmark as Google Benchmark's compare.py does with
// --utest: the ratio of median times, and a two-sided Mann-Whitney U test over the
// repetitions, which decides whether the difference is more than the machine's noise.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/mann_whitney.h"

namespace lrb::tools {

// One benchmark's repetitions, in nanoseconds per iteration.
struct BenchmarkSamples {
  std::vector<double> real_ns;
  std::vector<double> cpu_ns;
};

// Benchmark run name -> its repetitions, gathered from any number of outputs.
using SampleTable = std::map<std::string, BenchmarkSamples>;

// Adds the repetitions ("run_type": "iteration") of the JSON document `text` to `table`;
// aggregates (mean, median, stddev, cv) are skipped, since the test needs the raw samples.
// InvalidArgument, naming `source` and the benchmark, for text that is not a Google Benchmark
// JSON output, a benchmark that reported an error, or an unknown time unit.
absl::Status AddBenchmarkJson(const std::string& text, const std::string& source,
                              SampleTable& table);

// The same for the file at `path`.
absl::Status AddBenchmarkJsonFile(const std::string& path, SampleTable& table);

enum class TimeKind { kReal, kCpu };

enum class Verdict {
  kTooFewSamples,  // fewer than 2 repetitions on a side: no test possible
  kNoChange,       // p >= alpha: the difference is within the noise
  kSlower,         // p < alpha and the contender's median is higher
  kFaster,         // p < alpha and the contender's median is lower
};

const char* VerdictName(Verdict verdict);

struct BenchmarkComparison {
  std::string name;
  int base_samples = 0;
  int contender_samples = 0;
  double base_median_ns = 0;
  double contender_median_ns = 0;
  // contender / base median time: above 1 is slower.
  double time_ratio = 0;
  // Only meaningful unless verdict is kTooFewSamples.
  MannWhitneyResult test;
  Verdict verdict = Verdict::kTooFewSamples;
};

// Every benchmark present on both sides, in name order; `missing` (if not null) receives the
// names present on one side only. InvalidArgument for alpha outside (0, 1).
absl::StatusOr<std::vector<BenchmarkComparison>> CompareBenchmarks(
    const SampleTable& base, const SampleTable& contender, TimeKind time, double alpha,
    std::vector<std::string>* missing);

// A fixed-width table, one line per benchmark.
std::string FormatComparisons(const std::vector<BenchmarkComparison>& comparisons);

}  // namespace lrb::tools

#endif  // LRB_TOOLS_BENCHMARK_COMPARISON_H_
