#include "sdl/anchoring.h"

#include <cstdint>
#include <vector>

namespace lrb::sdl {
namespace {

double PenaltyOnRows(const std::vector<float>& params, const std::vector<float>& anchors,
                     int64_t k, int64_t dim, double lambda, std::vector<float>* grad) {
  double penalty = 0;
  for (int64_t i = 0; i < k * dim; ++i) {
    const double diff = static_cast<double>(params[i]) - anchors[i];
    penalty += diff * diff;
    if (grad != nullptr) (*grad)[i] += static_cast<float>(2.0 * lambda * diff);
  }
  return lambda * penalty;
}

}  // namespace

double AddAnchorPenalty(const SaeModel& model, const Anchors& anchors, SaeGradient* gradient) {
  if (anchors.k == 0) return 0.0;
  return PenaltyOnRows(model.w_enc, anchors.encoder, anchors.k, model.n_p, anchors.lambda,
                       gradient == nullptr ? nullptr : &gradient->w_enc) +
         PenaltyOnRows(model.w_dec, anchors.decoder, anchors.k, model.n_r, anchors.lambda,
                       gradient == nullptr ? nullptr : &gradient->w_dec);
}

}  // namespace lrb::sdl
