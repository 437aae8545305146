// The store's promises, kept by the real `lrb` binary (docs/reliability.md): concurrent
// `lrb run`s share a suite, signals leave an "interrupted" row that the next run retries,
// a killed run is counted and retried, a failed export keeps the scores and fails the
// command, and a corrupt database is refused. Uses the `tiny` suite (seconds per run).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/store.h"

namespace lrb {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  return absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
}

// A running `lrb` with its stdout and stderr on one pipe.
class Lrb {
 public:
  explicit Lrb(const std::vector<std::string>& args) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      dup2(fds[1], STDERR_FILENO);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> argv = {const_cast<char*>("bench/lrb")};
      for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fdopen(fds[0], "r");
  }
  ~Lrb() {
    if (out_ != nullptr) fclose(out_);
  }

  pid_t pid() const { return pid_; }

  // Reads output lines until one contains all of `parts`; false at end of output.
  bool WaitForLine(const std::vector<std::string>& parts) {
    char buffer[4096];
    while (fgets(buffer, sizeof(buffer), out_) != nullptr) {
      output_ += buffer;
      const std::string line = buffer;
      bool all = true;
      for (const std::string& part : parts) all &= line.find(part) != std::string::npos;
      if (all) return true;
    }
    return false;
  }

  // Reads the rest of the output and waits for the process. Returns the wait status.
  int Finish() {
    char buffer[4096];
    while (fgets(buffer, sizeof(buffer), out_) != nullptr) output_ += buffer;
    int status = 0;
    waitpid(pid_, &status, 0);
    return status;
  }

  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  std::string output_;
};

struct Result {
  int exit_code = -1;  // -1 when killed by a signal
  std::string output;
};

Result RunLrb(const std::vector<std::string>& args) {
  Lrb lrb(args);
  const int status = lrb.Finish();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, lrb.output()};
}

// The number after `label` in the summary line "trained 2, reused 1, failed 0, skipped 1"
// (-1 when absent).
int64_t Count(const std::string& output, const std::string& label) {
  const size_t line = output.find("\ntrained ");
  if (line == std::string::npos) return -1;
  const size_t at = output.find(label + " ", line);
  if (at == std::string::npos) return -1;
  int64_t value = -1;
  const size_t start = at + label.size() + 1;
  const size_t end = output.find_first_not_of("0123456789", start);
  if (!absl::SimpleAtoi(output.substr(start, end - start), &value)) return -1;
  return value;
}

std::vector<leaderboard::RunRecord> LoadTiny(const std::string& db) {
  auto store = leaderboard::Store::OpenReadOnly(db);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return {};
  auto runs = (*store)->LoadRuns("tiny@1");
  EXPECT_TRUE(runs.ok()) << runs.status();
  return runs.ok() ? *runs : std::vector<leaderboard::RunRecord>{};
}

TEST(StoreReliability, TwoConcurrentRunsShareTheSuiteAndTrainEachRunOnce) {
  const std::string db = TempPath("concurrent.db");
  Lrb first({"run", "--suite=tiny", "--db=" + db});
  Lrb second({"run", "--suite=tiny", "--db=" + db});
  const int first_status = first.Finish();
  const int second_status = second.Finish();
  ASSERT_TRUE(WIFEXITED(first_status) && WEXITSTATUS(first_status) == 0) << first.output();
  ASSERT_TRUE(WIFEXITED(second_status) && WEXITSTATUS(second_status) == 0) << second.output();
  // Each run was trained by exactly one of them; the other reused or skipped it.
  EXPECT_EQ(Count(first.output(), "trained") + Count(second.output(), "trained"), 4)
      << first.output() << second.output();
  for (const Lrb* lrb : {&first, &second}) {
    EXPECT_EQ(Count(lrb->output(), "trained") + Count(lrb->output(), "reused") +
                  Count(lrb->output(), "skipped"),
              4)
        << lrb->output();
    EXPECT_THAT(lrb->output(), ::testing::Not(HasSubstr("no run with id")));
  }
  const auto runs = LoadTiny(db);
  ASSERT_EQ(runs.size(), 4u);
  for (const auto& run : runs) EXPECT_EQ(run.status, "ok") << run.error;
}

TEST(StoreReliability, ASignalMarksEveryRunInFlightWithJobs) {
  const std::string db = TempPath("signal_jobs.db");
  Lrb lrb({"run", "--suite=tiny", "--backends=scalar", "--seeds=0-1", "--jobs=2",
           "--threads=1", "--db=" + db});
  // Both runs are training.
  ASSERT_TRUE(lrb.WaitForLine({"[1/4]", "%"})) << lrb.output();
  ASSERT_TRUE(lrb.WaitForLine({"[2/4]", "%"})) << lrb.output();
  kill(lrb.pid(), SIGINT);
  const int status = lrb.Finish();
  ASSERT_TRUE(WIFSIGNALED(status)) << lrb.output();
  // A run may finish between the progress line and the signal; none is left "running".
  const auto runs = LoadTiny(db);
  int interrupted = 0;
  for (const auto& run : runs) {
    EXPECT_TRUE(run.status == "interrupted" || run.status == "ok") << run.status;
    interrupted += run.status == "interrupted";
  }
  EXPECT_GE(interrupted, 1);
  int marked = 0;
  for (size_t at = lrb.output().find("marked interrupted"); at != std::string::npos;
       at = lrb.output().find("marked interrupted", at + 1)) {
    ++marked;
  }
  EXPECT_EQ(marked, interrupted) << lrb.output();
}

class SignalTest : public ::testing::TestWithParam<int> {};

TEST_P(SignalTest, MarksTheRunInFlightInterruptedDiesOfTheSignalAndARerunResumes) {
  const int signal = GetParam();
  const std::string name = signal == SIGINT ? "SIGINT" : "SIGTERM";
  const std::string db = TempPath(absl::StrCat("signal_", signal, ".db"));
  Lrb lrb({"run", "--suite=tiny", "--db=" + db});
  // The first progress line of the first run: it is training.
  ASSERT_TRUE(lrb.WaitForLine({"[1/4]", "%"})) << lrb.output();
  kill(lrb.pid(), signal);
  const int status = lrb.Finish();
  // Dies of the signal, so the shell sees 128 + signal (130 / 143).
  ASSERT_TRUE(WIFSIGNALED(status)) << lrb.output();
  EXPECT_EQ(WTERMSIG(status), signal);
  EXPECT_THAT(lrb.output(), HasSubstr(name + ": "));
  EXPECT_THAT(lrb.output(), HasSubstr("marked interrupted"));

  const auto runs = LoadTiny(db);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "interrupted");
  EXPECT_THAT(runs[0].error, HasSubstr("interrupted by " + name + " after "));

  const Result board = RunLrb({"leaderboard", "--suite=tiny", "--db=" + db});
  EXPECT_EQ(board.exit_code, 0) << board.output;
  EXPECT_THAT(board.output, HasSubstr("1 interrupted"));

  const Result rerun = RunLrb({"run", "--suite=tiny", "--db=" + db});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_THAT(rerun.output, HasSubstr("trained 4, reused 0, failed 0"));
  EXPECT_THAT(rerun.output, HasSubstr("retrying an interrupted attempt"));
}

INSTANTIATE_TEST_SUITE_P(SigintAndSigterm, SignalTest, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& info) {
                           return std::string(info.param == SIGINT ? "Sigint" : "Sigterm");
                         });

TEST(StoreReliability, AKilledRunIsCountedOnTheBoardAndRetried) {
  const std::string db = TempPath("killed.db");
  Lrb lrb({"run", "--suite=tiny", "--db=" + db});
  ASSERT_TRUE(lrb.WaitForLine({"[1/4]", "%"})) << lrb.output();
  kill(lrb.pid(), SIGKILL);
  lrb.Finish();
  const auto runs = LoadTiny(db);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "running");
  EXPECT_TRUE(runs[0].owner_gone);

  const Result board = RunLrb({"leaderboard", "--suite=tiny", "--db=" + db});
  EXPECT_EQ(board.exit_code, 0) << board.output;
  EXPECT_THAT(board.output, HasSubstr("1 abandoned"));

  const Result rerun = RunLrb({"run", "--suite=tiny", "--db=" + db});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_THAT(rerun.output, HasSubstr("trained 4, reused 0, failed 0"));
  EXPECT_THAT(rerun.output, HasSubstr("retrying an abandoned attempt"));
}

TEST(StoreReliability, AFailedExportKeepsTheScoresAndFailsTheCommand) {
  const std::string db = TempPath("export.db");
  const std::string not_a_directory = TempPath("a_file");
  std::ofstream(not_a_directory) << "in the way";
  const Result run =
      RunLrb({"run", "--suite=tiny", "--db=" + db, "--export_models=" + not_a_directory});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("trained 4, reused 0, failed 0"));
  EXPECT_THAT(run.output, HasSubstr("4 model export(s) to " + not_a_directory + " failed"));
  const auto runs = LoadTiny(db);
  ASSERT_EQ(runs.size(), 4u);
  for (const auto& r : runs) EXPECT_EQ(r.status, "ok") << r.error;

  // Everything reused: nothing to export, and the command says so and how to get them.
  const std::string dir = TempPath("models");
  const Result reused = RunLrb({"run", "--suite=tiny", "--db=" + db, "--export_models=" + dir});
  EXPECT_EQ(reused.exit_code, 0) << reused.output;
  EXPECT_THAT(reused.output, HasSubstr("4 reused run(s) were not exported"));
  EXPECT_THAT(reused.output, HasSubstr("--force"));
}

TEST(StoreReliability, ACorruptDatabaseIsRefusedByEveryCommand) {
  const std::string db = TempPath("corrupt.db");
  ASSERT_EQ(RunLrb({"run", "--suite=tiny", "--db=" + db}).exit_code, 0);
  // The first free-block pointer of page 9 (page size 4096) pointed into its cells.
  ASSERT_EQ(std::system(absl::StrCat("printf '\\017\\360' | dd of='", db,
                                     "' bs=1 seek=32769 conv=notrunc status=none")
                            .c_str()),
            0);
  for (const char* command : {"leaderboard", "run"}) {
    SCOPED_TRACE(command);
    const Result result = RunLrb({command, "--suite=tiny", "--db=" + db});
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_THAT(result.output, HasSubstr(db + " is corrupt"));
    EXPECT_THAT(result.output, HasSubstr("free space corruption"));
    EXPECT_THAT(result.output, HasSubstr("Nothing was changed"));
  }
}

TEST(StoreReliability, OpenFailuresSayWhatIsWrong) {
  const Result directory = RunLrb({"run", "--suite=tiny", "--db=" + TempPath("")});
  EXPECT_EQ(directory.exit_code, 1);
  EXPECT_THAT(directory.output, HasSubstr("is a directory"));
  const Result no_parent = RunLrb({"run", "--suite=tiny", "--db=/nonexistent/dir/lrb.db"});
  EXPECT_EQ(no_parent.exit_code, 1);
  EXPECT_THAT(no_parent.output, HasSubstr("directory /nonexistent/dir does not exist"));
}

}  // namespace
}  // namespace lrb
