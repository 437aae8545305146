// Store::ImportFinishedRun (what `lrb merge` and `lrb run --reuse_from` build on), suites
// that travel with a run, external provenance and the whole-database and per-dataset loads.

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/run_difference.h"
#include "leaderboard/store/store.h"
#include "leaderboard/store/test_support.h"

namespace lrb::leaderboard {
namespace {

using ::lrb::leaderboard::testing::FreshDbPath;
using ::lrb::leaderboard::testing::SampleRun;
using ::testing::HasSubstr;

// Trains nothing: claims `run` in `store` and finishes it with two metrics and a feature row.
RunRecord FinishedIn(Store& store, RunRecord run, double m_ip) {
  run.metrics = {{"m_gt@0.95", 0.5}, {"m_ip", m_ip}};
  run.features = {{.feature = 0, .best_latent = 3, .best_cosine = 0.97, .recovered = true}};
  run.trajectory = {{.step = 10, .metric = "m_ip", .value = m_ip / 2},
                    {.step = 20, .metric = "m_ip", .value = m_ip}};
  run.train_seconds = 1.5;
  absl::StatusOr<int64_t> id = store.BeginRun(run);
  EXPECT_TRUE(id.ok()) << id.status();
  if (id.ok()) {
    EXPECT_TRUE(store.FinishRun(*id, run).ok());
  }
  absl::StatusOr<std::optional<RunRecord>> found = store.FindFinishedRun(run.run_key);
  EXPECT_TRUE(found.ok() && found->has_value());
  return found.ok() && found->has_value() ? **found : run;
}

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LRB_ASSERT_OK_AND_ASSIGN(source_, Store::Open(FreshDbPath("source.db")));
    LRB_ASSERT_OK_AND_ASSIGN(target_, Store::Open(FreshDbPath("target.db")));
  }
  std::unique_ptr<Store> source_, target_;
};

TEST_F(ImportTest, AddsAWholeRunKeepingItsTimesAndIsIdempotent) {
  const RunRecord run = FinishedIn(*source_, SampleRun("a"), 0.9);
  LRB_ASSERT_OK_AND_ASSIGN(const Import first, target_->ImportFinishedRun(run));
  EXPECT_EQ(first.outcome, Import::Outcome::kAdded);
  LRB_ASSERT_OK_AND_ASSIGN(const std::optional<RunRecord> copy, target_->FindFinishedRun("a"));
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ(FirstDifference(*copy, run), "");
  EXPECT_EQ(copy->trajectory, run.trajectory);
  EXPECT_EQ(copy->created_at, run.created_at);
  EXPECT_EQ(copy->finished_at, run.finished_at);
  EXPECT_EQ(copy->train_seconds, 1.5);
  EXPECT_EQ(copy->environment.hostname, run.environment.hostname);

  LRB_ASSERT_OK_AND_ASSIGN(const Import second, target_->ImportFinishedRun(run));
  EXPECT_EQ(second.outcome, Import::Outcome::kIdentical);
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> all, target_->LoadAllRuns());
  EXPECT_EQ(all.size(), 1u);
}

TEST_F(ImportTest, RefusesOtherResultsUnderAKeyTheTargetHasAndKeepsTheTargets) {
  const RunRecord mine = FinishedIn(*target_, SampleRun("a"), 0.9);
  const RunRecord theirs = FinishedIn(*source_, SampleRun("a"), 0.5);
  LRB_ASSERT_OK_AND_ASSIGN(const Import import, target_->ImportFinishedRun(theirs));
  EXPECT_EQ(import.outcome, Import::Outcome::kRefused);
  EXPECT_THAT(import.note, HasSubstr("metric \"m_ip\": 0.90000000000000002 vs 0.5"));
  LRB_ASSERT_OK_AND_ASSIGN(const std::optional<RunRecord> kept, target_->FindFinishedRun("a"));
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(FirstDifference(*kept, mine), "");
}

// The suites a run belongs to in `store`, as loaded.
std::vector<std::string> SuitesIn(Store& store, const std::string& run_key) {
  absl::StatusOr<std::optional<RunRecord>> found = store.FindFinishedRun(run_key);
  EXPECT_TRUE(found.ok() && found->has_value()) << run_key;
  return found.ok() && found->has_value() ? (*found)->suites : std::vector<std::string>{};
}

// A finished run with key `key`, trained for `trained_for` and then reused by `reused_by`.
RunRecord SharedIn(Store& store, const std::string& key, const std::string& trained_for,
                   const std::string& reused_by) {
  RunRecord run = SampleRun(key);
  run.suite = trained_for;
  FinishedIn(store, run, 0.9);
  run.suite = reused_by;
  absl::StatusOr<Claim> claim = store.ClaimRun(run);
  EXPECT_TRUE(claim.ok() && claim->outcome == Claim::Outcome::kAlreadyFinished);
  absl::StatusOr<std::optional<RunRecord>> found = store.FindFinishedRun(key);
  EXPECT_TRUE(found.ok() && found->has_value());
  return found.ok() && found->has_value() ? **found : run;
}

TEST_F(ImportTest, AnAddedRunBringsEverySuiteItBelongsTo) {
  const RunRecord shared = SharedIn(*source_, "a", "paper@2", "topk@2");
  ASSERT_EQ(shared.suites, (std::vector<std::string>{"paper@2", "topk@2"}));
  LRB_ASSERT_OK_AND_ASSIGN(const Import import, target_->ImportFinishedRun(shared));
  EXPECT_EQ(import.outcome, Import::Outcome::kAdded);
  for (const char* suite : {"paper@2", "topk@2"}) {
    LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> board, target_->LoadRuns(suite));
    ASSERT_EQ(board.size(), 1u) << suite;
    EXPECT_EQ(board[0].suite, "paper@2") << "provenance travels too";
  }
}

TEST_F(ImportTest, AnIdenticalRunUnitesTheSuitesOfBothCopies) {
  // The target trained the key for a third suite: the same results, other suites.
  RunRecord mine = SampleRun("a");
  mine.suite = "sparsity@2";
  FinishedIn(*target_, mine, 0.9);
  const RunRecord theirs = SharedIn(*source_, "a", "paper@2", "topk@2");

  LRB_ASSERT_OK_AND_ASSIGN(const Import import, target_->ImportFinishedRun(theirs));
  EXPECT_EQ(import.outcome, Import::Outcome::kIdentical);
  EXPECT_EQ(import.note, "now also in paper@2, topk@2");
  EXPECT_EQ(SuitesIn(*target_, "a"),
            (std::vector<std::string>{"paper@2", "sparsity@2", "topk@2"}));
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> board, target_->LoadRuns("topk@2"));
  ASSERT_EQ(board.size(), 1u);
  EXPECT_EQ(board[0].suite, "sparsity@2") << "the target's provenance is kept";

  LRB_ASSERT_OK_AND_ASSIGN(const Import again, target_->ImportFinishedRun(theirs));
  EXPECT_EQ(again.outcome, Import::Outcome::kIdentical);
  EXPECT_EQ(again.note, "") << "nothing left to join";
}

TEST_F(ImportTest, AReplacedAttemptsSuitesAreKeptAlongsideTheRunsOwn) {
  RunRecord attempt = SampleRun("a");
  attempt.suite = "sparsity@2";
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t failed, target_->BeginRun(attempt));
  LRB_ASSERT_OK(target_->FailRun(failed, "diverged"));
  const RunRecord shared = SharedIn(*source_, "a", "paper@2", "topk@2");

  LRB_ASSERT_OK_AND_ASSIGN(const Import import, target_->ImportFinishedRun(shared));
  EXPECT_EQ(import.outcome, Import::Outcome::kAdded);
  EXPECT_THAT(import.note, HasSubstr("failed attempt"));
  EXPECT_EQ(SuitesIn(*target_, "a"),
            (std::vector<std::string>{"paper@2", "sparsity@2", "topk@2"}));
}

// Refusing leaves the target as it was, its suites included.
TEST_F(ImportTest, ARefusedRunJoinsNoSuite) {
  FinishedIn(*target_, SampleRun("a"), 0.9);
  RunRecord theirs = SampleRun("a");
  theirs.suite = "paper@2";
  LRB_ASSERT_OK_AND_ASSIGN(const Import import,
                           target_->ImportFinishedRun(FinishedIn(*source_, theirs, 0.5)));
  EXPECT_EQ(import.outcome, Import::Outcome::kRefused);
  EXPECT_EQ(SuitesIn(*target_, "a"), std::vector<std::string>{"smoke@1"});
}

TEST(FirstDifferenceTest, TheSuitesARunServesAreNotPartOfWhatItIs) {
  RunRecord a = SampleRun("a");
  RunRecord b = a;
  b.suite = "paper@2";
  b.suites = {"paper@2", "topk@2"};
  EXPECT_EQ(FirstDifference(a, b), "");
}

TEST(FirstDifferenceTest, TrajectoriesAreComparedPointByPoint) {
  RunRecord a = SampleRun("a");
  a.trajectory = {{.step = 10, .metric = "m_ip", .value = 0.5},
                  {.step = 20, .metric = "m_ip", .value = 0.75}};
  RunRecord b = a;
  EXPECT_EQ(FirstDifference(a, b), "");
  b.trajectory[1].value = 0.875;
  EXPECT_EQ(FirstDifference(a, b), "trajectory \"m_ip\" step 20: 0.75 vs 0.875");
  b.trajectory.pop_back();
  EXPECT_EQ(FirstDifference(a, b), "trajectory \"m_ip\" step 20 only in the first");
  EXPECT_EQ(FirstDifference(b, a), "1 trajectory points vs 2");
}

TEST(FirstDifferenceTest, AbsorptionOfAPairIsCompared) {
  RunRecord a = SampleRun("a");
  a.features = {{.feature = 4,
                 .best_latent = 3,
                 .absorbed = true,
                 .parent = 1,
                 .absorption_rate = 0.75,
                 .absorption_taker = 9}};
  RunRecord b = a;
  EXPECT_EQ(FirstDifference(a, b), "");
  b.features[0].absorption_taker = 8;
  EXPECT_EQ(FirstDifference(a, b),
            "feature 4: parent 1 absorption rate 0.75 taker 9 vs parent 1 absorption rate 0.75 "
            "taker 8");
  b = a;
  b.features[0].absorption_rate = 0.5;
  EXPECT_THAT(FirstDifference(a, b), HasSubstr("absorption rate 0.5"));
  b = a;
  b.features[0].parent = -1;
  EXPECT_THAT(FirstDifference(a, b), HasSubstr("vs parent -1"));
}

TEST_F(ImportTest, ReplacesAFailedAttemptButNotARunInFlight) {
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t failed, target_->BeginRun(SampleRun("failed")));
  LRB_ASSERT_OK(target_->FailRun(failed, "diverged"));
  LRB_ASSERT_OK(target_->BeginRun(SampleRun("flying")).status());  // this Store trains it

  LRB_ASSERT_OK_AND_ASSIGN(const Import replaced,
                           target_->ImportFinishedRun(FinishedIn(*source_, SampleRun("failed"), 0.9)));
  EXPECT_EQ(replaced.outcome, Import::Outcome::kAdded);
  EXPECT_THAT(replaced.note, HasSubstr("failed attempt"));

  LRB_ASSERT_OK_AND_ASSIGN(const Import held,
                           target_->ImportFinishedRun(FinishedIn(*source_, SampleRun("flying"), 0.9)));
  EXPECT_EQ(held.outcome, Import::Outcome::kRefused);
  EXPECT_THAT(held.note, HasSubstr("being trained"));
}

TEST_F(ImportTest, RefusesRunsThatAreNotWholeAndFinished) {
  RunRecord running = SampleRun("r");
  EXPECT_EQ(target_->ImportFinishedRun(running).status().code(),
            absl::StatusCode::kInvalidArgument);
  RunRecord nan = FinishedIn(*source_, SampleRun("n"), 0.9);
  nan.metrics[0].second = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(target_->ImportFinishedRun(nan).status().code(), absl::StatusCode::kInvalidArgument);
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> all, target_->LoadAllRuns());
  EXPECT_TRUE(all.empty());
}

TEST_F(ImportTest, ExternalProvenanceRoundTripsAndTravelsWithTheRun) {
  RunRecord run = SampleRun("ext");
  run.suite = "";
  run.method_spec = "external:torch-sae";
  run.external = ExternalSubmission{.name = "torch-sae",
                                    .model_path = "/models/torch-sae",
                                    .model_hash = "feedface",
                                    .activation = "topk(k=8)"};
  const RunRecord stored = FinishedIn(*source_, run, 0.8);
  ASSERT_TRUE(stored.external.has_value());
  EXPECT_EQ(*stored.external, *run.external);

  LRB_ASSERT_OK_AND_ASSIGN(const Import import, target_->ImportFinishedRun(stored));
  EXPECT_EQ(import.outcome, Import::Outcome::kAdded);
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> on_dataset,
                           target_->LoadRunsOfDataset(run.dataset_hash));
  ASSERT_EQ(on_dataset.size(), 1u);
  ASSERT_TRUE(on_dataset[0].external.has_value());
  EXPECT_EQ(*on_dataset[0].external, *run.external);
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> other,
                           target_->LoadRunsOfDataset("another-hash"));
  EXPECT_TRUE(other.empty());

  // The same key with another model is another result: refused.
  RunRecord other_model = stored;
  other_model.external->model_hash = "deadbeef";
  LRB_ASSERT_OK_AND_ASSIGN(const Import refused, target_->ImportFinishedRun(other_model));
  EXPECT_EQ(refused.outcome, Import::Outcome::kRefused);
  EXPECT_THAT(refused.note, HasSubstr("provenance"));
}

}  // namespace
}  // namespace lrb::leaderboard
