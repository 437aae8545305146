#include "tools/benchmark_comparison.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"
#include "util/input_file.h"
#include "util/status_macros.h"

namespace lrb::tools {
namespace {

// Google Benchmark's time units, as spelled in its JSON output.
absl::StatusOr<double> NanosecondsPerUnit(const std::string& unit) {
  if (unit == "ns") return 1.0;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown time_unit \"", unit, "\"; expected ns, us, ms or s"));
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t half = values.size() / 2;
  return values.size() % 2 == 1 ? values[half] : (values[half - 1] + values[half]) / 2;
}

absl::Status AddEntry(const nlohmann::json& entry, SampleTable& table) {
  if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string()) {
    return absl::InvalidArgumentError("a benchmark entry without a \"name\" string");
  }
  const std::string name = entry["name"].get<std::string>();
  if (entry.value("run_type", std::string("iteration")) != "iteration") return absl::OkStatus();
  if (entry.value("error_occurred", false)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "benchmark ", name, " reported an error: ", entry.value("error_message", "")));
  }
  for (const char* field : {"real_time", "cpu_time"}) {
    if (!entry.contains(field) || !entry[field].is_number()) {
      return absl::InvalidArgumentError(
          absl::StrCat("benchmark ", name, " has no numeric \"", field, "\""));
    }
  }
  absl::StatusOr<double> scale = NanosecondsPerUnit(entry.value("time_unit", std::string("ns")));
  if (!scale.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("benchmark ", name, ": ", scale.status().message()));
  }
  // Repetitions share run_name; name may carry a suffix such as /repeats:N.
  BenchmarkSamples& samples = table[entry.value("run_name", name)];
  samples.real_ns.push_back(entry["real_time"].get<double>() * *scale);
  samples.cpu_ns.push_back(entry["cpu_time"].get<double>() * *scale);
  return absl::OkStatus();
}

}  // namespace

absl::Status AddBenchmarkJson(const std::string& text, const std::string& source,
                              SampleTable& table) {
  const nlohmann::json document = nlohmann::json::parse(text, /*cb=*/nullptr,
                                                        /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not JSON"));
  }
  if (!document.is_object() || !document.contains("benchmarks") ||
      !document["benchmarks"].is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": no \"benchmarks\" array; expected the output of a Google Benchmark binary "
                "run with --benchmark_out_format=json"));
  }
  for (const nlohmann::json& entry : document["benchmarks"]) {
    if (absl::Status status = AddEntry(entry, table); !status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status AddBenchmarkJsonFile(const std::string& path, SampleTable& table) {
  LRB_ASSIGN_OR_RETURN(InputFile file, InputFile::Open(path));
  std::string text(static_cast<size_t>(file.size()), '\0');
  LRB_RETURN_IF_ERROR(file.Read(text.data(), text.size()));
  return AddBenchmarkJson(text, path, table);
}

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kTooFewSamples:
      return "too few samples";
    case Verdict::kNoChange:
      return "no significant change";
    case Verdict::kSlower:
      return "SLOWER";
    case Verdict::kFaster:
      return "faster";
  }
  return "?";
}

absl::StatusOr<std::vector<BenchmarkComparison>> CompareBenchmarks(
    const SampleTable& base, const SampleTable& contender, TimeKind time, double alpha,
    std::vector<std::string>* missing) {
  if (!(alpha > 0 && alpha < 1)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("alpha is %g; expected a significance level in (0, 1)", alpha));
  }
  std::vector<BenchmarkComparison> comparisons;
  for (const auto& [name, base_samples] : base) {
    const auto found = contender.find(name);
    if (found == contender.end()) {
      if (missing != nullptr) missing->push_back(name);
      continue;
    }
    const std::vector<double>& a = time == TimeKind::kReal ? base_samples.real_ns
                                                           : base_samples.cpu_ns;
    const std::vector<double>& b = time == TimeKind::kReal ? found->second.real_ns
                                                           : found->second.cpu_ns;
    BenchmarkComparison comparison;
    comparison.name = name;
    comparison.base_samples = static_cast<int>(a.size());
    comparison.contender_samples = static_cast<int>(b.size());
    comparison.base_median_ns = Median(a);
    comparison.contender_median_ns = Median(b);
    comparison.time_ratio = comparison.contender_median_ns / comparison.base_median_ns;
    if (a.size() >= 2 && b.size() >= 2) {
      LRB_ASSIGN_OR_RETURN(comparison.test, MannWhitneyU(a, b));
      if (comparison.test.p_value >= alpha) {
        comparison.verdict = Verdict::kNoChange;
      } else {
        comparison.verdict = comparison.contender_median_ns > comparison.base_median_ns
                                 ? Verdict::kSlower
                                 : Verdict::kFaster;
      }
    }
    comparisons.push_back(comparison);
  }
  if (missing != nullptr) {
    for (const auto& [name, samples] : contender) {
      if (!base.contains(name)) missing->push_back(name);
    }
  }
  return comparisons;
}

std::string FormatComparisons(const std::vector<BenchmarkComparison>& comparisons) {
  size_t width = std::string("benchmark").size();
  for (const BenchmarkComparison& c : comparisons) width = std::max(width, c.name.size());
  const int w = static_cast<int>(width);
  std::string out = absl::StrFormat("%-*s %7s %14s %14s %7s %8s %8s  %s\n", w, "benchmark",
                                    "n", "base median", "new median", "new/base", "U",
                                    "p", "verdict");
  for (const BenchmarkComparison& c : comparisons) {
    const bool tested = c.verdict != Verdict::kTooFewSamples;
    absl::StrAppendFormat(&out, "%-*s %3d/%-3d %11.4g ns %11.4g ns %7.3f %8s %8s  %s\n", w,
                          c.name, c.base_samples, c.contender_samples, c.base_median_ns,
                          c.contender_median_ns, c.time_ratio,
                          tested ? absl::StrFormat("%.1f", c.test.u) : "-",
                          tested ? absl::StrFormat("%.4f", c.test.p_value) : "-",
                          VerdictName(c.verdict));
  }
  return out;
}

}  // namespace lrb::tools
