#include "datasets/dataset.h"

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "datasets/generator.h"
#include "datasets/lrb_spec.h"
#include "gtest/gtest.h"

namespace lrb::datasets {
namespace {

Dataset Generate(const std::string& text) {
  const absl::StatusOr<LrbSpec> spec = ParseLrbSpec(text);
  EXPECT_TRUE(spec.ok()) << spec.status();
  absl::StatusOr<Dataset> dataset = GenerateLrb(*spec, 2);
  EXPECT_TRUE(dataset.ok()) << dataset.status();
  return *std::move(dataset);
}

// x_p = W_p x with W_p (n_p x n) and x spelled out densely, in double: an independent
// reference for the sparse float path.
std::vector<double> NaiveInputs(const Dataset& d) {
  std::vector<double> out(d.num_samples() * d.n_p, 0.0);
  for (int64_t s = 0; s < d.num_samples(); ++s) {
    std::vector<double> x(d.n, 0.0);
    for (int64_t k = d.codes.indptr[s]; k < d.codes.indptr[s + 1]; ++k) {
      x[d.codes.indices[k]] = d.codes.values[k];
    }
    for (int64_t row = 0; row < d.n_p; ++row) {
      double sum = 0;
      for (int64_t j = 0; j < d.n; ++j) sum += d.features_p[j * d.n_p + row] * x[j];
      out[s * d.n_p + row] = sum;
    }
  }
  return out;
}

TEST(Materialize, InputsEqualDenseProductOfFeaturesAndCodes) {
  const Dataset d = Generate("lrb(n=50,np=17,N=300,S=0.8,M=0.6,cmin=0.1,beta=3)");
  std::vector<float> inputs(d.num_samples() * d.n_p, -1.0f);
  MaterializeInputs(d, 0, d.num_samples(), inputs.data());
  const std::vector<double> naive = NaiveInputs(d);
  for (size_t k = 0; k < inputs.size(); ++k) {
    // ~10 terms of size ~3 summed in float: a few float ulps of the largest term.
    ASSERT_NEAR(inputs[k], naive[k], 1e-5 * (1 + std::abs(naive[k])))
        << "sample " << k / d.n_p << ", coordinate " << k % d.n_p;
  }
}

TEST(Materialize, RowsDoNotDependOnTheRequestedRange) {
  const Dataset d = Generate("lrb(n=30,np=9,N=100,S=0.7,M=0.7)");
  std::vector<float> all(d.num_samples() * d.n_p);
  MaterializeInputs(d, 0, d.num_samples(), all.data());
  const int64_t begin = 37, end = 71;
  std::vector<float> part((end - begin) * d.n_p);
  MaterializeInputs(d, begin, end, part.data());
  EXPECT_EQ(0, std::memcmp(part.data(), all.data() + begin * d.n_p, part.size() * sizeof(float)));
  MaterializeInputs(d, 5, 5, nullptr);  // empty range: writes nothing
}

TEST(Materialize, TargetsEqualInputsForTheSaeCase) {
  const Dataset d = Generate("lrb(n=30,np=9,N=40,S=0.7,M=0.7)");
  std::vector<float> inputs(d.num_samples() * d.n_p), targets(d.num_samples() * d.n_r);
  MaterializeInputs(d, 0, d.num_samples(), inputs.data());
  MaterializeTargets(d, 0, d.num_samples(), targets.data());
  EXPECT_EQ(inputs, targets);
}

TEST(Materialize, TargetsUseTargetFeaturesWhenPresent) {
  // One sample with feature 1 active at 2.0: x_r is twice row 1 of features_r.
  Dataset d;
  d.n = 2;
  d.n_p = 1;
  d.n_r = 3;
  d.features_p = {1, 1};
  d.features_r = {0, 0, 0, 1, 2, 3};
  d.codes = {.rows = 1, .cols = 2, .indptr = {0, 1}, .indices = {1}, .values = {2.0f}};
  std::vector<float> targets(3);
  MaterializeTargets(d, 0, 1, targets.data());
  EXPECT_EQ(targets, (std::vector<float>{2, 4, 6}));
}

TEST(ContentHash, ChangesWithEveryHashedField) {
  const Dataset base = Generate("lrb(n=12,np=6,N=20,S=0.5,M=0.9)");
  const std::string hash = ComputeContentHash(base);
  EXPECT_EQ(hash, base.content_hash);
  const std::vector<std::pair<std::string, std::function<void(Dataset&)>>> edits = {
      {"spec", [](Dataset& d) { d.spec += " "; }},
      {"n_r", [](Dataset& d) { d.n_r += 1; }},
      {"features_p", [](Dataset& d) { d.features_p[5] = std::nextafter(d.features_p[5], 2.0f); }},
      {"features_r", [](Dataset& d) { d.features_r = {0.0f}; }},
      {"indptr", [](Dataset& d) { d.codes.indptr.back() += 1; }},
      {"indices", [](Dataset& d) { d.codes.indices[0] ^= 1; }},
      {"values", [](Dataset& d) { d.codes.values[0] *= 2; }},
      {"num_train", [](Dataset& d) { d.num_train -= 1; }},
      {"anchor_order", [](Dataset& d) { std::swap(d.anchor_order[0], d.anchor_order[1]); }},
  };
  for (const auto& [field, edit] : edits) {
    Dataset changed = base;
    edit(changed);
    EXPECT_NE(ComputeContentHash(changed), hash) << field;
  }
  Dataset report_only = base;
  report_only.report.pgd_seconds += 1;
  report_only.content_hash = "x";
  EXPECT_EQ(ComputeContentHash(report_only), hash);
}

}  // namespace
}  // namespace lrb::datasets
