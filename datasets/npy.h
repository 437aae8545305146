#ifndef LRB_DATASETS_NPY_H_
#define LRB_DATASETS_NPY_H_

// A small NumPy .npy reader and writer (format versions 1.0, 2.0 and 3.0;
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html), enough for
// dataset files: C-order arrays of little-endian '<f4', '<f2' (read only; widened to float),
// '<i4' and '<i8'.
//
// The readers take untrusted files. The path must be a regular file (util/input_file.h:
// directories, FIFOs, devices are refused without blocking). The header is parsed strictly
// (printable ASCII only, at most 64 KiB; exactly the keys 'descr', 'fortran_order',
// 'shape', each once; a Python tuple of non-negative decimal dimensions, at most 64; nothing
// after the closing brace), and the data size is computed with overflow-checked arithmetic
// and must equal the bytes after the header exactly, before anything of that size is
// allocated. Every error names the file and the problem.
//
// The writers are atomic (util/atomic_file.h): the file appears whole under its name or not
// at all, and an existing file keeps its content when a write fails.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lrb::datasets {

struct NpyHeader {
  std::string descr;           // e.g. "<f4"
  bool fortran_order = false;
  std::vector<int64_t> shape;  // () for a scalar
  int64_t data_offset = 0;     // bytes before the data
  // The product of `shape`. A header returned by the readers has been checked: the product
  // times the item size fits in int64 and equals the data bytes of the file.
  int64_t num_elements() const;
};

template <typename T>
struct NpyArray {
  std::string descr;  // the dtype as stored
  std::vector<int64_t> shape;
  std::vector<T> values;  // C order
};

// '<f4', or '<f2' converted exactly to float.
absl::StatusOr<NpyArray<float>> ReadNpyFloat(const std::string& path);
// '<i4' or '<i8', widened to int64.
absl::StatusOr<NpyArray<int64_t>> ReadNpyInt(const std::string& path);
// The header alone (validated against the file size; the data is not read).
absl::StatusOr<NpyHeader> ReadNpyHeader(const std::string& path);

// Version 1.0 files (2.0 when the header needs it); the header is padded so that the data
// starts at a multiple of 64 bytes, as NumPy writes it.
absl::Status WriteNpy(const std::string& path, const std::vector<float>& values,
                      const std::vector<int64_t>& shape);
absl::Status WriteNpy(const std::string& path, const std::vector<int32_t>& values,
                      const std::vector<int64_t>& shape);
absl::Status WriteNpy(const std::string& path, const std::vector<int64_t>& values,
                      const std::vector<int64_t>& shape);

// Streams a rows x cols '<f4' matrix without holding it: fill(begin, end, out) writes rows
// [begin, end) into out ((end - begin) x cols), called with consecutive ranges of at most
// `chunk_rows` rows.
absl::Status WriteNpyFloatRows(
    const std::string& path, int64_t rows, int64_t cols, int64_t chunk_rows,
    const std::function<void(int64_t begin, int64_t end, float* out)>& fill);

// IEEE binary16 -> binary32, exact (subnormals, infinities and NaNs included).
float HalfToFloat(uint16_t half);

}  // namespace lrb::datasets

#endif  // LRB_DATASETS_NPY_H_
