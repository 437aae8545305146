#include "datasets/tms.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <vector>

#include "datasets/rng_streams.h"
#include "datasets/sparse_codes.h"
#include "util/philox.h"

namespace lrb::datasets {
namespace {

struct Adam {
  explicit Adam(size_t size) : m(size, 0.0), v(size, 0.0) {}

  void Step(double learning_rate, int64_t t, const std::vector<double>& grad,
            std::vector<double>& param) {
    constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEps = 1e-8;
    const double correction1 = 1 - std::pow(kBeta1, static_cast<double>(t));
    const double correction2 = 1 - std::pow(kBeta2, static_cast<double>(t));
    for (size_t i = 0; i < param.size(); ++i) {
      m[i] = kBeta1 * m[i] + (1 - kBeta1) * grad[i];
      v[i] = kBeta2 * v[i] + (1 - kBeta2) * grad[i] * grad[i];
      param[i] -= learning_rate * (m[i] / correction1) / (std::sqrt(v[i] / correction2) + kEps);
    }
  }

  std::vector<double> m, v;
};

}  // namespace

TmsResult TrainTms(const TmsSpec& spec) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t n = spec.n, n_p = spec.n_p;
  TmsResult result;
  // w: n x n_p, row j = column j of W.
  std::vector<double>& w = result.directions;
  std::vector<double>& b = result.bias;
  w.resize(n * n_p);
  b.assign(n, 0.0);
  const CounterRng init(spec.seed, kTmsInitStream);
  const double init_scale = std::sqrt(2.0 / static_cast<double>(n + n_p));
  for (int64_t d = 0; d < n_p; ++d) {
    for (int64_t j = 0; j < n; ++j) w[j * n_p + d] = init_scale * init.Normal(d * n + j);
  }
  std::vector<double> importance(n);
  for (int64_t j = 0; j < n; ++j) importance[j] = std::pow(spec.importance, static_cast<double>(j));

  Adam adam_w(w.size()), adam_b(b.size());
  std::vector<double> grad_w(w.size()), grad_b(n);
  std::vector<double> h(n_p), dh(n_p), x(n, 0.0), dy(n);
  const int64_t loss_window = std::min<int64_t>(100, spec.steps);
  double window_loss = 0;
  const double inv_batch = 1.0 / static_cast<double>(spec.batch);
  for (int64_t step = 0; step < spec.steps; ++step) {
    CodeOptions options =
        PaperCodes(spec.batch, n, spec.sparsity, spec.c_min, spec.beta, spec.seed);
    options.stream = kTmsTrainStream;
    options.first_sample = step * spec.batch;
    const SparseCodes batch = GenerateSparseCodes(options, /*threads=*/1);
    std::fill(grad_w.begin(), grad_w.end(), 0.0);
    std::fill(grad_b.begin(), grad_b.end(), 0.0);
    double loss = 0;
    for (int64_t s = 0; s < spec.batch; ++s) {
      const int64_t begin = batch.indptr[s], end = batch.indptr[s + 1];
      std::fill(h.begin(), h.end(), 0.0);
      for (int64_t k = begin; k < end; ++k) {
        const int64_t j = batch.indices[k];
        x[j] = batch.values[k];
        const double* w_j = w.data() + j * n_p;
        for (int64_t d = 0; d < n_p; ++d) h[d] += x[j] * w_j[d];
      }
      std::fill(dh.begin(), dh.end(), 0.0);
      for (int64_t j = 0; j < n; ++j) {
        const double* w_j = w.data() + j * n_p;
        double y = b[j];
        for (int64_t d = 0; d < n_p; ++d) y += w_j[d] * h[d];
        const double out = y > 0 ? y : 0.0;
        const double diff = out - x[j];
        loss += importance[j] * diff * diff;
        // d(loss)/dy_j, zero where the ReLU is off.
        dy[j] = y > 0 ? 2.0 * importance[j] * diff * inv_batch : 0.0;
        if (dy[j] == 0) continue;
        grad_b[j] += dy[j];
        double* g_j = grad_w.data() + j * n_p;
        for (int64_t d = 0; d < n_p; ++d) {
          g_j[d] += dy[j] * h[d];     // through W^T (decoder side)
          dh[d] += dy[j] * w_j[d];
        }
      }
      for (int64_t k = begin; k < end; ++k) {
        const int64_t j = batch.indices[k];
        double* g_j = grad_w.data() + j * n_p;
        for (int64_t d = 0; d < n_p; ++d) g_j[d] += x[j] * dh[d];  // through W (encoder side)
        x[j] = 0;
      }
    }
    adam_w.Step(spec.learning_rate, step + 1, grad_w, w);
    adam_b.Step(spec.learning_rate, step + 1, grad_b, b);
    if (step >= spec.steps - loss_window) window_loss += loss * inv_batch;
  }
  result.final_loss = loss_window > 0 ? window_loss / static_cast<double>(loss_window) : 0;
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace lrb::datasets
