// Every kernel on both backends at the paper's training shape (batch 1024, n_p = 768,
// n_q = 16000, k = 64), plus a raw OpenBLAS cblas_sgemm of the encoder product as this
// machine's reference rate. Scalar dense products run on a few rows of the same product
// (the rate is what matters; the full product would take tens of seconds).
//
//   bazel run //sdl/kernels:kernels_benchmark                  # paper sizes (manual target)
//   bazel test //sdl/kernels:kernels_benchmark_smoke           # tiny sizes, runs in //...
//
// Own flag: --lrb_sizes=paper|smoke (default paper; util/benchmark/benchmark_main.h); all
// --benchmark_* flags work. The context block names the SIMD target, our GEMM's micro-tile,
// and OpenBLAS's core and threads: the raw sgemm's rate depends on them, and OpenBLAS
// 0.3.21 falls back to slow Prescott kernels on CPUs it does not know (see blas_gemm.h).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "sdl/kernels/blas_gemm.h"
#include "sdl/kernels/kernels.h"
#include "sdl/kernels/simd_kernels_internal.h"
#include "util/benchmark/benchmark_main.h"

namespace lrb::sdl {
namespace {

struct Sizes {
  const char* name;
  int64_t batch;        // rows of a training batch
  int64_t n_p;          // representation width
  int64_t n_q;          // dictionary size (latents)
  int64_t k;            // active latents per row
  int64_t scalar_rows;  // rows of the dense products that the scalar backend computes
};

constexpr Sizes kPaper = {"paper", 1024, 768, 16000, 64, 8};
constexpr Sizes kSmoke = {"smoke", 16, 48, 200, 8, 4};

// splitmix64: benchmark inputs need a distribution, not a reproducible stream.
class FastRandom {
 public:
  float Uniform(float lo, float hi) {
    state_ += 0x9E3779B97F4A7C15ull;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return lo + static_cast<float>(z >> 40) * (1.0f / 16777216.0f) * (hi - lo);
  }
  std::vector<float> Vector(int64_t n, float lo = -1.0f, float hi = 1.0f) {
    std::vector<float> v(n);
    for (float& x : v) x = Uniform(lo, hi);
    return v;
  }

 private:
  uint64_t state_ = 1;
};

// The inputs, built once (the paper-sized ones are ~200 MB).
struct Workload {
  explicit Workload(const Sizes& s) : sizes(s) {
    FastRandom rng;
    x = rng.Vector(s.batch * s.n_p);
    dictionary = rng.Vector(s.n_q * s.n_p, -0.05f, 0.05f);
    z = rng.Vector(s.batch * s.n_q);
    indices.resize(s.batch * s.k);
    values.resize(s.batch * s.k);
    SimdKernels().topk_rows(z.data(), s.batch, s.n_q, s.n_q, s.k, indices.data(), values.data());
  }
  Sizes sizes;
  std::vector<float> x;           // batch x n_p: inputs (and residuals)
  std::vector<float> dictionary;  // n_q x n_p: W_E, and W_D^T as the sparse dictionary
  std::vector<float> z;           // batch x n_q: pre-activations
  std::vector<int32_t> indices;   // batch x k: the top-k of z
  std::vector<float> values;      // batch x k
};

Workload* workload = nullptr;  // set in main before any benchmark runs

const KernelTable& Backend(std::string_view name) {
  return name == "scalar" ? ScalarKernels() : SimdKernels();
}

// "simd_1thread": the SIMD kernel on the calling thread only, to show what threads add.
constexpr simd_internal::Parallelism kOneThread{.threads = 1, .min_work_per_thread = 1};

void SetRates(benchmark::State& state, double flops, double bytes) {
  const double n = static_cast<double>(state.iterations());
  if (flops > 0)
    state.counters["GFLOP/s"] = benchmark::Counter(1e-9 * flops * n, benchmark::Counter::kIsRate);
  if (bytes > 0)
    state.counters["GB/s"] = benchmark::Counter(1e-9 * bytes * n, benchmark::Counter::kIsRate);
}

// ---------------------------------------------------------------------------------------
// Dense products, each at its training role.

enum class Product { kEncoder, kWeightGrad, kDenseDecode };

// Encoder: Z[B x n_q] = X[B x n_p] W_E^T (gemm_nt). Weight gradient:
// dW_E[n_q x n_p] = dZ^T X (gemm_tn over the batch). Dense decode:
// X_hat[B x n_p] = A[B x n_q] W_D[n_q x n_p] (gemm_nn). The scalar backend computes the
// first `scalar_rows` rows of C.
void BM_Gemm(benchmark::State& state, Product product, std::string_view backend) {
  const Workload& w = *workload;
  const Sizes& s = w.sizes;
  const bool scalar = backend == "scalar";
  const KernelTable& t = Backend(backend);
  int64_t m = 0, n = 0, k = 0;
  switch (product) {
    case Product::kEncoder:
      m = s.batch, n = s.n_q, k = s.n_p;
      break;
    case Product::kWeightGrad:
      m = s.n_q, n = s.n_p, k = s.batch;
      break;
    case Product::kDenseDecode:
      m = s.batch, n = s.n_p, k = s.n_q;
      break;
  }
  if (scalar) m = std::min(m, s.scalar_rows);
  std::vector<float> c(m * n);
  for (auto _ : state) {
    switch (product) {
      case Product::kEncoder:  // A = X (B x n_p), B = W_E (n_q x n_p)
        t.gemm_nt(m, n, k, 1.0f, w.x.data(), s.n_p, w.dictionary.data(), s.n_p, 0.0f, c.data(), n);
        break;
      case Product::kWeightGrad:  // A = dZ stored B x n_q, B = X (B x n_p)
        t.gemm_tn(m, n, k, 1.0f, w.z.data(), s.n_q, w.x.data(), s.n_p, 0.0f, c.data(), n);
        break;
      case Product::kDenseDecode:  // A = Z (B x n_q), B = W_D (n_q x n_p)
        t.gemm_nn(m, n, k, 1.0f, w.z.data(), s.n_q, w.dictionary.data(), s.n_p, 0.0f, c.data(), n);
        break;
    }
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  SetRates(state, 2.0 * m * n * k, 0);
  state.SetLabel(absl::StrFormat("%dx%dx%d", m, n, k));
}

// The machine's reference: OpenBLAS called directly on the encoder product.
void BM_RawSgemmEncoder(benchmark::State& state) {
  const Workload& w = *workload;
  const Sizes& s = w.sizes;
  const int m = static_cast<int>(s.batch), n = static_cast<int>(s.n_q), k = static_cast<int>(s.n_p);
  std::vector<float> c(static_cast<size_t>(m) * n);
  for (auto _ : state) {
    BlasGemm(false, true, m, n, k, 1.0f, w.x.data(), k, w.dictionary.data(), k, 0.0f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  SetRates(state, 2.0 * m * n * k, 0);
  state.SetLabel(absl::StrFormat("%dx%dx%d", m, n, k));  // the context names OpenBLAS's core
}

// ---------------------------------------------------------------------------------------
// Sparse and row-wise kernels.

void BM_TopkRows(benchmark::State& state, std::string_view backend) {
  const Workload& w = *workload;
  const Sizes& s = w.sizes;
  const KernelTable& t = Backend(backend);
  std::vector<int32_t> indices(s.batch * s.k);
  std::vector<float> values(s.batch * s.k);
  for (auto _ : state) {
    if (backend == "simd_1thread") {
      simd_internal::TopkRows(w.z.data(), s.batch, s.n_q, s.n_q, s.k, indices.data(), values.data(),
                              kOneThread);
    } else {
      t.topk_rows(w.z.data(), s.batch, s.n_q, s.n_q, s.k, indices.data(), values.data());
    }
    benchmark::DoNotOptimize(indices.data());
    benchmark::ClobberMemory();
  }
  SetRates(state, 0, 4.0 * s.batch * s.n_q);
  state.SetLabel(absl::StrFormat("%dx%d k=%d", s.batch, s.n_q, s.k));
}

void BM_SparseDecode(benchmark::State& state, std::string_view backend) {
  const Workload& w = *workload;
  const Sizes& s = w.sizes;
  const KernelTable& t = Backend(backend);
  std::vector<float> out(s.batch * s.n_p);
  const std::vector<float> bias(s.n_p, 0.25f);
  for (auto _ : state) {
    if (backend == "simd_1thread") {
      simd_internal::SparseDecode(w.indices.data(), w.values.data(), s.batch, s.k, nullptr,
                                  w.dictionary.data(), s.n_p, s.n_p, bias.data(), out.data(), s.n_p,
                                  kOneThread);
    } else {
      t.sparse_decode(w.indices.data(), w.values.data(), s.batch, s.k, nullptr, w.dictionary.data(),
                      s.n_p, s.n_p, bias.data(), out.data(), s.n_p);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  // Dictionary rows gathered + output written.
  SetRates(state, 2.0 * s.batch * s.k * s.n_p, 4.0 * s.batch * (s.k + 1) * s.n_p);
  state.SetLabel(absl::StrFormat("%dx%d k=%d n_q=%d", s.batch, s.n_p, s.k, s.n_q));
}

void BM_SparseDots(benchmark::State& state, std::string_view backend) {
  const Workload& w = *workload;
  const Sizes& s = w.sizes;
  const KernelTable& t = Backend(backend);
  std::vector<float> out(s.batch * s.k);
  for (auto _ : state) {
    if (backend == "simd_1thread") {
      simd_internal::SparseDots(w.indices.data(), s.batch, s.k, nullptr, w.x.data(), s.n_p,
                                w.dictionary.data(), s.n_p, s.n_p, out.data(), kOneThread);
    } else {
      t.sparse_dots(w.indices.data(), s.batch, s.k, nullptr, w.x.data(), s.n_p, w.dictionary.data(),
                    s.n_p, s.n_p, out.data());
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  SetRates(state, 2.0 * s.batch * s.k * s.n_p, 4.0 * s.batch * (s.k + 1) * s.n_p);
  state.SetLabel(absl::StrFormat("%dx%d k=%d n_q=%d", s.batch, s.n_p, s.k, s.n_q));
}

void BM_SparseOuterAccumulate(benchmark::State& state, std::string_view backend) {
  const Workload& w = *workload;
  const Sizes& s = w.sizes;
  const KernelTable& t = Backend(backend);
  std::vector<float> grad(s.n_q * s.n_p, 0.0f);
  for (auto _ : state) {
    if (backend == "simd_1thread") {
      simd_internal::SparseOuterAccumulate(w.indices.data(), w.values.data(), s.batch, s.k, nullptr,
                                           w.x.data(), s.n_p, s.n_p, grad.data(), s.n_p,
                                           kOneThread);
    } else {
      t.sparse_outer_accumulate(w.indices.data(), w.values.data(), s.batch, s.k, nullptr,
                                w.x.data(), s.n_p, s.n_p, grad.data(), s.n_p);
    }
    benchmark::DoNotOptimize(grad.data());
    benchmark::ClobberMemory();
  }
  // Each (r, j) reads and writes a grad row (at most; repeats hit cache) and reads a row of x.
  SetRates(state, 2.0 * s.batch * s.k * s.n_p, 12.0 * s.batch * s.k * s.n_p);
  state.SetLabel(absl::StrFormat("%dx%d k=%d n_q=%d", s.batch, s.n_p, s.k, s.n_q));
}

// The same outer products into a gradient that starts at zero (no zeroing pass): every
// grad row is written once.
void BM_SparseOuterAssign(benchmark::State& state, std::string_view backend) {
  const Workload& w = *workload;
  const Sizes& s = w.sizes;
  const KernelTable& t = Backend(backend);
  std::vector<float> grad(s.n_q * s.n_p, 0.0f);
  for (auto _ : state) {
    t.sparse_outer_assign(w.indices.data(), w.values.data(), s.batch, s.k, nullptr, w.x.data(),
                          s.n_p, s.n_p, grad.data(), s.n_p, s.n_q);
    benchmark::DoNotOptimize(grad.data());
    benchmark::ClobberMemory();
  }
  SetRates(state, 2.0 * s.batch * s.k * s.n_p, 4.0 * s.n_q * s.n_p);
  state.SetLabel(absl::StrFormat("%dx%d k=%d n_q=%d", s.batch, s.n_p, s.k, s.n_q));
}

// ---------------------------------------------------------------------------------------
// Vector kernels, at the size of the array they touch in training.

void BM_Dot(benchmark::State& state, std::string_view backend) {  // a batch of inputs
  const Workload& w = *workload;
  const int64_t n = static_cast<int64_t>(w.x.size());
  const KernelTable& t = Backend(backend);
  for (auto _ : state) benchmark::DoNotOptimize(t.dot(n, w.x.data(), w.z.data()));
  SetRates(state, 2.0 * n, 8.0 * n);
  state.SetLabel(absl::StrCat("n=", n));
}

void BM_SumSquares(benchmark::State& state, std::string_view backend) {  // FVU residuals
  const Workload& w = *workload;
  const int64_t n = static_cast<int64_t>(w.x.size());
  const KernelTable& t = Backend(backend);
  for (auto _ : state) benchmark::DoNotOptimize(t.sum_squares(n, w.x.data()));
  SetRates(state, 2.0 * n, 4.0 * n);
  state.SetLabel(absl::StrCat("n=", n));
}

void BM_Axpy(benchmark::State& state, std::string_view backend) {  // a weight-sized update
  const Workload& w = *workload;
  const int64_t n = static_cast<int64_t>(w.dictionary.size());
  const KernelTable& t = Backend(backend);
  std::vector<float> y(n, 0.0f);
  for (auto _ : state) {
    t.axpy(n, 1e-3f, w.dictionary.data(), y.data());
    benchmark::ClobberMemory();
  }
  SetRates(state, 2.0 * n, 12.0 * n);
  state.SetLabel(absl::StrCat("n=", n));
}

void BM_AdamUpdate(benchmark::State& state, std::string_view backend) {  // W_E
  const Workload& w = *workload;
  const int64_t n = static_cast<int64_t>(w.dictionary.size());
  const KernelTable& t = Backend(backend);
  std::vector<float> param = w.dictionary, m(n, 0.0f), v(n, 0.0f);
  AdamParams params;
  params.bias_correction1 = 0.1f;
  params.bias_correction2 = 0.001f;
  for (auto _ : state) {
    t.adam_update(n, params, param.data(), w.dictionary.data(), m.data(), v.data());
    benchmark::ClobberMemory();
  }
  SetRates(state, 0, 28.0 * n);  // 4 arrays read, 3 written
  state.SetLabel(absl::StrCat("n=", n));
}

void BM_AdamNormalizeRows(benchmark::State& state, std::string_view backend) {  // W_D
  const Workload& w = *workload;
  const Sizes& s = w.sizes;
  const KernelTable& t = Backend(backend);
  const int64_t n = s.n_q * s.n_p;
  std::vector<float> param = w.dictionary, m(n, 0.0f), v(n, 0.0f);
  AdamParams params;
  params.bias_correction1 = 0.1f;
  params.bias_correction2 = 0.001f;
  for (auto _ : state) {
    t.adam_normalize_rows(s.n_q, s.n_p, params, param.data(), w.dictionary.data(), m.data(),
                          v.data());
    benchmark::ClobberMemory();
  }
  SetRates(state, 0, 28.0 * n);  // as Adam: the renormalisation rereads rows from L1
  state.SetLabel(absl::StrFormat("%dx%d", s.n_q, s.n_p));
}

void BM_NormalizeRows(benchmark::State& state, std::string_view backend) {  // W_D rows
  const Workload& w = *workload;
  const Sizes& s = w.sizes;
  const KernelTable& t = Backend(backend);
  std::vector<float> dict = w.dictionary;
  for (auto _ : state) {
    t.normalize_rows(dict.data(), s.n_q, s.n_p, s.n_p);
    benchmark::ClobberMemory();
  }
  SetRates(state, 0, 8.0 * s.n_q * s.n_p);
  state.SetLabel(absl::StrFormat("%dx%d", s.n_q, s.n_p));
}

void BM_Relu(benchmark::State& state, std::string_view backend) {  // the pre-activations
  const Workload& w = *workload;
  const int64_t n = static_cast<int64_t>(w.z.size());
  const KernelTable& t = Backend(backend);
  std::vector<float> out(n);
  for (auto _ : state) {
    t.relu(n, w.z.data(), out.data());
    benchmark::ClobberMemory();
  }
  SetRates(state, 0, 8.0 * n);
  state.SetLabel(absl::StrCat("n=", n));
}

void RegisterAll() {
  const auto unit =
      workload->sizes.batch >= kPaper.batch ? benchmark::kMillisecond : benchmark::kMicrosecond;
  const auto add = [&](const std::string& name, auto fn, auto... args) {
    benchmark::RegisterBenchmark(name.c_str(), fn, args...)->UseRealTime()->Unit(unit);
  };
  add("raw_openblas_sgemm/encoder", BM_RawSgemmEncoder);
  for (const std::string_view backend : {"scalar", "simd"}) {
    const std::string b(backend);
    add("gemm_nt/encoder/" + b, BM_Gemm, Product::kEncoder, backend);
    add("gemm_tn/weight_grad/" + b, BM_Gemm, Product::kWeightGrad, backend);
    add("gemm_nn/dense_decode/" + b, BM_Gemm, Product::kDenseDecode, backend);
    add("topk_rows/" + b, BM_TopkRows, backend);
    add("sparse_decode/" + b, BM_SparseDecode, backend);
    add("sparse_dots/" + b, BM_SparseDots, backend);
    add("sparse_outer_accumulate/" + b, BM_SparseOuterAccumulate, backend);
    add("sparse_outer_assign/" + b, BM_SparseOuterAssign, backend);
    add("dot/" + b, BM_Dot, backend);
    add("sum_squares/" + b, BM_SumSquares, backend);
    add("axpy/" + b, BM_Axpy, backend);
    add("adam_update/" + b, BM_AdamUpdate, backend);
    add("normalize_rows/" + b, BM_NormalizeRows, backend);
    add("adam_normalize_rows/" + b, BM_AdamNormalizeRows, backend);
    add("relu/" + b, BM_Relu, backend);
  }
  const std::string_view one = "simd_1thread";
  add("topk_rows/simd_1thread", BM_TopkRows, one);
  add("sparse_decode/simd_1thread", BM_SparseDecode, one);
  add("sparse_dots/simd_1thread", BM_SparseDots, one);
  add("sparse_outer_accumulate/simd_1thread", BM_SparseOuterAccumulate, one);
}

}  // namespace
}  // namespace lrb::sdl

int main(int argc, char** argv) {
  using namespace lrb::sdl;  // NOLINT: main only
  using lrb::benchmarking::BenchmarkSizes;
  std::unique_ptr<Workload> owned;
  return lrb::benchmarking::RunBenchmarkMain(argc, argv, [&](BenchmarkSizes choice) {
    const Sizes& sizes = choice == BenchmarkSizes::kSmoke ? kSmoke : kPaper;
    owned = std::make_unique<Workload>(sizes);
    workload = owned.get();
    benchmark::AddCustomContext(
        "lrb_shapes", absl::StrFormat("batch=%d n_p=%d n_q=%d k=%d (scalar gemm: %d rows)",
                                      sizes.batch, sizes.n_p, sizes.n_q, sizes.k,
                                      sizes.scalar_rows));
    benchmark::AddCustomContext("simd_backend", SimdKernels().backend_name());
    benchmark::AddCustomContext("simd_threads",
                                absl::StrCat(simd_internal::DefaultParallelism().threads));
    benchmark::AddCustomContext("simd_gemm", simd_internal::GemmDescription());
    benchmark::AddCustomContext("blas", BlasDescription());
    RegisterAll();
  });
}
