#ifndef LRB_BENCH_RUN_COMMAND_H_
#define LRB_BENCH_RUN_COMMAND_H_

// `lrb run`: trains a suite into a database and prints its board.

#include <string>

#include "absl/status/status.h"
#include "bench/suites.h"

namespace lrb::bench {

struct RunCommandOptions {
  bool force = false;             // retrain finished runs
  std::string export_models_dir;  // "" for none
};

// Opens (creating) the database, handles SIGINT/SIGTERM (interrupt.h: the run in flight is
// marked interrupted and the process dies of the signal), runs the suite with progress on
// stderr, prints a summary line and the board. OK only when every run it tried was recorded
// ok and every requested export was written: a failed run or export is an error (exit 1)
// after the board is printed, so scripts and CI notice it.
absl::Status RunCommand(const Suite& suite, const std::string& db_path,
                        const RunCommandOptions& options);

}  // namespace lrb::bench

#endif  // LRB_BENCH_RUN_COMMAND_H_
