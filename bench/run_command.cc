#include "bench/run_command.h"

#include <unistd.h>

#include <iostream>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/interrupt.h"
#include "bench/leaderboard_command.h"
#include "bench/runner.h"
#include "leaderboard/store/store.h"
#include "util/status_macros.h"

namespace lrb::bench {

absl::Status RunCommand(const Suite& suite, const std::string& db_path,
                        const RunCommandOptions& command) {
  LRB_ASSIGN_OR_RETURN(const std::unique_ptr<InterruptHandler> interrupts,
                       InterruptHandler::Install(&std::cerr));
  LRB_ASSIGN_OR_RETURN(const std::unique_ptr<leaderboard::Store> store,
                       leaderboard::Store::Open(db_path));
  RunOptions options;
  options.force = command.force;
  options.export_models_dir = command.export_models_dir;
  options.log = &std::cerr;
  options.log_is_terminal = isatty(STDERR_FILENO) == 1;
  options.tracker = interrupts.get();
  std::cerr << absl::StrFormat("suite %s: %d runs into %s\n", suite.id(), suite.size(), db_path);
  LRB_ASSIGN_OR_RETURN(const RunSummary summary, RunSuite(suite, *store, options));
  std::cerr << absl::StrFormat("trained %d, reused %d, failed %d, skipped %d", summary.trained,
                               summary.reused, summary.failed, summary.skipped_held);
  if (summary.skipped_held > 0) std::cerr << " (being trained by another process)";
  std::cerr << "\n";
  if (summary.retried > 0) {
    std::cerr << absl::StrFormat(
        "%d of them replaced an earlier failed, interrupted, abandoned or incomplete attempt\n",
        summary.retried);
  }
  if (summary.reused_not_exported > 0) {
    std::cerr << absl::StrFormat(
        "%d reused run(s) were not exported: a stored run keeps no model; add --force to "
        "retrain and export them\n",
        summary.reused_not_exported);
  }
  std::cerr << "\n";
  // Show this machine's results even from a dirty tree, marked as such.
  LRB_RETURN_IF_ERROR(PrintLeaderboard(*store, suite, /*include_unclean=*/true));
  if (summary.AllSucceeded()) return absl::OkStatus();
  std::vector<std::string> problems;
  if (summary.failed > 0) {
    problems.push_back(absl::StrFormat("%d run(s) of %s failed; their errors are in the runs "
                                       "table of %s",
                                       summary.failed, suite.id(), db_path));
  }
  if (summary.export_failed > 0) {
    problems.push_back(absl::StrCat(summary.export_failed, " model export(s) to ",
                                    command.export_models_dir,
                                    " failed (their runs are recorded ok)"));
  }
  return absl::AbortedError(absl::StrJoin(problems, "; "));
}

}  // namespace lrb::bench
