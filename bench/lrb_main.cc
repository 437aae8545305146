// lrb: the LRB command line. Subcommands in the style of git; `lrb --help` lists them and
// `lrb help <command>` shows a command's flags (bench/lrb_commands.cc declares them all).
//   lrb run --suite=NAME [--db=PATH] [--data=DIR] [--methods=LIST] [--backends=LIST]
//           [--anchoring=off,on] [--seeds=LIST] [--datasets=LIST] [--shard=I/N] [--jobs=N]
//           [--threads=N] [--dry_run] [--force] [--export_models=DIR] [--reuse_from=DB,...]
//   lrb train --dataset=DIR --method=SPEC [--train=SPEC] [--backend=NAME] [--seed=N]
//           [--db=PATH] [--threads=N]
//   lrb tune --dataset=DIR --method=SPEC --knob=NAME [--metric=NAME] --target=X --low=X
//           --high=X [--probes=N] [--tolerance=F] [--train=SPEC] ...   (bench/tune.h)
//   lrb leaderboard --suite=NAME [--db=PATH] [--all]
//   lrb suites
//   lrb methods                                   the method families and their knobs
//   lrb generate --suite=NAME --out=DIR           write a suite's dataset files
//   lrb generate --spec=DATASET_SPEC --out=DIR    write one dataset of any spec
//   lrb export --dataset=DIR --dense              write x_p.npy (and x_r.npy) for Python
//   lrb import --activations=X.npy [--labels=Y.npy] --out=DIR
//   lrb merge --db=OUT IN.db [IN.db ...]           combine databases (bench/merge_command.h)
//   lrb compare BASE CANDIDATE [--format=md]       exit 1 on a regression (bench/compare.h)
//   lrb baseline --suite=NAME --db=PATH --out=FILE.json   (bench/results_file.h)
//   lrb score --dataset=DIR --model=DIR --name=NAME       external submission (score_command.h)
//   lrb leaderboard --dataset=DIR                  the board of one dataset
//   lrb leaderboard ... [--rank_by=METRIC] [--format=text|md|csv|json]   (docs/leaderboard.md)
//   lrb report --suite=NAME --out=FILE.html [--db=PATH] [--dataset=DIR] [--all]   (report_command.h)
//   lrb slurm --suite=NAME --out=DIR [--shards=N] [--partition=P] [--time=T] [--cpus=N] [--submit]
// Exit status: 0 success; 1 failure (a run failed, I/O, a bad input file, the database);
// 2 a bad command line, including an unknown suite name (ReportAndGetExitCode is the one
// place that maps errors to these codes).
// Under `bazel run`, relative paths are resolved against the directory the command was
// typed in (BUILD_WORKING_DIRECTORY), not Bazel's runfiles directory.

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/command_line.h"
#include "bench/compare.h"
#include "bench/dataset_commands.h"
#include "bench/leaderboard_command.h"
#include "bench/lrb_commands.h"
#include "bench/merge_command.h"
#include "bench/report_command.h"
#include "bench/methods_command.h"
#include "bench/results_file.h"
#include "bench/run_command.h"
#include "bench/run_plan.h"
#include "bench/score_command.h"
#include "bench/slurm_command.h"
#include "bench/suites.h"
#include "bench/tune.h"
#include "bench/tune_command.h"
#include "datasets/dataset_io.h"
#include "leaderboard/store/store.h"
#include "util/status_macros.h"

namespace lrb::bench {
namespace {

// Relative paths are relative to where the user typed the command.
std::string ResolveUserPath(const std::string& path) {
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path[0] == '/' || cwd == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

// The suite named by --suite. The names are compiled in, so an unknown one is a typo on the
// command line: a usage error.
absl::StatusOr<const Suite*> SuiteFlag(const CommandLine& line) {
  const std::string& name = line.GetString("suite");
  absl::StatusOr<const Suite*> suite = FindSuite(name);
  if (suite.ok()) return suite;
  std::vector<std::string> names;
  for (const Suite& known : AllSuites()) names.push_back(known.name);
  std::string message(suite.status().message());
  const std::string closest = ClosestMatch(name, names);
  if (!closest.empty()) message += absl::StrFormat("; did you mean --suite=%s?", closest);
  return UsageError(line.command, message);
}

// A whole-number flag of at least `min`, or a usage error naming it.
absl::StatusOr<int64_t> IntegerFlag(const CommandLine& line, const std::string& flag,
                                    int64_t min) {
  const std::string& text = line.GetString(flag);
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < min) {
    return UsageError(line.command, absl::StrFormat("--%s=%s: expected a whole number >= %d",
                                                    flag, text, min));
  }
  return value;
}

absl::StatusOr<double> RealFlag(const CommandLine& line, const std::string& flag) {
  const std::string& text = line.GetString(flag);
  double value = 0;
  if (!absl::SimpleAtod(text, &value) || !std::isfinite(value)) {
    return UsageError(line.command, absl::StrFormat("--%s=%s: expected a number", flag, text));
  }
  return value;
}

// A flag value parsed by `parse`, its errors turned into usage errors.
template <typename T>
absl::StatusOr<T> AsUsage(const CommandLine& line, absl::StatusOr<T> parsed) {
  if (parsed.ok()) return parsed;
  return UsageError(line.command, parsed.status().message());
}

// `lrb run`'s slice of the matrix, from its flags.
absl::StatusOr<RunFilter> RunFilterFlags(const CommandLine& line) {
  RunFilter filter;
  filter.methods = SplitSpecList(line.GetString("methods"));
  filter.datasets = SplitSpecList(line.GetString("datasets"));
  filter.backends = absl::StrSplit(line.GetString("backends"), ',', absl::SkipEmpty());
  filter.anchoring = absl::StrSplit(line.GetString("anchoring"), ',', absl::SkipEmpty());
  if (!line.GetString("seeds").empty()) {
    LRB_ASSIGN_OR_RETURN(filter.seeds, AsUsage(line, ParseSeedList(line.GetString("seeds"))));
  }
  LRB_ASSIGN_OR_RETURN(filter.shard, AsUsage(line, ParseShard(line.GetString("shard"))));
  return filter;
}

absl::Status Dispatch(const CommandLine& line) {
  const std::string& command = line.command;
  if (line.help) {
    std::cout << (command.empty() ? ProgramHelp("lrb", LrbCommands())
                                  : CommandHelp("lrb", *FindCommand(LrbCommands(), command)));
    return absl::OkStatus();
  }
  if (command == "suites") {
    for (const Suite& suite : AllSuites()) {
      std::cout << absl::StrFormat("%-16s %3d runs  %s\n", suite.id(), suite.size(),
                                   suite.description);
    }
    return absl::OkStatus();
  }
  if (command == "methods") {
    MethodsCommand(std::cout);
    return absl::OkStatus();
  }
  if (command == "export") {
    if (!line.GetBool("dense")) {
      return UsageError(command, "nothing to export; pass --dense to write x_p.npy (and x_r.npy)");
    }
    return ExportDenseCommand(ResolveUserPath(line.GetString("dataset")), /*dense=*/true,
                              /*threads=*/0, &std::cerr);
  }
  if (command == "import") {
    return ImportActivationsCommand(ResolveUserPath(line.GetString("activations")),
                                    ResolveUserPath(line.GetString("labels")),
                                    ResolveUserPath(line.GetString("out")), &std::cerr);
  }
  if (command == "merge") {
    std::vector<std::string> inputs;
    for (const std::string& input : line.GetPositional("IN.db")) {
      inputs.push_back(ResolveUserPath(input));
    }
    return MergeCommand(ResolveUserPath(line.GetString("db")), inputs,
                        ResolveUserPath(line.GetString("data")), std::cout);
  }
  if (command == "compare") {
    const std::string& format = line.GetString("format");
    if (format != "text" && format != "md") {
      return UsageError(command, absl::StrFormat("--format=%s: expected text or md", format));
    }
    std::string suite_id;
    if (!line.GetString("suite").empty()) {
      LRB_ASSIGN_OR_RETURN(const Suite* suite, SuiteFlag(line));
      suite_id = suite->id();
    }
    return CompareCommand(ResolveUserPath(line.GetPositional("BASE")[0]),
                          ResolveUserPath(line.GetPositional("CANDIDATE")[0]), suite_id,
                          format == "md" ? CompareFormat::kMarkdown : CompareFormat::kText,
                          std::cout);
  }
  if (command == "score") {
    const Suite* suite = nullptr;
    if (!line.GetString("suite").empty()) {
      LRB_ASSIGN_OR_RETURN(suite, SuiteFlag(line));
    }
    return ScoreCommand({.dataset_dir = ResolveUserPath(line.GetString("dataset")),
                         .model_dir = ResolveUserPath(line.GetString("model")),
                         .name = line.GetString("name"),
                         .suite = suite},
                        ResolveUserPath(line.GetString("db")), std::cout);
  }
  if (command == "generate" && !line.GetString("spec").empty()) {
    if (!line.GetString("suite").empty()) {
      return UsageError(command, "give --suite=NAME (a suite's datasets) or "
                                 "--spec=DATASET_SPEC (one dataset), not both");
    }
    return GenerateSpecCommand(line.GetString("spec"), ResolveUserPath(line.GetString("out")),
                               /*threads=*/0, &std::cerr);
  }
  if (command == "generate" && line.GetString("suite").empty()) {
    return UsageError(command, "what to generate? --suite=NAME (a suite's datasets) or "
                               "--spec=DATASET_SPEC (one dataset)");
  }
  if (command == "train") {
    TrainCommandOptions options;
    options.dataset_dir = ResolveUserPath(line.GetString("dataset"));
    options.method = line.GetString("method");
    options.train = line.GetString("train");
    options.backend = line.GetString("backend");
    LRB_ASSIGN_OR_RETURN(const int64_t seed, IntegerFlag(line, "seed", 0));
    LRB_ASSIGN_OR_RETURN(const int64_t threads, IntegerFlag(line, "threads", 0));
    options.seed = static_cast<uint64_t>(seed);
    options.threads = static_cast<int>(threads);
    return TrainCommand(options, ResolveUserPath(line.GetString("db")));
  }
  if (command == "tune") {
    TuneCommandOptions options;
    options.dataset_dir = ResolveUserPath(line.GetString("dataset"));
    TuneRequest& request = options.request;
    request.method = line.GetString("method");
    request.knob = line.GetString("knob");
    request.metric = line.GetString("metric");
    LRB_ASSIGN_OR_RETURN(request.target, RealFlag(line, "target"));
    LRB_ASSIGN_OR_RETURN(request.low, RealFlag(line, "low"));
    LRB_ASSIGN_OR_RETURN(request.high, RealFlag(line, "high"));
    LRB_ASSIGN_OR_RETURN(const int64_t probes, IntegerFlag(line, "probes", 2));
    if (probes > 1000) {
      return UsageError(command, absl::StrFormat("--probes=%d: expected at most 1000", probes));
    }
    request.max_probes = static_cast<int>(probes);
    LRB_ASSIGN_OR_RETURN(request.tolerance, RealFlag(line, "tolerance"));
    options.train = line.GetString("train");
    options.backend = line.GetString("backend");
    LRB_ASSIGN_OR_RETURN(const int64_t seed, IntegerFlag(line, "seed", 0));
    LRB_ASSIGN_OR_RETURN(const int64_t threads, IntegerFlag(line, "threads", 0));
    options.seed = static_cast<uint64_t>(seed);
    options.threads = static_cast<int>(threads);
    // A bad request is a bad command line (exit 2), refused before the database is touched.
    if (const absl::Status valid = CheckTuneRequest(request); !valid.ok()) {
      return UsageError(command, valid.message());
    }
    return TuneCommand(options, ResolveUserPath(line.GetString("db")), std::cout);
  }
  LRB_ASSIGN_OR_RETURN(const Suite* suite, SuiteFlag(line));
  if (command == "baseline") {
    return BaselineCommand(*suite, ResolveUserPath(line.GetString("db")),
                           ResolveUserPath(line.GetString("out")), std::cerr);
  }
  if (command == "report") {
    ReportRequest request;
    request.db_path = ResolveUserPath(line.GetString("db"));
    request.out_path = ResolveUserPath(line.GetString("out"));
    request.suite = suite;
    request.include_unclean = line.GetBool("all");
    if (!line.GetString("dataset").empty()) {
      LRB_ASSIGN_OR_RETURN(const datasets::Dataset dataset,
                           datasets::LoadDataset(ResolveUserPath(line.GetString("dataset"))));
      request.dataset_hash = dataset.content_hash;
      request.dataset_spec = dataset.spec;
    }
    return ReportCommand(request, std::cout);
  }
  if (command == "generate") {
    return GenerateSuiteCommand(*suite, ResolveUserPath(line.GetString("out")), /*threads=*/0,
                                &std::cerr);
  }
  if (command == "slurm") {
    // The jobs run a copy of this very binary.
    std::error_code error;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error) {
      return absl::InternalError("cannot find the running binary (/proc/self/exe): " +
                                 error.message());
    }
    return SlurmCommand(*suite,
                        SlurmCommandFlags{.shards = line.GetString("shards"),
                                          .partition = line.GetString("partition"),
                                          .time = line.GetString("time"),
                                          .cpus = line.GetString("cpus"),
                                          .out_dir = ResolveUserPath(line.GetString("out")),
                                          .submit = line.GetBool("submit")},
                        self.string(), std::cout);
  }
  const std::string db_path = ResolveUserPath(line.GetString("db"));
  if (command == "run") {
    RunCommandOptions options;
    options.force = line.GetBool("force");
    options.export_models_dir = ResolveUserPath(line.GetString("export_models"));
    options.data_dir = ResolveUserPath(line.GetString("data"));
    options.dry_run = line.GetBool("dry_run");
    for (absl::string_view path :
         absl::StrSplit(line.GetString("reuse_from"), ',', absl::SkipEmpty())) {
      options.reuse_from.push_back(ResolveUserPath(std::string(path)));
    }
    LRB_ASSIGN_OR_RETURN(options.filter, RunFilterFlags(line));
    LRB_ASSIGN_OR_RETURN(const int64_t jobs, IntegerFlag(line, "jobs", 1));
    LRB_ASSIGN_OR_RETURN(const int64_t threads, IntegerFlag(line, "threads", 0));
    options.jobs = static_cast<int>(std::min<int64_t>(jobs, 1024));
    options.threads = static_cast<int>(std::min<int64_t>(threads, 1024));
    return RunCommand(*suite, db_path, options);
  }
  // leaderboard
  LeaderboardOptions board_options;
  board_options.rank_by = line.GetString("rank_by");
  board_options.include_unclean = line.GetBool("all");
  const absl::StatusOr<leaderboard::BoardFormat> board_format =
      leaderboard::ParseBoardFormat(line.GetString("format"));
  if (!board_format.ok()) return UsageError(command, board_format.status().message());
  board_options.format = *board_format;
  if (!std::filesystem::exists(db_path)) {
    // Reading must not leave an empty database behind a mistyped path.
    return absl::NotFoundError(absl::StrFormat(
        "no database at %s; `lrb run --suite=%s --db=%s` creates it", db_path, suite->name,
        db_path));
  }
  // Read-only: no migration, no journal-mode switch, nothing written.
  LRB_ASSIGN_OR_RETURN(auto store, leaderboard::Store::OpenReadOnly(db_path));
  if (!line.GetString("dataset").empty()) {
    LRB_ASSIGN_OR_RETURN(const datasets::Dataset dataset,
                         datasets::LoadDataset(ResolveUserPath(line.GetString("dataset"))));
    return PrintDatasetLeaderboard(*store, dataset.content_hash, dataset.spec, board_options);
  }
  return PrintLeaderboard(*store, *suite, board_options);
}

int Main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const absl::StatusOr<CommandLine> line = ParseCommandLine(LrbCommands(), args);
  const absl::Status status = line.ok() ? Dispatch(*line) : line.status();
  return ReportAndGetExitCode("lrb", LrbCommands(), status, std::cerr);
}

}  // namespace
}  // namespace lrb::bench

int main(int argc, char** argv) { return lrb::bench::Main(argc, argv); }
