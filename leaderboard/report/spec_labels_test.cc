#include "leaderboard/report/spec_labels.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lrb::report {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

TEST(ShortSpecLabels, KeepOnlyTheArgumentsThatDiffer) {
  EXPECT_THAT(ShortSpecLabels({"sae.topk(latents=640,k=6,unit_norm=1)",
                               "sae.topk(latents=640,k=6,unit_norm=1)+anchor(k=32,lambda=0.1)"}),
              ElementsAre("sae.topk", "sae.topk+anchor"));
  EXPECT_THAT(ShortSpecLabels({"lrb(n=800,np=768,S=0.99)", "lrb(n=900,np=768,S=0.99)"}),
              ElementsAre("lrb(n=800)", "lrb(n=900)"));
  EXPECT_THAT(ShortSpecLabels({"sae.topk(k=32)+anchor(k=100)", "sae.topk(k=64)+anchor(k=100)",
                               "sae.relu(l1=0.1)"}),
              ElementsAre("sae.topk(k=32)+anchor", "sae.topk(k=64)+anchor", "sae.relu"));
  EXPECT_THAT(ShortSpecLabels({"lrb(n=64)"}), ElementsAre("lrb"));
  EXPECT_THAT(ShortSpecLabels({}), ElementsAre());
}

TEST(ShortSpecLabels, AnArgumentSomeSpecsLackCountsAsDiffering) {
  EXPECT_THAT(ShortSpecLabels({"a(x=1)", "a"}), ElementsAre("a(x=1)", "a"));
}

TEST(ShortSpecLabels, NeverGiveTwoDifferentSpecsOneLabel) {
  // A repeated key hides the second value from the comparison; the full specs are shown.
  EXPECT_THAT(ShortSpecLabels({"a(x=1,x=2)", "a(x=1,x=3)", "b"}),
              ElementsAre("a(x=1,x=2)", "a(x=1,x=3)", "b"));
  // The same spec twice shares its label.
  EXPECT_THAT(ShortSpecLabels({"a(x=1)", "a(x=1)", "a(x=2)"}),
              ElementsAre("a(x=1)", "a(x=1)", "a(x=2)"));
}

TEST(ShortSpecLabels, ASpecThatDoesNotParseIsItsOwnLabel) {
  EXPECT_THAT(ShortSpecLabels({"external:my <sae>", "sae.topk(k=4)"}),
              ElementsAre("external:my <sae>", "sae.topk"));
}

TEST(WithoutTerm, DropsTheNamedModifier) {
  EXPECT_THAT(WithoutTerm("sae.topk(latents=640,k=6)+anchor(k=32,lambda=0.1)", "anchor"),
              Optional(std::string("sae.topk(latents=640,k=6)")));
  EXPECT_THAT(WithoutTerm("lrb(n=1)+anchor(k=1)+noise(sigma=0.1)", "anchor"),
              Optional(std::string("lrb(n=1)+noise(sigma=0.1)")));
  EXPECT_EQ(WithoutTerm("sae.topk(k=6)", "anchor"), std::nullopt);
  EXPECT_EQ(WithoutTerm("anchor(k=6)", "anchor"), std::nullopt);
  EXPECT_EQ(WithoutTerm("external:x", "anchor"), std::nullopt);
}

TEST(FindKnob, FindsTheOneArgumentASweepVaries) {
  const std::optional<Knob> n =
      FindKnob({"lrb(n=800,np=768,M=0.1)", "lrb(n=900,np=768,M=0.1)", "lrb(n=800,np=768,M=0.1)"});
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->term, "lrb");
  EXPECT_EQ(n->key, "n");
  EXPECT_EQ(n->Name(), "lrb.n");
  const std::optional<Knob> k =
      FindKnob({"sae.topk(latents=16000,k=32)", "sae.topk(latents=16000,k=64)"});
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->key, "k");
}

TEST(FindKnob, NoKnobWithoutExactlyOneNumericArgumentVarying) {
  EXPECT_EQ(FindKnob({"lrb(n=800)"}), std::nullopt);                            // one spec
  EXPECT_EQ(FindKnob({"lrb(n=800)", "lrb(n=800)"}), std::nullopt);              // nothing varies
  EXPECT_EQ(FindKnob({"lrb(n=800,M=0.1)", "lrb(n=900,M=0.2)"}), std::nullopt);  // two knobs
  EXPECT_EQ(FindKnob({"lrb(n=800)", "lrb(n=900)+noise(sigma=0.1)"}), std::nullopt);  // terms
  EXPECT_EQ(FindKnob({"lrb(n=800)", "lrb(m=800)"}), std::nullopt);                   // keys differ
  EXPECT_EQ(FindKnob({"a(mode=fast)", "a(mode=slow)"}), std::nullopt);               // not numbers
  EXPECT_EQ(FindKnob({"lrb(n=800)", "not a spec"}), std::nullopt);
  EXPECT_EQ(FindKnob({}), std::nullopt);
}

TEST(KnobValue, ReadsTheKnobOfASpec) {
  const Knob knob{"lrb", "S"};
  EXPECT_THAT(KnobValue("lrb(n=800,S=0.995)", knob), Optional(0.995));
  EXPECT_EQ(KnobValue("lrb(n=800)", knob), std::nullopt);
  EXPECT_EQ(KnobValue("sae.topk(S=1)", knob), std::nullopt);
}

TEST(WithoutKnob, RemovesOnlyTheKnobsArgument) {
  const Knob k{"sae.topk", "k"};
  EXPECT_EQ(WithoutKnob("sae.topk(latents=16000,k=64)+anchor(k=100,lambda=0.1)", k),
            "sae.topk(latents=16000)+anchor(k=100,lambda=0.1)");
  EXPECT_EQ(WithoutKnob("external:x", k), "external:x");
}

}  // namespace
}  // namespace lrb::report
