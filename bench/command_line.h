#ifndef LRB_BENCH_COMMAND_LINE_H_
#define LRB_BENCH_COMMAND_LINE_H_

// A small parser for `prog <command> [flags]` command lines in which each command declares
// its own flags. Abseil flags are global: they cannot say that --force belongs to `run` and
// not to `leaderboard`, and their --helpfull lists the library's internal flags. Here every
// command has an explicit table, anything outside it is rejected with a message that names
// the culprit, and each command's help is generated from its table.
//
// Syntax (CommandLineSyntaxHelp() says the same to users):
//   --name=VALUE or --name VALUE     string flags; the value must not be empty and, in the
//                                    second form, must not start with '-'
//   --name, --name=true|false, --noname
//                                    boolean flags (also 1/0, yes/no); never `--name VALUE`
//   --help, -h                       the command's help (anywhere after the command)
//   --                               ends the flags; what follows is positional
//   WORD                             a positional argument, for commands that declare them
//                                    (PositionalSpec); elsewhere a bare word is an error
// Each flag may be given once. Flags go after the command; positional arguments may be
// mixed with them.
//
// Errors come back as usage errors (UsageError / IsUsageError), which ExitCode() maps to 2.

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace lrb::bench {

enum class FlagType { kString, kBool };

struct FlagSpec {
  std::string name;  // without the dashes
  FlagType type = FlagType::kString;
  // The value when the flag is not given: "" (none) for strings, "false"/"true" for booleans.
  std::string default_value;
  std::string value_name;  // string flags: what the value is, e.g. "DIR", "NAME"
  std::string help;        // one line
  bool required = false;   // string flags only
  // A bare word on this command's line is probably this flag's value (`lrb run smoke`): the
  // error suggests --name=WORD.
  bool bare_word_hint = false;
  // The values the flag is known to take, when they form a fixed list: bare words are matched
  // against them for the hint above. The command still validates the value it is given.
  std::vector<std::string> choices;
};

// A positional argument, e.g. `lrb merge --db=OUT A.db B.db`: the words that are not flags
// are given, in order, to the command's positional specs. Each spec takes between
// min_count and max_count words; only the last spec of a command may take a variable
// number (min_count < max_count), so the assignment is never ambiguous.
inline constexpr int kUnbounded = -1;
struct PositionalSpec {
  std::string name;  // what the value is, shown in usage, e.g. "IN.db", "BASE"
  std::string help;  // one line
  int min_count = 1;
  int max_count = 1;  // kUnbounded for no limit
};

struct CommandSpec {
  std::string name;
  std::string summary;  // one line, for the command list
  std::vector<FlagSpec> flags;
  std::vector<std::string> examples;  // argument strings after the program name
  std::vector<PositionalSpec> positionals = {};  // none: the command takes flags only
};

// A successfully parsed command line: either a request for help (of `command`, or of the
// whole program when `command` is empty), or a command with every one of its flags set,
// to its default when not given.
struct CommandLine {
  std::string command;
  bool help = false;
  std::map<std::string, std::string, std::less<>> values;
  // Positional spec name -> the words given to it, in order (every declared spec is present).
  std::map<std::string, std::vector<std::string>, std::less<>> positionals;

  // The value of one of `command`'s flags. Asking for a flag the command does not declare
  // is a programming error and aborts.
  const std::string& GetString(absl::string_view flag) const;
  bool GetBool(absl::string_view flag) const;
  // The words given to one of `command`'s positional specs; an undeclared name aborts.
  const std::vector<std::string>& GetPositional(absl::string_view name) const;
};

// The command called `name`, or nullptr.
const CommandSpec* FindCommand(absl::Span<const CommandSpec> commands, absl::string_view name);

// args: the arguments after the program name. Fails with a usage error.
absl::StatusOr<CommandLine> ParseCommandLine(absl::Span<const CommandSpec> commands,
                                             absl::Span<const std::string> args);

// Help texts. `program` is the name the texts use for the binary ("lrb").
std::string ProgramHelp(absl::string_view program, absl::Span<const CommandSpec> commands);
std::string CommandHelp(absl::string_view program, const CommandSpec& command);
std::string CommandUsageLine(absl::string_view program, const CommandSpec& command);
std::string CommandLineSyntaxHelp();

// A usage error: something wrong with the command line (exit code 2). `command` is the
// command it concerns, or empty; the reporter prints that command's usage line with it.
absl::Status UsageError(absl::string_view command, absl::string_view message);
bool IsUsageError(const absl::Status& status);
std::string UsageErrorCommand(const absl::Status& status);  // "" when none

// The exit-code contract: 0 for OK, 2 for a usage error, 1 for every other error.
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
int ExitCode(const absl::Status& status);

// Prints `status` to `err` when it is an error (with the usage line of its command and where
// to find help, for a usage error) and returns ExitCode(status).
int ReportAndGetExitCode(absl::string_view program, absl::Span<const CommandSpec> commands,
                         const absl::Status& status, std::ostream& err);

// Optimal-string-alignment distance (insertions, deletions, substitutions, transpositions of
// adjacent characters), ignoring ASCII case.
int EditDistance(absl::string_view a, absl::string_view b);

// The candidate closest to `word` if it is close enough to be a likely typo (distance at most
// 2 and less than half the candidate's length, no other candidate as close), else the one
// candidate that `word` (2+ characters) is a prefix of; "" otherwise.
std::string ClosestMatch(absl::string_view word, absl::Span<const std::string> candidates);

}  // namespace lrb::bench

#endif  // LRB_BENCH_COMMAND_LINE_H_
