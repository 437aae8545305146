// `lrb report` through the real binary, on a tiny suite trained once: the page it writes and
// its errors (docs/report.md).

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/store.h"
#include "tests/lrb_process.h"
#include "util/testing/json_file.h"
#include "util/testing/status_matchers.h"
#include "util/testing/temp_dir.h"

namespace lrb {
namespace {

using ::testing::HasSubstr;
using testing::LrbResult;
using ::testing::Not;
using testing::RunLrb;

class ReportCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::lrb::testing::NewTempDir("report"));
    const LrbResult generate = RunLrb(absl::StrCat("generate --suite=tiny --out=", Path("data")));
    ASSERT_EQ(generate.exit_code, 0) << generate.output();
    const LrbResult run =
        RunLrb(absl::StrCat("run --suite=tiny --data=", Path("data"), " --db=", Path("runs.db")));
    ASSERT_EQ(run.exit_code, 0) << run.output();
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string Path(const std::string& name) { return absl::StrCat(*dir_, "/", name); }
  static std::string* dir_;
};
std::string* ReportCliTest::dir_ = nullptr;

TEST_F(ReportCliTest, WritesOneSelfContainedPageWithThePlots) {
  const std::string out = Path("tiny.html");
  const LrbResult report =
      RunLrb(absl::StrCat("report --suite=tiny --db=", Path("runs.db"), " --out=", out));
  ASSERT_EQ(report.exit_code, 0) << report.output();
  EXPECT_THAT(report.out, HasSubstr("wrote " + out));
  const std::string html = ::lrb::testing::ReadTextFile(out);
  EXPECT_LT(html.size(), 1u << 20);
  EXPECT_THAT(html, HasSubstr("LRB report: suite tiny@1"));
  // Two methods (with and without anchoring) on two backends: four series per curve.
  EXPECT_THAT(html, HasSubstr("data-plot=\"m_gt_tau\" data-series=\"4\""));
  EXPECT_THAT(html, HasSubstr("data-plot=\"decoder_m_gt_tau\" data-series=\"4\""));
  EXPECT_THAT(html, HasSubstr("data-plot=\"recovery_l0\" data-series=\"5\""));
  EXPECT_THAT(html, HasSubstr("data-plot=\"anchoring\" data-series=\"2\""));
  EXPECT_THAT(html, HasSubstr("data-plot=\"speed\" data-series=\"2\""));
  for (int run = 0; run < 4; ++run) {
    EXPECT_THAT(html, HasSubstr(absl::StrCat("data-plot=\"cosines-", run, "\""))) << run;
  }
  for (const char* outside : {"http://", "https://", "<link", " src="}) {
    EXPECT_THAT(html, Not(HasSubstr(outside))) << outside;
  }
  // Written atomically: no temporary file left beside it.
  for (const auto& entry : std::filesystem::directory_iterator(*dir_)) {
    EXPECT_THAT(entry.path().filename().string(), Not(HasSubstr(".tmp-")));
  }
}

TEST_F(ReportCliTest, ReportsOnADatasetDirectory) {
  const std::string out = Path("dataset.html");
  const LrbResult report = RunLrb(absl::StrCat("report --dataset=", Path("data/dataset_00"),
                                               " --db=", Path("runs.db"), " --out=", out));
  ASSERT_EQ(report.exit_code, 0) << report.output();
  const std::string html = ::lrb::testing::ReadTextFile(out);
  EXPECT_THAT(html, HasSubstr("LRB report: dataset lrb(n=64"));
  EXPECT_THAT(html, HasSubstr("4 finished run(s)"));
}

TEST_F(ReportCliTest, AnUnknownSuiteIsAUsageError) {
  const LrbResult report = RunLrb(
      absl::StrCat("report --suite=tinny --db=", Path("runs.db"), " --out=", Path("x.html")));
  EXPECT_EQ(report.exit_code, 2);
  EXPECT_THAT(report.err, HasSubstr("unknown suite \"tinny\""));
  EXPECT_THAT(report.err, HasSubstr("did you mean --suite=tiny?"));
  EXPECT_FALSE(std::filesystem::exists(Path("x.html")));
}

TEST_F(ReportCliTest, WithoutOutIsAUsageError) {
  const LrbResult report = RunLrb(absl::StrCat("report --suite=tiny --db=", Path("runs.db")));
  EXPECT_EQ(report.exit_code, 2);
  EXPECT_THAT(report.err, HasSubstr("--out"));
}

TEST_F(ReportCliTest, AMissingDatabaseIsNamedAndNotCreated) {
  const std::string db = Path("missing.db");
  const LrbResult report =
      RunLrb(absl::StrCat("report --suite=tiny --db=", db, " --out=", Path("missing.html")));
  EXPECT_EQ(report.exit_code, 1);
  EXPECT_THAT(report.err, HasSubstr("no database at " + db));
  EXPECT_FALSE(std::filesystem::exists(db));
  EXPECT_FALSE(std::filesystem::exists(Path("missing.html")));
}

TEST_F(ReportCliTest, AnUnwritableOutIsNamed) {
  const std::string in_missing_dir = Path("no_such_dir/report.html");
  const LrbResult missing_dir =
      RunLrb(absl::StrCat("report --suite=tiny --db=", Path("runs.db"), " --out=", in_missing_dir));
  EXPECT_EQ(missing_dir.exit_code, 1);
  EXPECT_THAT(missing_dir.err, HasSubstr(in_missing_dir));
  const LrbResult a_directory =
      RunLrb(absl::StrCat("report --suite=tiny --db=", Path("runs.db"), " --out=", Path("data")));
  EXPECT_EQ(a_directory.exit_code, 1);
  EXPECT_THAT(a_directory.err, HasSubstr(Path("data")));
  EXPECT_TRUE(std::filesystem::is_directory(Path("data")));
}

// An empty database is an error, not an empty page: it most likely means a mistyped --db or
// --suite. The previous page at --out is left as it was.
TEST_F(ReportCliTest, ADatabaseWithoutTheSuitesRunsIsAnErrorAndKeepsTheOldPage) {
  const std::string db = Path("empty.db");
  {
    auto store = leaderboard::Store::Open(db);
    LRB_ASSERT_OK(store.status());
  }
  const std::string out = Path("old.html");
  std::ofstream(out) << "old page";
  const LrbResult report = RunLrb(absl::StrCat("report --suite=tiny --db=", db, " --out=", out));
  EXPECT_EQ(report.exit_code, 1);
  EXPECT_THAT(report.err, HasSubstr("no runs of suite tiny@1 in " + db));
  EXPECT_THAT(report.err, HasSubstr("lrb run --suite=tiny"));
  EXPECT_EQ(::lrb::testing::ReadTextFile(out), "old page");
  // The smoke suite is not in the tiny database either.
  const LrbResult other = RunLrb(
      absl::StrCat("report --suite=smoke --db=", Path("runs.db"), " --out=", Path("smoke.html")));
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_THAT(other.err, HasSubstr("no runs of suite smoke@1"));
}

}  // namespace
}  // namespace lrb
