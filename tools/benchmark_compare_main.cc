// benchmark_compare: compares Google Benchmark JSON outputs of a base build and a contender
// build (tools/benchmark_comparison.h), as compare.py --utest does, without Python.
//
//   benchmark_compare --base=B1.json[,B2.json...] --contender=C1.json[,C2.json...]
//                     [--time=real|cpu] [--alpha=0.05]
//
// Several files per side are pooled: tools/compare_speed.sh interleaves rounds of both builds
// so that slow drifts of the machine (heat, other load) fall on both sides alike.
// Exit status: 0 when no benchmark is significantly slower; 1 when one is, or an input file
// is bad; 2 for a bad command line.

#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "tools/benchmark_comparison.h"

ABSL_FLAG(std::vector<std::string>, base, {}, "the base build's JSON outputs, comma-separated");
ABSL_FLAG(std::vector<std::string>, contender, {},
          "the contender build's JSON outputs, comma-separated");
ABSL_FLAG(std::string, time, "real", "which time to test: real (wall clock) or cpu");
ABSL_FLAG(double, alpha, 0.05, "significance level of the U test");

namespace lrb::tools {
namespace {

// compare.py's advice: below this many repetitions per side the U test has little power.
constexpr int kRecommendedRepetitions = 9;

absl::StatusOr<SampleTable> ReadSide(const std::vector<std::string>& paths) {
  SampleTable table;
  for (const std::string& path : paths) {
    if (absl::Status status = AddBenchmarkJsonFile(path, table); !status.ok()) return status;
  }
  return table;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "benchmark_compare --base=B.json[,...] --contender=C.json[,...] [--time=real|cpu]");
  absl::ParseCommandLine(argc, argv);
  const std::vector<std::string> base_paths = absl::GetFlag(FLAGS_base);
  const std::vector<std::string> contender_paths = absl::GetFlag(FLAGS_contender);
  const std::string time_flag = absl::GetFlag(FLAGS_time);
  if (base_paths.empty() || contender_paths.empty()) {
    std::cerr << "benchmark_compare: --base and --contender each need at least one file\n";
    return 2;
  }
  if (time_flag != "real" && time_flag != "cpu") {
    std::cerr << "benchmark_compare: --time=" << time_flag << "; expected real or cpu\n";
    return 2;
  }
  const absl::StatusOr<SampleTable> base = ReadSide(base_paths);
  const absl::StatusOr<SampleTable> contender = ReadSide(contender_paths);
  for (const absl::Status& status : {base.status(), contender.status()}) {
    if (!status.ok()) {
      std::cerr << "benchmark_compare: " << status.message() << "\n";
      return 1;
    }
  }
  std::vector<std::string> missing;
  const absl::StatusOr<std::vector<BenchmarkComparison>> comparisons =
      CompareBenchmarks(*base, *contender, time_flag == "real" ? TimeKind::kReal : TimeKind::kCpu,
                        absl::GetFlag(FLAGS_alpha), &missing);
  if (!comparisons.ok()) {
    std::cerr << "benchmark_compare: " << comparisons.status().message() << "\n";
    return 2;
  }
  std::cout << "Mann-Whitney U test (two-sided, alpha " << absl::GetFlag(FLAGS_alpha) << ") of "
            << time_flag << " time per iteration\n"
            << FormatComparisons(*comparisons);
  bool slower = false;
  bool few = false;
  for (const BenchmarkComparison& c : *comparisons) {
    slower |= c.verdict == Verdict::kSlower;
    few |= c.base_samples < kRecommendedRepetitions ||
           c.contender_samples < kRecommendedRepetitions;
  }
  if (few) {
    std::cout << "note: fewer than " << kRecommendedRepetitions
              << " samples on a side: the U test may miss real differences\n";
  }
  for (const std::string& name : missing) {
    std::cout << "note: " << name << " ran on one side only\n";
  }
  return slower ? 1 : 0;
}

}  // namespace
}  // namespace lrb::tools

int main(int argc, char** argv) { return lrb::tools::Main(argc, argv); }
