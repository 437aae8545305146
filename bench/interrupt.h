#ifndef LRB_BENCH_INTERRUPT_H_
#define LRB_BENCH_INTERRUPT_H_

// SIGINT (Ctrl-C) and SIGTERM during `lrb run`: the runs in flight are marked "interrupted"
// with a message saying which signal came after how long, and then the process dies of that
// signal, as it would have without us (the shell sees 130 / 143), so scripts and loops
// that stop on Ctrl-C still do.
//
// How: the signal handler only writes the signal number to a pipe (async-signal-safe); a
// watcher thread reads it, marks the tracked run through its Store (whose mutex serialises
// this with whatever the run loop is doing to the database), restores the default
// disposition and re-raises the signal. Blocking the signals in every thread and calling
// sigwait would be the other clean way, but it needs every thread to be started after the
// mask is set, which a library that starts threads of its own (a BLAS, say) does not promise.
// Training is untouched: it is simply cut off, like any killed process.
//
// A second signal while the first is being handled changes nothing; the first one decides.
// SIGKILL cannot be caught: such a run stays "running" with a dead owner, which the next
// `lrb run` retries and the board counts as abandoned.

#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "bench/run_tracker.h"
#include "leaderboard/store/store.h"

namespace lrb::bench {

class InterruptHandler : public RunTracker {
 public:
  // Installs the SIGINT and SIGTERM handlers and starts the watcher thread. One per process
  // (a second Install fails). `log` (may be null) gets one line saying what was done; it
  // must outlive the process's use of the handler.
  static absl::StatusOr<std::unique_ptr<InterruptHandler>> Install(std::ostream* log);

  // The handler stays installed for the life of the process (the watcher thread is
  // detached); destroying this object only stops tracking.
  ~InterruptHandler() override;

  void RunStarted(leaderboard::Store& store, int64_t run_id,
                  const std::string& description) override;
  void RunEnded(int64_t run_id) override;

  // What the watcher does on `signal`, without dying: marks every tracked run (`lrb run
  // --jobs=N` trains up to N at once) and returns the messages it stored, one per run marked,
  // in the order the runs started (empty when no run was in flight). For tests.
  std::vector<std::string> MarkInterrupted(int signal);

 private:
  explicit InterruptHandler(std::ostream* log) : log_(log) {}
  void Watch(int read_fd);

  std::ostream* const log_;
  absl::Mutex mu_;
  struct InFlight {
    leaderboard::Store* store = nullptr;
    int64_t run_id = 0;
    std::string description;
    std::chrono::steady_clock::time_point started;
  };
  std::vector<InFlight> in_flight_ ABSL_GUARDED_BY(mu_);  // in the order they started
};

}  // namespace lrb::bench

#endif  // LRB_BENCH_INTERRUPT_H_
