#ifndef LRB_BENCH_SCORING_CODES_H_
#define LRB_BENCH_SCORING_CODES_H_

// Sparse codes as the scorer reads them: the ground truth's and any method's, in one form.
//
// Every eval metric that looks at activations (firing, dead latents, L0, FVU, absorption)
// takes codes, never a model, so it works for every SDL method: a method only has to encode
// the evaluation samples into sparse codes. A latent (or feature) *fires* on a sample iff its
// code there is non-zero; stored zeros are allowed and are not firings.

#include <cstdint>

#include "absl/status/status.h"
#include "datasets/dataset.h"

namespace lrb::scoring {

// A read-only CSR view of `rows` x `cols` codes. Row r holds entries [indptr[r], indptr[r+1])
// of indices / values; offsets are absolute positions in those arrays, so a view of a row
// range of a larger matrix is the same arrays with indptr advanced. Column indices are
// distinct within a row (any order). The viewed arrays must outlive the view.
struct CodesView {
  int64_t rows = 0;
  int64_t cols = 0;
  const int64_t* indptr = nullptr;  // rows + 1 entries, non-decreasing
  const int32_t* indices = nullptr;
  const float* values = nullptr;

  int64_t begin(int64_t r) const { return indptr[r]; }
  int64_t end(int64_t r) const { return indptr[r + 1]; }
};

// Rows [begin, end) of `codes`, e.g. the evaluation split [num_train, N).
// Requires 0 <= begin <= end <= codes.rows.
CodesView ViewRows(const datasets::SparseCodes& codes, int64_t begin, int64_t end);

// OK iff `codes` is well formed: indptr non-decreasing, every index in [0, cols), distinct
// within its row, every value finite. `what` names the codes in the error ("learned codes").
// O(nnz + rows) time, O(cols) memory.
absl::Status ValidateCodes(const CodesView& codes, const char* what);

}  // namespace lrb::scoring

#endif  // LRB_BENCH_SCORING_CODES_H_
