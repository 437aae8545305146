#include "util/atomic_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/file_size_limit_testing.h"
#include "util/testing/json_file.h"
#include "util/testing/temp_dir.h"

namespace lrb {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

using ::lrb::testing::NewTempDir;
using ::lrb::testing::ReadTextFile;

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(AtomicFile, WritesAndReplacesWithoutLeavingTemporaryFiles) {
  const std::string dir = NewTempDir("write");
  const std::string path = dir + "/a.txt";
  ASSERT_TRUE(WriteFileAtomically(path, "first").ok());
  EXPECT_EQ(ReadTextFile(path), "first");
  ASSERT_TRUE(WriteFileAtomically(path, "second, longer").ok());
  EXPECT_EQ(ReadTextFile(path), "second, longer");
  ASSERT_TRUE(WriteFileAtomically(path, "").ok());
  EXPECT_EQ(ReadTextFile(path), "");
  EXPECT_EQ(Entries(dir), std::vector<std::string>{"a.txt"});
}

TEST(AtomicFile, NewFilesGetTheUsualPermissions) {
  const std::string dir = NewTempDir("mode");
  const mode_t old_mask = ::umask(022);
  ASSERT_TRUE(WriteFileAtomically(dir + "/f", "x").ok());
  ::umask(old_mask);
  struct stat info;
  ASSERT_EQ(::stat((dir + "/f").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);
}

TEST(AtomicFile, AnUncommittedWriterLeavesNothingAndKeepsTheOldContent) {
  const std::string dir = NewTempDir("discard");
  const std::string path = dir + "/b.bin";
  {
    absl::StatusOr<AtomicFileWriter> writer = AtomicFileWriter::Create(path);
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE(writer->Append("partial").ok());
    EXPECT_TRUE(fs::exists(writer->temp_path()));
    EXPECT_FALSE(fs::exists(path));  // nothing under the real name before Commit
  }
  EXPECT_TRUE(Entries(dir).empty());

  ASSERT_TRUE(WriteFileAtomically(path, "old").ok());
  {
    absl::StatusOr<AtomicFileWriter> writer = AtomicFileWriter::Create(path);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->Append("new and unfinished").ok());
    AtomicFileWriter moved = *std::move(writer);  // ownership moves with the writer
    EXPECT_EQ(ReadTextFile(path), "old");
  }
  EXPECT_EQ(ReadTextFile(path), "old");
  EXPECT_EQ(Entries(dir), std::vector<std::string>{"b.bin"});
}

TEST(AtomicFile, MisuseAndImpossiblePathsAreErrorsNamingThePath) {
  const std::string dir = NewTempDir("errors");
  absl::StatusOr<AtomicFileWriter> writer = AtomicFileWriter::Create(dir + "/c");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->Append("abc").ok());
  ASSERT_TRUE(writer->Commit().ok());
  EXPECT_THAT(std::string(writer->Append("more").message()), HasSubstr("after the file was"));
  EXPECT_FALSE(writer->Commit().ok());
  EXPECT_EQ(ReadTextFile(dir + "/c"), "abc");

  const absl::Status missing_dir = WriteFileAtomically(dir + "/no/such/file", "x");
  EXPECT_THAT(std::string(missing_dir.message()), HasSubstr(dir + "/no/such/file"));
  EXPECT_THAT(std::string(missing_dir.message()), HasSubstr("No such file or directory"));

  fs::create_directories(dir + "/sub");
  EXPECT_THAT(std::string(WriteFileAtomically(dir + "/sub", "x").message()),
              HasSubstr("a directory of that name exists"));
  EXPECT_THAT(std::string(WriteFileAtomically(dir + "/", "x").message()),
              HasSubstr("expected a file name"));
  EXPECT_FALSE(WriteFileAtomically("", "x").ok());
  EXPECT_EQ(Entries(dir), (std::vector<std::string>{"c", "sub"}));
}

TEST(AtomicFile, AFailedWriteLeavesNoFileAndNoTemporaryAndSaysWhy) {
  const std::string dir = NewTempDir("efbig");
  const std::string path = dir + "/big.bin";
  const std::string message = RunWithFileSizeLimit(
      1000, [&] { return WriteFileAtomically(path, std::string(5000, 'x')); });
  EXPECT_THAT(message, HasSubstr(path + ": write failed"));
  EXPECT_THAT(message, HasSubstr("File too large"));
  EXPECT_THAT(message, HasSubstr("partial file was removed"));
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(Entries(dir).empty());

  // An existing file keeps its previous content.
  ASSERT_TRUE(WriteFileAtomically(path, "previous").ok());
  const std::string again = RunWithFileSizeLimit(1000, [&]() -> absl::Status {
    absl::StatusOr<AtomicFileWriter> writer = AtomicFileWriter::Create(path);
    if (!writer.ok()) return writer.status();
    for (int chunk = 0; chunk < 10; ++chunk) {
      if (absl::Status s = writer->Append(std::string(300, 'y')); !s.ok()) return s;
    }
    return writer->Commit();
  });
  EXPECT_THAT(again, HasSubstr("File too large"));
  EXPECT_EQ(ReadTextFile(path), "previous");
  EXPECT_EQ(Entries(dir), std::vector<std::string>{"big.bin"});
}

}  // namespace
}  // namespace lrb
