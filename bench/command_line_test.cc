#include "bench/command_line.h"

#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lrb::bench {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

FlagSpec Flag(std::string name, FlagType type, std::string default_value, std::string value_name,
              std::string help) {
  FlagSpec flag;
  flag.name = std::move(name);
  flag.type = type;
  flag.default_value = std::move(default_value);
  flag.value_name = std::move(value_name);
  flag.help = std::move(help);
  return flag;
}

// A made-up program, so that these tests pin the parser and not lrb's table.
std::vector<CommandSpec> ToyCommands() {
  FlagSpec target = Flag("target", FlagType::kString, "", "NAME", "what to build");
  target.required = true;
  target.bare_word_hint = true;
  target.choices = {"alpha", "beta"};
  const FlagSpec jobs = Flag("jobs", FlagType::kString, "1", "N", "parallel jobs");
  const FlagSpec verbose = Flag("verbose", FlagType::kBool, "false", "", "say more");
  FlagSpec dir = Flag("dir", FlagType::kString, "", "DIR", "where");
  dir.bare_word_hint = true;
  return {
      {"build", "build a target", {target, jobs, verbose}, {"build --target=alpha"}},
      {"clean", "remove outputs", {}, {}},
      {"copy", "copy", {dir, verbose}, {}},
      {"merge",
       "merge files",
       {Flag("out", FlagType::kString, "out.db", "PATH", "the output"),
        Flag("dry", FlagType::kBool, "false", "", "write nothing")},
       {"merge a.db b.db"},
       {{"IN", "an input file", 1, kUnbounded}}},
      {"diff",
       "compare two files",
       {},
       {},
       {{"BASE", "the reference", 1, 1}, {"CANDIDATE", "the new one", 1, 1}}},
  };
}

absl::StatusOr<CommandLine> Parse(const std::vector<std::string>& args) {
  static const std::vector<CommandSpec>* const commands =
      new std::vector<CommandSpec>(ToyCommands());
  return ParseCommandLine(*commands, args);
}

TEST(ParseCommandLine, FillsDefaultsAndAcceptsBothValueForms) {
  const auto line = Parse({"build", "--target", "alpha"});
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(line->command, "build");
  EXPECT_FALSE(line->help);
  EXPECT_EQ(line->GetString("target"), "alpha");
  EXPECT_EQ(line->GetString("jobs"), "1");
  EXPECT_FALSE(line->GetBool("verbose"));

  const auto equals = Parse({"build", "--jobs=4", "--target=beta", "--verbose"});
  ASSERT_TRUE(equals.ok()) << equals.status();
  EXPECT_EQ(equals->GetString("target"), "beta");
  EXPECT_EQ(equals->GetString("jobs"), "4");
  EXPECT_TRUE(equals->GetBool("verbose"));
}

TEST(ParseCommandLine, BooleanSpellings) {
  const std::vector<std::pair<std::string, bool>> cases = {
      {"--verbose", true},     {"--verbose=true", true}, {"--verbose=1", true},
      {"--verbose=yes", true}, {"--verbose=TRUE", true}, {"--verbose=false", false},
      {"--verbose=0", false},  {"--verbose=no", false},  {"--noverbose", false},
  };
  for (const auto& [arg, expected] : cases) {
    const auto line = Parse({"build", "--target=alpha", arg});
    ASSERT_TRUE(line.ok()) << arg << ": " << line.status();
    EXPECT_EQ(line->GetBool("verbose"), expected) << arg;
  }
}

TEST(ParseCommandLine, ValueMayContainEqualsAndDashesAfterTheFirstCharacter) {
  const auto line = Parse({"build", "--target=a=b-c", "--jobs", "x-1"});
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(line->GetString("target"), "a=b-c");
  EXPECT_EQ(line->GetString("jobs"), "x-1");
}

TEST(ParseCommandLine, DoubleDashEndsFlags) {
  ASSERT_TRUE(Parse({"clean", "--"}).ok());
  const auto extra = Parse({"clean", "--", "--verbose"});
  ASSERT_FALSE(extra.ok());
  EXPECT_THAT(extra.status().message(), HasSubstr("unexpected argument \"--verbose\""));
}

TEST(ParseCommandLine, HelpRequests) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"help"}, {"--help"}, {"-h"}, {"--helpfull"}, {"help", "--help"}}) {
    const auto line = Parse(args);
    ASSERT_TRUE(line.ok()) << args[0] << ": " << line.status();
    EXPECT_TRUE(line->help);
    EXPECT_EQ(line->command, "") << args[0];
  }
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"help", "build"},
           {"--help", "build"},
           {"build", "--help"},
           {"build", "-h"},
           // Help wins over whatever else is wrong on the line.
           {"build", "--bogus", "stray", "--help"},
       }) {
    const auto line = Parse(args);
    ASSERT_TRUE(line.ok()) << line.status();
    EXPECT_TRUE(line->help);
    EXPECT_EQ(line->command, "build");
  }
  // After `--`, --help is an argument, not a request.
  EXPECT_FALSE(Parse({"build", "--target=alpha", "--", "--help"}).ok());
}

struct BadLine {
  std::vector<std::string> args;
  std::string command;  // the command the error names ("" for none)
  std::vector<std::string> substrings;
};

TEST(ParseCommandLine, BadLinesAreUsageErrorsNamingTheCulprit) {
  const std::vector<BadLine> cases = {
      {{}, "", {"no command given"}},
      {{"biuld"}, "", {"unknown command \"biuld\"", "did you mean \"build\""}},
      {{"xyzzy"}, "", {"unknown command \"xyzzy\""}},
      {{"alpha"}, "", {"unknown command \"alpha\"", "`build --target=alpha`"}},
      {{"--target=alpha", "build"}, "", {"expected a command first", "flags go after"}},
      {{"help", "nope"}, "", {"no help for unknown command \"nope\""}},
      {{"help", "build", "clean"}, "", {"at most one command"}},
      {{"build"}, "build", {"--target=NAME is required (what to build)"}},
      {{"build", "--target"}, "build", {"--target needs a value; expected --target=NAME"}},
      {{"build", "--target", "--verbose"}, "build", {"--target needs a value"}},
      {{"build", "--target="}, "build", {"--target= has an empty value"}},
      {{"build", "--target=alpha", "--target=beta"},
       "build",
       {"--target given twice (--target=alpha, then --target=beta)"}},
      {{"build", "--target=alpha", "--verbose", "--noverbose"}, "build", {"--verbose given twice"}},
      {{"build", "--target=alpha", "--verbose=maybe"},
       "build",
       {"--verbose is a boolean flag", "got \"maybe\""}},
      {{"build", "--target=alpha", "--noverbose=true"}, "build", {"--noverbose takes no value"}},
      {{"build", "--notarget"}, "build", {"--target is not a boolean flag"}},
      {{"build", "--taget=alpha"}, "build", {"unknown flag --taget", "did you mean --target?"}},
      {{"build", "--zzz"}, "build", {"unknown flag --zzz", "`build` takes --target, --jobs"}},
      {{"build", "--dir=x"}, "build", {"--dir is not a flag of `build` (it is a flag of copy)"}},
      {{"clean", "--verbose"},
       "clean",
       {"--verbose is not a flag of `clean` (it is a flag of build, copy)", "takes no flags"}},
      {{"build", "-target=alpha"}, "build", {"flags start with two dashes", "--target=alpha"}},
      {{"build", "--=alpha"}, "build", {"a flag needs a name"}},
      {{"build", "--help=yes"}, "build", {"--help takes no value"}},
      {{"HELP"}, "", {"did you mean \"help\"?"}},
      {{"build", "alpah"}, "build", {"unexpected argument \"alpah\"", "--target=alpha"}},
      {{"build", "--target=alpha", "extra"}, "build", {"unexpected argument \"extra\""}},
      {{"build", "--target=alpha", "alpha"}, "build", {"takes no positional arguments"}},
      {{"build", "target=alpha"}, "build", {"did you mean --target=alpha?"}},
      {{"build", "--target=alpha", "--verbose", "true"}, "build", {"--verbose=true"}},
      {{"build", "--target=alpha", "clean"}, "build", {"one command at a time"}},
      {{"build", "help"}, "build", {"--help shows the flags of `build`"}},
      {{"build", "\u2014target=alpha"}, "build", {"typographic dash", "--target=alpha"}},
      {{"copy", "somewhere"}, "copy", {"did you mean --dir=somewhere?"}},
      {{"clean", ""}, "clean", {"unexpected argument \"\""}},
  };
  for (const BadLine& bad : cases) {
    const std::string line = testing::PrintToString(bad.args);
    const auto parsed = Parse(bad.args);
    ASSERT_FALSE(parsed.ok()) << line;
    EXPECT_EQ(ExitCode(parsed.status()), kExitUsage) << line;
    EXPECT_EQ(UsageErrorCommand(parsed.status()), bad.command) << line;
    for (const std::string& substring : bad.substrings) {
      EXPECT_THAT(parsed.status().message(), HasSubstr(substring)) << line;
    }
  }
}

TEST(ParseCommandLine, PositionalArgumentsGoToTheirSpecsInOrderAmongFlags) {
  const auto merge = Parse({"merge", "a.db", "--out=o.db", "b.db", "--dry", "c.db"});
  ASSERT_TRUE(merge.ok()) << merge.status();
  EXPECT_EQ(merge->GetPositional("IN"), (std::vector<std::string>{"a.db", "b.db", "c.db"}));
  EXPECT_EQ(merge->GetString("out"), "o.db");
  EXPECT_TRUE(merge->GetBool("dry"));

  const auto diff = Parse({"diff", "old.json", "new.db"});
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->GetPositional("BASE"), std::vector<std::string>{"old.json"});
  EXPECT_EQ(diff->GetPositional("CANDIDATE"), std::vector<std::string>{"new.db"});

  // After "--" every word is positional, even one that looks like a flag.
  const auto dashed = Parse({"merge", "--", "--odd-name.db", "-"});
  ASSERT_TRUE(dashed.ok()) << dashed.status();
  EXPECT_EQ(dashed->GetPositional("IN"), (std::vector<std::string>{"--odd-name.db", "-"}));
  EXPECT_EQ(dashed->GetString("out"), "out.db");
}

TEST(ParseCommandLine, PositionalCountsAreChecked) {
  struct BadLine {
    std::vector<std::string> args;
    std::vector<std::string> substrings;
  };
  const std::vector<BadLine> cases = {
      {{"merge"}, {"missing IN (an input file)", "takes IN [IN ...]"}},
      {{"merge", "--out=x.db"}, {"missing IN"}},
      {{"diff", "a"}, {"missing CANDIDATE (the new one)", "takes BASE CANDIDATE"}},
      {{"diff", "a", "b", "c"}, {"unexpected argument \"c\"", "at most 2 positional arguments"}},
      {{"diff", "a", "b", "--out=x"}, {"--out is not a flag of `diff`"}},
      {{"merge", "a", "--out"}, {"--out needs a value"}},
  };
  for (const BadLine& bad : cases) {
    const std::string line = testing::PrintToString(bad.args);
    const auto parsed = Parse(bad.args);
    ASSERT_FALSE(parsed.ok()) << line;
    EXPECT_EQ(ExitCode(parsed.status()), kExitUsage) << line;
    EXPECT_EQ(UsageErrorCommand(parsed.status()), bad.args[0]) << line;
    for (const std::string& substring : bad.substrings) {
      EXPECT_THAT(parsed.status().message(), HasSubstr(substring)) << line;
    }
  }
}

TEST(CommandHelp, ShowsPositionalArgumentsInUsageAndHelp) {
  const std::vector<CommandSpec> commands = ToyCommands();
  const CommandSpec& merge = *FindCommand(commands, "merge");
  EXPECT_EQ(CommandUsageLine("toy", merge), "usage: toy merge [--out=PATH] [--dry] IN [IN ...]");
  const std::string help = CommandHelp("toy", merge);
  EXPECT_THAT(help, HasSubstr("arguments:\n  IN  an input file\n"));
  EXPECT_EQ(CommandUsageLine("toy", *FindCommand(commands, "diff")),
            "usage: toy diff BASE CANDIDATE");
  EXPECT_THAT(CommandHelp("toy", *FindCommand(commands, "build")), Not(HasSubstr("arguments:")));
}

TEST(ExitCode, OkFailureAndUsage) {
  EXPECT_EQ(ExitCode(absl::OkStatus()), 0);
  EXPECT_EQ(ExitCode(absl::NotFoundError("no file")), 1);
  EXPECT_EQ(ExitCode(absl::InvalidArgumentError("bad bytes in a file")), 1)
      << "only errors made by UsageError are usage errors";
  EXPECT_EQ(ExitCode(UsageError("build", "bad flag")), 2);
  EXPECT_EQ(ExitCode(UsageError("", "bad command")), 2);
}

TEST(ReportAndGetExitCode, UsageErrorsShowTheCommandsUsageLine) {
  const std::vector<CommandSpec> commands = ToyCommands();
  std::ostringstream err;
  EXPECT_EQ(ReportAndGetExitCode("toy", commands, UsageError("build", "bad thing"), err), 2);
  EXPECT_THAT(err.str(), HasSubstr("toy build: bad thing\n"));
  EXPECT_THAT(err.str(), HasSubstr("usage: toy build --target=NAME [--jobs=N] [--verbose]\n"));
  EXPECT_THAT(err.str(), HasSubstr("`toy help build`"));

  std::ostringstream program_err;
  EXPECT_EQ(ReportAndGetExitCode("toy", commands, UsageError("", "no command"), program_err), 2);
  EXPECT_THAT(program_err.str(), HasSubstr("toy: no command\n"));
  EXPECT_THAT(program_err.str(), HasSubstr("remove outputs"));

  std::ostringstream failure_err;
  EXPECT_EQ(ReportAndGetExitCode("toy", commands, absl::NotFoundError("gone"), failure_err), 1);
  EXPECT_EQ(failure_err.str(), "toy: gone\n");

  std::ostringstream ok_err;
  EXPECT_EQ(ReportAndGetExitCode("toy", commands, absl::OkStatus(), ok_err), 0);
  EXPECT_EQ(ok_err.str(), "");
}

TEST(Help, CommandHelpListsEveryFlagWithItsDefault) {
  const std::vector<CommandSpec> commands = ToyCommands();
  const std::string help = CommandHelp("toy", commands[0]);
  EXPECT_THAT(help, HasSubstr("usage: toy build --target=NAME [--jobs=N] [--verbose]"));
  EXPECT_THAT(help, HasSubstr("--target=NAME  what to build (required)"));
  EXPECT_THAT(help, HasSubstr("--jobs=N       parallel jobs (default: 1)"));
  EXPECT_THAT(help, HasSubstr("--verbose      say more\n"));
  EXPECT_THAT(help, HasSubstr("toy build --target=alpha"));
  EXPECT_THAT(help, HasSubstr("--flag=VALUE or --flag VALUE"));
  EXPECT_THAT(CommandHelp("toy", commands[1]), HasSubstr("No flags."));

  const std::string program = ProgramHelp("toy", commands);
  EXPECT_THAT(program, HasSubstr("  build  build a target\n"));
  EXPECT_THAT(program, HasSubstr("  clean  remove outputs\n"));
  EXPECT_THAT(program, HasSubstr("Exit status: 0"));
  EXPECT_THAT(program, Not(HasSubstr("--target")));
}

TEST(CommandLineDeathTest, AskingForAnUndeclaredFlagAborts) {
  const auto line = Parse({"clean"});
  ASSERT_TRUE(line.ok());
  EXPECT_DEATH(line->GetString("target"), "`clean` has no flag --target");
}

TEST(EditDistance, CountsEditsIgnoringCase) {
  EXPECT_EQ(EditDistance("run", "run"), 0);
  EXPECT_EQ(EditDistance("RUN", "run"), 0);
  EXPECT_EQ(EditDistance("rn", "run"), 1);
  EXPECT_EQ(EditDistance("exprot", "export"), 1) << "adjacent transposition";
  EXPECT_EQ(EditDistance("", "abc"), 3);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
}

TEST(ClosestMatch, SuggestsOnlyLikelyTypos) {
  const std::vector<std::string> names = {"run", "leaderboard", "suites", "export", "import"};
  EXPECT_EQ(ClosestMatch("rnu", names), "run");
  EXPECT_EQ(ClosestMatch("leaderbord", names), "leaderboard");
  EXPECT_EQ(ClosestMatch("suite", names), "suites");
  EXPECT_EQ(ClosestMatch("lead", names), "leaderboard") << "unique prefix";
  EXPECT_EQ(ClosestMatch("frobnicate", names), "");
  EXPECT_EQ(ClosestMatch("xy", names), "") << "nothing close";
  EXPECT_EQ(ClosestMatch("port", names), "") << "close to both export and import";
}

}  // namespace
}  // namespace lrb::bench
