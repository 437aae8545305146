#ifndef LRB_BENCH_ENVIRONMENT_H_
#define LRB_BENCH_ENVIRONMENT_H_

// Captures where and how this process runs, for every stored result.

#include "leaderboard/store/run_record.h"

namespace lrb::bench {

// CPU model, best SIMD target, compiler, build mode, library versions, hostname, and —
// when run through `bazel run` (BUILD_WORKSPACE_DIRECTORY set) — the git commit and dirty
// flag of the source tree the binary was built from. `threads` is recorded as given.
leaderboard::Environment CaptureEnvironment(int threads);

}  // namespace lrb::bench

#endif  // LRB_BENCH_ENVIRONMENT_H_
