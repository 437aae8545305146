#include "datasets/npy.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <cctype>
#include <new>
#include <type_traits>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "util/atomic_file.h"
#include "util/input_file.h"
#include "util/status_macros.h"

namespace lrb::datasets {
namespace {

static_assert(std::endian::native == std::endian::little,
              ".npy files are read and written as little-endian: a big-endian host needs "
              "byte swapping here");

constexpr char kMagic[] = "\x93NUMPY";
constexpr int64_t kMagicSize = 6;
// NumPy itself refuses headers over 10000 bytes unless told otherwise; a plain array's
// header is under 200. Anything larger is not a file we wrote or can use.
constexpr int64_t kMaxHeaderLen = 1 << 16;
// NumPy 2 allows 64 dimensions.
constexpr size_t kMaxDims = 64;

absl::Status Error(const std::string& path, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", std::string(problem)));
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  if (shape.size() == 1) return absl::StrCat("(", shape[0], ",)");
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

// The header text for an error message: escaped, and cut short when long.
std::string Quoted(std::string_view text) {
  constexpr size_t kMaxShown = 160;
  std::string shown =
      absl::CHexEscape(absl::string_view(text.data(), std::min(text.size(), kMaxShown)));
  if (text.size() > kMaxShown) absl::StrAppend(&shown, "...");
  return absl::StrCat("\"", shown, "\"");
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A strict parser for the one Python literal NumPy writes:
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// Keys in any order, each exactly once, nothing else; Python tuple syntax for the shape
// ("(3,)" for one dimension, "()" for a scalar); whitespace and one trailing comma allowed;
// only whitespace after the closing brace.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  absl::Status Parse(NpyHeader& header) {
    bool has_descr = false, has_order = false, has_shape = false;
    SkipSpace();
    LRB_RETURN_IF_ERROR(Expect('{'));
    SkipSpace();
    while (Peek() != '}') {
      std::string key;
      LRB_RETURN_IF_ERROR(ReadString(key, "a quoted key"));
      SkipSpace();
      LRB_RETURN_IF_ERROR(Expect(':'));
      SkipSpace();
      bool* seen = nullptr;
      if (key == "descr") {
        seen = &has_descr;
        if (Peek() == '[') {
          return Bad("'descr' is a list: structured dtypes are not supported, expected a "
                     "string such as '<f4'");
        }
        LRB_RETURN_IF_ERROR(ReadString(header.descr, "a dtype string such as '<f4'"));
      } else if (key == "fortran_order") {
        seen = &has_order;
        if (ConsumeWord("True")) {
          header.fortran_order = true;
        } else if (ConsumeWord("False")) {
          header.fortran_order = false;
        } else {
          return Bad(absl::StrFormat("'fortran_order' at offset %d is neither True nor False",
                                     pos_));
        }
      } else if (key == "shape") {
        seen = &has_shape;
        LRB_RETURN_IF_ERROR(ReadShape(header.shape));
      } else {
        return Bad(absl::StrCat("unexpected key ", Quoted(key),
                                ": expected only 'descr', 'fortran_order' and 'shape'"));
      }
      if (*seen) return Bad(absl::StrCat("duplicate key '", key, "'"));
      *seen = true;
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        SkipSpace();
      } else if (Peek() != '}') {
        return Bad(absl::StrFormat("expected ',' or '}' at offset %d", pos_));
      }
    }
    ++pos_;  // '}'
    SkipSpace();
    if (pos_ != text_.size()) {
      return Bad(absl::StrFormat("unexpected text after the closing '}' at offset %d", pos_));
    }
    std::vector<std::string> missing;
    if (!has_descr) missing.push_back("'descr'");
    if (!has_order) missing.push_back("'fortran_order'");
    if (!has_shape) missing.push_back("'shape'");
    if (!missing.empty()) return Bad(absl::StrCat("lacks ", absl::StrJoin(missing, ", ")));
    return absl::OkStatus();
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  }
  // `word` not followed by an identifier character ("Truex" is not True).
  bool ConsumeWord(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    const size_t after = pos_ + word.size();
    if (after < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[after])) ||
                                 text_[after] == '_')) {
      return false;
    }
    pos_ = after;
    return true;
  }
  absl::Status Bad(std::string_view what) const {
    return Error(path_, absl::StrFormat("malformed .npy header: %s; header %s", what,
                                        Quoted(text_)));
  }
  absl::Status Expect(char c) {
    if (Peek() != c) return Bad(absl::StrFormat("expected '%c' at offset %d", c, pos_));
    ++pos_;
    return absl::OkStatus();
  }
  absl::Status ReadString(std::string& out, std::string_view what) {
    const char quote = Peek();
    if (quote != '\'' && quote != '"') {
      return Bad(absl::StrFormat("expected %s at offset %d", what, pos_));
    }
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) {
      return Bad(absl::StrFormat("unterminated string at offset %d", pos_));
    }
    const std::string_view body = text_.substr(pos_ + 1, end - pos_ - 1);
    if (body.find('\\') != std::string_view::npos || body.find('\n') != std::string_view::npos) {
      return Bad(absl::StrFormat("escape sequence or line break in the string at offset %d",
                                 pos_));
    }
    out = std::string(body);
    pos_ = end + 1;
    return absl::OkStatus();
  }
  absl::Status ReadDimension(int64_t& value) {
    const size_t start = pos_;
    if (Peek() == '-') {
      return Bad(absl::StrFormat("negative dimension at offset %d: dimensions are >= 0", pos_));
    }
    if (Peek() < '0' || Peek() > '9') {
      return Bad(absl::StrFormat("expected a dimension (a non-negative integer) at offset %d",
                                 pos_));
    }
    if (Peek() == '0' && pos_ + 1 < text_.size() && text_[pos_ + 1] >= '0' &&
        text_[pos_ + 1] <= '9') {
      return Bad(absl::StrFormat("dimension with a leading zero at offset %d", pos_));
    }
    value = 0;
    while (Peek() >= '0' && Peek() <= '9') {
      if (__builtin_mul_overflow(value, int64_t{10}, &value) ||
          __builtin_add_overflow(value, int64_t{Peek() - '0'}, &value)) {
        return Bad(absl::StrFormat("dimension at offset %d does not fit in a signed 64-bit "
                                   "integer",
                                   start));
      }
      ++pos_;
    }
    if (Peek() == 'L') ++pos_;  // Python 2 longs
    return absl::OkStatus();
  }
  absl::Status ReadShape(std::vector<int64_t>& shape) {
    if (Peek() != '(') {
      return Bad(absl::StrFormat("'shape' at offset %d is not a tuple such as (3, 4)", pos_));
    }
    const size_t start = pos_++;
    bool trailing_comma = false;
    while (true) {
      SkipSpace();
      if (Peek() == ')') break;
      if (shape.size() == kMaxDims) {
        return Bad(absl::StrFormat("'shape' has more than %d dimensions", kMaxDims));
      }
      int64_t value = 0;
      LRB_RETURN_IF_ERROR(ReadDimension(value));
      shape.push_back(value);
      trailing_comma = false;
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        trailing_comma = true;
      } else if (Peek() != ')') {
        return Bad(absl::StrFormat("expected ',' or ')' in 'shape' at offset %d", pos_));
      }
    }
    ++pos_;  // ')'
    if (shape.size() == 1 && !trailing_comma) {
      return Bad(absl::StrFormat("'shape' %s at offset %d is an integer in parentheses, not a "
                                 "tuple: a 1-D shape is written (%d,)",
                                 text_.substr(start, pos_ - start), start, shape[0]));
    }
    return absl::OkStatus();
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

// Reads the preamble and header of `file` (leaving it positioned at the data) and checks
// that the data the header declares is exactly what follows, with checked arithmetic, before
// anything of the data's size is allocated.
absl::StatusOr<NpyHeader> ReadHeader(InputFile& file) {
  const std::string& path = file.path();
  const int64_t file_size = file.size();
  char preamble[12];
  const int64_t have = std::min<int64_t>(file_size, 10);
  LRB_RETURN_IF_ERROR(file.Read(preamble, static_cast<size_t>(have)));
  if (have < kMagicSize || std::memcmp(preamble, kMagic, kMagicSize) != 0) {
    return Error(path, "not a .npy file (missing the \\x93NUMPY magic)");
  }
  if (have < 10) {
    return Error(path, absl::StrFormat("truncated .npy preamble: %d bytes", file_size));
  }
  const int major = static_cast<unsigned char>(preamble[6]);
  const int minor = static_cast<unsigned char>(preamble[7]);
  if ((major != 1 && major != 2 && major != 3) || minor != 0) {
    return Error(path, absl::StrFormat("unsupported .npy format version %d.%d: expected 1.0, "
                                       "2.0 or 3.0",
                                       major, minor));
  }
  int64_t header_len = 0, prefix = 10;
  if (major == 1) {
    header_len = static_cast<unsigned char>(preamble[8]) |
                 (static_cast<int64_t>(static_cast<unsigned char>(preamble[9])) << 8);
  } else {
    if (file_size < 12) {
      return Error(path, absl::StrFormat("truncated .npy preamble: %d bytes", file_size));
    }
    LRB_RETURN_IF_ERROR(file.Read(preamble + 10, 2));
    uint32_t len32;
    std::memcpy(&len32, preamble + 8, 4);
    header_len = len32;
    prefix = 12;
  }
  if (header_len > kMaxHeaderLen) {
    return Error(path, absl::StrFormat("header length %d exceeds the %d bytes a plain "
                                       "array's header can need",
                                       header_len, kMaxHeaderLen));
  }
  if (prefix + header_len > file_size) {
    return Error(path, absl::StrFormat("truncated .npy header: %d header bytes declared, the "
                                       "file has %d bytes after the %d-byte preamble",
                                       header_len, file_size - prefix, prefix));
  }
  std::string text(static_cast<size_t>(header_len), '\0');
  LRB_RETURN_IF_ERROR(file.Read(text.data(), text.size()));
  // Versions 1 and 2 are latin-1, 3 is UTF-8; a header NumPy writes for a plain dtype is
  // ASCII either way, and anything else is refused before parsing.
  for (size_t k = 0; k < text.size(); ++k) {
    const unsigned char c = static_cast<unsigned char>(text[k]);
    if ((c < 0x20 && !IsSpace(static_cast<char>(c))) || c >= 0x7f) {
      return Error(path, absl::StrFormat("malformed .npy header: byte 0x%02x at header offset "
                                         "%d is not printable ASCII; header %s",
                                         c, k, Quoted(text)));
    }
  }
  NpyHeader header;
  header.data_offset = prefix + header_len;
  HeaderParser parser(text, path);
  LRB_RETURN_IF_ERROR(parser.Parse(header));
  const int64_t item = ItemSize(header.descr);
  if (item == 0) {
    return Error(path, absl::StrFormat("unsupported dtype '%s': expected '<f4', '<f2', '<i4' "
                                       "or '<i8' (little-endian)",
                                       header.descr));
  }
  if (header.fortran_order) {
    return Error(path, "fortran_order=True is not supported: save the array in C order "
                       "(numpy.ascontiguousarray)");
  }
  const int64_t data_bytes = file_size - header.data_offset;
  int64_t elements = 1, expected = 0;
  bool overflow = false;
  for (const int64_t d : header.shape) overflow |= __builtin_mul_overflow(elements, d, &elements);
  overflow |= __builtin_mul_overflow(elements, item, &expected);
  if (overflow) {
    return Error(path, absl::StrFormat("the header says shape %s of '%s', more than 2^63 "
                                       "bytes of data, but the file has %d data bytes",
                                       ShapeText(header.shape), header.descr, data_bytes));
  }
  if (expected != data_bytes) {
    return Error(path, absl::StrFormat(
                           "%s: the header says shape %s of '%s' (%d data bytes after a %d-byte "
                           "header), but the file has %d bytes",
                           data_bytes < expected ? "truncated" : "trailing bytes",
                           ShapeText(header.shape), header.descr, expected, header.data_offset,
                           file_size));
  }
  return header;
}

// Reads the header's elements of `Stored` from `file` (positioned at the data) into
// `values` as `T`. The element count is bounded by the file size (ReadHeader).
template <typename Stored, typename T>
absl::Status ReadValues(InputFile& file, const NpyHeader& header, std::vector<T>& values,
                        T (*convert)(Stored)) {
  const int64_t count = header.num_elements();
  try {
    values.resize(static_cast<size_t>(count));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "%s: cannot allocate %d values for shape %s", file.path(), count,
        ShapeText(header.shape)));
  }
  if constexpr (std::is_same_v<Stored, T>) {
    return file.Read(values.data(), values.size() * sizeof(T));
  } else {
    constexpr int64_t kChunk = 1 << 16;
    std::vector<Stored> buffer(static_cast<size_t>(std::min(count, kChunk)));
    for (int64_t begin = 0; begin < count; begin += kChunk) {
      const int64_t n = std::min(kChunk, count - begin);
      LRB_RETURN_IF_ERROR(file.Read(buffer.data(), static_cast<size_t>(n) * sizeof(Stored)));
      for (int64_t k = 0; k < n; ++k) values[begin + k] = convert(buffer[k]);
    }
    return absl::OkStatus();
  }
}

float Identity(float x) { return x; }
int64_t Identity64(int64_t x) { return x; }
int64_t WidenInt32(int32_t x) { return x; }

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

// The element count of `shape`, or an error naming `path` when a dimension is negative or
// the product overflows.
absl::StatusOr<int64_t> CheckedCount(const std::string& path, const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (const int64_t d : shape) {
    if (d < 0 || __builtin_mul_overflow(count, d, &count)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: cannot write shape %s: dimensions must be >= 0 with a product that fits in 64 "
          "bits",
          path, ShapeText(shape)));
    }
  }
  return count;
}

template <typename T>
absl::Status WriteRaw(const std::string& path, std::string_view descr, const std::vector<T>& values,
                      const std::vector<int64_t>& shape) {
  LRB_ASSIGN_OR_RETURN(const int64_t count, CheckedCount(path, shape));
  if (count != static_cast<int64_t>(values.size())) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: shape %s holds %d values, got %d",
                                                      path, ShapeText(shape), count,
                                                      values.size()));
  }
  LRB_ASSIGN_OR_RETURN(AtomicFileWriter out, AtomicFileWriter::Create(path));
  LRB_RETURN_IF_ERROR(out.Append(MakeHeader(descr, shape)));
  LRB_RETURN_IF_ERROR(out.Append(values.data(), values.size() * sizeof(T)));
  return out.Commit();
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
  LRB_ASSIGN_OR_RETURN(InputFile file, InputFile::Open(path));
  return ReadHeader(file);
}

absl::StatusOr<NpyArray<float>> ReadNpyFloat(const std::string& path) {
  LRB_ASSIGN_OR_RETURN(InputFile file, InputFile::Open(path));
  LRB_ASSIGN_OR_RETURN(const NpyHeader header, ReadHeader(file));
  NpyArray<float> array{header.descr, header.shape, {}};
  if (header.descr == "<f4") {
    LRB_RETURN_IF_ERROR((ReadValues<float, float>)(file, header, array.values, &Identity));
  } else if (header.descr == "<f2") {
    LRB_RETURN_IF_ERROR((ReadValues<uint16_t, float>)(file, header, array.values, &HalfToFloat));
  } else {
    return Error(path, absl::StrFormat("dtype '%s' where float32 ('<f4') or float16 ('<f2') "
                                       "was expected",
                                       header.descr));
  }
  return array;
}

absl::StatusOr<NpyArray<int64_t>> ReadNpyInt(const std::string& path) {
  LRB_ASSIGN_OR_RETURN(InputFile file, InputFile::Open(path));
  LRB_ASSIGN_OR_RETURN(const NpyHeader header, ReadHeader(file));
  NpyArray<int64_t> array{header.descr, header.shape, {}};
  if (header.descr == "<i8") {
    LRB_RETURN_IF_ERROR((ReadValues<int64_t, int64_t>)(file, header, array.values, &Identity64));
  } else if (header.descr == "<i4") {
    LRB_RETURN_IF_ERROR((ReadValues<int32_t, int64_t>)(file, header, array.values, &WidenInt32));
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
  LRB_RETURN_IF_ERROR(CheckedCount(path, {rows, cols}).status());
  if (chunk_rows < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: chunk_rows=%d, expected >= 1", path, chunk_rows));
  }
  LRB_ASSIGN_OR_RETURN(AtomicFileWriter out, AtomicFileWriter::Create(path));
  LRB_RETURN_IF_ERROR(out.Append(MakeHeader("<f4", {rows, cols})));
  std::vector<float> buffer;
  for (int64_t begin = 0; begin < rows; begin += chunk_rows) {
    const int64_t end = std::min(rows, begin + chunk_rows);
    buffer.resize((end - begin) * cols);
    fill(begin, end, buffer.data());
    LRB_RETURN_IF_ERROR(out.Append(buffer.data(), buffer.size() * sizeof(float)));
  }
  return out.Commit();
}

}  // namespace lrb::datasets
