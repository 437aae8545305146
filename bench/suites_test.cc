#include "bench/suites.h"

#include <map>
#include <set>
#include <string>

#include "datasets/dataset_spec.h"
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
    for (const auto& d : suite.datasets) EXPECT_TRUE(datasets::ParseDatasetSpec(d).ok()) << d;
    for (const auto& m : suite.methods) EXPECT_TRUE(sdl::ParseMethodSpec(m).ok()) << m;
    for (const auto& b : suite.backends) EXPECT_TRUE(sdl::KernelsByName(b).ok()) << b;
    EXPECT_TRUE(sdl::ParseTrainSpec(suite.train).ok()) << suite.train;
  }
}

// A suite's version changes whenever any of its bytes would: each suite id is pinned to
// the fingerprint of its definition. Changing a suite means a new version and a new row
// here, never a new fingerprint for an old id.
TEST(Suites, VersionsArePinnedToTheirDefinitions) {
  const std::map<std::string, std::string> pinned = {
      {"tiny_all@1", "b1f0aca9fa2eae8f"},
      {"tiny@1", "d5a70cf398328a23"},
      {"smoke@1", "de478416bf1e1540"},
      {"paper@1", "60f75109a160ff25"},         {"topk@1", "620563f8a92a6daf"},
      {"superposition@1", "cf34e07a79cc9b1c"}, {"interference@1", "86be489a04b87d73"},
      {"sparsity@1", "1a5cdf0367f4fb9c"},      {"absorption@1", "012731d6c97a1fbe"},
      {"realistic@1", "c9ffe246106e1524"},     {"tms@1", "f514aef2a370899e"},
  };
  for (const Suite& suite : AllSuites()) {
    const auto it = pinned.find(suite.id());
    ASSERT_NE(it, pinned.end()) << suite.id() << " is not pinned: add {\"" << suite.id()
                                << "\", \"" << SuiteFingerprint(suite) << "\"}";
    EXPECT_EQ(SuiteFingerprint(suite), it->second)
        << suite.id() << " changed without a version bump: bump its version and pin the new "
                         "id with "
        << SuiteFingerprint(suite);
  }
}

// Every dataset trains something and every method is trained somewhere.
TEST(Suites, TopologiesPairEveryDatasetWithSomeMethod) {
  for (const Suite& suite : AllSuites()) {
    SCOPED_TRACE(suite.id());
    for (const auto& d : suite.datasets) {
      int fitting = 0;
      for (const auto& m : suite.methods) fitting += MethodFitsDataset(m, d);
      EXPECT_GT(fitting, 0) << d;
    }
    for (const auto& m : suite.methods) {
      int fitting = 0;
      for (const auto& d : suite.datasets) fitting += MethodFitsDataset(m, d);
      EXPECT_GT(fitting, 0) << m;
    }
  }
}

TEST(Suites, MethodFitsDatasetFollowsTheTopology) {
  EXPECT_TRUE(MethodFitsDataset("sae.topk", "lrb"));
  EXPECT_FALSE(MethodFitsDataset("transcoder.topk", "lrb"));
  EXPECT_TRUE(MethodFitsDataset("transcoder.relu", "lrb+transcoder(nr=64)"));
  EXPECT_FALSE(MethodFitsDataset("sae.relu", "lrb+transcoder(nr=64)"));
  EXPECT_TRUE(MethodFitsDataset("crosscoder.topk(sources=3)", "lrb+crosscoder(m=3)"));
  EXPECT_FALSE(MethodFitsDataset("crosscoder.topk(sources=2)", "lrb+crosscoder(m=3)"));
  EXPECT_FALSE(MethodFitsDataset("sae.nope", "lrb"));
  // The paper suite: 12 SAE rows on lrb, 2 transcoder and 2 crosscoder rows.
  EXPECT_EQ((*FindSuite("paper"))->size(), 16);
}

TEST(Suites, PaperScaleSuitesUseThePaperDefaults) {
  const auto paper = FindSuite("paper");
  ASSERT_TRUE(paper.ok());
  const auto spec = datasets::ParseDatasetSpec((*paper)->datasets[0]);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(datasets::ToString(*spec),
            "lrb(n=1000,np=768,N=100000,S=0.99,M=0.1,cmin=0,beta=1,eps=0.001,lambda=0.001,"
            "step=0.05,iters=1000,eval=0.1,seed=0)");
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
