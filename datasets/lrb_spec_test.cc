#include "datasets/lrb_spec.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lrb::datasets {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kCanonicalDefaults[] =
    "lrb(n=1000,np=768,N=100000,S=0.99,M=0.1,cmin=0,beta=1,eps=0.001,lambda=0.001,step=0.05,"
    "iters=1000,eval=0.1,seed=0)";

TEST(LrbSpec, DefaultsPrintWithEveryKeySpelledOut) {
  EXPECT_EQ(ToString(LrbSpec{}), kCanonicalDefaults);
}

TEST(LrbSpec, BareNameMeansDefaults) {
  for (const char* text : {"lrb", "lrb()", kCanonicalDefaults}) {
    const absl::StatusOr<LrbSpec> spec = ParseLrbSpec(text);
    ASSERT_TRUE(spec.ok()) << text << ": " << spec.status();
    EXPECT_EQ(*spec, LrbSpec{}) << text;
  }
}

TEST(LrbSpec, ParsesEveryKey) {
  const absl::StatusOr<LrbSpec> spec = ParseLrbSpec(
      "lrb(n=20,np=30,N=500,S=0.5,M=-0.05,cmin=0.25,beta=2,eps=0.01,lambda=0.5,step=0.2,"
      "iters=7,eval=0.2,seed=42)");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->n, 20);
  EXPECT_EQ(spec->n_p, 30);
  EXPECT_EQ(spec->num_samples, 500);
  EXPECT_EQ(spec->sparsity, 0.5);
  EXPECT_EQ(spec->max_interference, -0.05);
  EXPECT_EQ(spec->c_min, 0.25);
  EXPECT_EQ(spec->beta, 2.0);
  EXPECT_EQ(spec->pgd_eps, 0.01);
  EXPECT_EQ(spec->pgd_lambda, 0.5);
  EXPECT_EQ(spec->pgd_step, 0.2);
  EXPECT_EQ(spec->pgd_max_iterations, 7);
  EXPECT_EQ(spec->eval_fraction, 0.2);
  EXPECT_EQ(spec->seed, 42u);
}

TEST(LrbSpec, RoundTripsThroughCanonicalForm) {
  for (const char* text :
       {"lrb", "lrb(n=1400,M=0.05)", "lrb(S=0.995,seed=9007199254740992)",
        "lrb(n=2,np=1,N=1,eval=0,M=1)", "lrb(M=-0.999,n=2,np=1)", "lrb(beta=1e-06,step=1e-09)",
        "lrb(cmin=1000000,lambda=1000000,iters=0,eval=0.99,N=100)",
        "lrb(S=0.3333333333333333,M=0.1234567890123)"}) {
    const absl::StatusOr<LrbSpec> first = ParseLrbSpec(text);
    ASSERT_TRUE(first.ok()) << text << ": " << first.status();
    const std::string canonical = ToString(*first);
    const absl::StatusOr<LrbSpec> second = ParseLrbSpec(canonical);
    ASSERT_TRUE(second.ok()) << canonical << ": " << second.status();
    EXPECT_EQ(*second, *first) << text << " -> " << canonical;
    EXPECT_EQ(ToString(*second), canonical);
    EXPECT_TRUE(ValidateLrbSpec(*first).ok()) << canonical;
  }
}

TEST(LrbSpec, SpellingsOfOneSpecPrintIdentically) {
  const std::vector<std::string> spellings = {
      "lrb(N=1e5,S=0.99,M=0.1)",
      "lrb(N=100000)",
      "lrb(M=1e-1,N=100000.0)",
      "lrb(seed=0,S=0.990,cmin=-0)",
      "lrb(cmin=0.0,eps=1e-3,lambda=0.0010)",
      kCanonicalDefaults,
  };
  for (const std::string& text : spellings) {
    const absl::StatusOr<LrbSpec> spec = ParseLrbSpec(text);
    ASSERT_TRUE(spec.ok()) << text << ": " << spec.status();
    EXPECT_EQ(ToString(*spec), kCanonicalDefaults) << text;
  }
}

TEST(LrbSpec, NegativeZeroPrintsAsZero) {
  LrbSpec spec;
  spec.c_min = -0.0;
  EXPECT_THAT(ToString(spec), HasSubstr(",cmin=0,"));
}

struct BadSpec {
  const char* text;
  std::vector<std::string> message_parts;
};

TEST(LrbSpec, ErrorsNameKeyValueAndRange) {
  const std::vector<BadSpec> cases = {
      {"lrb(n=)", {"expected a value"}},
      {"foo(n=2)", {"exactly one term lrb", "foo"}},
      {"lrb+lrb", {"exactly one term lrb", "2 term(s)"}},
      {"lrb(typo=1)", {"unknown key typo=1", "allowed keys"}},
      {"lrb(n=5,n=6)", {"n", "twice"}},
      {"lrb(n=1)", {"n=1", "[2, 1000000]"}},
      {"lrb(n=2.5)", {"n=2.5", "not an integer"}},
      {"lrb(np=0)", {"np=0", "[1, 100000]"}},
      {"lrb(N=0)", {"N=0", "[1, 100000000]"}},
      {"lrb(S=1)", {"S=1", "[0, 0.999999]"}},
      {"lrb(S=-0.1)", {"S=-0.1", "[0, 0.999999]"}},
      {"lrb(S=abc)", {"S=abc", "not a finite number"}},
      {"lrb(M=-1)", {"M=-1", "[-0.999, 1]"}},
      {"lrb(M=1.5)", {"M=1.5", "[-0.999, 1]"}},
      {"lrb(cmin=-1)", {"cmin=-1", "[0, 1e+06]"}},
      {"lrb(beta=0)", {"beta=0", "[1e-06, 1e+06]"}},
      {"lrb(eps=0.6)", {"eps=0.6", "[0, 0.5]"}},
      {"lrb(lambda=-1)", {"lambda=-1", "[0, 1e+06]"}},
      {"lrb(step=0)", {"step=0", "[1e-09, 10]"}},
      {"lrb(step=11)", {"step=11", "[1e-09, 10]"}},
      {"lrb(iters=-1)", {"iters=-1", "[0, 1000000]"}},
      {"lrb(eval=1)", {"eval=1", "[0, 0.99]"}},
      {"lrb(seed=-1)", {"seed=-1", "[0, 9007199254740992]"}},
      {"lrb(seed=9007199254740993)", {"seed=9007199254740993", "[0, 9007199254740992]"}},
      // Cross-field: the split.
      {"lrb(N=1,eval=0.5)", {"eval=0.5", "N=1", "1 evaluation and 0 training"}},
      {"lrb(N=10,eval=0.01)", {"eval=0.01", "N=10", "0 evaluation and 10 training"}},
      // Cross-field: interference bounds no set of unit vectors can meet.
      {"lrb(n=10,np=5,M=-0.1)", {"M=-0.1", "n=10", "np+1=6"}},
      {"lrb(n=10,np=20,M=-0.2)", {"M=-0.2", "n=10", "-1/(n-1)"}},
      {"lrb(n=11,np=5,M=0)", {"M=0", "n=11", "2*np=10"}},
  };
  for (const BadSpec& bad : cases) {
    const absl::StatusOr<LrbSpec> spec = ParseLrbSpec(bad.text);
    ASSERT_FALSE(spec.ok()) << bad.text << " parsed as " << ToString(*spec);
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument) << bad.text;
    for (const std::string& part : bad.message_parts) {
      EXPECT_THAT(std::string(spec.status().message()), HasSubstr(part)) << bad.text;
    }
  }
}

TEST(LrbSpec, AcceptsFeasibleEdgesOfCrossFieldChecks) {
  for (const char* text : {"lrb(n=10,np=20,M=-0.1)", "lrb(n=6,np=5,M=-0.2)", "lrb(n=10,np=5,M=0)",
                           "lrb(N=2,eval=0.5)", "lrb(N=1,eval=0)", "lrb(N=10,eval=0.05)"}) {
    const absl::StatusOr<LrbSpec> spec = ParseLrbSpec(text);
    EXPECT_TRUE(spec.ok()) << text << ": " << spec.status();
  }
}

TEST(LrbSpec, ValidateRejectsStructsParseWouldReject) {
  LrbSpec spec;
  EXPECT_TRUE(ValidateLrbSpec(spec).ok());
  spec.sparsity = 1.0;
  EXPECT_THAT(std::string(ValidateLrbSpec(spec).message()), HasSubstr("S=1"));
  spec = LrbSpec{};
  spec.max_interference = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(std::string(ValidateLrbSpec(spec).message()),
              AllOf(HasSubstr("M="), HasSubstr("not a finite number")));
  spec = LrbSpec{};
  spec.seed = uint64_t{1} << 60;
  EXPECT_THAT(std::string(ValidateLrbSpec(spec).message()), HasSubstr("seed="));
  spec = LrbSpec{};
  spec.num_samples = 1;
  EXPECT_THAT(std::string(ValidateLrbSpec(spec).message()), HasSubstr("training"));
}

TEST(LrbSpec, SplitRoundsEvalCountHalfAwayFromZero) {
  LrbSpec spec;
  EXPECT_EQ(NumEvalSamples(spec), 10000);
  EXPECT_EQ(NumTrainSamples(spec), 90000);
  spec.num_samples = 3;
  spec.eval_fraction = 0.5;  // 1.5 evaluation samples -> 2
  EXPECT_EQ(NumEvalSamples(spec), 2);
  EXPECT_EQ(NumTrainSamples(spec), 1);
  spec.eval_fraction = 0;
  EXPECT_EQ(NumTrainSamples(spec), 3);
}

}  // namespace
}  // namespace lrb::datasets
