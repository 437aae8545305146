// Opening damaged, unreachable and read-only files: each refusal says what is wrong, and
// nothing is written to a file that is refused or opened read-only.

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/connection.h"
#include "leaderboard/store/schema.h"
#include "leaderboard/store/store.h"
#include "leaderboard/store/test_support.h"

namespace lrb::leaderboard {
namespace {

using ::lrb::leaderboard::testing::FreshDbPath;
using ::lrb::leaderboard::testing::RawDb;
using ::lrb::leaderboard::testing::SampleRun;
using ::lrb::leaderboard::testing::WriteVersion1Database;
using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string Shell(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "<popen failed>";
  char buffer[256];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) out += buffer;
  pclose(pipe);
  return std::string(absl::StripAsciiWhitespace(out));
}

// A database with `runs` finished runs of 40 metrics and 100 feature rows each, closed (so
// its WAL is folded into the file).
void WriteFinishedRuns(const std::string& path, int runs) {
  LRB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(path));
  for (int r = 0; r < runs; ++r) {
    RunRecord run = SampleRun(absl::StrCat("run-", r));
    for (int m = 0; m < 40; ++m) run.metrics.emplace_back(absl::StrCat("metric.", m), 0.5);
    for (int f = 0; f < 100; ++f) run.features.push_back({.feature = f, .best_cosine = 0.9});
    LRB_ASSERT_OK_AND_ASSIGN(const int64_t id, store->BeginRun(run));
    LRB_ASSERT_OK(store->FinishRun(id, run));
  }
}

// The case users met: bytes overwritten in page 9, which PRAGMA integrity_check reports
// as "Page 9: free space corruption", used to be served as good data.
TEST(OpenTest, RefusesACorruptPageAndChangesNothing) {
  const std::string path = FreshDbPath();
  WriteFinishedRuns(path, 4);
  if (HasFatalFailure()) return;
  const std::string page_size = Shell(absl::StrCat("sqlite3 '", path, "' 'PRAGMA page_size'"));
  ASSERT_EQ(page_size, "4096") << "the sqlite3 command line tool is needed";
  ASSERT_GT(std::stoi(Shell(absl::StrCat("sqlite3 '", path, "' 'PRAGMA page_count'"))), 9);
  // Page 9 starts at 8 * page_size; byte 1-2 of a b-tree page header point to its first
  // free block: a pointer into the middle of the cell content corrupts the free list.
  const int64_t offset = 8 * int64_t{4096} + 1;
  ASSERT_EQ(std::system(absl::StrCat("printf '\\017\\360' | dd of='", path, "' bs=1 seek=", offset,
                                     " conv=notrunc status=none")
                            .c_str()),
            0);
  ASSERT_THAT(Shell(absl::StrCat("sqlite3 '", path, "' 'PRAGMA integrity_check'")),
              HasSubstr("Page 9: free space corruption"));
  const std::string before = ReadFile(path);

  for (const bool read_only : {false, true}) {
    SCOPED_TRACE(read_only ? "read-only" : "read-write");
    const auto store = read_only ? Store::OpenReadOnly(path) : Store::Open(path);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss);
    const std::string message(store.status().message());
    EXPECT_THAT(message, HasSubstr(path));
    EXPECT_THAT(message, HasSubstr("is corrupt"));
    EXPECT_THAT(message, HasSubstr("Page 9: free space corruption"));
    EXPECT_THAT(message, HasSubstr("Nothing was changed"));
  }
  EXPECT_EQ(ReadFile(path), before) << "a refused file was modified";
}

TEST(OpenTest, ReadOnlyOpenWritesNothingAndRefusesWrites) {
  const std::string path = FreshDbPath();
  WriteFinishedRuns(path, 2);
  if (HasFatalFailure()) return;
  ASSERT_FALSE(std::filesystem::exists(path + "-wal"));
  const std::string before = ReadFile(path);
  struct stat stat_before {};
  ASSERT_EQ(stat(path.c_str(), &stat_before), 0);
  {
    LRB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::OpenReadOnly(path));
    LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> runs, store->LoadRuns("smoke@1"));
    EXPECT_EQ(runs.size(), 2u);
    const auto claim = store->ClaimRun(SampleRun("new"));
    EXPECT_EQ(claim.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(claim.status().message()), HasSubstr("opened read-only"));
    EXPECT_EQ(store->DeleteRun("run-0").code(), absl::StatusCode::kFailedPrecondition);
  }
  struct stat stat_after {};
  ASSERT_EQ(stat(path.c_str(), &stat_after), 0);
  EXPECT_EQ(ReadFile(path), before);
  EXPECT_EQ(stat_after.st_mtim.tv_sec, stat_before.st_mtim.tv_sec);
  EXPECT_EQ(stat_after.st_mtim.tv_nsec, stat_before.st_mtim.tv_nsec);
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
  EXPECT_FALSE(std::filesystem::exists(path + "-shm"));
}

TEST(OpenTest, ReadOnlyOpenReadsAnOlderSchemaWithoutMigratingTheFile) {
  const std::string path = FreshDbPath();
  WriteVersion1Database(path);
  if (::testing::Test::HasFatalFailure()) return;
  const std::string before = ReadFile(path);
  {
    LRB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::OpenReadOnly(path));
    LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> runs, store->LoadRuns("smoke@1"));
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].run_key, "old-run");
    EXPECT_EQ(runs[0].metrics.size(), 1u);
    EXPECT_EQ(runs[0].features.size(), 1u);
    EXPECT_EQ(runs[0].incomplete, "");
  }
  EXPECT_EQ(ReadFile(path), before);
  RawDb raw(path);
  EXPECT_EQ(raw.Query("PRAGMA user_version"), "1");
}

TEST(OpenTest, SaysWhyAPathCannotBeOpened) {
  const std::string directory = FreshDbPath("a_directory");
  std::filesystem::create_directories(directory);
  const std::string missing_parent = FreshDbPath("no/such/dir/lrb.db");
  const std::string too_long = absl::StrCat(std::filesystem::path(directory).parent_path().string(),
                                            "/", std::string(internal::MaxPathLength(), 'x'),
                                            ".db");
  const std::string missing_file = FreshDbPath("missing.db");
  struct Case {
    std::string path;
    bool read_only;
    std::string why;
  };
  const Case cases[] = {
      {directory, false, "it is a directory"},
      {directory, true, "it is a directory"},
      {missing_parent, false, "does not exist; create it first"},
      {too_long, false, "and SQLite accepts at most"},
      {missing_file, true, "no such file"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    const auto store = c.read_only ? Store::OpenReadOnly(c.path) : Store::Open(c.path);
    ASSERT_FALSE(store.ok());
    const std::string message(store.status().message());
    EXPECT_THAT(message, HasSubstr(absl::StrCat("cannot open ", c.path, ": ")));
    EXPECT_THAT(message, HasSubstr(c.why));
    EXPECT_THAT(message, ::testing::Not(HasSubstr("unable to open database file")));
  }
  EXPECT_FALSE(std::filesystem::exists(missing_file)) << "a read-only open created the file";
}

// File permissions do not bind root, so the permission cases run in a child process that
// gives up root for `nobody`; the child reports over its exit status and a pipe.
class AsNobodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    as_nobody_ = geteuid() == 0;  // unprivileged already: permissions bind as they are
    char dir_template[] = "/tmp/lrb_open_test_XXXXXX";  // reachable by nobody
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    chmod(dir_.c_str(), 0755);
  }
  void TearDown() override {
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all);
    std::error_code ignored;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_, ignored)) {
      std::filesystem::permissions(entry.path(), std::filesystem::perms::owner_all, ignored);
    }
    std::filesystem::remove_all(dir_, ignored);
  }

  // Runs `body` in a child process as nobody (when root); returns what it wrote to `out`,
  // or "<skip: ...>" when the user cannot be changed here (e.g. in a user namespace).
  template <typename Body>
  std::string AsNobody(Body body) {
    int fds[2];
    if (pipe(fds) != 0) return "<pipe failed>";
    const pid_t child = fork();
    if (child == 0) {
      close(fds[0]);
      std::string out;
      if (as_nobody_ && (setgid(65534) != 0 || setuid(65534) != 0)) {
        out = "<skip: cannot become nobody>";
      } else {
        out = body();
      }
      if (write(fds[1], out.data(), out.size()) < 0) _exit(2);
      _exit(0);
    }
    close(fds[1]);
    std::string out;
    char buffer[512];
    ssize_t got;
    while ((got = read(fds[0], buffer, sizeof(buffer))) > 0) out.append(buffer, got);
    close(fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    return out;
  }

  bool as_nobody_ = true;
  std::string dir_;
};

TEST_F(AsNobodyTest, ReadOnlyOpenReadsAWalDatabaseInAReadOnlyDirectory) {
  const std::string path = dir_ + "/lrb.db";
  WriteFinishedRuns(path, 3);
  if (HasFatalFailure()) return;
  chmod(path.c_str(), 0444);
  chmod(dir_.c_str(), 0555);
  const std::string before = ReadFile(path);
  const std::string result = AsNobody([&]() -> std::string {
    auto store = Store::OpenReadOnly(path);
    if (!store.ok()) return std::string(store.status().message());
    auto runs = (*store)->LoadRuns("smoke@1");
    if (!runs.ok()) return std::string(runs.status().message());
    return absl::StrCat("runs: ", runs->size());
  });
  if (absl::StartsWith(result, "<skip")) GTEST_SKIP() << result;
  EXPECT_EQ(result, "runs: 3");
  EXPECT_EQ(ReadFile(path), before);
  EXPECT_FALSE(std::filesystem::exists(path + "-shm"));
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST_F(AsNobodyTest, WritingOpenSaysWhichPermissionIsMissing) {
  const std::string read_only_dir = dir_ + "/ro";
  std::filesystem::create_directories(read_only_dir);
  const std::string existing = read_only_dir + "/existing.db";
  WriteFinishedRuns(existing, 1);
  if (HasFatalFailure()) return;
  chmod(read_only_dir.c_str(), 0555);
  const std::string result = AsNobody([&]() -> std::string {
    std::string out;
    for (const std::string& path : {read_only_dir + "/new.db", existing}) {
      auto store = Store::Open(path);
      out += store.ok() ? "<opened>" : std::string(store.status().message());
      out += "\n";
    }
    return out;
  });
  if (absl::StartsWith(result, "<skip")) GTEST_SKIP() << result;
  EXPECT_THAT(result, HasSubstr(absl::StrCat("cannot open ", read_only_dir,
                                             "/new.db: directory ", read_only_dir,
                                             " is not writable, so the database cannot be "
                                             "created there")));
  EXPECT_THAT(result, HasSubstr(absl::StrCat("cannot open ", existing, ": ")));
  EXPECT_THAT(result, HasSubstr("no permission to write the file"));
}

}  // namespace
}  // namespace lrb::leaderboard
