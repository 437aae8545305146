#ifndef LRB_BENCH_SLURM_SCRIPTS_H_
#define LRB_BENCH_SLURM_SCRIPTS_H_

// The job scripts `lrb slurm` writes: a suite split into N shards run as one Slurm job array,
// between a job that generates the suite's datasets once and a job that merges the shards'
// databases. Pure text generation and flag validation; bench/slurm_command.cc does the I/O.
//
// Layout of the job directory (every path absolute, on a filesystem all nodes see):
//   bin/lrb              the binary the jobs run (a copy of the one that wrote the scripts)
//   generate.sbatch      `lrb generate --suite=S --out=data`, once
//   array.sbatch         array 0..N-1; task I: `lrb run --shard=I/N --data=data
//                        --db=shard-I.db`, then the marker shard-I.done
//   merge.sbatch         `lrb merge --db=S.db --data=data shard-*.db` when every marker is
//                        there; else names the missing shards and how to resubmit them,
//                        and fails
//   submit.sh            sbatch of the three, each --dependency=afterok on the one before
//   logs/                the jobs' output (generate-JOB.out, shard-I.out, merge-JOB.out)
//   jobs                 the job ids of the last submit.sh (generate, array, merge)

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lrb::bench {

struct SlurmJobSpec {
  std::string suite;          // suite name, e.g. "smoke"
  std::string suite_id;       // e.g. "smoke@1", for the scripts' header
  int shards = 1;             // 1 <= shards <= runs in the suite
  std::string partition;      // "" = the cluster's default partition
  std::string time_limit;     // "" = the partition's default; else a Slurm time (CheckSlurmTime)
  int cpus_per_task = 1;      // also each task's `lrb run --threads`
  std::string out_dir;        // absolute, no trailing slash; CheckJobDirectoryPath holds
  std::string binary_source;  // where bin/lrb was copied from (for the header)
  std::string binary_hash;    // StableHasher hex digest of bin/lrb (for the header)
};

// --shards: an integer in [1, suite_runs] (more shards than runs would leave tasks with
// nothing to do).
absl::StatusOr<int> ParseShardCount(absl::string_view text, int64_t suite_runs);

// --cpus: an integer in [1, 1024].
absl::StatusOr<int> ParseCpusPerTask(absl::string_view text);

// --time: one of Slurm's forms, MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS (fields after
// the first below 60, hours after a day below 24), not zero; or "" for none.
absl::Status CheckSlurmTime(absl::string_view text);

// --partition: "" or a comma-separated list of names made of letters, digits, '_', '-', '.'.
absl::Status CheckPartition(absl::string_view text);

// The job directory is written into #SBATCH lines, which Slurm reads with its own quoting
// ('"') and filename patterns ('%'): an absolute path without '"', '%', '\\' or control
// characters.
absl::Status CheckJobDirectoryPath(absl::string_view path);

// `text` as one word for bash: single-quoted unless it is made only of safe characters.
std::string ShellQuote(absl::string_view text);

struct SlurmScripts {
  std::string generate;  // generate.sbatch
  std::string array;     // array.sbatch
  std::string merge;     // merge.sbatch
  std::string submit;    // submit.sh
};

// The four scripts for `spec` (which the Parse/Check functions above have accepted).
SlurmScripts MakeSlurmScripts(const SlurmJobSpec& spec);

}  // namespace lrb::bench

#endif  // LRB_BENCH_SLURM_SCRIPTS_H_
