#ifndef LRB_UTIL_FILE_SIZE_LIMIT_TESTING_H_
#define LRB_UTIL_FILE_SIZE_LIMIT_TESTING_H_

// Test helper: runs a writer under a file-size limit so that its writes really fail.
// RunWithFileSizeLimit forks; the child ignores SIGXFSZ and sets RLIMIT_FSIZE to `limit`
// bytes, so a write past the limit fails with EFBIG ("File too large") as on a full disk,
// runs `body` and sends back the status message ("OK" on success). The child makes no gtest
// assertions; the parent checks the message and the files left behind.

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "absl/status/status.h"

namespace lrb {

inline std::string RunWithFileSizeLimit(rlim_t limit, const std::function<absl::Status()>& body) {
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::close(fds[0]);
    ::signal(SIGXFSZ, SIG_IGN);
    const struct rlimit rl = {limit, limit};
    ::setrlimit(RLIMIT_FSIZE, &rl);
    const absl::Status status = body();
    const std::string message = status.ok() ? "OK" : std::string(status.message());
    (void)!::write(fds[1], message.data(), message.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string message;
  char buffer[512];
  ssize_t n;
  while ((n = ::read(fds[0], buffer, sizeof(buffer))) > 0) message.append(buffer, n);
  ::close(fds[0]);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) return "child died: " + message;
  return message;
}

}  // namespace lrb

#endif  // LRB_UTIL_FILE_SIZE_LIMIT_TESTING_H_
