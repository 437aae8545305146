#ifndef LRB_BENCH_SCORING_ENCODE_H_
#define LRB_BENCH_SCORING_ENCODE_H_

// Encoding the evaluation samples into sparse codes, for every method family (sdl::Encode
// in chunks), so that everything downstream of it is method-independent.

#include <cstdint>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"

namespace lrb::scoring {

// Codes of `rows` inputs (rows x n_p, row-major) at inference: rows x n_q CSR, indices
// ascending within a row, zero activations dropped (a TopK pick can be 0 and then does not
// fire). Runs in chunks of 512 rows, so memory is about 512 x n_q floats plus the codes.
// Fails if a pre-activation is not finite.
absl::StatusOr<datasets::SparseCodes> EncodeCodes(const sdl::MethodSpec& method,
                                                  const sdl::SaeModel& model,
                                                  const float* inputs, int64_t rows,
                                                  const sdl::KernelTable& kernels);

}  // namespace lrb::scoring

#endif  // LRB_BENCH_SCORING_ENCODE_H_
