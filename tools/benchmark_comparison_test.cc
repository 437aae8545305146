// Reading Google Benchmark JSON outputs (units, aggregates, errors) and the verdicts drawn
// from them.

#include "tools/benchmark_comparison.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/testing/status_matchers.h"
#include "util/testing/temp_dir.h"

namespace lrb::tools {
namespace {

using ::lrb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A Google Benchmark JSON output holding one repetition per entry of `real`, for one
// benchmark, with cpu time = real / 2, plus the mean aggregate the library appends.
std::string Output(const std::string& name, const std::vector<double>& real,
                   const std::string& unit = "ns") {
  std::vector<std::string> entries;
  for (size_t i = 0; i < real.size(); ++i) {
    entries.push_back(absl::StrCat(
        R"({"name": ")", name, R"(", "run_name": ")", name,
        R"(", "run_type": "iteration", "repetitions": )", real.size(),
        R"(, "repetition_index": )", i, R"(, "iterations": 100, "real_time": )", real[i],
        R"(, "cpu_time": )", real[i] / 2, R"(, "time_unit": ")", unit, R"("})"));
  }
  entries.push_back(absl::StrCat(R"({"name": ")", name, R"(_mean", "run_name": ")", name,
                                 R"(", "run_type": "aggregate", "aggregate_name": "mean", )"
                                 R"("real_time": 1e9, "cpu_time": 1e9, "time_unit": "ns"})"));
  return absl::StrCat(R"({"context": {"num_cpus": 2}, "benchmarks": [)",
                      absl::StrJoin(entries, ", "), "]}");
}

TEST(BenchmarkJson, ReadsRepetitionsInNanosecondsAndSkipsAggregates) {
  SampleTable table;
  LRB_ASSERT_OK(AddBenchmarkJson(Output("BM_Step/64", {1.5, 2.0}, "us"), "a.json", table));
  LRB_ASSERT_OK(AddBenchmarkJson(Output("BM_Step/64", {3.0}, "ms"), "b.json", table));
  ASSERT_EQ(table.size(), 1u);
  EXPECT_THAT(table["BM_Step/64"].real_ns, ElementsAre(1500, 2000, 3e6));
  EXPECT_THAT(table["BM_Step/64"].cpu_ns, ElementsAre(750, 1000, 1.5e6));
}

TEST(BenchmarkJson, ReadsAFile) {
  const std::string path = lrb::testing::FreshTempPath("out.json");
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    const std::string text = Output("BM_A", {5, 6, 7}, "s");
    std::fwrite(text.data(), 1, text.size(), file);
    std::fclose(file);
  }
  SampleTable table;
  LRB_ASSERT_OK(AddBenchmarkJsonFile(path, table));
  EXPECT_THAT(table["BM_A"].real_ns, ElementsAre(5e9, 6e9, 7e9));
  EXPECT_THAT(AddBenchmarkJsonFile(path + ".missing", table),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("out.json.missing")));
}

TEST(BenchmarkJson, RefusesOutputsItCannotReadNamingTheSourceAndBenchmark) {
  SampleTable table;
  EXPECT_THAT(AddBenchmarkJson("{not json", "x.json", table),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("x.json: not JSON")));
  EXPECT_THAT(AddBenchmarkJson(R"({"runs": []})", "x.json", table),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no \"benchmarks\" array")));
  EXPECT_THAT(AddBenchmarkJson(Output("BM_A", {1}, "ps"), "x.json", table),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("BM_A: unknown time_unit \"ps\"")));
  EXPECT_THAT(
      AddBenchmarkJson(
          R"({"benchmarks": [{"name": "BM_B", "run_type": "iteration", "error_occurred": true,)"
          R"( "error_message": "out of memory", "real_time": 0, "cpu_time": 0}]})",
          "x.json", table),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("BM_B reported an error: out of memory")));
  EXPECT_THAT(AddBenchmarkJson(R"({"benchmarks": [{"name": "BM_C", "cpu_time": 1}]})", "x.json",
                               table),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("BM_C has no numeric")));
}

TEST(CompareBenchmarks, DrawsVerdictsFromTheUTest) {
  SampleTable base;
  SampleTable contender;
  const std::vector<double> noise = {100, 103, 98, 101, 99, 102, 97, 104, 100.5};
  std::vector<double> slower;
  std::vector<double> faster;
  for (const double x : noise) {
    slower.push_back(x * 1.2);
    faster.push_back(x * 0.8);
  }
  LRB_ASSERT_OK(AddBenchmarkJson(Output("BM_Same", noise), "base", base));
  LRB_ASSERT_OK(AddBenchmarkJson(Output("BM_Slower", noise), "base", base));
  LRB_ASSERT_OK(AddBenchmarkJson(Output("BM_Faster", noise), "base", base));
  LRB_ASSERT_OK(AddBenchmarkJson(Output("BM_Once", {100}), "base", base));
  LRB_ASSERT_OK(AddBenchmarkJson(Output("BM_BaseOnly", noise), "base", base));
  LRB_ASSERT_OK(AddBenchmarkJson(Output("BM_Same", {101, 99.5, 102.5, 98.5, 100, 103.5, 97.5,
                                                    100.2, 101.5}),
                                 "new", contender));
  LRB_ASSERT_OK(AddBenchmarkJson(Output("BM_Slower", slower), "new", contender));
  LRB_ASSERT_OK(AddBenchmarkJson(Output("BM_Faster", faster), "new", contender));
  LRB_ASSERT_OK(AddBenchmarkJson(Output("BM_Once", {150}), "new", contender));
  LRB_ASSERT_OK(AddBenchmarkJson(Output("BM_NewOnly", noise), "new", contender));

  std::vector<std::string> missing;
  LRB_ASSERT_OK_AND_ASSIGN(
      const std::vector<BenchmarkComparison> comparisons,
      CompareBenchmarks(base, contender, TimeKind::kReal, 0.05, &missing));
  EXPECT_THAT(missing, ElementsAre("BM_BaseOnly", "BM_NewOnly"));
  ASSERT_EQ(comparisons.size(), 4u);  // name order
  EXPECT_EQ(comparisons[0].name, "BM_Faster");
  EXPECT_EQ(comparisons[0].verdict, Verdict::kFaster);
  EXPECT_NEAR(comparisons[0].time_ratio, 0.8, 1e-12);
  EXPECT_EQ(comparisons[0].test.u, 81);  // every base sample above every contender sample
  EXPECT_EQ(comparisons[1].name, "BM_Once");
  EXPECT_EQ(comparisons[1].verdict, Verdict::kTooFewSamples);
  EXPECT_EQ(comparisons[1].time_ratio, 1.5);
  EXPECT_EQ(comparisons[2].name, "BM_Same");
  EXPECT_EQ(comparisons[2].verdict, Verdict::kNoChange);
  EXPECT_GT(comparisons[2].test.p_value, 0.05);
  EXPECT_EQ(comparisons[3].name, "BM_Slower");
  EXPECT_EQ(comparisons[3].verdict, Verdict::kSlower);
  EXPECT_EQ(comparisons[3].base_median_ns, 100.5);
  EXPECT_NEAR(comparisons[3].contender_median_ns, 120.6, 1e-9);
  EXPECT_LT(comparisons[3].test.p_value, 0.001);

  // cpu time (real / 2 in these outputs) gives the same verdicts, at half the medians.
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<BenchmarkComparison> cpu,
                           CompareBenchmarks(base, contender, TimeKind::kCpu, 0.05, nullptr));
  EXPECT_EQ(cpu[3].verdict, Verdict::kSlower);
  EXPECT_EQ(cpu[3].base_median_ns, 50.25);

  const std::string table = FormatComparisons(comparisons);
  EXPECT_THAT(table, HasSubstr("BM_Slower"));
  EXPECT_THAT(table, HasSubstr("SLOWER"));
  EXPECT_THAT(table, HasSubstr("no significant change"));
  EXPECT_THAT(table, HasSubstr("too few samples"));
}

TEST(CompareBenchmarks, RefusesAnAlphaOutsideTheUnitInterval) {
  for (const double alpha : {0.0, 1.0, -0.1, 5.0}) {
    EXPECT_THAT(CompareBenchmarks({}, {}, TimeKind::kReal, alpha, nullptr),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("alpha")))
        << alpha;
  }
}

}  // namespace
}  // namespace lrb::tools
