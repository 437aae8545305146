// The SIMD sparse kernels of TopK-style codes (up to k active latents per row, kernels.h):
// the sparse decode, the sparse dots (gradient with respect to the active values) and the
// sparse outer-product accumulation into a dictionary gradient. Highway per target,
// dispatched at run time.
//
// Determinism: decode and dots split rows; the outer product sorts its (row, slot) pairs by
// destination row and gives each destination row to one thread, which adds its contributions
// in the reference's (r, j) order. No result depends on the thread count.
//
// foreach_target.h re-includes this file once per Highway target; the per-target code lives
// in lrb::sdl::HWY_NAMESPACE and is reached through HWY_DYNAMIC_DISPATCH from the part
// compiled once, under `#if HWY_ONCE`.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "sdl/kernels/simd_kernels_internal.h"
#include "sdl/kernels/simd_threading.h"
#include "util/parallel.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "sdl/kernels/simd_sparse.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "sdl/kernels/simd_common-inl.h"

HWY_BEFORE_NAMESPACE();
namespace lrb::sdl::HWY_NAMESPACE {

// For every element e of o: o[e] += v[0] * w[0][e], then += v[1] * w[1][e], ... -- the
// reference's order of accumulation -- with one load and store of o per kRows
// multiply-adds. o is a row of the output (L1-resident); the w rows stream from memory.
// kZeroStart: o's old contents are ignored (the sum starts from +0, as after zeroing o).
template <size_t kRows, bool kZeroStart = false>
HWY_INLINE void MultiAxpy(const float* const* w, const float* v, float* HWY_RESTRICT o,
                          size_t dim) {
  const DF d;
  const size_t lanes = hn::Lanes(d);
  size_t i = 0;
  for (; i + lanes <= dim; i += lanes) {
    auto acc = kZeroStart ? hn::Zero(d) : hn::LoadU(d, o + i);
    for (size_t j = 0; j < kRows; ++j) {
      acc = hn::MulAdd(hn::Set(d, v[j]), hn::LoadU(d, w[j] + i), acc);
    }
    hn::StoreU(acc, d, o + i);
  }
  if (i < dim) {
    const size_t rest = dim - i;
    auto acc = kZeroStart ? hn::Zero(d) : LoadTail(d, o + i, rest);
    for (size_t j = 0; j < kRows; ++j) {
      acc = hn::MulAdd(hn::Set(d, v[j]), LoadTail(d, w[j] + i, rest), acc);
    }
    StoreTail(d, acc, o + i, rest);
  }
}

// Adds sum_p values[p] * rows[p] over `count` (row, value) pairs into o, in pair order;
// with `assign`, o's old contents are replaced (the sum starts from zero).
template <class RowOf>
HWY_INLINE void AccumulateRows(size_t count, const RowOf& row_of, const float* values,
                               float* HWY_RESTRICT o, size_t dim, bool assign = false) {
  size_t p = 0;
  if (assign) {
    if (count >= 4) {
      const float* w[4] = {row_of(0), row_of(1), row_of(2), row_of(3)};
      MultiAxpy<4, true>(w, values, o, dim);
      p = 4;
    } else if (count >= 1) {
      const float* w[1] = {row_of(0)};
      MultiAxpy<1, true>(w, values, o, dim);
      p = 1;
    } else {
      std::fill(o, o + dim, 0.0f);
    }
  }
  for (; p + 4 <= count; p += 4) {
    const float* w[4] = {row_of(p), row_of(p + 1), row_of(p + 2), row_of(p + 3)};
    const float v[4] = {values[p], values[p + 1], values[p + 2], values[p + 3]};
    MultiAxpy<4>(w, v, o, dim);
  }
  for (; p < count; ++p) {
    const float* w[1] = {row_of(p)};
    MultiAxpy<1>(w, values + p, o, dim);
  }
}

void SparseDecodeRows(const int32_t* indices, const float* values, size_t row_begin, size_t row_end,
                      size_t k, const int32_t* counts, const float* dict, size_t dim,
                      size_t ld_dict, const float* bias, float* out, size_t ld_out) {
  for (size_t r = row_begin; r < row_end; ++r) {
    float* HWY_RESTRICT o = out + r * ld_out;
    if (bias != nullptr) {
      std::memcpy(o, bias, dim * sizeof(float));
    } else {
      std::fill(o, o + dim, 0.0f);
    }
    const int32_t* idx = indices + r * k;
    AccumulateRows(
        EntriesOfRow(counts, r, k),
        [&](size_t j) { return dict + static_cast<size_t>(idx[j]) * ld_dict; }, values + r * k, o,
        dim);
  }
}

// grad[dest_rows[s], :] += sum over p in [offsets[s], offsets[s+1]) of
// values[pairs[p]] * vecs[pairs[p] / k, :], in p order, for s in [slot_begin, slot_end).
// With `assign` (row_begin <= every dest row of the slots < row_end): rows [row_begin,
// row_end) of grad are overwritten instead, with 0 where no slot names them.
void AccumulateSlots(const int32_t* dest_rows, const int64_t* offsets, const int64_t* pairs,
                     size_t slot_begin, size_t slot_end, const float* values, size_t k,
                     const float* vecs, size_t dim, size_t ld_vecs, float* grad, size_t ld_grad,
                     bool assign, size_t row_begin, size_t row_end) {
  std::vector<float> slot_values;
  size_t next_row = row_begin;  // assign: the first row not yet written
  for (size_t s = slot_begin; s < slot_end; ++s) {
    const size_t dest = static_cast<size_t>(dest_rows[s]);
    if (assign) {
      for (; next_row < dest; ++next_row) std::fill_n(grad + next_row * ld_grad, dim, 0.0f);
      next_row = dest + 1;
    }
    const int64_t* slot_pairs = pairs + offsets[s];
    const size_t count = static_cast<size_t>(offsets[s + 1] - offsets[s]);
    slot_values.resize(count);
    for (size_t p = 0; p < count; ++p) slot_values[p] = values[slot_pairs[p]];
    AccumulateRows(
        count, [&](size_t p) { return vecs + static_cast<size_t>(slot_pairs[p]) / k * ld_vecs; },
        slot_values.data(), grad + dest * ld_grad, dim, assign);
  }
  if (assign) {
    for (; next_row < row_end; ++next_row) std::fill_n(grad + next_row * ld_grad, dim, 0.0f);
  }
}

// Four dots of x with w0..w3, each with the same arithmetic as SparseDotOne (one
// accumulator, zero-padded tail, SumOfLanes), so a dot's value does not depend on its
// position among the k.
HWY_INLINE void SparseDotFour(const float* HWY_RESTRICT x, const float* HWY_RESTRICT w0,
                              const float* HWY_RESTRICT w1, const float* HWY_RESTRICT w2,
                              const float* HWY_RESTRICT w3, size_t dim, float* out) {
  const DF d;
  const size_t lanes = hn::Lanes(d);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + lanes <= dim; i += lanes) {
    const auto xv = hn::LoadU(d, x + i);
    s0 = hn::MulAdd(xv, hn::LoadU(d, w0 + i), s0);
    s1 = hn::MulAdd(xv, hn::LoadU(d, w1 + i), s1);
    s2 = hn::MulAdd(xv, hn::LoadU(d, w2 + i), s2);
    s3 = hn::MulAdd(xv, hn::LoadU(d, w3 + i), s3);
  }
  if (i < dim) {
    const size_t rest = dim - i;
    const auto xv = LoadTail(d, x + i, rest);
    s0 = hn::MulAdd(xv, LoadTail(d, w0 + i, rest), s0);
    s1 = hn::MulAdd(xv, LoadTail(d, w1 + i, rest), s1);
    s2 = hn::MulAdd(xv, LoadTail(d, w2 + i, rest), s2);
    s3 = hn::MulAdd(xv, LoadTail(d, w3 + i, rest), s3);
  }
  out[0] = hn::GetLane(hn::SumOfLanes(d, s0));
  out[1] = hn::GetLane(hn::SumOfLanes(d, s1));
  out[2] = hn::GetLane(hn::SumOfLanes(d, s2));
  out[3] = hn::GetLane(hn::SumOfLanes(d, s3));
}

HWY_INLINE float SparseDotOne(const float* HWY_RESTRICT x, const float* HWY_RESTRICT w,
                              size_t dim) {
  const DF d;
  const size_t lanes = hn::Lanes(d);
  auto s = hn::Zero(d);
  size_t i = 0;
  for (; i + lanes <= dim; i += lanes) s = hn::MulAdd(hn::LoadU(d, x + i), hn::LoadU(d, w + i), s);
  if (i < dim) s = hn::MulAdd(LoadTail(d, x + i, dim - i), LoadTail(d, w + i, dim - i), s);
  return hn::GetLane(hn::SumOfLanes(d, s));
}

void SparseDotsRows(const int32_t* indices, size_t row_begin, size_t row_end, size_t k,
                    const int32_t* counts, const float* vecs, size_t ld_vecs, const float* dict,
                    size_t dim, size_t ld_dict, float* out) {
  for (size_t r = row_begin; r < row_end; ++r) {
    const float* x = vecs + r * ld_vecs;
    const int32_t* idx = indices + r * k;
    float* o = out + r * k;
    const auto row = [&](size_t j) { return dict + static_cast<size_t>(idx[j]) * ld_dict; };
    const size_t entries = EntriesOfRow(counts, r, k);
    size_t j = 0;
    for (; j + 4 <= entries; j += 4)
      SparseDotFour(x, row(j), row(j + 1), row(j + 2), row(j + 3), dim, o + j);
    for (; j < entries; ++j) o[j] = SparseDotOne(x, row(j), dim);
    std::fill(o + entries, o + k, 0.0f);
  }
}

}  // namespace lrb::sdl::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

namespace lrb::sdl {

HWY_EXPORT(SparseDecodeRows);
HWY_EXPORT(SparseDotsRows);
HWY_EXPORT(AccumulateSlots);

namespace simd_internal {

void SparseDecode(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                  const int32_t* counts, const float* dict, int64_t dim, int64_t ld_dict,
                  const float* bias, float* out, int64_t ld_out, const Parallelism& par) {
  if (rows == 0 || dim == 0) return;
  const auto kernel = HWY_DYNAMIC_DISPATCH(SparseDecodeRows);
  ParallelFor(
      0, rows, par.threads,
      [&](int64_t r0, int64_t r1) {
        kernel(indices, values, r0, r1, k, counts, dict, dim, ld_dict, bias, out, ld_out);
      },
      MinChunk(par, k * dim));
}

void SparseDots(const int32_t* indices, int64_t rows, int64_t k, const int32_t* counts,
                const float* vecs, int64_t ld_vecs, const float* dict, int64_t dim, int64_t ld_dict,
                float* out, const Parallelism& par) {
  if (rows == 0 || k == 0) return;
  const auto kernel = HWY_DYNAMIC_DISPATCH(SparseDotsRows);
  ParallelFor(
      0, rows, par.threads,
      [&](int64_t r0, int64_t r1) {
        kernel(indices, r0, r1, k, counts, vecs, ld_vecs, dict, dim, ld_dict, out);
      },
      MinChunk(par, k * dim));
}

// Counting sort of the (r, j) pairs by destination row -- stable, so each row receives its
// contributions in (r, j) order as in the reference -- then threads over destination rows,
// cut where the running pair count crosses t / threads of the total. Each destination row
// is summed by one thread in a fixed order: the result does not depend on the threads.
namespace {

// SparseOuterAccumulate, or with `assign` (grad_rows >= 0) SparseOuterAssign: then chunk c
// also owns the rows from its first destination row (0 for the first chunk) to the next
// chunk's (grad_rows for the last) and zeroes those no pair names.
void SparseOuterImpl(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                     const int32_t* counts, const float* vecs, int64_t dim, int64_t ld_vecs,
                     float* grad, int64_t ld_grad, bool assign, int64_t grad_rows,
                     const Parallelism& par) {
  if (dim == 0) return;
  // Calls fn(p) for the pair number p = r * k + j of every entry (padding skipped), in order.
  const auto for_each_entry = [&](const auto& fn) {
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < EntriesOfRow(counts, r, k); ++j) fn(r * k + j);
    }
  };
  int64_t pairs = 0;
  int32_t max_row = -1;
  for_each_entry([&](int64_t p) {
    ++pairs;
    max_row = std::max(max_row, indices[p]);
  });
  if (pairs == 0) {
    if (assign) {
      for (int64_t i = 0; i < grad_rows; ++i) std::fill_n(grad + i * ld_grad, dim, 0.0f);
    }
    return;
  }

  // start[i] = first position of destination row i in the sorted order.
  std::vector<int64_t> start(static_cast<size_t>(max_row) + 2, 0);
  for_each_entry([&](int64_t p) { ++start[indices[p] + 1]; });
  for (int32_t i = 0; i <= max_row; ++i) start[i + 1] += start[i];
  std::vector<int32_t> dest_rows;  // the distinct destination rows, ascending
  std::vector<int64_t> offsets;    // their first sorted positions, then `pairs`
  for (int32_t i = 0; i <= max_row; ++i) {
    if (start[i + 1] == start[i]) continue;
    dest_rows.push_back(i);
    offsets.push_back(start[i]);
  }
  offsets.push_back(pairs);
  std::vector<int64_t> sorted(pairs);  // pair numbers r * k + j, grouped by destination
  for_each_entry([&](int64_t p) { sorted[start[indices[p]]++] = p; });

  const int64_t slots = static_cast<int64_t>(dest_rows.size());
  const int64_t chunks =
      std::clamp<int64_t>(std::min<int64_t>(par.threads, pairs / MinChunk(par, dim)), 1, slots);
  // First slot whose pairs start at or after pair position `target`.
  const auto slot_at = [&](int64_t target) {
    return std::lower_bound(offsets.begin(), offsets.end() - 1, target) - offsets.begin();
  };
  const auto kernel = HWY_DYNAMIC_DISPATCH(AccumulateSlots);
  ParallelFor(0, chunks, static_cast<int>(chunks), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t s0 = c == 0 ? 0 : slot_at(pairs * c / chunks);
      const int64_t s1 = c + 1 == chunks ? slots : slot_at(pairs * (c + 1) / chunks);
      const auto row_begin = [&](int64_t chunk, int64_t slot) -> int64_t {
        if (chunk == 0) return 0;
        if (chunk == chunks) return grad_rows;
        return slot < slots ? dest_rows[slot] : grad_rows;
      };
      kernel(dest_rows.data(), offsets.data(), sorted.data(), s0, s1, values, k, vecs, dim, ld_vecs,
             grad, ld_grad, assign, assign ? row_begin(c, s0) : 0,
             assign ? row_begin(c + 1, s1) : 0);
    }
  });
}

}  // namespace

void SparseOuterAccumulate(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                           const int32_t* counts, const float* vecs, int64_t dim, int64_t ld_vecs,
                           float* grad, int64_t ld_grad, const Parallelism& par) {
  SparseOuterImpl(indices, values, rows, k, counts, vecs, dim, ld_vecs, grad, ld_grad, false, 0,
                  par);
}

void SparseOuterAssign(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                       const int32_t* counts, const float* vecs, int64_t dim, int64_t ld_vecs,
                       float* grad, int64_t ld_grad, int64_t grad_rows, const Parallelism& par) {
  SparseOuterImpl(indices, values, rows, k, counts, vecs, dim, ld_vecs, grad, ld_grad, true,
                  grad_rows, par);
}

}  // namespace simd_internal
}  // namespace lrb::sdl

#endif  // HWY_ONCE
