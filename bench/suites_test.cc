#include "bench/suites.h"

#include <set>

#include "datasets/lrb_spec.h"
#include "gtest/gtest.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/train_spec.h"

namespace lrb::bench {
namespace {

// Every spec in every suite parses, and is written in canonical form... or at least names
// one thing: the ids are unique and the matrix is non-empty.
TEST(Suites, EverySpecInEverySuiteParses) {
  std::set<std::string> ids;
  for (const Suite& suite : AllSuites()) {
    SCOPED_TRACE(suite.id());
    EXPECT_TRUE(ids.insert(suite.id()).second) << "duplicate suite";
    EXPECT_GT(suite.size(), 0);
    for (const auto& d : suite.datasets) EXPECT_TRUE(datasets::ParseLrbSpec(d).ok()) << d;
    for (const auto& m : suite.methods) EXPECT_TRUE(sdl::ParseMethodSpec(m).ok()) << m;
    for (const auto& b : suite.backends) EXPECT_TRUE(sdl::KernelsByName(b).ok()) << b;
    EXPECT_TRUE(sdl::ParseTrainSpec(suite.train).ok()) << suite.train;
  }
}

TEST(Suites, FindSuiteNamesTheChoicesOnError) {
  EXPECT_TRUE(FindSuite("smoke").ok());
  const auto missing = FindSuite("smok");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("smoke"), std::string::npos);
  EXPECT_NE(missing.status().message().find("\"smok\""), std::string::npos);
}

}  // namespace
}  // namespace lrb::bench
