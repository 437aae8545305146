#include "leaderboard/store/store.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/run_rows.h"
#include "leaderboard/store/test_support.h"

namespace lrb::leaderboard {

namespace {

using ::lrb::leaderboard::testing::FreshDbPath;
using ::lrb::leaderboard::testing::RawDb;
using ::lrb::leaderboard::testing::SampleRun;
using ::lrb::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// Field-by-field equality so a failing comparison says which field differs.
void ExpectSameRun(const RunRecord& actual, const RunRecord& expected) {
  EXPECT_EQ(actual.run_key, expected.run_key);
  EXPECT_EQ(actual.suite, expected.suite);
  EXPECT_EQ(actual.dataset_spec, expected.dataset_spec);
  EXPECT_EQ(actual.dataset_hash, expected.dataset_hash);
  EXPECT_EQ(actual.method_spec, expected.method_spec);
  EXPECT_EQ(actual.train_spec, expected.train_spec);
  EXPECT_EQ(actual.backend, expected.backend);
  EXPECT_EQ(actual.backend_used, expected.backend_used);
  EXPECT_EQ(actual.seed, expected.seed);
  EXPECT_EQ(actual.scorer_version, expected.scorer_version);
  const Environment& a = actual.environment;
  const Environment& e = expected.environment;
  EXPECT_EQ(a.cpu, e.cpu);
  EXPECT_EQ(a.simd_target, e.simd_target);
  EXPECT_EQ(a.compiler, e.compiler);
  EXPECT_EQ(a.build_mode, e.build_mode);
  EXPECT_EQ(a.git_commit, e.git_commit);
  EXPECT_EQ(a.git_dirty, e.git_dirty);
  EXPECT_EQ(a.library_versions, e.library_versions);
  EXPECT_EQ(a.hostname, e.hostname);
  EXPECT_EQ(a.threads, e.threads);
  EXPECT_EQ(actual.status, expected.status);
  EXPECT_EQ(actual.error, expected.error);
  EXPECT_EQ(actual.train_seconds, expected.train_seconds);
  EXPECT_EQ(actual.score_seconds, expected.score_seconds);
  EXPECT_EQ(actual.metrics, expected.metrics);
  ASSERT_EQ(actual.features.size(), expected.features.size());
  for (size_t i = 0; i < actual.features.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("feature row ", i));
    EXPECT_EQ(actual.features[i].feature, expected.features[i].feature);
    EXPECT_EQ(actual.features[i].best_latent, expected.features[i].best_latent);
    EXPECT_EQ(actual.features[i].best_cosine, expected.features[i].best_cosine);
    EXPECT_EQ(actual.features[i].anchored, expected.features[i].anchored);
    EXPECT_EQ(actual.features[i].recovered, expected.features[i].recovered);
    EXPECT_EQ(actual.features[i].firing_frequency, expected.features[i].firing_frequency);
    EXPECT_EQ(actual.features[i].latent_firing_frequency,
              expected.features[i].latent_firing_frequency);
    EXPECT_EQ(actual.features[i].absorbed, expected.features[i].absorbed);
    EXPECT_EQ(actual.features[i].parent, expected.features[i].parent);
    EXPECT_EQ(actual.features[i].absorption_rate, expected.features[i].absorption_rate);
    EXPECT_EQ(actual.features[i].absorption_taker, expected.features[i].absorption_taker);
  }
  EXPECT_EQ(actual.trajectory, expected.trajectory);
}

// "2026-11-25T10:00:00.123Z"
void ExpectUtcIso8601(const std::string& time) {
  ASSERT_EQ(time.size(), 24u) << time;
  EXPECT_EQ(time[4], '-');
  EXPECT_EQ(time[10], 'T') << time;
  EXPECT_EQ(time[19], '.') << time;
  EXPECT_EQ(time.back(), 'Z') << time;
}

// A finished run's outcome; the metrics are sorted by name, as loaded runs list them.
RunRecord WithOutcome(RunRecord run) {
  run.status = "ok";
  run.train_seconds = 12.5;
  run.score_seconds = 0.75;
  run.metrics = {{"fvu", 0.03125}, {"m_gt@0.95", 0.849}, {"m_ip", 0.983}};
  run.features = {
      {.feature = 0,
       .best_latent = 5,
       .best_cosine = 0.99,
       .anchored = true,
       .recovered = true,
       .firing_frequency = 0.0125,
       .latent_firing_frequency = 0.25,
       .absorbed = false},
      {.feature = 1,
       .best_latent = -1,
       .best_cosine = 0.125,
       .anchored = false,
       .recovered = false,
       .firing_frequency = 0.5,
       .latent_firing_frequency = 0,
       .absorbed = true,
       .parent = 0,
       .absorption_rate = 0.875,
       .absorption_taker = 12},
      {.feature = 2,
       .best_latent = 7,
       .best_cosine = -0.5,
       .anchored = false,
       .recovered = true,
       .firing_frequency = 0.03125,
       .latent_firing_frequency = 0.75,
       .absorbed = false,
       .parent = 0,
       .absorption_rate = 0,
       .absorption_taker = -1},
  };
  // Sorted by metric, then step, as loaded runs list them.
  run.trajectory = {{.step = 100, .metric = "decoder.m_gt@0.95", .value = 0.25},
                    {.step = 200, .metric = "decoder.m_gt@0.95", .value = 0.5},
                    {.step = 100, .metric = "train.loss", .value = 1.5},
                    {.step = 200, .metric = "train.loss", .value = 0.75}};
  return run;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = FreshDbPath();
    LRB_ASSERT_OK_AND_ASSIGN(store_, Store::Open(path_));
  }

  std::vector<RunRecord> Load(const std::string& suite = "smoke@1") {
    absl::StatusOr<std::vector<RunRecord>> runs = store_->LoadRuns(suite);
    EXPECT_TRUE(runs.ok()) << runs.status();
    return runs.ok() ? *runs : std::vector<RunRecord>{};
  }

  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, RoundTripsEveryFieldAndSurvivesReopening) {
  RunRecord run = WithOutcome(SampleRun("ok-run"));
  run.environment.git_dirty = true;
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t id, store_->BeginRun(run));
  LRB_ASSERT_OK(store_->FinishRun(id, run));

  RunRecord failed = SampleRun("failed-run");
  failed.seed = 8;
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t failed_id, store_->BeginRun(failed));
  LRB_ASSERT_OK(store_->FailRun(failed_id, "diverged at step 17: loss is inf"));
  failed.status = "failed";
  failed.error = "diverged at step 17: loss is inf";

  for (int pass = 0; pass < 2; ++pass) {
    SCOPED_TRACE(pass == 0 ? "first open" : "after reopening");
    const std::vector<RunRecord> loaded = Load();
    ASSERT_EQ(loaded.size(), 2u);
    ExpectSameRun(loaded[0], run);
    ExpectSameRun(loaded[1], failed);
    for (const RunRecord& r : loaded) {
      ExpectUtcIso8601(r.created_at);
      ExpectUtcIso8601(r.finished_at);
      EXPECT_LE(r.created_at, r.finished_at);
      EXPECT_EQ(r.suites, std::vector<std::string>{"smoke@1"}) << "a new run is in its suite";
    }
    store_.reset();
    LRB_ASSERT_OK_AND_ASSIGN(store_, Store::Open(path_));
  }
}

TEST_F(StoreTest, RunningRunHasNoFinishTimeOrOutcome) {
  LRB_ASSERT_OK(store_->BeginRun(WithOutcome(SampleRun())));  // outcome fields are ignored
  const std::vector<RunRecord> loaded = Load();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].status, "running");
  ExpectUtcIso8601(loaded[0].created_at);
  EXPECT_EQ(loaded[0].finished_at, "");
  EXPECT_EQ(loaded[0].train_seconds, 0);
  EXPECT_TRUE(loaded[0].metrics.empty());
  EXPECT_TRUE(loaded[0].features.empty());
}

TEST_F(StoreTest, StoresUint64SeedsLosslessly) {
  const uint64_t seeds[] = {0, 1, (uint64_t{1} << 63) - 1, uint64_t{1} << 63,
                            std::numeric_limits<uint64_t>::max()};
  for (const uint64_t seed : seeds) {
    RunRecord run = SampleRun(absl::StrCat("seed-", seed));
    run.seed = seed;
    LRB_ASSERT_OK(store_->BeginRun(run));
  }
  const std::vector<RunRecord> loaded = Load();
  ASSERT_EQ(loaded.size(), std::size(seeds));
  for (size_t i = 0; i < loaded.size(); ++i) EXPECT_EQ(loaded[i].seed, seeds[i]);

  // The documented mapping: the int64 with the same bits.
  RawDb raw(path_);
  EXPECT_EQ(raw.Query("SELECT seed FROM runs WHERE run_key = 'seed-18446744073709551615'"), "-1");
  static_assert(internal::SeedToSql(std::numeric_limits<uint64_t>::max()) == -1);
  static_assert(internal::SeedFromSql(std::numeric_limits<int64_t>::min()) == uint64_t{1} << 63);
}

TEST_F(StoreTest, OnlyARunningRunCanBeFinishedOrFailed) {
  const RunRecord run = WithOutcome(SampleRun());
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t id, store_->BeginRun(run));
  LRB_ASSERT_OK(store_->FinishRun(id, run));

  EXPECT_EQ(store_->FinishRun(id, run).code(), absl::StatusCode::kFailedPrecondition);
  const absl::Status fail_ok = store_->FailRun(id, "too late");
  EXPECT_EQ(fail_ok.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(fail_ok.message()), HasSubstr("\"ok\""));
  EXPECT_EQ(Load()[0].status, "ok");

  LRB_ASSERT_OK_AND_ASSIGN(const int64_t failed_id, store_->BeginRun(SampleRun("other")));
  LRB_ASSERT_OK(store_->FailRun(failed_id, "boom"));
  EXPECT_EQ(store_->FinishRun(failed_id, run).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->FailRun(failed_id, "again").code(), absl::StatusCode::kFailedPrecondition);

  EXPECT_EQ(store_->FinishRun(id + 1000, run).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->FailRun(id + 1000, "x").code(), absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, FailRunNeedsAnError) {
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t id, store_->BeginRun(SampleRun()));
  EXPECT_EQ(store_->FailRun(id, "").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Load()[0].status, "running");
}

TEST_F(StoreTest, BeginRunReplacesAbandonedAndFailedRuns) {
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t crashed, store_->BeginRun(SampleRun()));
  // Still this Store's: not taken from it.
  EXPECT_EQ(store_->BeginRun(SampleRun()).status().code(), absl::StatusCode::kUnavailable);
  // A Store that ends without finishing its run abandons it, as a crashed process would.
  store_.reset();
  LRB_ASSERT_OK_AND_ASSIGN(store_, Store::Open(path_));
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t retried, store_->BeginRun(SampleRun()));
  EXPECT_NE(retried, crashed);
  // The replaced attempt is gone: a late FinishRun from it cannot touch the new row.
  EXPECT_EQ(store_->FinishRun(crashed, WithOutcome(SampleRun())).code(),
            absl::StatusCode::kNotFound);

  LRB_ASSERT_OK(store_->FailRun(retried, "out of memory"));
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t third, store_->BeginRun(SampleRun()));
  EXPECT_GT(third, retried) << "row ids must never be reused";

  const std::vector<RunRecord> loaded = Load();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].status, "running");
  EXPECT_EQ(loaded[0].error, "");
}

TEST_F(StoreTest, BeginRunRefusesToReplaceAFinishedRun) {
  const RunRecord run = WithOutcome(SampleRun());
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t id, store_->BeginRun(run));
  LRB_ASSERT_OK(store_->FinishRun(id, run));

  const auto again = store_->BeginRun(run);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(again.status().message()), HasSubstr(run.run_key));
  const std::vector<RunRecord> loaded = Load();
  ASSERT_EQ(loaded.size(), 1u);
  ExpectSameRun(loaded[0], run);

  // --force: delete, then run again.
  LRB_ASSERT_OK(store_->DeleteRun(run.run_key));
  LRB_EXPECT_OK(store_->BeginRun(run));
}

TEST_F(StoreTest, FindFinishedRunSeesOnlyOkRuns) {
  LRB_ASSERT_OK(store_->BeginRun(SampleRun("running")));
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t failed, store_->BeginRun(SampleRun("failed")));
  LRB_ASSERT_OK(store_->FailRun(failed, "boom"));
  const RunRecord ok = WithOutcome(SampleRun("ok"));
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t ok_id, store_->BeginRun(ok));
  LRB_ASSERT_OK(store_->FinishRun(ok_id, ok));

  for (const char* key : {"running", "failed", "never-run"}) {
    LRB_ASSERT_OK_AND_ASSIGN(const std::optional<RunRecord> found, store_->FindFinishedRun(key));
    EXPECT_FALSE(found.has_value()) << key;
  }
  LRB_ASSERT_OK_AND_ASSIGN(const std::optional<RunRecord> found, store_->FindFinishedRun("ok"));
  ASSERT_TRUE(found.has_value());
  ExpectSameRun(*found, ok);
}

TEST_F(StoreTest, NanMetricIsRefusedAndNothingIsWritten) {
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t id, store_->BeginRun(SampleRun()));
  RunRecord outcome = WithOutcome(SampleRun());
  outcome.metrics = {{"m_gt@0.95", 0.5}, {"m_ip", std::numeric_limits<double>::quiet_NaN()}};

  const absl::Status status = store_->FinishRun(id, outcome);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("\"m_ip\""));

  const std::vector<RunRecord> loaded = Load();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].status, "running");
  EXPECT_TRUE(loaded[0].metrics.empty());
  EXPECT_TRUE(loaded[0].features.empty());
  RawDb raw(path_);
  EXPECT_EQ(raw.Query("SELECT count(*) FROM metrics"), "0");

  // The caller can still record the failure.
  LRB_EXPECT_OK(store_->FailRun(id, std::string(status.message())));
}

TEST_F(StoreTest, OtherUnstorableOutcomesAreRefused) {
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t id, store_->BeginRun(SampleRun()));
  RunRecord duplicate = WithOutcome(SampleRun());
  duplicate.metrics.push_back({"m_ip", 0.5});
  EXPECT_EQ(store_->FinishRun(id, duplicate).code(), absl::StatusCode::kInvalidArgument);
  RunRecord nan_cosine = WithOutcome(SampleRun());
  nan_cosine.features[1].best_cosine = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(store_->FinishRun(id, nan_cosine).code(), absl::StatusCode::kInvalidArgument);
  RunRecord nan_frequency = WithOutcome(SampleRun());
  nan_frequency.features[2].latent_firing_frequency = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(store_->FinishRun(id, nan_frequency).code(), absl::StatusCode::kInvalidArgument);
  RunRecord nan_rate = WithOutcome(SampleRun());
  nan_rate.features[1].absorption_rate = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(store_->FinishRun(id, nan_rate),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("feature 1 is NaN")));
  RunRecord rate_above_one = WithOutcome(SampleRun());
  rate_above_one.features[1].absorption_rate = 1.5;
  EXPECT_THAT(store_->FinishRun(id, rate_above_one),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("absorption rate 1.5"), HasSubstr("[0, 1]"))));
  RunRecord bad_parent = WithOutcome(SampleRun());
  bad_parent.features[2].parent = -2;
  EXPECT_THAT(store_->FinishRun(id, bad_parent),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("parent -2")));
  RunRecord bad_taker = WithOutcome(SampleRun());
  bad_taker.features[2].absorption_taker = -3;
  EXPECT_THAT(store_->FinishRun(id, bad_taker),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("taker -3")));
  RunRecord duplicate_point = WithOutcome(SampleRun());
  duplicate_point.trajectory.push_back({.step = 100, .metric = "train.loss", .value = 2});
  EXPECT_THAT(store_->FinishRun(id, duplicate_point),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("given twice")));
  RunRecord nan_point = WithOutcome(SampleRun());
  nan_point.trajectory[0].value = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(store_->FinishRun(id, nan_point),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("NaN")));
  RunRecord negative_step = WithOutcome(SampleRun());
  negative_step.trajectory[0].step = -1;
  EXPECT_THAT(store_->FinishRun(id, negative_step),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("step -1")));
  RunRecord nan_time = WithOutcome(SampleRun());
  nan_time.train_seconds = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(store_->FinishRun(id, nan_time).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Load()[0].status, "running");
}

TEST_F(StoreTest, FailureMidwayThroughFinishRunRollsBackEverything) {
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t id, store_->BeginRun(SampleRun()));
  {
    // Make the database itself fail on the last feature row, after the status update and
    // every metric were written in the same transaction.
    RawDb raw(path_);
    ASSERT_EQ(raw.Exec("CREATE TRIGGER fail_late BEFORE INSERT ON feature_results "
                       "WHEN NEW.feature = 2 BEGIN SELECT RAISE(ABORT, 'injected failure'); END"),
              "");
  }
  const absl::Status status = store_->FinishRun(id, WithOutcome(SampleRun()));
  EXPECT_THAT(std::string(status.message()), HasSubstr("injected failure"));
  EXPECT_THAT(std::string(status.message()), HasSubstr(path_));

  const std::vector<RunRecord> loaded = Load();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].status, "running");
  EXPECT_EQ(loaded[0].finished_at, "");
  EXPECT_TRUE(loaded[0].metrics.empty());
  EXPECT_TRUE(loaded[0].features.empty());
}

TEST_F(StoreTest, FinishRunRecordsTheBackendThatRan) {
  RunRecord run = SampleRun();
  run.backend_used = "";  // not known before training
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t id, store_->BeginRun(run));
  RunRecord outcome = WithOutcome(run);
  outcome.backend_used = "simd:AVX3";
  LRB_ASSERT_OK(store_->FinishRun(id, outcome));
  EXPECT_EQ(Load()[0].backend_used, "simd:AVX3");
}

TEST_F(StoreTest, DeleteRunCascadesToMetricsAndFeatures) {
  const RunRecord run = WithOutcome(SampleRun());
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t id, store_->BeginRun(run));
  LRB_ASSERT_OK(store_->FinishRun(id, run));
  const RunRecord kept = WithOutcome(SampleRun("kept"));
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t kept_id, store_->BeginRun(kept));
  LRB_ASSERT_OK(store_->FinishRun(kept_id, kept));

  LRB_ASSERT_OK(store_->DeleteRun(run.run_key));
  RawDb raw(path_);
  EXPECT_EQ(raw.Query(absl::StrCat("SELECT count(*) FROM metrics WHERE run_id = ", id)), "0");
  EXPECT_EQ(raw.Query(absl::StrCat("SELECT count(*) FROM feature_results WHERE run_id = ", id)),
            "0");
  EXPECT_EQ(raw.Query(absl::StrCat("SELECT count(*) FROM trajectories WHERE run_id = ", id)),
            "0");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM metrics"), "3");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM trajectories"), "4");
  const std::vector<RunRecord> loaded = Load();
  ASSERT_EQ(loaded.size(), 1u);
  ExpectSameRun(loaded[0], kept);

  LRB_EXPECT_OK(store_->DeleteRun(run.run_key));  // already gone: nothing to do
  EXPECT_EQ(Load().size(), 1u);
}

TEST_F(StoreTest, LoadRunsSelectsOneSuiteOldestFirst) {
  for (const char* key : {"c", "a", "b"}) LRB_ASSERT_OK(store_->BeginRun(SampleRun(key)));
  RunRecord other = SampleRun("other-suite");
  other.suite = "paper@1";
  LRB_ASSERT_OK(store_->BeginRun(other));

  const std::vector<RunRecord> smoke = Load("smoke@1");
  ASSERT_EQ(smoke.size(), 3u);
  EXPECT_EQ(smoke[0].run_key, "c");
  EXPECT_EQ(smoke[1].run_key, "a");
  EXPECT_EQ(smoke[2].run_key, "b");
  ASSERT_EQ(Load("paper@1").size(), 1u);
  EXPECT_TRUE(Load("no-such-suite").empty());
}

// The defect suite membership fixes: `paper` and `topk` both train sae.topk(latents=16000,
// k=64) on the paper dataset with one budget and seed, so one key. The second suite's claim
// reuses the first's run, which must then be on both boards.
TEST_F(StoreTest, ARunSharedByTwoSuitesIsOnBothSuitesBoards) {
  RunRecord paper = WithOutcome(SampleRun("shared"));
  paper.suite = "paper@2";
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t id, store_->BeginRun(paper));
  LRB_ASSERT_OK(store_->FinishRun(id, paper));
  RunRecord topk = SampleRun("shared");
  topk.suite = "topk@2";
  for (int pass = 0; pass < 2; ++pass) {  // reusing twice is reusing once
    LRB_ASSERT_OK_AND_ASSIGN(const Claim claim, store_->ClaimRun(topk));
    EXPECT_EQ(claim.outcome, Claim::Outcome::kAlreadyFinished);
    EXPECT_EQ(claim.run_id, id);
  }

  for (const char* suite : {"paper@2", "topk@2"}) {
    SCOPED_TRACE(suite);
    const std::vector<RunRecord> board = Load(suite);
    ASSERT_EQ(board.size(), 1u);
    ExpectSameRun(board[0], paper);
    EXPECT_EQ(board[0].suite, "paper@2") << "the suite it was trained for";
    EXPECT_EQ(board[0].suites, (std::vector<std::string>{"paper@2", "topk@2"}));
  }
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> all, store_->LoadAllRuns());
  EXPECT_EQ(all.size(), 1u);
  LRB_ASSERT_OK_AND_ASSIGN(const std::optional<RunRecord> found,
                           store_->FindFinishedRun("shared"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->suites, (std::vector<std::string>{"paper@2", "topk@2"}));
  EXPECT_EQ(RawDb(path_).Query("SELECT count(*) FROM run_suites"), "2");
}

// An attempt that is replaced (failed and retried by another suite, or retrained with
// --force) passes its suites on: the row that ends up finished serves every suite that
// asked for the key.
TEST_F(StoreTest, AReplacedAttemptPassesItsSuitesToTheRowThatReplacesIt) {
  RunRecord paper = WithOutcome(SampleRun("shared"));
  paper.suite = "paper@2";
  RunRecord topk = WithOutcome(SampleRun("shared"));
  topk.suite = "topk@2";
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t failed, store_->BeginRun(paper));
  LRB_ASSERT_OK(store_->FailRun(failed, "diverged"));

  LRB_ASSERT_OK_AND_ASSIGN(const Claim retry, store_->ClaimRun(topk));
  EXPECT_EQ(retry.outcome, Claim::Outcome::kClaimed);
  EXPECT_THAT(retry.note, HasSubstr("a failed attempt"));
  ASSERT_EQ(Load("paper@2").size(), 1u);
  EXPECT_EQ(Load("paper@2")[0].status, "running") << "paper's board shows the retry";
  LRB_ASSERT_OK(store_->FinishRun(retry.run_id, topk));
  for (const char* suite : {"paper@2", "topk@2"}) {
    SCOPED_TRACE(suite);
    const std::vector<RunRecord> board = Load(suite);
    ASSERT_EQ(board.size(), 1u);
    EXPECT_EQ(board[0].status, "ok");
    EXPECT_EQ(board[0].suite, "topk@2") << "trained for topk this time";
    EXPECT_EQ(board[0].suites, (std::vector<std::string>{"paper@2", "topk@2"}));
  }

  // --force in one suite retrains the run for both.
  LRB_ASSERT_OK_AND_ASSIGN(const Claim forced, store_->ClaimRun(paper, /*replace_finished=*/true));
  EXPECT_EQ(forced.outcome, Claim::Outcome::kClaimed);
  LRB_ASSERT_OK(store_->FinishRun(forced.run_id, paper));
  for (const char* suite : {"paper@2", "topk@2"}) {
    SCOPED_TRACE(suite);
    const std::vector<RunRecord> board = Load(suite);
    ASSERT_EQ(board.size(), 1u);
    EXPECT_EQ(board[0].suite, "paper@2");
    EXPECT_EQ(board[0].suites, (std::vector<std::string>{"paper@2", "topk@2"}));
  }
  RawDb raw(path_);
  EXPECT_EQ(raw.Query("SELECT count(*) FROM run_suites"), "2") << "the old rows' went with them";
  LRB_ASSERT_OK(store_->DeleteRun("shared"));
  EXPECT_EQ(raw.Query("SELECT count(*) FROM run_suites"), "0");
  EXPECT_TRUE(Load("topk@2").empty());
}

TEST_F(StoreTest, AReaderSeesCommittedRunsWhileAWriterHoldsItsLock) {
  const RunRecord run = WithOutcome(SampleRun());
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t id, store_->BeginRun(run));
  LRB_ASSERT_OK(store_->FinishRun(id, run));

  LRB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> reader, Store::Open(path_));
  // Another writer is in the middle of a transaction (WAL: it does not block readers).
  RawDb writer(path_);
  ASSERT_EQ(writer.Exec("BEGIN IMMEDIATE; DELETE FROM metrics;"), "");

  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> seen, reader->LoadRuns("smoke@1"));
  ASSERT_EQ(seen.size(), 1u);
  ExpectSameRun(seen[0], run);  // the uncommitted delete is invisible
  ASSERT_EQ(writer.Exec("ROLLBACK"), "");

  // And a run written through one Store is visible through the other.
  LRB_ASSERT_OK_AND_ASSIGN(const int64_t second, reader->BeginRun(SampleRun("second")));
  LRB_ASSERT_OK(reader->FailRun(second, "boom"));
  EXPECT_EQ(Load().size(), 2u);
}

TEST_F(StoreTest, ConcurrentWritersWaitForEachOther) {
  // Two Stores (two connections) and two threads on the one Store each: the busy timeout
  // and the Store's mutex make every write wait its turn instead of failing.
  LRB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> second, Store::Open(path_));
  constexpr int kRunsPerThread = 15;
  std::vector<absl::Status> errors(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    Store* store = t % 2 == 0 ? store_.get() : second.get();
    threads.emplace_back([store, t, &errors] {
      for (int i = 0; i < kRunsPerThread && errors[t].ok(); ++i) {
        const RunRecord run = WithOutcome(SampleRun(absl::StrCat("t", t, "-", i)));
        absl::StatusOr<int64_t> id = store->BeginRun(run);
        errors[t] = id.ok() ? store->FinishRun(*id, run) : id.status();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& error : errors) LRB_EXPECT_OK(error);
  EXPECT_EQ(Load().size(), 4u * kRunsPerThread);
}

}  // namespace
}  // namespace lrb::leaderboard
