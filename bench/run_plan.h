#ifndef LRB_BENCH_RUN_PLAN_H_
#define LRB_BENCH_RUN_PLAN_H_

// Which runs of a suite one `lrb run` trains: the suite's matrix (datasets x fitting methods
// x backends x seeds, in that nesting order), narrowed by filters, then cut into shards.
//
// Shards are contiguous blocks of the filtered matrix in matrix order: shard I of N takes
// positions [I*M/N, (I+1)*M/N) of the M runs. The assignment depends only on the suite and
// the filters (never on the database, the machine or the order filter values are written
// in), so N machines given the same filters and shards 0..N-1 train every run exactly once;
// blocks keep a dataset's runs together, so a shard loads few datasets.

#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "bench/suites.h"

namespace lrb::bench {

// --shard=I/N.
struct Shard {
  int index = 0;
  int count = 1;
};

// Each list empty = no restriction. Values are matched against the suite's canonical
// specs, so a filter value that matches nothing is an error (it names the value and lists
// what exists), never a silently empty run.
struct RunFilter {
  // Canonical method specs, or globs over them (`*` any text, `?` one character), e.g.
  // "sae.topk*"; a value without wildcards is canonicalised first, so shorthand works.
  std::vector<std::string> methods;
  std::vector<std::string> backends;   // "scalar", "simd"
  std::vector<std::string> anchoring;  // "off" (no +anchor), "on" (with +anchor)
  // Replaces the suite's seeds when set.
  std::optional<std::vector<uint64_t>> seeds;
  // Dataset indices ("0", "dataset_00" as `lrb generate` names them) or globs over
  // canonical dataset specs ("lrb_hier*").
  std::vector<std::string> datasets;
  Shard shard;
};

// One run of the plan, before its dataset exists (the run key needs the dataset's hash).
struct PlannedRun {
  int64_t position = 0;       // in the filtered matrix, before sharding (stable run number)
  int dataset_index = 0;      // into Suite::datasets
  std::string dataset_spec;   // canonical
  std::string method_spec;    // canonical
  std::string backend;        // requested: "scalar" or "simd"
  uint64_t seed = 0;
};

struct RunPlan {
  int64_t matrix_runs = 0;     // after the filters, before sharding
  std::vector<PlannedRun> runs;  // this shard's, in matrix order
};

absl::StatusOr<RunPlan> PlanRuns(const Suite& suite, const RunFilter& filter);

// Flag values. Errors are InvalidArgument naming the flag and the bad value.
// "I/N" with 0 <= I < N.
absl::StatusOr<Shard> ParseShard(absl::string_view text);
// A list of seeds and inclusive ranges: "0,5", "0-4" (five seeds), "0-2,10".
absl::StatusOr<std::vector<uint64_t>> ParseSeedList(absl::string_view text);
// Splits a comma-separated list at commas outside parentheses, so that method and dataset
// specs ("sae.topk(latents=640,k=6)") can be list items. Empty items are dropped.
std::vector<std::string> SplitSpecList(absl::string_view text);

// `*` matches any text (also empty), `?` one character; everything else is literal.
bool GlobMatch(absl::string_view pattern, absl::string_view text);

}  // namespace lrb::bench

#endif  // LRB_BENCH_RUN_PLAN_H_
