#ifndef LRB_TOOLS_BROWSER_CHECK_BROWSER_CHECK_H_
#define LRB_TOOLS_BROWSER_CHECK_BROWSER_CHECK_H_

// Checks an HTML page the way a person looking at it would, in headless Chromium:
//   1. it loads without a console error, an uncaught exception or a browser error (a
//      resource that failed to load);
//   2. its screenshot is not blank (screenshot_stats.h);
//   3. its plots keep the report's contract and the caller's expectations (plot_checks.h).
// One browser process serves all three, so they describe the same page load.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/browser_check/plot_checks.h"
#include "tools/browser_check/screenshot_stats.h"

namespace lrb::browser_check {

// Debian's Chromium binary (the /usr/bin/chromium launcher script execs it).
inline constexpr char kDefaultChromium[] = "/usr/lib/chromium/chromium";

struct BrowserCheckOptions {
  std::string html_path;
  std::vector<PlotExpectation> expectations;
  std::string chromium = kDefaultChromium;
  // Scratch space for Chromium's profile, HOME and TMPDIR; must be writable.
  std::string work_dir;
  // Where to keep the screenshot (PNG) and the DOM after scripts ran; empty: not kept.
  std::string screenshot_path;
  std::string dom_path;
  int window_width = 1280;
  int window_height = 2000;
  // The whole check, browser start to exit, must finish within this.
  absl::Duration timeout = absl::Seconds(60);
  BlankThresholds blank;
};

struct BrowserCheckResult {
  // Everything wrong with the page, one sentence each; empty when it passed.
  std::vector<std::string> problems;
  ScreenshotStats screenshot;
  PageProbe page;
  absl::Duration elapsed;
};

// The page's problems are in the result; an error status means the check itself could not
// run: the HTML file is missing (NotFound), Chromium is missing (FailedPrecondition), hangs
// (DeadlineExceeded) or dies (Unavailable), or an output file cannot be written.
absl::StatusOr<BrowserCheckResult> CheckPageInBrowser(const BrowserCheckOptions& options);

}  // namespace lrb::browser_check

#endif  // LRB_TOOLS_BROWSER_CHECK_BROWSER_CHECK_H_
