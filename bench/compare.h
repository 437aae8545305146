#ifndef LRB_BENCH_COMPARE_H_
#define LRB_BENCH_COMPARE_H_

// `lrb compare BASE CANDIDATE`: did the candidate's results get worse than the base's?
//
// Runs are grouped by configuration: the run key without the seed and without the SIMD
// target (suite, dataset spec, method spec, train spec, requested backend, scorer version;
// the family version is part of the method's canonical behaviour and is not stored
// separately). For each configuration of the base and each gated metric
// (compare_metrics.h), the means over seeds are compared; a regression is a candidate mean
// worse than the base mean by more than the metric's allowance.
//
// A configuration of the base missing from the candidate (or one of its gated metrics
// missing) fails the comparison too: a CI gate must not pass because a run did not happen.
// So does a configuration whose dataset hash changed (the numbers are not comparable; the
// baseline must be rewritten on purpose with `lrb baseline`). Configurations only in the
// candidate are listed as new and pass.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bench/compare_metrics.h"
#include "bench/results_file.h"

namespace lrb::bench {

// One configuration (run key minus seed and SIMD target).
struct Configuration {
  std::string suite, dataset_spec, method_spec, train_spec, backend, scorer_version;
  auto operator<=>(const Configuration&) const = default;
};

// The seeds' values of one metric of one configuration.
struct Samples {
  int count = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation; 0 for one value
};

struct MetricVerdict {
  Configuration configuration;
  std::string metric;
  Samples base, candidate;
  double change = 0;   // candidate mean - base mean
  double allowed = 0;  // how much worse the candidate may be (>= 0)
  enum class Kind { kSame, kBetter, kRegression } kind = Kind::kSame;
};

struct Comparison {
  int configurations_compared = 0;
  std::vector<MetricVerdict> verdicts;           // every gated metric compared
  std::vector<Configuration> missing;            // in base, not in candidate
  std::vector<std::string> missing_metrics;      // "config: metric", in base, not in candidate
  std::vector<std::string> dataset_changes;      // "config: hash a -> b"
  std::vector<Configuration> added;              // in candidate only

  int regressions() const;
  // Whether the candidate fails the gate: a regression, a missing configuration or metric,
  // a changed dataset.
  bool failed() const;
};

Comparison CompareResults(const std::vector<ResultRow>& base,
                          const std::vector<ResultRow>& candidate);

enum class CompareFormat { kText, kMarkdown };

// Text: a summary line, then one line per regression, missing configuration, dataset change
// and improvement (unchanged metrics are counted, not listed). Markdown: the same as a
// summary line and a table, for a pull-request comment.
std::string FormatComparison(const Comparison& comparison, const std::string& base_name,
                             const std::string& candidate_name, CompareFormat format);

// Loads both sides (LoadResults), compares, prints to `out`; FailedPrecondition (exit 1)
// when the comparison failed. suite_id "" compares every suite.
absl::Status CompareCommand(const std::string& base_path, const std::string& candidate_path,
                            const std::string& suite_id, CompareFormat format,
                            std::ostream& out);

}  // namespace lrb::bench

#endif  // LRB_BENCH_COMPARE_H_
