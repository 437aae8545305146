// Store::ImportFinishedRun (what `lrb merge` builds on), external provenance and the
// whole-database and per-dataset loads.

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
