#include "bench/model_export.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "bench/model_import.h"
#include "datasets/npy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "sdl/methods.h"
#include "util/file_size_limit_testing.h"
#include "util/testing/json_file.h"
#include "util/testing/status_matchers.h"
#include "util/testing/temp_dir.h"

namespace lrb::bench {
namespace {

TEST(ModelExport, RoundTripsEveryArrayInThePapersOrientation) {
  const sdl::MethodSpec method = *sdl::ParseMethodSpec("sae.jumprelu(latents=5,theta=0.3)");
  sdl::SaeModel model = sdl::InitMethodModel(method, /*n_p=*/3, /*n_r=*/4, /*seed=*/1);
  for (size_t i = 0; i < model.b_enc.size(); ++i) model.b_enc[i] = 0.5f * i;
  for (size_t i = 0; i < model.b_dec.size(); ++i) model.b_dec[i] = -0.25f * i;
  leaderboard::RunRecord run;
  run.run_key = "abc";
  run.seed = 7;
  const std::string dir = testing::FreshTempPath("model/nested");
  ASSERT_TRUE(ExportModel(method, model, run, {}, dir).ok());

  const auto w_e = datasets::ReadNpyFloat(dir + "/W_E.npy");
  const auto w_d = datasets::ReadNpyFloat(dir + "/W_D.npy");
  const auto b_e = datasets::ReadNpyFloat(dir + "/b_E.npy");
  const auto b_d = datasets::ReadNpyFloat(dir + "/b_D.npy");
  const auto extra = datasets::ReadNpyFloat(dir + "/extra.npy");
  ASSERT_TRUE(w_e.ok() && w_d.ok() && b_e.ok() && b_d.ok() && extra.ok());
  EXPECT_EQ(w_e->shape, (std::vector<int64_t>{5, 3}));
  EXPECT_EQ(w_e->values, model.w_enc);
  EXPECT_EQ(w_d->shape, (std::vector<int64_t>{4, 5}));
  for (int64_t i = 0; i < 5; ++i) {
    for (int64_t d = 0; d < 4; ++d) EXPECT_EQ(w_d->values[d * 5 + i], model.w_dec[i * 4 + d]);
  }
  EXPECT_EQ(b_e->values, model.b_enc);
  EXPECT_EQ(b_d->values, model.b_dec);
  EXPECT_EQ(extra->values, model.extra);

  std::ifstream in(dir + "/model.json");
  const nlohmann::json json = nlohmann::json::parse(in);
  EXPECT_EQ(json["format"], "lrb.model.v1");
  EXPECT_EQ(json["method_spec"], sdl::ToString(method));
  EXPECT_EQ(json["family_version"], "sae.jumprelu@1");
  // What `lrb score` reads (bench/model_import.h): extra.npy holds log-thresholds.
  EXPECT_EQ(json["activation"], "jumprelu(extra=log_thresholds)");
  EXPECT_EQ(json["n_q"], 5);
  EXPECT_EQ(json["run"]["run_key"], "abc");
  EXPECT_EQ(json["run"]["seed"], 7);
  EXPECT_EQ(json["files"].size(), 5u);
  EXPECT_EQ(json["anchored_features"], nlohmann::json::array()) << "trained without +anchor";
  EXPECT_EQ(json["anchor_lambda"], 0.0);
}

// The anchoring the runner gave the trainer is written as given, latent order kept (latent i
// was anchored to feature anchored_features[i]); runner_test.cc checks it against a real run.
TEST(ModelExport, WritesTheAnchoredFeaturesInLatentOrder) {
  const sdl::MethodSpec method =
      *sdl::ParseMethodSpec("sae.topk(latents=6,k=2)+anchor(k=3,lambda=0.25)");
  const sdl::SaeModel model = sdl::InitMethodModel(method, 4, 4, 1);
  const std::string dir = testing::FreshTempPath("anchored");
  LRB_ASSERT_OK(ExportModel(method, model, {}, {.features = {5, 0, 2}, .lambda = 0.25}, dir));
  const nlohmann::json json = testing::ReadJsonFile(dir + "/model.json");
  EXPECT_EQ(json["anchored_features"].get<std::vector<int64_t>>(),
            (std::vector<int64_t>{5, 0, 2}));
  EXPECT_EQ(json["anchor_lambda"], 0.25);
}

// Anchoring that is not the method's would name features the model was not anchored to.
TEST(ModelExport, AnchoringThatIsNotTheMethodsIsRefused) {
  const sdl::MethodSpec anchored =
      *sdl::ParseMethodSpec("sae.topk(latents=6,k=2)+anchor(k=3,lambda=0.25)");
  const sdl::MethodSpec plain = *sdl::ParseMethodSpec("sae.topk(latents=6,k=2)");
  const sdl::SaeModel model = sdl::InitMethodModel(plain, 4, 4, 1);
  const std::string dir = testing::FreshTempPath("mismatch");
  EXPECT_THAT(ExportModel(anchored, model, {}, {.features = {5, 0}, .lambda = 0.25}, dir),
              testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                ::testing::HasSubstr("2 anchored features with lambda 0.25")));
  EXPECT_THAT(ExportModel(anchored, model, {}, {.features = {5, 0, 2}, .lambda = 0.1}, dir),
              testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                ::testing::HasSubstr("expected 3 with lambda 0.25")));
  EXPECT_THAT(ExportModel(plain, model, {}, {.features = {1}, .lambda = 0.1}, dir),
              testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                ::testing::HasSubstr("expected 0 with lambda 0")));
  EXPECT_FALSE(std::filesystem::exists(dir + "/model.json"));
}

// TopK with relu=1 exports the activation "topk_relu(k=K)", which `lrb score` reads back as
// the same method, with or without the method spec beside it.
TEST(ModelExport, TopkWithReluRoundTripsThroughTheActivationVocabulary) {
  const sdl::MethodSpec method = *sdl::ParseMethodSpec("sae.topk(latents=6,k=2,relu=1)");
  const sdl::SaeModel model = sdl::InitMethodModel(method, 4, 4, 1);
  const std::string dir = testing::FreshTempPath("topk_relu");
  LRB_ASSERT_OK(ExportModel(method, model, {}, {}, dir));
  nlohmann::json json = testing::ReadJsonFile(dir + "/model.json");
  EXPECT_EQ(json["activation"], "topk_relu(k=2)");
  LRB_ASSERT_OK_AND_ASSIGN(const ImportedModel with_spec,
                           LoadModelDirectory(dir, 4, 4, "sae", 1));
  EXPECT_EQ(with_spec.method, method);
  json.erase("method_spec");
  std::ofstream(dir + "/model.json") << json.dump();
  LRB_ASSERT_OK_AND_ASSIGN(const ImportedModel from_activation,
                           LoadModelDirectory(dir, 4, 4, "sae", 1));
  EXPECT_EQ(from_activation.method, method);
}

TEST(ModelExport, UnwritableDirectoryIsAClearError) {
  const sdl::MethodSpec method = *sdl::ParseMethodSpec("sae.topk(latents=4,k=1)");
  const sdl::SaeModel model = sdl::InitMethodModel(method, 2, 2, 1);
  const std::string file = testing::FreshTempPath("a_file");
  std::ofstream(file) << "x";
  const absl::Status status = ExportModel(method, model, {}, {}, file + "/sub");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(file + "/sub"), std::string::npos) << status;
}

TEST(ModelExport, AFailedExportLeavesNoModelJsonAndNoPartialFile) {
  const sdl::MethodSpec method = *sdl::ParseMethodSpec("sae.topk(latents=64,k=4)");
  const sdl::SaeModel model = sdl::InitMethodModel(method, 32, 32, 1);
  const std::string dir = testing::FreshTempPath("full_disk_model");
  // The encoder alone is 64 x 32 floats, more than the limit.
  const std::string message =
      RunWithFileSizeLimit(4096, [&] { return ExportModel(method, model, {}, {}, dir); });
  EXPECT_NE(message.find(dir + "/W_E.npy: write failed"), std::string::npos) << message;
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(dir + "/model.json"));
  EXPECT_TRUE(std::filesystem::is_empty(dir));

  // Over a complete export, a failed one removes model.json first: never an old model.json
  // beside new arrays.
  ASSERT_TRUE(ExportModel(method, model, {}, {}, dir).ok());
  ASSERT_TRUE(std::filesystem::exists(dir + "/model.json"));
  RunWithFileSizeLimit(4096, [&] { return ExportModel(method, model, {}, {}, dir); });
  EXPECT_FALSE(std::filesystem::exists(dir + "/model.json"));
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_TRUE(datasets::ReadNpyHeader(entry.path().string()).ok()) << entry.path();
  }
}

// BatchTopK with relu=1 passes z >= T and z > 0 at inference: "batchtopk(threshold=T)" says
// the same only for T > 0; otherwise model.json has no activation (the method spec says it).
TEST(ModelExport, BatchTopkWithReluHasAnActivationOnlyForAPositiveThreshold) {
  const sdl::MethodSpec method = *sdl::ParseMethodSpec("sae.batchtopk(latents=6,k=2,relu=1)");
  sdl::SaeModel model = sdl::InitMethodModel(method, 4, 4, 1);
  const std::string dir = testing::FreshTempPath("batchtopk_relu");
  ASSERT_TRUE(sdl::SetInferenceStateValue(method, "threshold", 0.5f, model));
  LRB_ASSERT_OK(ExportModel(method, model, {}, {}, dir));
  EXPECT_EQ(testing::ReadJsonFile(dir + "/model.json")["activation"], "batchtopk(threshold=0.5)");
  ASSERT_TRUE(sdl::SetInferenceStateValue(method, "threshold", -0.5f, model));
  LRB_ASSERT_OK(ExportModel(method, model, {}, {}, dir));
  const nlohmann::json json = testing::ReadJsonFile(dir + "/model.json");
  EXPECT_FALSE(json.contains("activation")) << json.dump();
  EXPECT_EQ(json["inference_threshold"], -0.5);
}

}  // namespace
}  // namespace lrb::bench
