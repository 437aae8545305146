#include "tools/browser_check/screenshot_stats.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lrb::browser_check {

ScreenshotStats ComputeScreenshotStats(const RgbaImage& image) {
  ScreenshotStats stats;
  stats.width = image.width;
  stats.height = image.height;
  if (image.pixels.empty()) return stats;
  std::unordered_map<uint32_t, int64_t> counts;
  for (uint32_t p : image.pixels) ++counts[p];
  // Most frequent colour; ties go to the smaller value so the result does not depend on the
  // hash map's iteration order.
  auto most = counts.begin();
  for (auto it = counts.begin(); it != counts.end(); ++it) {
    if (it->second > most->second || (it->second == most->second && it->first < most->first)) {
      most = it;
    }
  }
  stats.background = most->first;
  stats.distinct_colours = static_cast<int64_t>(counts.size());
  // The count of other pixels over the total, not 1 - background share: a fraction at the
  // threshold then compares exactly with it.
  stats.non_background_fraction = static_cast<double>(image.pixels.size() - most->second) /
                                  static_cast<double>(image.pixels.size());
  return stats;
}

std::string FormatColour(uint32_t rgba) {
  if ((rgba & 0xff) == 0xff) return absl::StrFormat("#%06x", rgba >> 8);
  return absl::StrFormat("#%08x", rgba);
}

absl::Status CheckNotBlank(const ScreenshotStats& stats, const BlankThresholds& thresholds) {
  const std::string where = absl::StrFormat("the %d x %d screenshot (background %s)", stats.width,
                                            stats.height, FormatColour(stats.background));
  if (stats.non_background_fraction <= thresholds.min_non_background_fraction) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "the page looks blank: %.3f%% of the pixels of %s differ from the background; "
        "expected more than %.3f%%",
        100 * stats.non_background_fraction, where, 100 * thresholds.min_non_background_fraction));
  }
  if (stats.distinct_colours < thresholds.min_distinct_colours) {
    return absl::FailedPreconditionError(
        absl::StrFormat("the page looks blank: %s has %d distinct colours; expected at least %d",
                        where, stats.distinct_colours, thresholds.min_distinct_colours));
  }
  return absl::OkStatus();
}

}  // namespace lrb::browser_check
