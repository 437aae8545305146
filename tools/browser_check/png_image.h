#ifndef LRB_TOOLS_BROWSER_CHECK_PNG_IMAGE_H_
#define LRB_TOOLS_BROWSER_CHECK_PNG_IMAGE_H_

// PNG decoding and encoding through Debian's libpng (its "simplified" API, which handles
// every colour type, bit depth and interlacing), to 8-bit RGBA.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace lrb::browser_check {

// pixels: height x width, row-major, one 0xRRGGBBAA word per pixel.
struct RgbaImage {
  int width = 0;
  int height = 0;
  std::vector<uint32_t> pixels;
};

// InvalidArgument with libpng's reason when `bytes` is not a PNG image; `name` (e.g. the
// file it came from) is quoted in the error.
absl::StatusOr<RgbaImage> DecodePng(std::string_view bytes, const std::string& name);

// The image as PNG bytes (used by tests to build screenshots with known content).
absl::StatusOr<std::string> EncodePng(const RgbaImage& image);

}  // namespace lrb::browser_check

#endif  // LRB_TOOLS_BROWSER_CHECK_PNG_IMAGE_H_
