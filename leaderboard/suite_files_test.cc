// The smoke suite as a Bazel build output (//leaderboard:smoke_data, leaderboard/suite.bzl):
// every dataset the build action wrote loads cleanly and has the bytes an in-process
// generation gives.

#include <cstdlib>
#include <string>

#include "datasets/dataset_io.h"
#include "datasets/generator.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "util/testing/json_file.h"
#include "util/testing/status_matchers.h"

namespace lrb::datasets {
namespace {

TEST(SuiteFiles, SmokeSuiteBuildOutputLoadsAndMatchesAFreshGeneration) {
  const char* runfiles = std::getenv("TEST_SRCDIR");
  ASSERT_NE(runfiles, nullptr);
  const std::string root = std::string(runfiles) + "/lrb/leaderboard/smoke_data";
  const nlohmann::json suite = lrb::testing::ReadJsonFile(root + "/suite.json");
  ASSERT_TRUE(suite.is_object()) << root << "/suite.json";
  EXPECT_EQ(suite["suite"].get<std::string>().rfind("smoke@", 0), 0u);
  ASSERT_FALSE(suite["datasets"].empty());
  for (const nlohmann::json& entry : suite["datasets"]) {
    const std::string dir = root + "/" + entry["dir"].get<std::string>();
    LRB_ASSERT_OK_AND_ASSIGN(const Dataset loaded, LoadDataset(dir));
    EXPECT_EQ(loaded.content_hash, entry["content_hash"].get<std::string>());
    LRB_ASSERT_OK_AND_ASSIGN(const Dataset fresh,
                             GenerateDataset(entry["spec"].get<std::string>(), 2));
    EXPECT_EQ(fresh.content_hash, loaded.content_hash) << entry["spec"];
  }
}

}  // namespace
}  // namespace lrb::datasets
