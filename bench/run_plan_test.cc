// The run plan's promises: shards are disjoint and together make the (filtered) matrix,
// filters select by canonical spec and say so when they select nothing, and flag values
// are parsed strictly.

#include "bench/run_plan.h"

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "bench/suites.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/testing/status_matchers.h"

namespace lrb::bench {
namespace {

using ::lrb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// What identifies a planned run, for set comparisons.
using RunId = std::tuple<int, std::string, std::string, uint64_t>;
RunId Id(const PlannedRun& run) {
  return {run.dataset_index, run.method_spec, run.backend, run.seed};
}

const Suite& NamedSuite(const std::string& name) {
  const absl::StatusOr<const Suite*> suite = FindSuite(name);
  EXPECT_TRUE(suite.ok()) << suite.status();
  return **suite;
}

TEST(PlanRunsTest, WithoutFiltersThePlanIsTheWholeMatrixOfEverySuite) {
  for (const Suite& suite : AllSuites()) {
    LRB_ASSERT_OK_AND_ASSIGN(const RunPlan plan, PlanRuns(suite, RunFilter{}));
    EXPECT_EQ(plan.matrix_runs, suite.size()) << suite.id();
    EXPECT_EQ(static_cast<int64_t>(plan.runs.size()), suite.size()) << suite.id();
    std::set<RunId> distinct;
    for (size_t i = 0; i < plan.runs.size(); ++i) {
      EXPECT_EQ(plan.runs[i].position, static_cast<int64_t>(i));
      distinct.insert(Id(plan.runs[i]));
    }
    EXPECT_EQ(distinct.size(), plan.runs.size()) << suite.id() << ": a run planned twice";
  }
}

TEST(PlanRunsTest, ShardsAreDisjointAndTheirUnionIsTheMatrixInOrder) {
  for (const Suite& suite : AllSuites()) {
    LRB_ASSERT_OK_AND_ASSIGN(const RunPlan whole, PlanRuns(suite, RunFilter{}));
    for (const int count : {1, 2, 3, 4, 7, static_cast<int>(suite.size()) + 3}) {
      std::vector<RunId> concatenated;
      size_t smallest = whole.runs.size(), largest = 0;
      for (int index = 0; index < count; ++index) {
        RunFilter filter;
        filter.shard = {index, count};
        LRB_ASSERT_OK_AND_ASSIGN(const RunPlan shard, PlanRuns(suite, filter));
        EXPECT_EQ(shard.matrix_runs, whole.matrix_runs);
        smallest = std::min(smallest, shard.runs.size());
        largest = std::max(largest, shard.runs.size());
        for (const PlannedRun& run : shard.runs) concatenated.push_back(Id(run));
      }
      std::vector<RunId> expected;
      for (const PlannedRun& run : whole.runs) expected.push_back(Id(run));
      // Equal sequences: every run in exactly one shard, shards in matrix order.
      EXPECT_EQ(concatenated, expected) << suite.id() << " in " << count << " shards";
      EXPECT_LE(largest - smallest, 1u) << suite.id() << " in " << count << " shards";
    }
  }
}

TEST(PlanRunsTest, ShardsOfAFilteredMatrixCoverTheFilteredMatrix) {
  const Suite& suite = NamedSuite("tiny_all");
  RunFilter filter;
  filter.backends = {"simd"};
  filter.seeds = std::vector<uint64_t>{0, 1, 2};
  LRB_ASSERT_OK_AND_ASSIGN(const RunPlan whole, PlanRuns(suite, filter));
  std::set<RunId> seen;
  int64_t total = 0;
  for (int index = 0; index < 3; ++index) {
    filter.shard = {index, 3};
    LRB_ASSERT_OK_AND_ASSIGN(const RunPlan shard, PlanRuns(suite, filter));
    for (const PlannedRun& run : shard.runs) {
      EXPECT_TRUE(seen.insert(Id(run)).second) << "in two shards: " << run.method_spec;
      ++total;
    }
  }
  EXPECT_EQ(total, whole.matrix_runs);
  for (const PlannedRun& run : whole.runs) EXPECT_TRUE(seen.count(Id(run)));
}

TEST(PlanRunsTest, TheOrderOfFilterValuesDoesNotChangeThePlan) {
  const Suite& suite = NamedSuite("tiny_all");
  RunFilter forward, backward;
  forward.methods = {"sae.relu*", "transcoder.*"};
  backward.methods = {"transcoder.*", "sae.relu*"};
  forward.datasets = {"0", "dataset_01"};
  backward.datasets = {"dataset_01", "0"};
  forward.shard = backward.shard = {1, 2};
  LRB_ASSERT_OK_AND_ASSIGN(const RunPlan a, PlanRuns(suite, forward));
  LRB_ASSERT_OK_AND_ASSIGN(const RunPlan b, PlanRuns(suite, backward));
  ASSERT_FALSE(a.runs.empty());
  ASSERT_EQ(a.runs.size(), b.runs.size());
  for (size_t i = 0; i < a.runs.size(); ++i) EXPECT_EQ(Id(a.runs[i]), Id(b.runs[i]));
}

TEST(PlanRunsTest, FiltersSelectMethodsBackendsAnchoringSeedsAndDatasets) {
  const Suite& tiny = NamedSuite("tiny");  // topk with and without anchor, 2 backends, seed 0
  RunFilter filter;
  filter.anchoring = {"on"};
  filter.backends = {"simd"};
  filter.seeds = std::vector<uint64_t>{3, 7};
  LRB_ASSERT_OK_AND_ASSIGN(RunPlan plan, PlanRuns(tiny, filter));
  ASSERT_EQ(plan.runs.size(), 2u);
  for (const PlannedRun& run : plan.runs) {
    EXPECT_THAT(run.method_spec, HasSubstr("+anchor("));
    EXPECT_EQ(run.backend, "simd");
  }
  EXPECT_EQ(plan.runs[0].seed, 3u);
  EXPECT_EQ(plan.runs[1].seed, 7u);

  // A shorthand spec is canonicalised before matching; a glob matches canonical specs.
  filter = RunFilter{};
  filter.methods = {"sae.topk(k=4,latents=128)"};
  LRB_ASSERT_OK_AND_ASSIGN(plan, PlanRuns(tiny, filter));
  EXPECT_EQ(plan.runs.size(), 2u);  // the plain one on both backends
  for (const PlannedRun& run : plan.runs) EXPECT_THAT(run.method_spec, Not(HasSubstr("anchor")));
  filter.methods = {"sae.topk*"};
  LRB_ASSERT_OK_AND_ASSIGN(plan, PlanRuns(tiny, filter));
  EXPECT_EQ(plan.runs.size(), 4u);

  const Suite& all = NamedSuite("tiny_all");
  filter = RunFilter{};
  filter.datasets = {"dataset_01"};
  LRB_ASSERT_OK_AND_ASSIGN(plan, PlanRuns(all, filter));
  ASSERT_FALSE(plan.runs.empty());
  for (const PlannedRun& run : plan.runs) {
    EXPECT_EQ(run.dataset_index, 1);
    EXPECT_THAT(run.method_spec, ::testing::StartsWith("transcoder."));
  }
  filter.datasets = {"*crosscoder*"};
  LRB_ASSERT_OK_AND_ASSIGN(plan, PlanRuns(all, filter));
  ASSERT_FALSE(plan.runs.empty());
  for (const PlannedRun& run : plan.runs) EXPECT_EQ(run.dataset_index, 2);
}

TEST(PlanRunsTest, AFilterThatMatchesNothingIsAnErrorListingWhatExists) {
  const Suite& tiny = NamedSuite("tiny");
  RunFilter filter;
  filter.methods = {"sae.relu*"};
  EXPECT_THAT(PlanRuns(tiny, filter),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("--methods: \"sae.relu*\" matches nothing"),
                             HasSubstr("sae.topk(latents=128,k=4"))));
  filter = RunFilter{};
  filter.backends = {"gpu"};
  EXPECT_THAT(PlanRuns(tiny, filter),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("\"gpu\""), HasSubstr("scalar"), HasSubstr("simd"))));
  filter = RunFilter{};
  filter.datasets = {"4"};
  EXPECT_THAT(PlanRuns(tiny, filter), StatusIs(absl::StatusCode::kInvalidArgument,
                                               HasSubstr("4 is not a dataset of tiny@1")));
  filter = RunFilter{};
  filter.anchoring = {"maybe"};
  EXPECT_THAT(PlanRuns(tiny, filter),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"maybe\"")));
  // Each filter matches, but not together: transcoders never run on plain datasets.
  filter = RunFilter{};
  filter.methods = {"transcoder.*"};
  filter.datasets = {"0"};
  EXPECT_THAT(PlanRuns(NamedSuite("tiny_all"), filter),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no run of tiny_all@1")));
}

TEST(ParseShardTest, AcceptsIOverNAndNamesTheBadValue) {
  LRB_ASSERT_OK_AND_ASSIGN(const Shard shard, ParseShard("2/5"));
  EXPECT_EQ(shard.index, 2);
  EXPECT_EQ(shard.count, 5);
  EXPECT_THAT(ParseShard("4/4"), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("--shard=4/4: expected 0 <= I < N")));
  EXPECT_THAT(ParseShard("0/0"), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("expected 0 <= I < N")));
  EXPECT_THAT(ParseShard("-1/3"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("-1/3")));
  for (const char* bad : {"", "1", "1/", "/2", "a/b", "1/2/3", "1.5/2"}) {
    EXPECT_THAT(ParseShard(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("expected I/N")))
        << bad;
  }
}

TEST(ParseSeedListTest, ListsAndInclusiveRanges) {
  EXPECT_THAT(*ParseSeedList("0,5"), ElementsAre(0, 5));
  EXPECT_THAT(*ParseSeedList("3"), ElementsAre(3));
  EXPECT_THAT(*ParseSeedList("0-4"), ElementsAre(0, 1, 2, 3, 4));
  EXPECT_THAT(*ParseSeedList("0-2,10"), ElementsAre(0, 1, 2, 10));
  for (const char* bad : {"", "x", "1,,2", "3-1", "1,1", "0-2,2", "-1", "1-", "1-2-3"}) {
    EXPECT_THAT(ParseSeedList(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr(std::string("--seeds=") + bad)))
        << bad;
  }
}

TEST(SplitSpecListTest, SplitsOnlyOutsideParentheses) {
  EXPECT_THAT(SplitSpecList("sae.topk(latents=640,k=6),sae.relu(l1=1)+anchor(k=2,lambda=1)"),
              ElementsAre("sae.topk(latents=640,k=6)", "sae.relu(l1=1)+anchor(k=2,lambda=1)"));
  EXPECT_THAT(SplitSpecList("scalar,simd,"), ElementsAre("scalar", "simd"));
  EXPECT_THAT(SplitSpecList(""), ElementsAre());
}

TEST(GlobMatchTest, StarAndQuestionMark) {
  EXPECT_TRUE(GlobMatch("sae.topk*", "sae.topk(latents=128,k=4)"));
  EXPECT_TRUE(GlobMatch("*anchor*", "sae.topk(k=4)+anchor(k=8,lambda=0.1)"));
  EXPECT_TRUE(GlobMatch("sae.top?(k=4)", "sae.topk(k=4)"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXbYbZc"));
  EXPECT_FALSE(GlobMatch("sae.topk", "sae.topk(k=4)"));  // whole-string match
  EXPECT_FALSE(GlobMatch("*anchor", "sae.topk(k=4)+anchor(k=8)"));
  EXPECT_FALSE(GlobMatch("?", ""));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXbYbZ"));
}

}  // namespace
}  // namespace lrb::bench
