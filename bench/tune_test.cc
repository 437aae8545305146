#include "bench/tune.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sdl/method_spec.h"
#include "util/testing/status_matchers.h"

namespace lrb::bench {
namespace {

using ::lrb::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// The knob's value in a probe's spec, read back through the parser.
double KnobOf(const std::string& spec, const std::string& knob) {
  return sdl::ParseMethodSpec(spec)->RealKnob(knob);
}

TuneRequest ReluAtL0(double target) {
  TuneRequest request;
  request.method = "sae.relu(latents=64,l1=0.5)";
  request.knob = "l1";
  request.metric = "eval.l0";
  request.target = target;
  request.low = 1e-3;
  request.high = 10;
  return request;
}

TEST(TuneTest, APowerLawIsHitAfterTheTwoEnds) {
  // L0 = 20 / l1: one interpolation in log-log lands on l1 = 20 / 64 = 0.3125, shown with 3
  // digits.
  std::vector<std::string> specs;
  const auto measure = [&](const std::string& spec) -> absl::StatusOr<double> {
    specs.push_back(spec);
    return 20 / KnobOf(spec, "l1");
  };
  LRB_ASSERT_OK_AND_ASSIGN(const TuneResult result, Tune(ReluAtL0(64), measure));
  ASSERT_EQ(result.probes.size(), 3u);
  EXPECT_TRUE(result.converged);
  EXPECT_EQ(result.best, 2u);
  EXPECT_EQ(result.probes[0].value, 1e-3);
  EXPECT_EQ(result.probes[1].value, 10);
  EXPECT_NEAR(result.probes[2].value, 0.3125, 0.001);
  EXPECT_NEAR(result.probes[2].metric, 64, 0.5);
  // Each probe's spec is the canonical method with that value and nothing else changed.
  EXPECT_EQ(specs[2], absl::StrCat("sae.relu(latents=64,l1=", result.probes[2].value,
                                   ",unit_norm=1,tied=0,bias=1)"));
  EXPECT_EQ(result.probes[2].method_spec, specs[2]);
}

TEST(TuneTest, ConvergesOnAMonotoneCurveThatIsNoPowerLawEitherWay) {
  // Falling (an L1 coefficient) and rising (a made-up knob) curves with a kink.
  const auto falling = [](double x) { return 500 / (1 + 40 * x * x) + 2 * std::log1p(x); };
  for (const bool rising : {false, true}) {
    SCOPED_TRACE(rising ? "rising" : "falling");
    const auto measure = [&](const std::string& spec) -> absl::StatusOr<double> {
      const double x = KnobOf(spec, "l1");
      return rising ? 600 - falling(x) : falling(x);
    };
    TuneRequest request = ReluAtL0(rising ? 600 - 64 : 64);
    request.max_probes = 12;
    request.tolerance = 0.01;
    LRB_ASSERT_OK_AND_ASSIGN(const TuneResult result, Tune(request, measure));
    EXPECT_TRUE(result.converged);
    const TuneProbe& best = result.probes[result.best];
    EXPECT_LE(std::abs(best.metric - request.target), 0.01 * request.target);
    // Every probe after the ends lies strictly inside the interval, and no value repeats.
    for (size_t i = 0; i < result.probes.size(); ++i) {
      EXPECT_GE(result.probes[i].value, request.low);
      EXPECT_LE(result.probes[i].value, request.high);
      for (size_t j = 0; j < i; ++j) EXPECT_NE(result.probes[i].value, result.probes[j].value);
    }
  }
}

TEST(TuneTest, StopsAtMaxProbesAndReportsTheClosestUnconverged) {
  const auto measure = [](const std::string& spec) -> absl::StatusOr<double> {
    const double x = sdl::ParseMethodSpec(spec)->RealKnob("l1");
    return x < 0.37 ? 1000 : 1;  // a step: no probe can land within 10% of 64
  };
  TuneRequest request = ReluAtL0(64);
  request.max_probes = 6;
  LRB_ASSERT_OK_AND_ASSIGN(const TuneResult result, Tune(request, measure));
  EXPECT_FALSE(result.converged);
  EXPECT_EQ(result.probes.size(), 6u);
  EXPECT_EQ(result.probes[result.best].metric, 1);  // |1 - 64| < |1000 - 64|
}

TEST(TuneTest, ATargetOutsideTheEndsSaysWhichWayToWiden) {
  const auto measure = [](const std::string& spec) -> absl::StatusOr<double> {
    return 20 / sdl::ParseMethodSpec(spec)->RealKnob("l1");  // 20,000 at 1e-3, 2 at 10
  };
  TuneRequest request = ReluAtL0(1);
  EXPECT_THAT(Tune(request, measure),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("eval.l0=1 is not between"), HasSubstr("l1=10"),
                             HasSubstr("a larger --high"))));
  request.target = 1e6;
  EXPECT_THAT(Tune(request, measure), StatusIs(absl::StatusCode::kFailedPrecondition,
                                               HasSubstr("a smaller --low")));
}

TEST(TuneTest, BadRequestsAreRefusedBeforeAnyRun) {
  int runs = 0;
  const auto measure = [&](const std::string&) -> absl::StatusOr<double> {
    ++runs;
    return 1.0;
  };
  TuneRequest unknown = ReluAtL0(64);
  unknown.knob = "l2";
  EXPECT_THAT(Tune(unknown, measure), StatusIs(absl::StatusCode::kInvalidArgument,
                                               AllOf(HasSubstr("--knob=l2"), HasSubstr("l1"))));
  TuneRequest integer = ReluAtL0(64);
  integer.method = "sae.topk(latents=64,k=4)";
  integer.knob = "k";
  EXPECT_THAT(Tune(integer, measure), StatusIs(absl::StatusCode::kInvalidArgument,
                                               HasSubstr("integer knob")));
  // The message lists every real knob of the family, also those declared after the knob.
  integer.method = "sae.batchtopk(latents=64,k=4)";
  EXPECT_THAT(Tune(integer, measure),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("integer knob"), HasSubstr("threshold_decay"))));
  TuneRequest reversed = ReluAtL0(64);
  reversed.low = 1;
  reversed.high = 0.5;
  EXPECT_THAT(Tune(reversed, measure), StatusIs(absl::StatusCode::kInvalidArgument,
                                                HasSubstr("0 < low < high")));
  TuneRequest out_of_range = ReluAtL0(64);
  out_of_range.high = 1e7;
  EXPECT_THAT(Tune(out_of_range, measure), StatusIs(absl::StatusCode::kInvalidArgument,
                                                    HasSubstr("must lie in [0, 1e+06]")));
  TuneRequest one_probe = ReluAtL0(64);
  one_probe.max_probes = 1;
  EXPECT_THAT(Tune(one_probe, measure), StatusIs(absl::StatusCode::kInvalidArgument,
                                                 HasSubstr("--probes=1")));
  TuneRequest no_tolerance = ReluAtL0(64);
  no_tolerance.tolerance = 0;
  EXPECT_THAT(Tune(no_tolerance, measure), StatusIs(absl::StatusCode::kInvalidArgument,
                                                    HasSubstr("--tolerance=0")));
  EXPECT_EQ(runs, 0);
}

TEST(TuneTest, AMeasurementErrorEndsTheSearchWithIt) {
  const auto measure = [](const std::string&) -> absl::StatusOr<double> {
    return absl::AbortedError("training diverged at step 3");
  };
  EXPECT_THAT(Tune(ReluAtL0(64), measure),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("diverged")));
}

TEST(TuneTest, RoundsToThreeSignificantDigits) {
  EXPECT_EQ(RoundToThreeDigits(0.31249), 0.312);
  EXPECT_EQ(RoundToThreeDigits(123456), 123000);
  EXPECT_EQ(RoundToThreeDigits(1e-3), 1e-3);
  EXPECT_EQ(RoundToThreeDigits(0), 0);
}

}  // namespace
}  // namespace lrb::bench
