// lrb: the LRB command line. Subcommands in the style of git:
//   lrb run --suite=NAME [--db=PATH] [--force]   generate, train, score, record, print
//   lrb leaderboard --suite=NAME [--db=PATH] [--all]
//   lrb suites
//   lrb generate --suite=NAME --out=DIR           write a suite's dataset files
//   lrb export --dataset=DIR --dense              write x_p.npy (and x_r.npy) for Python
//   lrb import --activations=X.npy [--labels=Y.npy] --out=DIR
// Under `bazel run`, relative paths are resolved against the directory the command was
// typed in (BUILD_WORKING_DIRECTORY), not Bazel's runfiles directory.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "bench/dataset_commands.h"
#include "bench/leaderboard_command.h"
#include "bench/run_command.h"
#include "bench/suites.h"
#include "leaderboard/store.h"
#include "util/status_macros.h"

ABSL_FLAG(std::string, suite, "smoke", "suite to run or show (see `lrb suites`)");
ABSL_FLAG(std::string, db, "lrb.db", "SQLite database file (created if missing)");
ABSL_FLAG(bool, force, false,
          "retrain runs that are already finished (their stored results are replaced)");
ABSL_FLAG(std::string, export_models, "",
          "run: export every model trained to DIR/<run_key>/ (.npy files + model.json)");
ABSL_FLAG(bool, all, false, "leaderboard: include runs from debug builds and dirty trees");
ABSL_FLAG(std::string, out, "", "generate / import: output directory");
ABSL_FLAG(std::string, dataset, "", "export: a dataset directory or a generated suite directory");
ABSL_FLAG(bool, dense, false, "export: write the dense x_p.npy (and x_r.npy)");
ABSL_FLAG(std::string, activations, "", "import: N x d activations (.npy, float32 or float16)");
ABSL_FLAG(std::string, labels, "", "import: optional N integer class labels (.npy)");

namespace lrb::bench {
namespace {

constexpr char kUsage[] =
    "usage: lrb <command> [flags]\n"
    "commands:\n"
    "  run --suite=NAME [--db=lrb.db] [--force] [--export_models=DIR]\n"
    "                                              train and score a suite, print its board\n"
    "  leaderboard --suite=NAME [--db=lrb.db] [--all]\n"
    "  suites                                      list the suites\n"
    "  generate --suite=NAME --out=DIR             write a suite's datasets (.npy + manifest)\n"
    "  export --dataset=DIR --dense                write dense x_p.npy / x_r.npy\n"
    "  import --activations=X.npy [--labels=Y.npy] --out=DIR\n"
    "                                              user activations as a dataset directory\n";

// Relative paths are relative to where the user typed the command.
std::string ResolveUserPath(const std::string& path) {
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path[0] == '/' || cwd == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

// [store helper] `lrb run` lives in bench/run_command.cc; only the flags are read here.
absl::Status Run(const Suite& suite, const std::string& db_path) {
  RunCommandOptions options;
  options.force = absl::GetFlag(FLAGS_force);
  if (!absl::GetFlag(FLAGS_export_models).empty()) {
    options.export_models_dir = ResolveUserPath(absl::GetFlag(FLAGS_export_models));
  }
  return RunCommand(suite, db_path, options);
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() != 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = args[1];
  if (command == "suites") {
    for (const Suite& suite : AllSuites()) {
      std::cout << absl::StrFormat("%-16s %3d runs  %s\n", suite.id(), suite.size(),
                                   suite.description);
    }
    return 0;
  }
  if (command == "export" || command == "import") {
    const absl::Status status =
        command == "export"
            ? ExportDenseCommand(ResolveUserPath(absl::GetFlag(FLAGS_dataset)),
                                 absl::GetFlag(FLAGS_dense), /*threads=*/0, &std::cerr)
            : ImportActivationsCommand(ResolveUserPath(absl::GetFlag(FLAGS_activations)),
                                       ResolveUserPath(absl::GetFlag(FLAGS_labels)),
                                       ResolveUserPath(absl::GetFlag(FLAGS_out)), &std::cerr);
    if (!status.ok()) {
      std::cerr << "lrb: " << status.message() << "\n";
      return 1;
    }
    return 0;
  }
  if (command != "run" && command != "leaderboard" && command != "generate") {
    std::cerr << "lrb: unknown command \"" << command << "\"\n" << kUsage;
    return 2;
  }
  const absl::StatusOr<const Suite*> suite = FindSuite(absl::GetFlag(FLAGS_suite));
  if (!suite.ok()) {
    std::cerr << "lrb: " << suite.status().message() << "\n";
    return 2;
  }
  const std::string db_path = ResolveUserPath(absl::GetFlag(FLAGS_db));
  absl::Status status;
  if (command == "generate") {
    const std::string out = ResolveUserPath(absl::GetFlag(FLAGS_out));
    status = out.empty() ? absl::InvalidArgumentError("generate: --out=DIR is required")
                         : GenerateSuiteCommand(**suite, out, /*threads=*/0, &std::cerr);
  } else if (command == "run") {
    status = Run(**suite, db_path);
  } else if (!std::filesystem::exists(db_path)) {
    // Reading must not leave an empty database behind a mistyped path.
    status = absl::NotFoundError(absl::StrFormat(
        "no database at %s; `lrb run --suite=%s --db=%s` creates it", db_path, (*suite)->name,
        db_path));
  } else {
    auto store = leaderboard::Store::OpenReadOnly(db_path);  // [store helper] read-only
    status = store.ok() ? PrintLeaderboard(**store, **suite, absl::GetFlag(FLAGS_all))
                        : store.status();
  }
  if (!status.ok()) {
    std::cerr << "lrb: " << status.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace lrb::bench

int main(int argc, char** argv) { return lrb::bench::Main(argc, argv); }
