#include "leaderboard/store/leaderboard_table.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/test_support.h"
#include "leaderboard/store/text_table.h"

namespace lrb::leaderboard {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kDataset[] = "lrb(n=16,np=8,nr=8,N=100,S=0.9,M=0.1,cmin=0,beta=1,seed=0)";

RunRecord FinishedRun(std::string method, std::optional<double> m_gt, std::optional<double> m_ip,
                      double train_seconds = 1, uint64_t seed = 0,
                      std::string backend_used = "simd:AVX2") {
  RunRecord run = testing::SampleRun(absl::StrCat(method, "/", backend_used, "/", seed));
  run.dataset_spec = kDataset;
  run.method_spec = std::move(method);
  run.backend_used = std::move(backend_used);
  run.seed = seed;
  run.status = "ok";
  run.train_seconds = train_seconds;
  if (m_gt.has_value()) run.metrics.emplace_back(kMGtMetric, *m_gt);
  if (m_ip.has_value()) run.metrics.emplace_back(kMIpMetric, *m_ip);
  run.metrics.emplace_back("fvu", 0.5);  // other metrics are ignored
  return run;
}

std::vector<std::string> Methods(const std::vector<LeaderboardRow>& rows) {
  std::vector<std::string> methods;
  for (const LeaderboardRow& row : rows) methods.push_back(row.method_spec);
  return methods;
}

// The lines of the formatted table proper: header, rule and data rows, without dataset
// headings and footer lines.
std::vector<std::string> TableLines(const std::string& text) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "dataset: ") || absl::StrContains(line, "left out")) continue;
    lines.emplace_back(line);
  }
  return lines;
}

TEST(BuildLeaderboardTest, AggregatesSeedsWithMeanAndSampleStdDev) {
  const std::vector<RunRecord> runs = {
      FinishedRun("sae.topk(k=4)", 0.70, 0.90, 10, /*seed=*/0),
      FinishedRun("sae.topk(k=4)", 0.80, 0.93, 20, /*seed=*/1),
      FinishedRun("sae.topk(k=4)", 0.96, 0.99, 36, /*seed=*/2),
  };
  const std::vector<LeaderboardRow> rows = BuildLeaderboard(runs, /*include_unclean=*/false);
  ASSERT_EQ(rows.size(), 1u);
  const LeaderboardRow& row = rows[0];
  EXPECT_EQ(row.dataset_spec, kDataset);
  EXPECT_EQ(row.method_spec, "sae.topk(k=4)");
  EXPECT_EQ(row.backend_used, "simd:AVX2");
  EXPECT_EQ(row.build_note, "");
  EXPECT_EQ(row.seeds, 3);
  EXPECT_EQ(row.m_gt.count, 3);
  EXPECT_EQ(row.m_ip.count, 3);
  // By hand: deviations from 0.82 are -0.12, -0.02, 0.14; squares sum to 0.0344; / (3 - 1).
  EXPECT_NEAR(row.m_gt.mean, 0.82, 1e-12);
  EXPECT_NEAR(row.m_gt.spread, std::sqrt(0.0172), 1e-12);
  // Deviations from 0.94: -0.04, -0.01, 0.05; squares sum to 0.0042.
  EXPECT_NEAR(row.m_ip.mean, 0.94, 1e-12);
  EXPECT_NEAR(row.m_ip.spread, std::sqrt(0.0021), 1e-12);
  EXPECT_NEAR(row.train_seconds_mean, 22, 1e-12);
}

TEST(BuildLeaderboardTest, OneSeedHasZeroSpread) {
  const std::vector<LeaderboardRow> rows =
      BuildLeaderboard({FinishedRun("m", 0.5, 0.75)}, /*include_unclean=*/false);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].m_gt.mean, 0.5);
  EXPECT_EQ(rows[0].m_gt.spread, 0);
  EXPECT_EQ(rows[0].m_ip.spread, 0);
}

TEST(UnfinishedRunsTest, CountsEveryRunNotOnTheBoardByReason) {
  std::vector<RunRecord> runs;
  const auto add = [&](const std::string& status, bool owner_gone, const std::string& missing) {
    RunRecord run = FinishedRun("m", 0.5, 0.5, 1, static_cast<uint64_t>(runs.size()));
    run.status = status;
    run.owner_gone = owner_gone;
    run.incomplete = missing;
    runs.push_back(run);
  };
  add("ok", false, "");
  add("ok", false, "stored 0 of 3 metrics");
  add("running", false, "");
  add("running", true, "");
  add("running", true, "");
  add("interrupted", false, "");
  add("failed", false, "");
  const UnfinishedRuns counts = CountUnfinishedRuns(runs);
  EXPECT_EQ(counts.incomplete, 1);
  EXPECT_EQ(counts.running, 1);
  EXPECT_EQ(counts.owner_gone, 2);
  EXPECT_EQ(counts.interrupted, 1);
  EXPECT_EQ(counts.failed, 1);
  EXPECT_EQ(counts.total(), 6);
  EXPECT_EQ(static_cast<size_t>(counts.total()) + 1, runs.size()) << "every run is accounted for";
  const std::string line = FormatUnfinishedRuns(counts);
  for (const char* part : {"1 running", "2 abandoned", "1 interrupted", "1 finished ok but with "
                           "rows missing", "1 failed"}) {
    EXPECT_NE(line.find(part), std::string::npos) << part << " in " << line;
  }
  EXPECT_EQ(FormatUnfinishedRuns({}), "");
  // The incomplete run is not ranked.
  const std::vector<LeaderboardRow> rows = BuildLeaderboard(runs, /*include_unclean=*/true);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].seeds, 1);
}

TEST(BuildLeaderboardTest, IgnoresUnfinishedRunsAndSeparatesBackendsAndDatasets) {
  RunRecord running = FinishedRun("m", 0.1, 0.1, 1, 1);
  running.status = "running";
  RunRecord failed = FinishedRun("m", 0.1, 0.1, 1, 2);
  failed.status = "failed";
  RunRecord other_dataset = FinishedRun("m", 0.5, 0.5);
  other_dataset.dataset_spec = "lrb(n=32)";
  const std::vector<LeaderboardRow> rows =
      BuildLeaderboard({FinishedRun("m", 0.9, 0.9), FinishedRun("m", 0.8, 0.8, 1, 0, "scalar"),
                        running, failed, other_dataset},
                       /*include_unclean=*/false);
  ASSERT_EQ(rows.size(), 3u);
  for (const LeaderboardRow& row : rows) EXPECT_EQ(row.seeds, 1) << row.backend_used;
  EXPECT_EQ(rows[0].dataset_spec, kDataset);
  EXPECT_EQ(rows[0].backend_used, "simd:AVX2");
  EXPECT_EQ(rows[0].m_gt.mean, 0.9);
  EXPECT_EQ(rows[1].backend_used, "scalar");
  EXPECT_EQ(rows[2].dataset_spec, "lrb(n=32)");
}

TEST(BuildLeaderboardTest, LeavesOutUncleanRunsUnlessAskedAndNeverMergesThem) {
  RunRecord debug = FinishedRun("m", 0.1, 0.1, 1, 1);
  debug.environment.build_mode = "dbg";
  RunRecord dirty = FinishedRun("m", 0.2, 0.2, 1, 2);
  dirty.environment.git_dirty = true;
  const std::vector<RunRecord> runs = {FinishedRun("m", 0.9, 0.9), debug, dirty};

  const std::vector<LeaderboardRow> clean = BuildLeaderboard(runs, /*include_unclean=*/false);
  ASSERT_EQ(clean.size(), 1u);
  EXPECT_EQ(clean[0].seeds, 1);
  EXPECT_EQ(clean[0].m_gt.mean, 0.9);
  EXPECT_EQ(CountUncleanRuns(runs), 2);

  const std::vector<LeaderboardRow> all = BuildLeaderboard(runs, /*include_unclean=*/true);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].build_note, "");
  EXPECT_EQ(all[0].m_gt.mean, 0.9);
  EXPECT_EQ(all[1].build_note, "dirty");
  EXPECT_EQ(all[1].m_gt.mean, 0.2);
  EXPECT_EQ(all[2].build_note, "debug");
  EXPECT_EQ(all[2].m_gt.mean, 0.1);
  for (const LeaderboardRow& row : all) EXPECT_EQ(row.seeds, 1) << row.build_note;
}

TEST(BuildLeaderboardTest, SortsByMGtThenMIpThenMethodWithMissingLast) {
  const std::vector<LeaderboardRow> rows = BuildLeaderboard(
      {FinishedRun("no.metrics", std::nullopt, std::nullopt), FinishedRun("z.tie", 0.3, 0.7),
       FinishedRun("a", 0.5, 0.8), FinishedRun("y.tie", 0.3, 0.7), FinishedRun("b", 0.5, 0.9),
       FinishedRun("c", 0.9, 0.1)},
      /*include_unclean=*/false);
  EXPECT_THAT(Methods(rows), ElementsAre("c", "b", "a", "y.tie", "z.tie", "no.metrics"));
  EXPECT_EQ(rows.back().m_gt.count, 0);
  EXPECT_EQ(rows.back().m_ip.count, 0);
}

TEST(FormatLeaderboardTest, PrintsHeaderPercentagesSpreadsAndRanks) {
  const std::vector<RunRecord> runs = {
      FinishedRun("sae.topk(k=4)", 0.70, 0.90, 10, 0),
      FinishedRun("sae.topk(k=4)", 0.80, 0.93, 20, 1),
      FinishedRun("sae.topk(k=4)", 0.96, 0.99, 36, 2),
      FinishedRun("sae.relu", 0.849, 0.2054),
      FinishedRun("y.tie", 0.3, 0.7),
      FinishedRun("z.tie", 0.3, 0.7),
  };
  const std::string text = FormatLeaderboard(BuildLeaderboard(runs, false));
  const std::vector<std::string> lines = TableLines(text);
  ASSERT_EQ(lines.size(), 2u + 4u) << text;
  for (const char* column :
       {"rank", "method", "backend", "seeds", "M_GT@0.95", "M_IP", "dec M_GT", "dec M_IP", "train s"}) {
    EXPECT_THAT(lines[0], HasSubstr(column)) << text;
  }
  EXPECT_THAT(lines[1], ::testing::MatchesRegex("[- ]+")) << text;
  // 3 seeds: mean and sample spread, both in percentage points for M_GT.
  EXPECT_THAT(lines[3], HasSubstr("82.00%  ± 13.11")) << text;
  EXPECT_THAT(lines[3], HasSubstr("0.940  ± 0.046")) << text;
  EXPECT_THAT(lines[3], HasSubstr("22.00")) << text;
  // 1 seed: no spread.
  EXPECT_THAT(lines[2], HasSubstr("84.90%")) << text;
  EXPECT_THAT(lines[2], HasSubstr("0.205")) << text;
  EXPECT_THAT(lines[2], ::testing::Not(HasSubstr("±"))) << text;
  // Ranks: 1, 2, then a tie sharing rank 3.
  EXPECT_THAT(lines[2], ::testing::StartsWith("   1  sae.relu")) << text;
  EXPECT_THAT(lines[3], ::testing::StartsWith("   2  sae.topk(k=4)")) << text;
  EXPECT_THAT(lines[4], ::testing::StartsWith("   3  y.tie")) << text;
  EXPECT_THAT(lines[5], ::testing::StartsWith("   3  z.tie")) << text;
}

TEST(FormatLeaderboardTest, EveryTableLineHasTheSameWidthWhateverTheContent) {
  RunRecord long_spec = FinishedRun(
      "sae.matryoshka(widths=128+256+512+1024,k=64)+anchor(k=100,lambda=0.1)+resample(every=5000)",
      0.8731, 0.985);
  long_spec.dataset_spec =
      "lrb(n=1000,np=768,nr=768,N=100000,S=0.99,M=0.1,cmin=0,beta=1,"
      "seed=0,pgd_eps=0.001,pgd_lambda=0.01,pgd_step=0.1)";
  RunRecord debug = FinishedRun("x", 0.5, 0.5, 1234.5);
  debug.environment.build_mode = "dbg";
  debug.environment.git_dirty = true;
  const std::vector<RunRecord> runs = {FinishedRun("a", 1.0, 0.999),
                                       FinishedRun("a", 1.0, 0.997, 1, 1),
                                       FinishedRun("b", std::nullopt, 0.5), long_spec, debug};
  const std::string text = FormatLeaderboard(BuildLeaderboard(runs, /*include_unclean=*/true));
  const std::vector<std::string> lines = TableLines(text);
  ASSERT_EQ(lines.size(), 2u + 4u) << text;  // the two "a" runs share a row
  const int width = internal::DisplayWidth(lines[0]);
  for (const std::string& line : lines) {
    EXPECT_EQ(internal::DisplayWidth(line), width) << "'" << line << "' in\n" << text;
  }
  EXPECT_THAT(lines[0], HasSubstr("build")) << "unclean rows need the build column\n" << text;
  EXPECT_THAT(text, HasSubstr("debug, dirty"));
  EXPECT_THAT(text, HasSubstr("100.00%  ± 0.00"));
}

TEST(FormatLeaderboardTest, ShowsEachDatasetOnceAsAHeading) {
  RunRecord other = FinishedRun("m", 0.5, 0.5);
  other.dataset_spec = "lrb(n=32)";
  const std::string text = FormatLeaderboard(BuildLeaderboard(
      {FinishedRun("m", 0.5, 0.5), FinishedRun("n", 0.4, 0.4), other}, /*include_unclean=*/false));
  const std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u + 2u + 3u) << text;
  EXPECT_EQ(lines[2], absl::StrCat("dataset: ", kDataset)) << text;
  EXPECT_THAT(lines[3], HasSubstr("   1  m")) << text;
  EXPECT_THAT(lines[4], HasSubstr("   2  n")) << text;
  EXPECT_EQ(lines[5], "dataset: lrb(n=32)") << text;
  EXPECT_THAT(lines[6], HasSubstr("   1  m")) << text;  // ranks restart per dataset
  EXPECT_THAT(lines[0], ::testing::Not(HasSubstr("build"))) << "no unclean rows\n" << text;
}

TEST(FormatLeaderboardTest, MissingMetricsShowAsDashNotZero) {
  const std::string text = FormatLeaderboard(
      BuildLeaderboard({FinishedRun("no.metrics", std::nullopt, std::nullopt, 2.5)}, false));
  const std::vector<std::string> lines = TableLines(text);
  ASSERT_EQ(lines.size(), 3u) << text;
  EXPECT_THAT(lines[2], ::testing::MatchesRegex(" +1  no\\.metrics +simd:AVX2 +1 +- +- +- +- +2\\.50"))
      << text;
  EXPECT_THAT(text, ::testing::Not(HasSubstr("0.00%")));
}

TEST(FormatLeaderboardTest, CountsLeftOutRunsInAFooter) {
  RunRecord debug = FinishedRun("m", 0.5, 0.5, 1, 1);
  debug.environment.build_mode = "dbg";
  const std::vector<RunRecord> runs = {FinishedRun("m", 0.5, 0.5), debug};
  const std::string text = FormatLeaderboard(BuildLeaderboard(runs, false), CountUncleanRuns(runs));
  EXPECT_THAT(text, HasSubstr("1 finished run from debug builds or dirty trees left out"));
  EXPECT_THAT(FormatLeaderboard({}), HasSubstr("no finished runs"));
}

}  // namespace
}  // namespace lrb::leaderboard

namespace lrb::leaderboard {
namespace {

TEST(FormatLeaderboardTest, DecoderMetricsAreAveragedAndShownBesideEncoderOnes) {
  std::vector<RunRecord> runs = {FinishedRun("m", 0.1, 0.6, 1, 0), FinishedRun("m", 0.3, 0.7, 1, 1)};
  runs[0].metrics.emplace_back(kDecoderMGtMetric, 0.9);
  runs[0].metrics.emplace_back(kDecoderMIpMetric, 0.98);
  runs[1].metrics.emplace_back(kDecoderMGtMetric, 1.0);
  runs[1].metrics.emplace_back(kDecoderMIpMetric, 0.99);
  const std::vector<LeaderboardRow> rows = BuildLeaderboard(runs, false);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].decoder_m_gt.count, 2);
  EXPECT_NEAR(rows[0].decoder_m_gt.mean, 0.95, 1e-12);
  EXPECT_NEAR(rows[0].decoder_m_ip.mean, 0.985, 1e-12);
  const std::string text = FormatLeaderboard(rows);
  EXPECT_THAT(text, HasSubstr("20.00%"));  // encoder M_GT
  EXPECT_THAT(text, HasSubstr("95.00%"));  // decoder M_GT
  EXPECT_THAT(text, HasSubstr("0.985"));
}

}  // namespace
}  // namespace lrb::leaderboard
