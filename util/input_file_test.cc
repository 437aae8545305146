#include "util/input_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/testing/temp_dir.h"

namespace lrb {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

using ::lrb::testing::NewTempDir;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(InputFile, ReadsARegularFileAndKnowsItsSize) {
  const std::string path = NewTempDir("regular") + "/f";
  std::ofstream(path) << "hello";
  absl::StatusOr<InputFile> file = InputFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->size(), 5);
  char buffer[5];
  ASSERT_TRUE(file->Read(buffer, 5).ok());
  EXPECT_EQ(std::string(buffer, 5), "hello");
  const absl::Status past_end = file->Read(buffer, 1);
  EXPECT_EQ(past_end.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Message(past_end), HasSubstr(path + ": the file ended at byte 5"));
  EXPECT_EQ(*ReadSmallFile(path, 5), "hello");
  EXPECT_THAT(Message(ReadSmallFile(path, 4).status()), HasSubstr("more than the 4"));
}

TEST(InputFile, AFileThatShrinksAfterOpenIsDataLossNotACrash) {
  const std::string path = NewTempDir("shrink") + "/f";
  std::ofstream(path) << std::string(100, 'a');
  absl::StatusOr<InputFile> file = InputFile::Open(path);
  ASSERT_TRUE(file.ok());
  fs::resize_file(path, 10);
  std::string buffer(100, '\0');
  EXPECT_THAT(Message(file->Read(buffer.data(), 100)), HasSubstr("ended at byte 10"));
}

TEST(InputFile, RefusesEverythingThatIsNotARegularFileWithoutBlocking) {
  const std::string dir = NewTempDir("kinds");
  struct Case {
    std::string path;
    std::string message;
  };
  ASSERT_EQ(::mkfifo((dir + "/fifo").c_str(), 0600), 0);
  fs::create_symlink(dir + "/loop_b", dir + "/loop_a");
  fs::create_symlink(dir + "/loop_a", dir + "/loop_b");
  fs::create_symlink(dir + "/nothing", dir + "/dangling");
  std::ofstream(dir + "/file") << "x";
  const Case cases[] = {
      {dir, "is a directory, expected a regular file"},
      {dir + "/fifo", "is a FIFO (named pipe), expected a regular file"},
      {"/dev/zero", "is a character device, expected a regular file"},
      {dir + "/loop_a", "Too many levels of symbolic links"},
      {dir + "/dangling", "No such file or directory"},
      {dir + "/missing", "No such file or directory"},
      {dir + "/file/below", "Not a directory"},
  };
  for (const Case& c : cases) {
    const absl::StatusOr<InputFile> file = InputFile::Open(c.path);
    ASSERT_FALSE(file.ok()) << c.path;
    EXPECT_THAT(Message(file.status()), HasSubstr(c.path)) << c.path;
    EXPECT_THAT(Message(file.status()), HasSubstr(c.message)) << c.path;
    EXPECT_FALSE(ReadSmallFile(c.path, 1 << 20).ok()) << c.path;
  }
  EXPECT_EQ(InputFile::Open(dir + "/missing").status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(InputFile::Open("").ok());
}

}  // namespace
}  // namespace lrb
