// The SIMD backend's dense products: a cache-blocked SGEMM of our own on Highway (BLIS
// structure: pack a KC x NC panel of op(B) into NR-wide slivers, pack an MC x KC block of
// op(A) into MR-tall slivers, and run an MR x NR register-blocked micro-kernel of FMAs over
// them), compiled for every Highway target and dispatched at run time like the other SIMD
// kernels.
//
// Why not OpenBLAS: OpenBLAS 0.3.21 picks its kernels from the CPU model, and on CPUs newer
// than it (e.g. Emerald Rapids, family 6 model 207) it falls back to its SSE3 "Prescott"
// kernels at a fraction of the machine's rate; overriding that needs OPENBLAS_CORETYPE in
// the environment, which LRB does not touch. Its products also depend on its thread count.
// This GEMM is chosen by the same runtime dispatch as every other kernel, and its result is
// a function of the inputs and the Highway target alone: every element of C is computed by
// one micro-kernel call per KC block, in a fixed order, whatever the thread split.
//
// Register blocking per target: AVX-512 (32 vector registers) MR = 12, NR = 2 x 16 lanes
// (24 accumulators); 16-register targets (AVX2, SSE4, ...) MR = 6, NR = 2 x lanes (12
// accumulators).

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "hwy/aligned_allocator.h"
#include "hwy/cache_control.h"
#include "sdl/kernels/simd_kernels_internal.h"
#include "util/parallel.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "sdl/kernels/simd_gemm.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace lrb::sdl::HWY_NAMESPACE {
namespace gemm_impl {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;

constexpr size_t kLanes = hn::MaxLanes(DF());
constexpr size_t kNR = 2 * kLanes;  // micro-tile columns: two vectors
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
constexpr size_t kMR = 12;  // micro-tile rows
#else
constexpr size_t kMR = 6;
#endif
// Depth of a packed panel, rows of a packed A block (MC x KC, in L2), columns of a packed B
// panel (KC x NC, in L3). Tuned on the encoder product 1024 x 16000 x 768 (KC 128..768
// and MR 12/14 tried; KC = 384 best, within noise of 256 and 768).
constexpr size_t kKC = 384;
constexpr size_t kMC = 16 * kMR;
constexpr size_t kNC = 128 * kNR;

// Element (i, p) of op(A) and (p, j) of op(B).
struct Operands {
  bool trans_a, trans_b;
  const float* a;
  size_t lda;
  const float* b;
  size_t ldb;
  float A(size_t i, size_t p) const { return trans_a ? a[p * lda + i] : a[i * lda + p]; }
};

// Packs rows [i0, i0 + mc) x depth [p0, p0 + kc) of op(A) into ceil(mc / MR) slivers, each
// kc x MR (sliver s, depth p, row r at s * kc * MR + p * MR + r); rows past mc are zero.
void PackA(const Operands& op, size_t i0, size_t mc, size_t p0, size_t kc, float* HWY_RESTRICT dst) {
  for (size_t s = 0; s * kMR < mc; ++s) {
    float* HWY_RESTRICT sliver = dst + s * kc * kMR;
    const size_t rows = std::min(kMR, mc - s * kMR);
    const size_t i = i0 + s * kMR;
    if (op.trans_a) {  // row p of the stored A holds op(A)(i.., p): contiguous
      for (size_t p = 0; p < kc; ++p) {
        const float* src = op.a + (p0 + p) * op.lda + i;
        float* out = sliver + p * kMR;
        std::memcpy(out, src, rows * sizeof(float));
        std::fill(out + rows, out + kMR, 0.0f);
      }
    } else {
      for (size_t r = 0; r < rows; ++r) {
        const float* src = op.a + (i + r) * op.lda + p0;
        for (size_t p = 0; p < kc; ++p) sliver[p * kMR + r] = src[p];
      }
      for (size_t r = rows; r < kMR; ++r) {
        for (size_t p = 0; p < kc; ++p) sliver[p * kMR + r] = 0.0f;
      }
    }
  }
}

// Packs depth [p0, p0 + kc) x columns [j0, j0 + nc) of op(B) into ceil(nc / NR) slivers,
// each kc x NR; columns past nc are zero.
void PackB(const Operands& op, size_t p0, size_t kc, size_t j0, size_t nc, float* HWY_RESTRICT dst) {
  const DF d;
  for (size_t s = 0; s * kNR < nc; ++s) {
    float* HWY_RESTRICT sliver = dst + s * kc * kNR;
    const size_t cols = std::min(kNR, nc - s * kNR);
    const size_t j = j0 + s * kNR;
    if (op.trans_b) {  // row j of the stored B holds op(B)(.., j): a column of the sliver
      for (size_t c = 0; c < cols; ++c) {
        const float* src = op.b + (j + c) * op.ldb + p0;
        for (size_t p = 0; p < kc; ++p) sliver[p * kNR + c] = src[p];
      }
      for (size_t c = cols; c < kNR; ++c) {
        for (size_t p = 0; p < kc; ++p) sliver[p * kNR + c] = 0.0f;
      }
    } else if (cols == kNR) {
      for (size_t p = 0; p < kc; ++p) {
        const float* src = op.b + (p0 + p) * op.ldb + j;
        float* out = sliver + p * kNR;
        hn::Store(hn::LoadU(d, src), d, out);
        hn::Store(hn::LoadU(d, src + kLanes), d, out + kLanes);
      }
    } else {
      for (size_t p = 0; p < kc; ++p) {
        const float* src = op.b + (p0 + p) * op.ldb + j;
        float* out = sliver + p * kNR;
        std::memcpy(out, src, cols * sizeof(float));
        std::fill(out + cols, out + kNR, 0.0f);
      }
    }
  }
}

// C tile (rows x cols <= MR x NR, stride ldc) = alpha * (A sliver . B sliver) + beta * C,
// then + bias (cols values added to every row) when bias is not null; beta == 0 ignores C's
// old contents. Full tiles go straight to C, partial ones through a buffer, with the same
// arithmetic. Returns false if `check` and some element of the tile is not finite.
HWY_NOINLINE bool MicroKernel(size_t kc, const float* HWY_RESTRICT pa, const float* HWY_RESTRICT pb,
                              float alpha, float beta, float* HWY_RESTRICT c, size_t ldc,
                              size_t rows, size_t cols, const float* HWY_RESTRICT bias,
                              bool check) {
  // C rows are ldc apart, so each is a cache miss: request them now, use them after the
  // kc-deep loop (measured: +10% on the paper's encoder product).
  for (size_t r = 0; r < rows; ++r) {
    hwy::Prefetch(c + r * ldc);
    hwy::Prefetch(c + r * ldc + cols - 1);
  }
  const DF d;
  VF acc0[kMR], acc1[kMR];
#pragma GCC unroll 16
  for (size_t r = 0; r < kMR; ++r) {
    acc0[r] = hn::Zero(d);
    acc1[r] = hn::Zero(d);
  }
  for (size_t p = 0; p < kc; ++p) {
    const VF b0 = hn::Load(d, pb + p * kNR);
    const VF b1 = hn::Load(d, pb + p * kNR + kLanes);
#pragma GCC unroll 16
    for (size_t r = 0; r < kMR; ++r) {
      const VF a = hn::Set(d, pa[p * kMR + r]);
      acc0[r] = hn::MulAdd(a, b0, acc0[r]);
      acc1[r] = hn::MulAdd(a, b1, acc1[r]);
    }
  }
  const VF valpha = hn::Set(d, alpha);
  const VF vbeta = hn::Set(d, beta);
  const bool full = rows == kMR && cols == kNR;
  HWY_ALIGN float buffer[kMR * kNR];
  float* out = full ? c : buffer;
  const size_t ld_out = full ? ldc : kNR;
  if (!full && beta != 0) {
    for (size_t r = 0; r < rows; ++r) std::memcpy(buffer + r * kNR, c + r * ldc, cols * sizeof(float));
  }
  // The bias of the tile's columns (zero-padded for a partial tile).
  HWY_ALIGN float bias_buffer[kNR] = {};
  if (bias != nullptr && cols < kNR) {
    std::memcpy(bias_buffer, bias, cols * sizeof(float));
    bias = bias_buffer;
  }
  const VF bias0 = bias == nullptr ? hn::Zero(d) : hn::LoadU(d, bias);
  const VF bias1 = bias == nullptr ? hn::Zero(d) : hn::LoadU(d, bias + kLanes);
  // x * 0 is 0 for finite x and NaN for an infinity or NaN: one FMA per stored vector.
  const VF zero = hn::Zero(d);
  VF not_finite = hn::Zero(d);
#pragma GCC unroll 16
  for (size_t r = 0; r < kMR; ++r) {
    float* row = out + r * ld_out;
    VF v0, v1;
    if (beta == 0) {
      v0 = hn::Mul(valpha, acc0[r]);
      v1 = hn::Mul(valpha, acc1[r]);
    } else {
      v0 = hn::MulAdd(valpha, acc0[r], hn::Mul(vbeta, hn::LoadU(d, row)));
      v1 = hn::MulAdd(valpha, acc1[r], hn::Mul(vbeta, hn::LoadU(d, row + kLanes)));
    }
    if (bias != nullptr) {
      v0 = hn::Add(v0, bias0);
      v1 = hn::Add(v1, bias1);
    }
    hn::StoreU(v0, d, row);
    hn::StoreU(v1, d, row + kLanes);
    if (check && full) not_finite = hn::MulAdd(v0, zero, hn::MulAdd(v1, zero, not_finite));
    if (!full && r + 1 >= rows) break;
  }
  bool finite = true;
  if (!full) {
    for (size_t r = 0; r < rows; ++r) {
      std::memcpy(c + r * ldc, buffer + r * kNR, cols * sizeof(float));
      if (check) {
        for (size_t j = 0; j < cols; ++j) finite = finite && std::isfinite(buffer[r * kNR + j]);
      }
    }
  } else if (check) {
    finite = hn::AllFalse(d, hn::IsNaN(not_finite));
  }
  return finite;
}

}  // namespace gemm_impl

// C[i0:i1, j0:j1] of C = alpha op(A) op(B) + beta C (k >= 1), then + bias[j] (bias may be
// null), on the calling thread. Returns false if `check` and an element of the block is not
// finite.
bool GemmBlock(bool trans_a, bool trans_b, size_t k, float alpha, const float* a, size_t lda,
               const float* b, size_t ldb, float beta, float* c, size_t ldc, size_t i0, size_t i1,
               size_t j0, size_t j1, const float* bias, bool check) {
  using namespace gemm_impl;  // NOLINT: this file's per-target internals
  const Operands op{trans_a, trans_b, a, lda, b, ldb};
  const size_t m = i1 - i0, n = j1 - j0;
  const size_t kc_max = std::min(kKC, k);
  const size_t mc_max = std::min(kMC, (m + kMR - 1) / kMR * kMR);
  const size_t nc_max = std::min(kNC, (n + kNR - 1) / kNR * kNR);
  auto packed_a = hwy::AllocateAligned<float>(mc_max * kc_max);
  auto packed_b = hwy::AllocateAligned<float>(nc_max * kc_max);
  bool finite = true;
  for (size_t jc = j0; jc < j1; jc += kNC) {
    const size_t nc = std::min(kNC, j1 - jc);
    for (size_t pc = 0; pc < k; pc += kKC) {
      const size_t kc = std::min(kKC, k - pc);
      // The first depth block applies the caller's beta; later ones add to it.
      const float block_beta = pc == 0 ? beta : 1.0f;
      // The last depth block adds the bias and checks the finished elements.
      const bool last = pc + kc == k;
      PackB(op, pc, kc, jc, nc, packed_b.get());
      for (size_t ic = i0; ic < i1; ic += kMC) {
        const size_t mc = std::min(kMC, i1 - ic);
        PackA(op, ic, mc, pc, kc, packed_a.get());
        for (size_t jr = 0; jr < nc; jr += kNR) {
          const float* pb = packed_b.get() + jr * kc;  // sliver jr / NR
          for (size_t ir = 0; ir < mc; ir += kMR) {
            const bool tile_finite = MicroKernel(
                kc, packed_a.get() + ir * kc, pb, alpha, block_beta,
                c + (ic + ir) * ldc + jc + jr, ldc, std::min(kMR, mc - ir),
                std::min(kNR, nc - jr), last && bias != nullptr ? bias + jc + jr : nullptr,
                last && check);
            finite = finite && tile_finite;
          }
        }
      }
    }
  }
  return finite;
}

// The micro-tile shape of this target, as (MR, NR).
void GemmTile(size_t* mr, size_t* nr) {
  *mr = gemm_impl::kMR;
  *nr = gemm_impl::kNR;
}

}  // namespace lrb::sdl::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

namespace lrb::sdl {

HWY_EXPORT(GemmBlock);
HWY_EXPORT(GemmTile);

namespace simd_internal {

namespace {

// HighwayGemm, + bias, and the finiteness check when `check`.
bool GemmImpl(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
              const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
              int64_t ldc, const float* bias, bool check, const Parallelism& par) {
  if (m <= 0 || n <= 0) return true;
  if (k <= 0) {  // C = beta C; beta == 0 writes zeros even over NaN
    bool finite = true;
    for (int64_t i = 0; i < m; ++i) {
      float* row = c + i * ldc;
      for (int64_t j = 0; j < n; ++j) {
        row[j] = beta == 0 ? 0.0f : beta * row[j];
        if (bias != nullptr) row[j] += bias[j];
        finite = finite && std::isfinite(row[j]);
      }
    }
    return finite || !check;
  }
  size_t mr = 0, nr = 0;
  HWY_DYNAMIC_DISPATCH(GemmTile)(&mr, &nr);
  const auto kernel = HWY_DYNAMIC_DISPATCH(GemmBlock);
  // Threads take whole micro-tile columns (or rows, when C is taller than wide); every
  // element's arithmetic is the same whatever the split.
  const bool split_columns = n >= m;
  const int64_t unit = static_cast<int64_t>(split_columns ? nr : mr);
  const int64_t units = ((split_columns ? n : m) + unit - 1) / unit;
  const int64_t work_per_unit = unit * (split_columns ? m : n) * k;
  const int64_t min_units = std::max<int64_t>(
      1, (par.min_work_per_thread + work_per_unit - 1) / std::max<int64_t>(work_per_unit, 1));
  std::atomic<bool> finite{true};
  ParallelFor(
      0, units, par.threads,
      [&](int64_t u0, int64_t u1) {
        const int64_t lo = u0 * unit, hi = std::min(u1 * unit, split_columns ? n : m);
        const bool ok =
            split_columns
                ? kernel(trans_a, trans_b, k, alpha, a, lda, b, ldb, beta, c, ldc, 0, m, lo, hi,
                         bias, check)
                : kernel(trans_a, trans_b, k, alpha, a, lda, b, ldb, beta, c, ldc, lo, hi, 0, n,
                         bias, check);
        if (!ok) finite.store(false);
      },
      min_units);
  return finite.load();
}

}  // namespace

void HighwayGemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                 const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                 int64_t ldc, const Parallelism& par) {
  GemmImpl(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nullptr, false, par);
}

bool HighwayGemmNTBias(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                       const float* b, int64_t ldb, const float* bias, float* c, int64_t ldc,
                       const Parallelism& par) {
  return GemmImpl(false, true, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc, bias, true, par);
}

std::string GemmDescription() {
  size_t mr = 0, nr = 0;
  HWY_DYNAMIC_DISPATCH(GemmTile)(&mr, &nr);
  return "highway-blocked micro-tile " + std::to_string(mr) + "x" + std::to_string(nr) +
         " on " + hwy::TargetName(DispatchedTarget());
}

}  // namespace simd_internal
}  // namespace lrb::sdl

#endif  // HWY_ONCE
