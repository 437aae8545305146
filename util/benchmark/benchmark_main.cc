#include "util/benchmark/benchmark_main.h"

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"

namespace lrb::benchmarking {

std::string_view BenchmarkSizesName(BenchmarkSizes sizes) {
  switch (sizes) {
    case BenchmarkSizes::kPaper:
      return "paper";
    case BenchmarkSizes::kSmoke:
      return "smoke";
  }
  return "?";
}

absl::StatusOr<BenchmarkSizes> TakeBenchmarkSizesFlag(int& argc, char** argv) {
  constexpr std::string_view kFlag = "--lrb_sizes";
  BenchmarkSizes sizes = BenchmarkSizes::kPaper;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.substr(0, kFlag.size()) != kFlag ||
        (arg.size() > kFlag.size() && arg[kFlag.size()] != '=')) {
      argv[kept++] = argv[i];  // not ours (e.g. --lrb_sizes_x is left to Google Benchmark)
      continue;
    }
    if (arg == kFlag) {
      return absl::InvalidArgumentError(
          "--lrb_sizes needs a value: --lrb_sizes=paper or --lrb_sizes=smoke");
    }
    const std::string_view value = arg.substr(kFlag.size() + 1);
    if (value == "paper") {
      sizes = BenchmarkSizes::kPaper;
    } else if (value == "smoke") {
      sizes = BenchmarkSizes::kSmoke;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown --lrb_sizes value \"", std::string(value), "\"; expected paper or smoke"));
    }
  }
  argc = kept;
  argv[argc] = nullptr;  // argv stays null-terminated, as main's was
  return sizes;
}

int RunBenchmarkMain(int argc, char** argv, const std::function<void(BenchmarkSizes)>& setup) {
  const absl::StatusOr<BenchmarkSizes> sizes = TakeBenchmarkSizesFlag(argc, argv);
  if (!sizes.ok()) {
    std::fprintf(stderr, "%s\n", std::string(sizes.status().message()).c_str());
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  setup(*sizes);
  benchmark::AddCustomContext("lrb_sizes", std::string(BenchmarkSizesName(*sizes)));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace lrb::benchmarking
