// The run loop's promises that need a real (tiny) suite: every claimed run is reported to
// the tracker and ended, and a run taken over by another process while it trained is
// dropped without stopping the suite.

#include "bench/runner.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/suites.h"
#include "gtest/gtest.h"
#include "leaderboard/store/store.h"
#include "leaderboard/store/test_support.h"

namespace lrb::bench {
namespace {

using ::lrb::leaderboard::testing::FreshDbPath;
using ::lrb::leaderboard::testing::RawDb;

// Records what the runner reports; optionally makes the first run look abandoned (another
// machine, silent for long) and lets another process claim it while it trains.
class RecordingTracker : public RunTracker {
 public:
  RecordingTracker(std::string path, bool take_over_first)
      : path_(std::move(path)), take_over_first_(take_over_first) {}

  void RunStarted(leaderboard::Store&, int64_t run_id, const std::string&) override {
    started_.push_back(run_id);
    if (!take_over_first_ || started_.size() != 1) return;
    {
      RawDb raw(path_);
      EXPECT_EQ(raw.Exec(absl::StrCat("UPDATE runs SET owner_host = 'elsewhere', "
                                      "owner_boot_id = 'b', heartbeat_at = 0 WHERE id = ",
                                      run_id)),
                "");
    }
    auto other = leaderboard::Store::Open(
        path_, {.owner = leaderboard::RunOwner{.host = "host-b", .boot_id = "b", .pid = 1}});
    ASSERT_TRUE(other.ok()) << other.status();
    const std::string key = RawDb(path_).Query(
        absl::StrCat("SELECT run_key FROM runs WHERE id = ", run_id));
    leaderboard::RunRecord run;
    run.run_key = key;
    run.suite = "tiny@1";
    const auto claim = (*other)->ClaimRun(run);
    ASSERT_TRUE(claim.ok()) << claim.status();
    EXPECT_EQ(claim->outcome, leaderboard::Claim::Outcome::kClaimed);
  }
  void RunEnded(int64_t run_id) override { ended_.push_back(run_id); }

  std::vector<int64_t> started_, ended_;

 private:
  const std::string path_;
  const bool take_over_first_;
};

TEST(RunSuiteTest, TellsTheTrackerOfEveryRunAndSkipsNothingOnASecondPass) {
  const std::string path = FreshDbPath();
  auto store = leaderboard::Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  auto suite = FindSuite("tiny");
  ASSERT_TRUE(suite.ok());
  RecordingTracker tracker(path, /*take_over_first=*/false);
  RunOptions options;
  options.tracker = &tracker;
  auto summary = RunSuite(**suite, **store, options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->trained, 4);
  EXPECT_EQ(tracker.started_.size(), 4u);
  EXPECT_EQ(tracker.started_, tracker.ended_);
  EXPECT_TRUE(summary->AllSucceeded());

  options.export_models_dir = FreshDbPath("models");
  summary = RunSuite(**suite, **store, options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->reused, 4);
  EXPECT_EQ(summary->reused_not_exported, 4);
  EXPECT_EQ(tracker.started_.size(), 4u) << "a reused run is not claimed";
}

TEST(RunSuiteTest, ARunTakenOverWhileTrainingIsDroppedAndTheSuiteGoesOn) {
  const std::string path = FreshDbPath();
  auto store = leaderboard::Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  auto suite = FindSuite("tiny");
  ASSERT_TRUE(suite.ok());
  RecordingTracker tracker(path, /*take_over_first=*/true);
  RunOptions options;
  options.tracker = &tracker;
  const auto summary = RunSuite(**suite, **store, options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->trained, 3);
  EXPECT_EQ(summary->failed, 1);
  EXPECT_FALSE(summary->AllSucceeded());
  EXPECT_EQ(tracker.started_, tracker.ended_);
  // The run is the other process's: still running, under its owner.
  RawDb raw(path);
  EXPECT_EQ(raw.Query("SELECT count(*) FROM runs WHERE status = 'running' AND "
                      "owner_host = 'host-b'"),
            "1");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM runs WHERE status = 'ok'"), "3");
}

}  // namespace
}  // namespace lrb::bench
