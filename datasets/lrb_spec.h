#ifndef LRB_DATASETS_LRB_SPEC_H_
#define LRB_DATASETS_LRB_SPEC_H_

// The paper's Linear Representation Bench generator spec (docs/paper.md section 3), SAE case.
// Canonical string, every knob spelled out, e.g.
//   lrb(n=1000,np=768,N=100000,S=0.99,M=0.1,cmin=0,beta=1,eps=0.001,lambda=0.001,
//       step=0.05,iters=1000,eval=0.1,seed=0)
// ParseLrbSpec(ToString(s)) == s, and ToString(ParseLrbSpec(t)) is the canonical form of t.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "util/spec_parser.h"

namespace lrb::datasets {

struct LrbSpec {
  int64_t n = 1000;               // ground-truth features
  int64_t n_p = 768;              // representation dimension
  int64_t num_samples = 100000;   // N
  double sparsity = 0.99;         // S: each feature is zero with probability S
  double max_interference = 0.1;  // M: target bound on max_{i!=j} <w_i, w_j>
  double c_min = 0.0;             // magnitude = c_min + Exponential(scale beta)
  double beta = 1.0;
  double pgd_eps = 1e-3;     // PGD margin: penalise <w_i,w_j> above M - eps
  double pgd_lambda = 1e-3;  // weight of the all-positive-overlap term
  double pgd_step = 0.05;
  int64_t pgd_max_iterations = 1000;
  double eval_fraction = 0.1;  // last fraction of samples held out for scoring
  uint64_t seed = 0;

  bool operator==(const LrbSpec&) const = default;
};

// Allowed values (inclusive; errors name the key, the value and the range):
//   n       [2, 1000000]       np     [1, 100000]       N      [1, 100000000]
//   S       [0, 0.999999]      M      [-0.999, 1]       cmin   [0, 1e+06]
//   beta    [1e-06, 1e+06]     eps    [0, 0.5]          lambda [0, 1e+06]
//   step    [1e-09, 10]        iters  [0, 1000000]      eval   [0, 0.99]
//   seed    [0, 2^53]
// Open ends of the natural ranges (S < 1, beta > 0, step > 0, eval < 1) are closed at a
// stated value so that every range check, and its message, is the shared one in
// util/spec_parser.h. Across fields:
//   - the split leaves >= 1 training sample, and >= 1 evaluation sample when eval > 0;
//   - M < 0 needs n <= np + 1 and M >= -1 / (n - 1), M = 0 needs n <= 2 np (no set of
//     unit vectors does better, so PGD could never succeed).
absl::StatusOr<LrbSpec> ParseLrbSpec(std::string_view text);

// Canonical form: every key, in the order of the struct, numbers in shortest round-trip form.
std::string ToString(const LrbSpec& spec);

// OK iff `spec` is one ParseLrbSpec could return (for specs built in code).
absl::Status ValidateLrbSpec(const LrbSpec& spec);

// Building blocks shared with families that reuse the lrb knobs (lrb_hier, dataset_spec.h).
// Reads every lrb key except `n` when !with_n (then spec.n is left as it is), in canonical
// order, with the ranges above; absent keys take their value from `defaults`.
absl::Status ReadLrbArgs(SpecArgReader& reader, bool with_n, const LrbSpec& defaults,
                         LrbSpec& spec);
// "n=...,np=...,...,seed=..." (without "n=..." when !with_n), canonical order.
std::string FormatLrbArgs(const LrbSpec& spec, bool with_n);
// The cross-field rules above (split, feasible M); messages start with `family`.
absl::Status CheckLrbCrossFieldRules(const LrbSpec& spec, std::string_view family);

// Samples [0, NumTrainSamples) train; the last llround(eval * N) samples (ties away from
// zero) are held out for evaluation.
int64_t NumEvalSamples(const LrbSpec& spec);
inline int64_t NumTrainSamples(const LrbSpec& spec) {
  return spec.num_samples - NumEvalSamples(spec);
}

}  // namespace lrb::datasets

#endif  // LRB_DATASETS_LRB_SPEC_H_
