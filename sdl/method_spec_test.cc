#include "sdl/method_spec.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lrb::sdl {
namespace {

using ::testing::HasSubstr;

TEST(MethodSpec, CanonicalFormSpellsOutDefaults) {
  const auto spec = ParseMethodSpec("sae.topk");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(ToString(*spec), "sae.topk(latents=16000,k=64,unit_norm=1)");
}

TEST(MethodSpec, RoundTripsAndSpellingsCollapse) {
  for (const char* text :
       {"sae.topk(latents=256,k=8,unit_norm=1)+anchor(k=16,lambda=0.1)",
        "sae.topk(latents=32,k=1,unit_norm=0)", "sae.topk(latents=16000,k=64,unit_norm=1)"}) {
    const auto spec = ParseMethodSpec(text);
    ASSERT_TRUE(spec.ok()) << text << ": " << spec.status();
    EXPECT_EQ(ToString(*spec), text);
    const auto again = ParseMethodSpec(ToString(*spec));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *spec);
  }
  // Reordered keys and omitted defaults name the same method.
  EXPECT_EQ(ToString(*ParseMethodSpec("sae.topk(k=8,latents=256)+anchor(lambda=0.1,k=16)")),
            ToString(*ParseMethodSpec("sae.topk(latents=256,k=8,unit_norm=1)+anchor(k=16)")));
}

TEST(MethodSpec, FamilyVersionNamesFamilyAndModifiers) {
  EXPECT_EQ(FamilyVersion(*ParseMethodSpec("sae.topk")), "sae.topk@1");
  EXPECT_EQ(FamilyVersion(*ParseMethodSpec("sae.topk+anchor")), "sae.topk@1+anchor@1");
}

TEST(MethodSpec, ErrorsNameTheBadValue) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : {
           Case{"sae.relu", "unknown activation \"relu\""},
           Case{"mlp.topk", "unknown topology \"mlp\""},
           Case{"topk", "expected <topology>.<activation>"},
           Case{"sae.topk(latents=8,k=9)", "k=9 exceeds latents=8"},
           Case{"sae.topk(k=0)", "k=0 is out of range"},
           Case{"sae.topk(latents=8,k=2)+anchor(k=9)", "k=9 exceeds the method's latents=8"},
           Case{"sae.topk+anchor(lambda=-1)", "lambda=-1 is out of range"},
           Case{"sae.topk+anchor+anchor", "given twice"},
           Case{"sae.topk+resample", "unknown modifier \"resample\""},
           Case{"sae.topk(q=1)", "unknown key q=1"},
           Case{"sae.topk(unit_norm=2)", "unit_norm=2 is out of range"},
       }) {
    const auto spec = ParseMethodSpec(c.text);
    ASSERT_FALSE(spec.ok()) << c.text;
    EXPECT_THAT(std::string(spec.status().message()), HasSubstr(c.message)) << c.text;
  }
}

}  // namespace
}  // namespace lrb::sdl
