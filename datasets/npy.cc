#include "datasets/npy.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "util/status_macros.h"

namespace lrb::datasets {
namespace {

static_assert(std::endian::native == std::endian::little,
              ".npy files are read and written as little-endian: a big-endian host needs "
              "byte swapping here");

constexpr char kMagic[] = "\x93NUMPY";
constexpr int64_t kMagicSize = 6;

absl::Status Error(const std::string& path, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", std::string(problem)));
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  if (shape.size() == 1) return absl::StrCat("(", shape[0], ",)");
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

// A parser for the one Python literal NumPy writes: {'descr': '<f4', 'fortran_order':
// False, 'shape': (3, 4), } (keys in any order, trailing commas and spaces allowed).
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  absl::Status Parse(NpyHeader& header) {
    bool has_descr = false, has_order = false, has_shape = false;
    SkipSpace();
    LRB_RETURN_IF_ERROR(Expect('{'));
    while (true) {
      SkipSpace();
      if (Peek() == '}') break;
      std::string key;
      LRB_RETURN_IF_ERROR(ReadString(key));
      SkipSpace();
      LRB_RETURN_IF_ERROR(Expect(':'));
      SkipSpace();
      if (key == "descr") {
        LRB_RETURN_IF_ERROR(ReadString(header.descr));
        has_descr = true;
      } else if (key == "fortran_order") {
        if (Consume("True")) {
          header.fortran_order = true;
        } else if (Consume("False")) {
          header.fortran_order = false;
        } else {
          return Bad("fortran_order is neither True nor False");
        }
        has_order = true;
      } else if (key == "shape") {
        LRB_RETURN_IF_ERROR(ReadShape(header.shape));
        has_shape = true;
      } else {
        return Bad(absl::StrCat("unexpected header key '", key, "'"));
      }
      SkipSpace();
      if (Peek() == ',') ++pos_;
    }
    if (!has_descr || !has_order || !has_shape) {
      return Bad("header lacks one of 'descr', 'fortran_order', 'shape'");
    }
    return absl::OkStatus();
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n')) ++pos_;
  }
  bool Consume(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  absl::Status Bad(std::string_view what) const {
    return Error(path_, absl::StrFormat("malformed .npy header (%s): %s", what, text_));
  }
  absl::Status Expect(char c) {
    if (Peek() != c) return Bad(absl::StrFormat("expected '%c' at offset %d", c, pos_));
    ++pos_;
    return absl::OkStatus();
  }
  absl::Status ReadString(std::string& out) {
    const char quote = Peek();
    if (quote != '\'' && quote != '"') return Bad("expected a quoted string");
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) return Bad("unterminated string");
    out = std::string(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return absl::OkStatus();
  }
  absl::Status ReadShape(std::vector<int64_t>& shape) {
    LRB_RETURN_IF_ERROR(Expect('('));
    while (true) {
      SkipSpace();
      if (Peek() == ')') {
        ++pos_;
        return absl::OkStatus();
      }
      int64_t value = 0;
      bool any = false;
      while (Peek() >= '0' && Peek() <= '9') {
        if (value > (int64_t{1} << 50)) return Bad("dimension too large");
        value = value * 10 + (Peek() - '0');
        ++pos_;
        any = true;
      }
      if (Peek() == 'L') ++pos_;  // Python 2 longs
      if (!any) return Bad("expected a dimension");
      shape.push_back(value);
      SkipSpace();
      if (Peek() == ',') ++pos_;
    }
  }

  std::string_view text_;
  const std::string& path_;
  size_t pos_ = 0;
};

int64_t ItemSize(std::string_view descr) {
  if (descr == "<f4" || descr == "<i4") return 4;
  if (descr == "<f2") return 2;
  if (descr == "<i8") return 8;
  return 0;
}

absl::StatusOr<std::vector<char>> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open for reading"));
  const std::streamsize size = in.tellg();
  in.seekg(0);
  std::vector<char> bytes(static_cast<size_t>(size));
  if (size > 0 && !in.read(bytes.data(), size)) {
    return absl::DataLossError(absl::StrCat(path, ": read failed"));
  }
  return bytes;
}

absl::StatusOr<NpyHeader> ParseHeader(const std::string& path, const char* bytes,
                                      int64_t file_size) {
  if (file_size < kMagicSize + 4 || std::memcmp(bytes, kMagic, kMagicSize) != 0) {
    return Error(path, "not a .npy file (missing the \\x93NUMPY magic)");
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  int64_t header_len = 0, prefix = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) |
                 (static_cast<int64_t>(static_cast<unsigned char>(bytes[9])) << 8);
    prefix = 10;
  } else if (major == 2 || major == 3) {
    if (file_size < 12) return Error(path, "truncated .npy header");
    uint32_t len32;
    std::memcpy(&len32, bytes + 8, 4);
    header_len = len32;
    prefix = 12;
  } else {
    return Error(path, absl::StrFormat("unsupported .npy format version %d.%d", major,
                                       static_cast<unsigned char>(bytes[7])));
  }
  if (prefix + header_len > file_size) return Error(path, "truncated .npy header");
  NpyHeader header;
  header.data_offset = prefix + header_len;
  HeaderParser parser(std::string_view(bytes + prefix, header_len), path);
  LRB_RETURN_IF_ERROR(parser.Parse(header));
  if (header.fortran_order) {
    return Error(path, "fortran_order=True is not supported: save the array in C order "
                       "(numpy.ascontiguousarray)");
  }
  const int64_t item = ItemSize(header.descr);
  if (item == 0) {
    return Error(path, absl::StrFormat("unsupported dtype '%s': expected '<f4', '<f2', '<i4' "
                                       "or '<i8' (little-endian)",
                                       header.descr));
  }
  const int64_t expected = header.data_offset + header.num_elements() * item;
  if (file_size != expected) {
    return Error(path, absl::StrFormat(
                           "%s: the header says shape %s of '%s' (%d data bytes after a %d-byte "
                           "header), but the file has %d bytes",
                           file_size < expected ? "truncated" : "trailing bytes",
                           ShapeText(header.shape), header.descr,
                           header.num_elements() * item, header.data_offset, file_size));
  }
  return header;
}

std::string MakeHeader(std::string_view descr, const std::vector<int64_t>& shape) {
  std::string dict = absl::StrFormat("{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                                     descr, ShapeText(shape));
  // Pad with spaces to a 64-byte boundary, ending in '\n'.
  int64_t prefix = 10;
  int64_t total = prefix + static_cast<int64_t>(dict.size()) + 1;
  if (total - prefix > 65535) prefix = 12;
  total = prefix + static_cast<int64_t>(dict.size()) + 1;
  const int64_t padded = (total + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict.push_back('\n');
  std::string out(kMagic, kMagicSize);
  out.push_back(prefix == 10 ? 1 : 2);
  out.push_back(0);
  const uint32_t len = static_cast<uint32_t>(dict.size());
  out.push_back(static_cast<char>(len & 0xff));
  out.push_back(static_cast<char>((len >> 8) & 0xff));
  if (prefix == 12) {
    out.push_back(static_cast<char>((len >> 16) & 0xff));
    out.push_back(static_cast<char>((len >> 24) & 0xff));
  }
  return out + dict;
}

template <typename T>
absl::Status WriteRaw(const std::string& path, std::string_view descr, const std::vector<T>& values,
                      const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (const int64_t d : shape) count *= d;
  if (count != static_cast<int64_t>(values.size())) {
    return absl::InternalError(absl::StrFormat("%s: shape %s holds %d values, got %d", path,
                                               ShapeText(shape), count, values.size()));
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  const std::string header = MakeHeader(descr, shape);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(values.data()),
            static_cast<std::streamsize>(values.size() * sizeof(T)));
  out.close();
  if (!out) return absl::InternalError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

}  // namespace

int64_t NpyHeader::num_elements() const {
  int64_t count = 1;
  for (const int64_t d : shape) count *= d;
  return count;
}

float HalfToFloat(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000) << 16;
  const uint32_t exponent = (half >> 10) & 0x1f;
  uint32_t mantissa = half & 0x3ff;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000 | (mantissa << 13);  // inf / NaN
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;  // +-0
  } else {
    // Subnormal half: normalise. Value = mantissa * 2^-24.
    int shift = 0;
    while ((mantissa & 0x400) == 0) {
      mantissa <<= 1;
      ++shift;
    }
    mantissa &= 0x3ff;
    bits = sign | (static_cast<uint32_t>(113 - shift) << 23) | (mantissa << 13);
  }
  float out;
  std::memcpy(&out, &bits, sizeof(out));
  return out;
}

absl::StatusOr<NpyHeader> ReadNpyHeader(const std::string& path) {
  LRB_ASSIGN_OR_RETURN(const std::vector<char> bytes, ReadAll(path));
  return ParseHeader(path, bytes.data(), static_cast<int64_t>(bytes.size()));
}

absl::StatusOr<NpyArray<float>> ReadNpyFloat(const std::string& path) {
  LRB_ASSIGN_OR_RETURN(const std::vector<char> bytes, ReadAll(path));
  LRB_ASSIGN_OR_RETURN(const NpyHeader header,
                       ParseHeader(path, bytes.data(), static_cast<int64_t>(bytes.size())));
  NpyArray<float> array{header.descr, header.shape, {}};
  const char* data = bytes.data() + header.data_offset;
  array.values.resize(header.num_elements());
  if (header.descr == "<f4") {
    std::memcpy(array.values.data(), data, array.values.size() * sizeof(float));
  } else if (header.descr == "<f2") {
    for (size_t k = 0; k < array.values.size(); ++k) {
      uint16_t half;
      std::memcpy(&half, data + 2 * k, 2);
      array.values[k] = HalfToFloat(half);
    }
  } else {
    return Error(path, absl::StrFormat("dtype '%s' where float32 ('<f4') or float16 ('<f2') "
                                       "was expected",
                                       header.descr));
  }
  return array;
}

absl::StatusOr<NpyArray<int64_t>> ReadNpyInt(const std::string& path) {
  LRB_ASSIGN_OR_RETURN(const std::vector<char> bytes, ReadAll(path));
  LRB_ASSIGN_OR_RETURN(const NpyHeader header,
                       ParseHeader(path, bytes.data(), static_cast<int64_t>(bytes.size())));
  NpyArray<int64_t> array{header.descr, header.shape, {}};
  const char* data = bytes.data() + header.data_offset;
  array.values.resize(header.num_elements());
  if (header.descr == "<i8") {
    std::memcpy(array.values.data(), data, array.values.size() * sizeof(int64_t));
  } else if (header.descr == "<i4") {
    for (size_t k = 0; k < array.values.size(); ++k) {
      int32_t v;
      std::memcpy(&v, data + 4 * k, 4);
      array.values[k] = v;
    }
  } else {
    return Error(path, absl::StrFormat("dtype '%s' where an integer type ('<i4' or '<i8') "
                                       "was expected",
                                       header.descr));
  }
  return array;
}

absl::Status WriteNpy(const std::string& path, const std::vector<float>& values,
                      const std::vector<int64_t>& shape) {
  return WriteRaw(path, "<f4", values, shape);
}
absl::Status WriteNpy(const std::string& path, const std::vector<int32_t>& values,
                      const std::vector<int64_t>& shape) {
  return WriteRaw(path, "<i4", values, shape);
}
absl::Status WriteNpy(const std::string& path, const std::vector<int64_t>& values,
                      const std::vector<int64_t>& shape) {
  return WriteRaw(path, "<i8", values, shape);
}

absl::Status WriteNpyFloatRows(
    const std::string& path, int64_t rows, int64_t cols, int64_t chunk_rows,
    const std::function<void(int64_t begin, int64_t end, float* out)>& fill) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  const std::string header = MakeHeader("<f4", {rows, cols});
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  std::vector<float> buffer;
  for (int64_t begin = 0; begin < rows && out; begin += chunk_rows) {
    const int64_t end = std::min(rows, begin + chunk_rows);
    buffer.resize((end - begin) * cols);
    fill(begin, end, buffer.data());
    out.write(reinterpret_cast<const char*>(buffer.data()),
              static_cast<std::streamsize>(buffer.size() * sizeof(float)));
  }
  out.close();
  if (!out) return absl::InternalError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

}  // namespace lrb::datasets
