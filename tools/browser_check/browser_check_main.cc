// browser_check: opens an HTML report in headless Chromium and fails when a person looking at
// it would see something wrong (browser_check.h): a console error or uncaught exception, a
// blank page, a plot that breaks the report's plot contract or the expectations given here.
//
//   browser_check --html=report.html [--expect=m_gt_tau:4,l0:2] [--screenshot=shot.png]
//                 [--dom=dom.html] [--chromium=PATH] [--timeout_s=60] [--window=1280x2000]
//                 [--min_ink_fraction=0.01] [--min_colours=8]
//
// Under `bazel test` the screenshot and the DOM go to TEST_UNDECLARED_OUTPUTS_DIR by default
// (bazel-testlogs/<package>/<test>/test.outputs/). LRB_SKIP_BROWSER_CHECK=1 in the
// environment skips the check, saying so, for machines that cannot run Chromium.
// Exit status: 0 the page passed (or the check was skipped), 1 it failed or the check could
// not run, 2 a bad command line.

#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "tools/browser_check/browser_check.h"

ABSL_FLAG(std::string, html, "", "the HTML file to check (required)");
ABSL_FLAG(std::vector<std::string>, expect, {},
          "plots that must be on the page, comma-separated PLOT_ID:SERIES_COUNT items");
ABSL_FLAG(std::string, screenshot, "",
          "where to write the PNG screenshot (default: TEST_UNDECLARED_OUTPUTS_DIR/"
          "<html name>.png under bazel test, else not kept)");
ABSL_FLAG(std::string, dom, "",
          "where to write the DOM after scripts ran (default: like --screenshot, .dom.html)");
ABSL_FLAG(std::string, chromium, "",
          "the Chromium binary (default: $LRB_CHROMIUM, else /usr/lib/chromium/chromium)");
ABSL_FLAG(int, timeout_s, 60, "seconds the whole check may take, browser start to exit");
ABSL_FLAG(std::string, window, "1280x2000", "the browser window, WIDTHxHEIGHT CSS pixels");
ABSL_FLAG(double, min_ink_fraction, 0.01,
          "the page is blank unless more than this fraction of the screenshot's pixels "
          "differ from its most frequent colour");
ABSL_FLAG(int, min_colours, 8, "the page is blank with fewer distinct colours than this");

namespace lrb::browser_check {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

// TEST_UNDECLARED_OUTPUTS_DIR/<html stem><suffix> under bazel test, else "".
std::string DefaultOutput(const std::string& html, const std::string& suffix) {
  const std::string dir = EnvOr("TEST_UNDECLARED_OUTPUTS_DIR", "");
  if (dir.empty()) return "";
  return absl::StrCat(dir, "/", std::filesystem::path(html).stem().string(), suffix);
}

// Where a person finds the screenshot: under bazel test, the path printed is inside a sandbox
// that is gone when they read it, so name the outputs archive Bazel keeps instead.
std::string ScreenshotHint(const std::string& screenshot_path) {
  if (screenshot_path.empty()) return "";
  const std::string outputs = EnvOr("TEST_UNDECLARED_OUTPUTS_DIR", "");
  const std::string target = EnvOr("TEST_TARGET", "");  // //package:name
  if (!outputs.empty() && !target.empty() && screenshot_path.rfind(outputs + "/", 0) == 0) {
    std::string testlogs = target.substr(target.rfind("//") + 2);
    std::replace(testlogs.begin(), testlogs.end(), ':', '/');
    return absl::StrCat("; screenshot: ", screenshot_path.substr(outputs.size() + 1),
                        " in bazel-testlogs/", testlogs, "/test.outputs/outputs.zip");
  }
  return absl::StrCat("; screenshot: ", screenshot_path);
}

int Main() {
  BrowserCheckOptions options;
  options.html_path = absl::GetFlag(FLAGS_html);
  if (options.html_path.empty()) {
    std::cerr << "browser_check: --html=FILE is required\n";
    return kExitUsage;
  }
  for (const std::string& text : absl::GetFlag(FLAGS_expect)) {
    absl::StatusOr<PlotExpectation> expectation = ParsePlotExpectation(text);
    if (!expectation.ok()) {
      std::cerr << "browser_check: --expect: " << expectation.status().message() << "\n";
      return kExitUsage;
    }
    options.expectations.push_back(*expectation);
  }
  const std::vector<std::string> window = absl::StrSplit(absl::GetFlag(FLAGS_window), 'x');
  if (window.size() != 2 || !absl::SimpleAtoi(window[0], &options.window_width) ||
      !absl::SimpleAtoi(window[1], &options.window_height) || options.window_width <= 0 ||
      options.window_height <= 0) {
    std::cerr << "browser_check: bad --window='" << absl::GetFlag(FLAGS_window)
              << "'; expected WIDTHxHEIGHT in pixels, e.g. 1280x2000\n";
    return kExitUsage;
  }
  if (absl::GetFlag(FLAGS_timeout_s) <= 0) {
    std::cerr << "browser_check: bad --timeout_s=" << absl::GetFlag(FLAGS_timeout_s)
              << "; expected a positive number of seconds\n";
    return kExitUsage;
  }
  const double ink = absl::GetFlag(FLAGS_min_ink_fraction);
  if (!(ink >= 0 && ink < 1)) {
    std::cerr << "browser_check: bad --min_ink_fraction=" << ink << "; expected [0, 1)\n";
    return kExitUsage;
  }
  options.timeout = absl::Seconds(absl::GetFlag(FLAGS_timeout_s));
  options.blank.min_non_background_fraction = ink;
  options.blank.min_distinct_colours = absl::GetFlag(FLAGS_min_colours);
  options.chromium = absl::GetFlag(FLAGS_chromium);
  if (options.chromium.empty()) options.chromium = EnvOr("LRB_CHROMIUM", kDefaultChromium);
  options.screenshot_path = absl::GetFlag(FLAGS_screenshot);
  if (options.screenshot_path.empty()) {
    options.screenshot_path = DefaultOutput(options.html_path, ".png");
  }
  options.dom_path = absl::GetFlag(FLAGS_dom);
  if (options.dom_path.empty()) options.dom_path = DefaultOutput(options.html_path, ".dom.html");

  // After the command line is checked: a bad one is a bug even where Chromium cannot run.
  if (EnvOr("LRB_SKIP_BROWSER_CHECK", "") == "1") {
    std::cout << "browser_check: SKIPPED (LRB_SKIP_BROWSER_CHECK=1): " << options.html_path
              << " was not checked\n";
    return 0;
  }

  // A private scratch directory (under TEST_TMPDIR under bazel test), removed after a check
  // that ran.
  std::string work_template =
      absl::StrCat(EnvOr("TEST_TMPDIR", EnvOr("TMPDIR", "/tmp")), "/browser_check.XXXXXX");
  if (mkdtemp(work_template.data()) == nullptr) {
    std::cerr << "browser_check: cannot create a scratch directory " << work_template << "\n";
    return kExitFailed;
  }
  options.work_dir = work_template;

  absl::StatusOr<BrowserCheckResult> result = CheckPageInBrowser(options);
  if (!result.ok()) {
    // The scratch directory stays: the error names Chromium's stderr log in it.
    std::cerr << "browser_check: could not check " << options.html_path << ": " << result.status()
              << "\n";
    return kExitFailed;
  }
  std::error_code ignored;
  std::filesystem::remove_all(options.work_dir, ignored);
  const std::string summary =
      absl::StrFormat("%d plots, %.2f%% of pixels drawn, %d colours, %.1f s",
                      result->page.plots.size(), 100 * result->screenshot.non_background_fraction,
                      result->screenshot.distinct_colours, absl::ToDoubleSeconds(result->elapsed));
  const std::string screenshot = ScreenshotHint(options.screenshot_path);
  if (result->problems.empty()) {
    std::cout << "browser_check: PASS " << options.html_path << " (" << summary << ")" << screenshot
              << "\n";
    return 0;
  }
  std::cout << "browser_check: FAIL " << options.html_path << " (" << summary << ")" << screenshot
            << "\n";
  for (const std::string& problem : result->problems) std::cout << "  - " << problem << "\n";
  return kExitFailed;
}

}  // namespace
}  // namespace lrb::browser_check

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "browser_check --html=FILE [--expect=PLOT_ID:SERIES,...] [--screenshot=PNG]: checks an "
      "HTML report in headless Chromium");
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::cerr << "browser_check: unexpected argument '" << positional[1]
              << "'; the page is given with --html=FILE\n";
    return 2;
  }
  return lrb::browser_check::Main();
}
