#include "sdl/train_spec.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lrb::sdl {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(TrainSpec, RoundTripsWithDefaultsSpelledOut) {
  const auto spec = ParseTrainSpec("train(steps=10)");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(ToString(*spec), "train(steps=10,batch=256,lr=0.001,warmup=100,decay=0.2,clip=1)");
  EXPECT_EQ(*ParseTrainSpec(ToString(*spec)), *spec);
}

TEST(TrainSpec, ATrajectoryIsSpelledOutOnlyWhenAskedFor) {
  const auto spec = ParseTrainSpec("train(steps=1000,eval_every=250)");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->eval_every, 250);
  EXPECT_EQ(ToString(*spec),
            "train(steps=1000,batch=256,lr=0.001,warmup=100,decay=0.2,clip=1,eval_every=250)");
  EXPECT_EQ(*ParseTrainSpec(ToString(*spec)), *spec);
  // eval_every=0 is the default and reads as the spec without it (same canonical text).
  EXPECT_EQ(ToString(*ParseTrainSpec("train(steps=1000,eval_every=0)")),
            ToString(*ParseTrainSpec("train(steps=1000)")));
}

TEST(TrainSpec, RejectsATrajectoryIntervalLongerThanTheRun) {
  const auto spec = ParseTrainSpec("train(steps=100,eval_every=101)");
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(std::string(spec.status().message()),
              AllOf(HasSubstr("eval_every=101"), HasSubstr("steps=100"), HasSubstr("[1, 100]")));
  EXPECT_FALSE(ParseTrainSpec("train(eval_every=-1)").ok());
}

TEST(TrainSpec, RejectsBadValues) {
  for (const char* text : {"train(steps=0)", "train(lr=0)", "train(decay=2)", "train(x=1)",
                           "fit(steps=1)", "train+train"}) {
    EXPECT_FALSE(ParseTrainSpec(text).ok()) << text;
  }
  EXPECT_THAT(std::string(ParseTrainSpec("train(batch=0)").status().message()),
              HasSubstr("batch=0"));
}

TEST(TrainSpec, LearningRateWarmsUpHoldsAndDecaysToZero) {
  TrainSpec spec;
  spec.steps = 100;
  spec.warmup_steps = 10;
  spec.decay_fraction = 0.2;
  EXPECT_DOUBLE_EQ(LearningRateScale(spec, 0), 0.1);
  EXPECT_DOUBLE_EQ(LearningRateScale(spec, 9), 1.0);
  EXPECT_DOUBLE_EQ(LearningRateScale(spec, 50), 1.0);
  EXPECT_DOUBLE_EQ(LearningRateScale(spec, 80), 1.0);
  EXPECT_DOUBLE_EQ(LearningRateScale(spec, 90), 0.5);
  EXPECT_DOUBLE_EQ(LearningRateScale(spec, 99), 0.05);
  for (int64_t s = 1; s < spec.steps; ++s) {
    if (s >= 10) {
      EXPECT_LE(LearningRateScale(spec, s), LearningRateScale(spec, s - 1)) << "step " << s;
    }
  }
}

}  // namespace
}  // namespace lrb::sdl
