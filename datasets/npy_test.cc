#include "datasets/npy.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/file_size_limit_testing.h"
#include "util/testing/json_file.h"
#include "util/testing/temp_dir.h"

namespace lrb::datasets {
namespace {

using ::testing::HasSubstr;

using ::lrb::testing::FreshTempPath;
using ::lrb::testing::ReadTextFile;

// A hand-made .npy file: magic, version, header length, the dict text, then `data`.
void WriteRawNpy(const std::string& path, const std::string& dict, const std::string& data,
                 int major = 1) {
  std::string header = dict + "\n";
  std::string out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back(0);
  const uint32_t len = static_cast<uint32_t>(header.size());
  out.append(reinterpret_cast<const char*>(&len), major == 1 ? 2 : 4);
  std::ofstream(path, std::ios::binary) << out << header << data;
}

std::string Bytes(const void* data, size_t size) {
  return std::string(static_cast<const char*>(data), size);
}

TEST(Npy, RoundTripsEverySupportedDtype) {
  const std::string f = FreshTempPath("f.npy"), i4 = FreshTempPath("i4.npy"), i8 = FreshTempPath("i8.npy");
  const std::vector<float> floats = {1.5f, -2.0f, 0.0f, 3.25f, 1e-30f, 7.0f};
  ASSERT_TRUE(WriteNpy(f, floats, {2, 3}).ok());
  const absl::StatusOr<NpyArray<float>> f_read = ReadNpyFloat(f);
  ASSERT_TRUE(f_read.ok()) << f_read.status();
  EXPECT_EQ(f_read->descr, "<f4");
  EXPECT_EQ(f_read->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(f_read->values, floats);

  ASSERT_TRUE(WriteNpy(i4, std::vector<int32_t>{-1, 5, 7}, {3}).ok());
  ASSERT_TRUE(WriteNpy(i8, std::vector<int64_t>{int64_t{1} << 40}, {1}).ok());
  EXPECT_EQ(ReadNpyInt(i4)->values, (std::vector<int64_t>{-1, 5, 7}));
  EXPECT_EQ(ReadNpyInt(i4)->descr, "<i4");
  EXPECT_EQ(ReadNpyInt(i8)->values, (std::vector<int64_t>{int64_t{1} << 40}));

  // Empty arrays and the 64-byte data alignment NumPy uses.
  ASSERT_TRUE(WriteNpy(f, std::vector<float>{}, {0, 4}).ok());
  const absl::StatusOr<NpyHeader> header = ReadNpyHeader(f);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->shape, (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(header->data_offset % 64, 0);
}

TEST(Npy, ReadsVersion2HeadersAndHalfPrecision) {
  const std::string path = FreshTempPath("half.npy");
  const uint16_t halves[] = {0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000};
  WriteRawNpy(path, "{'descr': '<f2', 'fortran_order': False, 'shape': (5,), }",
              Bytes(halves, sizeof(halves)), /*major=*/2);
  const absl::StatusOr<NpyArray<float>> read = ReadNpyFloat(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->values, (std::vector<float>{1.0f, -2.0f, 65504.0f, std::ldexp(1.0f, -24), -0.0f}));
  EXPECT_TRUE(std::signbit(read->values[4]));
}

TEST(Npy, HalfToFloatIsExactOnEveryClass) {
  EXPECT_EQ(HalfToFloat(0x0000), 0.0f);
  EXPECT_EQ(HalfToFloat(0x3555), 0.333251953125f);
  EXPECT_EQ(HalfToFloat(0x03ff), std::ldexp(1023.0f, -24));  // largest subnormal
  EXPECT_EQ(HalfToFloat(0x0400), std::ldexp(1.0f, -14));     // smallest normal
  EXPECT_EQ(HalfToFloat(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(HalfToFloat(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(HalfToFloat(0x7e00)));
  // Every finite half converts to the float with the same value: check monotonicity and
  // the spacing of consecutive positive halves.
  for (uint16_t h = 1; h < 0x7c00; ++h) {
    ASSERT_LT(HalfToFloat(h - 1), HalfToFloat(h)) << std::hex << h;
  }
}

// A .npy file's bytes: magic, version, header length (2 bytes for major 1, else 4), the dict
// text plus "\n", then `data`.
std::string NpyBytes(const std::string& dict, const std::string& data = "", int major = 1,
                     int minor = 0) {
  const std::string header = dict + "\n";
  std::string out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back(static_cast<char>(minor));
  const uint32_t len = static_cast<uint32_t>(header.size());
  out.append(reinterpret_cast<const char*>(&len), major == 1 ? 2 : 4);
  return out + header + data;
}

std::string Dict(const std::string& descr, const std::string& shape,
                 const std::string& order = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': " + shape + ", }";
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

struct BadFile {
  std::string name;
  std::string bytes;
  std::string message;
};

// Every way a .npy file can be wrong that we know of: each is an error naming the file and
// the problem, never a crash, a hang or an allocation of the declared size.
TEST(Npy, RejectsBadFilesNamingFileAndProblem) {
  const float four[4] = {1, 2, 3, 4};
  const std::string data = Bytes(four, 16);
  std::string many_dims = "(";
  for (int k = 0; k < 65; ++k) many_dims += "1, ";
  many_dims += ")";
  std::string huge_len("\x93NUMPY\x02\x00\xff\xff\xff\xff", 12);
  huge_len += "{}";
  const std::vector<BadFile> cases = {
      // Sizes: the product of the shape and the item size must not wrap around. 2^31 x 2^31
      // x 4 bytes wraps to exactly 0, the size of this file's data.
      {"overflow", NpyBytes(Dict("<f4", "(2147483648, 2147483648)")),
       "shape (2147483648, 2147483648) of '<f4', more than 2^63 bytes"},
      {"overflow3", NpyBytes(Dict("<i8", "(4294967296, 4294967296, 4)")), "more than 2^63"},
      {"overflow_item", NpyBytes(Dict("<i8", "(2305843009213693952,)")), "more than 2^63"},
      {"dim_too_big", NpyBytes(Dict("<f4", "(99999999999999999999,)")),
       "does not fit in a signed 64-bit integer"},
      {"negative", NpyBytes(Dict("<f4", "(-1, 4)"), data), "negative dimension"},
      {"negative_product", NpyBytes(Dict("<f4", "(-2, -2)"), data), "negative dimension"},
      {"leading_zero", NpyBytes(Dict("<f4", "(04,)"), data), "leading zero"},
      {"not_tuple", NpyBytes(Dict("<f4", "(4)"), data), "not a tuple: a 1-D shape is written (4,)"},
      {"list_shape", NpyBytes(Dict("<f4", "[4]"), data), "is not a tuple"},
      {"float_dim", NpyBytes(Dict("<f4", "(4.0,)"), data), "expected ',' or ')'"},
      {"too_many_dims", NpyBytes(Dict("<f4", many_dims), data), "more than 64 dimensions"},
      {"truncated", NpyBytes(Dict("<f4", "(5,)"), data),
       "truncated: the header says shape (5,) of '<f4' (20 data bytes"},
      {"trailing", NpyBytes(Dict("<f4", "(3,)"), data), "trailing bytes"},
      {"zero_length_with_data", NpyBytes(Dict("<f4", "(0,)"), data), "trailing bytes"},
      // Dtypes and layout.
      {"fortran", NpyBytes(Dict("<f4", "(2, 2)", "True"), data),
       "fortran_order=True is not supported"},
      {"bigendian", NpyBytes(Dict(">f4", "(4,)"), data), "unsupported dtype '>f4'"},
      {"bool", NpyBytes(Dict("|b1", "(16,)"), data), "unsupported dtype '|b1'"},
      {"float64", NpyBytes(Dict("<f8", "(2,)"), data), "unsupported dtype '<f8'"},
      {"uint32", NpyBytes(Dict("<u4", "(4,)"), data), "unsupported dtype '<u4'"},
      {"native", NpyBytes(Dict("=f4", "(4,)"), data), "unsupported dtype '=f4'"},
      {"structured",
       NpyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,), }", data),
       "structured dtypes are not supported"},
      // The dict itself.
      {"nokeys", NpyBytes("{'descr': '<f4', }", data), "lacks 'fortran_order', 'shape'"},
      {"empty_dict", NpyBytes("{}", data), "lacks 'descr', 'fortran_order', 'shape'"},
      {"duplicate",
       NpyBytes("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4,), }",
                data),
       "duplicate key 'descr'"},
      {"unknown_key",
       NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x': 1}", data),
       "unexpected key \"x\""},
      {"missing_comma", NpyBytes("{'descr': '<f4' 'fortran_order': False, 'shape': (4,)}", data),
       "expected ',' or '}'"},
      {"after_brace", NpyBytes(Dict("<f4", "(4,)") + " junk", data),
       "unexpected text after the closing '}'"},
      {"second_dict", NpyBytes(Dict("<f4", "(4,)") + Dict("<f4", "(4,)"), data),
       "unexpected text after the closing '}'"},
      {"garbage", NpyBytes("[1, 2]", data), "malformed .npy header"},
      {"empty_header", NpyBytes("", data), "expected '{'"},
      {"unterminated", NpyBytes("{'descr: <f4}", data), "unterminated string"},
      {"escape", NpyBytes(Dict("<f\\x34", "(4,)"), data), "escape sequence"},
      {"truex", NpyBytes(Dict("<f4", "(4,)", "Truex"), data), "neither True nor False"},
      {"unicode_v3", NpyBytes(Dict("<f4", "(4,)") + " # \xc3\xa9", data, 3),
       "byte 0xc3 at header offset"},
      {"unicode_key", NpyBytes("{'d\xc3\xa9scr': '<f4'}", data), "not printable ASCII"},
      {"nul_byte", NpyBytes(std::string("{'descr': '<f4'\0}", 17), data), "byte 0x00"},
      // Preamble.
      {"version_4", NpyBytes(Dict("<f4", "(4,)"), data, 4), "unsupported .npy format version 4.0"},
      {"version_1_1", NpyBytes(Dict("<f4", "(4,)"), data, 1, 1), "version 1.1"},
      {"huge_header_len", huge_len, "header length 4294967295 exceeds"},
      {"header_past_end", std::string("\x93NUMPY\x01\x00\xff\x7f{}", 12),
       "truncated .npy header: 32767 header bytes declared"},
      {"empty_file", "", "missing the \\x93NUMPY magic"},
      {"short_magic", "\x93NUM", "missing the \\x93NUMPY magic"},
      {"no_length", std::string("\x93NUMPY\x01\x00\x10", 9), "truncated .npy preamble: 9 bytes"},
      {"v2_no_length", std::string("\x93NUMPY\x02\x00\x10\x00\x00", 11),
       "truncated .npy preamble: 11 bytes"},
      {"text", "hello, world", "missing the \\x93NUMPY magic"},
  };
  for (const BadFile& bad : cases) {
    const std::string path = FreshTempPath(bad.name + ".npy");
    WriteBytes(path, bad.bytes);
    for (const absl::Status& status :
         {ReadNpyFloat(path).status(), ReadNpyInt(path).status(), ReadNpyHeader(path).status()}) {
      ASSERT_FALSE(status.ok()) << bad.name;
      EXPECT_THAT(std::string(status.message()), HasSubstr(path + ": ")) << bad.name;
      // The integer reader sees the same header problems, except a dtype it does not take.
      if (status.message().find("where") == absl::string_view::npos) {
        EXPECT_THAT(std::string(status.message()), HasSubstr(bad.message)) << bad.name;
      }
    }
  }
  EXPECT_EQ(ReadNpyFloat(FreshTempPath("missing.npy")).status().code(), absl::StatusCode::kNotFound);

  // A dtype of the wrong kind for the reader.
  const std::string ints = FreshTempPath("ints.npy");
  ASSERT_TRUE(WriteNpy(ints, std::vector<int32_t>{1}, {1}).ok());
  EXPECT_THAT(std::string(ReadNpyFloat(ints).status().message()),
              HasSubstr("dtype '<i4' where float32"));
  const std::string floats = FreshTempPath("floats.npy");
  ASSERT_TRUE(WriteNpy(floats, std::vector<float>{1}, {1}).ok());
  EXPECT_THAT(std::string(ReadNpyInt(floats).status().message()),
              HasSubstr("dtype '<f4' where an integer type"));
}

TEST(Npy, ReadsEveryValidLayoutNumPyWrites) {
  const float four[4] = {1, 2, 3, 4};
  const std::string data = Bytes(four, 16);
  struct Good {
    std::string name;
    std::string bytes;
    std::vector<int64_t> shape;
  };
  const std::vector<Good> cases = {
      {"v1", NpyBytes(Dict("<f4", "(2, 2)"), data), {2, 2}},
      {"v2", NpyBytes(Dict("<f4", "(4,)"), data, 2), {4}},
      {"v3", NpyBytes(Dict("<f4", "(4,)"), data, 3), {4}},
      {"scalar", NpyBytes(Dict("<f4", "()"), Bytes(four, 4)), {}},
      {"empty", NpyBytes(Dict("<f4", "(0,)")), {0}},
      {"empty_2d", NpyBytes(Dict("<f4", "(0, 4)")), {0, 4}},
      {"huge_empty", NpyBytes(Dict("<f4", "(0, 9223372036854775807)")), {0, 9223372036854775807}},
      {"spacing",
       NpyBytes("{ \"shape\" : (4 ,) ,\t'fortran_order':False,'descr':'<f4'}   ", data), {4}},
      {"long_suffix", NpyBytes(Dict("<f4", "(2L, 2L)"), data), {2, 2}},
      {"no_trailing_comma", NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4)}",
                                     data),
       {1, 4}},
  };
  for (const Good& good : cases) {
    const std::string path = FreshTempPath(good.name + ".npy");
    WriteBytes(path, good.bytes);
    const absl::StatusOr<NpyArray<float>> read = ReadNpyFloat(path);
    ASSERT_TRUE(read.ok()) << good.name << ": " << read.status();
    EXPECT_EQ(read->shape, good.shape) << good.name;
    int64_t count = 1;
    for (const int64_t d : good.shape) count *= d;
    ASSERT_EQ(static_cast<int64_t>(read->values.size()), count) << good.name;
    for (int64_t k = 0; k < count; ++k) EXPECT_EQ(read->values[k], four[k]) << good.name;
  }
}

TEST(Npy, RefusesPathsThatAreNotRegularFiles) {
  const std::string dir = FreshTempPath("a_directory");
  std::filesystem::create_directories(dir);
  EXPECT_THAT(std::string(ReadNpyFloat(dir).status().message()),
              HasSubstr(dir + " is a directory, expected a regular file"));
  EXPECT_THAT(std::string(ReadNpyInt("/dev/zero").status().message()),
              HasSubstr("/dev/zero is a character device"));
  const std::string fifo = FreshTempPath("fifo.npy");
  std::filesystem::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THAT(std::string(ReadNpyHeader(fifo).status().message()), HasSubstr("FIFO"));
  const std::string loop = FreshTempPath("loop.npy");
  std::filesystem::remove(loop);
  std::filesystem::create_symlink(loop, loop);
  EXPECT_THAT(std::string(ReadNpyFloat(loop).status().message()),
              HasSubstr("Too many levels of symbolic links"));
}

// Every prefix of a valid file, and every single-byte change of its header, is either an
// error naming the file or a consistent array: never a crash.
TEST(Npy, TruncationsAndByteFlipsAreErrorsOrConsistent) {
  const std::string good = FreshTempPath("good.npy");
  ASSERT_TRUE(WriteNpy(good, std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3}).ok());
  const std::string bytes = ReadTextFile(good);
  const std::string path = FreshTempPath("mutant.npy");
  for (size_t size = 0; size < bytes.size(); ++size) {
    WriteBytes(path, bytes.substr(0, size));
    const absl::Status status = ReadNpyFloat(path).status();
    ASSERT_FALSE(status.ok()) << "prefix of " << size << " bytes";
    EXPECT_THAT(std::string(status.message()), HasSubstr(path)) << size;
  }
  const int64_t header_size = ReadNpyHeader(good)->data_offset;
  for (int64_t pos = 0; pos < header_size; ++pos) {
    for (const int flip : {0x01, 0x20, 0x80, 0xff}) {
      std::string mutant = bytes;
      mutant[pos] = static_cast<char>(mutant[pos] ^ flip);
      WriteBytes(path, mutant);
      const absl::StatusOr<NpyArray<float>> read = ReadNpyFloat(path);
      if (!read.ok()) {
        EXPECT_THAT(std::string(read.status().message()), HasSubstr(path)) << pos;
        continue;
      }
      int64_t count = 1;
      for (const int64_t d : read->shape) count *= d;
      EXPECT_EQ(static_cast<int64_t>(read->values.size()), count) << pos;
      EXPECT_EQ(count * 4 + ReadNpyHeader(path)->data_offset,
                static_cast<int64_t>(mutant.size()))
          << pos;
    }
  }
}

TEST(Npy, WritersRefuseInconsistentShapes) {
  const std::string path = FreshTempPath("inconsistent.npy");
  std::filesystem::remove(path);
  EXPECT_THAT(std::string(WriteNpy(path, std::vector<float>{1, 2, 3}, {2, 2}).message()),
              HasSubstr("shape (2, 2) holds 4 values, got 3"));
  EXPECT_THAT(std::string(WriteNpy(path, std::vector<float>{}, {-1, 0}).message()),
              HasSubstr("dimensions must be >= 0"));
  EXPECT_THAT(std::string(WriteNpy(path, std::vector<int64_t>{},
                                   {int64_t{1} << 32, int64_t{1} << 32}).message()),
              HasSubstr("fits in 64 bits"));
  EXPECT_THAT(std::string(WriteNpyFloatRows(path, 2, 2, 0, [](int64_t, int64_t, float*) {})
                              .message()),
              HasSubstr("chunk_rows=0"));
  EXPECT_FALSE(std::filesystem::exists(path));
}

// A writer that fails part-way (here: the file-size limit, as on a full disk) leaves no
// file under the target name and no temporary file; an existing file keeps its content.
TEST(Npy, FailedWritesLeaveNoPartialFile) {
  const std::string dir = FreshTempPath("npy_efbig");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/x.npy";
  const std::vector<float> big(10000, 1.0f);
  EXPECT_THAT(RunWithFileSizeLimit(4096, [&] { return WriteNpy(path, big, {100, 100}); }),
              HasSubstr(path + ": write failed"));
  EXPECT_TRUE(std::filesystem::is_empty(dir));

  ASSERT_TRUE(WriteNpy(path, std::vector<float>{7}, {1}).ok());
  const std::string message = RunWithFileSizeLimit(4096, [&] {
    return WriteNpyFloatRows(path, 100, 100, 7, [](int64_t begin, int64_t end, float* out) {
      std::fill(out, out + (end - begin) * 100, 2.0f);
    });
  });
  EXPECT_THAT(message, HasSubstr("File too large"));
  const absl::StatusOr<NpyArray<float>> kept = ReadNpyFloat(path);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->values, std::vector<float>{7});
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(Npy, StreamsRowsInChunks) {
  const std::string path = FreshTempPath("rows.npy");
  ASSERT_TRUE(WriteNpyFloatRows(path, 7, 3, 2, [](int64_t begin, int64_t end, float* out) {
                for (int64_t r = begin; r < end; ++r) {
                  for (int64_t c = 0; c < 3; ++c) out[(r - begin) * 3 + c] = 10.0f * r + c;
                }
              }).ok());
  const absl::StatusOr<NpyArray<float>> read = ReadNpyFloat(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->shape, (std::vector<int64_t>{7, 3}));
  EXPECT_EQ(read->values[6 * 3 + 2], 62.0f);
}

}  // namespace
}  // namespace lrb::datasets
