#ifndef LRB_DATASETS_RNG_STREAMS_H_
#define LRB_DATASETS_RNG_STREAMS_H_

// The random-draw layout of an LRB dataset. Every random number the generator uses is
// CounterRng(spec.seed, stream).<transform>(index) (util/philox.h), with:
//
//   stream            index                      transform    meaning
//   kFeatureStream    j * n_p + d                Normal       entry d of feature j (W_p column j)
//                                                             before normalisation
//   kCodeStream       (s << 32) + 2 t            Uniform      gap before the t-th active feature
//                                                             of sample s (the last gap of a
//                                                             sample runs past n and ends it)
//   kCodeStream       (s << 32) + 2 t + 1        Exponential  magnitude of that feature
//   kAnchorStream     i                          Below(n - i) Fisher-Yates step i of anchor_order
//
// A sample draws at most 2 n + 1 < 2^32 numbers (n <= 10^6), so samples never share a
// counter. This table, the transforms in util/philox.h and the arithmetic in the
// generator define the bytes of every dataset: changing any of them changes content
// hashes, and must go with a new family version.

#include <cstdint>

namespace lrb::datasets {

inline constexpr uint64_t kFeatureStream = 1;
inline constexpr uint64_t kCodeStream = 2;
inline constexpr uint64_t kAnchorStream = 3;

// First counter index of sample s in kCodeStream.
inline constexpr uint64_t CodeDrawBase(int64_t sample) {
  return static_cast<uint64_t>(sample) << 32;
}

}  // namespace lrb::datasets

#endif  // LRB_DATASETS_RNG_STREAMS_H_
