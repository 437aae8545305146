#include "bench/methods_command.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sdl/family_traits.h"
#include "sdl/method_spec.h"

namespace lrb::bench {
namespace {

using ::testing::HasSubstr;

// One block per family, in list order, each naming the family with its version, its
// description, every knob with type, range and default, and its L0 promise.
TEST(MethodsCommand, ListsEveryFamilyWithItsKnobsAndPromises) {
  std::ostringstream out;
  MethodsCommand(out);
  const std::string text = out.str();
  size_t previous = 0;
  for (const sdl::FamilyTraits* family : sdl::AllFamilyTraits()) {
    SCOPED_TRACE(family->name);
    const std::string header = absl::StrFormat("\n%s@%d  %s\n", family->name, family->version,
                                               family->description);
    const size_t at = text.find(header);
    ASSERT_NE(at, std::string::npos) << text;
    EXPECT_GT(at, previous) << "families out of list order";
    previous = at;
    const size_t end = text.find("\n\n", at + 1);
    const std::string block = text.substr(at, end - at);
    for (const sdl::KnobTraits& knob : family->knobs) {
      EXPECT_THAT(block, HasSubstr(absl::StrCat("    ", std::string(knob.name), " ")));
      EXPECT_THAT(block, HasSubstr(std::string(knob.help)));
    }
    EXPECT_THAT(block, HasSubstr(absl::StrCat("L0: ", std::string(sdl::L0PromiseText(family->l0)))));
    EXPECT_THAT(block, HasSubstr(sdl::ToString(*sdl::ParseMethodSpec(family->tiny_example))));
  }
}

// The exact lines of a family, from made-up traits: the format users read and scripts grep.
TEST(MethodsCommand, FormatsKnobsWithTypeRangeAndDefault) {
  const sdl::FamilyTraits family{
      .name = "example",
      .version = 3,
      .description = "an example family",
      .knobs = {{"k", sdl::KnobType::kInt, 64, 1, 1048576, "active latents per sample"},
                {"l1", sdl::KnobType::kReal, 0.1, 0, 1e6, "L1 coefficient"}},
      .selects_topk = true,
      .sparse_path = false,
      .l0 = sdl::L0Promise::kExactlyKPerSample,
      .inference_state = {"threshold"},
  };
  const std::vector<std::string> lines =
      absl::StrSplit(FormatMethods({&family}), '\n');
  ASSERT_GE(lines.size(), 6u);
  EXPECT_EQ(lines[0], "1 method families; a method is <topology>.<family>(<knobs>)[+modifiers]:");
  EXPECT_EQ(lines[2], "example@3  an example family");
  EXPECT_EQ(lines[3],
            "    k                int in [1, 1048576]        default 64       active latents per "
            "sample");
  EXPECT_EQ(lines[4],
            "    l1               real in [0, 1e+06]         default 0.1      L1 coefficient");
  EXPECT_EQ(lines[5],
            "    L0: exactly k per sample; top-k selection (+auxk applies); dense path only; "
            "inference state: threshold");
}

}  // namespace
}  // namespace lrb::bench
