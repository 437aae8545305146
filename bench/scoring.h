#ifndef LRB_BENCH_SCORING_H_
#define LRB_BENCH_SCORING_H_

// The scorer: how well a trained dictionary recovers the ground truth. Every formula, its
// range and the version that introduced it are in docs/metrics.md; the parts live in
//   scoring_cosines.h     the feature x latent cosine matrix
//   scoring_directions.h  M_GT(tau) curve, M_IP, uniqueness          (paper, section 4)
//   scoring_mcc.h         Hungarian-matched mean |cos| (assignment.h)
//   firing_metrics.h      precision / recall / F1, dead, polysemantic, L0 on the eval codes
//   reconstruction.h      FVU
//   absorption.h          absorption on hierarchical datasets
// Its version enters every run key: bump kScorerVersion whenever any value it produces, or
// the set of names, would change.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/absorption.h"
#include "bench/firing_metrics.h"
#include "bench/reconstruction.h"
#include "bench/scoring_codes.h"
#include "bench/scoring_directions.h"
#include "bench/scoring_mcc.h"
#include "leaderboard/store/run_record.h"
#include "sdl/kernels/kernels.h"

namespace lrb::bench {

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

struct RunScores {
  DirectionScores encoder, decoder;
  MatchingScores encoder_matching, decoder_matching;
  FiringScores firing;
  ReconstructionScores reconstruction;
  std::optional<AbsorptionScores> absorption;
  // Flattened for the store: stable names (docs/metrics.md), each once.
  std::vector<std::pair<std::string, double>> metrics;
  // One row per ground-truth feature, anchored ones included (and flagged).
  std::vector<leaderboard::FeatureRow> features;
};

// Scores one run. `kernels` runs the two cosine products and the sparse decode. Fails on
// inconsistent shapes or malformed codes, naming what disagrees.
absl::StatusOr<RunScores> ScoreRun(const ScoringInputs& inputs, const sdl::KernelTable& kernels);

}  // namespace lrb::bench

#endif  // LRB_BENCH_SCORING_H_
