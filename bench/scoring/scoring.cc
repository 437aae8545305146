#include "bench/scoring/scoring.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "bench/scoring/cosines.h"
#include "util/status_macros.h"

namespace lrb::scoring {
namespace {

// FeatureScore::recovered uses the paper's headline threshold.
constexpr int kRecoveredPercent = 95;

absl::Status CheckInputs(const ScoringInputs& in) {
  if (in.n_q < 1 || in.n_p < 1 || in.n_r < 1 || in.n < 1 || in.encoder_rows == nullptr ||
      in.decoder_rows == nullptr || in.features_p == nullptr || in.features_r == nullptr ||
      in.eval_targets == nullptr) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "scoring needs a dictionary (n_q %d, n_p %d, n_r %d), ground truth (n %d) and eval "
        "targets, all non-empty",
        in.n_q, in.n_p, in.n_r, in.n));
  }
  if (in.true_codes.cols != in.n || in.learned_codes.cols != in.n_q ||
      in.true_codes.rows != in.learned_codes.rows) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "eval codes: true %d x %d and learned %d x %d, expected the same samples x %d and x %d",
        in.true_codes.rows, in.true_codes.cols, in.learned_codes.rows, in.learned_codes.cols,
        in.n, in.n_q));
  }
  return absl::OkStatus();
}

// "m_gt@0.5", "m_gt@0.51", ..., "m_gt@0.99": %g of the threshold, so the paper's points keep
// their score@1 names "m_gt@0.95" and "m_gt@0.9".
std::string CurveName(const std::string& prefix, int percent) {
  return absl::StrFormat("%sm_gt@%g", prefix, TauOfPercent(percent));
}

void AddDirectionMetrics(const std::string& prefix, const DirectionScores& directions,
                         const MatchingScores& matching,
                         std::vector<std::pair<std::string, double>>& metrics) {
  for (int p = kTauCurveFirstPercent; p <= kTauCurveLastPercent; ++p) {
    metrics.emplace_back(CurveName(prefix, p), directions.MGtAtPercent(p));
  }
  metrics.emplace_back(prefix + "m_ip", directions.m_ip);
  metrics.emplace_back(prefix + "mcc", matching.mcc);
  metrics.emplace_back(prefix + "uniqueness", directions.uniqueness);
}

}  // namespace

absl::StatusOr<RunScores> ScoreRun(const ScoringInputs& in, const sdl::KernelTable& kernels) {
  LRB_RETURN_IF_ERROR(CheckInputs(in));
  RunScores scores;
  const int64_t samples = in.true_codes.rows;

  // Encoder side: the paper's learned directions; its cosines also attribute firings.
  LRB_ASSIGN_OR_RETURN(
      const CosineMatrix encoder_cosines,
      ComputeCosines(in.encoder_rows, in.n_q, in.features_p, in.n, in.n_p, kernels));
  LRB_ASSIGN_OR_RETURN(scores.encoder, ScoreDirections(encoder_cosines, in.excluded));
  LRB_ASSIGN_OR_RETURN(scores.encoder_matching, ScoreMatching(encoder_cosines, in.excluded));
  LRB_ASSIGN_OR_RETURN(scores.firing,
                       ScoreFiring(in.true_codes, in.learned_codes, encoder_cosines,
                                   scores.encoder.best_feature, in.excluded, in.firing));
  LRB_ASSIGN_OR_RETURN(scores.reconstruction,
                       ScoreReconstruction(in.learned_codes, in.decoder_rows, in.decoder_bias,
                                           in.n_r, in.eval_targets, kernels));

  // Decoder side; its cosines measure which latent carries a parent's direction.
  LRB_ASSIGN_OR_RETURN(
      const CosineMatrix decoder_cosines,
      ComputeCosines(in.decoder_rows, in.n_q, in.features_r, in.n, in.n_r, kernels));
  LRB_ASSIGN_OR_RETURN(scores.decoder, ScoreDirections(decoder_cosines, in.excluded));
  LRB_ASSIGN_OR_RETURN(scores.decoder_matching, ScoreMatching(decoder_cosines, in.excluded));
  if (in.hierarchy != nullptr) {
    LRB_ASSIGN_OR_RETURN(scores.absorption,
                         ScoreAbsorption(*in.hierarchy, in.true_codes, in.learned_codes,
                                         scores.encoder.best_latent, decoder_cosines));
  }

  auto& metrics = scores.metrics;
  AddDirectionMetrics("", scores.encoder, scores.encoder_matching, metrics);
  AddDirectionMetrics("decoder.", scores.decoder, scores.decoder_matching, metrics);
  metrics.emplace_back("features_scored", static_cast<double>(scores.encoder.features_scored));
  const FiringScores& firing = scores.firing;
  metrics.emplace_back("eval.precision_mean", firing.precision_mean);
  metrics.emplace_back("eval.recall_mean", firing.recall_mean);
  metrics.emplace_back("eval.f1_mean", firing.f1_mean);
  metrics.emplace_back("eval.dead_fraction", firing.dead_fraction);
  metrics.emplace_back("eval.polysemantic_fraction", firing.polysemantic_fraction);
  metrics.emplace_back("eval.l0", firing.l0);
  metrics.emplace_back("eval.fvu", scores.reconstruction.fvu);
  // Per feature; entries of features that are no child stay unscored.
  std::vector<const ChildAbsorption*> pair_of(in.n, nullptr);
  if (scores.absorption.has_value()) {
    const AbsorptionScores& a = *scores.absorption;
    metrics.emplace_back("absorption.children_scored", static_cast<double>(a.children_scored));
    metrics.emplace_back("absorption.mean_rate", a.mean_rate);
    metrics.emplace_back("absorption.absorbed_fraction", a.absorbed_fraction);
    metrics.emplace_back("absorption.taken_by_child_latent", a.taken_by_child_latent);
    for (const ChildAbsorption& child : a.children) pair_of[child.child] = &child;
  }

  scores.features.resize(in.n);
  for (int64_t j = 0; j < in.n; ++j) {
    FeatureScore& row = scores.features[j];
    row.feature = static_cast<int32_t>(j);
    row.best_latent = scores.encoder.best_latent[j];
    row.best_cosine = scores.encoder.best_cosine[j];
    row.anchored = in.excluded[j];
    row.recovered = row.best_cosine > TauOfPercent(kRecoveredPercent);
    row.firing_frequency =
        static_cast<double>(firing.feature_active_count[j]) / static_cast<double>(samples);
    row.latent_firing_frequency =
        row.best_latent < 0 ? 0.0
                            : static_cast<double>(firing.latents[row.best_latent].firings) /
                                  static_cast<double>(samples);
    if (const ChildAbsorption* pair = pair_of[j]; pair != nullptr) {
      row.absorbed = pair->absorbed;
      row.parent = pair->parent;
      // ChildAbsorption says 0 for a child never co-active with its parent; the row tells
      // that apart from a measured 0.
      row.absorption_rate = pair->co_active > 0 ? pair->rate : -1.0;
      row.absorption_taker = pair->taker;
    }
  }
  return scores;
}

}  // namespace lrb::scoring
