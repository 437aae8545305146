// One training step (TrainStep: loss and gradient, clipping, Adam, decoder renormalisation)
// per method x backend, with samples/s and GFLOP/s counters, next to the products that
// bound it, measured in the same binary: the encoder product through the table (our Highway
// GEMM on `simd`) and raw OpenBLAS cblas_sgemm of the same shape (the machine's reference
// rate as the installed OpenBLAS sees it).
//
//   bazel run //sdl:training_step_benchmark                 # paper + compare sizes (manual)
//   bazel test //sdl:training_step_benchmark_smoke          # tiny sizes, runs in //...
//
// Own flag: --lrb_sizes=paper|smoke (default paper). Sizes:
//   paper:   batch 1024, n_p = n_r = 768, n_q = 16000, k = 64 (the paper's LRB
//            setting and dictionary size), simd only;
//   compare: batch 256, n_p = 768, n_q = 4000, k = 64, both backends: the scalar step takes
//            about a second here, so simd / scalar is measured on the same step;
//   smoke:   tiny, both backends, one short run each.
// The step's phases are benchmarked too (loss+gradient alone, and each kernel of the TopK
// step on its own: topk_phase/*), so the cost beyond the dense product is visible:
// train_step - loss_and_gradient is the optimiser. Families without a k also run from a
// trained-like sparse state (mean L0 ~ k, "/L0=64/") on the pipeline's own path and forced
// onto the dense products ("/dense_products"). The TopK-type families also run on rows of
// unequal norm ("/unequal_norms"), as LRB's samples are (a sample is the sum of its active
// features, ~10 of 1,000 at S = 0.99): BatchTopK's batch-level selection then gives a few
// rows hundreds of codes, which the i.i.d. rows of the plain case never show.

#include <cblas.h>  // OpenBLAS

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/family.h"
#include "sdl/methods.h"
#include "sdl/sae_model.h"
#include "sdl/train_spec.h"
#include "sdl/trainer.h"
#include "util/benchmark/benchmark_main.h"
#include "util/philox.h"

namespace lrb::sdl {
namespace {

// The methods benchmarked: every family of method_families.inc (so a new family is
// benchmarked with no edit here), plus TopK with anchoring. The size's latents replace the
// spec's, and its k replaces TopK-type families' k.
const std::vector<std::string>& Methods() {
  static const std::vector<std::string>* const methods = [] {
    auto* list = new std::vector<std::string>;
    for (const FamilyTraits* family : AllFamilyTraits()) list->emplace_back(family->example);
    list->push_back("sae.topk(latents=16000,k=64)+anchor(k=100,lambda=0.1)");
    return list;
  }();
  return *methods;
}

struct Size {
  const char* name;
  int64_t batch, n_p, n_q, k;
  bool scalar;  // also run the scalar backend
};

constexpr Size kPaperSizes[] = {{"paper", 1024, 768, 16000, 64, false},
                                {"compare", 256, 768, 4000, 64, true}};
constexpr Size kSmokeSizes[] = {{"smoke", 32, 24, 96, 4, true}};

// A batch of inputs (= targets, an SAE) with features of unit scale, and the run's state.
// unequal_norms: row r is scaled to the norm of an LRB sample at the paper's setting (1,000
// nearly orthogonal unit features, each active with probability 0.01 at an Exponential(1)
// magnitude): sqrt(sum of the active magnitudes squared, over its mean).
struct Setup {
  Setup(const Size& s, const MethodSpec& m, bool unequal_norms = false) : size(s), method(m) {
    const CounterRng rng(2024, 7);
    inputs.resize(s.batch * s.n_p);
    for (int64_t i = 0; i < s.batch * s.n_p; ++i) inputs[i] = static_cast<float>(rng.Normal(i));
    if (unequal_norms) {
      constexpr int64_t kFeatures = 1000;
      constexpr double kFiring = 0.01;
      // E[sum of squares] = kFeatures * kFiring * E[m^2], E[m^2] = 2 for m ~ Exponential(1).
      constexpr double kMeanSquares = kFeatures * kFiring * 2.0;
      const CounterRng features(2024, 9);
      for (int64_t r = 0; r < s.batch; ++r) {
        double squares = 0;
        for (int64_t f = 0; f < kFeatures; ++f) {
          const uint64_t draw = 2 * static_cast<uint64_t>(r * kFeatures + f);
          if (features.Uniform(draw) >= kFiring) continue;
          const double magnitude = features.Exponential(draw + 1);
          squares += magnitude * magnitude;
        }
        const float scale = static_cast<float>(std::sqrt(squares / kMeanSquares));
        for (int64_t c = 0; c < s.n_p; ++c) inputs[r * s.n_p + c] *= scale;
      }
    }
    if (method.anchor) {
      anchors.k = std::min(method.anchor->k, s.n_q);
      anchors.lambda = method.anchor->lambda;
      const CounterRng dirs(2024, 8);
      anchors.encoder.resize(anchors.k * s.n_p);
      for (size_t i = 0; i < anchors.encoder.size(); ++i) {
        anchors.encoder[i] = static_cast<float>(dirs.Normal(i) / std::sqrt(s.n_p));
      }
      anchors.decoder = anchors.encoder;
    }
    state = InitTrainState(method, s.n_p, s.n_p, /*seed=*/1);
  }
  // A trained-like sparse state: one encoder bias for every latent, set (by bisection on
  // the family's own activation) so that this batch's mean L0 is ~target_l0. `dense_path`
  // forces the pipeline's dense path, for the same-run ratio of the two paths.
  void MakeSparse(int64_t target_l0, bool dense_path) {
    state.workspace.path = dense_path ? PathPolicy::kDense : PathPolicy::kAuto;
    static std::mutex mu;
    static std::map<std::string, float>* const cache = new std::map<std::string, float>;
    const std::string key = absl::StrCat(ToString(method), "/", size.name, "/", target_l0);
    std::lock_guard<std::mutex> lock(mu);
    const auto it = cache->find(key);
    if (it != cache->end()) {
      std::fill(state.model.b_enc.begin(), state.model.b_enc.end(), it->second);
      return;
    }
    const int64_t n = size.batch * size.n_q;
    std::vector<float> z0(n), z(n), a(n);
    SimdKernels().gemm_nt(size.batch, size.n_q, size.n_p, 1.0f, inputs.data(), size.n_p,
                          state.model.w_enc.data(), size.n_p, 0.0f, z0.data(), size.n_q);
    const auto mean_l0 = [&](float bias) {
      std::fill(state.model.b_enc.begin(), state.model.b_enc.end(), bias);
      for (int64_t i = 0; i < n; ++i) z[i] = z0[i] + bias;
      FamilyOf(method.family)
          .Activate(method, state.model, SimdKernels(), size.batch, z.data(), false, a.data());
      int64_t count = 0;
      for (const float v : a) count += v != 0.0f;
      return static_cast<double>(count) / static_cast<double>(size.batch);
    };
    // Start where target_l0 / n_q of the pre-activations are positive (exact for ReLU).
    z = z0;
    const int64_t above = target_l0 * size.batch;
    std::nth_element(z.begin(), z.begin() + (n - above), z.end());
    float bias = -z[n - above];
    if (std::fabs(mean_l0(bias) - target_l0) > 0.5) {
      float low = bias - 2.0f, high = bias + 2.0f;  // L0 grows with the bias
      for (int step = 0; step < 16; ++step) {
        bias = 0.5f * (low + high);
        (mean_l0(bias) < target_l0 ? low : high) = bias;
      }
    }
    (*cache)[key] = bias;
    std::fill(state.model.b_enc.begin(), state.model.b_enc.end(), bias);
  }
  // Mean non-zero codes per sample of the last step.
  double MeanL0() const {
    const MethodWorkspace& ws = state.workspace;
    int64_t count = 0;
    if (ws.used_sparse_path) {
      for (const CodeList& list : ws.sparse.codes.levels) {
        for (const float v : list.values) count += v != 0.0f;
      }
    } else {
      for (const float v : ws.dense.a) count += v != 0.0f;
    }
    return static_cast<double>(count) / static_cast<double>(size.batch);
  }
  Batch batch() const { return {inputs.data(), inputs.data(), size.batch}; }

  Size size;
  MethodSpec method;
  TrainSpec train;  // the defaults: lr 1e-3, warm-up 100, clip 1
  Anchors anchors;
  std::vector<float> inputs;
  TrainState state;
};

const KernelTable& Backend(std::string_view name) {
  return name == "scalar" ? ScalarKernels() : SimdKernels();
}

double EncoderFlops(const Size& s) { return 2.0 * s.batch * s.n_q * s.n_p; }

// Encoder product + the sparse work of TopK (decode, value gradients, two outer products).
double StepFlops(const Size& s) {
  return EncoderFlops(s) + 2.0 * s.batch * s.k * (3.0 * s.n_p + s.n_p);
}

void SetCounters(benchmark::State& state, const Size& s, double flops) {
  const double n = static_cast<double>(state.iterations());
  state.counters["samples/s"] =
      benchmark::Counter(n * static_cast<double>(s.batch), benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(1e-9 * flops * n, benchmark::Counter::kIsRate);
}

// sparse_l0 > 0: start from MakeSparse(sparse_l0, dense_path) and report the mean L0.
void BM_TrainStep(benchmark::State& state, Size size, MethodSpec method, std::string backend,
                  int64_t sparse_l0, bool dense_path, bool unequal_norms) {
  Setup setup(size, method, unequal_norms);
  if (sparse_l0 > 0) setup.MakeSparse(sparse_l0, dense_path);
  if (dense_path) setup.state.workspace.path = PathPolicy::kDense;
  const KernelTable& kernels = Backend(backend);
  const Batch batch = setup.batch();
  double loss = 0;
  // One untimed step first: buffers sized and touched, as in every later step of a run.
  if (!TrainStep(setup.method, setup.train, setup.anchors, batch, kernels, 1, setup.state).ok()) {
    state.SkipWithError("warm-up step failed");
    return;
  }
  for (auto _ : state) {
    const absl::StatusOr<LossTerms> step =
        TrainStep(setup.method, setup.train, setup.anchors, batch, kernels, /*seed=*/1,
                  setup.state);
    if (!step.ok()) {
      state.SkipWithError(std::string(step.status().message()).c_str());
      break;
    }
    loss = step->total();
  }
  SetCounters(state, size, StepFlops(size));
  state.counters["loss"] = loss;
  state.counters["L0"] = setup.MeanL0();
  state.counters["sparse_path"] = setup.state.workspace.used_sparse_path;
  // The widest row of the codes (k for per-sample TopK; more for BatchTopK's ragged rows).
  int64_t widest_row = 0;
  if (setup.state.workspace.used_sparse_path) {
    for (const CodeList& list : setup.state.workspace.sparse.codes.levels) {
      for (const int32_t count : list.counts) widest_row = std::max<int64_t>(widest_row, count);
    }
  }
  state.counters["widest_row"] = static_cast<double>(widest_row);
  state.SetLabel(absl::StrFormat("%s %dx%d n_q=%d k=%d", kernels.backend_name(), size.batch,
                                 size.n_p, size.n_q, size.k));
}

// The loss and gradient alone (no optimiser): TrainStep minus this is the optimiser's cost.
void BM_LossAndGradient(benchmark::State& state, Size size, MethodSpec method,
                        std::string backend, int64_t sparse_l0, bool dense_path) {
  Setup setup(size, method);
  if (sparse_l0 > 0) setup.MakeSparse(sparse_l0, dense_path);
  const KernelTable& kernels = Backend(backend);
  const Batch batch = setup.batch();
  // One untimed call first: buffers sized and touched, as in every later step of a run.
  (void)MethodLossAndGradient(setup.method, setup.state.model, setup.anchors, batch, kernels,
                              /*dead=*/nullptr, setup.state.workspace, &setup.state.gradient);
  for (auto _ : state) {
    const absl::StatusOr<LossTerms> loss =
        MethodLossAndGradient(setup.method, setup.state.model, setup.anchors, batch, kernels,
                              /*dead=*/nullptr, setup.state.workspace, &setup.state.gradient);
    if (!loss.ok()) {
      state.SkipWithError(std::string(loss.status().message()).c_str());
      break;
    }
  }
  SetCounters(state, size, StepFlops(size));
  state.counters["L0"] = setup.MeanL0();
  state.counters["sparse_path"] = setup.state.workspace.used_sparse_path;
}

// One phase of the TopK training step alone, on the state one step leaves (its codes, residual
// and gradient): where the step's time goes beyond the encoder product.
void BM_TopkPhase(benchmark::State& state, Size size, MethodSpec method, std::string phase) {
  Setup setup(size, method);
  const KernelTable& kernels = SimdKernels();
  const Batch batch = setup.batch();
  TrainState& s = setup.state;
  s.workspace.path = PathPolicy::kSparse;  // the paper size's own choice; tiny sizes too
  if (!MethodLossAndGradient(method, s.model, setup.anchors, batch, kernels, nullptr, s.workspace,
                             &s.gradient)
           .ok()) {
    state.SkipWithError("loss failed");
    return;
  }
  const CodeList& codes = s.workspace.sparse.codes.levels.at(0);
  const int64_t rows = size.batch, n_q = size.n_q, n_p = size.n_p, n_r = size.n_p, k = codes.width;
  std::vector<float> out(rows * std::max(n_q, n_r)), grads(rows * k);
  const std::vector<float>& residual = s.workspace.sparse.grads;
  std::vector<int32_t> top_indices(rows * k);
  std::vector<float> top_values(rows * k);
  AdamParams adam;
  for (auto _ : state) {
    if (phase == "encoder_product") {
      kernels.gemm_nt_bias(rows, n_q, n_p, batch.inputs, n_p, s.model.w_enc.data(), n_p,
                           s.model.b_enc.data(), out.data(), n_q);
    } else if (phase == "topk_rows") {
      kernels.topk_rows(s.workspace.z.data(), rows, n_q, n_q, k, top_indices.data(),
                        top_values.data());
    } else if (phase == "decode_and_loss") {
      kernels.sparse_decode(codes.indices.data(), codes.values.data(), rows, k, nullptr,
                            s.model.w_dec.data(), n_r, n_r, s.model.b_dec.data(), out.data(), n_r);
      kernels.axpy(rows * n_r, -1.0f, batch.targets, out.data());
      benchmark::DoNotOptimize(kernels.sum_squares(rows * n_r, out.data()));
    } else if (phase == "decoder_gradient") {
      kernels.sparse_outer_assign(codes.indices.data(), codes.values.data(), rows, k, nullptr,
                                  residual.data(), n_r, n_r, s.gradient.w_dec.data(), n_r, n_q);
    } else if (phase == "code_gradient") {
      kernels.sparse_dots(codes.indices.data(), rows, k, nullptr, residual.data(), n_r,
                          s.model.w_dec.data(), n_r, n_r, grads.data());
    } else if (phase == "encoder_gradient") {
      kernels.sparse_outer_assign(codes.indices.data(), codes.values.data(), rows, k, nullptr,
                                  batch.inputs, n_p, n_p, s.gradient.w_enc.data(), n_p, n_q);
    } else if (phase == "gradient_norm") {
      benchmark::DoNotOptimize(
          kernels.sum_squares(static_cast<int64_t>(s.gradient.w_enc.size()),
                              s.gradient.w_enc.data()) +
          kernels.sum_squares(static_cast<int64_t>(s.gradient.w_dec.size()),
                              s.gradient.w_dec.data()));
    } else if (phase == "adam_encoder") {
      kernels.adam_update(static_cast<int64_t>(s.model.w_enc.size()), adam, s.model.w_enc.data(),
                          s.gradient.w_enc.data(), s.adam_m.w_enc.data(), s.adam_v.w_enc.data());
    } else if (phase == "adam_renormalise_decoder") {
      kernels.adam_normalize_rows(n_q, n_r, adam, s.model.w_dec.data(), s.gradient.w_dec.data(),
                                  s.adam_m.w_dec.data(), s.adam_v.w_dec.data());
    }
    benchmark::ClobberMemory();
  }
  state.SetLabel(kernels.backend_name());
}

// Z = X W_E^T through the table (on simd: the Highway GEMM).
void BM_EncoderGemm(benchmark::State& state, Size size, std::string backend) {
  Setup setup(size, MethodSpec{});
  const KernelTable& kernels = Backend(backend);
  std::vector<float> z(size.batch * size.n_q);
  const std::vector<float> w = InitSaeModel(size.n_p, size.n_p, size.n_q, 1).w_enc;
  std::fill(z.begin(), z.end(), 0.0f);
  for (auto _ : state) {
    kernels.gemm_nt(size.batch, size.n_q, size.n_p, 1.0f, setup.inputs.data(), size.n_p,
                    w.data(), size.n_p, 0.0f, z.data(), size.n_q);
    benchmark::DoNotOptimize(z.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state, size, EncoderFlops(size));
  state.SetLabel(kernels.backend_name());
}

// The same product through OpenBLAS directly: the reference rate.
void BM_OpenBlasSgemm(benchmark::State& state, Size size) {
  Setup setup(size, MethodSpec{});
  std::vector<float> z(size.batch * size.n_q);
  const std::vector<float> w = InitSaeModel(size.n_p, size.n_p, size.n_q, 1).w_enc;
  const int m = static_cast<int>(size.batch), n = static_cast<int>(size.n_q),
            k = static_cast<int>(size.n_p);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, setup.inputs.data(), k,
                w.data(), k, 0.0f, z.data(), n);
    benchmark::DoNotOptimize(z.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state, size, EncoderFlops(size));
  state.SetLabel(absl::StrCat("OpenBLAS core=", openblas_get_corename(),
                              " threads=", openblas_get_num_threads()));
}

void RegisterAll(const Size* sizes, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    const Size& size = sizes[i];
    const auto unit = size.batch >= 1024 ? benchmark::kMillisecond : benchmark::kMicrosecond;
    const auto add = [&](const std::string& name, auto fn, auto... args) {
      benchmark::RegisterBenchmark(name.c_str(), fn, args...)->UseRealTime()->Unit(unit);
    };
    const std::string at = absl::StrCat("/", size.name);
    add("openblas_sgemm/encoder" + at, BM_OpenBlasSgemm, size);
    std::vector<std::string> backends = {"simd"};
    if (size.scalar) backends.push_back("scalar");
    for (const std::string& backend : backends) {
      add("gemm_nt/encoder" + at + "/" + backend, BM_EncoderGemm, size, backend);
      if (backend == "simd") {
        MethodSpec topk = *ParseMethodSpec("sae.topk");
        topk.latents = size.n_q;
        topk.SetKnob("k", static_cast<double>(size.k));
        for (const char* phase :
             {"encoder_product", "topk_rows", "decode_and_loss", "decoder_gradient",
              "code_gradient", "encoder_gradient", "gradient_norm", "adam_encoder",
              "adam_renormalise_decoder"}) {
          add(absl::StrCat("topk_phase/", phase, at), BM_TopkPhase, size, topk,
              std::string(phase));
        }
      }
      for (const std::string& text : Methods()) {
        absl::StatusOr<MethodSpec> method = ParseMethodSpec(text);
        if (!method.ok()) {
          std::fprintf(stderr, "bad method %s: %s\n", text.c_str(),
                       std::string(method.status().message()).c_str());
          std::abort();
        }
        method->latents = size.n_q;
        const bool selects_topk = TraitsOf(*method).selects_topk;
        if (selects_topk) method->SetKnob("k", static_cast<double>(size.k));
        const std::string name = ToString(*method);
        add("loss_and_gradient/" + name + at + "/" + backend, BM_LossAndGradient, size, *method,
            backend, int64_t{0}, false);
        add("train_step/" + name + at + "/" + backend, BM_TrainStep, size, *method, backend,
            int64_t{0}, false, false);
        if (selects_topk) {  // the pipeline's path, and the dense products for the ratio
          for (const bool dense_path : {false, true}) {
            add("train_step/" + name + "/unequal_norms" + (dense_path ? "/dense_products" : "") +
                    at + "/" + backend,
                BM_TrainStep, size, *method, backend, int64_t{0}, dense_path, true);
          }
        }
        // Families without a k once trained-like sparse (L0 ~ k): the pipeline's choice (the
        // sparse path), and the same state forced onto the dense products.
        if (!selects_topk) {
          for (const bool dense_path : {false, true}) {
            const std::string sparse = absl::StrCat(
                "/L0=", size.k, dense_path ? "/dense_products" : "/sparse_path");
            add("loss_and_gradient/" + name + sparse + at + "/" + backend, BM_LossAndGradient,
                size, *method, backend, size.k, dense_path);
            add("train_step/" + name + sparse + at + "/" + backend, BM_TrainStep, size, *method,
                backend, size.k, dense_path, false);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace lrb::sdl

int main(int argc, char** argv) {
  using namespace lrb::sdl;  // NOLINT: main only
  using lrb::benchmarking::BenchmarkSizes;
  return lrb::benchmarking::RunBenchmarkMain(argc, argv, [](BenchmarkSizes sizes) {
    benchmark::AddCustomContext("simd_backend", SimdKernels().backend_name());
    benchmark::AddCustomContext("blas", absl::StrCat(openblas_get_config(), " core=",
                                                     openblas_get_corename(), " threads=",
                                                     openblas_get_num_threads()));
    if (sizes == BenchmarkSizes::kSmoke) {
      RegisterAll(kSmokeSizes, std::size(kSmokeSizes));
    } else {
      RegisterAll(kPaperSizes, std::size(kPaperSizes));
    }
  });
}
