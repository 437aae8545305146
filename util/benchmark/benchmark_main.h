#ifndef LRB_UTIL_BENCHMARK_BENCHMARK_MAIN_H_
#define LRB_UTIL_BENCHMARK_BENCHMARK_MAIN_H_

// The main() of every LRB Google Benchmark binary (lrb_benchmark.bzl builds them): one flag of
// our own, --lrb_sizes=paper|smoke, and every --benchmark_* flag as usual.
//
//   int main(int argc, char** argv) {
//     return lrb::benchmarking::RunBenchmarkMain(argc, argv, [](BenchmarkSizes sizes) {
//       RegisterAll(sizes);  // and AddCustomContext(...) for what the results depend on
//     });
//   }

#include <functional>
#include <string_view>

#include "absl/status/statusor.h"

namespace lrb::benchmarking {

// paper: the sizes of the paper's setting (the default, what `bazel run` measures);
// smoke: tiny sizes, so that `bazel test //...` runs every benchmark once (*_smoke tests).
enum class BenchmarkSizes { kPaper, kSmoke };

// "paper" or "smoke".
std::string_view BenchmarkSizesName(BenchmarkSizes sizes);

// Removes every --lrb_sizes=VALUE from argv (argc shrinks; the other arguments keep their
// order) and returns the last VALUE, kPaper when there is none. Any VALUE but paper and
// smoke, or --lrb_sizes without "=VALUE", is an InvalidArgument error naming it.
absl::StatusOr<BenchmarkSizes> TakeBenchmarkSizesFlag(int& argc, char** argv);

// Takes --lrb_sizes, hands the other flags to Google Benchmark, calls `setup` with the sizes
// (register the benchmarks, add context), records "lrb_sizes" in the results' context, and
// runs the benchmarks the flags select. Returns main's exit code: 0, or 2 after printing
// the problem when a flag is bad (a bad --lrb_sizes or an argument Google Benchmark does
// not know).
int RunBenchmarkMain(int argc, char** argv, const std::function<void(BenchmarkSizes)>& setup);

}  // namespace lrb::benchmarking

#endif  // LRB_UTIL_BENCHMARK_BENCHMARK_MAIN_H_
