// The `lrb` command line as a user meets it: the real binary, its help on stdout, its error
// messages on stderr, and its exit codes (0 success, 1 failure, 2 bad command line).

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lrb_process.h"

namespace lrb {
namespace {

using testing::RunLrb;

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::vector<std::string>& Commands() {
  static const std::vector<std::string>* const commands =
      new std::vector<std::string>{"run",    "leaderboard", "suites", "methods", "generate",
                                   "export", "import",      "train",  "tune",    "report"};
  return *commands;
}

std::string TempPath(const std::string& name) {
  return absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
}

// Abseil's own flags, which a user of lrb has no business seeing.
void ExpectNoAbseilFlags(const std::string& text, const std::string& context) {
  for (const char* internal :
       {"--flagfile", "--fromenv", "--tryfromenv", "--undefok", "--helpfull", "absl"}) {
    EXPECT_THAT(text, Not(HasSubstr(internal))) << context;
  }
}

TEST(LrbCli, ProgramHelpListsTheCommandsOnStdout) {
  for (const char* args : {"--help", "-h", "help", "--helpfull"}) {
    const testing::LrbResult help = RunLrb(args);
    EXPECT_EQ(help.exit_code, 0) << args;
    EXPECT_THAT(help.err, IsEmpty()) << args;
    EXPECT_THAT(help.out, HasSubstr("usage: lrb <command> [flags]")) << args;
    for (const std::string& command : Commands()) {
      EXPECT_THAT(help.out, HasSubstr("  " + command + " ")) << args;
    }
    EXPECT_THAT(help.out, HasSubstr("Exit status: 0 success; 1 failure")) << args;
    ExpectNoAbseilFlags(help.out, args);
  }
}

TEST(LrbCli, EveryCommandsHelpShowsItsOwnFlagsOnStdout) {
  for (const std::string& command : Commands()) {
    for (const std::string& args :
         {"help " + command, command + " --help", command + " -h", command + " --bogus --help"}) {
      const testing::LrbResult help = RunLrb(args);
      EXPECT_EQ(help.exit_code, 0) << args;
      EXPECT_THAT(help.err, IsEmpty()) << args;
      EXPECT_THAT(help.out, HasSubstr("usage: lrb " + command)) << args;
      ExpectNoAbseilFlags(help.out, args);
    }
  }
  const testing::LrbResult run = RunLrb("help run");
  EXPECT_THAT(run.out, HasSubstr("--suite=NAME"));
  EXPECT_THAT(run.out, HasSubstr("(default: smoke)"));
  EXPECT_THAT(run.out, HasSubstr("--db=PATH"));
  EXPECT_THAT(run.out, HasSubstr("--force"));
  EXPECT_THAT(run.out, HasSubstr("--export_models=DIR"));
  EXPECT_THAT(run.out, Not(HasSubstr("--all")));
  const testing::LrbResult import = RunLrb("import --help");
  EXPECT_THAT(import.out, HasSubstr("usage: lrb import --activations=X.npy [--labels=Y.npy] "
                                    "--out=DIR"));
  EXPECT_THAT(RunLrb("suites --help").out, HasSubstr("No flags."));
}

TEST(LrbCli, NoCommandPrintsTheUsageAndExitsTwo) {
  const testing::LrbResult none = RunLrb("");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.out, IsEmpty());
  EXPECT_THAT(none.err, HasSubstr("lrb: no command given"));
  EXPECT_THAT(none.err, HasSubstr("usage: lrb <command> [flags]"));
}

// The command lines users reported, and more: exit 2, nothing on stdout, and a message on
// stderr that names what is wrong.
TEST(LrbCli, BadCommandLinesExitTwoWithAMessageNamingTheCulprit) {
  const std::string not_a_database = TempPath("notes.db");
  {
    std::ofstream notes(not_a_database);
    for (int i = 0; i < 512; ++i) notes << "not a database, just some notes\n";
  }
  struct Bad {
    std::string args;
    std::vector<std::string> substrings;
  };
  const std::vector<Bad> cases = {
      {"suites --db=x", {"lrb suites: --db is not a flag of `suites`", "usage: lrb suites"}},
      {"leaderboard --force", {"--force is not a flag of `leaderboard`", "usage: lrb leaderboard"}},
      {"export --suite=paper", {"--suite is not a flag of `export`"}},
      {"run --force=maybe", {"--force is a boolean flag", "\"maybe\""}},
      {"run --suite", {"--suite needs a value"}},
      {"run --suite=smoke --suite=tiny", {"--suite given twice"}},
      {"run extra", {"unexpected argument \"extra\""}},
      {"run --suite=smoke smoke", {"unexpected argument \"smoke\""}},
      {"frobnicate", {"unknown command \"frobnicate\"", "usage: lrb <command>"}},
      {"leaderbord", {"did you mean \"leaderboard\""}},
      {"generate --suite=tiny", {"lrb generate: --out=DIR is required"}},
      {"import --activations=a.npy", {"lrb import: --out=DIR is required"}},
      {"import --out=somewhere", {"lrb import: --activations=X.npy is required"}},
      {"export --dense", {"lrb export: --dataset=DIR is required"}},
      {"export --dataset=somewhere", {"nothing to export; pass --dense"}},
      {"run --suite=nope", {"unknown suite \"nope\"", "expected one of: smoke"}},
      {"leaderboard --suite=smok", {"unknown suite \"smok\"", "did you mean --suite=smoke?"}},
      {"leaderboard --suite=tiny --format=xml",
       {"--format=xml: expected one of text, md, csv, json", "usage: lrb leaderboard"}},
      {"generate --suite=paperr --out=x", {"did you mean --suite=paper?"}},
      {"run --suite=tiny --shard=4/4", {"--shard=4/4: expected 0 <= I < N"}},
      {"run --suite=tiny --shard=1", {"--shard=1: expected I/N"}},
      {"run --suite=tiny --seeds=3-1", {"--seeds=3-1", "is empty"}},
      {"run --suite=tiny --jobs=0", {"--jobs=0: expected a whole number >= 1"}},
      {"run --suite=tiny --threads=x", {"--threads=x"}},
      {"run --suite=tiny --methods='sae.relu*' --dry_run",
       {"--methods: \"sae.relu*\" matches nothing", "sae.topk(latents=128,k=4"}},
      {"run --suite=tiny --anchoring=yes --dry_run", {"\"yes\""}},
      {absl::StrCat("run --suite=tiny --reuse_from=absent.db --db=", TempPath("never.db")),
       {"--reuse_from=absent.db: cannot open absent.db: no such file"}},
      {absl::StrCat("run --suite=tiny --reuse_from=", not_a_database, " --dry_run --db=",
                    TempPath("never.db")),
       {absl::StrCat("--reuse_from=", not_a_database, ": "), "not an SQLite database"}},
      {absl::StrCat("run --suite=tiny --reuse_from=absent.db --force --db=", TempPath("never.db")),
       {"--force retrains every run and --reuse_from copies", "give one or the other"}},
      {"generate --out=x", {"--suite=NAME", "--spec=DATASET_SPEC"}},
      {"generate --suite=tiny --spec='lrb(n=8)' --out=x", {"not both"}},
      {"train --dataset=x", {"--method=SPEC is required"}},
      {"train --dataset=x --method=sae.topk --seed=-1", {"--seed=-1"}},
      {"train --dataset=x --method=sae.topk --shard=0/2", {"--shard is not a flag of `train`"}},
      {"tune --dataset=x --method=sae.relu --knob=l1 --target=64 --low=0.1",
       {"--high=X is required"}},
      {"tune --dataset=x --method=sae.relu --knob=l2 --target=64 --low=0.1 --high=1",
       {"--knob=l2: relu has no such knob; its real knobs: l1"}},
      {"tune --dataset=x --method=sae.topk --knob=k --target=64 --low=1 --high=8",
       {"integer knob"}},
      {"tune --dataset=x --method=sae.relu --knob=l1 --target=64 --low=1 --high=0.1",
       {"expected 0 < low < high"}},
      {"tune --dataset=x --method=sae.relu --knob=l1 --target=sixty --low=1 --high=2",
       {"--target=sixty: expected a number"}},
      {"tune --dataset=x --method=sae.relu --knob=l1 --target=6 --low=1 --high=2 --probes=5000",
       {"--probes=5000: expected at most 1000"}},
  };
  for (const Bad& bad : cases) {
    const testing::LrbResult result = RunLrb(bad.args);
    EXPECT_EQ(result.exit_code, 2) << "lrb " << bad.args << "\n" << result.err;
    EXPECT_THAT(result.out, IsEmpty()) << "lrb " << bad.args;
    for (const std::string& substring : bad.substrings) {
      EXPECT_THAT(result.err, HasSubstr(substring)) << "lrb " << bad.args;
    }
    EXPECT_THAT(result.err, Not(HasSubstr("Invalid argument"))) << "lrb " << bad.args;
  }
  // Nothing was written for the rejected lines.
  EXPECT_FALSE(std::ifstream("somewhere").good());
  EXPECT_FALSE(std::ifstream("x").good());
  EXPECT_FALSE(std::ifstream(TempPath("never.db")).good());
}

TEST(LrbCli, ADryRunPrintsThePlanAndWritesNothing) {
  const std::string db = TempPath("dry.db");
  const testing::LrbResult dry =
      RunLrb(absl::StrCat("run --suite=tiny --backends=simd --seeds=0-2 --shard=1/2 --dry_run "
                          "--db=", db));
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("suite tiny@1, shard 1/2: 3 of the 6 runs"));
  EXPECT_THAT(dry.out, HasSubstr("\n     6  ")) << "numbered in the filtered matrix";
  EXPECT_THAT(dry.out, HasSubstr("3 to train, 0 done"));
  EXPECT_FALSE(std::ifstream(db).good()) << "a dry run created the database";
}

TEST(LrbCli, GenerateASpecThenTrainOnIt) {
  const std::string dir = TempPath("own_dataset"), db = TempPath("train.db");
  const testing::LrbResult generate =
      RunLrb(absl::StrCat("generate --spec='lrb(n=32,np=24,N=2000,S=0.9,M=0.5)' --out=", dir));
  ASSERT_EQ(generate.exit_code, 0) << generate.err;
  EXPECT_TRUE(std::ifstream(dir + "/manifest.json").good());
  const testing::LrbResult train = RunLrb(absl::StrCat(
      "train --dataset=", dir, " --method='sae.topk(latents=64,k=3)' ",
      "--train='train(steps=40,batch=32)' --backend=scalar --seed=2 --threads=1 --db=", db));
  EXPECT_EQ(train.exit_code, 0) << train.err;
  EXPECT_THAT(train.err, HasSubstr("recorded in " + db));
  const testing::LrbResult misfit = RunLrb(absl::StrCat(
      "train --dataset=", dir, " --method='transcoder.topk(latents=64,k=3)' --db=", db));
  EXPECT_EQ(misfit.exit_code, 1);
  EXPECT_THAT(misfit.err, HasSubstr("does not fit"));
}

TEST(LrbCli, TuneRecordsEveryProbeAndASecondSearchTrainsNothing) {
  const std::string dir = TempPath("tune_dataset"), db = TempPath("tune.db");
  ASSERT_EQ(
      RunLrb(absl::StrCat("generate --spec='lrb(n=32,np=24,N=2000,S=0.9,M=0.5)' --out=", dir))
          .exit_code,
      0);
  const std::string tune = absl::StrCat(
      "tune --dataset=", dir, " --method='sae.relu(latents=64)' --knob=l1 --target=8 ",
      "--low=0.001 --high=30 --probes=4 --tolerance=0.05 ",
      "--train='train(steps=60,batch=32,lr=0.01,warmup=10)' --threads=1 --db=", db);
  const testing::LrbResult first = RunLrb(tune);
  // Converged or not (exit 0 or 1), every probe is a recorded run and a table row.
  ASSERT_TRUE(first.exit_code == 0 || first.exit_code == 1) << first.err;
  EXPECT_THAT(first.out, HasSubstr("l1 for eval.l0 = 8 (within 5%)"));
  EXPECT_THAT(first.out, HasSubstr("<- closest"));
  const int64_t probes = std::count(first.out.begin(), first.out.end(), '\n') - 2;
  EXPECT_GE(probes, 2);
  EXPECT_LE(probes, 4);
  if (first.exit_code == 0) {
    EXPECT_THAT(first.out, HasSubstr("chosen: sae.relu(latents=64,l1="));
  } else {
    EXPECT_THAT(first.err, HasSubstr("no probe reached eval.l0 = 8 within 5% in"));
  }
  const testing::LrbResult board = RunLrb(absl::StrCat("leaderboard --dataset=", dir, " --db=", db));
  EXPECT_EQ(board.exit_code, 0) << board.err;
  // The same search again: the same probes, all reused, the same table.
  const testing::LrbResult second = RunLrb(tune);
  EXPECT_EQ(second.exit_code, first.exit_code);
  EXPECT_EQ(second.out, first.out);
  EXPECT_THAT(second.err, Not(HasSubstr("done, trained in")));
  EXPECT_THAT(second.err, HasSubstr("already done (reused)"));
}

TEST(LrbCli, FailuresOfWellFormedCommandsExitOne) {
  const std::string missing_db = TempPath("missing.db");
  const testing::LrbResult no_db = RunLrb("leaderboard --suite=tiny --db=" + missing_db);
  EXPECT_EQ(no_db.exit_code, 1);
  EXPECT_THAT(no_db.err, HasSubstr("no database at " + missing_db));

  const testing::LrbResult no_file = RunLrb(absl::StrCat("import --activations=", TempPath("absent.npy"),
                                                    " --out=", TempPath("imported")));
  EXPECT_EQ(no_file.exit_code, 1);
  EXPECT_THAT(no_file.err, HasSubstr(TempPath("absent.npy")));

  const testing::LrbResult not_a_dataset =
      RunLrb(absl::StrCat("export --dataset=", std::getenv("TEST_TMPDIR"), " --dense"));
  EXPECT_EQ(not_a_dataset.exit_code, 1);
  EXPECT_THAT(not_a_dataset.err, HasSubstr(std::getenv("TEST_TMPDIR")));
}

TEST(LrbCli, SpaceSeparatedValuesAndRelativePathsUnderBazelRun) {
  // `bazel run` sets BUILD_WORKING_DIRECTORY: relative paths are relative to it.
  const testing::LrbResult relative =
      RunLrb("leaderboard --suite tiny --db relative.db",
             absl::StrCat("BUILD_WORKING_DIRECTORY=", std::getenv("TEST_TMPDIR")));
  EXPECT_EQ(relative.exit_code, 1);
  EXPECT_THAT(relative.err, HasSubstr(absl::StrCat("no database at ", std::getenv("TEST_TMPDIR"),
                                                   "/relative.db")));
}

TEST(LrbCli, SuitesSucceeds) {
  const testing::LrbResult suites = RunLrb("suites");
  EXPECT_EQ(suites.exit_code, 0);
  EXPECT_THAT(suites.out, HasSubstr("smoke@1"));
  EXPECT_THAT(suites.err, IsEmpty());
}

// One run trained on a dataset of its own, then its board in every format and ranked by
// another metric; an unknown rank metric is a bad command line.
TEST(LrbCli, TheLeaderboardsFormatsAndRankMetric) {
  const std::string dir = TempPath("board_dataset"), db = TempPath("board.db");
  ASSERT_EQ(RunLrb(absl::StrCat("generate --spec='lrb(n=32,np=24,N=2000,S=0.9,M=0.5)' --out=",
                                dir)).exit_code, 0);
  ASSERT_EQ(RunLrb(absl::StrCat("train --dataset=", dir, " --method='sae.topk(latents=64,k=3)' ",
                                "--train='train(steps=40,batch=32)' --backend=scalar --threads=1 ",
                                "--db=", db)).exit_code, 0);
  const std::string board = absl::StrCat("leaderboard --dataset=", dir, " --db=", db);

  const testing::LrbResult text = RunLrb(board);
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("Ranked by decoder.m_gt@0.95, higher is better"));
  EXPECT_THAT(text.out, HasSubstr("M1  sae.topk(latents=64,k=3"));
  std::istringstream lines(text.out);
  for (std::string line; std::getline(lines, line);) {
    // Display columns: UTF-8 continuation bytes take none.
    size_t width = 0;
    for (char c : line) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    EXPECT_LE(width, 120u) << line;
  }

  const testing::LrbResult json = RunLrb(board + " --format=json --rank_by=eval.fvu");
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"schema\": \"lrb.leaderboard/1\""));
  EXPECT_THAT(json.out, HasSubstr("\"rank_by\": \"eval.fvu\""));
  EXPECT_THAT(json.out, HasSubstr("\"better\": \"lower\""));

  const testing::LrbResult csv = RunLrb(board + " --format=csv");
  EXPECT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_THAT(csv.out, ::testing::StartsWith("rank,dataset,method,backend,build,seeds,"));
  EXPECT_THAT(csv.out, HasSubstr("\r\n1,\"lrb("));

  const testing::LrbResult md = RunLrb(board + " --format=md");
  EXPECT_EQ(md.exit_code, 0) << md.err;
  EXPECT_THAT(md.out, HasSubstr("| rank | method | backend |"));

  const testing::LrbResult unknown = RunLrb(board + " --rank_by=m_gt@95");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.out, IsEmpty());
  EXPECT_THAT(unknown.err, HasSubstr("--rank_by=m_gt@95: no run on this board stores"));
  EXPECT_THAT(unknown.err, HasSubstr("did you mean m_gt@0.95?"));
  EXPECT_THAT(unknown.err, HasSubstr("usage: lrb leaderboard"));
}

}  // namespace
}  // namespace lrb
