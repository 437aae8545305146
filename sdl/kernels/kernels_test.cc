// Every SIMD kernel against the scalar reference, at sizes that hit every vector tail (1, 3,
// 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129) and with leading dimensions
// larger than the row. Selections, masks and element-wise maps must agree exactly; sums
// within a depth-scaled bound. Both backends against a third, independent reference: the
// mathematical definition evaluated by Eigen in double precision, which catches mistakes the
// scalar and SIMD code could share. Also: the dispatcher picked the best target this build
// and CPU allow, results do not depend on the thread count, the OpenBLAS comparison GEMM
// (blas_gemm.h) computes the same products, and a few hand-computed goldens.
//
// Inputs come from the counter RNG under one seed, printed with every failure; replay a
// failure with LRB_KERNELS_TEST_SEED=<seed>.

#include "sdl/kernels/kernels.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hwy/targets.h"
#include "sdl/kernels/blas_gemm.h"
#include "sdl/kernels/simd_kernels_internal.h"
#include "util/philox.h"
#include "util/testing/status_matchers.h"

namespace lrb::sdl {
namespace {

using simd_internal::Parallelism;

constexpr int64_t kSizes[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129};
constexpr float kEps = std::numeric_limits<float>::epsilon();
constexpr int kMaxReportedMismatches = 8;

const KernelTable& Ref() { return ScalarKernels(); }
const KernelTable& Simd() { return SimdKernels(); }

uint64_t TestSeed() {
  static const uint64_t seed = [] {
    const char* env = std::getenv("LRB_KERNELS_TEST_SEED");
    return env == nullptr ? uint64_t{20241125} : std::strtoull(env, nullptr, 10);
  }();
  return seed;
}

std::string SeedNote() {
  return absl::StrCat("seed ", TestSeed(), " (replay: LRB_KERNELS_TEST_SEED=", TestSeed(), ")");
}

// Deterministic draws; each test uses its own stream so that tests are independent.
class Draws {
 public:
  explicit Draws(uint64_t stream) : rng_(TestSeed(), stream) {}
  float Uniform(float lo, float hi) {
    return lo + static_cast<float>(rng_.Uniform(next_++)) * (hi - lo);
  }
  int64_t Below(int64_t bound) {
    return static_cast<int64_t>(rng_.Below(next_++, static_cast<uint64_t>(bound)));
  }
  std::vector<float> Vector(int64_t n, float lo = -1.0f, float hi = 1.0f) {
    std::vector<float> v(n);
    for (float& x : v) x = Uniform(lo, hi);
    return v;
  }

 private:
  CounterRng rng_;
  uint64_t next_ = 0;
};

// A row-major rows x cols matrix with leading dimension ld >= cols. The padding between
// rows holds a NaN sentinel so that a kernel writing past a row's end is caught.
struct Matrix {
  Matrix(int64_t rows_, int64_t cols_, int64_t pad = 0)
      : rows(rows_), cols(cols_), ld(cols_ + pad), data(rows_ * (cols_ + pad), kSentinel) {}
  float& at(int64_t r, int64_t c) { return data[r * ld + c]; }
  float at(int64_t r, int64_t c) const { return data[r * ld + c]; }
  float* ptr() { return data.data(); }
  const float* ptr() const { return data.data(); }
  std::string Shape() const { return absl::StrFormat("%dx%d (ld %d)", rows, cols, ld); }

  static constexpr float kSentinel = std::numeric_limits<float>::quiet_NaN();
  int64_t rows, cols, ld;
  std::vector<float> data;
};

Matrix RandomMatrix(Draws& draws, int64_t rows, int64_t cols, int64_t pad, float lo = -1.0f,
                    float hi = 1.0f) {
  Matrix m(rows, cols, pad);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) m.at(r, c) = draws.Uniform(lo, hi);
  }
  return m;
}

Matrix Abs(Matrix m) {
  for (float& x : m.data) x = std::fabs(x);
  return m;
}

bool SameBits(float a, float b) { return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b); }

// Both results of a float sum of `depth` terms whose magnitudes add to `abs_sum` lie within
// about depth * eps * abs_sum of the exact value (Higham, recursive summation; blocked and
// FMA orders are no worse), so the two may differ by 4 * eps * depth * abs_sum.
double SumTolerance(int64_t depth, double abs_sum) {
  return 4.0 * kEps * static_cast<double>(std::max<int64_t>(depth, 1)) * abs_sum;
}

// Element-wise comparison of two rows x cols matrices; `tolerance` is per element (a matrix
// of bounds, or null for exact bitwise agreement). Padding must be bitwise untouched.
void ExpectMatrixNear(const Matrix& got, const Matrix& want, const Matrix* tolerance,
                      const std::string& what) {
  ASSERT_EQ(got.data.size(), want.data.size()) << what;
  int mismatches = 0;
  for (int64_t r = 0; r < got.rows; ++r) {
    for (int64_t c = 0; c < got.ld; ++c) {
      const float g = got.at(r, c), w = want.at(r, c);
      const bool padding = c >= got.cols;
      bool ok;
      double bound = 0;
      if (padding || tolerance == nullptr) {
        ok = SameBits(g, w);
      } else {
        bound = tolerance->at(r, c);
        ok = SameBits(g, w) || std::fabs(static_cast<double>(g) - w) <= bound;
      }
      if (!ok && ++mismatches <= kMaxReportedMismatches) {
        ADD_FAILURE() << what << ": " << got.Shape() << (padding ? " padding" : "") << " at (" << r
                      << ", " << c << "): simd " << absl::StrFormat("%.9g", g) << " vs scalar "
                      << absl::StrFormat("%.9g", w) << ", |diff| "
                      << std::fabs(static_cast<double>(g) - w) << " > bound " << bound << "; "
                      << SeedNote();
      }
    }
  }
  EXPECT_EQ(mismatches, 0) << what << ": " << got.Shape() << " mismatching elements";
}

void ExpectVectorNear(const std::vector<float>& got, const std::vector<float>& want,
                      const std::vector<double>* tolerance, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int mismatches = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double bound = tolerance == nullptr ? 0.0 : (*tolerance)[i];
    const bool ok =
        SameBits(got[i], want[i]) ||
        (tolerance != nullptr && std::fabs(static_cast<double>(got[i]) - want[i]) <= bound);
    if (!ok && ++mismatches <= kMaxReportedMismatches) {
      ADD_FAILURE() << what << " (n = " << got.size() << ") at " << i << ": simd "
                    << absl::StrFormat("%.9g", got[i]) << " vs scalar "
                    << absl::StrFormat("%.9g", want[i]) << ", bound " << bound << "; "
                    << SeedNote();
    }
  }
  EXPECT_EQ(mismatches, 0) << what << " (n = " << got.size() << ") mismatching elements";
}

// The parallelisms every threaded kernel must agree across, bitwise. min_work 1 splits
// even tiny inputs, so chunk boundaries land everywhere.
std::vector<Parallelism> ParallelismsToCompare() {
  return {{.threads = 1, .min_work_per_thread = 1},
          {.threads = 2, .min_work_per_thread = 1},
          {.threads = 3, .min_work_per_thread = 1},
          {.threads = 8, .min_work_per_thread = 1},
          simd_internal::DefaultParallelism()};
}

std::string ParallelismName(const Parallelism& par) {
  return absl::StrFormat("threads %d, min work %d", par.threads, par.min_work_per_thread);
}

// Every SIMD test runs once per Highway target that this build compiled and this CPU runs
// (on an AVX-512 machine: AVX3, AVX2, SSE4, SSSE3 and the scalar fallback), by pretending
// the CPU supports only that target. The dispatch test below runs without the pretence.
class KernelsTest : public ::testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override {
    hwy::SetSupportedTargetsForTest(GetParam());
    hwy::GetChosenTarget().Update(hwy::SupportedTargets());
    ASSERT_EQ(simd_internal::DispatchedTarget(), GetParam())
        << "could not select " << hwy::TargetName(GetParam());
  }
  void TearDown() override {
    hwy::SetSupportedTargetsForTest(0);
    hwy::GetChosenTarget().Update(hwy::SupportedTargets());
  }
};

INSTANTIATE_TEST_SUITE_P(Targets, KernelsTest,
                         ::testing::ValuesIn(hwy::SupportedAndGeneratedTargets()),
                         [](const ::testing::TestParamInfo<int64_t>& info) {
                           return std::string(hwy::TargetName(info.param));
                         });

// ---------------------------------------------------------------------------------------
// Backend identity and dispatch.

TEST(KernelsDispatchTest, BackendNames) {
  EXPECT_EQ(Ref().backend_name(), "scalar");
  EXPECT_EQ(Simd().backend_name().rfind("simd:", 0), 0u) << Simd().backend_name();
}

// "Prove the fast path ran": the dispatcher must pick the best target that this CPU
// supports and this build compiled (a lower HWY_* bit is better), and the recorded backend
// name must say so. Fails, for example, if an AVX-512 machine ran the AVX2 code.
TEST(KernelsDispatchTest, DispatchUsesBestSupportedCompiledTarget) {
  const int64_t usable = hwy::SupportedTargets() & HWY_TARGETS;
  ASSERT_NE(usable, 0) << "no compiled Highway target runs on this CPU";
  const int64_t best = usable & -usable;
  const int64_t dispatched = simd_internal::DispatchedTarget();
  EXPECT_EQ(dispatched, best) << "dispatched " << hwy::TargetName(dispatched) << ", but "
                              << hwy::TargetName(best) << " is compiled and supported";
  EXPECT_EQ(Simd().backend_name(), absl::StrCat("simd:", hwy::TargetName(best)));
#if HWY_ARCH_X86
  if ((hwy::SupportedTargets() & HWY_AVX2) != 0) {
    EXPECT_LE(dispatched, HWY_AVX2) << "CPU has AVX2 but ran " << hwy::TargetName(dispatched);
  }
#endif
  std::printf("SIMD backend: %s (compiled targets:", Simd().backend_name().c_str());
  for (int64_t t = HWY_TARGETS; t != 0; t &= t - 1) std::printf(" %s", hwy::TargetName(t & -t));
  std::printf(")\n");
}

TEST(KernelsDispatchTest, KernelsByName) {
  LRB_ASSERT_OK_AND_ASSIGN(const KernelTable* scalar, KernelsByName("scalar"));
  EXPECT_EQ(scalar, &ScalarKernels());
  LRB_ASSERT_OK_AND_ASSIGN(const KernelTable* simd, KernelsByName("simd"));
  EXPECT_EQ(simd, &SimdKernels());
  EXPECT_THAT(KernelsByName("avx9"),
              lrb::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                ::testing::AllOf(::testing::HasSubstr("\"avx9\""),
                                                 ::testing::HasSubstr("scalar, simd"))));
}

// ---------------------------------------------------------------------------------------
// Dense products: the Highway GEMM (simd_gemm.cc), on the dispatched target here and on
// every compiled target in KernelsTest below.

enum class GemmKind { kNT, kTN, kNN };

const char* GemmName(GemmKind kind) {
  switch (kind) {
    case GemmKind::kNT:
      return "gemm_nt";
    case GemmKind::kTN:
      return "gemm_tn";
    case GemmKind::kNN:
      return "gemm_nn";
  }
  return "?";
}

using GemmFn = void (*)(int64_t, int64_t, int64_t, float, const float*, int64_t, const float*,
                        int64_t, float, float*, int64_t);

GemmFn GemmOf(const KernelTable& t, GemmKind kind) {
  switch (kind) {
    case GemmKind::kNT:
      return t.gemm_nt;
    case GemmKind::kTN:
      return t.gemm_tn;
    case GemmKind::kNN:
      return t.gemm_nn;
  }
  return nullptr;
}

// One of the products under test, C = alpha op(A) op(B) + beta C, as `kind` says.
using GemmUnderTest = std::function<void(GemmKind kind, int64_t m, int64_t n, int64_t k,
                                         float alpha, const float* a, int64_t lda,
                                         const float* b, int64_t ldb, float beta, float* c,
                                         int64_t ldc)>;

// The SIMD table's products.
void SimdGemm(GemmKind kind, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
              int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  GemmOf(Simd(), kind)(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// OpenBLAS's (blas_gemm.h): the comparison engine of the benchmarks.
void OpenBlasGemm(GemmKind kind, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                  int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  BlasGemm(kind == GemmKind::kTN, kind == GemmKind::kNT, m, n, k, alpha, a, lda, b, ldb, beta, c,
           ldc);
}

// Checks one product C[m x n] of `product` against the scalar reference. A and B are stored
// as the kind says (NT: A m x k, B n x k; TN: A k x m, B k x n; NN: A m x k, B k x n), each
// with row padding. beta == 0 starts C as NaN, which the product must ignore.
void CheckGemm(const GemmUnderTest& product, GemmKind kind, int64_t m, int64_t n, int64_t k,
               float alpha, float beta, Draws& draws) {
  const std::string what =
      absl::StrFormat("%s m=%d n=%d k=%d alpha=%g beta=%g", GemmName(kind), m, n, k, alpha, beta);
  SCOPED_TRACE(what);
  const bool a_t = kind == GemmKind::kTN, b_t = kind == GemmKind::kNT;
  const Matrix a = a_t ? RandomMatrix(draws, k, m, 3) : RandomMatrix(draws, m, k, 3);
  const Matrix b = b_t ? RandomMatrix(draws, n, k, 5) : RandomMatrix(draws, k, n, 5);
  Matrix c0 = RandomMatrix(draws, m, n, 2);
  if (beta == 0) {
    for (int64_t r = 0; r < m; ++r) {
      for (int64_t col = 0; col < n; ++col) c0.at(r, col) = std::numeric_limits<float>::quiet_NaN();
    }
  }
  Matrix got = c0, want = c0;
  product(kind, m, n, k, alpha, a.ptr(), a.ld, b.ptr(), b.ld, beta, got.ptr(), got.ld);
  GemmOf(Ref(), kind)(m, n, k, alpha, a.ptr(), a.ld, b.ptr(), b.ld, beta, want.ptr(), want.ld);

  // Per-element bound from the same product on magnitudes: |alpha| sum |a b| + |beta c|.
  const Matrix abs_a = Abs(a), abs_b = Abs(b);
  Matrix bound = beta == 0 ? Matrix(m, n, 2) : Abs(c0);
  GemmOf(Ref(), kind)(m, n, k, std::fabs(alpha), abs_a.ptr(), abs_a.ld, abs_b.ptr(), abs_b.ld,
                      std::fabs(beta), bound.ptr(), bound.ld);
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t col = 0; col < n; ++col) {
      bound.at(r, col) = static_cast<float>(SumTolerance(k + 1, bound.at(r, col)));
    }
  }
  ExpectMatrixNear(got, want, &bound, what);
}

std::vector<std::array<int64_t, 3>> GemmShapes() {
  std::vector<std::array<int64_t, 3>> shapes;
  for (const int64_t s : kSizes) {
    shapes.push_back({s, 17, 33});
    shapes.push_back({9, s, 65});
    shapes.push_back({31, 7, s});
    shapes.push_back({s, s, s});
  }
  shapes.push_back({0, 5, 3});
  shapes.push_back({4, 0, 3});
  shapes.push_back({4, 5, 0});        // C = beta C: zeros when beta == 0, even from NaN
  shapes.push_back({300, 257, 190});  // large enough to thread
  shapes.push_back({200, 70, 800});   // several depth blocks (KC) and row blocks (MC)
  shapes.push_back({13, 4200, 20});   // several column panels (NC)
  return shapes;
}

void CheckAllGemms(const GemmUnderTest& product, Draws& draws) {
  for (const GemmKind kind : {GemmKind::kNT, GemmKind::kTN, GemmKind::kNN}) {
    for (const auto& [m, n, k] : GemmShapes()) {
      CheckGemm(product, kind, m, n, k, 0.75f, 0.0f, draws);
      CheckGemm(product, kind, m, n, k, -1.25f, 0.5f, draws);
    }
  }
}

TEST(KernelsGemmTest, GemmMatchesReference) {
  Draws draws(1);
  CheckAllGemms(SimdGemm, draws);
}

// The OpenBLAS comparison engine computes the same products (all three kinds, every shape,
// beta 0 over NaN and beta != 0), so the benchmarks compare like with like.
TEST(KernelsGemmTest, BlasGemmMatchesReference) {
  std::printf("BLAS: %s\n", BlasDescription().c_str());
  Draws draws(21);
  CheckAllGemms(OpenBlasGemm, draws);
}

TEST(KernelsGemmTest, GemmGolden) {
  // A = [1 2 3; 4 5 6], B = [1 0 -1; 0.5 0.5 0.5]: A B^T = [-2 3; -2 7.5] (exact in float).
  const float a[] = {1, 2, 3, 4, 5, 6};
  const float b[] = {1, 0, -1, 0.5f, 0.5f, 0.5f};
  for (const KernelTable* t : {&Ref(), &Simd()}) {
    float c[4] = {std::nanf(""), std::nanf(""), std::nanf(""), std::nanf("")};
    t->gemm_nt(2, 2, 3, 1.0f, a, 3, b, 3, 0.0f, c, 2);
    EXPECT_EQ(c[0], -2.0f) << t->backend_name();
    EXPECT_EQ(c[1], 3.0f) << t->backend_name();
    EXPECT_EQ(c[2], -2.0f) << t->backend_name();
    EXPECT_EQ(c[3], 7.5f) << t->backend_name();
    // C = 2 (A^T)(A) with A as 2x3 read transposed: [34 44 54; 44 58 72; 54 72 90]; + 1 * C.
    float d[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    t->gemm_tn(3, 3, 2, 2.0f, a, 3, a, 3, 1.0f, d, 3);
    const float want_d[9] = {35, 45, 55, 45, 59, 73, 55, 73, 91};
    for (int i = 0; i < 9; ++i) EXPECT_EQ(d[i], want_d[i]) << t->backend_name() << " at " << i;
  }
}

// OpenBLAS results are repeatable for a fixed core type and thread count. They are NOT
// independent of the thread count in general (the Haswell and Prescott kernels of 0.3.21
// round differently when C is split differently; SkylakeX does not), so a benchmark that
// reports them records OpenBLAS's core and thread count (BlasDescription()). Our own GEMM
// is bitwise the same for every thread count: GemmDoesNotDependOnThreadCount below.
TEST(KernelsGemmTest, BlasGemmIsRepeatableForAFixedThreadCount) {
  std::printf("BLAS: %s\n", BlasDescription().c_str());
  Draws draws(2);
  const int64_t m = 256, n = 384, k = 200;
  const Matrix a = RandomMatrix(draws, m, k, 0), b = RandomMatrix(draws, n, k, 0);
  const int saved = BlasThreadCount();
  for (const int threads : {1, 2}) {
    SetBlasThreadCount(threads);
    ASSERT_EQ(BlasThreadCount(), threads);
    Matrix first(m, n), second(m, n);
    BlasGemm(false, true, m, n, k, 1.0f, a.ptr(), a.ld, b.ptr(), b.ld, 0.0f, first.ptr(),
             first.ld);
    BlasGemm(false, true, m, n, k, 1.0f, a.ptr(), a.ld, b.ptr(), b.ld, 0.0f, second.ptr(),
             second.ld);
    ExpectMatrixNear(second, first, nullptr,
                     absl::StrCat("BlasGemm nt repeated, OpenBLAS threads ", threads));
  }
  SetBlasThreadCount(saved);
}

// Every compiled target's GEMM (micro-tiles 12x32 on AVX3, 6x16 on AVX2, 6x8 on SSE4, ...).
TEST_P(KernelsTest, GemmMatchesReference) {
  Draws draws(22);
  CheckAllGemms(SimdGemm, draws);
}

// Threads split C by micro-tiles and never a sum: bitwise the same for every split.
TEST_P(KernelsTest, GemmDoesNotDependOnThreadCount) {
  Draws draws(23);
  for (const auto& [m, n, k] : std::vector<std::array<int64_t, 3>>{
           {65, 129, 400}, {129, 33, 65}, {7, 300, 17}}) {
    for (const auto& [trans_a, trans_b] :
         std::vector<std::pair<bool, bool>>{{false, true}, {true, false}, {false, false}}) {
      const Matrix a = trans_a ? RandomMatrix(draws, k, m, 1) : RandomMatrix(draws, m, k, 1);
      const Matrix b = trans_b ? RandomMatrix(draws, n, k, 2) : RandomMatrix(draws, k, n, 2);
      const Matrix c0 = RandomMatrix(draws, m, n, 3);
      Matrix first = c0;
      simd_internal::HighwayGemm(trans_a, trans_b, m, n, k, 0.5f, a.ptr(), a.ld, b.ptr(), b.ld,
                                 0.25f, first.ptr(), first.ld, {.threads = 1});
      for (const Parallelism& par : ParallelismsToCompare()) {
        Matrix got = c0;
        simd_internal::HighwayGemm(trans_a, trans_b, m, n, k, 0.5f, a.ptr(), a.ld, b.ptr(), b.ld,
                                   0.25f, got.ptr(), got.ld, par);
        ExpectMatrixNear(got, first, nullptr,
                         absl::StrFormat("HighwayGemm trans %d%d %dx%dx%d, %s", trans_a, trans_b,
                                         m, n, k, ParallelismName(par)));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Top-k: exact agreement, ties included.

void CheckTopk(const Matrix& z, int64_t k, const std::string& note) {
  const std::string what = absl::StrFormat("topk_rows %s k=%d %s", z.Shape(), k, note);
  SCOPED_TRACE(what);
  std::vector<int32_t> got_i(z.rows * k, -1), want_i(z.rows * k, -1);
  std::vector<float> got_v(z.rows * k), want_v(z.rows * k);
  Simd().topk_rows(z.ptr(), z.rows, z.cols, z.ld, k, got_i.data(), got_v.data());
  Ref().topk_rows(z.ptr(), z.rows, z.cols, z.ld, k, want_i.data(), want_v.data());
  int mismatches = 0;
  for (int64_t i = 0; i < z.rows * k; ++i) {
    if (got_i[i] == want_i[i] && SameBits(got_v[i], want_v[i])) continue;
    if (++mismatches <= kMaxReportedMismatches) {
      ADD_FAILURE() << what << " row " << i / k << " rank " << i % k << ": simd (col " << got_i[i]
                    << ", " << absl::StrFormat("%.9g", got_v[i]) << ") vs scalar (col " << want_i[i]
                    << ", " << absl::StrFormat("%.9g", want_v[i]) << "); " << SeedNote();
    }
  }
  EXPECT_EQ(mismatches, 0) << what;
}

// k values worth checking for a row of `cols`: 1, around the vector widths, and cols.
std::vector<int64_t> TopkKs(int64_t cols) {
  std::vector<int64_t> ks;
  for (const int64_t k : {int64_t{1}, int64_t{2}, int64_t{3}, int64_t{8}, int64_t{17}, int64_t{64},
                          cols / 2, cols - 1, cols}) {
    if (k >= 1 && k <= cols && std::find(ks.begin(), ks.end(), k) == ks.end()) ks.push_back(k);
  }
  return ks;
}

TEST_P(KernelsTest, TopkMatchesReferenceAtAwkwardSizes) {
  Draws draws(3);
  for (const int64_t cols : kSizes) {
    const Matrix continuous = RandomMatrix(draws, 5, cols, 7);
    // Values on a coarse grid (many ties), with signed zeros mixed in: -0 == +0.
    Matrix ties = continuous;
    for (int64_t r = 0; r < ties.rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        float& x = ties.at(r, c);
        x = std::round(x * 3.0f) / 4.0f;
        if (x == 0.0f && draws.Below(2) == 0) x = -0.0f;
      }
    }
    for (const int64_t k : TopkKs(cols)) {
      CheckTopk(continuous, k, "continuous");
      CheckTopk(ties, k, "ties");
    }
  }
}

// Paper-sized rows, where the threshold path (bucket maxima + candidate compress) runs,
// including the rows that defeat its bound.
TEST_P(KernelsTest, TopkMatchesReferenceOnLongRows) {
  Draws draws(4);
  const int64_t cols = 16000;
  for (const int64_t pad : {int64_t{0}, int64_t{3}}) {
    Matrix z = RandomMatrix(draws, 6, cols + 5, pad);  // cols + 5: a vector tail too
    for (int64_t c = 0; c < z.cols; ++c) {
      z.at(1, c) = static_cast<float>(c);                 // ascending: top-k in the tail
      z.at(2, c) = static_cast<float>(z.cols - c);        // descending: top-k at the front
      z.at(3, c) = 0.5f;                                  // all tied
      z.at(4, c) = std::round(z.at(4, c) * 4.0f) / 4.0f;  // few distinct values
    }
    z.at(5, 100) = 1e30f;  // one huge value among random ones
    for (const int64_t k : {int64_t{1}, int64_t{64}, int64_t{100}, int64_t{1000}}) {
      CheckTopk(z, k, absl::StrCat("long rows, pad ", pad));
    }
  }
}

TEST_P(KernelsTest, TopkGolden) {
  // Descending, ties to the lower column; -0 and +0 tie.
  const float z[] = {0.5f,  -1.0f, 2.0f,  2.0f,  0.0f,  -0.0f, 3.0f,  0.5f,  // row 0
                     -0.0f, 0.0f,  -1.0f, -2.0f, -0.0f, -3.0f, -4.0f, -5.0f};
  for (const KernelTable* t : {&Ref(), &Simd()}) {
    int32_t idx[10];
    float val[10];
    t->topk_rows(z, 2, 8, 8, 5, idx, val);
    const int32_t want_idx[10] = {6, 2, 3, 0, 7, 0, 1, 4, 2, 3};
    const float want_val[10] = {3, 2, 2, 0.5f, 0.5f, -0.0f, 0.0f, -0.0f, -1, -2};
    for (int i = 0; i < 10; ++i) {
      EXPECT_EQ(idx[i], want_idx[i]) << t->backend_name() << " at " << i;
      EXPECT_TRUE(SameBits(val[i], want_val[i]))
          << t->backend_name() << " at " << i << ": " << val[i] << " vs " << want_val[i];
    }
  }
}

// ---------------------------------------------------------------------------------------
// Sparse kernels.

struct SparseCase {
  int64_t rows, k, dim, dict_rows;
  std::vector<int32_t> indices;  // rows x k, in [0, dict_rows), repeats allowed
  std::vector<float> values;     // rows x k
  std::string Name() const {
    return absl::StrFormat("rows=%d k=%d dim=%d dict_rows=%d", rows, k, dim, dict_rows);
  }
};

// Indices are skewed: half of them name row 0, so destination rows repeat heavily.
SparseCase MakeSparseCase(Draws& draws, int64_t rows, int64_t k, int64_t dim, int64_t dict_rows) {
  SparseCase sc{rows, k, dim, dict_rows, {}, {}};
  for (int64_t i = 0; i < rows * k; ++i) {
    sc.indices.push_back(static_cast<int32_t>(draws.Below(2) == 0 ? 0 : draws.Below(dict_rows)));
    sc.values.push_back(draws.Uniform(-2.0f, 2.0f));
  }
  return sc;
}

std::vector<std::array<int64_t, 2>> SparseShapes() {  // {k, dim}
  std::vector<std::array<int64_t, 2>> shapes;
  for (const int64_t s : kSizes) {
    shapes.push_back({5, s});   // every dim tail
    shapes.push_back({s, 19});  // every k remainder (groups of 4)
  }
  shapes.push_back({64, 768});
  return shapes;
}

void CheckSparseDecode(const SparseCase& sc, bool with_bias, Draws& draws) {
  const std::string what = absl::StrCat("sparse_decode ", sc.Name(), with_bias ? " bias" : "");
  SCOPED_TRACE(what);
  const Matrix dict = RandomMatrix(draws, sc.dict_rows, sc.dim, 2);
  const std::vector<float> bias = draws.Vector(sc.dim);
  const float* b = with_bias ? bias.data() : nullptr;
  Matrix got(sc.rows, sc.dim, 3), want(sc.rows, sc.dim, 3);
  Simd().sparse_decode(sc.indices.data(), sc.values.data(), sc.rows, sc.k, nullptr, dict.ptr(),
                       sc.dim, dict.ld, b, got.ptr(), got.ld);
  Ref().sparse_decode(sc.indices.data(), sc.values.data(), sc.rows, sc.k, nullptr, dict.ptr(),
                      sc.dim, dict.ld, b, want.ptr(), want.ld);
  // Bound: the same decode on magnitudes.
  std::vector<float> abs_values = sc.values, abs_bias = bias;
  for (float& x : abs_values) x = std::fabs(x);
  for (float& x : abs_bias) x = std::fabs(x);
  const Matrix abs_dict = Abs(dict);
  Matrix bound(sc.rows, sc.dim, 3);
  Ref().sparse_decode(sc.indices.data(), abs_values.data(), sc.rows, sc.k, nullptr, abs_dict.ptr(),
                      sc.dim, abs_dict.ld, with_bias ? abs_bias.data() : nullptr, bound.ptr(),
                      bound.ld);
  for (int64_t r = 0; r < sc.rows; ++r) {
    for (int64_t c = 0; c < sc.dim; ++c) {
      bound.at(r, c) = static_cast<float>(SumTolerance(sc.k + 1, bound.at(r, c)));
    }
  }
  ExpectMatrixNear(got, want, &bound, what);
}

TEST_P(KernelsTest, SparseDecodeMatchesReference) {
  Draws draws(5);
  for (const auto& [k, dim] : SparseShapes()) {
    const SparseCase sc = MakeSparseCase(draws, 3, k, dim, 40);
    CheckSparseDecode(sc, /*with_bias=*/false, draws);
    CheckSparseDecode(sc, /*with_bias=*/true, draws);
  }
}

TEST_P(KernelsTest, SparseDotsMatchesReference) {
  Draws draws(6);
  for (const auto& [k, dim] : SparseShapes()) {
    const SparseCase sc = MakeSparseCase(draws, 3, k, dim, 40);
    SCOPED_TRACE(absl::StrCat("sparse_dots ", sc.Name()));
    const Matrix vecs = RandomMatrix(draws, sc.rows, dim, 4);
    const Matrix dict = RandomMatrix(draws, sc.dict_rows, dim, 1);
    std::vector<float> got(sc.rows * k), want(sc.rows * k), abs_dot(sc.rows * k);
    Simd().sparse_dots(sc.indices.data(), sc.rows, k, nullptr, vecs.ptr(), vecs.ld, dict.ptr(), dim,
                       dict.ld, got.data());
    Ref().sparse_dots(sc.indices.data(), sc.rows, k, nullptr, vecs.ptr(), vecs.ld, dict.ptr(), dim,
                      dict.ld, want.data());
    const Matrix abs_vecs = Abs(vecs), abs_dict = Abs(dict);
    Ref().sparse_dots(sc.indices.data(), sc.rows, k, nullptr, abs_vecs.ptr(), abs_vecs.ld,
                      abs_dict.ptr(), dim, abs_dict.ld, abs_dot.data());
    std::vector<double> bound(abs_dot.size());
    for (size_t i = 0; i < bound.size(); ++i) bound[i] = SumTolerance(dim, abs_dot[i]);
    ExpectVectorNear(got, want, &bound, absl::StrCat("sparse_dots ", sc.Name()));
  }
}

TEST_P(KernelsTest, SparseOuterAccumulateMatchesReference) {
  Draws draws(7);
  for (const auto& [k, dim] : SparseShapes()) {
    for (const int64_t rows : {int64_t{1}, int64_t{9}}) {
      const SparseCase sc = MakeSparseCase(draws, rows, k, dim, 12);
      const std::string what = absl::StrCat("sparse_outer_accumulate ", sc.Name());
      SCOPED_TRACE(what);
      const Matrix vecs = RandomMatrix(draws, rows, dim, 2);
      // 3 more grad rows than indices can name: they must stay bitwise untouched.
      const Matrix grad0 = RandomMatrix(draws, sc.dict_rows + 3, dim, 5);
      Matrix got = grad0, want = grad0;
      Simd().sparse_outer_accumulate(sc.indices.data(), sc.values.data(), rows, k, nullptr,
                                     vecs.ptr(), dim, vecs.ld, got.ptr(), got.ld);
      Ref().sparse_outer_accumulate(sc.indices.data(), sc.values.data(), rows, k, nullptr,
                                    vecs.ptr(), dim, vecs.ld, want.ptr(), want.ld);
      // Bound per grad row: depth = contributions + 1, magnitudes from the |.| accumulation.
      std::vector<float> abs_values = sc.values;
      for (float& x : abs_values) x = std::fabs(x);
      const Matrix abs_vecs = Abs(vecs);
      Matrix bound = Abs(grad0);
      Ref().sparse_outer_accumulate(sc.indices.data(), abs_values.data(), rows, k, nullptr,
                                    abs_vecs.ptr(), dim, abs_vecs.ld, bound.ptr(), bound.ld);
      std::vector<int64_t> depth(grad0.rows, 1);
      for (const int32_t i : sc.indices) ++depth[i];
      for (int64_t r = 0; r < bound.rows; ++r) {
        for (int64_t c = 0; c < dim; ++c) {
          bound.at(r, c) = static_cast<float>(SumTolerance(depth[r], bound.at(r, c)));
        }
      }
      ExpectMatrixNear(got, want, &bound, what);
    }
  }
}

TEST_P(KernelsTest, SparseDecodeGolden) {
  // dict = [1 2; 0.5 -1; 4 0.25], bias = [0.125 -0.5]
  // row 0: 0.5 d2 - 2 d0 + bias = [0.125, -4.375]; row 1: d1 + 3 d1 + bias = [2.125, -4.5].
  const float dict[] = {1, 2, 0.5f, -1, 4, 0.25f};
  const float bias[] = {0.125f, -0.5f};
  const int32_t indices[] = {2, 0, 1, 1};
  const float values[] = {0.5f, -2, 1, 3};
  for (const KernelTable* t : {&Ref(), &Simd()}) {
    float out[4];
    t->sparse_decode(indices, values, 2, 2, nullptr, dict, 2, 2, bias, out, 2);
    EXPECT_EQ(out[0], 0.125f) << t->backend_name();
    EXPECT_EQ(out[1], -4.375f) << t->backend_name();
    EXPECT_EQ(out[2], 2.125f) << t->backend_name();
    EXPECT_EQ(out[3], -4.5f) << t->backend_name();
    // The same pairs accumulated into grad from vecs = [1 1; 2 -1]: row 0 gets -2 [1 1],
    // row 1 gets (1 + 3) [2 -1], row 2 gets 0.5 [1 1]; row 3 is untouched.
    const float vecs[] = {1, 1, 2, -1};
    float grad[8] = {0, 0, 0, 0, 0, 0, 7, 7};
    t->sparse_outer_accumulate(indices, values, 2, 2, nullptr, vecs, 2, 2, grad, 2);
    const float want[8] = {-2, -2, 8, -4, 0.5f, 0.5f, 7, 7};
    for (int i = 0; i < 8; ++i) EXPECT_EQ(grad[i], want[i]) << t->backend_name() << " at " << i;
  }
}

// ---------------------------------------------------------------------------------------
// Vector kernels.

std::vector<int64_t> VectorSizes() {
  std::vector<int64_t> sizes = {0};
  sizes.insert(sizes.end(), std::begin(kSizes), std::end(kSizes));
  // Several reduction blocks plus a tail.
  sizes.push_back(3 * simd_internal::kReduceBlock + 77);
  return sizes;
}

TEST_P(KernelsTest, DotAndSumSquaresMatchReference) {
  Draws draws(8);
  for (const int64_t n : VectorSizes()) {
    SCOPED_TRACE(absl::StrCat("n = ", n));
    const std::vector<float> x = draws.Vector(n), y = draws.Vector(n);
    double abs_dot = 0, squares = 0;
    for (int64_t i = 0; i < n; ++i) {
      abs_dot += std::fabs(static_cast<double>(x[i]) * y[i]);
      squares += static_cast<double>(x[i]) * x[i];
    }
    const float got = Simd().dot(n, x.data(), y.data());
    const float want = Ref().dot(n, x.data(), y.data());
    EXPECT_LE(std::fabs(static_cast<double>(got) - want), SumTolerance(n, abs_dot))
        << "dot n=" << n << ": simd " << got << " vs scalar " << want << "; " << SeedNote();
    // Accumulated in double: the bound is in units of double epsilon.
    const double got_sq = Simd().sum_squares(n, x.data());
    const double want_sq = Ref().sum_squares(n, x.data());
    EXPECT_LE(std::fabs(got_sq - want_sq),
              4.0 * std::numeric_limits<double>::epsilon() * std::max<int64_t>(n, 1) * squares)
        << "sum_squares n=" << n << ": simd " << got_sq << " vs scalar " << want_sq << "; "
        << SeedNote();
  }
}

TEST_P(KernelsTest, AxpyMatchesReference) {
  Draws draws(9);
  for (const int64_t n : VectorSizes()) {
    const std::vector<float> x = draws.Vector(n), y0 = draws.Vector(n);
    const float a = draws.Uniform(-2.0f, 2.0f);
    std::vector<float> got = y0, want = y0;
    got.push_back(Matrix::kSentinel);  // must not be written
    want.push_back(Matrix::kSentinel);
    Simd().axpy(n, a, x.data(), got.data());
    Ref().axpy(n, a, x.data(), want.data());
    std::vector<double> bound(n + 1, 0.0);  // one rounding each way (FMA vs mul + add)
    for (int64_t i = 0; i < n; ++i)
      bound[i] = SumTolerance(2, std::fabs(a * x[i]) + std::fabs(y0[i]));
    ExpectVectorNear(got, want, &bound, absl::StrCat("axpy a=", a));
    EXPECT_TRUE(std::isnan(got[n])) << "axpy wrote past n = " << n;
  }
}

TEST_P(KernelsTest, ReluMatchesReferenceExactly) {
  Draws draws(10);
  for (const int64_t n : VectorSizes()) {
    std::vector<float> x = draws.Vector(n);
    // Signed zeros and NaN: x > 0 ? x : 0 maps both to +0.
    for (int64_t i = 0; i < n; i += 5) x[i] = -0.0f;
    for (int64_t i = 2; i < n; i += 11) x[i] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> got(n + 1, 42.0f), want(n + 1, 42.0f);
    Simd().relu(n, x.data(), got.data());
    Ref().relu(n, x.data(), want.data());
    ExpectVectorNear(got, want, nullptr, "relu");
    // In place (out == x).
    std::vector<float> in_place = x;
    in_place.push_back(42.0f);
    Simd().relu(n, in_place.data(), in_place.data());
    ExpectVectorNear(in_place, want, nullptr, "relu in place");
  }
}

TEST_P(KernelsTest, AdamMatchesReference) {
  Draws draws(11);
  for (const int64_t n : VectorSizes()) {
    const std::vector<float> p0 = draws.Vector(n), g = draws.Vector(n, -0.1f, 0.1f);
    const std::vector<float> m0 = draws.Vector(n, -0.05f, 0.05f);
    const std::vector<float> v0 = draws.Vector(n, 0.0f, 0.01f);
    AdamParams params;
    params.learning_rate = 3e-4f;
    params.bias_correction1 = 1.0f - std::pow(params.beta1, 7.0f);
    params.bias_correction2 = 1.0f - std::pow(params.beta2, 7.0f);
    std::vector<float> p_got = p0, m_got = m0, v_got = v0;
    std::vector<float> p_want = p0, m_want = m0, v_want = v0;
    Simd().adam_update(n, params, p_got.data(), g.data(), m_got.data(), v_got.data());
    Ref().adam_update(n, params, p_want.data(), g.data(), m_want.data(), v_want.data());
    // A handful of roundings per element: bound them relative to the terms' magnitudes.
    std::vector<double> m_bound(n), v_bound(n), p_bound(n);
    for (int64_t i = 0; i < n; ++i) {
      m_bound[i] = SumTolerance(2, std::fabs(params.beta1 * m0[i]) + std::fabs(0.1 * g[i]));
      v_bound[i] = SumTolerance(3, params.beta2 * v0[i] + 0.001 * g[i] * g[i]);
      const double step = params.learning_rate * std::fabs(m_want[i] / params.bias_correction1) /
                          (std::sqrt(v_want[i] / params.bias_correction2) + params.epsilon);
      p_bound[i] = SumTolerance(2, std::fabs(p0[i])) + 16.0 * kEps * step;
    }
    ExpectVectorNear(m_got, m_want, &m_bound, "adam m");
    ExpectVectorNear(v_got, v_want, &v_bound, "adam v");
    ExpectVectorNear(p_got, p_want, &p_bound, "adam param");
  }
}

// gradient_scale (clipping folded into the update) is bitwise the same as scaling the
// gradient first, on both backends; and 1 is exactly no scaling.
TEST_P(KernelsTest, AdamGradientScaleEqualsScaledGradient) {
  Draws draws(24);
  for (const int64_t n : VectorSizes()) {
    const std::vector<float> p0 = draws.Vector(n), g = draws.Vector(n, -3.0f, 3.0f);
    const std::vector<float> m0 = draws.Vector(n, -0.05f, 0.05f);
    const std::vector<float> v0 = draws.Vector(n, 0.0f, 0.01f);
    for (const KernelTable* t : {&Ref(), &Simd()}) {
      for (const float scale : {1.0f, 0.37f}) {
        AdamParams folded;
        folded.learning_rate = 1e-3f;
        folded.bias_correction1 = 0.19f;
        folded.bias_correction2 = 0.002f;
        folded.gradient_scale = scale;
        AdamParams plain = folded;
        plain.gradient_scale = 1.0f;
        std::vector<float> scaled = g;
        for (float& x : scaled) x *= scale;
        std::vector<float> p_a = p0, m_a = m0, v_a = v0, p_b = p0, m_b = m0, v_b = v0;
        t->adam_update(n, folded, p_a.data(), g.data(), m_a.data(), v_a.data());
        t->adam_update(n, plain, p_b.data(), scaled.data(), m_b.data(), v_b.data());
        const std::string what = absl::StrFormat("%s adam scale %g", t->backend_name(), scale);
        ExpectVectorNear(p_a, p_b, nullptr, what + " param");
        ExpectVectorNear(m_a, m_b, nullptr, what + " m");
        ExpectVectorNear(v_a, v_b, nullptr, what + " v");
      }
    }
  }
}

TEST_P(KernelsTest, AdamGolden) {
  // beta1 = 0.5, beta2 = 0.75, bias corrections 0.5 / 0.25, eps = 0, lr = 0.125:
  // g = 2:  m = 1, v = 1, m_hat = 2,  v_hat = 4,  p = 1 - 0.125 * 2 / 2 = 0.875;
  // g = -4: m = -2, v = 4, m_hat = -4, v_hat = 16, p = 1 + 0.125 * 4 / 4 = 1.125.
  AdamParams params{.learning_rate = 0.125f,
                    .beta1 = 0.5f,
                    .beta2 = 0.75f,
                    .epsilon = 0.0f,
                    .bias_correction1 = 0.5f,
                    .bias_correction2 = 0.25f};
  for (const KernelTable* t : {&Ref(), &Simd()}) {
    float p[2] = {1, 1}, g[2] = {2, -4}, m[2] = {0, 0}, v[2] = {0, 0};
    t->adam_update(2, params, p, g, m, v);
    EXPECT_EQ(m[0], 1.0f) << t->backend_name();
    EXPECT_EQ(m[1], -2.0f) << t->backend_name();
    EXPECT_EQ(v[0], 1.0f) << t->backend_name();
    EXPECT_EQ(v[1], 4.0f) << t->backend_name();
    EXPECT_EQ(p[0], 0.875f) << t->backend_name();
    EXPECT_EQ(p[1], 1.125f) << t->backend_name();
    // <[1 2 3 -4], [0.5 0.25 2 1]> = 0.5 + 0.5 + 6 - 4 = 3; sum of squares 30.
    const float x[4] = {1, 2, 3, -4}, y[4] = {0.5f, 0.25f, 2, 1};
    EXPECT_EQ(t->dot(4, x, y), 3.0f) << t->backend_name();
    EXPECT_EQ(t->sum_squares(4, x), 30.0) << t->backend_name();
  }
}

TEST_P(KernelsTest, NormalizeRowsMatchesReference) {
  Draws draws(12);
  for (const int64_t cols : kSizes) {
    Matrix w0 = RandomMatrix(draws, 4, cols, 3);
    for (int64_t c = 0; c < cols; ++c) w0.at(2, c) = 0.0f;  // below 1e-12: left unchanged
    Matrix got = w0, want = w0;
    Simd().normalize_rows(got.ptr(), got.rows, cols, got.ld);
    Ref().normalize_rows(want.ptr(), want.rows, cols, want.ld);
    Matrix bound(4, cols, 3);
    for (int64_t r = 0; r < 4; ++r) {
      for (int64_t c = 0; c < cols; ++c) bound.at(r, c) = 4 * kEps * std::fabs(want.at(r, c));
    }
    ExpectMatrixNear(got, want, &bound, absl::StrCat("normalize_rows cols=", cols));
  }
}

// ---------------------------------------------------------------------------------------
// Thread-count independence: bitwise equal results for every Parallelism.

TEST_P(KernelsTest, ResultsDoNotDependOnThreadCount) {
  Draws draws(13);
  const std::vector<Parallelism> pars = ParallelismsToCompare();

  // Sparse kernels at a training-like shape with skewed (repeating) destinations.
  const SparseCase sc = MakeSparseCase(draws, 37, 16, 70, 50);
  const Matrix dict = RandomMatrix(draws, sc.dict_rows, sc.dim, 1);
  const Matrix vecs = RandomMatrix(draws, sc.rows, sc.dim, 2);
  const std::vector<float> bias = draws.Vector(sc.dim);
  const Matrix z = RandomMatrix(draws, 29, 1000, 3);
  const int64_t n = 5 * simd_internal::kReduceBlock + 123;
  const std::vector<float> x = draws.Vector(n), y = draws.Vector(n);
  const std::vector<float> g = draws.Vector(n, -0.1f, 0.1f);
  const std::vector<float> v0 = draws.Vector(n, 0.0f, 0.01f);
  const Matrix grad0 = RandomMatrix(draws, sc.dict_rows, sc.dim, 3);

  struct Outputs {
    Matrix decode{37, 70, 1}, grad{50, 70, 3}, w{29, 1000, 3};
    std::vector<float> dots, topk_values, axpy, relu, adam_p, adam_m, adam_v;
    std::vector<int32_t> topk_indices;
    float dot = 0;
    double sum_squares = 0;
  };
  std::vector<Outputs> outs;
  for (const Parallelism& par : pars) {
    Outputs o;
    simd_internal::SparseDecode(sc.indices.data(), sc.values.data(), sc.rows, sc.k, nullptr,
                                dict.ptr(), sc.dim, dict.ld, bias.data(), o.decode.ptr(),
                                o.decode.ld, par);
    o.dots.resize(sc.rows * sc.k);
    simd_internal::SparseDots(sc.indices.data(), sc.rows, sc.k, nullptr, vecs.ptr(), vecs.ld,
                              dict.ptr(), sc.dim, dict.ld, o.dots.data(), par);
    o.grad = grad0;
    simd_internal::SparseOuterAccumulate(sc.indices.data(), sc.values.data(), sc.rows, sc.k,
                                         nullptr, vecs.ptr(), sc.dim, vecs.ld, o.grad.ptr(),
                                         o.grad.ld, par);
    o.topk_indices.resize(z.rows * 64);
    o.topk_values.resize(z.rows * 64);
    simd_internal::TopkRows(z.ptr(), z.rows, z.cols, z.ld, 64, o.topk_indices.data(),
                            o.topk_values.data(), par);
    o.dot = simd_internal::Dot(n, x.data(), y.data(), par);
    o.sum_squares = simd_internal::SumSquares(n, x.data(), par);
    o.axpy = y;
    simd_internal::Axpy(n, 0.3f, x.data(), o.axpy.data(), par);
    o.relu.resize(n);
    simd_internal::Relu(n, x.data(), o.relu.data(), par);
    o.adam_p = x, o.adam_m = y, o.adam_v = v0;
    simd_internal::AdamUpdate(n, AdamParams{}, o.adam_p.data(), g.data(), o.adam_m.data(),
                              o.adam_v.data(), par);
    o.w = z;
    simd_internal::NormalizeRows(o.w.ptr(), o.w.rows, o.w.cols, o.w.ld, par);
    outs.push_back(std::move(o));
  }
  for (size_t i = 1; i < outs.size(); ++i) {
    SCOPED_TRACE(absl::StrCat(ParallelismName(pars[i]), " vs ", ParallelismName(pars[0])));
    const Outputs &a = outs[i], &b = outs[0];
    ExpectMatrixNear(a.decode, b.decode, nullptr, "sparse_decode");
    ExpectVectorNear(a.dots, b.dots, nullptr, "sparse_dots");
    ExpectMatrixNear(a.grad, b.grad, nullptr, "sparse_outer_accumulate");
    EXPECT_EQ(a.topk_indices, b.topk_indices) << "topk_rows indices";
    ExpectVectorNear(a.topk_values, b.topk_values, nullptr, "topk_rows values");
    EXPECT_TRUE(SameBits(a.dot, b.dot)) << "dot " << a.dot << " vs " << b.dot;
    EXPECT_EQ(std::bit_cast<uint64_t>(a.sum_squares), std::bit_cast<uint64_t>(b.sum_squares))
        << "sum_squares " << a.sum_squares << " vs " << b.sum_squares;
    ExpectVectorNear(a.axpy, b.axpy, nullptr, "axpy");
    ExpectVectorNear(a.relu, b.relu, nullptr, "relu");
    ExpectVectorNear(a.adam_p, b.adam_p, nullptr, "adam param");
    ExpectVectorNear(a.adam_m, b.adam_m, nullptr, "adam m");
    ExpectVectorNear(a.adam_v, b.adam_v, nullptr, "adam v");
    ExpectMatrixNear(a.w, b.w, nullptr, "normalize_rows");
  }
}

TEST_P(KernelsTest, ZeroSizesAreNoOps) {
  for (const KernelTable* t : {&Ref(), &Simd()}) {
    SCOPED_TRACE(t->backend_name());
    float sentinel[4] = {1, 2, 3, 4};
    int32_t idx[1] = {-7};
    t->topk_rows(sentinel, 0, 4, 4, 2, idx, sentinel);
    t->sparse_decode(idx, sentinel, 0, 1, nullptr, sentinel, 4, 4, nullptr, sentinel, 4);
    t->sparse_dots(idx, 0, 1, nullptr, sentinel, 4, sentinel, 4, 4, sentinel);
    t->sparse_outer_accumulate(idx, sentinel, 0, 1, nullptr, sentinel, 4, 4, sentinel, 4);
    t->sparse_outer_accumulate(idx, sentinel, 3, 0, nullptr, sentinel, 4, 4, sentinel, 4);
    t->axpy(0, 2.0f, sentinel, sentinel);
    t->relu(0, sentinel, sentinel);
    t->adam_update(0, AdamParams{}, sentinel, sentinel, sentinel, sentinel);
    t->normalize_rows(sentinel, 0, 4, 4);
    t->normalize_rows(sentinel, 1, 0, 4);
    EXPECT_EQ(t->dot(0, sentinel, sentinel), 0.0f);
    EXPECT_EQ(t->sum_squares(0, sentinel), 0.0);
    EXPECT_EQ(idx[0], -7);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(sentinel[i], i + 1.0f);
  }
}

// ---------------------------------------------------------------------------------------
// Fused kernels: each is bitwise the composition it replaces on the same backend, matches
// the scalar reference within the composition's tolerance, and does not depend on threads.

std::vector<std::array<int64_t, 3>> GemmBiasShapes() {  // {m, n, k}
  std::vector<std::array<int64_t, 3>> shapes;
  for (const int64_t s : kSizes) {
    shapes.push_back({s, 33, 17});   // every row tail (MR)
    shapes.push_back({13, s, 9});    // every column tail (NR)
    shapes.push_back({5, 31, s});    // every depth
  }
  shapes.push_back({29, 70, 400});   // two depth blocks (KC = 384)
  shapes.push_back({64, 129, 769});  // three
  return shapes;
}

TEST_P(KernelsTest, GemmNTBiasIsGemmThenBias) {
  Draws draws(30);
  for (const auto& [m, n, k] : GemmBiasShapes()) {
    for (const bool with_bias : {false, true}) {
      const std::string what =
          absl::StrFormat("gemm_nt_bias m=%d n=%d k=%d%s", m, n, k, with_bias ? " bias" : "");
      SCOPED_TRACE(what);
      const Matrix a = RandomMatrix(draws, m, k, 3), b = RandomMatrix(draws, n, k, 2);
      const std::vector<float> bias = draws.Vector(n);
      const float* bp = with_bias ? bias.data() : nullptr;
      Matrix got(m, n, 4), composed(m, n, 4), want(m, n, 4);
      for (float& x : got.data) x = Matrix::kSentinel;  // beta 0: old NaN is ignored
      for (int64_t r = 0; r < m; ++r) {
        for (int64_t c = 0; c < n; ++c) got.at(r, c) = Matrix::kSentinel;
      }
      EXPECT_TRUE(Simd().gemm_nt_bias(m, n, k, a.ptr(), a.ld, b.ptr(), b.ld, bp, got.ptr(),
                                      got.ld));
      EXPECT_TRUE(Ref().gemm_nt_bias(m, n, k, a.ptr(), a.ld, b.ptr(), b.ld, bp, want.ptr(),
                                     want.ld));
      Simd().gemm_nt(m, n, k, 1.0f, a.ptr(), a.ld, b.ptr(), b.ld, 0.0f, composed.ptr(),
                     composed.ld);
      if (with_bias) {
        for (int64_t r = 0; r < m; ++r) Simd().axpy(n, 1.0f, bp, composed.ptr() + r * composed.ld);
      }
      ExpectMatrixNear(got, composed, nullptr, what + " vs gemm_nt + axpy (simd, bitwise)");
      Matrix bound(m, n, 4);
      for (int64_t r = 0; r < m; ++r) {
        for (int64_t c = 0; c < n; ++c) {
          double abs_sum = with_bias ? std::fabs(bias[c]) : 0.0;
          for (int64_t p = 0; p < k; ++p) abs_sum += std::fabs(a.at(r, p) * b.at(c, p));
          bound.at(r, c) = static_cast<float>(SumTolerance(k + 1, abs_sum));
        }
      }
      ExpectMatrixNear(got, want, &bound, what + " vs scalar");
    }
  }
}

TEST_P(KernelsTest, GemmNTBiasReportsNonFinite) {
  Draws draws(31);
  const float bad_values[] = {std::numeric_limits<float>::quiet_NaN(),
                              std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity()};
  for (const auto& [m, n, k] : GemmBiasShapes()) {
    for (const float bad : bad_values) {
      // The bad value lands in one element of C, in a full or a partial tile.
      const int64_t row = draws.Below(m), col = draws.Below(n);
      const std::string what = absl::StrFormat("gemm_nt_bias m=%d n=%d k=%d %g at (%d, %d)", m,
                                               n, k, bad, row, col);
      Matrix a = RandomMatrix(draws, m, k, 1), b = RandomMatrix(draws, n, k, 1);
      std::vector<float> bias = draws.Vector(n);
      bias[col] = bad;
      for (const KernelTable* t : {&Ref(), &Simd()}) {
        Matrix c(m, n, 2);
        EXPECT_FALSE(t->gemm_nt_bias(m, n, k, a.ptr(), a.ld, b.ptr(), b.ld, bias.data(), c.ptr(),
                                     c.ld))
            << what << " on " << t->backend_name() << "; " << SeedNote();
      }
      bias[col] = 0.5f;
      a.at(row, draws.Below(k)) = bad;  // through the product: a NaN or infinite row
      for (const KernelTable* t : {&Ref(), &Simd()}) {
        Matrix c(m, n, 2);
        EXPECT_FALSE(t->gemm_nt_bias(m, n, k, a.ptr(), a.ld, b.ptr(), b.ld, bias.data(), c.ptr(),
                                     c.ld))
            << what << " (in A) on " << t->backend_name() << "; " << SeedNote();
      }
    }
  }
}

TEST_P(KernelsTest, SparseOuterAssignIsZeroThenAccumulate) {
  Draws draws(32);
  for (const auto& [k, dim] : SparseShapes()) {
    for (const int64_t rows : {int64_t{1}, int64_t{9}}) {
      const SparseCase sc = MakeSparseCase(draws, rows, k, dim, 12);
      const std::string what = absl::StrCat("sparse_outer_assign ", sc.Name());
      SCOPED_TRACE(what);
      const Matrix vecs = RandomMatrix(draws, rows, dim, 2);
      // 12 rows assigned (old contents NaN, so a read of them is caught) and 3 more rows
      // that must stay bitwise untouched, like the padding.
      Matrix grad0 = RandomMatrix(draws, sc.dict_rows + 3, dim, 5);
      for (int64_t r = 0; r < sc.dict_rows; ++r) {
        for (int64_t c = 0; c < dim; ++c) grad0.at(r, c) = Matrix::kSentinel;
      }
      Matrix got = grad0, want = grad0, composed = grad0;
      Simd().sparse_outer_assign(sc.indices.data(), sc.values.data(), rows, k, nullptr, vecs.ptr(),
                                 dim, vecs.ld, got.ptr(), got.ld, sc.dict_rows);
      Ref().sparse_outer_assign(sc.indices.data(), sc.values.data(), rows, k, nullptr, vecs.ptr(),
                                dim, vecs.ld, want.ptr(), want.ld, sc.dict_rows);
      for (int64_t r = 0; r < sc.dict_rows; ++r) std::fill_n(&composed.at(r, 0), dim, 0.0f);
      Simd().sparse_outer_accumulate(sc.indices.data(), sc.values.data(), rows, k, nullptr,
                                     vecs.ptr(), dim, vecs.ld, composed.ptr(), composed.ld);
      ExpectMatrixNear(got, composed, nullptr, what + " vs zero + accumulate (simd, bitwise)");
      std::vector<float> abs_values = sc.values;
      for (float& x : abs_values) x = std::fabs(x);
      const Matrix abs_vecs = Abs(vecs);
      Matrix bound(grad0.rows, dim, 5);
      for (int64_t r = 0; r < grad0.rows; ++r) std::fill_n(&bound.at(r, 0), dim, 0.0f);
      Ref().sparse_outer_accumulate(sc.indices.data(), abs_values.data(), rows, k, nullptr,
                                    abs_vecs.ptr(), dim, abs_vecs.ld, bound.ptr(), bound.ld);
      std::vector<int64_t> depth(grad0.rows, 1);
      for (const int32_t i : sc.indices) ++depth[i];
      for (int64_t r = 0; r < bound.rows; ++r) {
        for (int64_t c = 0; c < dim; ++c) {
          bound.at(r, c) = static_cast<float>(SumTolerance(depth[r], bound.at(r, c)));
        }
      }
      ExpectMatrixNear(got, want, &bound, what + " vs scalar");
    }
  }
}

// Ragged rows (kernels.h: `counts`): row r has counts[r] entries and padding after them.
// Each kernel, on both backends, must give bitwise what it gives without counts on the same
// codes with the padding's values set to 0 -- so a kernel that read the padding (here
// garbage values naming a real dictionary row) would be caught -- and sparse_dots writes 0
// at the padding.
TEST_P(KernelsTest, RaggedRowsSkipTheirPaddingExactly) {
  Draws draws(34);
  for (const auto& [k, dim] : SparseShapes()) {
    const int64_t rows = 9;
    SparseCase sc = MakeSparseCase(draws, rows, k, dim, 12);
    std::vector<int32_t> counts(rows);
    std::vector<float> zero_padded = sc.values;
    for (int64_t r = 0; r < rows; ++r) {
      // Row 0 full, row 1 empty, the others anywhere in between.
      counts[r] = static_cast<int32_t>(r == 0 ? k : r == 1 ? 0 : draws.Below(k + 1));
      for (int64_t j = counts[r]; j < k; ++j) {
        sc.values[r * k + j] = 1e3f;
        zero_padded[r * k + j] = 0.0f;
      }
    }
    const Matrix dict = RandomMatrix(draws, sc.dict_rows, dim, 2);
    const Matrix vecs = RandomMatrix(draws, rows, dim, 4);
    for (const KernelTable* kernels : {&Simd(), &Ref()}) {
      const std::string what = absl::StrCat(kernels == &Simd() ? "simd " : "scalar ", sc.Name());
      SCOPED_TRACE(what);
      Matrix got(rows, dim, 3), want(rows, dim, 3);
      kernels->sparse_decode(sc.indices.data(), sc.values.data(), rows, k, counts.data(),
                             dict.ptr(), dim, dict.ld, nullptr, got.ptr(), got.ld);
      kernels->sparse_decode(sc.indices.data(), zero_padded.data(), rows, k, nullptr, dict.ptr(),
                             dim, dict.ld, nullptr, want.ptr(), want.ld);
      ExpectMatrixNear(got, want, nullptr, "sparse_decode");

      std::vector<float> dots(rows * k, Matrix::kSentinel), full_dots(rows * k);
      kernels->sparse_dots(sc.indices.data(), rows, k, counts.data(), vecs.ptr(), vecs.ld,
                           dict.ptr(), dim, dict.ld, dots.data());
      kernels->sparse_dots(sc.indices.data(), rows, k, nullptr, vecs.ptr(), vecs.ld, dict.ptr(),
                           dim, dict.ld, full_dots.data());
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t j = 0; j < k; ++j) {
          const float expected = j < counts[r] ? full_dots[r * k + j] : 0.0f;
          ASSERT_EQ(dots[r * k + j], expected) << "sparse_dots row " << r << " slot " << j;
        }
      }

      // 3 grad rows more than the indices can name: untouched by both.
      const Matrix grad0 = RandomMatrix(draws, sc.dict_rows + 3, dim, 5);
      Matrix accumulated = grad0, accumulated_want = grad0;
      kernels->sparse_outer_accumulate(sc.indices.data(), sc.values.data(), rows, k, counts.data(),
                                       vecs.ptr(), dim, vecs.ld, accumulated.ptr(), accumulated.ld);
      kernels->sparse_outer_accumulate(sc.indices.data(), zero_padded.data(), rows, k, nullptr,
                                       vecs.ptr(), dim, vecs.ld, accumulated_want.ptr(),
                                       accumulated_want.ld);
      ExpectMatrixNear(accumulated, accumulated_want, nullptr, "sparse_outer_accumulate");
      Matrix assigned = grad0, assigned_want = grad0;
      kernels->sparse_outer_assign(sc.indices.data(), sc.values.data(), rows, k, counts.data(),
                                   vecs.ptr(), dim, vecs.ld, assigned.ptr(), assigned.ld,
                                   sc.dict_rows);
      kernels->sparse_outer_assign(sc.indices.data(), zero_padded.data(), rows, k, nullptr,
                                   vecs.ptr(), dim, vecs.ld, assigned_want.ptr(), assigned_want.ld,
                                   sc.dict_rows);
      ExpectMatrixNear(assigned, assigned_want, nullptr, "sparse_outer_assign");
    }
  }
}

TEST_P(KernelsTest, AdamNormalizeRowsIsAdamThenNormalize) {
  Draws draws(33);
  for (const int64_t cols : kSizes) {
    for (const int64_t rows : {int64_t{1}, int64_t{7}}) {
      const int64_t n = rows * cols;
      const std::vector<float> p0 = draws.Vector(n), g = draws.Vector(n, -0.1f, 0.1f);
      const std::vector<float> m0 = draws.Vector(n, -0.05f, 0.05f);
      const std::vector<float> v0 = draws.Vector(n, 0.0f, 0.01f);
      AdamParams params;
      params.learning_rate = 3e-4f;
      params.gradient_scale = 0.75f;
      params.bias_correction1 = 1.0f - std::pow(params.beta1, 3.0f);
      params.bias_correction2 = 1.0f - std::pow(params.beta2, 3.0f);
      std::vector<float> p = p0, m = m0, v = v0;
      std::vector<float> pc = p0, mc = m0, vc = v0;
      std::vector<float> pr = p0, mr = m0, vr = v0;
      Simd().adam_normalize_rows(rows, cols, params, p.data(), g.data(), m.data(), v.data());
      Simd().adam_update(n, params, pc.data(), g.data(), mc.data(), vc.data());
      Simd().normalize_rows(pc.data(), rows, cols, cols);
      Ref().adam_normalize_rows(rows, cols, params, pr.data(), g.data(), mr.data(), vr.data());
      const std::string what = absl::StrFormat("adam_normalize_rows %dx%d", rows, cols);
      ExpectVectorNear(p, pc, nullptr, what + " param vs composed");
      ExpectVectorNear(m, mc, nullptr, what + " m vs composed");
      ExpectVectorNear(v, vc, nullptr, what + " v vs composed");
      // Against the reference: Adam's few roundings, then the norm (a sum of cols squares).
      std::vector<double> bound(n);
      for (int64_t i = 0; i < n; ++i) {
        bound[i] = SumTolerance(cols + 8, std::fabs(pr[i])) + 64.0 * kEps * 3e-4;
      }
      ExpectVectorNear(p, pr, &bound, what + " param vs scalar");
    }
  }
}

TEST_P(KernelsTest, FusedKernelsDoNotDependOnThreadCount) {
  Draws draws(34);
  const std::vector<Parallelism> pars = ParallelismsToCompare();
  const Matrix a = RandomMatrix(draws, 37, 400, 3), b = RandomMatrix(draws, 130, 400, 1);
  const std::vector<float> bias = draws.Vector(130);
  const SparseCase sc = MakeSparseCase(draws, 37, 16, 70, 50);
  const Matrix vecs = RandomMatrix(draws, sc.rows, sc.dim, 2);
  const int64_t rows = 41, cols = 129;
  const std::vector<float> p0 = draws.Vector(rows * cols), g = draws.Vector(rows * cols);
  const std::vector<float> m0 = draws.Vector(rows * cols);
  const std::vector<float> v0 = draws.Vector(rows * cols, 0.0f, 0.01f);
  struct Outputs {
    Matrix c{37, 130, 2}, grad{53, 70, 3};
    std::vector<float> p, m, v;
  };
  std::vector<Outputs> outs;
  for (const Parallelism& par : pars) {
    Outputs o;
    EXPECT_TRUE(simd_internal::HighwayGemmNTBias(37, 130, 400, a.ptr(), a.ld, b.ptr(), b.ld,
                                                 bias.data(), o.c.ptr(), o.c.ld, par));
    simd_internal::SparseOuterAssign(sc.indices.data(), sc.values.data(), sc.rows, sc.k, nullptr,
                                     vecs.ptr(), sc.dim, vecs.ld, o.grad.ptr(), o.grad.ld, 53, par);
    o.p = p0, o.m = m0, o.v = v0;
    simd_internal::AdamNormalizeRows(rows, cols, AdamParams{}, o.p.data(), g.data(), o.m.data(),
                                     o.v.data(), par);
    outs.push_back(std::move(o));
  }
  for (size_t i = 1; i < outs.size(); ++i) {
    SCOPED_TRACE(absl::StrCat(ParallelismName(pars[i]), " vs ", ParallelismName(pars[0])));
    ExpectMatrixNear(outs[i].c, outs[0].c, nullptr, "gemm_nt_bias");
    ExpectMatrixNear(outs[i].grad, outs[0].grad, nullptr, "sparse_outer_assign");
    ExpectVectorNear(outs[i].p, outs[0].p, nullptr, "adam_normalize_rows param");
    ExpectVectorNear(outs[i].m, outs[0].m, nullptr, "adam_normalize_rows m");
    ExpectVectorNear(outs[i].v, outs[0].v, nullptr, "adam_normalize_rows v");
  }
}

TEST_P(KernelsTest, FusedKernelsAcceptZeroSizes) {
  for (const KernelTable* t : {&Ref(), &Simd()}) {
    SCOPED_TRACE(t->backend_name());
    float sentinel[4] = {1, 2, 3, 4};
    int32_t idx[1] = {0};
    EXPECT_TRUE(t->gemm_nt_bias(0, 4, 4, sentinel, 4, sentinel, 4, sentinel, sentinel, 4));
    EXPECT_TRUE(t->gemm_nt_bias(4, 0, 4, sentinel, 4, sentinel, 4, sentinel, sentinel, 4));
    t->sparse_outer_assign(idx, sentinel, 0, 1, nullptr, sentinel, 4, 4, sentinel, 4, 0);
    t->adam_normalize_rows(0, 4, AdamParams{}, sentinel, sentinel, sentinel, sentinel);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(sentinel[i], i + 1.0f);
    // No pairs: the assigned rows become zero.
    float grad[6] = {7, 7, 7, 7, 7, 7};
    t->sparse_outer_assign(idx, sentinel, 0, 1, nullptr, sentinel, 2, 2, grad, 3, 2);
    EXPECT_EQ(grad[0], 0.0f);
    EXPECT_EQ(grad[1], 0.0f);
    EXPECT_EQ(grad[2], 7.0f);  // padding
    EXPECT_EQ(grad[3], 0.0f);
    EXPECT_EQ(grad[4], 0.0f);
    EXPECT_EQ(grad[5], 7.0f);
  }
}

// ---------------------------------------------------------------------------------------
// The third reference: each kernel's mathematical definition, evaluated by Eigen in double
// precision straight from the float buffers (a Map with the row stride). It shares no code,
// loop order or rounding with either backend, so a mistake both backends make (a transposed
// operand, a dropped term, a wrong stride, a misplaced bias) fails here even though the two
// agree with each other. Bounds are rigorous forward-error bounds of float arithmetic:
// gamma(d) * sum |terms| for a result of depth d (Higham, Accuracy and Stability of
// Numerical Algorithms, 2nd ed., section 3.1), plus the same in double for Eigen's own sums.

using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using StridedF = Eigen::Map<const RowMajorF, Eigen::Unaligned, Eigen::OuterStride<>>;
using MatrixD = Eigen::MatrixXd;
using VectorD = Eigen::VectorXd;

// rows x cols floats at p, rows ld apart, as a double matrix.
MatrixD Exact(const float* p, int64_t rows, int64_t cols, int64_t ld) {
  if (rows == 0 || cols == 0) return MatrixD(rows, cols);
  return StridedF(p, rows, cols, Eigen::OuterStride<>(ld)).cast<double>();
}
MatrixD Exact(const Matrix& m) { return Exact(m.ptr(), m.rows, m.cols, m.ld); }
VectorD Exact(const std::vector<float>& v) {
  return Eigen::Map<const Eigen::VectorXf>(v.data(), static_cast<Eigen::Index>(v.size()))
      .cast<double>();
}

// gamma(d) = d u / (1 - d u): the relative bound of a float sum of depth d (unit roundoff u
// = eps / 2), plus Eigen's own double-precision error for the same depth.
double Gamma(int64_t depth) {
  const auto gamma = [depth](double u) {
    const double du = static_cast<double>(std::max<int64_t>(depth, 1)) * u;
    return du / (1.0 - du);
  };
  return gamma(kEps / 2.0) + gamma(std::numeric_limits<double>::epsilon() / 2.0);
}

// Every element (r, c) of `got` (rows x cols floats, stride ld) within bound(r, c) of
// exact(r, c). `what` names the kernel, shape and backend.
void ExpectNearExact(const float* got, int64_t ld, const MatrixD& exact, const MatrixD& bound,
                     const std::string& what) {
  int mismatches = 0;
  for (Eigen::Index r = 0; r < exact.rows(); ++r) {
    for (Eigen::Index c = 0; c < exact.cols(); ++c) {
      const double g = got[r * ld + c];
      const double diff = std::fabs(g - exact(r, c));
      if (diff <= bound(r, c)) continue;  // false for NaN too
      if (++mismatches <= kMaxReportedMismatches) {
        ADD_FAILURE() << what << " at (" << r << ", " << c << "): got "
                      << absl::StrFormat("%.9g", g) << " vs exact "
                      << absl::StrFormat("%.17g", exact(r, c)) << ", |diff| " << diff << " > bound "
                      << bound(r, c) << "; " << SeedNote();
      }
    }
  }
  EXPECT_EQ(mismatches, 0) << what << ": " << exact.rows() << "x" << exact.cols()
                           << " mismatching elements";
}
void ExpectNearExact(const std::vector<float>& got, const VectorD& exact, const VectorD& bound,
                     const std::string& what) {
  ASSERT_EQ(static_cast<Eigen::Index>(got.size()), exact.size()) << what;
  ExpectNearExact(got.data(), 1, exact, bound, what);
}

// The k active (index, value) pairs of each row as a dense rows x dict_rows code matrix
// (values of repeated indices add up), and its magnitudes (|values| add up): sparse decode
// is codes * dict, sparse dots are vecs * dict^T read at the indices, and the sparse outer
// accumulation is codes^T * vecs.
MatrixD DenseCodes(const SparseCase& sc, bool magnitudes) {
  MatrixD codes = MatrixD::Zero(sc.rows, sc.dict_rows);
  for (int64_t r = 0; r < sc.rows; ++r) {
    for (int64_t j = 0; j < sc.k; ++j) {
      const float v = sc.values[r * sc.k + j];
      codes(r, sc.indices[r * sc.k + j]) += magnitudes ? std::fabs(v) : v;
    }
  }
  return codes;
}

const std::array<const KernelTable*, 2> Backends() { return {&Ref(), &Simd()}; }

TEST_P(KernelsTest, GemmMatchesExactProduct) {
  Draws draws(40);
  for (const GemmKind kind : {GemmKind::kNT, GemmKind::kTN, GemmKind::kNN}) {
    for (const auto& [m, n, k] : GemmShapes()) {
      for (const auto& [alpha, beta] : {std::pair{0.75f, 0.0f}, std::pair{-1.25f, 0.5f}}) {
        const bool a_t = kind == GemmKind::kTN, b_t = kind == GemmKind::kNT;
        const Matrix a = a_t ? RandomMatrix(draws, k, m, 3) : RandomMatrix(draws, m, k, 3);
        const Matrix b = b_t ? RandomMatrix(draws, n, k, 5) : RandomMatrix(draws, k, n, 5);
        Matrix c0 = RandomMatrix(draws, m, n, 2);
        // op(A) (m x k) and op(B) (k x n), read through the strides as stored.
        const MatrixD op_a = a_t ? MatrixD(Exact(a).transpose()) : Exact(a);
        const MatrixD op_b = b_t ? MatrixD(Exact(b).transpose()) : Exact(b);
        MatrixD exact = alpha * op_a * op_b;
        MatrixD bound = std::fabs(alpha) * op_a.cwiseAbs() * op_b.cwiseAbs();
        if (beta == 0) {
          for (float& x : c0.data) x = Matrix::kSentinel;  // beta 0: C is write-only
        } else {
          exact += beta * Exact(c0);
          bound += std::fabs(beta) * Exact(c0).cwiseAbs();
        }
        bound *= Gamma(k + 3);  // products, the k-term sum, alpha, beta C, the last add
        for (const KernelTable* t : Backends()) {
          Matrix c = c0;
          GemmOf(*t, kind)(m, n, k, alpha, a.ptr(), a.ld, b.ptr(), b.ld, beta, c.ptr(), c.ld);
          ExpectNearExact(c.ptr(), c.ld, exact, bound,
                          absl::StrFormat("%s %s m=%d n=%d k=%d alpha=%g beta=%g",
                                          t->backend_name(), GemmName(kind), m, n, k, alpha, beta));
        }
      }
    }
  }
}

TEST_P(KernelsTest, GemmNTBiasMatchesExactProduct) {
  Draws draws(41);
  for (const auto& [m, n, k] : GemmBiasShapes()) {
    const Matrix a = RandomMatrix(draws, m, k, 3), b = RandomMatrix(draws, n, k, 2);
    const std::vector<float> bias = draws.Vector(n);
    const MatrixD exact = (Exact(a) * Exact(b).transpose()).rowwise() + Exact(bias).transpose();
    const MatrixD bound =
        Gamma(k + 2) * ((Exact(a).cwiseAbs() * Exact(b).cwiseAbs().transpose()).rowwise() +
                        Exact(bias).cwiseAbs().transpose());
    for (const KernelTable* t : Backends()) {
      Matrix c(m, n, 4);
      EXPECT_TRUE(
          t->gemm_nt_bias(m, n, k, a.ptr(), a.ld, b.ptr(), b.ld, bias.data(), c.ptr(), c.ld));
      ExpectNearExact(
          c.ptr(), c.ld, exact, bound,
          absl::StrFormat("%s gemm_nt_bias m=%d n=%d k=%d", t->backend_name(), m, n, k));
    }
  }
}

TEST_P(KernelsTest, SparseKernelsMatchTheirDenseDefinitions) {
  Draws draws(42);
  for (const auto& [k, dim] : SparseShapes()) {
    const SparseCase sc = MakeSparseCase(draws, 9, k, dim, 12);
    const Matrix dict = RandomMatrix(draws, sc.dict_rows, dim, 2);
    const Matrix vecs = RandomMatrix(draws, sc.rows, dim, 3);
    const Matrix grad0 = RandomMatrix(draws, sc.dict_rows, dim, 1);
    const std::vector<float> bias = draws.Vector(dim);
    const MatrixD codes = DenseCodes(sc, false), abs_codes = DenseCodes(sc, true);
    const MatrixD d = Exact(dict), x = Exact(vecs), g0 = Exact(grad0);
    // Contributions per dictionary row: the depth of its gradient sum.
    std::vector<int64_t> uses(sc.dict_rows, 0);
    for (const int32_t i : sc.indices) ++uses[i];

    const MatrixD decode = (codes * d).rowwise() + Exact(bias).transpose();
    const MatrixD decode_bound =
        Gamma(k + 2) * ((abs_codes * d.cwiseAbs()).rowwise() + Exact(bias).cwiseAbs().transpose());
    const MatrixD dots_all = x * d.transpose(),
                  abs_dots_all = x.cwiseAbs() * d.cwiseAbs().transpose();
    MatrixD dots(sc.rows, k), dots_bound(sc.rows, k);
    for (int64_t r = 0; r < sc.rows; ++r) {
      for (int64_t j = 0; j < k; ++j) {
        const int32_t i = sc.indices[r * k + j];
        dots(r, j) = dots_all(r, i);
        dots_bound(r, j) = Gamma(dim) * abs_dots_all(r, i);
      }
    }
    const MatrixD outer = codes.transpose() * x;
    MatrixD outer_bound = abs_codes.transpose() * x.cwiseAbs();
    MatrixD accumulate_bound = outer_bound + g0.cwiseAbs();
    for (int64_t i = 0; i < sc.dict_rows; ++i) {
      outer_bound.row(i) *= Gamma(uses[i] + 1);
      accumulate_bound.row(i) *= Gamma(uses[i] + 2);
    }

    for (const KernelTable* t : Backends()) {
      const std::string what = absl::StrCat(t->backend_name(), " ", sc.Name());
      Matrix out(sc.rows, dim, 1);
      t->sparse_decode(sc.indices.data(), sc.values.data(), sc.rows, k, nullptr, dict.ptr(), dim,
                       dict.ld, bias.data(), out.ptr(), out.ld);
      ExpectNearExact(out.ptr(), out.ld, decode, decode_bound, "sparse_decode " + what);
      std::vector<float> got_dots(sc.rows * k);
      t->sparse_dots(sc.indices.data(), sc.rows, k, nullptr, vecs.ptr(), vecs.ld, dict.ptr(), dim,
                     dict.ld, got_dots.data());
      ExpectNearExact(got_dots.data(), k, dots, dots_bound, "sparse_dots " + what);
      Matrix grad = grad0;
      t->sparse_outer_accumulate(sc.indices.data(), sc.values.data(), sc.rows, k, nullptr,
                                 vecs.ptr(), dim, vecs.ld, grad.ptr(), grad.ld);
      ExpectNearExact(grad.ptr(), grad.ld, g0 + outer, accumulate_bound,
                      "sparse_outer_accumulate " + what);
      Matrix assigned(sc.dict_rows, dim, 1);
      for (float& v : assigned.data) v = Matrix::kSentinel;  // write-only
      t->sparse_outer_assign(sc.indices.data(), sc.values.data(), sc.rows, k, nullptr, vecs.ptr(),
                             dim, vecs.ld, assigned.ptr(), assigned.ld, sc.dict_rows);
      ExpectNearExact(assigned.ptr(), assigned.ld, outer, outer_bound,
                      "sparse_outer_assign " + what);
    }
  }
}

TEST_P(KernelsTest, ReductionsMatchExactSums) {
  Draws draws(43);
  for (const int64_t n : VectorSizes()) {
    const std::vector<float> x = draws.Vector(n), y = draws.Vector(n);
    const VectorD ex = Exact(x), ey = Exact(y);
    const double dot = ex.dot(ey), abs_dot = ex.cwiseAbs().dot(ey.cwiseAbs());
    const double squares = ex.squaredNorm();
    for (const KernelTable* t : Backends()) {
      const std::string what = absl::StrCat(t->backend_name(), " n=", n);
      const double got_dot = t->dot(n, x.data(), y.data());
      EXPECT_LE(std::fabs(got_dot - dot), Gamma(n) * abs_dot)
          << "dot " << what << ": got " << got_dot << " vs exact " << dot << "; " << SeedNote();
      // Accumulated in double from exact double squares: double's gamma, for both sums.
      const double got_squares = t->sum_squares(n, x.data());
      const double u = std::numeric_limits<double>::epsilon() / 2.0;
      EXPECT_LE(std::fabs(got_squares - squares), 2.0 * (n + 1) * u * squares * 1.01)
          << "sum_squares " << what << ": got " << got_squares << " vs exact " << squares << "; "
          << SeedNote();
    }
  }
}

// Rows of unit norm: each element is w / ||w|| after two float roundings (the scale and the
// product), the norm itself being accurate to double precision.
TEST_P(KernelsTest, NormalizeRowsMatchesExactUnitRows) {
  Draws draws(44);
  for (const int64_t cols : kSizes) {
    Matrix w0 = RandomMatrix(draws, 5, cols, 3);
    for (int64_t c = 0; c < cols; ++c) w0.at(3, c) = 1e-14f;  // norm < 1e-12: unchanged
    MatrixD exact = Exact(w0);
    for (Eigen::Index r = 0; r < exact.rows(); ++r) {
      if (r != 3) exact.row(r).normalize();
    }
    const MatrixD bound = (2.0 * kEps) * exact.cwiseAbs();
    for (const KernelTable* t : Backends()) {
      Matrix w = w0;
      t->normalize_rows(w.ptr(), w.rows, w.cols, w.ld);
      ExpectNearExact(w.ptr(), w.ld, exact, bound,
                      absl::StrCat(t->backend_name(), " normalize_rows cols=", cols));
    }
  }
}

// Axpy and Adam from their formulas. Adam's bound: m and v carry gamma(5) and gamma(6) of
// their terms' magnitudes (no cancellation in v: all its terms are >= 0); the step carries
// m's absolute error and a few relative roundings (bias corrections, sqrt, eps, divide, lr),
// which 16 eps of the step computed from m's magnitudes bounds; the parameter adds one.
TEST_P(KernelsTest, ElementwiseKernelsMatchTheirFormulas) {
  Draws draws(45);
  for (const int64_t n : VectorSizes()) {
    const std::vector<float> x = draws.Vector(n), y0 = draws.Vector(n);
    const float a = draws.Uniform(-2.0f, 2.0f);
    const VectorD axpy = Exact(y0) + a * Exact(x);
    const VectorD axpy_bound =
        Gamma(2) * (Exact(y0).cwiseAbs() + std::fabs(a) * Exact(x).cwiseAbs());

    const std::vector<float> p0 = draws.Vector(n), g = draws.Vector(n, -0.1f, 0.1f);
    const std::vector<float> m0 = draws.Vector(n, -0.05f, 0.05f);
    const std::vector<float> v0 = draws.Vector(n, 0.0f, 0.01f);
    AdamParams params;
    params.learning_rate = 3e-4f;
    params.gradient_scale = 0.8f;
    params.bias_correction1 = 1.0f - std::pow(params.beta1, 5.0f);
    params.bias_correction2 = 1.0f - std::pow(params.beta2, 5.0f);
    const double b1 = params.beta1, b2 = params.beta2, lr = params.learning_rate;
    const double bc1 = params.bias_correction1, bc2 = params.bias_correction2;
    const double eps = params.epsilon;
    const Eigen::ArrayXd gs = Exact(g).array() * static_cast<double>(params.gradient_scale);
    const Eigen::ArrayXd m = b1 * Exact(m0).array() + (1.0 - b1) * gs;
    const Eigen::ArrayXd m_abs = b1 * Exact(m0).array().abs() + (1.0 - b1) * gs.abs();
    const Eigen::ArrayXd v = b2 * Exact(v0).array() + (1.0 - b2) * gs.square();
    const Eigen::ArrayXd denominator = (v / bc2).sqrt() + eps;
    const Eigen::ArrayXd p = Exact(p0).array() - lr * (m / bc1) / denominator;
    const VectorD m_bound = Gamma(5) * m_abs;
    const VectorD v_bound = Gamma(6) * v;
    const VectorD p_bound = Gamma(1) * p.abs() + 16.0 * kEps * lr * (m_abs / bc1) / denominator;

    for (const KernelTable* t : Backends()) {
      const std::string what = absl::StrCat(t->backend_name(), " n=", n);
      std::vector<float> y = y0;
      t->axpy(n, a, x.data(), y.data());
      ExpectNearExact(y, axpy, axpy_bound, "axpy " + what);
      std::vector<float> pv = p0, mv = m0, vv = v0;
      t->adam_update(n, params, pv.data(), g.data(), mv.data(), vv.data());
      ExpectNearExact(mv, m.matrix(), m_bound, "adam m " + what);
      ExpectNearExact(vv, v.matrix(), v_bound, "adam v " + what);
      ExpectNearExact(pv, p.matrix(), p_bound, "adam param " + what);
    }
  }
}

}  // namespace
}  // namespace lrb::sdl
