#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/testing/best_cosines.h"
#include "util/testing/json_file.h"
#include "util/testing/random_vectors.h"
#include "util/testing/status_matchers.h"
#include "util/testing/temp_dir.h"

namespace lrb::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

TEST(TempDirTest, FreshEmptyAndDistinctPerName) {
  const std::string a = NewTempDir("a");
  std::ofstream(a + "/leftover") << "x";
  EXPECT_TRUE(fs::is_empty(NewTempDir("a"))) << "a second call must start empty";
  const std::string b = NewTempDir("b");
  EXPECT_NE(a, b);
  EXPECT_TRUE(fs::is_directory(b));
  EXPECT_FALSE(fs::exists(FreshTempPath("c")));
}

TEST(JsonFileTest, ReadsWhatWasWritten) {
  const std::string path = NewTempDir("json") + "/x.json";
  std::ofstream(path) << R"({"k": [1, 2]})";
  EXPECT_EQ(ReadJsonFile(path), nlohmann::json::parse(R"({"k": [1, 2]})"));
}

TEST(RandomVectorTest, PureFunctionOfStreamWithTheRightScale) {
  EXPECT_EQ(RandomVector(3, 100, 2.0), RandomVector(3, 100, 2.0));
  EXPECT_NE(RandomVector(3, 100, 2.0), RandomVector(4, 100, 2.0));
  const std::vector<float> v = RandomVector(5, 20000, 2.0);
  double sum_sq = 0;
  for (float x : v) sum_sq += x * x;
  EXPECT_NEAR(std::sqrt(sum_sq / v.size()), 2.0, 0.05);
}

TEST(BestCosinesTest, MatchesAHandComputedOracle) {
  // Rows: e0, (1,1)/sqrt2 scaled by 3, zero. Features: e0, -e1, (1,1).
  const std::vector<float> rows = {1, 0, 3, 3, 0, 0};
  const std::vector<float> features = {1, 0, 0, -1, 1, 1};
  const std::vector<double> best = BestCosines(rows, features, 2);
  ASSERT_EQ(best.size(), 3u);
  EXPECT_DOUBLE_EQ(best[0], 1.0);
  EXPECT_NEAR(best[1], std::sqrt(0.5), 1e-12);  // |cos| ignores the sign
  EXPECT_NEAR(best[2], 1.0, 1e-12);
  EXPECT_NEAR(BestCosine(rows, 2, &features[2]), std::sqrt(0.5), 1e-12);
}

TEST(StatusMatchersTest, OkAndStatusIs) {
  LRB_EXPECT_OK(absl::OkStatus());
  LRB_ASSERT_OK_AND_ASSIGN(const int value, absl::StatusOr<int>(7));
  EXPECT_EQ(value, 7);
  const absl::Status bad = absl::InvalidArgumentError("steps=-1: expected a positive integer");
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("steps=-1")));
  EXPECT_THAT(bad, Not(StatusIs(absl::StatusCode::kNotFound, HasSubstr("steps"))));
  EXPECT_THAT(absl::StatusOr<int>(bad), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected")));
  EXPECT_THAT(absl::OkStatus(), Not(StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(""))));
}

}  // namespace
}  // namespace lrb::testing
