#ifndef LRB_DATASETS_DATASET_SPEC_H_
#define LRB_DATASETS_DATASET_SPEC_H_

// DatasetSpec: the canonical name of a dataset, for every family. Grammar (util/spec_parser.h):
//
//   spec     := family ('+' modifier)*
//   family   := lrb(...) | lrb_hier(...) | tms(...) | acts(...)
//   modifier := transcoder(nr) | crosscoder(m) | zipf(alpha) | corr(rank,rho)
//             | scale(sigma) | noise(sigma)
//
// ToString spells out every key of every term, modifiers in the fixed order above (input
// may list them in any order, each at most once), so ParseDatasetSpec(ToString(s)) == s
// and two spellings of one dataset print identically. A plain `lrb(...)` keeps the paper's
// canonical string and bytes exactly (lrb_spec.h).
//
// Families (defaults in the structs below):
//   lrb       the paper's generator (docs/paper.md section 3), lrb_spec.h.
//   lrb_hier  lrb with parent/child feature hierarchies: `roots` trees of depth `depth`,
//             each node with `branch` children (n = roots * (1 + branch + ... +
//             branch^depth)), numbered breadth-first. Roots fire as lrb features do
//             (probability 1 - S); a child can fire only in a sample where its parent fires:
//             with exclusive=1, a firing parent fires exactly one child (uniform) with
//             probability pchild, else none; with exclusive=0 each child fires
//             independently with probability pchild. Directions: all n are drawn and PGD'd
//             as in lrb, then, top-down, each child's direction is replaced by
//             sim * w_parent + sqrt(1 - sim^2) * u, u = its own direction made orthogonal
//             to w_parent and unit-norm, so <w_child, w_parent> = sim (up to rounding);
//             M then bounds the pairs that are not parent/child (siblings share sim^2).
//   tms       a Toy Model of Superposition (Elhage et al. 2022, ReLU-output model)
//             trained in process (tms.h): n sparse features (lrb's codes) -> h = W x
//             (np hidden units) -> ReLU(W^T h + b). The dataset's x_p is the hidden layer
//             h = W x of fresh samples, so its feature directions are exactly W's columns.
//   acts      activations supplied by the user (activations.h): no generator, only
//             ImportActivations creates one; `data` is the stable hash of the imported
//             matrix and labels.
//
// Modifiers (lrb and lrb_hier accept all; tms accepts noise; acts none):
//   transcoder(nr)  targets x_r = W_r x, W_r (n x nr) drawn by W_p's recipe (Gaussian,
//                   PGD to the same M, eps, lambda, step, iters) from its own stream.
//   crosscoder(m)   m sources, each its own unit-norm n x np matrix drawn by W_p's recipe
//                   (source 0 is W_p itself); x_p = x_r = [x_p^(1); ...; x_p^(m)]
//                   (n_p = m * np). Exclusive with transcoder.
//   zipf(alpha)     firing probability of (root) feature j is min(1, c (j+1)^-alpha), c set
//                   so that the mean probability stays 1 - S.
//   corr(rank,rho)  correlated co-activation by a Gaussian copula: feature j fires iff
//                   sqrt(rho) <l_j, g_s> + sqrt(1 - rho) e_sj > Phi^-1(1 - p_j), l_j a
//                   random unit vector in R^rank, g_s ~ N(0, I_rank) per sample, e_sj ~
//                   N(0, 1): marginal rates stay exactly p_j, latent correlations are
//                   rho <l_i, l_j>.
//   scale(sigma)    per-feature magnitude scale exp(sigma z_j - sigma^2 / 2) (log-normal,
//                   mean 1) multiplies every magnitude of feature j.
//   noise(sigma)    x_p (and a transcoder's x_r, independently) gets sigma * N(0, 1) per
//                   entry, drawn per (sample, dim) (rng_streams.h), added when materialised.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "datasets/lrb_spec.h"

namespace lrb::datasets {

struct HierarchySpec {
  int64_t roots = 200;
  int64_t depth = 1;
  int64_t branching = 4;
  bool exclusive = true;
  double child_probability = 0.5;
  double similarity = 0.5;  // cosine of every child with its parent
  bool operator==(const HierarchySpec&) const = default;
};

// lrb_hier(roots=200,depth=1,branch=4,exclusive=1,pchild=0.5,sim=0.5,np=768,...,seed=0):
// the lrb knobs except n, which is derived (lrb.n == NumHierarchyFeatures(hierarchy)).
// S is the roots' sparsity.
struct LrbHierSpec {
  HierarchySpec hierarchy;
  LrbSpec lrb = DefaultLrb();
  bool operator==(const LrbHierSpec&) const = default;

  static LrbSpec DefaultLrb() {
    LrbSpec lrb;
    lrb.n = 1000;  // 200 * (1 + 4)
    lrb.sparsity = 0.975;
    return lrb;
  }
};

// tms(n=64,np=16,S=0.95,cmin=0,beta=1,importance=1,steps=3000,batch=256,lr=0.01,
//     N=100000,eval=0.1,seed=0)
struct TmsSpec {
  int64_t n = 64;
  int64_t n_p = 16;  // hidden units
  double sparsity = 0.95;
  double c_min = 0.0;
  double beta = 1.0;
  double importance = 1.0;  // feature j's loss weight is importance^j
  int64_t steps = 3000;
  int64_t batch = 256;
  double learning_rate = 0.01;  // Adam (beta1 0.9, beta2 0.999, eps 1e-8)
  int64_t num_samples = 100000;
  double eval_fraction = 0.1;
  uint64_t seed = 0;
  bool operator==(const TmsSpec&) const = default;
};

// acts(data=<16 hex>,N=..,d=..,classes=..,eval=0.1,seed=0)
struct ActivationsSpec {
  std::string data_hash;  // stable hash of the user's matrix and labels (activations.h)
  int64_t num_samples = 1;
  int64_t dim = 1;
  int64_t classes = 0;  // 0: no labels
  double eval_fraction = 0.1;
  uint64_t seed = 0;
  bool operator==(const ActivationsSpec&) const = default;
};

struct TranscoderSpec {
  int64_t n_r = 768;
  bool operator==(const TranscoderSpec&) const = default;
};
struct CrosscoderSpec {
  int64_t sources = 2;
  bool operator==(const CrosscoderSpec&) const = default;
};
struct ZipfSpec {
  double alpha = 1.0;
  bool operator==(const ZipfSpec&) const = default;
};
struct CorrelationSpec {
  int64_t rank = 4;
  double rho = 0.5;
  bool operator==(const CorrelationSpec&) const = default;
};
struct ScaleSpec {
  double sigma = 0.5;
  bool operator==(const ScaleSpec&) const = default;
};
struct NoiseSpec {
  double sigma = 0.01;
  bool operator==(const NoiseSpec&) const = default;
};

using FamilySpec = std::variant<LrbSpec, LrbHierSpec, TmsSpec, ActivationsSpec>;

struct DatasetSpec {
  FamilySpec family;
  std::optional<TranscoderSpec> transcoder;
  std::optional<CrosscoderSpec> crosscoder;
  std::optional<ZipfSpec> zipf;
  std::optional<CorrelationSpec> correlation;
  std::optional<ScaleSpec> scale;
  std::optional<NoiseSpec> noise;
  bool operator==(const DatasetSpec&) const = default;
};

// Allowed values, beyond lrb's (lrb_spec.h); errors name the term, the key, the value and
// the range:
//   lrb_hier  roots [1, 1000000]  depth [1, 8]  branch [1, 64]  exclusive [0, 1]
//             pchild [0, 1]       sim [0, 0.99]; n = roots * sum_l branch^l <= 1000000
//   tms       n [2, 4096]  np [1, 1024]  S [0, 0.999999]  cmin [0, 1e6]  beta [1e-6, 1e6]
//             importance [0.01, 1]  steps [0, 1000000]  batch [1, 65536]  lr [1e-9, 10]
//             N [1, 100000000]  eval [0, 0.99]  seed [0, 2^53]
//   acts      data: 16 lower-case hex digits; N [1, 2^40]  d [1, 1000000]
//             classes [0, 1000000]  eval [0, 0.99]  seed [0, 2^53]
//   transcoder nr [1, 100000]     crosscoder m [2, 16]    zipf alpha [0, 4]
//   corr rank [1, 64], rho [0, 0.99]    scale sigma [0, 3]    noise sigma [0, 1000]
absl::StatusOr<DatasetSpec> ParseDatasetSpec(std::string_view text);
std::string ToString(const DatasetSpec& spec);
absl::Status ValidateDatasetSpec(const DatasetSpec& spec);

// The family's term name: "lrb", "lrb_hier", "tms" or "acts".
std::string_view FamilyName(const DatasetSpec& spec);

// n of a hierarchy: roots * (1 + branching + ... + branching^depth), saturating at 2^62.
int64_t NumHierarchyFeatures(const HierarchySpec& hierarchy);

int64_t NumSamples(const DatasetSpec& spec);
int64_t NumEvalSamples(const DatasetSpec& spec);  // llround(eval * N), as lrb_spec.h

}  // namespace lrb::datasets

#endif  // LRB_DATASETS_DATASET_SPEC_H_
