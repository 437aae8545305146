#include <cblas.h>
#include <sqlite3.h>
#include "Eigen/Dense"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "hwy/targets.h"
#include "nlohmann/json.hpp"
TEST(Toolchain, Links) {
  float a = 2, b = 3, c = 0;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, 1, &a, 1, &b, 1, 0, &c, 1);
  EXPECT_EQ(c, 6);
  EXPECT_EQ(absl::StrCat("a", 1), "a1");
  Eigen::Matrix2f m = Eigen::Matrix2f::Identity();
  EXPECT_EQ(m.sum(), 2);
  EXPECT_TRUE(sqlite3_libversion_number() > 3000000);
  EXPECT_EQ(nlohmann::json::parse("[1]")[0], 1);
  EXPECT_NE(hwy::SupportedTargets(), 0);
}
