#include "bench/suites.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "datasets/dataset_spec.h"
#include "gtest/gtest.h"
#include "sdl/family_traits.h"
#include "sdl/kernels/kernels.h"
#include "sdl/method_spec.h"
#include "sdl/train_spec.h"

namespace lrb::bench {
namespace {

// The suite contract (suites.h, suites.cc): specs may be written in short form; the
// canonical form (ToString of the parsed spec) is what every run stores and is keyed by. So
// every spec parses, its canonical form is a fixed point of parse -> print, and no two
// spellings in one suite collapse into one canonical spec, which would train the same run
// twice under two names.
TEST(Suites, EverySpecParsesToOneCanonicalFormAndNoRunIsListedTwice) {
  std::set<std::string> ids;
  for (const Suite& suite : AllSuites()) {
    SCOPED_TRACE(suite.id());
    EXPECT_TRUE(ids.insert(suite.id()).second) << "duplicate suite";
    EXPECT_GT(suite.size(), 0);
    std::set<std::string> datasets, methods;
    for (const auto& d : suite.datasets) {
      const auto spec = datasets::ParseDatasetSpec(d);
      ASSERT_TRUE(spec.ok()) << d << ": " << spec.status();
      const std::string canonical = datasets::ToString(*spec);
      EXPECT_EQ(datasets::ToString(*datasets::ParseDatasetSpec(canonical)), canonical) << d;
      EXPECT_TRUE(datasets.insert(canonical).second) << d << " repeats " << canonical;
    }
    for (const auto& m : suite.methods) {
      const auto spec = sdl::ParseMethodSpec(m);
      ASSERT_TRUE(spec.ok()) << m << ": " << spec.status();
      const std::string canonical = sdl::ToString(*spec);
      EXPECT_EQ(sdl::ToString(*sdl::ParseMethodSpec(canonical)), canonical) << m;
      EXPECT_TRUE(methods.insert(canonical).second) << m << " repeats " << canonical;
    }
    const std::set<std::string> backends(suite.backends.begin(), suite.backends.end());
    EXPECT_EQ(backends.size(), suite.backends.size()) << "a backend is listed twice";
    for (const auto& b : suite.backends) EXPECT_TRUE(sdl::KernelsByName(b).ok()) << b;
    const std::set<uint64_t> seeds(suite.seeds.begin(), suite.seeds.end());
    EXPECT_EQ(seeds.size(), suite.seeds.size()) << "a seed is listed twice";
    EXPECT_TRUE(sdl::ParseTrainSpec(suite.train).ok()) << suite.train;
    // The matrix as the runner expands it, by canonical specs: every run once.
    std::set<std::tuple<std::string, std::string, std::string, uint64_t>> runs;
    for (const auto& d : suite.datasets) {
      for (const auto& m : suite.methods) {
        if (!MethodFitsDataset(m, d)) continue;
        for (const auto& b : suite.backends) {
          for (const uint64_t seed : suite.seeds) {
            runs.emplace(datasets::ToString(*datasets::ParseDatasetSpec(d)),
                         sdl::ToString(*sdl::ParseMethodSpec(m)), b, seed);
          }
        }
      }
    }
    EXPECT_EQ(static_cast<int64_t>(runs.size()), suite.size());
  }
}

// A suite's version changes whenever any of its bytes would: each suite id is pinned to
// the fingerprint of its definition (PinnedFingerprint: tiny_all's rows derived from the
// family list are left out, so that a new family needs no edit here). Changing a suite means
// a new version and a new row here, never a new fingerprint for an old id.
TEST(Suites, VersionsArePinnedToTheirDefinitions) {
  const std::map<std::string, std::string> pinned = {
      {"tiny_all@1", "fef4214a1d6607e4"},
      {"tiny@1", "d5a70cf398328a23"},
      {"smoke@1", "de478416bf1e1540"},
      {"paper@1", "60f75109a160ff25"},         {"topk@1", "620563f8a92a6daf"},
      {"superposition@1", "cf34e07a79cc9b1c"}, {"interference@1", "86be489a04b87d73"},
      {"sparsity@1", "1a5cdf0367f4fb9c"},      {"absorption@1", "012731d6c97a1fbe"},
      {"realistic@1", "c9ffe246106e1524"},     {"tms@1", "f514aef2a370899e"},
      // Version 2 of the paper-scale suites: the budget chosen from measured curves, the paper
      // suite with 3 seeds and TopK's relu=1 rows.
      {"paper@2", "7d34016d128ea2b3"},         {"topk@2", "3afc38e04aea18f5"},
      {"superposition@2", "3157505c94806800"}, {"interference@2", "472cae24a3141ca9"},
      {"sparsity@2", "88be74fa787ae481"},      {"absorption@2", "fdb846d16d6456ad"},
      {"realistic@2", "3250c655b85a7e74"},
  };
  for (const Suite& suite : AllSuites()) {
    const auto it = pinned.find(suite.id());
    if (it == pinned.end()) {  // Every unpinned suite is named, not only the first.
      ADD_FAILURE() << suite.id() << " is not pinned: add {\"" << suite.id() << "\", \""
                    << PinnedFingerprint(suite) << "\"}";
      continue;
    }
    EXPECT_EQ(PinnedFingerprint(suite), it->second)
        << suite.id() << " changed without a version bump: bump its version and pin the new "
                         "id with "
        << PinnedFingerprint(suite);
    if (!suite.one_row_per_family) {
      EXPECT_EQ(PinnedFingerprint(suite), SuiteFingerprint(suite)) << suite.id();
    }
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

// tiny_all trains every family of the list as an SAE: each family's first listed SAE row, or
// else its tiny example (the rows left out of the pin, and only those).
TEST(Suites, TinyAllTrainsEveryFamilyOnce) {
  const auto tiny_all = FindSuite("tiny_all");
  ASSERT_TRUE(tiny_all.ok());
  const std::vector<std::string> derived = FamilyRows(**tiny_all);
  std::map<std::string, int> sae_rows;
  for (const std::string& m : (*tiny_all)->methods) {
    const sdl::MethodSpec spec = *sdl::ParseMethodSpec(m);
    if (spec.topology == "sae") ++sae_rows[spec.family];
  }
  int without_listed_row = 0;
  for (const sdl::FamilyTraits* family : sdl::AllFamilyTraits()) {
    const std::string name(family->name);
    EXPECT_GE(sae_rows[name], 1) << name << " is not trained as an SAE by tiny_all";
    const bool derived_row = std::count(derived.begin(), derived.end(),
                                        std::string(family->tiny_example)) == 1;
    without_listed_row += derived_row;
    if (derived_row) {
      EXPECT_EQ(sae_rows[name], 1) << name << ": a listed row stands in for its tiny example";
    }
  }
  EXPECT_EQ(static_cast<int>(derived.size()), without_listed_row);
  // Derived rows are left out of the pin; nothing else is.
  Suite listed_only = **tiny_all;
  listed_only.methods.clear();
  for (const std::string& m : (*tiny_all)->methods) {
    if (std::count(derived.begin(), derived.end(), m) == 0) listed_only.methods.push_back(m);
  }
  EXPECT_EQ(PinnedFingerprint(**tiny_all), SuiteFingerprint(listed_only));
  EXPECT_NE(PinnedFingerprint(**tiny_all), SuiteFingerprint(**tiny_all));
}

TEST(Suites, MethodFitsDatasetFollowsTheTopology) {
  EXPECT_TRUE(MethodFitsDataset("sae.topk", "lrb"));
  EXPECT_FALSE(MethodFitsDataset("transcoder.topk", "lrb"));
  EXPECT_TRUE(MethodFitsDataset("transcoder.relu", "lrb+transcoder(nr=64)"));
  EXPECT_FALSE(MethodFitsDataset("sae.relu", "lrb+transcoder(nr=64)"));
  EXPECT_TRUE(MethodFitsDataset("crosscoder.topk(sources=3)", "lrb+crosscoder(m=3)"));
  EXPECT_FALSE(MethodFitsDataset("crosscoder.topk(sources=2)", "lrb+crosscoder(m=3)"));
  EXPECT_FALSE(MethodFitsDataset("sae.nope", "lrb"));
  // The paper suite, per seed: 12 SAE rows of the table and 2 TopK rows with relu=1 on lrb,
  // 2 transcoder and 2 crosscoder rows; 3 seeds.
  EXPECT_EQ((*FindSuite("paper"))->size(), 3 * 18);
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
