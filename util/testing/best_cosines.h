#ifndef LRB_UTIL_TESTING_BEST_COSINES_H_
#define LRB_UTIL_TESTING_BEST_COSINES_H_

#include <cstdint>
#include <vector>

namespace lrb::testing {

// For each of the `features` rows (row-major, `dim` wide), the largest |cos| with any row of
// `rows` (row-major, `dim` wide), in double precision. Zero rows never match (cosine 0).
// An independent oracle for recovery tests: it shares no code with the scorer.
std::vector<double> BestCosines(const std::vector<float>& rows, const std::vector<float>& features,
                                int64_t dim);

// The same for one feature vector of length `dim`.
double BestCosine(const std::vector<float>& rows, int64_t dim, const float* feature);

}  // namespace lrb::testing

#endif  // LRB_UTIL_TESTING_BEST_COSINES_H_
