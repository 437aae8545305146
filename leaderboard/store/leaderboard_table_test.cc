#include "leaderboard/store/leaderboard_table.h"

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/test_support.h"
#include "util/testing/status_matchers.h"

namespace lrb::leaderboard {
namespace {

using ::lrb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDataset[] = "lrb(n=16,np=8,nr=8,N=100,S=0.9,M=0.1,cmin=0,beta=1,seed=0)";
constexpr char kTopK[] = "sae.topk(latents=32,k=4)";
constexpr char kTopKAnchored[] = "sae.topk(latents=32,k=4)+anchor(k=8,lambda=0.1)";

// A finished, clean run of `method` on kDataset storing `metrics` (and nothing else).
RunRecord FinishedRun(std::string method, std::map<std::string, double> metrics, uint64_t seed = 0,
                      std::string backend_used = "simd:AVX2") {
  RunRecord run = testing::SampleRun(absl::StrCat(method, "/", backend_used, "/", seed));
  run.dataset_spec = kDataset;
  run.method_spec = std::move(method);
  run.backend_used = std::move(backend_used);
  run.seed = seed;
  run.status = "ok";
  run.train_seconds = 1;
  run.metrics.assign(metrics.begin(), metrics.end());
  return run;
}

// A run whose default rank metric (decoder M_GT) is `score`.
RunRecord Scored(std::string method, double score, uint64_t seed = 0,
                 std::string backend_used = "simd:AVX2") {
  return FinishedRun(std::move(method), {{std::string(kDecoderMGtMetric), score}}, seed,
                     std::move(backend_used));
}

Board MustBuild(const std::vector<RunRecord>& runs, BoardOptions options = {}) {
  absl::StatusOr<Board> board = BuildBoard(runs, options);
  EXPECT_TRUE(board.ok()) << board.status();
  return board.ok() ? *std::move(board) : Board{};
}

std::vector<std::string> Methods(const Board& board) {
  std::vector<std::string> methods;
  for (const LeaderboardRow& row : board.rows) methods.push_back(row.method_spec);
  return methods;
}

std::vector<int> Ranks(const Board& board) {
  std::vector<int> ranks;
  for (const LeaderboardRow& row : board.rows) ranks.push_back(row.rank);
  return ranks;
}

TEST(BuildBoardTest, RanksByDecoderMGtByDefaultWhereEncoderMGtIsZeroForAll) {
  // The smoke suite's situation: encoder-row M_GT@0.95 is 0 for every method, so ranking
  // by it would leave the order to the names; decoder M_GT separates them.
  const Board board = MustBuild({
      FinishedRun("a", {{"m_gt@0.95", 0}, {"decoder.m_gt@0.95", 0.9562}}),
      FinishedRun("b", {{"m_gt@0.95", 0}, {"decoder.m_gt@0.95", 0.9896}}),
      FinishedRun("c", {{"m_gt@0.95", 0}, {"decoder.m_gt@0.95", 0.9594}}),
  });
  EXPECT_EQ(board.rank_by, "decoder.m_gt@0.95");
  EXPECT_EQ(board.direction, Direction::kHigherIsBetter);
  EXPECT_THAT(Methods(board), ElementsAre("b", "c", "a"));
  EXPECT_THAT(Ranks(board), ElementsAre(1, 2, 3));
}

TEST(BuildBoardTest, EqualScoresShareARankAndTheNextRankSkips) {
  const Board board = MustBuild(
      {Scored("z.tie", 0.5), Scored("a", 0.9), Scored("y.tie", 0.5), Scored("last", 0.1)});
  EXPECT_THAT(Methods(board), ElementsAre("a", "y.tie", "z.tie", "last"));
  EXPECT_THAT(Ranks(board), ElementsAre(1, 2, 2, 4));
}

TEST(BuildBoardTest, RowsMissingTheRankMetricComeLastUnranked) {
  const Board board = MustBuild({FinishedRun("no.metric", {{"m_ip", 0.99}}), Scored("low", 0.01),
                                 FinishedRun("also.none", {})});
  EXPECT_THAT(Methods(board), ElementsAre("low", "also.none", "no.metric"));
  EXPECT_THAT(Ranks(board), ElementsAre(1, 0, 0));
  EXPECT_EQ(board.rows.back().rank_metric.count, 0);
  // Missing is not zero: the row of a present 0 ranks above a missing one.
  const Board zero = MustBuild({FinishedRun("none", {}), Scored("zero", 0)});
  EXPECT_THAT(Methods(zero), ElementsAre("zero", "none"));
}

TEST(BuildBoardTest, LowerIsBetterMetricsRankAscending) {
  const std::vector<RunRecord> runs = {
      FinishedRun("good", {{"eval.fvu", 0.02}, {"train.final_loss", 3}}),
      FinishedRun("bad", {{"eval.fvu", 0.30}, {"train.final_loss", 1}}),
      FinishedRun("mid", {{"eval.fvu", 0.10}, {"train.final_loss", 2}}),
      FinishedRun("missing", {{"m_ip", 1}}),
  };
  BoardOptions options;
  options.rank_by = "eval.fvu";
  const Board fvu = MustBuild(runs, options);
  EXPECT_EQ(fvu.direction, Direction::kLowerIsBetter);
  EXPECT_THAT(Methods(fvu), ElementsAre("good", "mid", "bad", "missing"));
  EXPECT_THAT(Ranks(fvu), ElementsAre(1, 2, 3, 0));
  options.rank_by = "train.final_loss";
  EXPECT_THAT(Methods(MustBuild(runs, options)), ElementsAre("bad", "mid", "good", "missing"));
}

TEST(BuildBoardTest, AnyStoredMetricCanRankAndUnknownNamesAreErrorsListingValidOnes) {
  const std::vector<RunRecord> runs = {FinishedRun("a", {{"mcc", 0.2}, {"m_gt@0.61", 0.5}}),
                                       FinishedRun("b", {{"mcc", 0.7}})};
  BoardOptions options;
  options.rank_by = "mcc";
  EXPECT_THAT(Methods(MustBuild(runs, options)), ElementsAre("b", "a"));
  options.rank_by = "m_gt@0.61";  // stored by one run only: the other is unranked
  EXPECT_THAT(Ranks(MustBuild(runs, options)), ElementsAre(1, 0));

  options.rank_by = "mcd";
  EXPECT_THAT(BuildBoard(runs, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(HasSubstr("--rank_by=mcd"), HasSubstr("did you mean mcc?"),
                                        HasSubstr("decoder.m_gt@0.95"), HasSubstr("eval.fvu"))));
  options.rank_by = "";
  EXPECT_THAT(BuildBoard(runs, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--rank_by=:")));
  // A typo is matched to the nearest name, the board's columns winning ties.
  const std::vector<RunRecord> curve = {
      FinishedRun("a", {{"m_gt@0.5", 0.9}, {"m_gt@0.95", 0.1}, {"m_gt@0.9", 0.2}})};
  EXPECT_THAT(CheckRankMetric(curve, "m_gt@95"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("did you mean m_gt@0.95?")));
  EXPECT_THAT(CheckRankMetric(curve, "completely.different"),
              StatusIs(absl::StatusCode::kInvalidArgument, Not(HasSubstr("did you mean"))));
  // The board's own columns and the direction table's names are valid on an empty board.
  for (const char* metric : {"decoder.m_gt@0.95", "m_ip", "eval.l0", "train.final_loss"}) {
    LRB_EXPECT_OK(CheckRankMetric({}, metric)) << metric;
  }
}

TEST(BuildBoardTest, AggregatesSeedsWithMeanAndSampleStdDev) {
  std::vector<RunRecord> runs = {
      FinishedRun(kTopK, {{"m_gt@0.95", 0.70}, {"m_ip", 0.90}, {"train.samples", 1000}}, 0),
      FinishedRun(kTopK, {{"m_gt@0.95", 0.80}, {"m_ip", 0.93}, {"train.samples", 1000}}, 1),
      FinishedRun(kTopK, {{"m_gt@0.95", 0.96}, {"m_ip", 0.99}}, 2),
  };
  runs[0].train_seconds = 10;
  runs[1].train_seconds = 40;
  runs[2].train_seconds = 16;
  BoardOptions options;
  options.rank_by = "m_gt@0.95";
  const Board board = MustBuild(runs, options);
  ASSERT_EQ(board.rows.size(), 1u);
  const LeaderboardRow& row = board.rows[0];
  EXPECT_EQ(row.dataset_spec, kDataset);
  EXPECT_EQ(row.backend_used, "simd:AVX2");
  EXPECT_EQ(row.build_note, "");
  EXPECT_EQ(row.seeds, 3);
  // By hand: deviations from 0.82 are -0.12, -0.02, 0.14; squares sum to 0.0344; / (3 - 1).
  EXPECT_EQ(row.m_gt.count, 3);
  EXPECT_NEAR(row.m_gt.mean, 0.82, 1e-12);
  EXPECT_NEAR(row.m_gt.spread, std::sqrt(0.0172), 1e-12);
  EXPECT_NEAR(row.rank_metric.mean, 0.82, 1e-12);
  EXPECT_NEAR(row.rank_metric.spread, std::sqrt(0.0172), 1e-12);
  // Deviations from 0.94: -0.04, -0.01, 0.05; squares sum to 0.0042.
  EXPECT_NEAR(row.m_ip.mean, 0.94, 1e-12);
  EXPECT_NEAR(row.m_ip.spread, std::sqrt(0.0021), 1e-12);
  EXPECT_EQ(row.decoder_m_gt.count, 0) << "not stored: missing, not 0";
  // samples/s per run (100 and 25), only the runs storing train.samples.
  EXPECT_EQ(row.samples_per_second.count, 2);
  EXPECT_NEAR(row.samples_per_second.mean, 62.5, 1e-12);
  EXPECT_NEAR(row.samples_per_second.spread, std::sqrt(2 * 37.5 * 37.5), 1e-9);
  EXPECT_NEAR(row.train_seconds.mean, 22, 1e-12);
}

TEST(BuildBoardTest, OneSeedHasZeroSpread) {
  const Board board = MustBuild({FinishedRun("m", {{"eval.l0", 6}, {"eval.fvu", 0.03}})});
  ASSERT_EQ(board.rows.size(), 1u);
  EXPECT_EQ(board.rows[0].l0.mean, 6);
  EXPECT_EQ(board.rows[0].l0.spread, 0);
  EXPECT_EQ(board.rows[0].fvu.mean, 0.03);
  EXPECT_EQ(board.rows[0].fvu.count, 1);
}

TEST(BuildBoardTest, AnchoringDeltaIsOnTheAnchoredRowOfTheSameDatasetAndBackend) {
  RunRecord other_dataset = Scored(kTopK, 0.10);
  other_dataset.dataset_spec = "lrb(n=32)";
  const Board board = MustBuild({
      Scored(kTopK, 0.90), Scored(kTopKAnchored, 0.95),                            // a pair
      Scored(kTopK, 0.80, 0, "scalar"), Scored(kTopKAnchored, 0.70, 0, "scalar"),  // another
      Scored(kTopKAnchored, 0.99, 0, "simd:AVX3"),                 // no twin on this backend
      Scored("sae.relu(latents=32)+anchor(k=8,lambda=0.1)", 0.5),  // no twin at all
      other_dataset,  // a twin on another dataset only pairs there
  });
  std::map<std::pair<std::string, std::string>, const LeaderboardRow*> by;
  for (const LeaderboardRow& row : board.rows) by[{row.method_spec, row.backend_used}] = &row;
  const LeaderboardRow* anchored = by.at({kTopKAnchored, "simd:AVX2"});
  ASSERT_TRUE(anchored->anchor_delta.has_value());
  EXPECT_NEAR(*anchored->anchor_delta, 0.05, 1e-12);
  EXPECT_EQ(anchored->anchor_twin, kTopK);
  const LeaderboardRow* scalar = by.at({kTopKAnchored, "scalar"});
  ASSERT_TRUE(scalar->anchor_delta.has_value());
  EXPECT_NEAR(*scalar->anchor_delta, -0.10, 1e-12) << "a negative delta is kept";
  EXPECT_FALSE(by.at({kTopKAnchored, "simd:AVX3"})->anchor_delta.has_value());
  EXPECT_FALSE(by.at({"sae.relu(latents=32)+anchor(k=8,lambda=0.1)", "simd:AVX2"})
                   ->anchor_delta.has_value());
  for (const LeaderboardRow& row : board.rows) {
    if (row.method_spec == kTopK) {
      EXPECT_FALSE(row.anchor_delta.has_value()) << "the unanchored row shows no delta";
    }
  }
}

TEST(BuildBoardTest, AnchoringDeltaNeedsTheRankMetricOnBothSides) {
  const Board board = MustBuild({FinishedRun(kTopK, {{"m_ip", 0.5}}), Scored(kTopKAnchored, 0.95)});
  for (const LeaderboardRow& row : board.rows) EXPECT_FALSE(row.anchor_delta.has_value());
}

// Runs of `method` on `backend` scoring `scores`, one seed each (0, 1, ...).
std::vector<RunRecord> Seeds(const std::string& method, const std::vector<double>& scores,
                             const std::string& backend = "simd:AVX2") {
  std::vector<RunRecord> runs;
  for (size_t seed = 0; seed < scores.size(); ++seed) {
    runs.push_back(Scored(method, scores[seed], seed, backend));
  }
  return runs;
}

std::vector<RunRecord> Concat(std::vector<std::vector<RunRecord>> parts) {
  std::vector<RunRecord> runs;
  for (std::vector<RunRecord>& part : parts) {
    for (RunRecord& run : part) runs.push_back(std::move(run));
  }
  return runs;
}

const LeaderboardRow& AnchoredRow(const Board& board, const std::string& backend = "simd:AVX2") {
  for (const LeaderboardRow& row : board.rows) {
    if (row.method_spec == kTopKAnchored && row.backend_used == backend) return row;
  }
  ADD_FAILURE() << "no anchored row on " << backend;
  static const LeaderboardRow kNone;
  return kNone;
}

TEST(BuildBoardTest, AnchoringDeltaErrorIsTheStandardErrorOfTheDifferenceOfMeans) {
  // By hand: means 0.92 and 0.81, spreads 0.02 and 0.01, three seeds a side; the error is
  // sqrt(0.02^2 / 3 + 0.01^2 / 3) = 0.0129, and 0.11 is 8.5 of them.
  const Board board = MustBuild(
      Concat({Seeds(kTopKAnchored, {0.90, 0.92, 0.94}), Seeds(kTopK, {0.80, 0.81, 0.82})}));
  const LeaderboardRow& row = AnchoredRow(board);
  ASSERT_TRUE(row.anchor_delta.has_value());
  EXPECT_NEAR(*row.anchor_delta, 0.11, 1e-12);
  ASSERT_TRUE(row.anchor_delta_error.has_value());
  EXPECT_NEAR(*row.anchor_delta_error, std::sqrt(0.02 * 0.02 / 3 + 0.01 * 0.01 / 3), 1e-12);
  EXPECT_TRUE(AnchorDeltaExceedsNoise(row));
  for (const LeaderboardRow& other : board.rows) {
    if (other.method_spec == kTopK) {
      EXPECT_FALSE(other.anchor_delta_error.has_value()) << "the unanchored row has none";
    }
  }
}

TEST(BuildBoardTest, AnchoringDeltaWithinTwoStandardErrorsIsNotMarked) {
  // The same difference of means, 0.11, over spreads of 0.08 a side: the error is
  // sqrt(2 x 0.08^2 / 3) = 0.0653 and 0.11 is only 1.7 of them.
  const Board board = MustBuild(
      Concat({Seeds(kTopKAnchored, {0.84, 0.92, 1.00}), Seeds(kTopK, {0.73, 0.81, 0.89})}));
  const LeaderboardRow& row = AnchoredRow(board);
  ASSERT_TRUE(row.anchor_delta.has_value());
  EXPECT_NEAR(*row.anchor_delta, 0.11, 1e-12);
  ASSERT_TRUE(row.anchor_delta_error.has_value());
  EXPECT_NEAR(*row.anchor_delta_error, std::sqrt(2 * 0.08 * 0.08 / 3), 1e-12);
  EXPECT_FALSE(AnchorDeltaExceedsNoise(row));
}

TEST(BuildBoardTest, ANegativeAnchoringDeltaIsMarkedByItsMagnitude) {
  const Board board = MustBuild(
      Concat({Seeds(kTopKAnchored, {0.70, 0.71, 0.72}), Seeds(kTopK, {0.80, 0.81, 0.82})}));
  const LeaderboardRow& row = AnchoredRow(board);
  ASSERT_TRUE(row.anchor_delta.has_value());
  EXPECT_NEAR(*row.anchor_delta, -0.10, 1e-12);
  ASSERT_TRUE(row.anchor_delta_error.has_value());
  EXPECT_NEAR(*row.anchor_delta_error, std::sqrt(2 * 0.01 * 0.01 / 3), 1e-12);
  EXPECT_TRUE(AnchorDeltaExceedsNoise(row));
}

TEST(BuildBoardTest, OneSeedOnEitherSideLeavesTheAnchoringDeltaErrorUnset) {
  const Board board = MustBuild(Concat({
      Seeds(kTopKAnchored, {0.90, 0.92, 0.94}),
      Seeds(kTopK, {0.80}),                    // one twin seed
      Seeds(kTopKAnchored, {0.95}, "scalar"),  // one anchored seed
      Seeds(kTopK, {0.80, 0.81, 0.82}, "scalar"),
  }));
  for (const char* backend : {"simd:AVX2", "scalar"}) {
    const LeaderboardRow& row = AnchoredRow(board, backend);
    EXPECT_TRUE(row.anchor_delta.has_value()) << backend << ": the delta stays";
    EXPECT_FALSE(row.anchor_delta_error.has_value()) << backend;
    EXPECT_FALSE(AnchorDeltaExceedsNoise(row)) << backend;
  }
  // Runs count only when they report the rank metric: two seeds, one scored, is one.
  std::vector<RunRecord> runs =
      Concat({Seeds(kTopKAnchored, {0.90, 0.94}), Seeds(kTopK, {0.80, 0.81, 0.82})});
  runs[1].metrics = {{"m_ip", 0.5}};
  const LeaderboardRow& row = AnchoredRow(MustBuild(runs));
  EXPECT_EQ(row.seeds, 2);
  EXPECT_TRUE(row.anchor_delta.has_value());
  EXPECT_FALSE(row.anchor_delta_error.has_value());
}

TEST(AnchorDeltaExceedsNoiseTest, ComparesTheDeltaWithTwoStandardErrors) {
  LeaderboardRow row;
  EXPECT_FALSE(AnchorDeltaExceedsNoise(row)) << "no delta";
  row.anchor_delta = 0.5;
  EXPECT_FALSE(AnchorDeltaExceedsNoise(row)) << "no error: the noise is unknown";
  row.anchor_delta_error = 0.2;
  EXPECT_TRUE(AnchorDeltaExceedsNoise(row));
  row.anchor_delta = -0.5;
  EXPECT_TRUE(AnchorDeltaExceedsNoise(row));
  row.anchor_delta = 0.4;
  EXPECT_FALSE(AnchorDeltaExceedsNoise(row)) << "exactly two errors is not more";
  row.anchor_delta = 0.25;
  EXPECT_FALSE(AnchorDeltaExceedsNoise(row));
  row.anchor_delta_error = 0;  // every seed alike on both sides
  EXPECT_TRUE(AnchorDeltaExceedsNoise(row));
  row.anchor_delta = 0;
  EXPECT_FALSE(AnchorDeltaExceedsNoise(row));
}

TEST(WithoutAnchorTest, CutsOnlyTheAnchorModifier) {
  EXPECT_EQ(WithoutAnchor(kTopKAnchored), kTopK);
  EXPECT_EQ(WithoutAnchor("sae.topk(k=4)+anchor(k=8,lambda=0.1)+auxk(k=16,lambda=0.03125)"),
            "sae.topk(k=4)+auxk(k=16,lambda=0.03125)");
  EXPECT_EQ(WithoutAnchor("sae.topk(lr=1e+05)+anchor(k=2)+auxk(lambda=1e+00)"),
            "sae.topk(lr=1e+05)+auxk(lambda=1e+00)")
      << "a '+' inside a value is not a term boundary";
  EXPECT_EQ(WithoutAnchor("sae.topk+anchor"), "sae.topk");
  EXPECT_EQ(WithoutAnchor(kTopK), std::nullopt);
  EXPECT_EQ(WithoutAnchor("anchor(k=2)"), std::nullopt) << "a family, not a modifier";
  EXPECT_EQ(WithoutAnchor("external:my-sae"), std::nullopt);
  EXPECT_EQ(WithoutAnchor(""), std::nullopt);
}

TEST(BuildBoardTest, CountsEveryRunNotOnTheBoardByReason) {
  std::vector<RunRecord> runs;
  const auto add = [&](const std::string& status, bool owner_gone, const std::string& missing) {
    RunRecord run = Scored("m", 0.5, runs.size());
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
  const Board board = MustBuild(runs);
  const UnfinishedRuns& counts = board.counts.unfinished;
  EXPECT_EQ(counts.incomplete, 1);
  EXPECT_EQ(counts.running, 1);
  EXPECT_EQ(counts.owner_gone, 2);
  EXPECT_EQ(counts.interrupted, 1);
  EXPECT_EQ(counts.failed, 1);
  EXPECT_EQ(static_cast<size_t>(counts.total()) + 1, runs.size()) << "every run is accounted for";
  const std::string line = FormatUnfinishedRuns(counts);
  for (const char* part :
       {"1 running", "2 abandoned", "1 interrupted", "1 finished ok but with rows missing",
        "1 failed", "No flag shows them"}) {
    EXPECT_THAT(line, HasSubstr(part));
  }
  EXPECT_EQ(FormatUnfinishedRuns({}), "");
  ASSERT_EQ(board.rows.size(), 1u);
  EXPECT_EQ(board.rows[0].seeds, 1) << "only the whole finished run is ranked";
}

TEST(BuildBoardTest, RunsOfAnotherScorerAreCountedNotRanked) {
  std::vector<RunRecord> runs = {Scored("m", 0.5, 0), Scored("m", 0.9, 1)};
  runs[0].scorer_version = "score@2";
  runs[1].scorer_version = "score@1";
  BoardOptions options;
  options.scorer_version = "score@2";
  const Board board = MustBuild(runs, options);
  ASSERT_EQ(board.rows.size(), 1u);
  EXPECT_EQ(board.rows[0].seeds, 1);
  EXPECT_EQ(board.rows[0].rank_metric.mean, 0.5);
  EXPECT_EQ(board.counts.other_scorer, 1);
  options.scorer_version = "";
  EXPECT_EQ(MustBuild(runs, options).rows[0].seeds, 2) << "\"\" keeps every version";
}

TEST(BuildBoardTest, LeavesOutUncleanRunsUnlessAskedAndNeverMergesThem) {
  RunRecord debug = Scored("m", 0.1, 1);
  debug.environment.build_mode = "dbg";
  RunRecord dirty = Scored("m", 0.2, 2);
  dirty.environment.git_dirty = true;
  RunRecord both = Scored("m", 0.3, 3);
  both.environment.build_mode = "dbg";
  both.environment.git_dirty = true;
  const std::vector<RunRecord> runs = {Scored("m", 0.9), debug, dirty, both};

  const Board clean = MustBuild(runs);
  ASSERT_EQ(clean.rows.size(), 1u);
  EXPECT_EQ(clean.rows[0].rank_metric.mean, 0.9);
  EXPECT_EQ(clean.counts.unclean_left_out, 3);
  EXPECT_EQ(clean.counts.debug_build, 2);
  EXPECT_EQ(clean.counts.dirty_tree, 2);
  EXPECT_EQ(CountUncleanRuns(runs), 3);

  BoardOptions options;
  options.include_unclean = true;
  const Board all = MustBuild(runs, options);
  EXPECT_TRUE(all.unclean_included);
  EXPECT_EQ(all.counts.unclean_left_out, 0);
  EXPECT_EQ(all.counts.debug_build, 2);
  ASSERT_EQ(all.rows.size(), 4u);
  std::vector<std::string> notes;
  for (const LeaderboardRow& row : all.rows) {
    notes.push_back(row.build_note);
    EXPECT_EQ(row.seeds, 1) << row.build_note;
  }
  EXPECT_THAT(notes, ElementsAre("", "debug, dirty", "dirty", "debug"));
  EXPECT_EQ(BuildLeaderboard(runs, /*include_unclean=*/true).size(), 4u);
  EXPECT_EQ(BuildLeaderboard(runs, /*include_unclean=*/false).size(), 1u);
}

TEST(BuildBoardTest, SeparatesBackendsAndDatasetsAndRanksWithinEachDataset) {
  RunRecord other_dataset = Scored("m", 0.5);
  other_dataset.dataset_spec = "lrb(n=32)";
  const Board board = MustBuild(
      {Scored("m", 0.9), Scored("m", 0.8, 0, "scalar"), other_dataset, Scored("n", 0.95)});
  ASSERT_EQ(board.rows.size(), 4u);
  EXPECT_EQ(board.rows[0].dataset_spec, kDataset);
  EXPECT_THAT(Methods(board), ElementsAre("n", "m", "m", "m"));
  EXPECT_EQ(board.rows[2].backend_used, "scalar");
  EXPECT_EQ(board.rows[3].dataset_spec, "lrb(n=32)");
  EXPECT_THAT(Ranks(board), ElementsAre(1, 2, 3, 1)) << "ranks restart per dataset";
}

TEST(BuildBoardTest, CountsExternalSubmissionsOnTheBoard) {
  RunRecord external = Scored("external:mine", 0.7);
  external.external = ExternalSubmission{
      .name = "mine", .model_path = "/m", .model_hash = "h", .activation = "topk(k=4)"};
  EXPECT_EQ(MustBuild({external, Scored("m", 0.1)}).counts.external, 1);
}

}  // namespace
}  // namespace lrb::leaderboard
