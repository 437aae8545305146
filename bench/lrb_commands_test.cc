#include "bench/lrb_commands.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "bench/command_line.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lrb::bench {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

absl::StatusOr<CommandLine> Parse(const std::string& line) {
  const std::vector<std::string> args = absl::StrSplit(line, ' ', absl::SkipEmpty());
  return ParseCommandLine(LrbCommands(), args);
}

// The flags' names and defaults are what users' scripts and the README rely on.
TEST(LrbCommands, FlagsAndDefaultsArePinned) {
  const std::map<std::string, std::map<std::string, std::string>> expected = {
      {"run",
       {{"suite", "smoke"}, {"db", "lrb.db"}, {"force", "false"}, {"export_models", ""},
        {"data", ""}, {"methods", ""}, {"backends", ""}, {"anchoring", ""}, {"seeds", ""},
        {"datasets", ""}, {"shard", "0/1"}, {"jobs", "1"}, {"threads", "0"},
        {"dry_run", "false"}, {"reuse_from", ""}}},
      {"train",
       {{"dataset", ""}, {"method", ""}, {"train", ""}, {"backend", "simd"}, {"seed", "0"},
        {"db", "lrb.db"}, {"threads", "0"}}},
      {"tune",
       {{"dataset", ""}, {"method", ""}, {"knob", ""}, {"metric", "eval.l0"}, {"target", ""},
        {"low", ""}, {"high", ""}, {"probes", "8"}, {"tolerance", "0.1"}, {"train", ""},
        {"backend", "simd"}, {"seed", "0"}, {"db", "lrb.db"}, {"threads", "0"}}},
      {"leaderboard",
       {{"suite", "smoke"}, {"db", "lrb.db"}, {"all", "false"}, {"dataset", ""},
        {"rank_by", "decoder.m_gt@0.95"}, {"format", "text"}}},
      {"suites", {}},
      {"methods", {}},
      {"generate", {{"suite", ""}, {"spec", ""}, {"out", ""}}},
      {"export", {{"dataset", ""}, {"dense", "false"}}},
      {"import", {{"activations", ""}, {"labels", ""}, {"out", ""}}},
      {"merge", {{"db", ""}, {"data", ""}}},
      {"compare", {{"format", "text"}, {"suite", ""}}},
      {"baseline", {{"suite", ""}, {"db", "lrb.db"}, {"out", ""}}},
      {"score", {{"dataset", ""}, {"model", ""}, {"name", ""}, {"db", "lrb.db"}, {"suite", ""}}},
      {"slurm",
       {{"suite", "smoke"}, {"shards", "1"}, {"partition", ""}, {"time", ""}, {"cpus", "1"},
        {"out", ""}, {"submit", "false"}}},
      {"report",
       {{"suite", "smoke"}, {"db", "lrb.db"}, {"out", ""}, {"all", "false"}, {"dataset", ""}}},
  };
  std::map<std::string, std::map<std::string, std::string>> actual;
  for (const CommandSpec& command : LrbCommands()) {
    auto& flags = actual[command.name];
    for (const FlagSpec& flag : command.flags) flags[flag.name] = flag.default_value;
  }
  EXPECT_EQ(actual, expected);
}

TEST(LrbCommands, ReadmeCommandLinesParse) {
  struct Good {
    std::string line;
    std::map<std::string, std::string> values;
  };
  const std::vector<Good> cases = {
      {"run --suite=smoke", {{"suite", "smoke"}, {"db", "lrb.db"}, {"force", "false"}}},
      {"run --suite=smoke --export_models=models", {{"export_models", "models"}}},
      {"run --suite paper --db my.db --force",
       {{"suite", "paper"}, {"db", "my.db"}, {"force", "true"}}},
      {"leaderboard --suite=smoke", {{"suite", "smoke"}, {"all", "false"}}},
      {"leaderboard --suite=smoke --all=true", {{"all", "true"}}},
      {"leaderboard --suite=smoke --rank_by=m_ip --format=md",
       {{"rank_by", "m_ip"}, {"format", "md"}}},
      {"leaderboard --suite=smoke --format=json", {{"format", "json"}, {"rank_by", "decoder.m_gt@0.95"}}},
      {"suites", {}},
      {"generate --suite=paper --out=data", {{"suite", "paper"}, {"out", "data"}}},
      {"export --dataset=data --dense", {{"dataset", "data"}, {"dense", "true"}}},
      {"import --activations=acts.npy --labels=labels.npy --out=mine",
       {{"activations", "acts.npy"}, {"labels", "labels.npy"}, {"out", "mine"}}},
      {"import --activations=acts.npy --out=mine", {{"labels", ""}}},
      {"run --suite=topk --reuse_from=paper.db,shards/0.db",
       {{"suite", "topk"}, {"reuse_from", "paper.db,shards/0.db"}, {"force", "false"}}},
  };
  for (const Good& good : cases) {
    const auto parsed = Parse(good.line);
    ASSERT_TRUE(parsed.ok()) << good.line << ": " << parsed.status();
    EXPECT_FALSE(parsed->help);
    for (const auto& [flag, value] : good.values) {
      EXPECT_EQ(parsed->GetString(flag), value) << good.line << " --" << flag;
    }
  }
}

// Command lines a new user may well type: each is a usage error (exit 2) whose message names
// what is wrong.
TEST(LrbCommands, BadCommandLinesNameTheCulprit) {
  struct Bad {
    std::string line;
    std::vector<std::string> substrings;
  };
  const std::vector<Bad> cases = {
      {"", {"no command given"}},
      {"frobnicate", {"unknown command \"frobnicate\""}},
      {"rnu", {"unknown command \"rnu\"", "did you mean \"run\""}},
      {"leaderbord", {"did you mean \"leaderboard\""}},
      {"suite", {"did you mean \"suites\""}},
      {"smoke", {"unknown command \"smoke\"", "`run --suite=smoke`"}},
      {"--suite=smoke run", {"expected a command first", "flags go after the command"}},
      {"help frobnicate", {"no help for unknown command \"frobnicate\""}},
      // Flags of another command.
      {"suites --db=x", {"--db is not a flag of `suites`", "run, leaderboard", "takes no flags"}},
      {"leaderboard --force",
       {"--force is not a flag of `leaderboard` (it is a flag of run)",
        "takes --suite, --db, --all"}},
      {"export --suite=paper", {"--suite is not a flag of `export`", "takes --dataset, --dense"}},
      {"run --out=x", {"--out is not a flag of `run` (it is a flag of generate, import, baseline, slurm, report)"}},
      {"generate --db=x --out=y", {"--db is not a flag of `generate`"}},
      // Unknown, misspelled, single-dash flags.
      {"run --bogus", {"unknown flag --bogus", "`run` takes --suite, --db, --force"}},
      {"run --suit=smoke", {"unknown flag --suit", "did you mean --suite?"}},
      {"run --export-models=m", {"did you mean --export_models?"}},
      {"import --activations=a.npy --label=l.npy --out=o", {"did you mean --labels?"}},
      {"run -suite=smoke", {"flags start with two dashes", "--suite=smoke"}},
      {"run -f", {"unknown flag -f"}},
      // Bad values.
      {"run --force=maybe", {"--force is a boolean flag", "got \"maybe\""}},
      {"run --noforce=true", {"--noforce takes no value"}},
      {"run --nosuite", {"--suite is not a boolean flag"}},
      {"run --suite", {"--suite needs a value; expected --suite=NAME"}},
      {"run --db --force", {"--db needs a value; expected --db=PATH"}},
      {"run --suite=", {"--suite= has an empty value"}},
      {"run --export_models=", {"--export_models= has an empty value"}},
      // Duplicates.
      {"run --suite=smoke --suite=tiny",
       {"--suite given twice (--suite=smoke, then --suite=tiny)"}},
      {"run --force --noforce", {"--force given twice"}},
      // Stray arguments.
      {"run extra", {"unexpected argument \"extra\"", "takes no positional arguments"}},
      {"run --suite=smoke smoke", {"unexpected argument \"smoke\""}},
      {"run smoke", {"unexpected argument \"smoke\"", "did you mean --suite=smoke?"}},
      {"run smok", {"did you mean --suite=smoke?"}},
      {"run suite=tiny", {"did you mean --suite=tiny?"}},
      {"run --force true", {"unexpected argument \"true\"", "--force=true"}},
      {"run leaderboard", {"one command at a time"}},
      {"suites all", {"unexpected argument \"all\""}},
      {"export data --dense", {"did you mean --dataset=data?"}},
      {"run -- --force", {"unexpected argument \"--force\""}},
      {"run \u2014suite=smoke", {"typographic dash", "--suite=smoke"}},
      // Required flags.
      {"generate --suite=paper", {"--out=DIR is required"}},
      {"import", {"--activations=X.npy is required", "--out=DIR is required"}},
      {"import --activations=a.npy", {"--out=DIR is required"}},
      {"export --dense", {"--dataset=DIR is required"}},
  };
  ASSERT_GE(cases.size(), 30u);
  for (const Bad& bad : cases) {
    const auto parsed = Parse(bad.line);
    ASSERT_FALSE(parsed.ok()) << "lrb " << bad.line;
    EXPECT_EQ(ExitCode(parsed.status()), kExitUsage) << "lrb " << bad.line;
    for (const std::string& substring : bad.substrings) {
      EXPECT_THAT(parsed.status().message(), HasSubstr(substring)) << "lrb " << bad.line;
    }
  }
}

TEST(LrbCommands, EachCommandsHelpListsItsFlagsAndNoOthers) {
  std::vector<std::string> all_flags;
  for (const CommandSpec& command : LrbCommands()) {
    for (const FlagSpec& flag : command.flags) all_flags.push_back(flag.name);
  }
  for (const CommandSpec& command : LrbCommands()) {
    const std::string help = CommandHelp("lrb", command);
    EXPECT_THAT(help, HasSubstr("usage: lrb " + command.name)) << command.name;
    for (const std::string& name : all_flags) {
      const bool own = std::any_of(command.flags.begin(), command.flags.end(),
                                   [&](const FlagSpec& flag) { return flag.name == name; });
      if (own) {
        EXPECT_THAT(help, HasSubstr("--" + name)) << command.name;
      } else {
        EXPECT_THAT(help, Not(HasSubstr("--" + name + "=")))
            << command.name << " help mentions --" << name;
      }
    }
    for (const FlagSpec& flag : command.flags) {
      EXPECT_FALSE(flag.help.empty()) << command.name << " --" << flag.name;
    }
  }
}

TEST(LrbCommands, ProgramHelpListsEveryCommand) {
  const std::string help = ProgramHelp("lrb", LrbCommands());
  for (const CommandSpec& command : LrbCommands()) {
    EXPECT_THAT(help, HasSubstr("  " + command.name + " ")) << command.name;
    EXPECT_FALSE(command.summary.empty()) << command.name;
  }
}

}  // namespace
}  // namespace lrb::bench
