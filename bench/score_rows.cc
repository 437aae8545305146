#include "bench/score_rows.h"

#include <utility>
#include <vector>

namespace lrb::bench {

std::vector<leaderboard::FeatureRow> ToFeatureRows(
    const std::vector<scoring::FeatureScore>& features) {
  std::vector<leaderboard::FeatureRow> rows;
  rows.reserve(features.size());
  for (const scoring::FeatureScore& f : features) {
    leaderboard::FeatureRow& row = rows.emplace_back();
    row.feature = f.feature;
    row.best_latent = f.best_latent;
    row.best_cosine = f.best_cosine;
    row.anchored = f.anchored;
    row.recovered = f.recovered;
    row.firing_frequency = f.firing_frequency;
    row.latent_firing_frequency = f.latent_firing_frequency;
    row.absorbed = f.absorbed;
    row.parent = f.parent;
    row.absorption_rate = f.absorption_rate;
    row.absorption_taker = f.absorption_taker;
  }
  return rows;
}

void RecordScores(scoring::RunScores&& scores, leaderboard::RunRecord& record) {
  record.metrics = std::move(scores.metrics);
  record.features = ToFeatureRows(scores.features);
}

}  // namespace lrb::bench
