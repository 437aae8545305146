#include "bench/scoring/encode.h"

#include <algorithm>

#include "sdl/methods.h"
#include "util/status_macros.h"

namespace lrb::scoring {

absl::StatusOr<datasets::SparseCodes> EncodeCodes(const sdl::MethodSpec& method,
                                                  const sdl::SaeModel& model,
                                                  const float* inputs, int64_t rows,
                                                  const sdl::KernelTable& kernels) {
  constexpr int64_t kChunk = 512;
  datasets::SparseCodes codes;
  codes.rows = rows;
  codes.cols = model.n_q;
  codes.indptr.reserve(rows + 1);
  codes.indptr.push_back(0);
  sdl::MethodWorkspace workspace;
  for (int64_t begin = 0; begin < rows; begin += kChunk) {
    const int64_t count = std::min(kChunk, rows - begin);
    LRB_ASSIGN_OR_RETURN(const sdl::SparseRows chunk,
                         sdl::Encode(method, model, inputs + begin * model.n_p, count, kernels,
                                     workspace));
    const int64_t offset = static_cast<int64_t>(codes.indices.size());
    codes.indices.insert(codes.indices.end(), chunk.indices.begin(), chunk.indices.end());
    codes.values.insert(codes.values.end(), chunk.values.begin(), chunk.values.end());
    for (int64_t r = 1; r <= count; ++r) codes.indptr.push_back(offset + chunk.indptr[r]);
  }
  return codes;
}

}  // namespace lrb::scoring
