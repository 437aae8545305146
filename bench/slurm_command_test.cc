// `lrb slurm`'s scripts, checked by running them: bash executes generate.sbatch, every task
// of array.sbatch, merge.sbatch and submit.sh against a fake `lrb` and a fake `sbatch` that
// record their arguments, in a job directory whose path has spaces and a quote. The real
// cluster run is tests/integration/slurm_test.sh.

#include "bench/slurm_command.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/command_line.h"
#include "bench/slurm_scripts.h"
#include "bench/suites.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/testing/json_file.h"
#include "util/testing/status_matchers.h"
#include "util/testing/temp_dir.h"

namespace lrb::bench {
namespace {

namespace fs = std::filesystem;
using ::lrb::testing::NewTempDir;
using ::lrb::testing::ReadTextFile;
using ::lrb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const Suite& Smoke() { return **FindSuite("smoke"); }  // 4 runs

struct Shell {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs `command` with bash, stderr folded into stdout.
Shell RunBash(const std::string& command) {
  Shell result;
  const std::string line = "/bin/bash -c " + ShellQuote(command) + " 2>&1";
  FILE* pipe = popen(line.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

void WriteExecutable(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  fs::permissions(path, fs::perms::owner_all);
}

// A stand-in for lrb: logs each call as "CALL" then one argument per line; `run` creates its
// --db file, as the real one does.
std::string FakeLrb(const std::string& dir, const std::string& log) {
  const std::string path = dir + "/fake-lrb";
  WriteExecutable(path, "#!/bin/bash\n"
                        "{ echo CALL; printf '%s\\n' \"$@\"; } >>" + ShellQuote(log) + "\n"
                        "if [[ $1 == run ]]; then\n"
                        "  for arg in \"$@\"; do\n"
                        "    [[ $arg == --db=* ]] && : >\"${arg#--db=}\"\n"
                        "  done\n"
                        "fi\n"
                        "exit 0\n");
  return path;
}

// The calls logged by FakeLrb (or the fake sbatch), each a list of arguments.
std::vector<std::vector<std::string>> Calls(const std::string& log) {
  std::vector<std::vector<std::string>> calls;
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    if (line == "CALL") {
      calls.emplace_back();
    } else if (!calls.empty()) {
      calls.back().push_back(line);
    }
  }
  return calls;
}

class SlurmCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = NewTempDir("root");
    // Spaces and a single quote: everything must survive bash and #SBATCH quoting.
    job_dir_ = root_ + "/job dir/it's here";
    log_ = root_ + "/calls.log";
    fake_lrb_ = FakeLrb(root_, log_);
  }

  absl::Status Write(SlurmCommandFlags flags) {
    if (flags.out_dir.empty()) flags.out_dir = job_dir_;
    std::ostringstream out;
    absl::Status status = SlurmCommand(Smoke(), flags, fake_lrb_, out);
    printed_ = out.str();
    return status;
  }

  Shell RunTask(const std::string& script, const std::string& task) {
    fs::remove(log_);
    return RunBash(absl::StrCat("SLURM_ARRAY_TASK_ID=", task, " ",
                                ShellQuote(job_dir_ + "/" + script)));
  }

  std::string root_, job_dir_, log_, fake_lrb_, printed_;
};

TEST_F(SlurmCommandTest, WritesTheScriptsTheBinaryAndTheManifest) {
  LRB_ASSERT_OK(Write({.shards = "4", .out_dir = job_dir_}));
  for (const char* name : {"generate.sbatch", "array.sbatch", "merge.sbatch", "submit.sh",
                           "bin/lrb", "lrb-slurm.txt"}) {
    EXPECT_TRUE(fs::is_regular_file(job_dir_ + "/" + name)) << name;
  }
  EXPECT_TRUE(fs::is_directory(job_dir_ + "/logs"));
  EXPECT_EQ(ReadTextFile(job_dir_ + "/bin/lrb"), ReadTextFile(fake_lrb_));
  EXPECT_EQ(ReadTextFile(job_dir_ + "/lrb-slurm.txt"), "suite=smoke@1\nshards=4\n");
  const std::string array = ReadTextFile(job_dir_ + "/array.sbatch");
  EXPECT_THAT(array, HasSubstr("#SBATCH --array=0-3\n"));
  EXPECT_THAT(array, HasSubstr("#SBATCH --output=\"" + job_dir_ + "/logs/shard-%a.out\"\n"));
  EXPECT_THAT(array, Not(HasSubstr("--partition")));
  EXPECT_THAT(array, Not(HasSubstr("--time")));
  // How to submit and how to resubmit one shard, with the paths quoted for a shell.
  EXPECT_THAT(printed_, HasSubstr(ShellQuote(job_dir_ + "/submit.sh")));
  EXPECT_THAT(printed_, HasSubstr("sbatch --array=3 " + ShellQuote(job_dir_ + "/array.sbatch")));
}

TEST_F(SlurmCommandTest, PartitionTimeAndCpusReachEveryJob) {
  LRB_ASSERT_OK(Write({.shards = "2", .partition = "cpu,debug", .time = "1-12:00:00",
                       .cpus = "3", .out_dir = job_dir_}));
  for (const char* name : {"generate.sbatch", "array.sbatch", "merge.sbatch"}) {
    const std::string script = ReadTextFile(job_dir_ + "/" + name);
    EXPECT_THAT(script, HasSubstr("#SBATCH --partition=cpu,debug\n")) << name;
    EXPECT_THAT(script, HasSubstr("#SBATCH --time=1-12:00:00\n")) << name;
    EXPECT_THAT(script, HasSubstr("#SBATCH --cpus-per-task=3\n")) << name;
  }
  ASSERT_EQ(RunTask("array.sbatch", "1").exit_code, 0);
  const auto calls = Calls(log_);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_THAT(calls[0], ::testing::Contains("--threads=3"));
}

TEST_F(SlurmCommandTest, GenerateRunsOnceIntoTheJobDirectory) {
  LRB_ASSERT_OK(Write({.shards = "4", .out_dir = job_dir_}));
  const Shell shell = RunTask("generate.sbatch", "");
  ASSERT_EQ(shell.exit_code, 0) << shell.output;
  EXPECT_THAT(Calls(log_), ElementsAre(ElementsAre("generate", "--suite=smoke",
                                                   "--out=" + job_dir_ + "/data")));
}

// Every shard exactly once: task I runs shard I/N into its own database, and the union of
// the tasks is 0..N-1.
TEST_F(SlurmCommandTest, EachArrayTaskRunsItsOwnShard) {
  LRB_ASSERT_OK(Write({.shards = "4", .out_dir = job_dir_}));
  for (int task = 0; task < 4; ++task) {
    const Shell shell = RunTask("array.sbatch", std::to_string(task));
    ASSERT_EQ(shell.exit_code, 0) << shell.output;
    const std::string db = absl::StrCat(job_dir_, "/shard-", task, ".db");
    EXPECT_THAT(Calls(log_),
                ElementsAre(ElementsAre("run", "--suite=smoke", absl::StrCat("--shard=", task, "/4"),
                                        "--data=" + job_dir_ + "/data", "--db=" + db,
                                        "--threads=1")));
    EXPECT_TRUE(fs::exists(absl::StrCat(job_dir_, "/shard-", task, ".done")));
  }
  // Outside an array, or with an index beyond the shards, a task refuses to run.
  EXPECT_NE(RunTask("array.sbatch", "4").exit_code, 0);
  EXPECT_TRUE(Calls(log_).empty());
  const Shell unset = RunBash(ShellQuote(job_dir_ + "/array.sbatch"));
  EXPECT_NE(unset.exit_code, 0);
  EXPECT_THAT(unset.output, HasSubstr("sbatch --array=0-3"));
}

TEST_F(SlurmCommandTest, MergeTakesEveryShardOnceThenPrintsTheBoard) {
  LRB_ASSERT_OK(Write({.shards = "4", .out_dir = job_dir_}));
  for (int task = 0; task < 4; ++task) {
    ASSERT_EQ(RunTask("array.sbatch", std::to_string(task)).exit_code, 0);
  }
  const Shell shell = RunTask("merge.sbatch", "");
  ASSERT_EQ(shell.exit_code, 0) << shell.output;
  std::vector<std::string> merge = {"merge", "--db=" + job_dir_ + "/smoke.db",
                                    "--data=" + job_dir_ + "/data"};
  for (int task = 0; task < 4; ++task) {
    merge.push_back(absl::StrCat(job_dir_, "/shard-", task, ".db"));
  }
  EXPECT_THAT(Calls(log_),
              ElementsAre(merge, ElementsAre("leaderboard", "--suite=smoke",
                                             "--db=" + job_dir_ + "/smoke.db")));
}

TEST_F(SlurmCommandTest, MergeNamesTheMissingShardsAndFails) {
  LRB_ASSERT_OK(Write({.shards = "4", .out_dir = job_dir_}));
  for (int task : {0, 2}) {
    ASSERT_EQ(RunTask("array.sbatch", std::to_string(task)).exit_code, 0);
  }
  const Shell shell = RunTask("merge.sbatch", "");
  EXPECT_EQ(shell.exit_code, 1);
  EXPECT_THAT(shell.output, HasSubstr("2 of 4 shards missing: 1,3"));
  EXPECT_THAT(shell.output, HasSubstr("sbatch --array=1,3 "));
  EXPECT_TRUE(Calls(log_).empty()) << "nothing is merged while a shard is missing";
}

// submit.sh: generate, then the array after it, then the merge after the array.
TEST_F(SlurmCommandTest, SubmitChainsTheJobsWithAfterok) {
  LRB_ASSERT_OK(Write({.shards = "4", .out_dir = job_dir_}));
  const std::string bin = NewTempDir("fake sbatch bin");
  const std::string sbatch_log = root_ + "/sbatch.log";
  // Job ids 101, 102 and 103, the second in --parsable's JOBID;CLUSTER form.
  WriteExecutable(bin + "/sbatch",
                  "#!/bin/bash\n"
                  "{ echo CALL; printf '%s\\n' \"$@\"; } >>" + ShellQuote(sbatch_log) + "\n"
                  "n=$(grep -c '^CALL$' " + ShellQuote(sbatch_log) + ")\n"
                  "if ((n == 2)); then echo '102;cluster'; else echo $((100 + n)); fi\n");
  const Shell shell = RunBash("PATH=" + ShellQuote(bin) + ":$PATH " +
                              ShellQuote(job_dir_ + "/submit.sh"));
  ASSERT_EQ(shell.exit_code, 0) << shell.output;
  EXPECT_THAT(Calls(sbatch_log),
              ElementsAre(ElementsAre("--parsable", job_dir_ + "/generate.sbatch"),
                          ElementsAre("--parsable", "--dependency=afterok:101",
                                      "--kill-on-invalid-dep=yes", job_dir_ + "/array.sbatch"),
                          ElementsAre("--parsable", "--dependency=afterok:102",
                                      "--kill-on-invalid-dep=yes", job_dir_ + "/merge.sbatch")));
  EXPECT_EQ(ReadTextFile(job_dir_ + "/jobs"), "101\n102\n103\n");
  EXPECT_THAT(shell.output, HasSubstr("array job 102 (tasks 0-3), merge job 103"));
}

TEST_F(SlurmCommandTest, SubmitFailsWhenSbatchFails) {
  LRB_ASSERT_OK(Write({.shards = "2", .out_dir = job_dir_}));
  const std::string bin = NewTempDir("failing sbatch bin");
  WriteExecutable(bin + "/sbatch", "#!/bin/bash\necho 'sbatch: error: no partition' >&2\nexit 1\n");
  const Shell shell = RunBash("PATH=" + ShellQuote(bin) + ":$PATH " +
                              ShellQuote(job_dir_ + "/submit.sh"));
  EXPECT_NE(shell.exit_code, 0);
  EXPECT_FALSE(fs::exists(job_dir_ + "/jobs"));
}

TEST_F(SlurmCommandTest, ADirectoryHoldsOneJob) {
  LRB_ASSERT_OK(Write({.shards = "4", .out_dir = job_dir_}));
  // The same job again (e.g. with a new binary) rewrites it.
  LRB_EXPECT_OK(Write({.shards = "4", .out_dir = job_dir_}));
  EXPECT_THAT(Write({.shards = "2", .out_dir = job_dir_}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("another lrb slurm job")));
  const std::string foreign = NewTempDir("foreign");
  std::ofstream(foreign + "/notes.txt") << "mine";
  EXPECT_THAT(Write({.shards = "4", .out_dir = foreign}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not empty")));
}

TEST_F(SlurmCommandTest, BadFlagsAreUsageErrorsNamingTheValue) {
  const std::vector<std::pair<SlurmCommandFlags, std::string>> cases = {
      {{.shards = "0"}, "--shards=0"},
      {{.shards = "5"}, "at most 4 shards"},
      {{.shards = "-2"}, "--shards=-2"},
      {{.shards = "two"}, "--shards=two"},
      {{.cpus = "0"}, "--cpus=0"},
      {{.cpus = "1.5"}, "--cpus=1.5"},
      {{.time = "garbage"}, "--time=garbage"},
      {{.time = "0"}, "zero time limit"},
      {{.time = "1:75"}, "75 is not below 60"},
      {{.partition = "debug;rm"}, "--partition=debug;rm"},
  };
  for (const auto& [flags, expected] : cases) {
    const absl::Status status = Write(flags);
    EXPECT_TRUE(IsUsageError(status)) << expected << ": " << status;
    EXPECT_THAT(status.message(), HasSubstr(expected));
  }
  EXPECT_FALSE(fs::exists(job_dir_)) << "nothing is written for a bad command line";
  const absl::Status percent = Write({.out_dir = root_ + "/100%"});
  EXPECT_TRUE(IsUsageError(percent)) << percent;
  EXPECT_THAT(percent.message(), HasSubstr("'%'"));
}

TEST(SlurmTime, AcceptsSlurmsFormsOnly) {
  for (const char* good : {"", "30", "30:00", "4:00:00", "1-12", "1-12:30", "1-12:30:15",
                           "0-0:1", "90"}) {
    LRB_EXPECT_OK(CheckSlurmTime(good)) << good;
  }
  for (const char* bad : {"garbage", "0", "0:00:00", "1:60", "1-24", "1:2:3:4", "-5", "1--2",
                          "4h", "1-", ":30", "1 0", "+5"}) {
    EXPECT_THAT(CheckSlurmTime(bad), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(bad)))
        << bad;
  }
}

TEST(SlurmPartition, NamesSeparatedByCommas) {
  LRB_EXPECT_OK(CheckPartition(""));
  LRB_EXPECT_OK(CheckPartition("gpu-a100.long,cpu_2"));
  for (const char* bad : {"a b", "a,", ",a", "a;b", "$(x)"}) {
    EXPECT_FALSE(CheckPartition(bad).ok()) << bad;
  }
}

// bash reads ShellQuote's output back as the original string.
TEST(ShellQuote, RoundTripsThroughBash) {
  for (const std::string text : {"plain/path-1.db", "with space", "it's", "''", "$HOME", "a\"b",
                                 "*", "x;y", "tab\there", "--db=a b"}) {
    const Shell shell = RunBash("printf %s " + ShellQuote(text));
    EXPECT_EQ(shell.output, text);
  }
  EXPECT_EQ(ShellQuote("plain/path-1.db"), "plain/path-1.db");
  EXPECT_EQ(ShellQuote(""), "''");
}

}  // namespace
}  // namespace lrb::bench
