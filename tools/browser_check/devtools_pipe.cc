#include "tools/browser_check/devtools_pipe.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace lrb::browser_check {
namespace {

// The protocol's fixed descriptors: Chromium reads commands on 3 and writes on 4.
constexpr int kChromiumReadFd = 3;
constexpr int kChromiumWriteFd = 4;

absl::Status ErrnoError(const std::string& what, int error) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(error)));
}

absl::Status MakeDirectory(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoError(absl::StrCat("cannot create directory ", path), errno);
  }
  return absl::OkStatus();
}

// Milliseconds from now to `deadline`, clamped to [0, INT_MAX] for poll().
int MillisecondsUntil(absl::Time deadline) {
  const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
  return static_cast<int>(std::clamp<int64_t>(ms, 0, 1 << 30));
}

// A duplicate of `fd` numbered above 4, close-on-exec, so that the child's dup2 onto 3 and 4
// can never be a no-op on a descriptor that is itself 3 or 4 (dup2(fd, fd) would leave the
// close-on-exec flag set and the child without its pipe).
absl::StatusOr<int> DuplicateAbove4(int fd) {
  const int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
  if (high < 0) return ErrnoError("fcntl(F_DUPFD_CLOEXEC)", errno);
  return high;
}

std::vector<std::string> ChromiumArguments(const ChromiumLaunch& launch) {
  return {
      launch.executable,
      "--headless",
      // Chromium's own sandbox cannot start as root (Bazel tests often run as root) and is
      // not needed for the project's own local files.
      "--no-sandbox",
      "--disable-gpu",
      // /dev/shm is small in containers; shared memory then comes from TMPDIR.
      "--disable-dev-shm-usage",
      "--remote-debugging-pipe",
      absl::StrCat("--user-data-dir=", launch.work_dir, "/profile"),
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-extensions",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--mute-audio",
      "--hide-scrollbars",
      // Colours in the screenshot are the page's colours, not a monitor profile's.
      "--force-color-profile=srgb",
      "about:blank",
  };
}

std::vector<std::string> ChromiumEnvironment(const ChromiumLaunch& launch,
                                             const std::string& tmp_dir) {
  return {
      absl::StrCat("HOME=", launch.work_dir, "/home"),
      absl::StrCat("TMPDIR=", tmp_dir),
      absl::StrCat("XDG_CONFIG_HOME=", launch.work_dir, "/home/.config"),
      absl::StrCat("XDG_CACHE_HOME=", launch.work_dir, "/home/.cache"),
      "PATH=/usr/bin:/bin",
      "LANG=C.UTF-8",
  };
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DevToolsPipe>> DevToolsPipe::Launch(const ChromiumLaunch& launch,
                                                                   EventHandler on_event) {
  struct stat info;
  if (stat(launch.executable.c_str(), &info) != 0 || !S_ISREG(info.st_mode) ||
      access(launch.executable.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("no Chromium executable at ", launch.executable,
                     " (Debian's `chromium` package installs /usr/lib/chromium/chromium; "
                     "./bazelw installs it)"));
  }
  for (const char* sub : {"", "/profile", "/home", "/home/.config", "/home/.cache"}) {
    if (absl::Status s = MakeDirectory(absl::StrCat(launch.work_dir, sub)); !s.ok()) return s;
  }
  // Chromium's TMPDIR must be short: it binds a Unix socket there (the profile's
  // SingletonSocket), and a socket path is limited to 107 bytes, which a directory under
  // Bazel's TEST_TMPDIR exceeds. Chromium aborts with "Socket path too long" otherwise.
  std::string short_tmp = "/tmp/lrb-chromium.XXXXXX";
  if (mkdtemp(short_tmp.data()) == nullptr) {
    return ErrnoError("cannot create Chromium's temporary directory under /tmp", errno);
  }
  auto remove_short_tmp = [&] {
    std::error_code ignored;
    std::filesystem::remove_all(short_tmp, ignored);
  };

  // Sockets rather than pipes: a write after Chromium died is then EPIPE from send() with
  // MSG_NOSIGNAL, not a SIGPIPE that kills the checker.
  int commands[2], replies[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, commands) != 0) {
    const int error = errno;
    remove_short_tmp();
    return ErrnoError("socketpair", error);
  }
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, replies) != 0) {
    const int error = errno;
    close(commands[0]);
    close(commands[1]);
    remove_short_tmp();
    return ErrnoError("socketpair", error);
  }
  absl::StatusOr<int> child_read = DuplicateAbove4(commands[1]);
  absl::StatusOr<int> child_write = DuplicateAbove4(replies[1]);
  close(commands[1]);
  close(replies[1]);
  auto close_all = [&] {
    remove_short_tmp();
    close(commands[0]);
    close(replies[0]);
    if (child_read.ok()) close(*child_read);
    if (child_write.ok()) close(*child_write);
  };
  if (!child_read.ok() || !child_write.ok()) {
    close_all();
    return child_read.ok() ? child_write.status() : child_read.status();
  }

  const std::string stderr_path = absl::StrCat(launch.work_dir, "/chromium.stderr");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_adddup2(&actions, *child_read, kChromiumReadFd);
  posix_spawn_file_actions_adddup2(&actions, *child_write, kChromiumWriteFd);
  // Its own process group, so that a timeout kills the renderer and GPU helpers too.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);

  std::vector<std::string> arguments = ChromiumArguments(launch);
  std::vector<std::string> environment = ChromiumEnvironment(launch, short_tmp);
  std::vector<char*> argv = CStrings(arguments);
  std::vector<char*> envp = CStrings(environment);
  pid_t pid = 0;
  const int spawn_error =
      posix_spawn(&pid, launch.executable.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(*child_read);
  close(*child_write);
  if (spawn_error != 0) {
    remove_short_tmp();
    close(commands[0]);
    close(replies[0]);
    return ErrnoError(absl::StrCat("cannot start ", launch.executable), spawn_error);
  }
  return std::unique_ptr<DevToolsPipe>(new DevToolsPipe(
      pid, commands[0], replies[0], stderr_path, short_tmp, launch.deadline, std::move(on_event)));
}

DevToolsPipe::DevToolsPipe(pid_t pid, int to_chromium, int from_chromium, std::string stderr_path,
                           std::string tmp_dir, absl::Time deadline, EventHandler on_event)
    : pid_(pid),
      to_chromium_(to_chromium),
      from_chromium_(from_chromium),
      stderr_path_(std::move(stderr_path)),
      tmp_dir_(std::move(tmp_dir)),
      deadline_(deadline),
      on_event_(std::move(on_event)) {}

DevToolsPipe::~DevToolsPipe() {
  KillAndReap();
  close(to_chromium_);
  close(from_chromium_);
  std::error_code ignored;
  std::filesystem::remove_all(tmp_dir_, ignored);
}

void DevToolsPipe::KillAndReap() {
  if (reaped_) return;
  kill(-pid_, SIGKILL);  // the group we created at spawn: Chromium and its helpers
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
}

absl::Status DevToolsPipe::ChildError(absl::StatusCode code, const std::string& what) const {
  // Chromium's stderr is mostly D-Bus noise on a headless machine; those lines say nothing
  // about why a page could not be checked.
  std::ifstream in(stderr_path_);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!absl::StrContains(line, "dbus") && !line.empty()) lines.push_back(line);
  }
  constexpr size_t kTail = 12;
  if (lines.size() > kTail) lines.erase(lines.begin(), lines.end() - kTail);
  std::string message = absl::StrCat(what, " (Chromium's stderr: ", stderr_path_, ")");
  if (!lines.empty()) absl::StrAppend(&message, "; its last lines:\n", absl::StrJoin(lines, "\n"));
  return absl::Status(code, message);
}

absl::Status DevToolsPipe::WriteMessage(const std::string& message, const std::string& method) {
  std::string framed = message;
  framed.push_back('\0');
  size_t sent = 0;
  while (sent < framed.size()) {
    pollfd pfd{to_chromium_, POLLOUT, 0};
    const int ready = poll(&pfd, 1, MillisecondsUntil(deadline_));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      return ChildError(absl::StatusCode::kDeadlineExceeded,
                        absl::StrCat("Chromium did not accept ", method, " before the deadline"));
    }
    const ssize_t n = send(to_chromium_, framed.data() + sent, framed.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return ChildError(
          absl::StatusCode::kUnavailable,
          absl::StrCat("cannot send ", method, " to Chromium: ", std::strerror(errno)));
    }
    sent += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<nlohmann::json> DevToolsPipe::ReadMessage(const std::string& waiting_for) {
  size_t scanned = 0;
  while (true) {
    const size_t end = buffer_.find('\0', scanned);
    if (end != std::string::npos) {
      nlohmann::json message = nlohmann::json::parse(buffer_.begin(), buffer_.begin() + end,
                                                     /*cb=*/nullptr, /*allow_exceptions=*/false);
      buffer_.erase(0, end + 1);
      if (message.is_discarded() || !message.is_object()) {
        return absl::InternalError(
            absl::StrCat("Chromium sent a message that is not a JSON object while ", waiting_for,
                         " was awaited"));
      }
      return message;
    }
    scanned = buffer_.size();
    pollfd pfd{from_chromium_, POLLIN, 0};
    const int ready = poll(&pfd, 1, MillisecondsUntil(deadline_));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      return ChildError(
          absl::StatusCode::kDeadlineExceeded,
          absl::StrCat("Chromium did not deliver ", waiting_for, " before the deadline"));
    }
    char chunk[1 << 16];
    const ssize_t n = read(from_chromium_, chunk, sizeof(chunk));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      return ChildError(absl::StatusCode::kUnavailable,
                        absl::StrCat("Chromium closed its DevTools pipe (exited or crashed) "
                                     "while ",
                                     waiting_for, " was awaited"));
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    // A screenshot or a report's DOM is a few MB; far more means a runaway page, which must
    // not take the machine's memory with it.
    constexpr size_t kMaxMessageBytes = size_t{256} << 20;
    if (buffer_.size() > kMaxMessageBytes) {
      return absl::ResourceExhaustedError(absl::StrCat("Chromium's message while ", waiting_for,
                                                       " was awaited exceeds ",
                                                       kMaxMessageBytes >> 20, " MiB"));
    }
  }
}

absl::StatusOr<nlohmann::json> DevToolsPipe::Call(const std::string& method,
                                                  const nlohmann::json& params,
                                                  const std::string& session_id) {
  const int id = next_id_++;
  nlohmann::json command = {{"id", id}, {"method", method}, {"params", params}};
  if (!session_id.empty()) command["sessionId"] = session_id;
  if (absl::Status s = WriteMessage(command.dump(), method); !s.ok()) return s;
  const std::string waiting_for = absl::StrCat("the reply to ", method);
  while (true) {
    absl::StatusOr<nlohmann::json> message = ReadMessage(waiting_for);
    if (!message.ok()) return message.status();
    if (message->contains("method")) {
      on_event_(*message);
      events_.push_back(*std::move(message));
      continue;
    }
    if (message->value("id", -1) != id) continue;  // a reply nobody waits for any more
    if (message->contains("error")) {
      return absl::InternalError(absl::StrCat("Chromium refused ", method, ": ",
                                              (*message)["error"].value("message", "?")));
    }
    return message->value("result", nlohmann::json::object());
  }
}

absl::StatusOr<nlohmann::json> DevToolsPipe::WaitForEvent(const std::string& method,
                                                          const std::string& session_id) {
  auto matches = [&](const nlohmann::json& event) {
    return event.value("method", "") == method &&
           (session_id.empty() || event.value("sessionId", "") == session_id);
  };
  for (auto it = events_.begin(); it != events_.end(); ++it) {
    if (matches(*it)) {
      nlohmann::json params = it->value("params", nlohmann::json::object());
      events_.erase(it);
      return params;
    }
  }
  const std::string waiting_for = absl::StrCat("the event ", method);
  while (true) {
    absl::StatusOr<nlohmann::json> message = ReadMessage(waiting_for);
    if (!message.ok()) return message.status();
    if (!message->contains("method")) continue;
    on_event_(*message);
    if (matches(*message)) return message->value("params", nlohmann::json::object());
    events_.push_back(*std::move(message));
  }
}

absl::Status DevToolsPipe::Close() {
  // Chromium may exit before its reply to Browser.close is read; only the exit matters.
  (void)Call("Browser.close", nlohmann::json::object());
  while (absl::Now() < deadline_) {
    // WNOWAIT leaves the exited browser a zombie, so its pid (the group's id) cannot be
    // reused before KillAndReap ends any helper that outlived it.
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid_) {
      KillAndReap();
      return absl::OkStatus();
    }
    usleep(10'000);
  }
  KillAndReap();
  return ChildError(absl::StatusCode::kDeadlineExceeded,
                    "Chromium did not exit after Browser.close; it was killed");
}

}  // namespace lrb::browser_check
