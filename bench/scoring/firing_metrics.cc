#include "bench/scoring/firing_metrics.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_format.h"
#include "util/status_macros.h"

namespace lrb::scoring {
namespace {

double Ratio(int64_t numerator, int64_t denominator) {
  return denominator > 0 ? static_cast<double>(numerator) / static_cast<double>(denominator)
                         : 0.0;
}

absl::Status CheckShapes(const CodesView& truth, const CodesView& learned,
                         const CosineMatrix& cosines, const std::vector<int32_t>& best_feature,
                         const std::vector<bool>& excluded, const FiringOptions& options) {
  if (truth.rows < 1 || truth.rows != learned.rows) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "firing metrics need the same >= 1 samples in both codes; got %d true and %d learned "
        "rows",
        truth.rows, learned.rows));
  }
  if (truth.cols != cosines.features || learned.cols != cosines.latents ||
      static_cast<int64_t>(best_feature.size()) != learned.cols ||
      static_cast<int64_t>(excluded.size()) != truth.cols) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "firing metrics: %d true features and %d latents in the codes, a %d x %d cosine "
        "matrix, %d best matches and %d exclusion flags",
        truth.cols, learned.cols, cosines.features, cosines.latents, best_feature.size(),
        excluded.size()));
  }
  if (options.min_firings < 1 || !(options.polysemantic_share > 0) ||
      options.polysemantic_share > 0.5) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "firing options: min_firings %d must be >= 1 and polysemantic_share %g in (0, 0.5]",
        options.min_firings, options.polysemantic_share));
  }
  LRB_RETURN_IF_ERROR(ValidateCodes(truth, "true codes"));
  return ValidateCodes(learned, "learned codes");
}

}  // namespace

absl::StatusOr<FiringScores> ScoreFiring(const CodesView& truth, const CodesView& learned,
                                         const CosineMatrix& encoder_cosines,
                                         const std::vector<int32_t>& best_feature,
                                         const std::vector<bool>& excluded,
                                         const FiringOptions& options) {
  LRB_RETURN_IF_ERROR(
      CheckShapes(truth, learned, encoder_cosines, best_feature, excluded, options));
  const int64_t n = truth.cols, n_q = learned.cols;
  FiringScores scores;
  scores.samples = truth.rows;
  scores.latents.resize(n_q);
  scores.feature_active_count.assign(n, 0);
  for (int64_t i = 0; i < n_q; ++i) scores.latents[i].matched_feature = best_feature[i];

  // x_j(s) for the current sample, zero elsewhere (cleared after each sample).
  std::vector<float> true_value(n, 0.0f);
  // One key latent * n + feature per attributed firing; sorted below to count per latent.
  std::vector<int64_t> attributions;
  int64_t total_firings = 0;
  for (int64_t s = 0; s < truth.rows; ++s) {
    for (int64_t e = truth.begin(s); e < truth.end(s); ++e) {
      if (truth.values[e] == 0.0f) continue;
      true_value[truth.indices[e]] = truth.values[e];
      ++scores.feature_active_count[truth.indices[e]];
    }
    for (int64_t e = learned.begin(s); e < learned.end(s); ++e) {
      const float a = learned.values[e];
      if (a == 0.0f) continue;
      const int32_t i = learned.indices[e];
      LatentFiring& latent = scores.latents[i];
      ++latent.firings;
      ++total_firings;
      if (latent.matched_feature >= 0 && true_value[latent.matched_feature] != 0.0f) {
        ++latent.true_positives;
      }
      float best_term = 0.0f;
      int32_t best_j = -1;
      for (int64_t t = truth.begin(s); t < truth.end(s); ++t) {
        const int32_t j = truth.indices[t];
        const float term = (a > 0 ? 1.0f : -1.0f) * truth.values[t] * encoder_cosines.at(j, i);
        if (term > best_term || (term == best_term && best_j >= 0 && j < best_j)) {
          best_term = term;
          best_j = j;
        }
      }
      if (best_j >= 0) attributions.push_back(static_cast<int64_t>(i) * n + best_j);
    }
    for (int64_t e = truth.begin(s); e < truth.end(s); ++e) true_value[truth.indices[e]] = 0.0f;
  }

  // Per latent, count the features holding >= share of its firings.
  std::sort(attributions.begin(), attributions.end());
  for (size_t run = 0; run < attributions.size();) {
    size_t next = run;
    while (next < attributions.size() && attributions[next] == attributions[run]) ++next;
    LatentFiring& latent = scores.latents[attributions[run] / n];
    if (latent.firings >= options.min_firings &&
        static_cast<double>(next - run) >=
            options.polysemantic_share * static_cast<double>(latent.firings)) {
      ++latent.explaining_features;
    }
    run = next;
  }

  int64_t dead = 0, judged = 0, polysemantic = 0, averaged = 0;
  double precision_sum = 0, recall_sum = 0, f1_sum = 0;
  for (LatentFiring& latent : scores.latents) {
    if (latent.firings == 0) {
      ++dead;
      continue;
    }
    if (latent.firings >= options.min_firings) {
      ++judged;
      latent.polysemantic = latent.explaining_features >= 2;
      polysemantic += latent.polysemantic;
    }
    if (latent.matched_feature < 0) continue;
    latent.precision = Ratio(latent.true_positives, latent.firings);
    latent.recall =
        Ratio(latent.true_positives, scores.feature_active_count[latent.matched_feature]);
    const double pr = latent.precision + latent.recall;
    latent.f1 = pr > 0 ? 2 * latent.precision * latent.recall / pr : 0.0;
    if (excluded[latent.matched_feature]) continue;
    ++averaged;
    precision_sum += latent.precision;
    recall_sum += latent.recall;
    f1_sum += latent.f1;
  }
  if (averaged > 0) {
    scores.precision_mean = precision_sum / averaged;
    scores.recall_mean = recall_sum / averaged;
    scores.f1_mean = f1_sum / averaged;
  }
  scores.dead_fraction = Ratio(dead, n_q);
  scores.polysemantic_fraction = Ratio(polysemantic, judged);
  scores.l0 = Ratio(total_firings, scores.samples);
  return scores;
}

}  // namespace lrb::scoring
