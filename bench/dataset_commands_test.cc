#include "bench/dataset_commands.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/suites.h"
#include "datasets/dataset_io.h"
#include "datasets/generator.h"
#include "datasets/npy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace lrb::bench {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  fs::remove_all(path);
  return path;
}

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

TEST(GenerateSuiteCommand, WritesEveryDatasetAndResumes) {
  const absl::StatusOr<const Suite*> suite = FindSuite("tiny");
  ASSERT_TRUE(suite.ok());
  const std::string out = TempDir("tiny");
  std::ostringstream log;
  ASSERT_TRUE(GenerateSuiteCommand(**suite, out, 2, &log).ok());
  const nlohmann::json manifest = ReadJson(out + "/suite.json");
  EXPECT_EQ(manifest["suite"], (*suite)->id());
  EXPECT_EQ(manifest["fingerprint"], SuiteFingerprint(**suite));
  ASSERT_EQ(manifest["datasets"].size(), (*suite)->datasets.size());
  for (size_t i = 0; i < (*suite)->datasets.size(); ++i) {
    const nlohmann::json& entry = manifest["datasets"][i];
    const absl::StatusOr<datasets::Dataset> loaded =
        datasets::LoadDataset(out + "/" + entry["dir"].get<std::string>());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    const absl::StatusOr<datasets::Dataset> fresh =
        datasets::GenerateDataset((*suite)->datasets[i], 1);
    ASSERT_TRUE(fresh.ok());
    EXPECT_EQ(loaded->content_hash, fresh->content_hash);
    EXPECT_EQ(entry["content_hash"], fresh->content_hash);
    EXPECT_EQ(entry["spec"], fresh->spec);
  }
  std::ostringstream again;
  ASSERT_TRUE(GenerateSuiteCommand(**suite, out, 1, &again).ok());
  EXPECT_THAT(again.str(), HasSubstr("already generated"));
  // The suite.json of a resumed run is the same file.
  EXPECT_EQ(ReadJson(out + "/suite.json"), manifest);
}

TEST(ExportDenseCommand, ExportsASuiteOrOneDataset) {
  const absl::StatusOr<const Suite*> suite = FindSuite("tiny");
  ASSERT_TRUE(suite.ok());
  const std::string out = TempDir("tiny_export");
  ASSERT_TRUE(GenerateSuiteCommand(**suite, out).ok());
  EXPECT_THAT(std::string(ExportDenseCommand(out, /*dense=*/false).message()),
              HasSubstr("--dense"));
  ASSERT_TRUE(ExportDenseCommand(out, /*dense=*/true).ok());
  const absl::StatusOr<datasets::NpyHeader> header =
      datasets::ReadNpyHeader(out + "/dataset_00/x_p.npy");
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->shape, (std::vector<int64_t>{4000, 48}));
  EXPECT_TRUE(ExportDenseCommand(out + "/dataset_00", true).ok());
  EXPECT_FALSE(ExportDenseCommand(out + "/nothing_here", true).ok());
}

TEST(ImportActivationsCommand, WritesALoadableDataset) {
  const std::string dir = TempDir("import_cmd");
  fs::create_directories(dir);
  std::vector<float> matrix;
  std::vector<int64_t> labels;
  for (int r = 0; r < 30; ++r) {
    matrix.insert(matrix.end(), {1.0f + r % 3, 2.0f, 0.5f * r});
    labels.push_back(r % 3);
  }
  ASSERT_TRUE(datasets::WriteNpy(dir + "/x.npy", matrix, {30, 3}).ok());
  ASSERT_TRUE(datasets::WriteNpy(dir + "/y.npy", labels, {30}).ok());
  ASSERT_TRUE(ImportActivationsCommand(dir + "/x.npy", dir + "/y.npy", dir + "/out", nullptr).ok());
  const absl::StatusOr<datasets::Dataset> d = datasets::LoadDataset(dir + "/out");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->n, 3);
  EXPECT_FALSE(d->has_ground_truth);
  EXPECT_THAT(std::string(ImportActivationsCommand("", "", dir + "/o2", nullptr).message()),
              HasSubstr("--activations"));
}

}  // namespace
}  // namespace lrb::bench
