#include "leaderboard/store/run_difference.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lrb::leaderboard {
namespace {

std::string Field(std::string_view name, std::string_view a, std::string_view b) {
  if (a == b) return "";
  return absl::StrFormat("%s: \"%s\" vs \"%s\"", name, a, b);
}

std::string DescribeExternal(const std::optional<ExternalSubmission>& external) {
  if (!external.has_value()) return "not external";
  return absl::StrFormat("external %s (model %s, hash %s, %s)", external->name,
                         external->model_path, external->model_hash, external->activation);
}

std::string FeatureDifference(const FeatureRow& a, const FeatureRow& b) {
  if (a.best_latent != b.best_latent || a.best_cosine != b.best_cosine ||
      a.anchored != b.anchored || a.recovered != b.recovered ||
      a.firing_frequency != b.firing_frequency ||
      a.latent_firing_frequency != b.latent_firing_frequency || a.absorbed != b.absorbed) {
    return absl::StrFormat("feature %d: latent %d cosine %.17g vs latent %d cosine %.17g (or "
                           "its flags and frequencies differ)",
                           a.feature, a.best_latent, a.best_cosine, b.best_latent,
                           b.best_cosine);
  }
  if (a.parent != b.parent || a.absorption_rate != b.absorption_rate ||
      a.absorption_taker != b.absorption_taker) {
    return absl::StrFormat(
        "feature %d: parent %d absorption rate %.17g taker %d vs parent %d absorption rate "
        "%.17g taker %d",
        a.feature, a.parent, a.absorption_rate, a.absorption_taker, b.parent, b.absorption_rate,
        b.absorption_taker);
  }
  return "";
}

}  // namespace

std::string FirstDifference(const RunRecord& a, const RunRecord& b) {
  for (const std::string& difference :
       {Field("run_key", a.run_key, b.run_key),
        Field("dataset_spec", a.dataset_spec, b.dataset_spec),
        Field("dataset_hash", a.dataset_hash, b.dataset_hash),
        Field("method_spec", a.method_spec, b.method_spec),
        Field("train_spec", a.train_spec, b.train_spec), Field("backend", a.backend, b.backend),
        Field("backend_used", a.backend_used, b.backend_used),
        Field("seed", absl::StrCat(a.seed), absl::StrCat(b.seed)),
        Field("scorer_version", a.scorer_version, b.scorer_version),
        Field("provenance", DescribeExternal(a.external), DescribeExternal(b.external))}) {
    if (!difference.empty()) return difference;
  }
  std::map<std::string_view, double> b_metrics;
  for (const auto& [name, value] : b.metrics) b_metrics.emplace(name, value);
  for (const auto& [name, value] : a.metrics) {
    const auto it = b_metrics.find(name);
    if (it == b_metrics.end()) return absl::StrFormat("metric \"%s\" only in the first", name);
    if (it->second != value) {
      return absl::StrFormat("metric \"%s\": %.17g vs %.17g", name, value, it->second);
    }
  }
  if (b.metrics.size() != a.metrics.size()) {
    return absl::StrFormat("%d metrics vs %d", a.metrics.size(), b.metrics.size());
  }
  std::map<int32_t, const FeatureRow*> b_features;
  for (const FeatureRow& row : b.features) b_features.emplace(row.feature, &row);
  for (const FeatureRow& row : a.features) {
    const auto it = b_features.find(row.feature);
    if (it == b_features.end()) return absl::StrFormat("feature %d only in the first", row.feature);
    if (std::string d = FeatureDifference(row, *it->second); !d.empty()) return d;
  }
  if (b.features.size() != a.features.size()) {
    return absl::StrFormat("%d feature rows vs %d", a.features.size(), b.features.size());
  }
  std::map<std::pair<std::string_view, int64_t>, double> b_points;
  for (const TrajectoryPoint& point : b.trajectory) {
    b_points.emplace(std::pair<std::string_view, int64_t>(point.metric, point.step), point.value);
  }
  for (const TrajectoryPoint& point : a.trajectory) {
    const auto it = b_points.find({point.metric, point.step});
    if (it == b_points.end()) {
      return absl::StrFormat("trajectory \"%s\" step %d only in the first", point.metric,
                             point.step);
    }
    if (it->second != point.value) {
      return absl::StrFormat("trajectory \"%s\" step %d: %.17g vs %.17g", point.metric,
                             point.step, point.value, it->second);
    }
  }
  if (b.trajectory.size() != a.trajectory.size()) {
    return absl::StrFormat("%d trajectory points vs %d", a.trajectory.size(),
                           b.trajectory.size());
  }
  return "";
}

}  // namespace lrb::leaderboard
