// The checker through real headless Chromium on hand-made pages (testdata/), each broken in
// one way: each must fail with the sentence that names what is wrong, and the good page must
// pass. LRB_SKIP_BROWSER_CHECK=1 skips these tests (saying so) on a machine without Chromium;
// without it, a missing Chromium is a failure, not a silent pass.

#include "tools/browser_check/browser_check.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/browser_check/png_image.h"
#include "util/testing/json_file.h"
#include "util/testing/status_matchers.h"
#include "util/testing/temp_dir.h"

namespace lrb::browser_check {
namespace {

using ::lrb::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kTestData[] = "tools/browser_check/testdata/";

class BrowserCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* skip = std::getenv("LRB_SKIP_BROWSER_CHECK");
    if (skip != nullptr && std::string(skip) == "1") {
      GTEST_SKIP() << "LRB_SKIP_BROWSER_CHECK=1: the pages were not checked in Chromium";
    }
  }

  // Options for testdata/<page>.html with the good page's plots expected.
  static BrowserCheckOptions OptionsFor(const std::string& page) {
    BrowserCheckOptions options;
    options.html_path = std::string(kTestData) + page + ".html";
    options.expectations = {{"recovery", 3}, {"loss", 2}};
    options.work_dir = lrb::testing::NewTempDir("chromium");
    // Generous: a loaded 2-core machine can take several seconds to start Chromium.
    options.timeout = absl::Seconds(120);
    return options;
  }

  static std::vector<std::string> Problems(const BrowserCheckOptions& options) {
    absl::StatusOr<BrowserCheckResult> result = CheckPageInBrowser(options);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->problems : std::vector<std::string>{"(the check did not run)"};
  }
};

TEST_F(BrowserCheckTest, TheGoodPagePassesAndKeepsItsScreenshotAndDom) {
  BrowserCheckOptions options = OptionsFor("good");
  options.screenshot_path = lrb::testing::FreshTempPath("good.png");
  options.dom_path = lrb::testing::FreshTempPath("good.dom.html");
  LRB_ASSERT_OK_AND_ASSIGN(const BrowserCheckResult result, CheckPageInBrowser(options));
  EXPECT_THAT(result.problems, IsEmpty());
  ASSERT_EQ(result.page.plots.size(), 2u);
  EXPECT_EQ(result.page.plots[0].id, "recovery");
  EXPECT_EQ(result.page.plots[0].width, 640);  // laid out at its width attribute
  EXPECT_GT(result.screenshot.non_background_fraction, 0.05);

  // The kept screenshot is the window the page was checked in, as a PNG.
  LRB_ASSERT_OK_AND_ASSIGN(
      const RgbaImage shot,
      DecodePng(lrb::testing::ReadTextFile(options.screenshot_path), options.screenshot_path));
  EXPECT_EQ(shot.width, 1280);
  EXPECT_EQ(shot.height, 2000);
  // The DOM after scripts ran: the page's own plots are in it.
  EXPECT_THAT(lrb::testing::ReadTextFile(options.dom_path),
              AllOf(HasSubstr("data-plot=\"recovery\""), HasSubstr("class=\"lrb-series\"")));
}

TEST_F(BrowserCheckTest, ABlankPageFails) {
  EXPECT_THAT(Problems(OptionsFor("blank")),
              ElementsAre(HasSubstr("the page looks blank"),
                          HasSubstr("expected plot 'loss' (2 series) is not on the page")));
}

TEST_F(BrowserCheckTest, AnUncaughtExceptionFailsWithItsMessageAndLine) {
  EXPECT_THAT(
      Problems(OptionsFor("js_throws")),
      ElementsAre(AllOf(HasSubstr("uncaught exception: Uncaught TypeError"),
                        HasSubstr("reading 'setAttribute'"), HasSubstr("js_throws.html:25)"))));
}

TEST_F(BrowserCheckTest, AConsoleErrorFailsButLogAndWarnDoNot) {
  // console_error.html also logs and warns (like good.html, which passes).
  EXPECT_THAT(Problems(OptionsFor("console_error")),
              ElementsAre(AllOf(HasSubstr("console.error: legend data missing for plot loss"),
                                HasSubstr("console_error.html:24)"))));
}

TEST_F(BrowserCheckTest, AResourceThatFailsToLoadFails) {
  EXPECT_THAT(Problems(OptionsFor("missing_image")),
              ElementsAre(AllOf(HasSubstr("browser error (network)"),
                                HasSubstr("ERR_FILE_NOT_FOUND"), HasSubstr("no_such_image.png"))));
}

TEST_F(BrowserCheckTest, APlotWithASeriesMissingFails) {
  EXPECT_THAT(Problems(OptionsFor("series_mismatch")),
              ElementsAre(HasSubstr("plot 'recovery' declares data-series=3 but has 2 "
                                    "g.lrb-series children"),
                          HasSubstr("plot 'recovery' has 2 series (labels: 'sae.topk', "
                                    "'sae.topk+anchor'); expected 3")));
}

TEST_F(BrowserCheckTest, AnEmptyPlotFails) {
  EXPECT_THAT(Problems(OptionsFor("empty_svg")),
              ElementsAre(HasSubstr("plot 'loss' is empty: the svg has no child elements"),
                          HasSubstr("plot 'loss' has 0 series (labels: none); expected 2")));
}

TEST_F(BrowserCheckTest, AMissingExpectedPlotFails) {
  BrowserCheckOptions options = OptionsFor("good");
  options.expectations.push_back({"m_gt_tau", 4});
  EXPECT_THAT(Problems(options),
              ElementsAre(HasSubstr("expected plot 'm_gt_tau' (4 series) is not on the page; "
                                    "plots present: loss, recovery")));
}

TEST_F(BrowserCheckTest, AHangingPageEndsAtTheDeadline) {
  BrowserCheckOptions options = OptionsFor("hangs");
  options.timeout = absl::Seconds(8);
  const absl::Time start = absl::Now();
  EXPECT_THAT(CheckPageInBrowser(options),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("before the deadline")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));  // killed, not waited for
}

TEST_F(BrowserCheckTest, AMissingHtmlFileIsNamed) {
  BrowserCheckOptions options = OptionsFor("no_such_page");
  EXPECT_THAT(CheckPageInBrowser(options),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no_such_page.html")));
}

TEST(BrowserCheckWithoutChromiumTest, AMissingChromiumIsAClearFailure) {
  BrowserCheckOptions options;
  options.html_path = std::string(kTestData) + "good.html";
  options.chromium = "/nonexistent/chromium";
  options.work_dir = lrb::testing::NewTempDir("chromium");
  EXPECT_THAT(CheckPageInBrowser(options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("no Chromium executable at /nonexistent/chromium"),
                             HasSubstr("./bazelw installs it"))));
}

}  // namespace
}  // namespace lrb::browser_check
