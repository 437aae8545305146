#ifndef LRB_BENCH_SLURM_COMMAND_H_
#define LRB_BENCH_SLURM_COMMAND_H_

// `lrb slurm`: writes a suite's Slurm jobs (bench/slurm_scripts.h says which and what they
// do) into a job directory, with a copy of the running binary, and prints how to submit them;
// --submit also runs the submit script.

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "bench/suites.h"

namespace lrb::bench {

// The flags as given; SlurmCommand validates them (a bad value is a usage error). Every
// member has an initializer, so designated initializers may name any subset.
struct SlurmCommandFlags {
  std::string shards = "1";
  std::string partition = "";  // "" = the cluster's default
  std::string time = "";       // "" = the partition's default
  std::string cpus = "1";
  std::string out_dir = "";    // as resolved by the caller; made absolute here
  bool submit = false;
};

// lrb_binary: the binary to copy into OUT/bin/lrb (the running one: /proc/self/exe).
// A job directory holds one job: OUT must be missing, empty, or hold the scripts of the same
// suite and shard count (which are then rewritten, e.g. for a new binary); anything else is
// refused. `out` receives the summary and instructions.
absl::Status SlurmCommand(const Suite& suite, const SlurmCommandFlags& flags,
                          const std::string& lrb_binary, std::ostream& out);

}  // namespace lrb::bench

#endif  // LRB_BENCH_SLURM_COMMAND_H_
