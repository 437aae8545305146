// The SIMD backend: Highway kernels compiled for every target Highway can attain on this
// architecture (x86: SSSE3, SSE4, AVX2, AVX3 plus the emulated baseline) and chosen once at
// run time for the CPU; OpenBLAS for the dense products; fork-join threads over outputs.
//
// This file is compiled once per Highway target (foreach_target.h re-includes it); the
// per-target kernels live in lrb::sdl::HWY_NAMESPACE and are reached only through
// HWY_DYNAMIC_DISPATCH from the single-compiled part under `#if HWY_ONCE`. No ISA flag is
// set anywhere: each target's code is compiled with that target's function attributes.
//
// Determinism: threads split outputs (rows, elements, destination rows) and never a sum, and
// Dot / SumSquares reduce fixed blocks, so every kernel but the OpenBLAS products gives a
// result that is a function of its inputs and the Highway target alone
// (simd_kernels_internal.h; kernels_test.cc checks it across thread counts).

#include <cblas.h>  // OpenBLAS

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "sdl/kernels/kernels.h"
#include "sdl/kernels/simd_kernels_internal.h"
#include "util/parallel.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "sdl/kernels/simd_kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace lrb::sdl::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;

int64_t TargetOfThisCode() { return HWY_TARGET; }

// ---------------------------------------------------------------------------------------
// Tails. Highway 1.0.3 has no LoadN, and its MaskedLoad / BlendedStore touch the whole
// vector on SSE targets (a read or write past the end of the row), so a partial vector goes
// through an aligned stack buffer: zero-padded on the way in, `count` lanes on the way out.

template <class D>
HWY_INLINE hn::Vec<D> LoadTail(D d, const hn::TFromD<D>* HWY_RESTRICT p, size_t count) {
  HWY_ALIGN hn::TFromD<D> buf[HWY_MAX_BYTES / sizeof(hn::TFromD<D>)] = {};
  std::memcpy(buf, p, count * sizeof(buf[0]));
  return hn::Load(d, buf);
}

template <class D>
HWY_INLINE void StoreTail(D d, hn::Vec<D> v, hn::TFromD<D>* HWY_RESTRICT p, size_t count) {
  HWY_ALIGN hn::TFromD<D> buf[HWY_MAX_BYTES / sizeof(hn::TFromD<D>)];
  hn::Store(v, d, buf);
  std::memcpy(p, buf, count * sizeof(buf[0]));
}

// ---------------------------------------------------------------------------------------
// Reductions.

// <x, y> over n elements, four accumulators.
float DotRange(const float* HWY_RESTRICT x, const float* HWY_RESTRICT y, size_t n) {
  const DF d;
  const size_t lanes = hn::Lanes(d);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * lanes <= n; i += 4 * lanes) {
    s0 = hn::MulAdd(hn::LoadU(d, x + i), hn::LoadU(d, y + i), s0);
    s1 = hn::MulAdd(hn::LoadU(d, x + i + lanes), hn::LoadU(d, y + i + lanes), s1);
    s2 = hn::MulAdd(hn::LoadU(d, x + i + 2 * lanes), hn::LoadU(d, y + i + 2 * lanes), s2);
    s3 = hn::MulAdd(hn::LoadU(d, x + i + 3 * lanes), hn::LoadU(d, y + i + 3 * lanes), s3);
  }
  for (; i + lanes <= n; i += lanes) {
    s0 = hn::MulAdd(hn::LoadU(d, x + i), hn::LoadU(d, y + i), s0);
  }
  if (i < n) {
    s1 = hn::MulAdd(LoadTail(d, x + i, n - i), LoadTail(d, y + i, n - i), s1);
  }
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
}

// Sum of x^2 over n elements, in double (floats are promoted half a vector at a time; the
// product of two floats is exact in double).
double SumSquaresRange(const float* HWY_RESTRICT x, size_t n) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;  // half-width: as many floats as doubles
  const size_t lanes = hn::Lanes(dd);
  auto s0 = hn::Zero(dd), s1 = hn::Zero(dd), s2 = hn::Zero(dd), s3 = hn::Zero(dd);
  size_t i = 0;
  for (; i + 4 * lanes <= n; i += 4 * lanes) {
    const auto v0 = hn::PromoteTo(dd, hn::LoadU(df, x + i));
    const auto v1 = hn::PromoteTo(dd, hn::LoadU(df, x + i + lanes));
    const auto v2 = hn::PromoteTo(dd, hn::LoadU(df, x + i + 2 * lanes));
    const auto v3 = hn::PromoteTo(dd, hn::LoadU(df, x + i + 3 * lanes));
    s0 = hn::MulAdd(v0, v0, s0);
    s1 = hn::MulAdd(v1, v1, s1);
    s2 = hn::MulAdd(v2, v2, s2);
    s3 = hn::MulAdd(v3, v3, s3);
  }
  for (; i + lanes <= n; i += lanes) {
    const auto v = hn::PromoteTo(dd, hn::LoadU(df, x + i));
    s0 = hn::MulAdd(v, v, s0);
  }
  if (i < n) {
    const auto v = hn::PromoteTo(dd, LoadTail(df, x + i, n - i));
    s1 = hn::MulAdd(v, v, s1);
  }
  return hn::GetLane(hn::SumOfLanes(dd, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
}

// ---------------------------------------------------------------------------------------
// Element-wise kernels (callers pass the chunk's pointers).

void AxpyRange(float a, const float* HWY_RESTRICT x, float* HWY_RESTRICT y, size_t n) {
  const DF d;
  const size_t lanes = hn::Lanes(d);
  const auto va = hn::Set(d, a);
  size_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    const auto y0 = hn::MulAdd(va, hn::LoadU(d, x + i), hn::LoadU(d, y + i));
    const auto y1 = hn::MulAdd(va, hn::LoadU(d, x + i + lanes), hn::LoadU(d, y + i + lanes));
    hn::StoreU(y0, d, y + i);
    hn::StoreU(y1, d, y + i + lanes);
  }
  for (; i + lanes <= n; i += lanes) {
    hn::StoreU(hn::MulAdd(va, hn::LoadU(d, x + i), hn::LoadU(d, y + i)), d, y + i);
  }
  if (i < n) {
    StoreTail(d, hn::MulAdd(va, LoadTail(d, x + i, n - i), LoadTail(d, y + i, n - i)), y + i,
              n - i);
  }
}

// out may equal x. `x > 0 ? x : 0` exactly as the reference: -0 and NaN map to +0.
void ReluRange(const float* x, float* out, size_t n) {
  const DF d;
  const size_t lanes = hn::Lanes(d);
  const auto zero = hn::Zero(d);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto v = hn::LoadU(d, x + i);
    hn::StoreU(hn::IfThenElseZero(hn::Gt(v, zero), v), d, out + i);
  }
  if (i < n) {
    const auto v = LoadTail(d, x + i, n - i);
    StoreTail(d, hn::IfThenElseZero(hn::Gt(v, zero), v), out + i, n - i);
  }
}

void AdamRange(const AdamParams& p, float* HWY_RESTRICT param, const float* HWY_RESTRICT grad,
               float* HWY_RESTRICT m, float* HWY_RESTRICT v, size_t n) {
  const DF d;
  const size_t lanes = hn::Lanes(d);
  const auto b1 = hn::Set(d, p.beta1);
  const auto one_minus_b1 = hn::Set(d, 1.0f - p.beta1);
  const auto b2 = hn::Set(d, p.beta2);
  const auto one_minus_b2 = hn::Set(d, 1.0f - p.beta2);
  const auto bc1 = hn::Set(d, p.bias_correction1);
  const auto bc2 = hn::Set(d, p.bias_correction2);
  const auto lr = hn::Set(d, p.learning_rate);
  const auto eps = hn::Set(d, p.epsilon);
  const auto gscale = hn::Set(d, p.gradient_scale);
  const auto step = [&](auto pv, auto gv, auto mv, auto vv, auto store) {
    gv = hn::Mul(gv, gscale);
    mv = hn::MulAdd(b1, mv, hn::Mul(one_minus_b1, gv));
    vv = hn::MulAdd(b2, vv, hn::Mul(hn::Mul(one_minus_b2, gv), gv));
    const auto m_hat = hn::Div(mv, bc1);
    const auto v_hat = hn::Div(vv, bc2);
    pv = hn::Sub(pv, hn::Div(hn::Mul(lr, m_hat), hn::Add(hn::Sqrt(v_hat), eps)));
    store(pv, mv, vv);
  };
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    step(hn::LoadU(d, param + i), hn::LoadU(d, grad + i), hn::LoadU(d, m + i), hn::LoadU(d, v + i),
         [&](auto pv, auto mv, auto vv) {
           hn::StoreU(pv, d, param + i);
           hn::StoreU(mv, d, m + i);
           hn::StoreU(vv, d, v + i);
         });
  }
  if (i < n) {
    const size_t rest = n - i;
    step(LoadTail(d, param + i, rest), LoadTail(d, grad + i, rest), LoadTail(d, m + i, rest),
         LoadTail(d, v + i, rest), [&](auto pv, auto mv, auto vv) {
           StoreTail(d, pv, param + i, rest);
           StoreTail(d, mv, m + i, rest);
           StoreTail(d, vv, v + i, rest);
         });
  }
}

void NormalizeRowsRange(float* w, size_t row_begin, size_t row_end, size_t cols, size_t ld) {
  const DF d;
  const size_t lanes = hn::Lanes(d);
  for (size_t r = row_begin; r < row_end; ++r) {
    float* HWY_RESTRICT row = w + r * ld;
    const double norm = std::sqrt(SumSquaresRange(row, cols));
    if (norm < 1e-12) continue;
    const auto scale = hn::Set(d, static_cast<float>(1.0 / norm));
    size_t i = 0;
    for (; i + lanes <= cols; i += lanes) {
      hn::StoreU(hn::Mul(hn::LoadU(d, row + i), scale), d, row + i);
    }
    if (i < cols) StoreTail(d, hn::Mul(LoadTail(d, row + i, cols - i), scale), row + i, cols - i);
  }
}

// ---------------------------------------------------------------------------------------
// Sparse kernels.

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
                      size_t k, const float* dict, size_t dim, size_t ld_dict, const float* bias,
                      float* out, size_t ld_out) {
  for (size_t r = row_begin; r < row_end; ++r) {
    float* HWY_RESTRICT o = out + r * ld_out;
    if (bias != nullptr) {
      std::memcpy(o, bias, dim * sizeof(float));
    } else {
      std::fill(o, o + dim, 0.0f);
    }
    const int32_t* idx = indices + r * k;
    AccumulateRows(
        k, [&](size_t j) { return dict + static_cast<size_t>(idx[j]) * ld_dict; }, values + r * k,
        o, dim);
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

// Adam on rows [row_begin, row_end) of a rows x cols matrix, each row renormalised right
// after its update (while it is in L1).
void AdamNormalizeRowsRange(const AdamParams& p, float* param, const float* grad, float* m,
                            float* v, size_t row_begin, size_t row_end, size_t cols) {
  for (size_t r = row_begin; r < row_end; ++r) {
    const size_t at = r * cols;
    AdamRange(p, param + at, grad + at, m + at, v + at, cols);
    NormalizeRowsRange(param, r, r + 1, cols, cols);
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
                    const float* vecs, size_t ld_vecs, const float* dict, size_t dim,
                    size_t ld_dict, float* out) {
  for (size_t r = row_begin; r < row_end; ++r) {
    const float* x = vecs + r * ld_vecs;
    const int32_t* idx = indices + r * k;
    float* o = out + r * k;
    const auto row = [&](size_t j) { return dict + static_cast<size_t>(idx[j]) * ld_dict; };
    size_t j = 0;
    for (; j + 4 <= k; j += 4)
      SparseDotFour(x, row(j), row(j + 1), row(j + 2), row(j + 3), dim, o + j);
    for (; j < k; ++j) o[j] = SparseDotOne(x, row(j), dim);
  }
}

// ---------------------------------------------------------------------------------------
// Row-wise top-k.
//
// Exact, and in three steps per row:
//  1. A lower bound t on the k-th largest value. Split the row's whole vectors into G
//     contiguous groups; lane l of the running Max over group g is one element of the row,
//     so the G * lanes group-lane maxima are distinct elements and the k-th largest of them
//     is <= the k-th largest of the row. (Vertical Max only: one streaming pass.)
//  2. Candidates: the columns with value >= t (compare + CompressStore of column indices).
//     They include every column of the top k, ties at the k-th value included.
//  3. Select among the candidates by a 64-bit key (value descending, column ascending) --
//     the reference's strict order -- with nth_element, then sort the first k.
// With G * lanes ~ 4 * k buckets, an i.i.d. row is expected to give about 1.2 * k
// candidates (cols = 16000, k = 64: ~75), so step 3 is cheap; an adversarial row (e.g.
// sorted ascending) only makes step 3 slower, never wrong.

struct TopkScratch {
  std::vector<float> maxima;
  std::vector<int32_t> candidates;
  std::vector<uint64_t> keys;
};

// Ascending key order == descending value, then ascending column. -0 and +0 compare equal
// in the reference, so -0 is folded into +0 first.
HWY_INLINE uint64_t TopkKey(float value, int32_t column) {
  if (value == 0.0f) value = 0.0f;
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint32_t ascending = (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
  return (static_cast<uint64_t>(~ascending) << 32) | static_cast<uint32_t>(column);
}

void TopkRow(const float* HWY_RESTRICT row, size_t cols, size_t k, int32_t* indices, float* values,
             TopkScratch& scratch) {
  const DF d;
  const hn::RebindToSigned<DF> di;
  const size_t lanes = hn::Lanes(d);
  const size_t full_vectors = cols / lanes;

  float threshold = -std::numeric_limits<float>::infinity();
  const size_t groups = std::min(full_vectors, (4 * k + lanes - 1) / lanes);
  // Worth it only if the buckets are at least two vectors long (else it is a full select).
  if (groups * lanes >= k && full_vectors >= 2 * groups) {
    scratch.maxima.resize(groups * lanes);
    for (size_t g = 0; g < groups; ++g) {
      const size_t begin = full_vectors * g / groups;
      const size_t end = full_vectors * (g + 1) / groups;
      auto mx = hn::LoadU(d, row + begin * lanes);
      for (size_t v = begin + 1; v < end; ++v) mx = hn::Max(mx, hn::LoadU(d, row + v * lanes));
      hn::StoreU(mx, d, scratch.maxima.data() + g * lanes);
    }
    std::nth_element(scratch.maxima.begin(), scratch.maxima.begin() + (k - 1), scratch.maxima.end(),
                     std::greater<float>());
    threshold = scratch.maxima[k - 1];
  }

  // CompressStore may write a whole vector at the current end: room for one more.
  scratch.candidates.resize(cols + lanes);
  int32_t* candidates = scratch.candidates.data();
  size_t count = 0;
  const auto vt = hn::Set(d, threshold);
  const auto step = hn::Set(di, static_cast<int32_t>(lanes));
  auto column = hn::Iota(di, 0);
  for (size_t v = 0; v < full_vectors; ++v, column = hn::Add(column, step)) {
    const auto pass = hn::Ge(hn::LoadU(d, row + v * lanes), vt);
    if (hn::AllFalse(d, pass)) continue;
    count += hn::CompressStore(column, hn::RebindMask(di, pass), di, candidates + count);
  }
  for (size_t c = full_vectors * lanes; c < cols; ++c) {
    if (row[c] >= threshold) candidates[count++] = static_cast<int32_t>(c);
  }

  scratch.keys.resize(count);
  for (size_t i = 0; i < count; ++i) scratch.keys[i] = TopkKey(row[candidates[i]], candidates[i]);
  const auto keys_k = scratch.keys.begin() + k;
  if (count > k) std::nth_element(scratch.keys.begin(), keys_k - 1, scratch.keys.end());
  std::sort(scratch.keys.begin(), keys_k);
  for (size_t j = 0; j < k; ++j) {
    const auto c = static_cast<int32_t>(static_cast<uint32_t>(scratch.keys[j]));
    indices[j] = c;
    values[j] = row[c];
  }
}

void TopkRowsRange(const float* z, size_t row_begin, size_t row_end, size_t cols, size_t ldz,
                   size_t k, int32_t* indices, float* values) {
  TopkScratch scratch;
  for (size_t r = row_begin; r < row_end; ++r) {
    TopkRow(z + r * ldz, cols, k, indices + r * k, values + r * k, scratch);
  }
}

}  // namespace lrb::sdl::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

namespace lrb::sdl {

HWY_EXPORT(TargetOfThisCode);
HWY_EXPORT(DotRange);
HWY_EXPORT(SumSquaresRange);
HWY_EXPORT(AxpyRange);
HWY_EXPORT(ReluRange);
HWY_EXPORT(AdamRange);
HWY_EXPORT(NormalizeRowsRange);
HWY_EXPORT(SparseDecodeRows);
HWY_EXPORT(AccumulateSlots);
HWY_EXPORT(AdamNormalizeRowsRange);
HWY_EXPORT(SparseDotsRows);
HWY_EXPORT(TopkRowsRange);

namespace {

using simd_internal::Parallelism;

// The smallest chunk of items worth a thread, given the work per item.
int64_t MinChunk(const Parallelism& par, int64_t work_per_item) {
  const int64_t work = std::max<int64_t>(work_per_item, 1);
  return std::max<int64_t>(1, (par.min_work_per_thread + work - 1) / work);
}

// Element-wise kernels: contiguous chunks of [0, n).
template <class Fn>
void ForEachChunk(int64_t n, const Parallelism& par, const Fn& fn) {
  ParallelFor(0, n, par.threads, fn, MinChunk(par, 1));
}

// Partial sums of fixed blocks of kReduceBlock elements (computed in parallel), then added
// in block order: the result depends on n and the data only.
template <typename T, class BlockSum>
T BlockedSum(int64_t n, const Parallelism& par, const BlockSum& block_sum) {
  constexpr int64_t kBlock = simd_internal::kReduceBlock;
  if (n <= kBlock) return block_sum(0, n);
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<T> partial(blocks);
  ParallelFor(
      0, blocks, par.threads,
      [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          partial[b] = block_sum(b * kBlock, std::min(n, (b + 1) * kBlock));
        }
      },
      MinChunk(par, kBlock));
  T total = 0;
  for (const T p : partial) total += p;
  return total;
}

[[noreturn]] void DieBadGemmSize(const char* what, int64_t value) {
  std::fprintf(stderr, "lrb::sdl simd gemm: %s = %lld exceeds the 32-bit BLAS interface\n", what,
               static_cast<long long>(value));
  std::abort();
}

// cblas_sgemm wants ints and leading dimensions >= max(1, row length).
int BlasInt(const char* what, int64_t value) {
  if (value > INT_MAX) DieBadGemmSize(what, value);
  return static_cast<int>(std::max<int64_t>(value, 1));
}

std::string BackendName() {
  return std::string("simd:") + hwy::TargetName(simd_internal::DispatchedTarget());
}

// Dense products: the Highway GEMM (simd_gemm.cc), not OpenBLAS -- see that file.
void GemmNT(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
            const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  simd_internal::HighwayGemm(false, true, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                             simd_internal::DefaultParallelism());
}

void GemmTN(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
            const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  simd_internal::HighwayGemm(true, false, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                             simd_internal::DefaultParallelism());
}

void GemmNN(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
            const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  simd_internal::HighwayGemm(false, false, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                             simd_internal::DefaultParallelism());
}

// The table's entries: the explicit-parallelism kernels with the default parallelism.
void TopkRows(const float* z, int64_t rows, int64_t cols, int64_t ldz, int64_t k, int32_t* indices,
              float* values) {
  simd_internal::TopkRows(z, rows, cols, ldz, k, indices, values,
                          simd_internal::DefaultParallelism());
}

void SparseDecode(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                  const float* dict, int64_t dim, int64_t ld_dict, const float* bias, float* out,
                  int64_t ld_out) {
  simd_internal::SparseDecode(indices, values, rows, k, dict, dim, ld_dict, bias, out, ld_out,
                              simd_internal::DefaultParallelism());
}

void SparseDots(const int32_t* indices, int64_t rows, int64_t k, const float* vecs, int64_t ld_vecs,
                const float* dict, int64_t dim, int64_t ld_dict, float* out) {
  simd_internal::SparseDots(indices, rows, k, vecs, ld_vecs, dict, dim, ld_dict, out,
                            simd_internal::DefaultParallelism());
}

void SparseOuterAccumulate(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                           const float* vecs, int64_t dim, int64_t ld_vecs, float* grad,
                           int64_t ld_grad) {
  simd_internal::SparseOuterAccumulate(indices, values, rows, k, vecs, dim, ld_vecs, grad, ld_grad,
                                       simd_internal::DefaultParallelism());
}

bool GemmNTBias(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                int64_t ldb, const float* bias, float* c, int64_t ldc) {
  return simd_internal::HighwayGemmNTBias(m, n, k, a, lda, b, ldb, bias, c, ldc,
                                          simd_internal::DefaultParallelism());
}

void SparseOuterAssign(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                       const float* vecs, int64_t dim, int64_t ld_vecs, float* grad,
                       int64_t ld_grad, int64_t grad_rows) {
  simd_internal::SparseOuterAssign(indices, values, rows, k, vecs, dim, ld_vecs, grad, ld_grad,
                                   grad_rows, simd_internal::DefaultParallelism());
}

void AdamNormalizeRows(int64_t rows, int64_t cols, const AdamParams& params, float* param,
                       const float* grad, float* m, float* v) {
  simd_internal::AdamNormalizeRows(rows, cols, params, param, grad, m, v,
                                   simd_internal::DefaultParallelism());
}

float Dot(int64_t n, const float* x, const float* y) {
  return simd_internal::Dot(n, x, y, simd_internal::DefaultParallelism());
}

void Axpy(int64_t n, float a, const float* x, float* y) {
  simd_internal::Axpy(n, a, x, y, simd_internal::DefaultParallelism());
}

double SumSquares(int64_t n, const float* x) {
  return simd_internal::SumSquares(n, x, simd_internal::DefaultParallelism());
}

void AdamUpdate(int64_t n, const AdamParams& params, float* param, const float* grad, float* m,
                float* v) {
  simd_internal::AdamUpdate(n, params, param, grad, m, v, simd_internal::DefaultParallelism());
}

void NormalizeRows(float* w, int64_t rows, int64_t cols, int64_t ld) {
  simd_internal::NormalizeRows(w, rows, cols, ld, simd_internal::DefaultParallelism());
}

void Relu(int64_t n, const float* x, float* out) {
  simd_internal::Relu(n, x, out, simd_internal::DefaultParallelism());
}

}  // namespace

namespace simd_internal {

Parallelism DefaultParallelism() {
  static const int threads = DefaultThreadCount();
  return Parallelism{.threads = threads, .min_work_per_thread = int64_t{1} << 17};
}

// Row-major C = alpha op(A) op(B) + beta C through OpenBLAS.
//
// Threads: OpenBLAS runs its own pool, sized by OPENBLAS_NUM_THREADS (else all cores). We
// leave that setting alone -- openblas_set_num_threads is process-wide, so a library
// calling it would change every other caller's products; the bench mains own that choice.
// Products are repeatable, but they depend on OpenBLAS's core type and, for some cores
// (0.3.21's Haswell and Prescott kernels), on its thread count: the only kernel results
// here that are not a function of the inputs alone. BlasDescription() names both.
//
// Degenerate shapes never reach BLAS (which would reject ld = 0 through xerbla).
void BlasGemm(bool trans_a_flag, bool trans_b_flag, int64_t m, int64_t n, int64_t k, float alpha,
              const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
              int64_t ldc) {
  const CBLAS_TRANSPOSE trans_a = trans_a_flag ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE trans_b = trans_b_flag ? CblasTrans : CblasNoTrans;
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i) {
      float* row = c + i * ldc;
      for (int64_t j = 0; j < n; ++j) row[j] = beta == 0 ? 0.0f : beta * row[j];
    }
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a, trans_b, BlasInt("m", m), BlasInt("n", n), BlasInt("k", k),
              alpha, a, BlasInt("lda", lda), b, BlasInt("ldb", ldb), beta, c, BlasInt("ldc", ldc));
}

std::string BlasDescription() {
  return std::string(openblas_get_config()) + " core=" + openblas_get_corename() +
         " threads=" + std::to_string(openblas_get_num_threads());
}

int64_t DispatchedTarget() { return HWY_DYNAMIC_DISPATCH(TargetOfThisCode)(); }

void TopkRows(const float* z, int64_t rows, int64_t cols, int64_t ldz, int64_t k, int32_t* indices,
              float* values, const Parallelism& par) {
  if (rows == 0 || k == 0) return;
  const auto kernel = HWY_DYNAMIC_DISPATCH(TopkRowsRange);
  ParallelFor(
      0, rows, par.threads,
      [&](int64_t r0, int64_t r1) {
        kernel(z + r0 * ldz, 0, r1 - r0, cols, ldz, k, indices + r0 * k, values + r0 * k);
      },
      MinChunk(par, cols));
}

void SparseDecode(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                  const float* dict, int64_t dim, int64_t ld_dict, const float* bias, float* out,
                  int64_t ld_out, const Parallelism& par) {
  if (rows == 0 || dim == 0) return;
  const auto kernel = HWY_DYNAMIC_DISPATCH(SparseDecodeRows);
  ParallelFor(
      0, rows, par.threads,
      [&](int64_t r0, int64_t r1) {
        kernel(indices, values, r0, r1, k, dict, dim, ld_dict, bias, out, ld_out);
      },
      MinChunk(par, k * dim));
}

void SparseDots(const int32_t* indices, int64_t rows, int64_t k, const float* vecs, int64_t ld_vecs,
                const float* dict, int64_t dim, int64_t ld_dict, float* out,
                const Parallelism& par) {
  if (rows == 0 || k == 0) return;
  const auto kernel = HWY_DYNAMIC_DISPATCH(SparseDotsRows);
  ParallelFor(
      0, rows, par.threads,
      [&](int64_t r0, int64_t r1) {
        kernel(indices, r0, r1, k, vecs, ld_vecs, dict, dim, ld_dict, out);
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
                     const float* vecs, int64_t dim, int64_t ld_vecs, float* grad,
                     int64_t ld_grad, bool assign, int64_t grad_rows, const Parallelism& par) {
  const int64_t pairs = rows * k;
  if (dim == 0) return;
  if (pairs == 0) {
    if (assign) {
      for (int64_t i = 0; i < grad_rows; ++i) std::fill_n(grad + i * ld_grad, dim, 0.0f);
    }
    return;
  }
  const int32_t max_row = *std::max_element(indices, indices + pairs);

  // start[i] = first position of destination row i in the sorted order.
  std::vector<int64_t> start(static_cast<size_t>(max_row) + 2, 0);
  for (int64_t p = 0; p < pairs; ++p) ++start[indices[p] + 1];
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
  for (int64_t p = 0; p < pairs; ++p) sorted[start[indices[p]]++] = p;

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
                           const float* vecs, int64_t dim, int64_t ld_vecs, float* grad,
                           int64_t ld_grad, const Parallelism& par) {
  SparseOuterImpl(indices, values, rows, k, vecs, dim, ld_vecs, grad, ld_grad, false, 0, par);
}

void SparseOuterAssign(const int32_t* indices, const float* values, int64_t rows, int64_t k,
                       const float* vecs, int64_t dim, int64_t ld_vecs, float* grad,
                       int64_t ld_grad, int64_t grad_rows, const Parallelism& par) {
  SparseOuterImpl(indices, values, rows, k, vecs, dim, ld_vecs, grad, ld_grad, true, grad_rows,
                  par);
}

void AdamNormalizeRows(int64_t rows, int64_t cols, const AdamParams& params, float* param,
                       const float* grad, float* m, float* v, const Parallelism& par) {
  if (rows == 0 || cols == 0) return;
  const auto kernel = HWY_DYNAMIC_DISPATCH(AdamNormalizeRowsRange);
  ParallelFor(
      0, rows, par.threads,
      [&](int64_t r0, int64_t r1) { kernel(params, param, grad, m, v, r0, r1, cols); },
      MinChunk(par, cols));
}

float Dot(int64_t n, const float* x, const float* y, const Parallelism& par) {
  const auto kernel = HWY_DYNAMIC_DISPATCH(DotRange);
  return BlockedSum<float>(n, par,
                           [&](int64_t i0, int64_t i1) { return kernel(x + i0, y + i0, i1 - i0); });
}

double SumSquares(int64_t n, const float* x, const Parallelism& par) {
  const auto kernel = HWY_DYNAMIC_DISPATCH(SumSquaresRange);
  return BlockedSum<double>(n, par,
                            [&](int64_t i0, int64_t i1) { return kernel(x + i0, i1 - i0); });
}

void Axpy(int64_t n, float a, const float* x, float* y, const Parallelism& par) {
  const auto kernel = HWY_DYNAMIC_DISPATCH(AxpyRange);
  ForEachChunk(n, par, [&](int64_t i0, int64_t i1) { kernel(a, x + i0, y + i0, i1 - i0); });
}

void AdamUpdate(int64_t n, const AdamParams& params, float* param, const float* grad, float* m,
                float* v, const Parallelism& par) {
  const auto kernel = HWY_DYNAMIC_DISPATCH(AdamRange);
  ForEachChunk(n, par, [&](int64_t i0, int64_t i1) {
    kernel(params, param + i0, grad + i0, m + i0, v + i0, i1 - i0);
  });
}

void NormalizeRows(float* w, int64_t rows, int64_t cols, int64_t ld, const Parallelism& par) {
  const auto kernel = HWY_DYNAMIC_DISPATCH(NormalizeRowsRange);
  ParallelFor(
      0, rows, par.threads, [&](int64_t r0, int64_t r1) { kernel(w, r0, r1, cols, ld); },
      MinChunk(par, cols));
}

void Relu(int64_t n, const float* x, float* out, const Parallelism& par) {
  const auto kernel = HWY_DYNAMIC_DISPATCH(ReluRange);
  ForEachChunk(n, par, [&](int64_t i0, int64_t i1) { kernel(x + i0, out + i0, i1 - i0); });
}

}  // namespace simd_internal

const KernelTable& SimdKernels() {
  static const KernelTable table = {
      .backend_name = BackendName,
      .gemm_nt = GemmNT,
      .gemm_tn = GemmTN,
      .gemm_nn = GemmNN,
      .gemm_nt_bias = GemmNTBias,
      .topk_rows = TopkRows,
      .sparse_decode = SparseDecode,
      .sparse_dots = SparseDots,
      .sparse_outer_accumulate = SparseOuterAccumulate,
      .sparse_outer_assign = SparseOuterAssign,
      .dot = Dot,
      .axpy = Axpy,
      .sum_squares = SumSquares,
      .adam_update = AdamUpdate,
      .normalize_rows = NormalizeRows,
      .adam_normalize_rows = AdamNormalizeRows,
      .relu = Relu,
  };
  return table;
}

}  // namespace lrb::sdl

#endif  // HWY_ONCE
