#ifndef LRB_BENCH_SCORING_SCORING_H_
#define LRB_BENCH_SCORING_SCORING_H_

// The scorer: how well a trained dictionary recovers the ground truth. Every formula, its
// range and the version that introduced it are in docs/metrics.md; the parts live in
//   cosines.h          the feature x latent cosine matrix
//   directions.h       M_GT(tau) curve, M_IP, uniqueness          (paper, section 4)
//   mcc.h              Hungarian-matched mean |cos| (assignment.h)
//   firing_metrics.h   precision / recall / F1, dead, polysemantic, L0 on the eval codes
//   reconstruction.h   FVU
//   absorption.h       absorption on hierarchical datasets
// The result is the scorer's own (RunScores); bench/score_rows.h turns it into the store's
// rows, so the scorer knows nothing of the store.
// Its version enters every run key: bump kScorerVersion whenever any value it produces, or
// the set of names, would change.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/scoring/absorption.h"
#include "bench/scoring/codes.h"
#include "bench/scoring/directions.h"
#include "bench/scoring/firing_metrics.h"
#include "bench/scoring/mcc.h"
#include "bench/scoring/reconstruction.h"
#include "sdl/kernels/kernels.h"

namespace lrb::scoring {

// score@1: M_GT@0.95/0.9, M_IP (encoder and decoder), FVU, L0, dead (TopK only).
// score@2: + the M_GT curve, MCC, uniqueness, precision / recall / F1, polysemantic and
//          absorption metrics, all eval metrics from sparse codes, per-feature firing
//          frequencies and absorbed flags.
inline constexpr char kScorerVersion[] = "score@2";

// Everything the scorer reads. Pointers are borrowed for the call.
struct ScoringInputs {
  // The learned dictionary of any SDL method sharing the one model (docs/paper.md section 2).
  int64_t n_q = 0, n_p = 0, n_r = 0;
  const float* encoder_rows = nullptr;  // n_q x n_p: W_E[i, :]
  const float* decoder_rows = nullptr;  // n_q x n_r: W_D[:, i]
  const float* decoder_bias = nullptr;  // n_r, or null for none
  // Ground truth.
  int64_t n = 0;
  const float* features_p = nullptr;  // n x n_p unit rows (W_p^T)
  const float* features_r = nullptr;  // n x n_r unit rows (W_r^T; == features_p for an SAE)
  std::vector<bool> excluded;         // n flags: anchored features, left out of averages
  // The evaluation split: the same samples in both codes, and their dense targets.
  CodesView true_codes;               // samples x n
  CodesView learned_codes;            // samples x n_q
  const float* eval_targets = nullptr;  // samples x n_r
  const Hierarchy* hierarchy = nullptr;  // null: the dataset has none (no absorption metrics)
  FiringOptions firing;
};

// How one ground-truth feature fared (docs/metrics.md, "Per-feature rows").
struct FeatureScore {
  int32_t feature = 0;
  int32_t best_latent = -1;  // encoder latent with the largest |cos| to the feature; -1 if none
  double best_cosine = 0;    // that |cos|
  bool anchored = false;     // excluded from the averages (an anchored feature)
  bool recovered = false;    // best_cosine > 0.95, the paper's headline threshold
  double firing_frequency = 0;         // fraction of eval samples where the feature is active
  double latent_firing_frequency = 0;  // fraction of eval samples where best_latent fires
  bool absorbed = false;               // its parent's latent is silent when it is active
  // The pair (parent, feature) of a hierarchy, as ChildAbsorption has it (absorption.h):
  int32_t parent = -1;            // -1: a root, or no hierarchy
  double absorption_rate = -1;    // rate(feature); -1: unscored (not a child, or never
                                  // co-active with its parent)
  int32_t absorption_taker = -1;  // the taker latent; -1: none
};

struct RunScores {
  DirectionScores encoder, decoder;
  MatchingScores encoder_matching, decoder_matching;
  FiringScores firing;
  ReconstructionScores reconstruction;
  std::optional<AbsorptionScores> absorption;
  // Every metric flattened under its stable name (docs/metrics.md), each once. The names are
  // the scorer's, versioned by kScorerVersion, so they are made here and not by a consumer.
  std::vector<std::pair<std::string, double>> metrics;
  // One entry per ground-truth feature in feature order, anchored ones included (and flagged).
  std::vector<FeatureScore> features;
};

// Scores one run. `kernels` runs the two cosine products and the sparse decode. Fails on
// inconsistent shapes or malformed codes, naming what disagrees.
absl::StatusOr<RunScores> ScoreRun(const ScoringInputs& inputs, const sdl::KernelTable& kernels);

}  // namespace lrb::scoring

#endif  // LRB_BENCH_SCORING_SCORING_H_
