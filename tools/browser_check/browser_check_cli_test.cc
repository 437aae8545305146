// The browser_check command itself: exit codes (0 pass or skipped, 1 fail, 2 usage), the
// report it prints, the skip variable, and where the screenshot goes under bazel test.

#include <stdio.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/testing/temp_dir.h"

namespace lrb::browser_check {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

struct CheckerRun {
  int exit_code = -1;  // -1 when the checker did not exit normally
  std::string output;  // stdout and stderr
};

// Runs `env tools/browser_check/browser_check args` through /bin/sh from the runfiles
// directory (Bazel's working directory for tests). `env` is VAR=value words, or empty.
CheckerRun RunChecker(const std::string& args, const std::string& env = "") {
  const std::string command = "env " + env + " tools/browser_check/browser_check " + args + " 2>&1";
  CheckerRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) run.output.append(buffer, n);
  const int status = pclose(pipe);
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  return run;
}

bool SkipRequested() {
  const char* skip = std::getenv("LRB_SKIP_BROWSER_CHECK");
  return skip != nullptr && std::string(skip) == "1";
}

constexpr char kPages[] = "tools/browser_check/testdata/";

TEST(BrowserCheckCliTest, ABadCommandLineExitsWith2AndSaysWhy) {
  const CheckerRun no_html = RunChecker("");
  EXPECT_EQ(no_html.exit_code, 2);
  EXPECT_THAT(no_html.output, HasSubstr("--html=FILE is required"));
  const CheckerRun bad_expect =
      RunChecker(std::string("--html=") + kPages + "good.html --expect=loss");
  EXPECT_EQ(bad_expect.exit_code, 2);
  EXPECT_THAT(bad_expect.output, HasSubstr("bad plot expectation 'loss'"));
  const CheckerRun positional = RunChecker(std::string(kPages) + "good.html");
  EXPECT_EQ(positional.exit_code, 2);
  EXPECT_THAT(positional.output, HasSubstr("the page is given with --html=FILE"));
  const CheckerRun window = RunChecker(std::string("--html=") + kPages + "good.html --window=1280");
  EXPECT_EQ(window.exit_code, 2);
  EXPECT_THAT(window.output, HasSubstr("bad --window='1280'"));
}

TEST(BrowserCheckCliTest, TheSkipVariableSkipsSayingSo) {
  const CheckerRun run = RunChecker(std::string("--html=") + kPages + "series_mismatch.html",
                                    "LRB_SKIP_BROWSER_CHECK=1");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.output, AllOf(HasSubstr("SKIPPED (LRB_SKIP_BROWSER_CHECK=1)"),
                                HasSubstr("series_mismatch.html was not checked")));
}

TEST(BrowserCheckCliTest, AMissingChromiumExitsWith1) {
  const CheckerRun run = RunChecker(std::string("--html=") + kPages + "good.html",
                                    "LRB_SKIP_BROWSER_CHECK=0 LRB_CHROMIUM=/nonexistent/chromium");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("no Chromium executable at /nonexistent/chromium"));
}

TEST(BrowserCheckCliTest, ABrokenPageExitsWith1ListingItsProblems) {
  if (SkipRequested()) GTEST_SKIP() << "LRB_SKIP_BROWSER_CHECK=1";
  const CheckerRun run = RunChecker(std::string("--html=") + kPages +
                                    "series_mismatch.html --expect=recovery:3,loss:2");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, AllOf(HasSubstr("browser_check: FAIL tools/browser_check/testdata/"
                                          "series_mismatch.html (2 plots"),
                                HasSubstr("\n  - plot 'recovery' declares data-series=3 but has 2"),
                                HasSubstr("\n  - plot 'recovery' has 2 series")));
  // Under bazel test the screenshot goes to the test's undeclared outputs by default.
  const char* outputs = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  ASSERT_NE(outputs, nullptr);
  EXPECT_TRUE(std::filesystem::exists(std::string(outputs) + "/series_mismatch.png"));
  EXPECT_TRUE(std::filesystem::exists(std::string(outputs) + "/series_mismatch.dom.html"));
}

TEST(BrowserCheckCliTest, AGoodPageExitsWith0AndWritesTheScreenshotAsked) {
  if (SkipRequested()) GTEST_SKIP() << "LRB_SKIP_BROWSER_CHECK=1";
  const std::string shot = lrb::testing::FreshTempPath("shot.png");
  const CheckerRun run = RunChecker(std::string("--html=") + kPages +
                                    "good.html --expect=recovery:3,loss:2 --screenshot=" + shot);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, AllOf(HasSubstr("browser_check: PASS"), Not(HasSubstr("  - "))));
  EXPECT_GT(std::filesystem::file_size(shot), 1000u);
}

}  // namespace
}  // namespace lrb::browser_check
