#include "tools/browser_check/screenshot_stats.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/browser_check/png_image.h"
#include "util/testing/status_matchers.h"

namespace lrb::browser_check {
namespace {

using ::lrb::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr uint32_t kWhite = 0xffffffff;

RgbaImage Filled(int width, int height, uint32_t colour) {
  return {width, height, std::vector<uint32_t>(static_cast<size_t>(width) * height, colour)};
}

// Paints the first `count` pixels, cycling through `colours` distinct non-white colours.
void Paint(RgbaImage& image, int count, int colours) {
  for (int i = 0; i < count; ++i) {
    image.pixels[static_cast<size_t>(i)] =
        0x10203000u + 0x100u * static_cast<uint32_t>(i % colours) + 0xff;
  }
}

TEST(ScreenshotStatsTest, AWhiteImageIsBlankAndTheMessageSaysWhy) {
  const ScreenshotStats stats = ComputeScreenshotStats(Filled(100, 50, kWhite));
  EXPECT_EQ(stats.background, kWhite);
  EXPECT_EQ(stats.non_background_fraction, 0.0);
  EXPECT_EQ(stats.distinct_colours, 1);
  EXPECT_THAT(CheckNotBlank(stats, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("looks blank"), HasSubstr("0.000%"), HasSubstr("100 x 50"),
                             HasSubstr("#ffffff"), HasSubstr("more than 1.000%"))));
}

TEST(ScreenshotStatsTest, EnoughInkInEnoughColoursIsNotBlank) {
  RgbaImage image = Filled(100, 100, kWhite);
  Paint(image, 200, 10);  // 2% of the pixels, 10 colours
  const ScreenshotStats stats = ComputeScreenshotStats(image);
  EXPECT_DOUBLE_EQ(stats.non_background_fraction, 0.02);
  EXPECT_EQ(stats.distinct_colours, 11);
  LRB_EXPECT_OK(CheckNotBlank(stats, {}));
}

TEST(ScreenshotStatsTest, InkMustExceedTheThresholdStrictly) {
  RgbaImage image = Filled(100, 100, kWhite);
  Paint(image, 100, 10);  // exactly 1%
  EXPECT_THAT(CheckNotBlank(ComputeScreenshotStats(image), {}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("1.000% of the pixels")));
  Paint(image, 101, 10);
  LRB_EXPECT_OK(CheckNotBlank(ComputeScreenshotStats(image), {}));
}

TEST(ScreenshotStatsTest, InkInTooFewColoursIsBlank) {
  RgbaImage image = Filled(100, 100, kWhite);
  Paint(image, 5000, 1);  // a big flat rectangle: one colour besides the background
  EXPECT_THAT(CheckNotBlank(ComputeScreenshotStats(image), {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("2 distinct colours"), HasSubstr("at least 8"))));
}

TEST(ScreenshotStatsTest, TheBackgroundIsTheMostFrequentColourNotTheCorner) {
  RgbaImage image = Filled(10, 10, 0x000000ff);  // a dark page
  for (int i = 0; i < 30; ++i) image.pixels[static_cast<size_t>(i)] = kWhite;
  const ScreenshotStats stats = ComputeScreenshotStats(image);
  EXPECT_EQ(stats.background, 0x000000ffu);
  EXPECT_DOUBLE_EQ(stats.non_background_fraction, 0.3);
  EXPECT_EQ(FormatColour(stats.background), "#000000");
  EXPECT_EQ(FormatColour(0x11223380), "#11223380");
}

TEST(PngImageTest, EncodeDecodeRoundTripKeepsEveryPixelAndAlpha) {
  RgbaImage image = Filled(7, 3, kWhite);  // odd sizes: no row padding hides a bug
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    image.pixels[i] = 0x01020300u * static_cast<uint32_t>(i + 1) + static_cast<uint32_t>(i * 11);
  }
  LRB_ASSERT_OK_AND_ASSIGN(const std::string png, EncodePng(image));
  LRB_ASSERT_OK_AND_ASSIGN(const RgbaImage decoded, DecodePng(png, "round trip"));
  EXPECT_EQ(decoded.width, 7);
  EXPECT_EQ(decoded.height, 3);
  EXPECT_EQ(decoded.pixels, image.pixels);
}

TEST(PngImageTest, NotAPngIsAnErrorNamingTheSource) {
  EXPECT_THAT(DecodePng("<html>not an image</html>", "shot.png"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("shot.png"), HasSubstr("not a readable PNG"))));
  EXPECT_THAT(DecodePng("", "empty.png"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty.png")));
}

TEST(PngImageTest, ATruncatedPngIsAnError) {
  LRB_ASSERT_OK_AND_ASSIGN(const std::string png, EncodePng(Filled(64, 64, 0x336699ff)));
  EXPECT_THAT(DecodePng(png.substr(0, png.size() / 2), "half.png"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("half.png")));
}

TEST(PngImageTest, EncodingAnInconsistentImageIsRefused) {
  RgbaImage image = Filled(4, 4, kWhite);
  image.pixels.pop_back();
  EXPECT_THAT(EncodePng(image),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("4 x 4 image with 15")));
}

}  // namespace
}  // namespace lrb::browser_check
