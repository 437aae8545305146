#ifndef LRB_DATASETS_TMS_H_
#define LRB_DATASETS_TMS_H_

// A Toy Model of Superposition (Elhage et al. 2022, the "ReLU output" model), trained in
// process with plain loops so that datasets/ needs nothing from sdl/:
//
//   h = W x                 W: n_p x n, x: n sparse non-negative features
//   x' = ReLU(W^T h + b)    b: n
//   L = mean over the batch of sum_j importance^j (x_j - x'_j)^2
//
// The ReLU at the output is what lets the n_p-dimensional bottleneck h hold more than n_p
// features in superposition. h is linear in x, so h = sum_j x_j W[:, j] exactly: the
// learned columns of W are the true feature directions of this learned representation.

#include <cstdint>
#include <vector>

#include "datasets/dataset_spec.h"

namespace lrb::datasets {

struct TmsResult {
  // n x n_p row-major: row j is column j of the learned W (not normalised: a feature the
  // model does not represent has a short, near-zero row).
  std::vector<double> directions;
  std::vector<double> bias;  // n
  double final_loss = 0;     // mean loss of the last min(100, steps) steps
  double seconds = 0;
};

// Deterministic and single-threaded: training batch t is samples [t * batch, (t + 1) *
// batch) of the lrb code model (S, cmin, beta) drawn from kTmsTrainStream, W starts as
// Xavier-normal draws (kTmsInitStream, standard deviation sqrt(2 / (n + n_p))), b = 0, and
// Adam (beta1 = 0.9, beta2 = 0.999, eps = 1e-8, bias-corrected, constant learning rate)
// updates both, all in double.
TmsResult TrainTms(const TmsSpec& spec);

}  // namespace lrb::datasets

#endif  // LRB_DATASETS_TMS_H_
