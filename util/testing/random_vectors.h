#ifndef LRB_UTIL_TESTING_RANDOM_VECTORS_H_
#define LRB_UTIL_TESTING_RANDOM_VECTORS_H_

#include <cstdint>
#include <vector>

#include "util/philox.h"

namespace lrb::testing {

// `size` independent N(0, scale^2) floats, a pure function of (stream, size, scale): tests
// that need several unrelated vectors pass different streams.
inline std::vector<float> RandomVector(uint64_t stream, int64_t size, double scale = 1.0) {
  const CounterRng rng(/*seed=*/77, stream);
  std::vector<float> values(size);
  for (int64_t i = 0; i < size; ++i) values[i] = static_cast<float>(scale * rng.Normal(i));
  return values;
}

}  // namespace lrb::testing

#endif  // LRB_UTIL_TESTING_RANDOM_VECTORS_H_
