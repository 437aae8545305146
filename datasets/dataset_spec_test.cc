#include "datasets/dataset_spec.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lrb::datasets {
namespace {

using ::testing::HasSubstr;

DatasetSpec Parse(const std::string& text) {
  const absl::StatusOr<DatasetSpec> spec = ParseDatasetSpec(text);
  EXPECT_TRUE(spec.ok()) << text << ": " << spec.status();
  return spec.value_or(DatasetSpec{});
}

// Both directions, pinned: every short spelling prints as this canonical text, and the
// canonical text parses back to the same struct.
TEST(DatasetSpec, CanonicalFormsSpellOutEveryKnob) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"lrb",
       "lrb(n=1000,np=768,N=100000,S=0.99,M=0.1,cmin=0,beta=1,eps=0.001,lambda=0.001,step=0.05,"
       "iters=1000,eval=0.1,seed=0)"},
      {"lrb_hier",
       "lrb_hier(roots=200,depth=1,branch=4,exclusive=1,pchild=0.5,sim=0.5,np=768,N=100000,"
       "S=0.975,M=0.1,cmin=0,beta=1,eps=0.001,lambda=0.001,step=0.05,iters=1000,eval=0.1,"
       "seed=0)"},
      {"tms",
       "tms(n=64,np=16,S=0.95,cmin=0,beta=1,importance=1,steps=3000,batch=256,lr=0.01,"
       "N=100000,eval=0.1,seed=0)"},
      {"acts(data=0123456789abcdef,d=4,N=10)",
       "acts(data=0123456789abcdef,N=10,d=4,classes=0,eval=0.1,seed=0)"},
      // Modifiers in any input order print in the fixed order, with every key.
      {"lrb(n=64,np=32)+noise+scale+corr+zipf+transcoder",
       "lrb(n=64,np=32,N=100000,S=0.99,M=0.1,cmin=0,beta=1,eps=0.001,lambda=0.001,step=0.05,"
       "iters=1000,eval=0.1,seed=0)+transcoder(nr=768)+zipf(alpha=1)+corr(rank=4,rho=0.5)+"
       "scale(sigma=0.5)+noise(sigma=0.01)"},
      {"lrb(n=64,np=32)+crosscoder(m=3)",
       "lrb(n=64,np=32,N=100000,S=0.99,M=0.1,cmin=0,beta=1,eps=0.001,lambda=0.001,step=0.05,"
       "iters=1000,eval=0.1,seed=0)+crosscoder(m=3)"},
      {"tms(n=20,np=5)+noise(sigma=1e-1)",
       "tms(n=20,np=5,S=0.95,cmin=0,beta=1,importance=1,steps=3000,batch=256,lr=0.01,"
       "N=100000,eval=0.1,seed=0)+noise(sigma=0.1)"},
  };
  for (const auto& [text, canonical] : cases) {
    const DatasetSpec spec = Parse(text);
    EXPECT_EQ(ToString(spec), canonical) << text;
    EXPECT_EQ(Parse(canonical), spec) << canonical;
    EXPECT_TRUE(ValidateDatasetSpec(spec).ok()) << canonical;
  }
}

TEST(DatasetSpec, PlainLrbKeepsThePaperCanonicalString) {
  for (const char* text : {"lrb", "lrb(n=24,np=16,N=200,S=0.8,M=0.5,seed=7)"}) {
    const absl::StatusOr<LrbSpec> lrb = ParseLrbSpec(text);
    ASSERT_TRUE(lrb.ok());
    EXPECT_EQ(ToString(Parse(text)), ToString(*lrb));
  }
}

TEST(DatasetSpec, HierarchyDerivesN) {
  const DatasetSpec spec = Parse("lrb_hier(roots=10,depth=2,branch=3,exclusive=0)");
  const auto& hier = std::get<LrbHierSpec>(spec.family);
  EXPECT_EQ(hier.lrb.n, 10 * (1 + 3 + 9));
  EXPECT_FALSE(hier.hierarchy.exclusive);
  EXPECT_EQ(NumHierarchyFeatures(hier.hierarchy), 130);
  EXPECT_EQ(NumHierarchyFeatures({.roots = 1000000, .depth = 8, .branching = 64}), int64_t{1} << 62);
}

TEST(DatasetSpec, ValidateRejectsHierarchyWhoseNDisagrees) {
  DatasetSpec spec = Parse("lrb_hier(roots=10)");
  std::get<LrbHierSpec>(spec.family).lrb.n = 11;
  EXPECT_THAT(std::string(ValidateDatasetSpec(spec).message()), HasSubstr("lrb_hier"));
}

struct BadSpec {
  const char* text;
  std::vector<std::string> parts;
};

TEST(DatasetSpec, ErrorsNameTheKeyAndTheAllowedRange) {
  const std::vector<BadSpec> cases = {
      {"foo(n=2)", {"unknown family \"foo\"", "lrb, lrb_hier, tms, acts"}},
      {"lrb+bar", {"unknown modifier \"bar\"", "transcoder, crosscoder"}},
      {"lrb+noise+noise", {"noise(...) given twice"}},
      {"lrb(S=1)", {"S=1", "[0, 0.999999]"}},
      {"lrb_hier(depth=9)", {"depth=9", "[1, 8]"}},
      {"lrb_hier(branch=0)", {"branch=0", "[1, 64]"}},
      {"lrb_hier(exclusive=2)", {"exclusive=2", "[0, 1]"}},
      {"lrb_hier(pchild=1.5)", {"pchild=1.5", "[0, 1]"}},
      {"lrb_hier(sim=1)", {"sim=1", "[0, 0.99]"}},
      {"lrb_hier(n=5)", {"unknown key n=5"}},
      {"lrb_hier(roots=100000,depth=2,branch=4)", {"n=2100000", "1000000"}},
      {"lrb_hier(np=5,M=0,roots=20)", {"lrb_hier", "M=0", "2*np=10"}},
      {"tms(np=2000)", {"np=2000", "[1, 1024]"}},
      {"tms(importance=0)", {"importance=0", "[0.01, 1]"}},
      {"tms(N=1,eval=0.5)", {"tms", "eval=0.5", "training"}},
      {"tms+zipf", {"tms(...) does not take the modifier zipf", "noise only"}},
      {"acts(N=10,d=3)", {"missing key data"}},
      {"acts(data=xyz,N=10,d=3)", {"data=xyz", "16 lower-case hex"}},
      {"acts(data=0123456789abcdef,N=10,d=3)+noise", {"acts(...) does not take"}},
      {"acts(data=0123456789abcdef,N=10,d=0)", {"d=0", "[1, 1000000]"}},
      {"lrb+transcoder(nr=0)", {"nr=0", "[1, 100000]"}},
      {"lrb+crosscoder(m=1)", {"m=1", "[2, 16]"}},
      {"lrb+zipf(alpha=5)", {"alpha=5", "[0, 4]"}},
      {"lrb+corr(rank=0)", {"rank=0", "[1, 64]"}},
      {"lrb+corr(rho=1)", {"rho=1", "[0, 0.99]"}},
      {"lrb+scale(sigma=4)", {"sigma=4", "[0, 3]"}},
      {"lrb+noise(sigma=-1)", {"sigma=-1", "[0, 1000]"}},
      {"lrb+noise(amount=1)", {"unknown key amount=1"}},
      {"lrb+transcoder+crosscoder", {"exclusive"}},
      {"lrb(np=100000)+crosscoder(m=16)", {"1600000"}},
  };
  for (const BadSpec& bad : cases) {
    const absl::StatusOr<DatasetSpec> spec = ParseDatasetSpec(bad.text);
    ASSERT_FALSE(spec.ok()) << bad.text << " parsed as " << ToString(*spec);
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument) << bad.text;
    for (const std::string& part : bad.parts) {
      EXPECT_THAT(std::string(spec.status().message()), HasSubstr(part)) << bad.text;
    }
  }
}

TEST(DatasetSpec, SplitCounts) {
  EXPECT_EQ(NumSamples(Parse("lrb_hier(N=50)")), 50);
  EXPECT_EQ(NumEvalSamples(Parse("tms(N=35,eval=0.1)")), 4);  // 3.5 -> 4
  EXPECT_EQ(FamilyName(Parse("tms")), "tms");
}

}  // namespace
}  // namespace lrb::datasets
