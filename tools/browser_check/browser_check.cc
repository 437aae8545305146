#include "tools/browser_check/browser_check.h"

#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <string_view>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "tools/browser_check/devtools_pipe.h"
#include "tools/browser_check/png_image.h"
#include "util/atomic_file.h"
#include "util/status_macros.h"

namespace lrb::browser_check {
namespace {

using nlohmann::json;

// file:// URL of an absolute path, percent-encoding everything but unreserved characters
// and '/'.
std::string FileUrl(std::string_view absolute_path) {
  std::string url = "file://";
  for (unsigned char c : absolute_path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      url.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&url, "%%%02X", c);
    }
  }
  return url;
}

absl::StatusOr<std::string> AbsoluteHtmlPath(const std::string& path) {
  struct stat info;
  if (path.empty() || stat(path.c_str(), &info) != 0) {
    return absl::NotFoundError(absl::StrCat("no HTML file at '", path, "'"));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("'", path, "' is not a regular file; expected an HTML file"));
  }
  char* resolved = realpath(path.c_str(), nullptr);
  if (resolved == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot resolve the path '", path, "'"));
  }
  std::string absolute = resolved;
  std::free(resolved);
  return absolute;
}

// " (file:///x.html:12)" from a protocol location (0-based line numbers).
std::string Location(const std::string& url, int zero_based_line) {
  if (url.empty()) return "";
  return absl::StrCat(" (", url, ":", zero_based_line + 1, ")");
}

// A console call's arguments as the DevTools console would print them, space-separated.
std::string ConsoleArguments(const json& args) {
  std::vector<std::string> parts;
  for (const json& arg : args) {
    if (arg.contains("value")) {
      const json& value = arg["value"];
      parts.push_back(value.is_string() ? value.get<std::string>() : value.dump());
    } else {
      parts.push_back(arg.value("description", arg.value("type", "?")));
    }
  }
  return absl::StrJoin(parts, " ");
}

// The first line of an exception's description ("Error: boom"), without the stack.
std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

// Turns the protocol events that a person would see as errors in the DevTools console
// into problem sentences.
void CollectConsoleErrors(const json& event, std::vector<std::string>& errors) {
  const std::string method = event.value("method", "");
  const json params = event.value("params", json::object());
  if (method == "Runtime.consoleAPICalled") {
    const std::string type = params.value("type", "");
    if (type != "error" && type != "assert") return;
    std::string where;
    if (params.contains("stackTrace") &&
        !params["stackTrace"].value("callFrames", json::array()).empty()) {
      const json& frame = params["stackTrace"]["callFrames"][0];
      where = Location(frame.value("url", ""), frame.value("lineNumber", 0));
    }
    errors.push_back(absl::StrCat("console.", type, ": ",
                                  ConsoleArguments(params.value("args", json::array())), where));
  } else if (method == "Runtime.exceptionThrown") {
    const json details = params.value("exceptionDetails", json::object());
    std::string text = details.value("text", "exception");
    if (details.contains("exception") && details["exception"].contains("description")) {
      text = absl::StrCat(text, " ", FirstLine(details["exception"].value("description", "")));
    }
    errors.push_back(
        absl::StrCat("uncaught exception: ", text,
                     Location(details.value("url", ""), details.value("lineNumber", 0))));
  } else if (method == "Log.entryAdded") {
    const json entry = params.value("entry", json::object());
    if (entry.value("level", "") != "error") return;
    const std::string url = entry.value("url", "");
    errors.push_back(absl::StrCat("browser error (", entry.value("source", "?"),
                                  "): ", entry.value("text", ""),
                                  url.empty() ? "" : absl::StrCat(" (", url, ")")));
  }
}

// The value of a Runtime.evaluate reply, or an error naming `what` when the script threw.
absl::StatusOr<json> EvaluationValue(const json& reply, const std::string& what) {
  if (reply.contains("exceptionDetails")) {
    const json& details = reply["exceptionDetails"];
    std::string text = details.value("text", "exception");
    if (details.contains("exception")) {
      text = absl::StrCat(text, " ", FirstLine(details["exception"].value("description", "")));
    }
    return absl::InternalError(absl::StrCat(what, " threw in the page: ", text));
  }
  return reply.value("result", json::object()).value("value", json());
}

absl::StatusOr<std::string> AttachToPage(DevToolsPipe& browser) {
  LRB_ASSIGN_OR_RETURN(json targets, browser.Call("Target.getTargets", json::object()));
  std::string target_id;
  for (const json& target : targets.value("targetInfos", json::array())) {
    if (target.value("type", "") == "page") {
      target_id = target.value("targetId", "");
      break;
    }
  }
  if (target_id.empty()) {
    LRB_ASSIGN_OR_RETURN(json created,
                         browser.Call("Target.createTarget", {{"url", "about:blank"}}));
    target_id = created.value("targetId", "");
  }
  LRB_ASSIGN_OR_RETURN(json attached, browser.Call("Target.attachToTarget",
                                                   {{"targetId", target_id}, {"flatten", true}}));
  const std::string session = attached.value("sessionId", "");
  if (session.empty()) {
    return absl::InternalError(absl::StrCat("Chromium gave no session for page ", target_id));
  }
  return session;
}

}  // namespace

absl::StatusOr<BrowserCheckResult> CheckPageInBrowser(const BrowserCheckOptions& options) {
  const absl::Time start = absl::Now();
  if (options.window_width <= 0 || options.window_height <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("bad window size ", options.window_width, " x ",
                                                   options.window_height,
                                                   "; expected positive pixel counts"));
  }
  LRB_ASSIGN_OR_RETURN(const std::string html, AbsoluteHtmlPath(options.html_path));
  if (options.work_dir.empty()) {
    return absl::InvalidArgumentError("no work directory for Chromium's profile");
  }

  std::vector<std::string> console_errors;
  LRB_ASSIGN_OR_RETURN(
      std::unique_ptr<DevToolsPipe> browser,
      DevToolsPipe::Launch(
          {options.chromium, options.work_dir, start + options.timeout},
          [&console_errors](const json& event) { CollectConsoleErrors(event, console_errors); }));
  LRB_ASSIGN_OR_RETURN(const std::string page, AttachToPage(*browser));
  for (const char* domain : {"Runtime.enable", "Page.enable", "Log.enable"}) {
    LRB_RETURN_IF_ERROR(browser->Call(domain, json::object(), page).status());
  }
  LRB_RETURN_IF_ERROR(browser
                          ->Call("Emulation.setDeviceMetricsOverride",
                                 {{"width", options.window_width},
                                  {"height", options.window_height},
                                  {"deviceScaleFactor", 1},
                                  {"mobile", false}},
                                 page)
                          .status());

  const std::string url = FileUrl(html);
  LRB_ASSIGN_OR_RETURN(json navigation, browser->Call("Page.navigate", {{"url", url}}, page));
  if (navigation.contains("errorText")) {
    return absl::UnavailableError(
        absl::StrCat("Chromium could not load ", url, ": ", navigation.value("errorText", "")));
  }
  LRB_RETURN_IF_ERROR(browser->WaitForEvent("Page.loadEventFired", page).status());
  // Two animation frames after load: whatever scripts drew on load has been laid out and
  // painted before the probe and the screenshot look at it.
  LRB_RETURN_IF_ERROR(
      browser
          ->Call("Runtime.evaluate",
                 {{"expression",
                   "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"},
                  {"awaitPromise", true}},
                 page)
          .status());

  BrowserCheckResult result;
  LRB_ASSIGN_OR_RETURN(
      json probe_reply,
      browser->Call("Runtime.evaluate",
                    {{"expression", std::string(kPlotProbeScript)}, {"returnByValue", true}},
                    page));
  LRB_ASSIGN_OR_RETURN(json probe_value, EvaluationValue(probe_reply, "the plot probe"));
  if (!probe_value.is_string()) {
    return absl::InternalError(
        absl::StrCat("the plot probe returned ", probe_value.dump(), "; expected a JSON text"));
  }
  LRB_ASSIGN_OR_RETURN(result.page, ParsePlotProbe(probe_value.get<std::string>()));

  if (!options.dom_path.empty()) {
    LRB_ASSIGN_OR_RETURN(
        json dom_reply,
        browser->Call(
            "Runtime.evaluate",
            {{"expression", "document.documentElement.outerHTML"}, {"returnByValue", true}}, page));
    LRB_ASSIGN_OR_RETURN(json dom, EvaluationValue(dom_reply, "reading the DOM"));
    LRB_RETURN_IF_ERROR(WriteFileAtomically(
        options.dom_path,
        absl::StrCat("<!DOCTYPE html>\n", dom.is_string() ? dom.get<std::string>() : "")));
  }

  LRB_ASSIGN_OR_RETURN(json shot,
                       browser->Call("Page.captureScreenshot", {{"format", "png"}}, page));
  std::string png;
  if (!absl::Base64Unescape(shot.value("data", ""), &png)) {
    return absl::InternalError("Chromium's screenshot is not valid base64");
  }
  LRB_RETURN_IF_ERROR(browser->Close());
  if (!options.screenshot_path.empty()) {
    LRB_RETURN_IF_ERROR(WriteFileAtomically(options.screenshot_path, png));
  }
  LRB_ASSIGN_OR_RETURN(const RgbaImage image, DecodePng(png, "Chromium's screenshot"));
  result.screenshot = ComputeScreenshotStats(image);

  // A person sees the console first, then the page, then looks closely at the plots.
  result.problems = console_errors;
  if (absl::Status blank = CheckNotBlank(result.screenshot, options.blank); !blank.ok()) {
    result.problems.push_back(std::string(blank.message()));
  }
  for (std::string& problem : PlotProblems(result.page, options.expectations)) {
    result.problems.push_back(std::move(problem));
  }
  result.elapsed = absl::Now() - start;
  return result;
}

}  // namespace lrb::browser_check
