#ifndef LRB_BENCH_COMPARE_METRICS_H_
#define LRB_BENCH_COMPARE_METRICS_H_

// The metrics `lrb compare` gates on: for each, which direction is better and how far a
// candidate may fall behind its base before it is a regression. One table, read by
// `lrb baseline` (which stores these metrics) and `lrb compare` (which judges them);
// docs/submitting.md explains it. Metric names are docs/metrics.md's.
//
// A difference is a regression when the candidate's mean over seeds is worse than the
// base's by more than
//     absolute + relative x |base mean| + features / features_scored + kSpreadFactor x SE
// where SE = sqrt(s_b^2 / n_b + s_c^2 / n_c) is the standard error of the difference of the
// two means from the seeds' sample standard deviations (0 with one seed a side). The fixed
// part absorbs what is not seed noise: the last float bits differ between SIMD targets
// (AVX2 vs AVX-512) and thread counts, which moves a cosine near a threshold across it
// (a feature's worth of M_GT) and compounds through training into small drifts of every
// metric. Not gated: counts and budgets with no better direction (eval.l0,
// features_scored, absorption.children_scored), training diagnostics (train.*), timings,
// and the rest of the M_GT curve, which moves with the two thresholds gated here.

#include <string>
#include <vector>

namespace lrb::bench {

enum class Better { kHigher, kLower };

struct MetricRule {
  std::string name;
  Better better = Better::kHigher;
  double absolute = 0;  // in the metric's units
  double relative = 0;  // fraction of |base mean|
  double features = 0;  // this many ground-truth features' worth (/ features_scored)
};

// Spread allowance in standard errors of the difference of the means.
inline constexpr double kSpreadFactor = 3.0;

// The metric carrying the number of scored features, for MetricRule::features.
inline constexpr char kFeaturesScoredMetric[] = "features_scored";

const std::vector<MetricRule>& GatedMetrics();

// The rule for `name`, or nullptr when it is not gated.
const MetricRule* FindMetricRule(const std::string& name);

}  // namespace lrb::bench

#endif  // LRB_BENCH_COMPARE_METRICS_H_
