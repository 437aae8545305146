#ifndef LRB_SDL_PLANTED_FOR_TEST_H_
#define LRB_SDL_PLANTED_FOR_TEST_H_

// Test data with planted sparse features, for sdl/ tests that must not depend on datasets/:
// n unit Gaussian directions in n_p dimensions; each sample a non-negative sparse mix
// (activation probability p, magnitude 1 + Exponential), drawn from `seed`.

#include <cmath>
#include <cstdint>
#include <vector>

#include "util/philox.h"

namespace lrb::sdl {

struct Planted {
  int64_t n, n_p, rows;
  std::vector<float> features;  // n x n_p
  std::vector<float> samples;   // rows x n_p
};

inline Planted MakePlanted(int64_t n, int64_t n_p, int64_t rows, double p, uint64_t seed) {
  Planted planted{n, n_p, rows, std::vector<float>(n * n_p), std::vector<float>(rows * n_p)};
  const CounterRng dirs(seed, 1), mask(seed, 2), mag(seed, 3);
  for (int64_t j = 0; j < n; ++j) {
    double norm = 0;
    for (int64_t d = 0; d < n_p; ++d) {
      planted.features[j * n_p + d] = static_cast<float>(dirs.Normal(j * n_p + d));
      norm += planted.features[j * n_p + d] * planted.features[j * n_p + d];
    }
    for (int64_t d = 0; d < n_p; ++d) planted.features[j * n_p + d] /= std::sqrt(norm);
  }
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < n; ++j) {
      if (mask.Uniform(r * n + j) >= p) continue;
      const float c = static_cast<float>(1.0 + mag.Exponential(r * n + j));
      for (int64_t d = 0; d < n_p; ++d) {
        planted.samples[r * n_p + d] += c * planted.features[j * n_p + d];
      }
    }
  }
  return planted;
}

}  // namespace lrb::sdl

#endif  // LRB_SDL_PLANTED_FOR_TEST_H_
