#include "bench/scoring/codes.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_format.h"

namespace lrb::scoring {

CodesView ViewRows(const datasets::SparseCodes& codes, int64_t begin, int64_t end) {
  return CodesView{.rows = end - begin,
                   .cols = codes.cols,
                   .indptr = codes.indptr.data() + begin,
                   .indices = codes.indices.data(),
                   .values = codes.values.data()};
}

absl::Status ValidateCodes(const CodesView& codes, const char* what) {
  if (codes.rows < 0 || codes.cols < 0 || (codes.rows > 0 && codes.indptr == nullptr)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %d x %d codes without row offsets", what, codes.rows, codes.cols));
  }
  // last_row_seen[c] == r + 1 iff column c already occurred in row r.
  std::vector<int64_t> last_row_seen(codes.cols, 0);
  for (int64_t r = 0; r < codes.rows; ++r) {
    if (codes.end(r) < codes.begin(r)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: row %d ends (%d) before it begins (%d)", what, r, codes.end(r),
                          codes.begin(r)));
    }
    for (int64_t e = codes.begin(r); e < codes.end(r); ++e) {
      const int32_t c = codes.indices[e];
      if (c < 0 || c >= codes.cols) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s: row %d has index %d, outside [0, %d)", what, r, c, codes.cols));
      }
      if (last_row_seen[c] == r + 1) {
        return absl::InvalidArgumentError(
            absl::StrFormat("%s: row %d names index %d twice", what, r, c));
      }
      last_row_seen[c] = r + 1;
      if (!std::isfinite(codes.values[e])) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s: row %d, index %d has value %g", what, r, c, codes.values[e]));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace lrb::scoring
