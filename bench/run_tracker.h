#ifndef LRB_BENCH_RUN_TRACKER_H_
#define LRB_BENCH_RUN_TRACKER_H_

// The run a process is training right now, for whoever must act on it from outside the run
// loop (the signal handler of interrupt.h marks it interrupted).

#include <cstdint>
#include <string>

#include "leaderboard/store/store.h"

namespace lrb::bench {

class RunTracker {
 public:
  virtual ~RunTracker() = default;
  // Run `run_id` of `store` has been claimed and is about to train. `store` outlives the
  // matching RunEnded call. `description` names the run for messages.
  virtual void RunStarted(leaderboard::Store& store, int64_t run_id,
                          const std::string& description) = 0;
  // Run `run_id` has been finished, failed or given up; it is no longer this process's.
  virtual void RunEnded(int64_t run_id) = 0;
};

}  // namespace lrb::bench

#endif  // LRB_BENCH_RUN_TRACKER_H_
