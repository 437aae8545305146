#include "leaderboard/store/board_labels.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/text_table.h"

namespace lrb::leaderboard::internal {
namespace {

using ::testing::ElementsAre;

// Undoes WrapSpec: the first line after `prefix`, then each later line after as many
// spaces as the prefix is wide.
std::string Unwrap(const std::vector<std::string>& lines, const std::string& prefix) {
  std::string spec;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string lead = i == 0 ? prefix : std::string(prefix.size(), ' ');
    EXPECT_EQ(lines[i].substr(0, lead.size()), lead) << "line " << i;
    spec += lines[i].substr(lead.size());
  }
  return spec;
}

TEST(MethodHintsTest, ShowsFamilyModifiersAndOnlyTheKnobsThatDiffer) {
  EXPECT_THAT(MethodHints({"sae.topk(latents=640,k=6,bias=1)+anchor(k=32,lambda=0.1)",
                           "sae.topk(latents=640,k=8,bias=1)", "sae.relu(latents=640,l1=0.01)",
                           "external:my-sae"}),
              ElementsAre("topk k=6 +anchor", "topk k=8", "relu", "external:my-sae"));
  EXPECT_THAT(
      MethodHints({"sae.topk(k=4)+anchor(k=8,lambda=0.1)", "sae.topk(k=4)+anchor(k=8,lambda=0.3)"}),
      ElementsAre("topk +anchor lambda=0.1", "topk +anchor lambda=0.3"));
}

TEST(EllipsizeTest, CutsToTheWidthInCodePoints) {
  EXPECT_EQ(Ellipsize("abcdef", 6), "abcdef");
  EXPECT_EQ(Ellipsize("abcdef", 4), "abc…");
  EXPECT_EQ(DisplayWidth(Ellipsize("±±±±±±", 3)), 3) << "never splits a UTF-8 character";
  EXPECT_EQ(Ellipsize("abc", 0), "");
}

TEST(WrapSpecTest, LinesFitAndJoinBackToTheSpec) {
  const std::string spec =
      "sae.matryoshka(widths=128+256+512+1024+2048+4096,k=64,unit_norm=1,tied=0,bias=1)"
      "+anchor(k=100,lambda=0.1)+auxk(k=512,lambda=0.03125,dead_steps=5000)"
      "+resample(every=5000,until=50000,dead_steps=2000)";
  for (int width : {120, 60, 31, 12, 8}) {
    const std::vector<std::string> lines = WrapSpec("  M12  ", spec, width);
    for (const std::string& line : lines) {
      EXPECT_LE(DisplayWidth(line), width) << "'" << line << "' at width " << width;
    }
    EXPECT_EQ(Unwrap(lines, "  M12  "), spec) << "width " << width;
  }
  EXPECT_THAT(WrapSpec("  D1  ", "lrb(n=8)", 120), ElementsAre("  D1  lrb(n=8)"));
  // Breaks fall after a comma or before a '+' when there is one in the second half.
  const std::vector<std::string> lines = WrapSpec("", "sae.topk(k=4,bias=1)+anchor(k=8)", 24);
  EXPECT_THAT(lines, ElementsAre("sae.topk(k=4,bias=1)", "+anchor(k=8)"));
}

TEST(WrapWordsTest, BreaksAtSpacesAndIndentsContinuations) {
  EXPECT_THAT(WrapWords("one two three four", 9, 2), ElementsAre("one two", "  three", "  four"));
  EXPECT_THAT(WrapWords("unbreakable-word x", 5, 1), ElementsAre("unbreakable-word", " x"));
}

}  // namespace
}  // namespace lrb::leaderboard::internal
