#ifndef LRB_TOOLS_MANN_WHITNEY_H_
#define LRB_TOOLS_MANN_WHITNEY_H_

// The Mann-Whitney U test (two-sided), as Google Benchmark's compare.py runs it through
// scipy.stats.mannwhitneyu: the normal approximation with the tie correction and the
// continuity correction. It asks whether one sample tends to be larger than the other without
// assuming the timings are normal (they are not: skewed, with outliers from the machine).
// With few samples the approximation is rough; compare.py recommends 9 or more per side.

#include <vector>

#include "absl/status/statusor.h"

namespace lrb::tools {

struct MannWhitneyResult {
  // U of the first sample: the number of pairs (a, b) with a > b, ties counting one half.
  // U of the second sample is a.size() * b.size() - u.
  double u = 0;
  // Standard normal deviate of max(U, U') after the continuity correction; 0 when every
  // value is tied.
  double z = 0;
  // Two-sided p-value in [0, 1]: the probability of a U this far from n1 n2 / 2 when both
  // samples come from one distribution. 1 when every value is tied (no evidence either way).
  double p_value = 1;
};

// InvalidArgument when a sample is empty or holds a NaN or an infinity (naming which).
absl::StatusOr<MannWhitneyResult> MannWhitneyU(const std::vector<double>& a,
                                               const std::vector<double>& b);

}  // namespace lrb::tools

#endif  // LRB_TOOLS_MANN_WHITNEY_H_
