// The scorer end to end on controls whose every metric value is known (docs/metrics.md,
// "Controls"): oracle dictionaries built from the true features, and random dictionaries.

#include "bench/scoring/scoring.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "bench/scoring/test_support.h"
#include "datasets/dataset.h"
#include "datasets/generator.h"
#include "datasets/lrb_spec.h"
#include "gtest/gtest.h"
#include "sdl/kernels/kernels.h"

namespace lrb::scoring {
namespace {

using ::lrb::scoring::testing::MakeOracle;
using ::lrb::scoring::testing::Oracle;
using ::lrb::scoring::testing::OracleOptions;
using ::lrb::scoring::testing::RandomCodes;
using ::lrb::scoring::testing::RandomUnitRows;

class ScoringTest : public ::testing::Test {
 protected:
  // One small LRB dataset for every test: 64 features in 48 dimensions, 2000 eval samples.
  static void SetUpTestSuite() {
    datasets::LrbSpec spec;
    spec.n = 64;
    spec.n_p = 48;
    spec.num_samples = 4000;
    spec.sparsity = 0.9;
    spec.max_interference = 0.5;
    spec.eval_fraction = 0.5;
    spec.seed = 3;
    auto generated = datasets::GenerateLrb(spec, 2);
    ASSERT_TRUE(generated.ok()) << generated.status();
    data_ = new datasets::Dataset(std::move(*generated));
    const int64_t n_eval = data_->num_samples() - data_->num_train;
    targets_ = new std::vector<float>(n_eval * data_->n_p);
    datasets::MaterializeInputs(*data_, data_->num_train, data_->num_samples(), targets_->data());
  }
  static void TearDownTestSuite() {
    delete data_;
    delete targets_;
  }

  static CodesView Truth() { return ViewRows(data_->codes, data_->num_train, data_->num_samples()); }
  static int64_t n() { return data_->n; }
  static int64_t dim() { return data_->n_p; }

  static Oracle MakeOracleFor(const OracleOptions& options) {
    return MakeOracle(data_->features_p, n(), dim(), Truth(), options);
  }

  // Scores a dictionary whose encoder and decoder rows are given, with its codes.
  static RunScores Score(int64_t n_q, const std::vector<float>& encoder,
                         const std::vector<float>& decoder, const datasets::SparseCodes& codes,
                         std::vector<bool> excluded = {}, const Hierarchy* hierarchy = nullptr) {
    ScoringInputs in;
    in.n_q = n_q;
    in.n_p = in.n_r = dim();
    in.encoder_rows = encoder.data();
    in.decoder_rows = decoder.data();
    in.n = n();
    in.features_p = in.features_r = data_->features_p.data();
    in.excluded = excluded.empty() ? std::vector<bool>(n()) : std::move(excluded);
    in.true_codes = Truth();
    in.learned_codes = ViewRows(codes, 0, codes.rows);
    in.eval_targets = targets_->data();
    in.hierarchy = hierarchy;
    auto scores = ScoreRun(in, sdl::SimdKernels());
    EXPECT_TRUE(scores.ok()) << scores.status();
    return scores.ok() ? *std::move(scores) : RunScores{};
  }
  static RunScores Score(const Oracle& o, std::vector<bool> excluded = {},
                         const Hierarchy* hierarchy = nullptr) {
    return Score(o.n_q, o.encoder, o.decoder, o.codes, std::move(excluded), hierarchy);
  }

  static double Metric(const RunScores& s, const std::string& name) {
    for (const auto& [key, value] : s.metrics) {
      if (key == name) return value;
    }
    ADD_FAILURE() << "no metric named " << name;
    return -1;
  }

  // Mean number of active features per eval sample.
  static double TrueL0() {
    const CodesView t = Truth();
    return static_cast<double>(t.end(t.rows - 1) - t.begin(0)) / t.rows;
  }

  // The values every oracle must take, whatever its permutation, signs and scale.
  static void ExpectPerfectRecovery(const RunScores& s) {
    for (const std::string prefix : {"", "decoder."}) {
      for (int p = kTauCurveFirstPercent; p <= kTauCurveLastPercent; ++p) {
        EXPECT_EQ(Metric(s, absl::StrFormat("%sm_gt@%g", prefix, TauOfPercent(p))), 1.0);
      }
      EXPECT_NEAR(Metric(s, prefix + "m_ip"), 1.0, 1e-6);
      EXPECT_NEAR(Metric(s, prefix + "mcc"), 1.0, 1e-6);
      EXPECT_EQ(Metric(s, prefix + "uniqueness"), 1.0);
    }
    EXPECT_EQ(Metric(s, "eval.precision_mean"), 1.0);
    EXPECT_EQ(Metric(s, "eval.recall_mean"), 1.0);
    EXPECT_EQ(Metric(s, "eval.f1_mean"), 1.0);
    EXPECT_EQ(Metric(s, "eval.polysemantic_fraction"), 0.0);
    EXPECT_LT(Metric(s, "eval.fvu"), 1e-10);
  }

  static datasets::Dataset* data_;
  static std::vector<float>* targets_;
};

datasets::Dataset* ScoringTest::data_ = nullptr;
std::vector<float>* ScoringTest::targets_ = nullptr;

TEST_F(ScoringTest, TrueFeaturesScorePerfectly) {
  const Oracle oracle = MakeOracleFor({});
  const RunScores s = Score(oracle);
  ExpectPerfectRecovery(s);
  EXPECT_EQ(Metric(s, "eval.dead_fraction"), 0.0);
  EXPECT_DOUBLE_EQ(Metric(s, "eval.l0"), TrueL0());
  EXPECT_EQ(Metric(s, "features_scored"), n());
  ASSERT_EQ(static_cast<int64_t>(s.features.size()), n());
  for (int64_t j = 0; j < n(); ++j) {
    const FeatureScore& row = s.features[j];
    EXPECT_EQ(row.feature, j);
    EXPECT_EQ(row.best_latent, j);
    EXPECT_TRUE(row.recovered);
    EXPECT_FALSE(row.anchored);
    EXPECT_FALSE(row.absorbed);
    EXPECT_GT(row.firing_frequency, 0.0);
    EXPECT_EQ(row.latent_firing_frequency, row.firing_frequency);
  }
}

TEST_F(ScoringTest, ShuffledSignFlippedRescaledTrueFeaturesScorePerfectly) {
  const Oracle oracle =
      MakeOracleFor({.shuffle = true, .flip_signs = true, .encoder_scale = 3.5f, .seed = 4});
  const RunScores s = Score(oracle);
  ExpectPerfectRecovery(s);
  EXPECT_EQ(Metric(s, "eval.dead_fraction"), 0.0);
  EXPECT_DOUBLE_EQ(Metric(s, "eval.l0"), TrueL0());
  for (int64_t j = 0; j < n(); ++j) EXPECT_EQ(s.features[j].best_latent, oracle.latent_of[j]);
}

TEST_F(ScoringTest, DuplicatedTrueFeaturesScorePerfectlyWithTwiceTheL0) {
  // Two latents per feature, each firing with half the value: matching uses one of them,
  // uniqueness still counts every feature once, and L0 doubles.
  const Oracle oracle = MakeOracleFor({.shuffle = true, .copies = 2, .seed = 5});
  const RunScores s = Score(oracle);
  ExpectPerfectRecovery(s);
  EXPECT_EQ(Metric(s, "eval.dead_fraction"), 0.0);
  EXPECT_DOUBLE_EQ(Metric(s, "eval.l0"), 2 * TrueL0());
}

TEST_F(ScoringTest, SilentDistractorsAreDeadAndChangeNothingElse) {
  const Oracle oracle = MakeOracleFor({.shuffle = true, .distractors = 64, .seed = 6});
  const RunScores s = Score(oracle);
  ExpectPerfectRecovery(s);
  EXPECT_EQ(Metric(s, "eval.dead_fraction"), 0.5);
}

TEST_F(ScoringTest, RandomDictionaryIsFarFromEveryOracleValue) {
  const int64_t n_q = 128;
  const std::vector<float> encoder = RandomUnitRows(n_q, dim(), 21, 1);
  const std::vector<float> decoder = RandomUnitRows(n_q, dim(), 21, 2);
  const CodesView truth = Truth();
  const datasets::SparseCodes codes = RandomCodes(truth.rows, n_q, 8, 21);
  const RunScores s = Score(n_q, encoder, decoder, codes);
  // 128 random directions in 48 dimensions: best |cos| is around 0.4, never near 0.9.
  EXPECT_EQ(Metric(s, "m_gt@0.9"), 0.0);
  EXPECT_EQ(Metric(s, "decoder.m_gt@0.9"), 0.0);
  EXPECT_LT(Metric(s, "m_ip"), 0.6);
  EXPECT_LT(Metric(s, "mcc"), Metric(s, "m_ip"));
  // Firing at random: precision ~ P(feature active) = 0.1, recall ~ 8/128.
  EXPECT_LT(Metric(s, "eval.f1_mean"), 0.2);
  EXPECT_EQ(Metric(s, "eval.dead_fraction"), 0.0);
  EXPECT_DOUBLE_EQ(Metric(s, "eval.l0"), 8.0);
  EXPECT_GT(Metric(s, "eval.fvu"), 1.0);  // worse than predicting the mean
}

TEST_F(ScoringTest, AnchoredFeaturesAreExcludedEverywhere) {
  // The first 16 features' latents are garbage (random directions that never fire); with
  // those features excluded, the rest is a perfect oracle.
  Oracle oracle = MakeOracleFor({});
  const std::vector<float> garbage = RandomUnitRows(16, dim(), 22, 1);
  std::copy(garbage.begin(), garbage.end(), oracle.encoder.begin());
  std::copy(garbage.begin(), garbage.end(), oracle.decoder.begin());
  std::vector<bool> excluded(n(), false);
  std::fill(excluded.begin(), excluded.begin() + 16, true);

  const RunScores with = Score(oracle, excluded);
  EXPECT_EQ(Metric(with, "features_scored"), n() - 16);
  EXPECT_EQ(Metric(with, "m_gt@0.95"), 1.0);
  EXPECT_NEAR(Metric(with, "m_ip"), 1.0, 1e-6);
  EXPECT_NEAR(Metric(with, "mcc"), 1.0, 1e-6);
  EXPECT_EQ(Metric(with, "uniqueness"), 1.0);
  EXPECT_EQ(Metric(with, "decoder.m_gt@0.95"), 1.0);
  EXPECT_TRUE(with.features[0].anchored);
  EXPECT_FALSE(with.features[16].anchored);

  const RunScores without = Score(oracle);
  EXPECT_LT(Metric(without, "m_gt@0.95"), 1.0);
  EXPECT_LT(Metric(without, "mcc"), 1.0);
}

TEST_F(ScoringTest, MetricNamesAreStableDistinctAndTheCurveNeverRises) {
  const Oracle oracle = MakeOracleFor({});
  Hierarchy hierarchy;
  hierarchy.parent.assign(n(), -1);
  for (int64_t j = 1; j < n(); j += 2) hierarchy.parent[j] = static_cast<int32_t>(j - 1);
  const RunScores s = Score(oracle, {}, &hierarchy);

  std::set<std::string> names;
  for (const auto& [name, value] : s.metrics) {
    EXPECT_TRUE(names.insert(name).second) << name << " is given twice";
  }
  // score@1's names must keep their meaning.
  for (const char* name : {"m_gt@0.95", "m_gt@0.9", "m_ip", "decoder.m_gt@0.95", "decoder.m_ip",
                           "eval.fvu", "eval.l0", "eval.dead_fraction", "features_scored"}) {
    EXPECT_EQ(names.count(name), 1u) << name;
  }
  for (const char* name : {"m_gt@0.5", "m_gt@0.51", "m_gt@0.99", "decoder.m_gt@0.5", "mcc",
                           "uniqueness", "decoder.mcc", "eval.f1_mean",
                           "eval.polysemantic_fraction", "absorption.mean_rate",
                           "absorption.absorbed_fraction", "absorption.children_scored",
                           "absorption.taken_by_child_latent"}) {
    EXPECT_EQ(names.count(name), 1u) << name;
  }
  EXPECT_EQ(std::count_if(names.begin(), names.end(),
                          [](const std::string& name) { return name.rfind("m_gt@", 0) == 0; }),
            50);
  // The oracle's parent latent fires whenever the parent does: nothing is ever absorbed.
  EXPECT_GT(Metric(s, "absorption.children_scored"), 0.0);
  EXPECT_EQ(Metric(s, "absorption.mean_rate"), 0.0);

  // Each feature row carries its pair: odd features are children of the even ones.
  ASSERT_EQ(static_cast<int64_t>(s.features.size()), n());
  for (int64_t j = 0; j < n(); ++j) {
    SCOPED_TRACE(j);
    const FeatureScore& row = s.features[j];
    EXPECT_EQ(row.parent, hierarchy.parent[j]);
    if (hierarchy.parent[j] < 0) {
      EXPECT_EQ(row.absorption_rate, -1.0) << "a root is unscored";
    } else {
      EXPECT_TRUE(row.absorption_rate == -1.0 || row.absorption_rate == 0.0)
          << row.absorption_rate << ": the oracle absorbs nothing";
    }
    EXPECT_EQ(row.absorption_taker, -1) << "nothing absorbed, so no taker";
  }
  EXPECT_EQ(std::count_if(s.features.begin(), s.features.end(),
                          [](const FeatureScore& row) { return row.absorption_rate == 0.0; }),
            static_cast<int64_t>(Metric(s, "absorption.children_scored")));

  const RunScores flat = Score(oracle);
  for (const auto& [name, value] : flat.metrics) {
    EXPECT_NE(name.rfind("absorption.", 0), 0u) << name << " without a hierarchy";
  }
  for (const FeatureScore& row : flat.features) {
    EXPECT_EQ(row.parent, -1);
    EXPECT_EQ(row.absorption_rate, -1.0);
    EXPECT_EQ(row.absorption_taker, -1);
  }
}

}  // namespace
}  // namespace lrb::scoring
