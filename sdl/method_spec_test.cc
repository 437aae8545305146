#include "sdl/method_spec.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sdl/family_traits.h"
#include "util/spec_parser.h"

namespace lrb::sdl {
namespace {

using ::testing::HasSubstr;

TEST(MethodSpec, CanonicalFormSpellsOutDefaults) {
  EXPECT_EQ(ToString(*ParseMethodSpec("sae.topk")),
            "sae.topk(latents=16000,k=64,unit_norm=1,tied=0,bias=1)");
  EXPECT_EQ(ToString(*ParseMethodSpec("sae.relu")),
            "sae.relu(latents=16000,l1=0.1,unit_norm=1,tied=0,bias=1)");
  EXPECT_EQ(ToString(*ParseMethodSpec("sae.jumprelu")),
            "sae.jumprelu(latents=16000,l0=0.1,bandwidth=0.05,theta=0.1,unit_norm=1,tied=0,"
            "bias=1)");
  EXPECT_EQ(ToString(*ParseMethodSpec("sae.batchtopk")),
            "sae.batchtopk(latents=16000,k=64,threshold_decay=0.99,unit_norm=1,tied=0,bias=1)");
  EXPECT_EQ(ToString(*ParseMethodSpec("crosscoder.matryoshka_k")),
            "crosscoder.matryoshka_k(sources=2,latents=16000,k=64,levels=4,unit_norm=1,tied=0,"
            "bias=1)");
  EXPECT_EQ(ToString(*ParseMethodSpec("sae.gated")),
            "sae.gated(latents=16000,l1=0.1,unit_norm=1,tied=0,bias=1)");
  EXPECT_EQ(ToString(*ParseMethodSpec("sae.matryoshka_prefix")),
            "sae.matryoshka_prefix(latents=16000,k=64,levels=4,unit_norm=1,tied=0,bias=1)");
  EXPECT_EQ(ToString(*ParseMethodSpec("sae.topk+auxk+resample")),
            "sae.topk(latents=16000,k=64,unit_norm=1,tied=0,bias=1)"
            "+auxk(k=512,lambda=0.03125,dead_steps=1000)"
            "+resample(every=1000,until=5000,dead_steps=500)");
}

// TopK's relu knob came after runs were recorded: at its default it is left out, so those
// runs' specs (and run keys) are unchanged; relu=1 is printed, in the knobs' order.
TEST(MethodSpec, TheReluKnobIsPrintedOnlyAwayFromItsDefault) {
  for (const char* family : {"topk", "batchtopk", "matryoshka_k", "matryoshka_prefix"}) {
    SCOPED_TRACE(family);
    const MethodSpec plain = *ParseMethodSpec(absl::StrCat("sae.", family, "(k=8)"));
    const MethodSpec zero = *ParseMethodSpec(absl::StrCat("sae.", family, "(k=8,relu=0)"));
    const MethodSpec one = *ParseMethodSpec(absl::StrCat("sae.", family, "(k=8,relu=1)"));
    EXPECT_EQ(ToString(zero), ToString(plain));
    EXPECT_THAT(ToString(plain), ::testing::Not(HasSubstr("relu")));
    EXPECT_THAT(ToString(one), HasSubstr(",relu=1,unit_norm=1,"));
    EXPECT_NE(one, plain);
    EXPECT_EQ(ToString(*ParseMethodSpec(ToString(one))), ToString(one));
    EXPECT_EQ(FamilyVersion(one), FamilyVersion(plain));
  }
  EXPECT_EQ(ToString(*ParseMethodSpec("sae.topk(latents=640,k=6,relu=1)")),
            "sae.topk(latents=640,k=6,relu=1,unit_norm=1,tied=0,bias=1)");
  // Families without a top-k selection have no such knob.
  EXPECT_FALSE(ParseMethodSpec("sae.relu(relu=1)").ok());
}

TEST(MethodSpec, EveryListedFamilyRoundTrips) {
  for (const std::string& family : MethodFamilies()) {
    for (const char* topology : {"sae", "transcoder", "crosscoder"}) {
      const std::string text = std::string(topology) + "." + family +
                               "(latents=1024)+anchor(k=16,lambda=0.5)+resample(every=7)";
      const auto spec = ParseMethodSpec(text);
      ASSERT_TRUE(spec.ok()) << text << ": " << spec.status();
      const std::string canonical = ToString(*spec);
      const auto again = ParseMethodSpec(canonical);
      ASSERT_TRUE(again.ok()) << canonical << ": " << again.status();
      EXPECT_EQ(ToString(*again), canonical);
      EXPECT_EQ(*again, *spec);
      EXPECT_THAT(FamilyVersion(*spec), HasSubstr(family + "@"));
    }
  }
}

std::string Format(const KnobTraits& knob, double value) {
  return knob.type == KnobType::kInt ? absl::StrCat(static_cast<int64_t>(value))
                                     : FormatSpecNumber(value);
}

// Each family's declared knobs: defaults in range and printed, both ends of every range
// accepted and round-tripped, one step outside refused by name; its examples parse as it.
TEST(MethodSpec, EveryFamilysDeclaredKnobsParseAndPrint) {
  for (const FamilyTraits* family : AllFamilyTraits()) {
    SCOPED_TRACE(family->name);
    const std::string name(family->name);
    const MethodSpec defaults = *ParseMethodSpec("sae." + name);
    for (const KnobTraits& knob : family->knobs) {
      EXPECT_LE(knob.min, knob.default_value) << knob.name;
      EXPECT_LE(knob.default_value, knob.max) << knob.name;
      EXPECT_EQ(defaults.RealKnob(knob.name), knob.default_value) << knob.name;
      for (const double end : {knob.min, knob.max}) {
        const double value = knob.name == "k" ? std::min(end, 64.0) : end;  // k <= latents
        const std::string text =
            absl::StrFormat("sae.%s(latents=64,%s=%s)", name, knob.name, Format(knob, value));
        const auto spec = ParseMethodSpec(text);
        if (!spec.ok()) {
          // A constraint between knobs (e.g. levels against k) may refuse an extreme; it
          // must say so by name.
          EXPECT_THAT(std::string(spec.status().message()), HasSubstr(name)) << text;
          continue;
        }
        EXPECT_EQ(spec->RealKnob(knob.name), value) << text;
        EXPECT_EQ(ToString(*ParseMethodSpec(ToString(*spec))), ToString(*spec));
      }
      const double outside = knob.max + (knob.type == KnobType::kInt ? 1 : knob.max);
      const std::string text =
          absl::StrFormat("sae.%s(%s=%s)", name, knob.name, Format(knob, outside));
      const auto refused = ParseMethodSpec(text);
      ASSERT_FALSE(refused.ok()) << text;
      EXPECT_THAT(std::string(refused.status().message()), HasSubstr(std::string(knob.name)))
          << text;
    }
    std::vector<std::string_view> examples = TestedExamples(*family);
    examples.push_back(family->tiny_example);
    for (const std::string_view example : examples) {
      const auto spec = ParseMethodSpec(example);
      ASSERT_TRUE(spec.ok()) << example << ": " << spec.status();
      EXPECT_EQ(spec->family, name) << example;
    }
    EXPECT_FALSE(family->description.empty());
    if (family->selects_topk) {
      EXPECT_EQ(defaults.IntKnob("k"), 64) << "selects_topk promises an integer knob k";
    }
  }
}

TEST(MethodSpec, UnsetKnobsReadAsTheFamilysDefaults) {
  MethodSpec spec;  // sae.topk with nothing set
  EXPECT_EQ(spec.IntKnob("k"), 64);
  EXPECT_EQ(ToString(spec), "sae.topk(latents=16000,k=64,unit_norm=1,tied=0,bias=1)");
  spec.SetKnob("k", 8);
  EXPECT_EQ(spec.IntKnob("k"), 8);
  EXPECT_EQ(spec, *ParseMethodSpec("sae.topk(k=8)"));
  // A knob of another family is neither printed nor compared, and cannot be read.
  spec.SetKnob("l1", 3);
  EXPECT_EQ(spec, *ParseMethodSpec("sae.topk(k=8)"));
  EXPECT_DEATH(spec.RealKnob("l1"), "family topk has no knob \"l1\"");
}

TEST(MethodSpec, SpellingsCollapse) {
  EXPECT_EQ(ToString(*ParseMethodSpec("sae.topk(k=8,latents=256)+anchor(lambda=0.1,k=16)")),
            ToString(*ParseMethodSpec("sae.topk(latents=256,k=8,unit_norm=1)+anchor(k=16)")));
  EXPECT_EQ(ToString(*ParseMethodSpec("sae.relu(l1=1e-1)")),
            ToString(*ParseMethodSpec("sae.relu(l1=0.100)")));
}

TEST(MethodSpec, FamilyVersionNamesFamilyAndModifiers) {
  EXPECT_EQ(FamilyVersion(*ParseMethodSpec("sae.topk")), "sae.topk@1");
  EXPECT_EQ(FamilyVersion(*ParseMethodSpec("sae.topk+anchor+auxk")),
            "sae.topk@1+anchor@1+auxk@1");
  // Stored results are keyed by these: a family's version changes only with its results.
  for (const char* family : {"relu", "jumprelu", "topk", "batchtopk", "gated", "matryoshka_k",
                             "matryoshka_prefix"}) {
    EXPECT_EQ(FamilyVersion(*ParseMethodSpec(absl::StrCat("sae.", family))),
              absl::StrCat("sae.", family, "@1"));
  }
}

TEST(MethodSpec, ErrorsNameTheBadValue) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : {
           Case{"sae.sigmoid", "unknown family \"sigmoid\""},
           Case{"sae.sigmoid", "relu, jumprelu, topk"},
           Case{"mlp.topk", "unknown topology \"mlp\""},
           Case{"topk", "expected <topology>.<family>"},
           Case{"sae.topk(latents=8,k=9)", "k=9 exceeds latents=8"},
           Case{"sae.batchtopk(latents=8,k=9)", "k=9 exceeds latents=8"},
           Case{"sae.topk(k=0)", "k=0 is out of range"},
           Case{"sae.topk(latents=8,k=2)+anchor(k=9)", "k=9 exceeds the method's latents=8"},
           Case{"sae.topk+anchor(lambda=-1)", "lambda=-1 is out of range"},
           Case{"sae.relu(l1=-0.5)", "l1=-0.5 is out of range"},
           Case{"sae.jumprelu(bandwidth=0)", "bandwidth=0 is out of range"},
           Case{"sae.topk+anchor+anchor", "given twice"},
           Case{"sae.topk+dropout", "unknown modifier \"dropout\""},
           Case{"sae.topk(q=1)", "unknown key q=1"},
           Case{"sae.relu(k=4)", "unknown key k=4"},
           Case{"sae.topk(unit_norm=2)", "unit_norm=2 is out of range"},
           Case{"sae.relu+auxk", "applies to TopK-type families"},
           Case{"sae.relu+auxk", "(topk, batchtopk, "},  // the TopK-type families listed
           Case{"sae.relu+auxk", "), not relu"},
           Case{"sae.matryoshka_k(k=4,levels=4)", "levels=4 halves k=4 below 1"},
           Case{"sae.matryoshka_prefix(latents=64,k=16,levels=4)", "smallest prefix"},
           Case{"transcoder.topk(tied=1)", "tied=1 needs x_r = x_p"},
           Case{"crosscoder.topk(sources=1)", "sources=1 is out of range"},
           Case{"sae.topk(sources=2)", "unknown key sources=2"},
       }) {
    const auto spec = ParseMethodSpec(c.text);
    ASSERT_FALSE(spec.ok()) << c.text;
    EXPECT_THAT(std::string(spec.status().message()), HasSubstr(c.message)) << c.text;
  }
}

}  // namespace
}  // namespace lrb::sdl
