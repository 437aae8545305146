#ifndef LRB_BENCH_RESULTS_FILE_H_
#define LRB_BENCH_RESULTS_FILE_H_

// Finished runs in the form baselines and comparisons use (`lrb baseline`, `lrb compare`),
// read from a database or from a committed baseline file.
//
// A baseline file is deterministic and diff-friendly: JSON with sorted keys, one run per
// line, runs sorted by configuration then seed, the gated metrics (compare_metrics.h) and
// features_scored rounded to 6 significant digits (far below every tolerance, and above the
// last-bit differences between SIMD targets, so regenerating it on another machine mostly
// changes nothing). No timestamps, hostnames, run keys or SIMD targets (they vary by
// machine, not by result):
//   {"format": "lrb-baseline@1", "suite": "smoke@1", "scorer_version": "score@2", "runs": [
//   {"backend": "simd", "dataset_hash": ..., "dataset_spec": ..., "method_spec": ...,
//    "metrics": {...}, "scorer_version": ..., "seed": 0, "suite": ..., "train_spec": ...},
//   ...
//   ]}

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/suites.h"

namespace lrb::bench {

inline constexpr char kBaselineFormat[] = "lrb-baseline@1";

struct ResultRow {
  std::string suite;  // "" for runs outside suites
  std::string dataset_spec;
  std::string dataset_hash;
  std::string method_spec;
  std::string train_spec;
  std::string backend;  // requested ("scalar", "simd"): the SIMD target is not part of it
  std::string scorer_version;
  uint64_t seed = 0;
  std::map<std::string, double> metrics;
};

// Whole finished runs scored by this lrb's scorer (kScorerVersion) in `path`, a database
// (.db; SQLite, recognised by its header) or a baseline file (JSON), keeping only those of
// `suite_id` when it is not empty. A database's run belongs to every suite it serves
// (Store::LoadRuns): with a suite it is that suite's row; without one, it is one row per
// suite it belongs to. Errors name the file and what is wrong with it.
absl::StatusOr<std::vector<ResultRow>> LoadResults(const std::string& path,
                                                   const std::string& suite_id);

// The baseline file text for `rows` (any order; sorted here).
std::string FormatBaseline(const std::string& suite_id, std::vector<ResultRow> rows);

// `lrb baseline --suite=NAME --db=PATH --out=FILE.json`: writes the suite's results as a
// baseline file (atomically). Fails when the database has no finished run of the suite.
absl::Status BaselineCommand(const Suite& suite, const std::string& db_path,
                             const std::string& out_path, std::ostream& log);

}  // namespace lrb::bench

#endif  // LRB_BENCH_RESULTS_FILE_H_
