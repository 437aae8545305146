#ifndef LRB_TOOLS_BROWSER_CHECK_DEVTOOLS_PIPE_H_
#define LRB_TOOLS_BROWSER_CHECK_DEVTOOLS_PIPE_H_

// A headless Chromium child process driven over the Chrome DevTools Protocol on
// --remote-debugging-pipe: Chromium reads commands from its fd 3 and writes replies and
// events to its fd 4, each one JSON message terminated by a NUL byte.
//
// The pipe, not Chromium's stderr log, is how console errors are seen: Chromium logs every
// web page's console message at INFO level ("INFO:CONSOLE"), so console.error and
// console.log cannot be told apart there, while the protocol's Runtime.consoleAPICalled
// event carries the type ("error", "assert", ...). One process also gives the screenshot
// and the DOM of the same page load.
//
// Not thread-safe. Every wait is bounded by the deadline given at launch: a Chromium that
// hangs yields DeadlineExceeded naming the command it did not answer, never a hung test.

#include <sys/types.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace lrb::browser_check {

struct ChromiumLaunch {
  // The browser executable itself (Debian: /usr/lib/chromium/chromium), not the
  // /usr/bin/chromium shell launcher, which sources /etc/chromium.d and adds flags of its own.
  std::string executable;
  // A writable private directory: the profile, HOME and XDG dirs of the child go there, so
  // the check works in Bazel's sandbox, where HOME may be unset or read-only. (Its TMPDIR is
  // a short private directory under /tmp, removed with the pipe; see Launch.)
  std::string work_dir;
  // Every wait on the child ends by then.
  absl::Time deadline;
};

class DevToolsPipe {
 public:
  // Receives every protocol event (a message with "method" and no "id"), in arrival order.
  using EventHandler = std::function<void(const nlohmann::json& event)>;

  // Starts Chromium headless with --no-sandbox (required as root; the check loads only local
  // files) and its GPU off. FailedPrecondition naming the path when `executable` is missing
  // or not executable.
  static absl::StatusOr<std::unique_ptr<DevToolsPipe>> Launch(const ChromiumLaunch& launch,
                                                              EventHandler on_event);

  DevToolsPipe(const DevToolsPipe&) = delete;
  DevToolsPipe& operator=(const DevToolsPipe&) = delete;
  // Kills the child if it is still running and reaps it.
  ~DevToolsPipe();

  // Sends `method` with `params` (to the page session `session_id`, or to the browser when
  // empty) and returns the reply's "result". Events that arrive meanwhile go to the handler.
  // A protocol error reply is Internal with Chromium's message; a dead or silent child is
  // Unavailable / DeadlineExceeded, with the tail of Chromium's stderr.
  absl::StatusOr<nlohmann::json> Call(const std::string& method, const nlohmann::json& params,
                                      const std::string& session_id = "");

  // Reads messages until an event named `method` arrives (for `session_id`, if non-empty);
  // returns its "params".
  absl::StatusOr<nlohmann::json> WaitForEvent(const std::string& method,
                                              const std::string& session_id = "");

  // Asks the browser to close (Browser.close) and waits for the child to exit.
  absl::Status Close();

 private:
  DevToolsPipe(pid_t pid, int to_chromium, int from_chromium, std::string stderr_path,
               std::string tmp_dir, absl::Time deadline, EventHandler on_event);

  // The next complete message from Chromium, waiting at most until the deadline.
  absl::StatusOr<nlohmann::json> ReadMessage(const std::string& waiting_for);
  absl::Status WriteMessage(const std::string& message, const std::string& method);
  // `what` failed; the error carries the last lines Chromium wrote to stderr.
  absl::Status ChildError(absl::StatusCode code, const std::string& what) const;
  void KillAndReap();

  pid_t pid_;
  int to_chromium_;
  int from_chromium_;
  std::string stderr_path_;
  std::string tmp_dir_;  // Chromium's TMPDIR, removed with the pipe
  absl::Time deadline_;
  EventHandler on_event_;
  std::string buffer_;  // bytes read past the last complete message
  // Events read while waiting for something else, kept for WaitForEvent (a page's load event
  // may arrive before the reply to Page.navigate).
  std::deque<nlohmann::json> events_;
  int next_id_ = 1;
  bool reaped_ = false;
};

}  // namespace lrb::browser_check

#endif  // LRB_TOOLS_BROWSER_CHECK_DEVTOOLS_PIPE_H_
