#include "tools/mann_whitney.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace lrb::tools {
namespace {

absl::Status CheckSample(const std::vector<double>& sample, const char* which) {
  if (sample.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat("the %s sample is empty", which));
  }
  for (size_t i = 0; i < sample.size(); ++i) {
    if (!std::isfinite(sample[i])) {
      return absl::InvalidArgumentError(
          absl::StrFormat("the %s sample's value %d is %f; expected a finite number", which, i,
                          sample[i]));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MannWhitneyResult> MannWhitneyU(const std::vector<double>& a,
                                               const std::vector<double>& b) {
  if (absl::Status status = CheckSample(a, "first"); !status.ok()) return status;
  if (absl::Status status = CheckSample(b, "second"); !status.ok()) return status;
  // Pool the samples (value, from a?) and rank them; a run of equal values shares the mean of
  // its ranks, and contributes t^3 - t to the tie correction.
  std::vector<std::pair<double, bool>> pooled;
  pooled.reserve(a.size() + b.size());
  for (const double value : a) pooled.emplace_back(value, true);
  for (const double value : b) pooled.emplace_back(value, false);
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  double rank_sum_a = 0;
  double tie_term = 0;
  for (size_t begin = 0; begin < pooled.size();) {
    size_t end = begin;
    while (end < pooled.size() && pooled[end].first == pooled[begin].first) ++end;
    // Ranks begin + 1 .. end (1-based) share their mean.
    const double mean_rank = (static_cast<double>(begin + 1) + static_cast<double>(end)) / 2;
    for (size_t i = begin; i < end; ++i) {
      if (pooled[i].second) rank_sum_a += mean_rank;
    }
    const double t = static_cast<double>(end - begin);
    tie_term += t * t * t - t;
    begin = end;
  }
  const double n1 = static_cast<double>(a.size());
  const double n2 = static_cast<double>(b.size());
  const double n = n1 + n2;
  MannWhitneyResult result;
  result.u = rank_sum_a - n1 * (n1 + 1) / 2;
  const double mean = n1 * n2 / 2;
  // Variance of U under the null hypothesis, reduced by the ties (n > 1 here: both samples
  // are non-empty).
  const double variance = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)));
  if (variance <= 0) return result;  // every value tied: z = 0, p = 1
  // Two-sided: the larger of U and U', half a unit closer to the mean (continuity).
  const double u_far = std::max(result.u, n1 * n2 - result.u);
  result.z = (u_far - mean - 0.5) / std::sqrt(variance);
  result.p_value = std::clamp(std::erfc(result.z / std::sqrt(2.0)), 0.0, 1.0);
  return result;
}

}  // namespace lrb::tools
