#include "bench/command_line.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "util/status_macros.h"

namespace lrb::bench {
namespace {

constexpr char kUsageErrorPayload[] = "type.lrb/bench.UsageError";

const FlagSpec* FindFlag(const CommandSpec& command, absl::string_view name) {
  for (const FlagSpec& flag : command.flags) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

bool IsHelpFlag(absl::string_view arg) {
  return arg == "--help" || arg == "-h" || arg == "--helpfull" || arg == "--helpshort";
}

bool IsHelpWord(absl::string_view arg) { return arg == "help" || IsHelpFlag(arg); }

std::vector<std::string> CommandNames(absl::Span<const CommandSpec> commands) {
  std::vector<std::string> names;
  for (const CommandSpec& command : commands) names.push_back(command.name);
  return names;
}

std::vector<std::string> FlagNames(const CommandSpec& command) {
  std::vector<std::string> names;
  for (const FlagSpec& flag : command.flags) names.push_back(flag.name);
  return names;
}

// "--suite=NAME" for a string flag, "--force" for a boolean.
std::string FlagSyntax(const FlagSpec& flag) {
  return flag.type == FlagType::kBool ? absl::StrCat("--", flag.name)
                                      : absl::StrCat("--", flag.name, "=", flag.value_name);
}

// "`run` takes --suite, --db, --force, --export_models" or "`suites` takes no flags".
std::string TakesFlags(const CommandSpec& command) {
  if (command.flags.empty()) return absl::StrCat("`", command.name, "` takes no flags");
  std::vector<std::string> names;
  for (const FlagSpec& flag : command.flags) names.push_back(absl::StrCat("--", flag.name));
  return absl::StrCat("`", command.name, "` takes ", absl::StrJoin(names, ", "));
}

// The commands, other than `except`, that declare a flag called `name`.
std::vector<std::string> CommandsWithFlag(absl::Span<const CommandSpec> commands,
                                          absl::string_view name, absl::string_view except) {
  std::vector<std::string> owners;
  for (const CommandSpec& command : commands) {
    if (command.name != except && FindFlag(command, name) != nullptr) {
      owners.push_back(command.name);
    }
  }
  return owners;
}

std::optional<bool> ParseBool(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "true" || lower == "1" || lower == "yes") return true;
  if (lower == "false" || lower == "0" || lower == "no") return false;
  return std::nullopt;
}

// `name` is not a flag of `command`: say whose flag it is, or what it may be a typo of.
absl::Status UnknownFlagError(absl::Span<const CommandSpec> commands, const CommandSpec& command,
                              absl::string_view dashes, absl::string_view name) {
  const std::vector<std::string> owners = CommandsWithFlag(commands, name, command.name);
  if (!owners.empty()) {
    return UsageError(
        command.name,
        absl::StrFormat("%s%s is not a flag of `%s` (it is a flag of %s); %s", dashes, name,
                        command.name, absl::StrJoin(owners, ", "), TakesFlags(command)));
  }
  std::string message = absl::StrFormat("unknown flag %s%s", dashes, name);
  const std::string closest = ClosestMatch(name, FlagNames(command));
  if (!closest.empty()) absl::StrAppend(&message, " (did you mean --", closest, "?)");
  absl::StrAppend(&message, "; ", TakesFlags(command));
  return UsageError(command.name, message);
}

// "—suite=smoke" pasted from a document: an en or em dash where "--" was meant.
std::optional<std::string> WithAsciiDashes(absl::string_view arg) {
  for (absl::string_view dash : {"\u2014", "\u2013"}) {
    if (absl::StartsWith(arg, dash)) {
      absl::string_view rest = arg.substr(dash.size());
      while (absl::StartsWith(rest, "-")) rest.remove_prefix(1);
      return absl::StrCat("--", rest);
    }
  }
  return std::nullopt;
}

// A bare word where the command takes only flags: name it and guess what was meant.
absl::Status UnexpectedArgumentError(absl::Span<const CommandSpec> commands,
                                     const CommandSpec& command, absl::string_view arg,
                                     const FlagSpec* previous_bool_without_value,
                                     const std::map<std::string, std::string, std::less<>>& given) {
  std::string message = absl::StrFormat("unexpected argument \"%s\"", arg);
  if (const std::optional<std::string> ascii = WithAsciiDashes(arg)) {
    return UsageError(command.name,
                      absl::StrFormat("%s starts with a typographic dash; type two hyphens: %s",
                                      message, *ascii));
  }
  const size_t equals = arg.find('=');
  if (equals != absl::string_view::npos && FindFlag(command, arg.substr(0, equals)) != nullptr) {
    return UsageError(command.name, absl::StrFormat("%s; did you mean --%s?", message, arg));
  }
  if (previous_bool_without_value != nullptr && ParseBool(arg).has_value()) {
    return UsageError(command.name,
                      absl::StrFormat("%s; a boolean flag takes its value after '=': --%s=%s",
                                      message, previous_bool_without_value->name, arg));
  }
  if (FindCommand(commands, arg) != nullptr) {
    return UsageError(command.name, absl::StrFormat("%s; give one command at a time", message));
  }
  if (arg == "help") {
    return UsageError(command.name,
                      absl::StrFormat("%s; --help shows the flags of `%s`", message, command.name));
  }
  for (const FlagSpec& flag : command.flags) {
    if (!flag.bare_word_hint || given.count(flag.name) || arg.empty() || arg[0] == '-') continue;
    const std::string value =
        flag.choices.empty() ? std::string(arg) : ClosestMatch(arg, flag.choices);
    if (!value.empty()) {
      return UsageError(command.name,
                        absl::StrFormat("%s; did you mean --%s=%s?", message, flag.name, value));
    }
  }
  return UsageError(
      command.name,
      absl::StrFormat("%s; `%s` takes no positional arguments, only flags", message, command.name));
}

// The most positional words `command` takes, or kUnbounded.
int MaxPositionals(const CommandSpec& command) {
  int total = 0;
  for (const PositionalSpec& spec : command.positionals) {
    if (spec.max_count == kUnbounded) return kUnbounded;
    total += spec.max_count;
  }
  return total;
}

// "IN.db [IN.db ...]", "BASE", "[NAME]", "A [A] [A]": how a spec is written in usage lines.
std::string PositionalSyntax(const PositionalSpec& spec) {
  std::vector<std::string> words(static_cast<size_t>(spec.min_count), spec.name);
  if (spec.max_count == kUnbounded) {
    words.push_back(absl::StrCat("[", spec.name, " ...]"));
  } else {
    for (int i = spec.min_count; i < spec.max_count; ++i) {
      words.push_back(absl::StrCat("[", spec.name, "]"));
    }
  }
  return absl::StrJoin(words, " ");
}

// Hands `words` to the command's positional specs in order (each takes its min_count, the
// last one the rest) or says what is missing or too much.
absl::Status AssignPositionals(const CommandSpec& command, const std::vector<std::string>& words,
                               CommandLine& line) {
  const std::vector<PositionalSpec>& specs = command.positionals;
  for (size_t s = 0; s + 1 < specs.size(); ++s) {
    if (specs[s].min_count != specs[s].max_count) {
      std::fprintf(stderr,
                   "lrb: internal error: `%s`: only the last positional argument may take a "
                   "variable number of words (%s does not)\n",
                   command.name.c_str(), specs[s].name.c_str());
      std::abort();
    }
  }
  size_t next = 0;
  for (size_t s = 0; s < specs.size(); ++s) {
    const PositionalSpec& spec = specs[s];
    const bool last = s + 1 == specs.size();
    size_t take = static_cast<size_t>(spec.min_count);
    if (last) {
      take = words.size() - std::min(next, words.size());
      if (spec.max_count != kUnbounded) take = std::min(take, static_cast<size_t>(spec.max_count));
    }
    std::vector<std::string>& values = line.positionals[spec.name];
    for (size_t i = 0; i < take && next < words.size(); ++i) values.push_back(words[next++]);
    if (values.size() < static_cast<size_t>(spec.min_count)) {
      return UsageError(
          command.name,
          absl::StrFormat("missing %s (%s): `%s` takes %s", spec.name, spec.help, command.name,
                          absl::StrJoin(specs, " ", [](std::string* out, const PositionalSpec& p) {
                            absl::StrAppend(out, PositionalSyntax(p));
                          })));
    }
  }
  if (next < words.size()) {
    return UsageError(command.name,
                      absl::StrFormat("unexpected argument \"%s\": `%s` takes at most %d "
                                      "positional argument%s",
                                      words[next], command.name, MaxPositionals(command),
                                      MaxPositionals(command) == 1 ? "" : "s"));
  }
  return absl::OkStatus();
}

absl::StatusOr<CommandLine> ParseHelpRequest(absl::Span<const CommandSpec> commands,
                                             absl::Span<const std::string> args) {
  // args[0] is a help word; at most one command may follow.
  CommandLine line;
  line.help = true;
  if (args.size() == 1) return line;
  if (args.size() > 2) {
    return UsageError("", absl::StrFormat("%s takes at most one command, got \"%s\"", args[0],
                                          absl::StrJoin(args.subspan(1), " ")));
  }
  const std::string& name = args[1];
  if (IsHelpWord(name)) return line;
  if (FindCommand(commands, name) == nullptr) {
    std::string message = absl::StrFormat("no help for unknown command \"%s\"", name);
    const std::string closest = ClosestMatch(name, CommandNames(commands));
    if (!closest.empty()) absl::StrAppend(&message, "; did you mean \"", closest, "\"?");
    return UsageError("", message);
  }
  line.command = name;
  return line;
}

}  // namespace

const CommandSpec* FindCommand(absl::Span<const CommandSpec> commands, absl::string_view name) {
  for (const CommandSpec& command : commands) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

const std::string& CommandLine::GetString(absl::string_view flag) const {
  const auto it = values.find(flag);
  if (it == values.end()) {
    std::fprintf(stderr, "lrb: internal error: `%s` has no flag --%.*s\n", command.c_str(),
                 static_cast<int>(flag.size()), flag.data());
    std::abort();
  }
  return it->second;
}

bool CommandLine::GetBool(absl::string_view flag) const { return GetString(flag) == "true"; }

const std::vector<std::string>& CommandLine::GetPositional(absl::string_view name) const {
  const auto it = positionals.find(name);
  if (it == positionals.end()) {
    std::fprintf(stderr, "lrb: internal error: `%s` has no positional argument %.*s\n",
                 command.c_str(), static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return it->second;
}

absl::StatusOr<CommandLine> ParseCommandLine(absl::Span<const CommandSpec> commands,
                                             absl::Span<const std::string> args) {
  if (args.empty()) return UsageError("", "no command given");
  if (IsHelpWord(args[0])) return ParseHelpRequest(commands, args);
  const std::string& first = args[0];
  if (absl::StartsWith(first, "-")) {
    std::string message = absl::StrFormat("expected a command first, got the flag \"%s\"", first);
    absl::string_view name = first;
    while (absl::StartsWith(name, "-")) name.remove_prefix(1);
    name = name.substr(0, name.find('='));
    const std::vector<std::string> owners = CommandsWithFlag(commands, name, "");
    if (!owners.empty()) {
      absl::StrAppend(&message, "; flags go after the command, e.g. `", owners[0], " ", first,
                      "` (--", name, " is a flag of ", absl::StrJoin(owners, ", "), ")");
    }
    return UsageError("", message);
  }
  const CommandSpec* command = FindCommand(commands, first);
  if (command == nullptr) {
    std::string message = absl::StrFormat("unknown command \"%s\"", first);
    std::vector<std::string> names = CommandNames(commands);
    names.push_back("help");
    const std::string closest = ClosestMatch(first, names);
    if (!closest.empty()) {
      absl::StrAppend(&message, "; did you mean \"", closest, "\"?");
    } else {
      // `lrb smoke`: a value of some command's flag where the command was expected.
      for (const CommandSpec& spec : commands) {
        for (const FlagSpec& flag : spec.flags) {
          if (flag.bare_word_hint &&
              std::find(flag.choices.begin(), flag.choices.end(), first) != flag.choices.end()) {
            absl::StrAppend(&message, "; did you mean `", spec.name, " --", flag.name, "=", first,
                            "`?");
            return UsageError("", message);
          }
        }
      }
    }
    return UsageError("", message);
  }

  CommandLine line;
  line.command = command->name;
  // Help wins over everything else on the line, so that a half-written command can ask.
  for (const std::string& arg : args.subspan(1)) {
    if (arg == "--") break;
    if (IsHelpFlag(arg)) {
      line.help = true;
      return line;
    }
  }

  std::map<std::string, std::string, std::less<>> given;  // flag name -> argument as typed
  std::vector<std::string> words;  // positional arguments, in order
  const FlagSpec* previous_bool_without_value = nullptr;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const FlagSpec* bool_without_value = nullptr;
    if (arg == "--") {
      if (command->positionals.empty() && i + 1 < args.size()) {
        return UnexpectedArgumentError(commands, *command, args[i + 1], nullptr, given);
      }
      words.insert(words.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    if (absl::StartsWith(arg, "--")) {
      const size_t equals = arg.find('=');
      const bool has_value = equals != std::string::npos;
      const std::string name = arg.substr(2, has_value ? equals - 2 : std::string::npos);
      const std::string value = has_value ? arg.substr(equals + 1) : "";
      if (name.empty()) {
        return UsageError(command->name, absl::StrFormat("%s: a flag needs a name after --", arg));
      }
      if (name == "help") {
        return UsageError(command->name, absl::StrFormat("%s: --help takes no value", arg));
      }
      const FlagSpec* flag = FindFlag(*command, name);
      bool negated = false;
      if (flag == nullptr && absl::StartsWith(name, "no")) {
        const FlagSpec* positive = FindFlag(*command, absl::string_view(name).substr(2));
        if (positive != nullptr && positive->type == FlagType::kBool) {
          if (has_value) {
            return UsageError(command->name,
                              absl::StrFormat("%s: --no%s takes no value; write --%s=false or "
                                              "--no%s",
                                              arg, positive->name, positive->name, positive->name));
          }
          flag = positive;
          negated = true;
        } else if (positive != nullptr) {
          return UsageError(command->name,
                            absl::StrFormat("%s: --%s is not a boolean flag, it cannot be "
                                            "negated; expected %s",
                                            arg, positive->name, FlagSyntax(*positive)));
        }
      }
      if (flag == nullptr) return UnknownFlagError(commands, *command, "--", name);
      std::string typed = arg;
      std::string parsed;
      if (flag->type == FlagType::kBool) {
        if (negated) {
          parsed = "false";
        } else if (!has_value) {
          parsed = "true";
          bool_without_value = flag;
        } else {
          const std::optional<bool> b = ParseBool(value);
          if (!b.has_value()) {
            return UsageError(
                command->name,
                absl::StrFormat("%s: --%s is a boolean flag; expected --%s, "
                                "--%s=true or --%s=false (got \"%s\")",
                                arg, flag->name, flag->name, flag->name, flag->name, value));
          }
          parsed = *b ? "true" : "false";
        }
      } else if (has_value) {
        if (value.empty()) {
          return UsageError(command->name, absl::StrFormat("%s has an empty value; expected %s",
                                                           arg, FlagSyntax(*flag)));
        }
        parsed = value;
      } else if (i + 1 < args.size() && !args[i + 1].empty() && args[i + 1][0] != '-') {
        parsed = args[++i];
        typed = absl::StrCat(arg, " ", parsed);
      } else {
        return UsageError(command->name, absl::StrFormat("--%s needs a value; expected %s",
                                                         flag->name, FlagSyntax(*flag)));
      }
      const auto [it, inserted] = given.emplace(flag->name, typed);
      if (!inserted) {
        return UsageError(command->name,
                          absl::StrFormat("--%s given twice (%s, then %s); give each flag once",
                                          flag->name, it->second, typed));
      }
      line.values[flag->name] = parsed;
    } else if (absl::StartsWith(arg, "-") && arg != "-") {
      const size_t equals = arg.find('=');
      const std::string name =
          arg.substr(1, equals == std::string::npos ? std::string::npos : equals - 1);
      const std::string bare = absl::StartsWith(name, "no") ? name.substr(2) : name;
      if (FindFlag(*command, name) != nullptr || FindFlag(*command, bare) != nullptr) {
        return UsageError(
            command->name,
            absl::StrFormat("%s: flags start with two dashes; did you mean -%s?", arg, arg));
      }
      return UnknownFlagError(commands, *command, "-", name);
    } else if (!command->positionals.empty() && !arg.empty()) {
      words.push_back(arg);
    } else {
      return UnexpectedArgumentError(commands, *command, arg, previous_bool_without_value, given);
    }
    previous_bool_without_value = bool_without_value;
  }

  std::vector<std::string> missing;
  for (const FlagSpec& flag : command->flags) {
    if (flag.required && !given.count(flag.name)) {
      missing.push_back(absl::StrFormat("%s is required (%s)", FlagSyntax(flag), flag.help));
    }
  }
  if (!missing.empty()) return UsageError(command->name, absl::StrJoin(missing, "; "));
  for (const FlagSpec& flag : command->flags) line.values.emplace(flag.name, flag.default_value);
  LRB_RETURN_IF_ERROR(AssignPositionals(*command, words, line));
  return line;
}

std::string CommandUsageLine(absl::string_view program, const CommandSpec& command) {
  std::string line = absl::StrCat("usage: ", program, " ", command.name);
  for (const FlagSpec& flag : command.flags) {
    absl::StrAppend(&line, flag.required ? " " : " [", FlagSyntax(flag), flag.required ? "" : "]");
  }
  for (const PositionalSpec& spec : command.positionals) {
    absl::StrAppend(&line, " ", PositionalSyntax(spec));
  }
  return line;
}

std::string CommandLineSyntaxHelp() {
  return "Flags go after the command, each at most once. A flag with a value is written\n"
         "--flag=VALUE or --flag VALUE; a boolean flag --flag, --flag=true|false or --noflag.\n"
         "Relative paths are relative to the directory the command is typed in.\n";
}

std::string ProgramHelp(absl::string_view program, absl::Span<const CommandSpec> commands) {
  size_t width = 0;
  for (const CommandSpec& command : commands) width = std::max(width, command.name.size());
  std::string text = absl::StrCat("usage: ", program, " <command> [flags]\n\ncommands:\n");
  for (const CommandSpec& command : commands) {
    absl::StrAppend(&text, absl::StrFormat("  %-*s  %s\n", static_cast<int>(width), command.name,
                                           command.summary));
  }
  absl::StrAppend(&text, "\n`", program, " help <command>` or `", program,
                  " <command> --help` shows a command's flags.\n", CommandLineSyntaxHelp(),
                  "Exit status: 0 success; 1 failure (a run failed, a file or the database could "
                  "not be\nread or written); 2 the command line was wrong.\n");
  return text;
}

std::string CommandHelp(absl::string_view program, const CommandSpec& command) {
  std::string text =
      absl::StrCat(CommandUsageLine(program, command), "\n\n", command.summary, "\n");
  if (!command.positionals.empty()) {
    size_t width = 0;
    for (const PositionalSpec& spec : command.positionals) width = std::max(width, spec.name.size());
    absl::StrAppend(&text, "\narguments:\n");
    for (const PositionalSpec& spec : command.positionals) {
      absl::StrAppend(&text, absl::StrFormat("  %-*s  %s\n", static_cast<int>(width), spec.name,
                                             spec.help));
    }
  }
  if (command.flags.empty()) {
    absl::StrAppend(&text, "\nNo flags.\n");
  } else {
    size_t width = 0;
    for (const FlagSpec& flag : command.flags) width = std::max(width, FlagSyntax(flag).size());
    absl::StrAppend(&text, "\nflags:\n");
    for (const FlagSpec& flag : command.flags) {
      std::string note;
      if (flag.required) {
        note = " (required)";
      } else if (!flag.default_value.empty() && flag.default_value != "false") {
        note = absl::StrCat(" (default: ", flag.default_value, ")");
      }
      absl::StrAppend(&text, absl::StrFormat("  %-*s  %s%s\n", static_cast<int>(width),
                                             FlagSyntax(flag), flag.help, note));
    }
  }
  if (!command.examples.empty()) {
    absl::StrAppend(&text, "\nexamples:\n");
    for (const std::string& example : command.examples) {
      absl::StrAppend(&text, "  ", program, " ", example, "\n");
    }
  }
  absl::StrAppend(&text, "\n", CommandLineSyntaxHelp());
  return text;
}

absl::Status UsageError(absl::string_view command, absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kUsageErrorPayload, absl::Cord(command));
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsageErrorPayload).has_value();
}

std::string UsageErrorCommand(const absl::Status& status) {
  const absl::optional<absl::Cord> command = status.GetPayload(kUsageErrorPayload);
  return command.has_value() ? std::string(*command) : "";
}

int ExitCode(const absl::Status& status) {
  if (status.ok()) return kExitSuccess;
  return IsUsageError(status) ? kExitUsage : kExitFailure;
}

int ReportAndGetExitCode(absl::string_view program, absl::Span<const CommandSpec> commands,
                         const absl::Status& status, std::ostream& err) {
  if (status.ok()) return kExitSuccess;
  if (!IsUsageError(status)) {
    err << program << ": " << status.message() << "\n";
    return ExitCode(status);
  }
  const CommandSpec* command = FindCommand(commands, UsageErrorCommand(status));
  if (command == nullptr) {
    err << program << ": " << status.message() << "\n\n" << ProgramHelp(program, commands);
  } else {
    err << program << " " << command->name << ": " << status.message() << "\n"
        << CommandUsageLine(program, *command) << "\n"
        << "`" << program << " help " << command->name << "` describes every flag.\n";
  }
  return ExitCode(status);
}

int EditDistance(absl::string_view a, absl::string_view b) {
  const size_t n = a.size(), m = b.size();
  // d[i][j]: distance between a[0, i) and b[0, j).
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  const auto same = [&](size_t i, size_t j) {
    return absl::ascii_tolower(static_cast<unsigned char>(a[i])) ==
           absl::ascii_tolower(static_cast<unsigned char>(b[j]));
  };
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (same(i - 1, j - 1) ? 0 : 1)});
      if (i > 1 && j > 1 && same(i - 1, j - 2) && same(i - 2, j - 1)) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

std::string ClosestMatch(absl::string_view word, absl::Span<const std::string> candidates) {
  std::string best;
  int best_distance = 0;
  bool tie = false;  // two candidates equally close: no guess
  for (const std::string& candidate : candidates) {
    const int distance = EditDistance(word, candidate);
    if (distance > 2 || 2 * distance >= static_cast<int>(candidate.size())) continue;
    if (best.empty() || distance < best_distance) {
      best = candidate;
      best_distance = distance;
      tie = false;
    } else if (distance == best_distance) {
      tie = true;
    }
  }
  if (tie) return "";
  if (!best.empty() || word.size() < 2) return best;
  std::string prefix_of;
  for (const std::string& candidate : candidates) {
    if (absl::StartsWithIgnoreCase(candidate, word)) {
      if (!prefix_of.empty()) return "";
      prefix_of = candidate;
    }
  }
  return prefix_of;
}

}  // namespace lrb::bench
