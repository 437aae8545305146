#include "datasets/npy.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lrb::datasets {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

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
  const std::string f = TempPath("f.npy"), i4 = TempPath("i4.npy"), i8 = TempPath("i8.npy");
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
  const std::string path = TempPath("half.npy");
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

struct BadFile {
  std::string name;
  std::string dict;
  std::string data;
  std::string message;
};

TEST(Npy, RejectsBadFilesNamingFileAndProblem) {
  const float four[4] = {1, 2, 3, 4};
  const std::vector<BadFile> cases = {
      {"fortran", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
       Bytes(four, 16), "fortran_order=True is not supported"},
      {"bigendian", "{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }",
       Bytes(four, 16), "unsupported dtype '>f4'"},
      {"float64", "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", Bytes(four, 16),
       "unsupported dtype '<f8'"},
      {"truncated", "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }",
       Bytes(four, 16), "truncated: the header says shape (5,) of '<f4' (20 data bytes"},
      {"trailing", "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", Bytes(four, 16),
       "trailing bytes"},
      {"nokeys", "{'descr': '<f4', }", Bytes(four, 16), "lacks one of"},
      {"garbage", "[1, 2]", Bytes(four, 16), "malformed .npy header"},
  };
  for (const BadFile& bad : cases) {
    const std::string path = TempPath(bad.name + ".npy");
    WriteRawNpy(path, bad.dict, bad.data);
    const absl::StatusOr<NpyArray<float>> read = ReadNpyFloat(path);
    ASSERT_FALSE(read.ok()) << bad.name;
    EXPECT_THAT(std::string(read.status().message()), HasSubstr(path)) << bad.name;
    EXPECT_THAT(std::string(read.status().message()), HasSubstr(bad.message)) << bad.name;
  }
  const std::string not_npy = TempPath("not.npy");
  std::ofstream(not_npy) << "hello, world";
  EXPECT_THAT(std::string(ReadNpyFloat(not_npy).status().message()), HasSubstr("magic"));
  EXPECT_EQ(ReadNpyFloat(TempPath("missing.npy")).status().code(), absl::StatusCode::kNotFound);

  // A dtype of the wrong kind for the reader.
  const std::string ints = TempPath("ints.npy");
  ASSERT_TRUE(WriteNpy(ints, std::vector<int32_t>{1}, {1}).ok());
  EXPECT_THAT(std::string(ReadNpyFloat(ints).status().message()),
              HasSubstr("dtype '<i4' where float32"));
  EXPECT_THAT(std::string(ReadNpyInt(TempPath("trailing.npy")).status().message()),
              HasSubstr("trailing"));
}

TEST(Npy, StreamsRowsInChunks) {
  const std::string path = TempPath("rows.npy");
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
