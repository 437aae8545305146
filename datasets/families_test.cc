// Structural and statistical properties of every generated family and modifier
// (dataset_spec.h). Statistical checks use tolerances of about 5 standard errors; the
// seeds are fixed, so a failure reproduces exactly with the spec in the message.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/dataset.h"
#include "datasets/dataset_spec.h"
#include "datasets/generator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lrb::datasets {
namespace {

Dataset Generate(const std::string& text, int threads = 2) {
  absl::StatusOr<Dataset> dataset = GenerateDataset(text, threads);
  EXPECT_TRUE(dataset.ok()) << text << ": " << dataset.status();
  return dataset.ok() ? *std::move(dataset) : Dataset{};
}

double Dot(const float* a, const float* b, int64_t size) {
  double sum = 0;
  for (int64_t k = 0; k < size; ++k) sum += static_cast<double>(a[k]) * b[k];
  return sum;
}

// max_{i != j} <w_i, w_j> over the rows of a block of columns [offset, offset + dim).
double MaxOffDiagonal(const std::vector<float>& rows, int64_t n, int64_t stride, int64_t offset,
                      int64_t dim) {
  double best = -2;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      if (i != j) {
        best = std::max(best, Dot(rows.data() + i * stride + offset,
                                  rows.data() + j * stride + offset, dim));
      }
    }
  }
  return best;
}

// Per-sample dense 0/1 activity, N x n.
std::vector<uint8_t> ActiveMask(const Dataset& d) {
  std::vector<uint8_t> mask(d.num_samples() * d.n, 0);
  for (int64_t s = 0; s < d.num_samples(); ++s) {
    for (int64_t k = d.codes.indptr[s]; k < d.codes.indptr[s + 1]; ++k) {
      mask[s * d.n + d.codes.indices[k]] = 1;
    }
  }
  return mask;
}

std::vector<double> FeatureRates(const Dataset& d) {
  std::vector<double> rate(d.n, 0.0);
  for (const int32_t j : d.codes.indices) rate[j] += 1;
  for (double& r : rate) r /= static_cast<double>(d.num_samples());
  return rate;
}

constexpr char kBase[] = "lrb(n=48,np=32,N=3000,S=0.9,M=0.35,seed=4)";

TEST(Transcoder, SharesTheSaeGroundTruthAndAddsItsOwnTargetMatrix) {
  const Dataset sae = Generate(kBase);
  const std::string spec = std::string(kBase) + "+transcoder(nr=20)";
  const Dataset tc = Generate(spec);
  EXPECT_EQ(tc.features_p, sae.features_p) << "W_p must be the SAE's";
  EXPECT_EQ(tc.codes.indices, sae.codes.indices);
  EXPECT_EQ(tc.codes.values, sae.codes.values);
  EXPECT_EQ(tc.n_p, 32);
  EXPECT_EQ(tc.n_r, 20);
  ASSERT_EQ(tc.features_r.size(), 48u * 20u);
  for (int64_t j = 0; j < tc.n; ++j) {
    const float* row = tc.features_r.data() + j * 20;
    EXPECT_NEAR(Dot(row, row, 20), 1.0, 1e-6) << "W_r column " << j;
  }
  EXPECT_LE(MaxOffDiagonal(tc.features_r, 48, 20, 0, 20), 0.35);
  EXPECT_NE(tc.content_hash, sae.content_hash);

  // x_r = W_r x, computed here densely.
  std::vector<float> targets(5 * 20);
  MaterializeTargets(tc, 0, 5, targets.data());
  for (int64_t s = 0; s < 5; ++s) {
    for (int64_t d = 0; d < 20; ++d) {
      double expected = 0;
      for (int64_t k = tc.codes.indptr[s]; k < tc.codes.indptr[s + 1]; ++k) {
        expected += tc.codes.values[k] * tc.features_r[tc.codes.indices[k] * 20 + d];
      }
      EXPECT_NEAR(targets[s * 20 + d], expected, 1e-5) << "sample " << s << " dim " << d;
    }
  }
}

TEST(Crosscoder, ConcatenatesOneUnitNormMatrixPerSource) {
  const Dataset sae = Generate(kBase);
  const Dataset cc = Generate(std::string(kBase) + "+crosscoder(m=3)");
  ASSERT_EQ(cc.n_p, 96);
  EXPECT_EQ(cc.n_r, 96);
  EXPECT_EQ(cc.source_dims, (std::vector<int64_t>{32, 32, 32}));
  EXPECT_EQ(cc.num_sources(), 3);
  EXPECT_TRUE(cc.features_r.empty());
  EXPECT_EQ(cc.codes.indices, sae.codes.indices);
  for (int64_t source = 0; source < 3; ++source) {
    for (int64_t j = 0; j < cc.n; ++j) {
      const float* block = cc.features_p.data() + j * 96 + source * 32;
      EXPECT_NEAR(Dot(block, block, 32), 1.0, 1e-6) << "source " << source << " feature " << j;
      if (source == 0) {
        EXPECT_TRUE(std::equal(block, block + 32, sae.features_p.data() + j * 32))
            << "source 0 must be the SAE's W_p";
      }
    }
    EXPECT_LE(MaxOffDiagonal(cc.features_p, 48, 96, source * 32, 32), 0.35) << source;
  }
  EXPECT_FALSE(std::equal(cc.features_p.begin() + 32, cc.features_p.begin() + 64,
                          cc.features_p.begin()))
      << "sources must differ";
  std::vector<float> inputs(10 * 96), targets(10 * 96);
  MaterializeInputs(cc, 0, 10, inputs.data());
  MaterializeTargets(cc, 0, 10, targets.data());
  EXPECT_EQ(inputs, targets);
}

struct HierarchyCase {
  const char* spec;
  bool exclusive;
};

TEST(Hierarchy, ChildrenFireOnlyWithTheirParentAndFollowTheRules) {
  for (const HierarchyCase& c :
       {HierarchyCase{"lrb_hier(roots=20,depth=2,branch=3,exclusive=1,pchild=0.6,sim=0.5,"
                      "np=64,N=4000,S=0.8,M=1,seed=2)",
                      true},
        HierarchyCase{"lrb_hier(roots=20,depth=2,branch=3,exclusive=0,pchild=0.6,sim=0.5,"
                      "np=64,N=4000,S=0.8,M=1,seed=2)",
                      false}}) {
    SCOPED_TRACE(c.spec);
    const Dataset d = Generate(c.spec);
    ASSERT_EQ(d.n, 20 * (1 + 3 + 9));
    ASSERT_EQ(d.parent.size(), static_cast<size_t>(d.n));
    for (int64_t j = 0; j < 20; ++j) EXPECT_EQ(d.parent[j], -1);
    for (int64_t i = 0; i < 20 + 60; ++i) {
      for (int64_t k = 0; k < 3; ++k) EXPECT_EQ(d.parent[20 + i * 3 + k], i);
    }
    // Parent/child cosine is sim (the mixing is exact up to float rounding).
    for (int64_t j = 20; j < d.n; ++j) {
      EXPECT_NEAR(Dot(d.features_p.data() + j * 64, d.features_p.data() + d.parent[j] * 64, 64),
                  0.5, 1e-6)
          << "feature " << j;
    }
    const std::vector<uint8_t> active = ActiveMask(d);
    int64_t parent_fired = 0, with_child = 0, children_fired = 0;
    bool saw_two_children = false;
    for (int64_t s = 0; s < d.num_samples(); ++s) {
      const uint8_t* row = active.data() + s * d.n;
      for (int64_t j = 20; j < d.n; ++j) {
        ASSERT_TRUE(!row[j] || row[d.parent[j]]) << "sample " << s << ": child " << j
                                                 << " fired without parent " << d.parent[j];
      }
      for (int64_t p = 0; p < 20 + 60; ++p) {
        if (!row[p]) continue;
        const int fired = row[20 + 3 * p] + row[20 + 3 * p + 1] + row[20 + 3 * p + 2];
        if (c.exclusive) {
          ASSERT_LE(fired, 1) << "sample " << s << " parent " << p;
        }
        saw_two_children = saw_two_children || fired >= 2;
        ++parent_fired;
        with_child += fired > 0;
        children_fired += fired;
      }
    }
    const double trials = static_cast<double>(parent_fired);
    if (c.exclusive) {
      // A firing parent fires one child with probability pchild.
      EXPECT_NEAR(with_child / trials, 0.6, 5 * std::sqrt(0.24 / trials));
    } else {
      // Each child fires with probability pchild given its parent.
      EXPECT_NEAR(children_fired / (3 * trials), 0.6, 5 * std::sqrt(0.24 / (3 * trials)));
      EXPECT_TRUE(saw_two_children);
    }
    // Roots fire at 1 - S.
    const std::vector<double> rate = FeatureRates(d);
    double root_rate = 0;
    for (int64_t j = 0; j < 20; ++j) root_rate += rate[j] / 20;
    EXPECT_NEAR(root_rate, 0.2, 5 * std::sqrt(0.16 / (20.0 * d.num_samples())));
  }
}

TEST(Zipf, FiringRatesFollowThePowerLawAndKeepTheMeanRate) {
  const std::string spec = "lrb(n=200,np=16,N=20000,S=0.98,M=1,seed=5)+zipf(alpha=1.2)";
  const Dataset d = Generate(spec);
  const std::vector<double> rate = FeatureRates(d);
  double mean = 0;
  for (const double r : rate) mean += r / d.n;
  EXPECT_NEAR(mean, 0.02, 5 * std::sqrt(0.02 / (200.0 * 20000)) * 3) << spec;
  // Least-squares slope of log rate against log rank.
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int64_t j = 0; j < d.n; ++j) {
    const double x = std::log(static_cast<double>(j + 1)), y = std::log(rate[j]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double slope = (d.n * sxy - sx * sy) / (d.n * sxx - sx * sx);
  EXPECT_NEAR(slope, -1.2, 0.05) << spec;
}

TEST(Correlation, CopulaKeepsMarginalRatesAndCorrelatesFiring) {
  const std::string independent = "lrb(n=40,np=16,N=20000,S=0.9,M=1,seed=6)";
  const std::string correlated = independent + "+corr(rank=1,rho=0.8)";
  for (const std::string& spec : {independent, correlated}) {
    SCOPED_TRACE(spec);
    const Dataset d = Generate(spec);
    const std::vector<double> rate = FeatureRates(d);
    for (int64_t j = 0; j < d.n; ++j) {
      EXPECT_NEAR(rate[j], 0.1, 5 * std::sqrt(0.09 / d.num_samples())) << "feature " << j;
    }
    // Co-activation lift P(i and j) / (p_i p_j): 1 when independent. With one factor and
    // rho = 0.8 every pair has latent correlation +-0.8: lift ~5.5 or ~0.
    const std::vector<uint8_t> active = ActiveMask(d);
    int64_t near_one = 0, far = 0;
    for (int64_t i = 0; i < d.n; ++i) {
      for (int64_t j = i + 1; j < d.n; ++j) {
        int64_t both = 0;
        for (int64_t s = 0; s < d.num_samples(); ++s) {
          both += active[s * d.n + i] & active[s * d.n + j];
        }
        const double lift = both / (d.num_samples() * rate[i] * rate[j]);
        near_one += lift > 0.6 && lift < 1.4;
        far += lift > 3 || lift < 0.3;
      }
    }
    const int64_t pairs = d.n * (d.n - 1) / 2;
    if (spec == independent) {
      EXPECT_EQ(near_one, pairs);
    } else {
      EXPECT_EQ(far, pairs);
    }
  }
}

TEST(Scale, PerFeatureMagnitudeScalesAreLogNormalWithMeanOne) {
  const Dataset d = Generate("lrb(n=400,np=8,N=20000,S=0.9,M=1,seed=8)+scale(sigma=1)");
  std::vector<double> sum(d.n, 0.0);
  std::vector<int64_t> count(d.n, 0);
  for (size_t k = 0; k < d.codes.values.size(); ++k) {
    sum[d.codes.indices[k]] += d.codes.values[k];
    ++count[d.codes.indices[k]];
  }
  double log_mean = 0, log_sq = 0;
  for (int64_t j = 0; j < d.n; ++j) {
    const double l = std::log(sum[j] / count[j]);
    log_mean += l / d.n;
    log_sq += l * l / d.n;
  }
  // log(scale_j) ~ N(-sigma^2/2, sigma^2), plus the small sampling error of each mean.
  EXPECT_NEAR(log_mean, -0.5, 0.15);
  EXPECT_NEAR(std::sqrt(log_sq - log_mean * log_mean), 1.0, 0.12);
}

TEST(Noise, IsAdditiveGaussianWithTheRequestedSigmaAndReproducible) {
  const std::string spec = std::string(kBase) + "+transcoder(nr=24)+noise(sigma=0.1)";
  const Dataset noisy = Generate(spec);
  Dataset clean = noisy;
  clean.noise_sigma = 0;
  const int64_t rows = 2000;
  std::vector<float> x(rows * 32), x_clean(rows * 32), y(rows * 24), y_clean(rows * 24);
  MaterializeInputs(noisy, 0, rows, x.data());
  MaterializeInputs(clean, 0, rows, x_clean.data());
  MaterializeTargets(noisy, 0, rows, y.data());
  MaterializeTargets(clean, 0, rows, y_clean.data());
  double sum = 0, sum_sq = 0, cross = 0;
  for (int64_t s = 0; s < rows; ++s) {
    for (int64_t d = 0; d < 24; ++d) {
      const double e_x = x[s * 32 + d] - x_clean[s * 32 + d];
      const double e_y = y[s * 24 + d] - y_clean[s * 24 + d];
      sum += e_x;
      sum_sq += e_x * e_x;
      cross += e_x * e_y;
    }
  }
  const double count = rows * 24.0;
  EXPECT_NEAR(sum / count, 0, 5 * 0.1 / std::sqrt(count));
  EXPECT_NEAR(std::sqrt(sum_sq / count), 0.1, 0.002);
  // Input and target noise are independent draws.
  EXPECT_NEAR(cross / count / 0.01, 0, 5 / std::sqrt(count));
  // Deterministic per (sample, dim): a sub-range reproduces the same rows.
  std::vector<float> part(10 * 32);
  MaterializeInputs(noisy, 700, 710, part.data());
  EXPECT_TRUE(std::equal(part.begin(), part.end(), x.begin() + 700 * 32));
}

TEST(Tms, LearnsASuperposedRepresentationWhoseDirectionsAreExact) {
  const std::string spec = "tms(n=20,np=5,S=0.9,steps=1500,batch=128,N=2000,seed=1)";
  const Dataset d = Generate(spec);
  EXPECT_EQ(d.n, 20);
  EXPECT_EQ(d.n_p, 5);
  ASSERT_EQ(d.features_p.size(), 100u);
  // Superposition: more features represented than hidden dimensions.
  EXPECT_GT(d.report.tms_represented, 5) << spec;
  // The trivial model (output 0) loses sum_j E[x_j^2] = n (1 - S) E[c^2] = 20 * 0.1 * 2.
  EXPECT_LT(d.report.tms_final_loss, 0.5 * 4.0) << spec;
  EXPECT_GT(d.report.tms_seconds, 0);
  EXPECT_LT(d.report.tms_seconds, 10);
  const Dataset again = Generate(spec, 1);
  EXPECT_EQ(again.content_hash, d.content_hash);
}

// Every extension at once, on a spec small enough to pin: the bytes must not depend on the
// thread count, and are fixed across commits and machines. If this hash changes, the format
// changed: bump the format tag ("ext.v1" in ComputeContentHash) and rng_streams.h, and the
// versions of the suites that use it.
TEST(Determinism, ExtendedFamiliesGiveTheSameBytesForAnyThreadCountAndPinnedHashes) {
  const std::vector<std::pair<std::string, std::string>> golden = {
      {"lrb_hier(roots=6,depth=2,branch=2,exclusive=0,pchild=0.7,sim=0.3,np=16,N=300,S=0.7,"
       "M=0.5,seed=3)+transcoder(nr=12)+zipf(alpha=0.8)+corr(rank=2,rho=0.5)+scale(sigma=0.4)+"
       "noise(sigma=0.05)",
       "32e48f940e597b5a"},
      {"lrb(n=24,np=16,N=200,S=0.8,M=0.5,seed=7)+crosscoder(m=2)", "81f529cb1cf9edbc"},
      {"tms(n=8,np=3,steps=200,batch=32,N=100,seed=2)", "ef588eefdafc8331"},
  };
  for (const auto& [spec, hash] : golden) {
    const Dataset one = Generate(spec, 1);
    for (const int threads : {2, 3}) {
      const Dataset many = Generate(spec, threads);
      EXPECT_EQ(many.features_p, one.features_p) << spec << " threads=" << threads;
      EXPECT_EQ(many.codes.indices, one.codes.indices) << spec << " threads=" << threads;
      EXPECT_EQ(many.codes.values, one.codes.values) << spec << " threads=" << threads;
      EXPECT_EQ(many.content_hash, one.content_hash) << spec << " threads=" << threads;
    }
    EXPECT_EQ(one.content_hash, hash) << spec;
  }
}

TEST(GenerateDataset, ActsAreImportedNotGenerated) {
  const absl::StatusOr<Dataset> d =
      GenerateDataset("acts(data=0123456789abcdef,N=10,d=3)", 1);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(d.status().message()), ::testing::HasSubstr("lrb import"));
}

}  // namespace
}  // namespace lrb::datasets
