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
// where SE = s x sqrt(1 / n_b + 1 / n_c) is the standard error of the difference of the two
// means, with s the sample standard deviation over the base's n_b seeds (the candidate's
// when the base has one seed; 0 with one seed a side). The candidate's own spread does not
// count when the base has one: a change that makes one seed collapse widens it and would
// excuse itself (tests/lrb_results_test.cc plants exactly that). The fixed
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
