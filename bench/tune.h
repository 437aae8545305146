#ifndef LRB_BENCH_TUNE_H_
#define LRB_BENCH_TUNE_H_

// The search behind `lrb tune` (docs/results.md, "How the budget was chosen"): the value of
// one real knob of a method that brings one metric of its runs to a target, e.g. the L1
// coefficient of a ReLU SAE at which eval.l0 is 64, so that families without a k are
// compared with TopK at a matched L0. Each probe is a whole run (train and score), so the
// search is written against a `measure` function and knows nothing of training.
//
// The metric is assumed monotone in the knob over [low, high] (L0 falls as an L1 or L0
// coefficient grows). Knob values are searched on a log scale, where such coefficients act:
// first both ends, then log-log regula falsi between the bracketing probes (a power law is
// hit in one step) with the Illinois rule for curved metrics, kept inside the middle 80% of
// the bracket so that it shrinks every time. Every probe value is rounded to 3 significant digits, so the specs are
// readable and the same search proposes the same specs, which a store then reuses.

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace lrb::bench {

struct TuneRequest {
  std::string method;  // a method spec; its value of `knob`, if any, is replaced by each probe
  std::string knob;    // a real knob of the method's family, e.g. "l1"
  std::string metric;  // a stored metric, e.g. "eval.l0"
  double target = 0;   // the value `metric` should reach
  double low = 0, high = 0;  // the knob's search interval, 0 < low < high
  int max_probes = 8;        // at least 2 (both ends)
  double tolerance = 0.1;    // done when |metric - target| <= tolerance * |target|
};

struct TuneProbe {
  double value = 0;         // the knob's value
  std::string method_spec;  // canonical, with that value
  double metric = 0;        // what the run measured
};

struct TuneResult {
  std::vector<TuneProbe> probes;  // in the order they were run
  size_t best = 0;                // the probe closest to the target
  bool converged = false;         // probes[best] is within the tolerance
};

// Returns the metric of the run of `method_spec` (training it, or reusing a finished run).
using MeasureMetric = std::function<absl::StatusOr<double>(const std::string& method_spec)>;

// OK when the request can be searched: its method parses, its knob is a real knob of the
// method's family whose range holds [low, high], 0 < low < high, max_probes >= 2 and
// tolerance > 0; else InvalidArgument naming the bad value and what is expected.
absl::Status CheckTuneRequest(const TuneRequest& request);

// Fails with InvalidArgument for a bad request (unknown knob, an integer knob, an interval
// outside the knob's range or not 0 < low < high, max_probes < 2, tolerance <= 0), with
// FailedPrecondition when the target lies outside the metric's values at the two ends (the
// message gives both and says which way to widen), and with measure's error. Otherwise the
// probes run, converged or not.
absl::StatusOr<TuneResult> Tune(const TuneRequest& request, const MeasureMetric& measure);

// `value` rounded to 3 significant digits.
double RoundToThreeDigits(double value);

}  // namespace lrb::bench

#endif  // LRB_BENCH_TUNE_H_
