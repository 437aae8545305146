#include "tools/browser_check/png_image.h"

#include <png.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace lrb::browser_check {
namespace {

uint32_t PackRgba(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

absl::StatusOr<RgbaImage> DecodePng(std::string_view bytes, const std::string& name) {
  png_image png;
  std::memset(&png, 0, sizeof(png));
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, bytes.data(), bytes.size())) {
    return absl::InvalidArgumentError(absl::StrCat(name, " is not a readable PNG image (",
                                                   bytes.size(), " bytes): ", png.message));
  }
  // A screenshot is a few million pixels; a header claiming far more is refused before any
  // allocation is sized by it.
  constexpr uint64_t kMaxPixels = uint64_t{1} << 26;
  if (uint64_t{png.width} * png.height > kMaxPixels) {
    png_image_free(&png);
    return absl::InvalidArgumentError(absl::StrCat(name, " claims ", png.width, " x ", png.height,
                                                   " pixels; at most ", kMaxPixels,
                                                   " are accepted"));
  }
  png.format = PNG_FORMAT_RGBA;
  std::vector<uint8_t> raw(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, /*background=*/nullptr, raw.data(), /*row_stride=*/0,
                             /*colormap=*/nullptr)) {
    const std::string reason = png.message;
    png_image_free(&png);
    return absl::InvalidArgumentError(absl::StrCat(name, " is a damaged PNG image: ", reason));
  }
  RgbaImage image;
  image.width = static_cast<int>(png.width);
  image.height = static_cast<int>(png.height);
  image.pixels.resize(static_cast<size_t>(image.width) * image.height);
  for (size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = PackRgba(&raw[4 * i]);
  return image;
}

absl::StatusOr<std::string> EncodePng(const RgbaImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height) {
    return absl::InvalidArgumentError(absl::StrCat("cannot encode a ", image.width, " x ",
                                                   image.height, " image with ",
                                                   image.pixels.size(), " pixels"));
  }
  std::vector<uint8_t> raw(4 * image.pixels.size());
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    const uint32_t p = image.pixels[i];
    raw[4 * i + 0] = static_cast<uint8_t>(p >> 24);
    raw[4 * i + 1] = static_cast<uint8_t>(p >> 16);
    raw[4 * i + 2] = static_cast<uint8_t>(p >> 8);
    raw[4 * i + 3] = static_cast<uint8_t>(p);
  }
  png_image png;
  std::memset(&png, 0, sizeof(png));
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = PNG_FORMAT_RGBA;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&png, nullptr, &size, /*convert_to_8_bit=*/0, raw.data(),
                                 /*row_stride=*/0, /*colormap=*/nullptr)) {
    return absl::InternalError(absl::StrCat("libpng cannot size the image: ", png.message));
  }
  std::string bytes(size, '\0');
  if (!png_image_write_to_memory(&png, bytes.data(), &size, 0, raw.data(), 0, nullptr)) {
    return absl::InternalError(absl::StrCat("libpng cannot encode the image: ", png.message));
  }
  bytes.resize(size);
  return bytes;
}

}  // namespace lrb::browser_check
