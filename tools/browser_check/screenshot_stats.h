#ifndef LRB_TOOLS_BROWSER_CHECK_SCREENSHOT_STATS_H_
#define LRB_TOOLS_BROWSER_CHECK_SCREENSHOT_STATS_H_

// Is a screenshot blank? A page whose plots failed to draw usually renders as one flat colour
// (or a title on one). The background is the image's most frequent colour; the page counts as
// drawn when enough pixels differ from it and enough distinct colours appear.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "tools/browser_check/png_image.h"

namespace lrb::browser_check {

struct ScreenshotStats {
  int width = 0;
  int height = 0;
  uint32_t background = 0;             // 0xRRGGBBAA, the most frequent colour
  double non_background_fraction = 0;  // of all pixels
  int64_t distinct_colours = 0;
};

// Thresholds: the defaults accept a page with one small plot on a 1280 x 2000 window
// (a 400 x 300 plot with axes and text covers about 1.5% of the window) and refuse a blank
// page or one with a line of text (well under 1%).
struct BlankThresholds {
  double min_non_background_fraction = 0.01;
  int64_t min_distinct_colours = 8;  // anti-aliased text alone gives dozens
};

// Stats of an image with at least one pixel.
ScreenshotStats ComputeScreenshotStats(const RgbaImage& image);

// FailedPrecondition saying which threshold failed, with the measured value, the threshold
// and the background colour.
absl::Status CheckNotBlank(const ScreenshotStats& stats, const BlankThresholds& thresholds);

// "#rrggbb" (or "#rrggbbaa" when not opaque).
std::string FormatColour(uint32_t rgba);

}  // namespace lrb::browser_check

#endif  // LRB_TOOLS_BROWSER_CHECK_SCREENSHOT_STATS_H_
