#include "bench/model_import.h"

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "datasets/npy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sdl/methods.h"
#include "util/testing/random_vectors.h"
#include "util/testing/status_matchers.h"
#include "util/testing/temp_dir.h"

namespace lrb::bench {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kNp = 6, kNr = 6, kNq = 10;

// A valid external model directory (relu unless `activation` says otherwise); `edit` may
// then break one thing.
struct ModelFiles {
  std::vector<float> w_e = std::vector<float>(kNq * kNp), b_e = std::vector<float>(kNq, 0.5f);
  std::vector<float> w_d = std::vector<float>(kNr * kNq), b_d = std::vector<float>(kNr, -1.0f);
  std::vector<int64_t> w_e_shape = {kNq, kNp}, w_d_shape = {kNr, kNq};
  std::string json = R"json({"activation": "relu"})json";

  ModelFiles() {
    for (size_t i = 0; i < w_e.size(); ++i) w_e[i] = 0.01f * static_cast<float>(i);
    for (size_t i = 0; i < w_d.size(); ++i) w_d[i] = -0.02f * static_cast<float>(i);
  }

  std::string Write(const std::string& name) const {
    const std::string dir = ::lrb::testing::NewTempDir(name);
    EXPECT_TRUE(datasets::WriteNpy(dir + "/W_E.npy", w_e, w_e_shape).ok());
    EXPECT_TRUE(datasets::WriteNpy(dir + "/b_E.npy", b_e, {kNq}).ok());
    EXPECT_TRUE(datasets::WriteNpy(dir + "/W_D.npy", w_d, w_d_shape).ok());
    EXPECT_TRUE(datasets::WriteNpy(dir + "/b_D.npy", b_d, {kNr}).ok());
    std::ofstream(dir + "/model.json") << json;
    return dir;
  }
};

absl::StatusOr<ImportedModel> Load(const std::string& dir) {
  return LoadModelDirectory(dir, kNp, kNr, "sae", 1);
}

TEST(ModelImport, ReadsThePapersOrientationIntoTheModel) {
  const ModelFiles files;
  LRB_ASSERT_OK_AND_ASSIGN(const ImportedModel imported, Load(files.Write("ok")));
  EXPECT_EQ(imported.model.n_q, kNq);
  EXPECT_EQ(imported.model.w_enc, files.w_e);
  EXPECT_EQ(imported.model.b_dec, files.b_d);
  // The store keeps latent i's decoder column contiguous: w_dec[i, d] = W_D[d, i].
  for (int64_t i = 0; i < kNq; ++i) {
    for (int64_t d = 0; d < kNr; ++d) {
      ASSERT_EQ(imported.model.w_dec[i * kNr + d], files.w_d[d * kNq + i]) << i << "," << d;
    }
  }
  EXPECT_EQ(imported.activation, "relu");
  EXPECT_EQ(imported.method.family, "relu");
  EXPECT_EQ(imported.model_hash.size(), 16u);
  // Another byte anywhere is another model.
  ModelFiles other = files;
  other.b_e[3] = 0.25f;
  LRB_ASSERT_OK_AND_ASSIGN(const ImportedModel changed, Load(other.Write("other")));
  EXPECT_NE(changed.model_hash, imported.model_hash);
  LRB_ASSERT_OK_AND_ASSIGN(const ImportedModel again, Load(files.Write("again")));
  EXPECT_EQ(again.model_hash, imported.model_hash) << "the hash depends on bytes, not path";
}

TEST(ModelImport, ActivationsMapToTheirFamilies) {
  ModelFiles topk;
  topk.json = R"json({"activation": "TopK(k = 3)"})json";
  LRB_ASSERT_OK_AND_ASSIGN(const ImportedModel t, Load(topk.Write("topk")));
  EXPECT_EQ(t.activation, "topk(k=3)");
  EXPECT_EQ(t.method.family, "topk");
  EXPECT_EQ(t.method.IntKnob("k"), 3);

  // TopK followed by a ReLU (most other tools' TopK): LRB's topk with relu=1.
  ModelFiles topk_relu;
  topk_relu.json = R"json({"activation": "topk_relu(k=3)"})json";
  LRB_ASSERT_OK_AND_ASSIGN(const ImportedModel tr, Load(topk_relu.Write("topk_relu")));
  EXPECT_EQ(tr.activation, "topk_relu(k=3)");
  EXPECT_EQ(sdl::ToString(tr.method),
            absl::StrCat("sae.topk(latents=", kNq, ",k=3,relu=1,unit_norm=1,tied=0,bias=1)"));
  EXPECT_NE(tr.model_hash, t.model_hash);

  ModelFiles batch;
  batch.json = R"json({"activation": "batchtopk(threshold=0.75)"})json";
  LRB_ASSERT_OK_AND_ASSIGN(const ImportedModel b, Load(batch.Write("batchtopk")));
  EXPECT_EQ(b.method.family, "batchtopk");
  EXPECT_EQ(sdl::InferenceStateValue(b.method, b.model, "threshold"), 0.75f);

  ModelFiles jump;
  jump.json = R"json({"activation": "jumprelu"})json";
  const std::string dir = jump.Write("jumprelu");
  std::vector<float> thresholds(kNq, 0.5f);
  ASSERT_TRUE(datasets::WriteNpy(dir + "/extra.npy", thresholds, {kNq}).ok());
  LRB_ASSERT_OK_AND_ASSIGN(const ImportedModel j, Load(dir));
  EXPECT_EQ(j.method.family, "jumprelu");
  ASSERT_EQ(j.model.extra.size(), static_cast<size_t>(kNq));
  EXPECT_FLOAT_EQ(j.model.extra[0], std::log(0.5f)) << "LRB's JumpReLU keeps log-thresholds";
}

TEST(ModelImport, BadModelsAreErrorsThatSayWhatIsWrong) {
  struct Case {
    std::string name;
    ModelFiles files;
    std::vector<std::string> substrings;
  };
  std::vector<Case> cases;
  {
    Case c{"transposed_w_d", {}, {"W_D.npy has shape (10, 6)", "(n_r, n_q) = (6, 10)", "transposed?"}};
    c.files.w_d_shape = {kNq, kNr};
    cases.push_back(c);
  }
  {
    Case c{"transposed_w_e", {}, {"W_E.npy has shape (6, 10)", "transposed?"}};
    c.files.w_e_shape = {kNp, kNq};
    cases.push_back(c);
  }
  {
    Case c{"nan", {}, {"W_E.npy: element 7", "nan", "must be finite"}};
    c.files.w_e[7] = std::numeric_limits<float>::quiet_NaN();
    cases.push_back(c);
  }
  {
    Case c{"inf", {}, {"b_D.npy: element 2", "inf"}};
    c.files.b_d[2] = std::numeric_limits<float>::infinity();
    cases.push_back(c);
  }
  {
    Case c{"unknown_activation", {}, {"activation \"gelu\" is not one LRB scores", "topk(k=K)"}};
    c.files.json = R"json({"activation": "gelu"})json";
    cases.push_back(c);
  }
  {
    Case c{"k_too_large", {}, {"topk(k=11) with only 10 latents"}};
    c.files.json = R"json({"activation": "topk(k=11)"})json";
    cases.push_back(c);
  }
  {
    Case c{"relu_k_too_large", {}, {"topk_relu(k=11) with only 10 latents"}};
    c.files.json = R"json({"activation": "topk_relu(k=11)"})json";
    cases.push_back(c);
  }
  {
    Case c{"no_activation", {}, {"has no \"activation\""}};
    c.files.json = R"json({"name": "mine"})json";
    cases.push_back(c);
  }
  {
    Case c{"jumprelu_without_extra", {}, {"needs extra.npy"}};
    c.files.json = R"json({"activation": "jumprelu"})json";
    cases.push_back(c);
  }
  {
    Case c{"not_json", {}, {"model.json is not a JSON object"}};
    c.files.json = "activation: relu";
    cases.push_back(c);
  }
  for (const Case& c : cases) {
    const absl::StatusOr<ImportedModel> loaded = Load(c.files.Write(c.name));
    ASSERT_FALSE(loaded.ok()) << c.name;
    for (const std::string& s : c.substrings) {
      EXPECT_THAT(loaded.status().message(), HasSubstr(s)) << c.name;
    }
  }
}

TEST(ModelImport, Float64IsRefusedNamingTheDtype) {
  const std::string dir = ModelFiles().Write("float64");
  // A minimal float64 .npy as numpy.save writes it for a (10, 6) array.
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (10, 6), }";
  header.resize(118 - 10 - 1, ' ');
  header += '\n';
  std::ofstream out(dir + "/W_E.npy", std::ios::binary);
  out << "\x93NUMPY" << '\x01' << '\x00' << static_cast<char>(header.size()) << '\x00' << header;
  const std::vector<double> values(kNq * kNp, 0.5);
  out.write(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double));
  out.close();
  const absl::StatusOr<ImportedModel> loaded = Load(dir);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("<f8"));
  EXPECT_THAT(loaded.status().message(), HasSubstr("astype(numpy.float32)"));
}

}  // namespace
}  // namespace lrb::bench
