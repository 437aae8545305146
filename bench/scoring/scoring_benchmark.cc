// The scorer at the paper's size (n = 1000 features in n_p = 768, n_q = 16,000 latents,
// 10,000 evaluation samples, TopK k = 64), piece by piece and end to end, plus the exact
// assignment at its largest size (16,384 x 16,384).
//
//   bazel run //bench/scoring:scoring_benchmark                   # paper sizes (manual target)
//   bazel test //bench/scoring:scoring_benchmark_smoke            # tiny sizes, runs in //...
//
// Own flag: --lrb_sizes=paper|smoke (default paper); every --benchmark_* flag works.
// The model is "trained-like": latent i < n is feature i's direction plus noise (cosine about
// 0.97), the other latents are random; encoder = decoder. That is the case the scorer meets
// after a good run; BM_Assignment16k also runs the random, near-tied worst case.

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "bench/scoring/codes.h"
#include "bench/scoring/cosines.h"
#include "bench/scoring/encode.h"
#include "bench/scoring/scoring.h"
#include "benchmark/benchmark.h"
#include "datasets/dataset.h"
#include "datasets/generator.h"
#include "datasets/lrb_spec.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/sae_model.h"
#include "util/benchmark/benchmark_main.h"
#include "util/philox.h"

namespace lrb::scoring {
namespace {

struct Sizes {
  const char* name;
  int64_t n, n_p, n_q, eval, k;
  double sparsity, interference;
  int64_t assignment;  // side of the square assignment benchmark; 0 = skip
};

constexpr Sizes kPaper = {"paper", 1000, 768, 16000, 10000, 64, 0.99, 0.1, 16384};
constexpr Sizes kSmoke = {"smoke", 32, 24, 128, 200, 4, 0.9, 0.7, 64};

const Sizes* g_sizes = &kPaper;

// count x dim unit rows: feature rows plus `noise` Gaussian per entry for the first `planted`
// rows (when given), random unit rows otherwise.
std::vector<float> Directions(int64_t count, int64_t dim, const float* planted_rows,
                              int64_t planted, double noise, uint64_t stream) {
  const CounterRng rng(99, stream);
  std::vector<float> rows(count * dim);
  for (int64_t i = 0; i < count; ++i) {
    double norm = 0;
    for (int64_t d = 0; d < dim; ++d) {
      const double g = rng.Normal(i * dim + d);
      const double x = i < planted ? planted_rows[i * dim + d] + noise * g : g;
      rows[i * dim + d] = static_cast<float>(x);
      norm += x * x;
    }
    for (int64_t d = 0; d < dim; ++d) rows[i * dim + d] /= static_cast<float>(std::sqrt(norm));
  }
  return rows;
}

// Everything built once: the dataset, the model, its eval codes and cosines.
struct Workload {
  explicit Workload(const Sizes& s) {
    datasets::LrbSpec spec;
    spec.n = s.n;
    spec.n_p = s.n_p;
    spec.num_samples = 2 * s.eval;
    spec.sparsity = s.sparsity;
    spec.max_interference = s.interference;
    spec.eval_fraction = 0.5;
    data = *datasets::GenerateLrb(spec, 2);
    const int64_t n_eval = data.num_samples() - data.num_train;
    eval_inputs.resize(n_eval * s.n_p);
    datasets::MaterializeInputs(data, data.num_train, data.num_samples(), eval_inputs.data());
    method.latents = s.n_q;
    method.SetKnob("k", static_cast<double>(s.k));
    model.n_p = model.n_r = s.n_p;
    model.n_q = s.n_q;
    // Noise 0.25 / sqrt(n_p) per entry: cosine with the feature about 1 / sqrt(1 + 0.0625).
    model.w_enc = Directions(s.n_q, s.n_p, data.features_p.data(), s.n,
                             0.25 / std::sqrt(static_cast<double>(s.n_p)), 1);
    model.w_dec = model.w_enc;
    model.b_enc.assign(s.n_q, 0.0f);
    model.b_dec.assign(s.n_p, 0.0f);
    codes = *EncodeCodes(method, model, eval_inputs.data(), n_eval, sdl::SimdKernels());
    cosines = *ComputeCosines(model.w_enc.data(), s.n_q, data.features_p.data(), s.n, s.n_p,
                              sdl::SimdKernels());
  }

  ScoringInputs Inputs() const {
    ScoringInputs in;
    in.n_q = model.n_q;
    in.n_p = in.n_r = model.n_p;
    in.encoder_rows = model.w_enc.data();
    in.decoder_rows = model.w_dec.data();
    in.decoder_bias = model.b_dec.data();
    in.n = data.n;
    in.features_p = in.features_r = data.features_p.data();
    in.excluded.assign(data.n, false);
    in.true_codes = ViewRows(data.codes, data.num_train, data.num_samples());
    in.learned_codes = ViewRows(codes, 0, codes.rows);
    in.eval_targets = eval_inputs.data();
    return in;
  }

  datasets::Dataset data;
  std::vector<float> eval_inputs;
  sdl::MethodSpec method;
  sdl::SaeModel model;
  datasets::SparseCodes codes;
  CosineMatrix cosines;
};

const Workload& TheWorkload() {
  static const Workload* workload = new Workload(*g_sizes);
  return *workload;
}

void Label(benchmark::State& state) {
  const Sizes& s = *g_sizes;
  state.SetLabel(absl::StrFormat("%s: n=%d n_p=%d n_q=%d eval=%d k=%d", s.name, s.n, s.n_p,
                                 s.n_q, s.eval, s.k));
}

void BM_EncodeEval(benchmark::State& state) {
  const Workload& w = TheWorkload();
  for (auto _ : state) {
    auto codes = EncodeCodes(w.method, w.model, w.eval_inputs.data(), w.codes.rows,
                                 sdl::SimdKernels());
    benchmark::DoNotOptimize(codes);
  }
  Label(state);
}

void BM_Cosines(benchmark::State& state) {
  const Workload& w = TheWorkload();
  for (auto _ : state) {
    auto c = ComputeCosines(w.model.w_enc.data(), w.model.n_q, w.data.features_p.data(),
                            w.data.n, w.model.n_p, sdl::SimdKernels());
    benchmark::DoNotOptimize(c);
  }
  Label(state);
}

void BM_Directions(benchmark::State& state) {
  const Workload& w = TheWorkload();
  const std::vector<bool> excluded(w.data.n, false);
  for (auto _ : state) {
    auto d = ScoreDirections(w.cosines, excluded);
    benchmark::DoNotOptimize(d);
  }
  Label(state);
}

void BM_Matching(benchmark::State& state) {
  const Workload& w = TheWorkload();
  const std::vector<bool> excluded(w.data.n, false);
  double mcc = 0;
  for (auto _ : state) {
    auto m = ScoreMatching(w.cosines, excluded);
    mcc = m->mcc;
  }
  state.counters["mcc"] = mcc;
  Label(state);
}

void BM_Firing(benchmark::State& state) {
  const Workload& w = TheWorkload();
  const ScoringInputs in = w.Inputs();
  const auto directions = ScoreDirections(w.cosines, in.excluded);
  for (auto _ : state) {
    auto f = ScoreFiring(in.true_codes, in.learned_codes, w.cosines, directions->best_feature,
                         in.excluded);
    benchmark::DoNotOptimize(f);
  }
  Label(state);
}

// Everything after encoding: both cosine products, directions, both matchings, firing, FVU.
void BM_ScoreRun(benchmark::State& state) {
  const Workload& w = TheWorkload();
  const ScoringInputs in = w.Inputs();
  for (auto _ : state) {
    auto s = ScoreRun(in, sdl::SimdKernels());
    benchmark::DoNotOptimize(s);
  }
  Label(state);
}

// What a run pays for scoring: encode the eval split, then ScoreRun.
void BM_ScoreEndToEnd(benchmark::State& state) {
  const Workload& w = TheWorkload();
  ScoringInputs in = w.Inputs();
  double m_gt = 0, mcc = 0, f1 = 0;
  for (auto _ : state) {
    const auto codes = EncodeCodes(w.method, w.model, w.eval_inputs.data(), w.codes.rows,
                                       sdl::SimdKernels());
    in.learned_codes = ViewRows(*codes, 0, codes->rows);
    const auto s = ScoreRun(in, sdl::SimdKernels());
    m_gt = s->encoder.MGtAtPercent(95);
    mcc = s->encoder_matching.mcc;
    f1 = s->firing.f1_mean;
  }
  // Quality next to speed: what the trained-like model scored.
  state.counters["m_gt@0.95"] = m_gt;
  state.counters["mcc"] = mcc;
  state.counters["f1_mean"] = f1;
  Label(state);
}

// The largest matching the scorer supports: side x side features and latents in 768
// dimensions. state.range(0): 1 = latents are the features plus noise (a recovered
// dictionary), 0 = random latents (near-tied costs, the solver's hard case).
void BM_Assignment(benchmark::State& state) {
  const int64_t side = g_sizes->assignment, dim = g_sizes->n_p;
  const std::vector<float> features = Directions(side, dim, nullptr, 0, 0, 2);
  const bool recovered = state.range(0) == 1;
  const std::vector<float> latents =
      Directions(side, dim, features.data(), recovered ? side : 0,
                 0.25 / std::sqrt(static_cast<double>(dim)), 3);
  const auto cosines = ComputeCosines(latents.data(), side, features.data(), side, dim,
                                      sdl::SimdKernels());
  const std::vector<bool> excluded(side, false);
  double mcc = 0;
  for (auto _ : state) {
    const auto m = ScoreMatching(*cosines, excluded);
    mcc = m->mcc;
  }
  state.counters["mcc"] = mcc;
  state.SetLabel(absl::StrFormat("%d x %d, %s latents", side, side,
                                 recovered ? "recovered" : "random"));
}

BENCHMARK(BM_EncodeEval)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Cosines)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Directions)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Matching)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Firing)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ScoreRun)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ScoreEndToEnd)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Assignment)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()
    ->Iterations(1);

}  // namespace
}  // namespace lrb::scoring

int main(int argc, char** argv) {
  using lrb::benchmarking::BenchmarkSizes;
  return lrb::benchmarking::RunBenchmarkMain(argc, argv, [](BenchmarkSizes sizes) {
    lrb::scoring::g_sizes =
        sizes == BenchmarkSizes::kSmoke ? &lrb::scoring::kSmoke : &lrb::scoring::kPaper;
    benchmark::AddCustomContext("scorer", lrb::scoring::kScorerVersion);
    benchmark::AddCustomContext("backend", lrb::sdl::SimdKernels().backend_name());
  });
}
