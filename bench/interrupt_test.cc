// The interrupt handler marks every run in flight (`lrb run --jobs=N` trains N at once) and
// only those: a run that has ended is left alone. MarkInterrupted does what the signal
// watcher does, without the process dying.

#include "bench/interrupt.h"

#include <signal.h>

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/store.h"
#include "leaderboard/store/test_support.h"
#include "util/testing/status_matchers.h"

namespace lrb::bench {
namespace {

using ::lrb::leaderboard::testing::FreshDbPath;
using ::lrb::leaderboard::testing::RawDb;
using ::testing::HasSubstr;

int64_t Claim(leaderboard::Store& store, const std::string& key) {
  leaderboard::RunRecord run;
  run.run_key = key;
  run.suite = "tiny@1";
  const absl::StatusOr<int64_t> id = store.BeginRun(run);
  EXPECT_TRUE(id.ok()) << id.status();
  return id.value_or(0);
}

TEST(InterruptHandlerTest, MarksEveryRunInFlightAndNoOther) {
  const std::string path = FreshDbPath();
  LRB_ASSERT_OK_AND_ASSIGN(const std::unique_ptr<leaderboard::Store> store,
                           leaderboard::Store::Open(path));
  LRB_ASSERT_OK_AND_ASSIGN(const std::unique_ptr<InterruptHandler> handler,
                           InterruptHandler::Install(nullptr));
  EXPECT_TRUE(handler->MarkInterrupted(SIGINT).empty()) << "nothing in flight yet";

  const int64_t first = Claim(*store, "k1"), second = Claim(*store, "k2"),
                third = Claim(*store, "k3");
  handler->RunStarted(*store, first, "run 1");
  handler->RunStarted(*store, second, "run 2");
  handler->RunStarted(*store, third, "run 3");
  handler->RunEnded(second);
  LRB_ASSERT_OK(store->FailRun(second, "diverged"));

  const std::vector<std::string> messages = handler->MarkInterrupted(SIGTERM);
  ASSERT_EQ(messages.size(), 2u);
  for (const std::string& message : messages) {
    EXPECT_THAT(message, HasSubstr("interrupted by SIGTERM after"));
  }
  RawDb raw(path);
  EXPECT_EQ(raw.Query("SELECT group_concat(run_key || ':' || status, ' ') FROM "
                      "(SELECT run_key, status FROM runs ORDER BY run_key)"),
            "k1:interrupted k2:failed k3:interrupted");
  EXPECT_TRUE(handler->MarkInterrupted(SIGINT).empty()) << "marked runs are no longer tracked";
}

}  // namespace
}  // namespace lrb::bench
