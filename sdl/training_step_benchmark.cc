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
//   paper:   batch 1024, n_p = n_r = 768, n_q = 16000, k = 64 (PAPER.md), simd only;
//   compare: batch 256, n_p = 768, n_q = 4000, k = 64, both backends: the scalar step takes
//            about a second here, so simd / scalar is measured on the same step;
//   smoke:   tiny, both backends, one short run each.
// The step's phases are benchmarked too (encoder product, loss+gradient), so the cost
// beyond the dense product is visible: train_step - loss_and_gradient is the optimiser.

#include <cblas.h>  // OpenBLAS

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/methods.h"
#include "sdl/sae_model.h"
#include "sdl/topk_sae.h"
#include "sdl/train_spec.h"
#include "sdl/trainer.h"
#include "util/philox.h"

namespace lrb::sdl {
namespace {

// The methods benchmarked: every family of method_families.inc (so a new family is
// benchmarked with no edit here), plus TopK with anchoring. The size's latents replace the
// spec's, and its k replaces TopK-type families' k.
const std::vector<std::string>& Methods() {
  static const std::vector<std::string>* const methods = new std::vector<std::string>{
#define LRB_METHOD_FAMILY(name, version, example) example,
#include "sdl/method_families.inc"
#undef LRB_METHOD_FAMILY
      "sae.topk(latents=16000,k=64)+anchor(k=100,lambda=0.1)",
  };
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
struct Setup {
  Setup(const Size& s, const MethodSpec& m) : size(s), method(m) {
    const CounterRng rng(2024, 7);
    inputs.resize(s.batch * s.n_p);
    for (int64_t i = 0; i < s.batch * s.n_p; ++i) inputs[i] = static_cast<float>(rng.Normal(i));
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
  // A trained-like sparse state: one encoder bias for every latent, set so that a fraction
  // target_l0 / n_q of this batch's pre-activations is positive (mean L0 ~ target_l0 for
  // ReLU). `dense_path` turns the dense pipeline's sparse path off, for the same-run ratio.
  void MakeSparse(int64_t target_l0, bool dense_path) {
    const int64_t n = size.batch * size.n_q;
    std::vector<float> z(n);
    SimdKernels().gemm_nt(size.batch, size.n_q, size.n_p, 1.0f, inputs.data(), size.n_p,
                          state.model.w_enc.data(), size.n_p, 0.0f, z.data(), size.n_q);
    const int64_t above = target_l0 * size.batch;
    std::nth_element(z.begin(), z.begin() + (n - above), z.end());
    std::fill(state.model.b_enc.begin(), state.model.b_enc.end(), -z[n - above]);
    state.workspace.dense.allow_sparse_path = !dense_path;
  }
  // Mean non-zeros per sample of the last dense-path step.
  double MeanL0() const {
    const std::vector<float>& a = state.workspace.dense.a;
    int64_t count = 0;
    for (const float v : a) count += v != 0.0f;
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
                  int64_t sparse_l0, bool dense_path) {
  Setup setup(size, method);
  if (sparse_l0 > 0) setup.MakeSparse(sparse_l0, dense_path);
  const KernelTable& kernels = Backend(backend);
  const Batch batch = setup.batch();
  double loss = 0;
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
  if (sparse_l0 > 0) {
    state.counters["L0"] = setup.MeanL0();
    state.counters["sparse_path"] = setup.state.workspace.dense.used_sparse_path;
  }
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
  if (sparse_l0 > 0) {
    state.counters["L0"] = setup.MeanL0();
    state.counters["sparse_path"] = setup.state.workspace.dense.used_sparse_path;
  }
}

// Z = X W_E^T through the table (on simd: the Highway GEMM).
void BM_EncoderGemm(benchmark::State& state, Size size, std::string backend) {
  Setup setup(size, MethodSpec{});
  const KernelTable& kernels = Backend(backend);
  std::vector<float> z(size.batch * size.n_q);
  const std::vector<float> w = InitSaeModel(size.n_p, size.n_p, size.n_q, 1).w_enc;
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
      for (const std::string& text : Methods()) {
        absl::StatusOr<MethodSpec> method = ParseMethodSpec(text);
        if (!method.ok()) {
          std::fprintf(stderr, "bad method %s: %s\n", text.c_str(),
                       std::string(method.status().message()).c_str());
          std::abort();
        }
        method->latents = size.n_q;
        if (IsTopkFamily(*method)) method->k = size.k;
        const std::string name = ToString(*method);
        add("loss_and_gradient/" + name + at + "/" + backend, BM_LossAndGradient, size, *method,
            backend, int64_t{0}, false);
        add("train_step/" + name + at + "/" + backend, BM_TrainStep, size, *method, backend,
            int64_t{0}, false);
        // ReLU once trained-like sparse (L0 ~ k): the dense pipeline's sparse path, and the
        // same state forced onto the dense products.
        if (method->family == "relu") {
          for (const bool dense_path : {false, true}) {
            const std::string sparse = absl::StrCat(
                "/L0=", size.k, dense_path ? "/dense_products" : "/sparse_path");
            add("loss_and_gradient/" + name + sparse + at + "/" + backend, BM_LossAndGradient,
                size, *method, backend, size.k, dense_path);
            add("train_step/" + name + sparse + at + "/" + backend, BM_TrainStep, size, *method,
                backend, size.k, dense_path);
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
  const Size* sizes = kPaperSizes;
  size_t count = std::size(kPaperSizes);
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--lrb_sizes=smoke") {
      sizes = kSmokeSizes;
      count = std::size(kSmokeSizes);
    } else if (arg == "--lrb_sizes=paper") {
      sizes = kPaperSizes;
      count = std::size(kPaperSizes);
    } else if (arg.rfind("--lrb_sizes=", 0) == 0) {
      std::fprintf(stderr, "unknown %s; expected --lrb_sizes=paper or --lrb_sizes=smoke\n",
                   argv[i]);
      return 2;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("simd_backend", SimdKernels().backend_name());
  benchmark::AddCustomContext("blas", absl::StrCat(openblas_get_config(), " core=",
                                                   openblas_get_corename(), " threads=",
                                                   openblas_get_num_threads()));
  RegisterAll(sizes, count);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
