#ifndef LRB_BENCH_SCORING_ABSORPTION_H_
#define LRB_BENCH_SCORING_ABSORPTION_H_

// Feature absorption (docs/paper.md section 2; Chanin et al. 2024) scored exactly from a known
// hierarchy. When child c is active its parent p is active too; an SAE that has absorbed p
// into c's latent leaves p's latent silent on those samples and reconstructs p's direction
// with another latent instead. On the evaluation samples:
//   L(j)      = best_latent[j], feature j's latent (best encoder |cos|)
//   C_c       = {s : x_c(s) != 0 and x_p(s) != 0}          (child and parent co-active)
//   absorbed  = {s in C_c : L(p) does not fire on s}
//   rate(c)   = |absorbed| / |C_c|                         (children with C_c empty: unscored)
//   taker(s)  = argmax over latents i != L(p) firing on s of a_i(s) <d_i, w_p^r>, if > 0,
//               i.e. the latent that carries the most of p's target direction in the
//               reconstruction (d_i: decoder column, w_p^r: p's unit target direction)
//   taker(c)  = the most frequent taker over c's absorbed samples (ties: lowest index)
//   c is *absorbed* iff rate(c) >= 0.5.
// Summaries over scored children: mean rate, fraction absorbed, and the fraction of all
// absorbed samples taken by the child's own latent L(c) (the classic absorption pattern).

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/scoring/codes.h"
#include "bench/scoring/cosines.h"

namespace lrb::scoring {

// A forest over the ground-truth features: parent[j] is j's parent, -1 for a root. The
// datasets team provides it for hierarchical datasets.
struct Hierarchy {
  std::vector<int32_t> parent;
};

// OK iff `hierarchy` has n entries, each -1 or in [0, n), and no feature is its own ancestor.
absl::Status ValidateHierarchy(const Hierarchy& hierarchy, int64_t n);

inline constexpr double kAbsorbedRate = 0.5;

struct ChildAbsorption {
  int32_t child = -1;
  int32_t parent = -1;
  int32_t parent_latent = -1;  // L(p)
  int64_t co_active = 0;       // |C_c|
  int64_t absorbed_samples = 0;
  double rate = 0;             // 0 when co_active == 0
  int32_t taker = -1;          // -1 when nothing was absorbed or no latent carried p
  int64_t taker_samples = 0;   // absorbed samples taken by `taker`
  bool absorbed = false;       // rate >= kAbsorbedRate (false when unscored)
};

struct AbsorptionScores {
  std::vector<ChildAbsorption> children;  // every feature with a parent, ascending
  int64_t children_scored = 0;            // children with co_active > 0
  double mean_rate = 0;                   // over scored children
  double absorbed_fraction = 0;           // absorbed / scored children
  double taken_by_child_latent = 0;       // sum over children of samples taken by L(c),
                                          // over all absorbed samples; 0 if none
};

// truth: samples x n; learned: samples x n_q; best_latent: L(j) for each feature (n entries,
// -1 allowed: such a parent's children are all absorbed, with no latent to blame);
// decoder_cosines: n x n_q cosines between target features and decoder columns, with the
// decoder norms. Fails on disagreeing shapes or an invalid hierarchy.
absl::StatusOr<AbsorptionScores> ScoreAbsorption(const Hierarchy& hierarchy,
                                                 const CodesView& truth,
                                                 const CodesView& learned,
                                                 const std::vector<int32_t>& best_latent,
                                                 const CosineMatrix& decoder_cosines);

}  // namespace lrb::scoring

#endif  // LRB_BENCH_SCORING_ABSORPTION_H_
