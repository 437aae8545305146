#ifndef LRB_DATASETS_RNG_STREAMS_H_
#define LRB_DATASETS_RNG_STREAMS_H_

// The random-draw layout of every generated dataset. Every random number a generator uses
// is CounterRng(spec seed, stream).<transform>(index) (util/philox.h), with:
//
//   stream                 index                   transform     meaning
//   kFeatureStream         j * n_p + d             Normal        entry d of feature j (W_p
//                                                                column j; crosscoder source 0)
//                                                                before normalisation
//   kCodeStream            (s << 32) + 2 t         Uniform       gap before the t-th active
//                                                                feature of sample s (the last
//                                                                gap of a sample runs past n
//                                                                and ends it)
//   kCodeStream            (s << 32) + 2 t + 1     Exponential   magnitude of that feature
//   kAnchorStream          i                       Below(n - i)  Fisher-Yates step i of
//                                                                anchor_order
//   --- extensions (absent from the paper's lrb; a spec without them draws none) ---
//   kTargetFeatureStream   j * n_r + d             Normal        transcoder W_r, as W_p
//   SourceFeatureStream(i) j * n_p + d             Normal        crosscoder source i >= 1
//   kDenseCodeStream       (s << 32) + 2 j         Uniform       firing of feature j in sample
//                                                                s (Zipf rates, no copula), or
//                                                  Normal        its idiosyncratic copula term
//   kDenseCodeStream       (s << 32) + 2 j + 1     Exponential   magnitude of feature j
//   kCopulaFactorStream    (s << 32) + r           Normal        common factor r of sample s
//   kCopulaLoadingStream   j * rank + r            Normal        loading r of feature j, before
//                                                                normalising the row
//   kHierarchyStream       (s << 32) + 2 j         Uniform       child firing decided at node
//                                                                j (a child; or, with exclusive
//                                                                children, their parent)
//   kHierarchyStream       (s << 32) + 2 c + 1     Exponential   magnitude of child c
//   kScaleStream           j                       Normal        log-scale of feature j
//   kInputNoiseStream      s * n_p + d             Normal        noise on x_p[s, d]
//   kTargetNoiseStream     s * n_r + d             Normal        noise on x_r[s, d] (transcoder)
//   kTmsInitStream         d * n + j               Normal        initial TMS weight W[d, j]
//   kTmsTrainStream        as kCodeStream, sample  Uniform/Exp.  TMS training sample
//                          index step * batch + b
//   kRowOrderStream        i                       Below(N - i)  Fisher-Yates step i of the
//                                                                stored row order of user
//                                                                activations
//
// A sample draws at most 2 n + 1 < 2^32 numbers per stream (n <= 10^6), so samples never
// share a counter. This table, the transforms in util/philox.h and the arithmetic in the
// generators define the bytes of every dataset: changing any of them changes content
// hashes, and must go with a new format version (dataset.h, ComputeContentHash).

#include <cstdint>

namespace lrb::datasets {

inline constexpr uint64_t kFeatureStream = 1;
inline constexpr uint64_t kCodeStream = 2;
inline constexpr uint64_t kAnchorStream = 3;
inline constexpr uint64_t kTargetFeatureStream = 4;
inline constexpr uint64_t kDenseCodeStream = 5;
inline constexpr uint64_t kCopulaFactorStream = 6;
inline constexpr uint64_t kCopulaLoadingStream = 7;
inline constexpr uint64_t kHierarchyStream = 8;
inline constexpr uint64_t kScaleStream = 9;
inline constexpr uint64_t kInputNoiseStream = 10;
inline constexpr uint64_t kTargetNoiseStream = 11;
inline constexpr uint64_t kTmsInitStream = 12;
inline constexpr uint64_t kTmsTrainStream = 13;
inline constexpr uint64_t kRowOrderStream = 14;

// Crosscoder source i >= 1 (source 0 is kFeatureStream, so its matrix is the SAE's W_p).
inline constexpr uint64_t SourceFeatureStream(int64_t source) {
  return (uint64_t{1} << 32) + static_cast<uint64_t>(source);
}

// First counter index of sample s in the per-sample streams.
inline constexpr uint64_t CodeDrawBase(int64_t sample) {
  return static_cast<uint64_t>(sample) << 32;
}

}  // namespace lrb::datasets

#endif  // LRB_DATASETS_RNG_STREAMS_H_
