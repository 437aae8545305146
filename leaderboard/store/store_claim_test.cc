// Several processes (or machines) on one database: claiming, holding, staleness, heartbeats,
// interrupted and incomplete runs. Each Store is given the owner identity of the process or
// machine it stands for.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/leaderboard_table.h"
#include "leaderboard/store/store.h"
#include "leaderboard/store/test_support.h"

namespace lrb::leaderboard {
namespace {

using ::lrb::leaderboard::testing::FreshDbPath;
using ::lrb::leaderboard::testing::RawDb;
using ::lrb::leaderboard::testing::SampleRun;
using ::testing::HasSubstr;
using Outcome = Claim::Outcome;

RunOwner Machine(const std::string& host) {
  return RunOwner{.host = host, .boot_id = "boot-" + host, .pid = 4242, .start_time = 7};
}

RunRecord Finished(RunRecord run) {
  run.metrics = {{"m_gt@0.95", 0.5}, {"m_ip", 0.75}, {"train.final_loss", 0.125}};
  run.features = {{.feature = 0, .best_cosine = 0.5}, {.feature = 1, .best_cosine = 0.25}};
  return run;
}

// A pid that no longer exists: a child that has exited and been reaped.
int64_t DeadPid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

std::unique_ptr<Store> OpenAs(const std::string& path, const RunOwner& owner) {
  auto store = Store::Open(path, StoreOptions{.owner = owner});
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

TEST(ClaimTest, ALiveOwnersRunIsSkippedThenReusedOnceFinished) {
  const std::string path = FreshDbPath();
  auto a = OpenAs(path, Machine("host-a"));
  auto b = OpenAs(path, Machine("host-b"));
  ASSERT_TRUE(a && b);
  LRB_ASSERT_OK_AND_ASSIGN(const Claim first, a->ClaimRun(SampleRun()));
  EXPECT_EQ(first.outcome, Outcome::kClaimed);
  EXPECT_EQ(first.note, "");

  LRB_ASSERT_OK_AND_ASSIGN(const Claim held, b->ClaimRun(SampleRun()));
  EXPECT_EQ(held.outcome, Outcome::kHeldByAnother);
  EXPECT_EQ(held.run_id, first.run_id);
  EXPECT_THAT(held.note, HasSubstr("pid 4242 on host-a"));
  // --force does not take a live run away either.
  LRB_ASSERT_OK_AND_ASSIGN(const Claim forced, b->ClaimRun(SampleRun(), true));
  EXPECT_EQ(forced.outcome, Outcome::kHeldByAnother);
  // Nor can its own Store claim it twice.
  LRB_ASSERT_OK_AND_ASSIGN(const Claim again, a->ClaimRun(SampleRun()));
  EXPECT_EQ(again.outcome, Outcome::kHeldByAnother);
  EXPECT_EQ(again.note, "this process");

  LRB_ASSERT_OK(a->FinishRun(first.run_id, Finished(SampleRun())));
  LRB_ASSERT_OK_AND_ASSIGN(const Claim done, b->ClaimRun(SampleRun()));
  EXPECT_EQ(done.outcome, Outcome::kAlreadyFinished);
  EXPECT_EQ(done.run_id, first.run_id);
}

// Two suites that share a run, run at once on one database (`lrb run --suite=paper` and
// `--suite=topk`): the second finds the shared run held by the first and skips it, and still
// gets it on its board, where it shows running and then finished.
TEST(ClaimTest, ASuiteThatFindsItsRunHeldByAnotherSuiteHasItOnItsBoard) {
  const std::string path = FreshDbPath();
  auto paper_process = OpenAs(path, Machine("host-a"));
  auto topk_process = OpenAs(path, Machine("host-b"));
  ASSERT_TRUE(paper_process && topk_process);
  RunRecord paper = SampleRun("shared");
  paper.suite = "paper@2";
  RunRecord topk = SampleRun("shared");
  topk.suite = "topk@2";
  LRB_ASSERT_OK_AND_ASSIGN(const Claim first, paper_process->ClaimRun(paper));
  ASSERT_EQ(first.outcome, Outcome::kClaimed);
  LRB_ASSERT_OK_AND_ASSIGN(const Claim held, topk_process->ClaimRun(topk));
  EXPECT_EQ(held.outcome, Outcome::kHeldByAnother);

  LRB_ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> board, topk_process->LoadRuns("topk@2"));
  ASSERT_EQ(board.size(), 1u);
  EXPECT_EQ(board[0].status, "running");
  EXPECT_FALSE(board[0].owner_gone);
  LRB_ASSERT_OK(paper_process->FinishRun(first.run_id, Finished(paper)));
  LRB_ASSERT_OK_AND_ASSIGN(board, topk_process->LoadRuns("topk@2"));
  ASSERT_EQ(board.size(), 1u);
  EXPECT_EQ(board[0].status, "ok");
  EXPECT_EQ(board[0].incomplete, "");
  EXPECT_EQ(board[0].suites, (std::vector<std::string>{"paper@2", "topk@2"}));
}

TEST(ClaimTest, OnThisMachineARunIsStaleExactlyWhenItsProcessIsGone) {
  const std::string path = FreshDbPath();
  const RunOwner self = ThisProcess();
  ASSERT_FALSE(self.boot_id.empty());
  EXPECT_THAT(self.boot_id, HasSubstr(" pidns:pid:["));
  ASSERT_GT(self.start_time, 0);
  RunOwner parent = self;  // alive: the test runner that started us
  parent.pid = getppid();
  parent.start_time = ProcessStartTime(parent.pid).value_or(-1);
  RunOwner reused_pid = parent;  // the same pid, but another process started at another time
  reused_pid.start_time = parent.start_time + 1;
  RunOwner dead = self;
  dead.pid = DeadPid();
  RunOwner rebooted = parent;  // alive pid, but recorded during an earlier boot
  rebooted.boot_id = "an-earlier-boot";
  // Another container on this kernel: its pids are not ours to look up, so its (fresh)
  // heartbeat decides, even though pid 1 with another start time would look dead here.
  RunOwner container = self;
  container.boot_id = self.boot_id.substr(0, self.boot_id.find(" pidns:")) + " pidns:other";
  container.pid = 1;
  container.start_time = 12345;
  ASSERT_NE(container.boot_id, self.boot_id);

  struct Case {
    const char* name;
    RunOwner owner;
    Outcome expected;
  };
  const Case cases[] = {
      {"alive", parent, Outcome::kHeldByAnother},
      {"pid reused", reused_pid, Outcome::kClaimed},
      {"dead", dead, Outcome::kClaimed},
      {"rebooted", rebooted, Outcome::kClaimed},
      {"other pid namespace", container, Outcome::kHeldByAnother},
  };
  auto me = OpenAs(path, self);
  ASSERT_TRUE(me);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string key = absl::StrCat("key-", c.name);
    {
      auto other = OpenAs(path, c.owner);
      ASSERT_TRUE(other);
      LRB_ASSERT_OK(other->ClaimRun(SampleRun(key)));
    }
    LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> runs, me->LoadRuns("smoke@1"));
    bool gone = false;
    for (const RunRecord& run : runs) gone |= run.run_key == key && run.owner_gone;
    EXPECT_EQ(gone, c.expected == Outcome::kClaimed);
    LRB_ASSERT_OK_AND_ASSIGN(const Claim claim, me->ClaimRun(SampleRun(key)));
    EXPECT_EQ(claim.outcome, c.expected);
    if (c.expected == Outcome::kClaimed) {
      EXPECT_THAT(claim.note, HasSubstr("abandoned"));
    }
  }
}

TEST(ClaimTest, AnotherMachinesRunIsStaleOnlyOnceItsHeartbeatIsOlderThanTheLease) {
  const std::string path = FreshDbPath();
  auto a = OpenAs(path, Machine("host-a"));
  auto b = OpenAs(path, Machine("host-b"));
  ASSERT_TRUE(a && b);
  LRB_ASSERT_OK_AND_ASSIGN(const Claim first, a->ClaimRun(SampleRun()));
  RawDb raw(path);
  const int64_t now = std::time(nullptr);
  const int64_t lease = kDefaultLease.count();

  ASSERT_EQ(raw.Exec(absl::StrCat("UPDATE runs SET heartbeat_at = ", now - lease + 30)), "");
  LRB_ASSERT_OK_AND_ASSIGN(const Claim within, b->ClaimRun(SampleRun()));
  EXPECT_EQ(within.outcome, Outcome::kHeldByAnother);

  // A heartbeat brings it back to now.
  ASSERT_EQ(raw.Exec("UPDATE runs SET heartbeat_at = 0"), "");
  LRB_ASSERT_OK(a->Heartbeat(first.run_id));
  EXPECT_GE(std::stoll(raw.Query("SELECT heartbeat_at FROM runs")), now - 1);

  ASSERT_EQ(raw.Exec(absl::StrCat("UPDATE runs SET heartbeat_at = ", now - lease - 30)), "");
  LRB_ASSERT_OK_AND_ASSIGN(const Claim expired, b->ClaimRun(SampleRun()));
  EXPECT_EQ(expired.outcome, Outcome::kClaimed);
  EXPECT_THAT(expired.note, HasSubstr("host-a"));
  // The old owner finds out when it tries to record its run.
  EXPECT_EQ(a->FinishRun(first.run_id, Finished(SampleRun())).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(a->Heartbeat(first.run_id).code(), absl::StatusCode::kNotFound);
}

TEST(ClaimTest, ConcurrentClaimsGiveEveryRunToExactlyOneStore) {
  const std::string path = FreshDbPath();
  constexpr int kRuns = 30;
  std::vector<std::unique_ptr<Store>> stores;
  for (const char* host : {"host-a", "host-b", "host-c"}) stores.push_back(OpenAs(path, Machine(host)));
  std::atomic<int> claimed{0}, held{0};
  std::vector<std::thread> threads;
  for (auto& store : stores) {
    ASSERT_TRUE(store);
    threads.emplace_back([&, s = store.get()] {
      for (int r = 0; r < kRuns; ++r) {
        const auto claim = s->ClaimRun(SampleRun(absl::StrCat("key-", r)));
        ASSERT_TRUE(claim.ok()) << claim.status();
        if (claim->outcome == Outcome::kClaimed) {
          ++claimed;
          ASSERT_TRUE(s->FinishRun(claim->run_id, Finished(SampleRun(absl::StrCat("key-", r)))).ok());
        } else {
          ++held;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(claimed.load(), kRuns);
  EXPECT_EQ(held.load(), 2 * kRuns);
  RawDb raw(path);
  EXPECT_EQ(raw.Query("SELECT count(*) FROM runs WHERE status = 'ok'"), absl::StrCat(kRuns));
}

TEST(ClaimTest, AStoreReopenedInTheSameProcessRetriesRunsTheOldOneLeft) {
  const std::string path = FreshDbPath();
  auto first = OpenAs(path, ThisProcess());
  LRB_ASSERT_OK_AND_ASSIGN(const Claim left, first->ClaimRun(SampleRun()));
  first.reset();
  auto second = OpenAs(path, ThisProcess());
  LRB_ASSERT_OK_AND_ASSIGN(const Claim retried, second->ClaimRun(SampleRun()));
  EXPECT_EQ(retried.outcome, Outcome::kClaimed);
  EXPECT_GT(retried.run_id, left.run_id) << "row ids must never be reused";
}

TEST(InterruptTest, AnInterruptedRunSaysWhyAndIsRetried) {
  const std::string path = FreshDbPath();
  auto store = OpenAs(path, ThisProcess());
  LRB_ASSERT_OK_AND_ASSIGN(const Claim claim, store->ClaimRun(SampleRun()));
  EXPECT_EQ(store->InterruptRun(claim.run_id, "").code(), absl::StatusCode::kInvalidArgument);
  LRB_ASSERT_OK(store->InterruptRun(claim.run_id, "interrupted by SIGINT after 1.5 s"));
  EXPECT_EQ(store->InterruptRun(claim.run_id, "again").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->FinishRun(claim.run_id, Finished(SampleRun())).code(),
            absl::StatusCode::kFailedPrecondition);

  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> runs, store->LoadRuns("smoke@1"));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "interrupted");
  EXPECT_EQ(runs[0].error, "interrupted by SIGINT after 1.5 s");
  EXPECT_FALSE(runs[0].finished_at.empty());
  EXPECT_EQ(CountUnfinishedRuns(runs).interrupted, 1);
  EXPECT_THAT(FormatUnfinishedRuns(CountUnfinishedRuns(runs)), HasSubstr("1 interrupted"));

  LRB_ASSERT_OK_AND_ASSIGN(const Claim retry, store->ClaimRun(SampleRun()));
  EXPECT_EQ(retry.outcome, Outcome::kClaimed);
  EXPECT_THAT(retry.note, HasSubstr("interrupted attempt"));
}

TEST(IncompleteTest, AnOkRunWithMissingRowsIsNeitherReusedNorRankedAndIsRetrained) {
  const std::string path = FreshDbPath();
  auto store = OpenAs(path, ThisProcess());
  for (const char* key : {"whole", "lost-metrics", "lost-features"}) {
    LRB_ASSERT_OK_AND_ASSIGN(const Claim claim, store->ClaimRun(SampleRun(key)));
    LRB_ASSERT_OK(store->FinishRun(claim.run_id, Finished(SampleRun(key))));
  }
  RawDb raw(path);
  ASSERT_EQ(raw.Exec("DELETE FROM metrics WHERE run_id = "
                     "(SELECT id FROM runs WHERE run_key = 'lost-metrics')"),
            "");
  ASSERT_EQ(raw.Exec("DELETE FROM feature_results WHERE feature = 1 AND run_id = "
                     "(SELECT id FROM runs WHERE run_key = 'lost-features')"),
            "");

  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> runs, store->LoadRuns("smoke@1"));
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].incomplete, "");
  EXPECT_EQ(runs[1].incomplete, "stored 0 of 3 metrics");
  EXPECT_EQ(runs[2].incomplete, "stored 1 of 2 feature rows");
  EXPECT_EQ(CountUnfinishedRuns(runs).incomplete, 2);
  EXPECT_EQ(BuildLeaderboard(runs, /*include_unclean=*/true).front().seeds, 1)
      << "incomplete runs must not be aggregated";

  for (const char* key : {"lost-metrics", "lost-features"}) {
    SCOPED_TRACE(key);
    LRB_ASSERT_OK_AND_ASSIGN(const std::optional<RunRecord> found, store->FindFinishedRun(key));
    EXPECT_FALSE(found.has_value());
    LRB_ASSERT_OK_AND_ASSIGN(const Claim claim, store->ClaimRun(SampleRun(key)));
    EXPECT_EQ(claim.outcome, Outcome::kClaimed);
    EXPECT_THAT(claim.note, HasSubstr("incomplete ok run"));
  }
  LRB_ASSERT_OK_AND_ASSIGN(const Claim whole, store->ClaimRun(SampleRun("whole")));
  EXPECT_EQ(whole.outcome, Outcome::kAlreadyFinished);
  LRB_ASSERT_OK_AND_ASSIGN(const Claim forced, store->ClaimRun(SampleRun("whole"), true));
  EXPECT_EQ(forced.outcome, Outcome::kClaimed);
  EXPECT_THAT(forced.note, HasSubstr("a finished run"));
}

}  // namespace
}  // namespace lrb::leaderboard
