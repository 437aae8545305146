#include "bench/interrupt.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lrb::bench {
namespace {

// The write end of the watcher's pipe; -1 before Install. Read by the signal handler.
std::atomic<int> signal_pipe_write{-1};
// The handler the watcher serves; it lives until the process ends (see ~InterruptHandler).
std::atomic<InterruptHandler*> active_handler{nullptr};

extern "C" void OnSignal(int signal) {
  const int saved_errno = errno;
  const unsigned char byte = static_cast<unsigned char>(signal);
  const int fd = signal_pipe_write.load();
  // If the pipe is full, a signal is already pending for the watcher: nothing is lost.
  if (fd >= 0 && write(fd, &byte, 1) < 0) {
    // Nothing to do from a signal handler.
  }
  errno = saved_errno;
}

const char* SignalName(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
  }
  return "a signal";
}

}  // namespace

absl::StatusOr<std::unique_ptr<InterruptHandler>> InterruptHandler::Install(std::ostream* log) {
  if (signal_pipe_write.load() >= 0) {
    return absl::FailedPreconditionError("the interrupt handler is already installed");
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot create the signal pipe: ", strerror(errno)));
  }
  std::unique_ptr<InterruptHandler> handler(new InterruptHandler(log));
  active_handler.store(handler.get());
  signal_pipe_write.store(fds[1]);
  // The watcher outlives `handler` only when the process is ending anyway; it reads the
  // handler through active_handler, which the destructor clears.
  std::thread([read_fd = fds[0]] {
    unsigned char byte = 0;
    while (true) {
      const ssize_t got = read(read_fd, &byte, 1);
      if (got == 1) break;
      if (got < 0 && errno == EINTR) continue;
      return;  // the pipe is gone: nothing to watch
    }
    const int signal = byte;
    if (InterruptHandler* h = active_handler.load()) h->MarkInterrupted(signal);
    // Die of the signal, as the process would have without a handler: the exit status
    // tells the shell (and a parent process) it was interrupted.
    ::signal(signal, SIG_DFL);
    raise(signal);
  }).detach();

  struct sigaction action;
  memset(&action, 0, sizeof(action));
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // interrupted system calls resume instead of failing
  for (const int signal : {SIGINT, SIGTERM}) {
    if (sigaction(signal, &action, nullptr) != 0) {
      return absl::InternalError(
          absl::StrCat("cannot install the ", SignalName(signal), " handler: ", strerror(errno)));
    }
  }
  return handler;
}

InterruptHandler::~InterruptHandler() {
  InterruptHandler* self = this;
  active_handler.compare_exchange_strong(self, nullptr);
}

void InterruptHandler::RunStarted(leaderboard::Store& store, int64_t run_id,
                                  const std::string& description) {
  absl::MutexLock lock(&mu_);
  in_flight_.push_back({&store, run_id, description, std::chrono::steady_clock::now()});
}

void InterruptHandler::RunEnded(int64_t run_id) {
  absl::MutexLock lock(&mu_);
  for (auto it = in_flight_.begin(); it != in_flight_.end(); ++it) {
    if (it->run_id == run_id) {
      in_flight_.erase(it);
      return;
    }
  }
}

std::vector<std::string> InterruptHandler::MarkInterrupted(int signal) {
  // Held to the end: the run loop cannot start another run (RunStarted waits) while these
  // are being marked, and after a real signal the process dies holding it.
  absl::MutexLock lock(&mu_);
  std::vector<std::string> messages;
  if (in_flight_.empty()) {
    if (log_) *log_ << "\nlrb: " << SignalName(signal) << ": no run in flight; stopping\n";
    return messages;
  }
  for (const InFlight& run : in_flight_) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - run.started).count();
    const std::string message = absl::StrFormat(
        "interrupted by %s after %.1f s; `lrb run` retries it", SignalName(signal), seconds);
    const absl::Status marked = run.store->InterruptRun(run.run_id, message);
    if (marked.ok()) messages.push_back(message);
    if (log_) {
      if (marked.ok()) {
        *log_ << "\nlrb: " << SignalName(signal) << ": " << run.description
              << " marked interrupted (run " << run.run_id << ")";
      } else {
        *log_ << "\nlrb: " << SignalName(signal) << ": could not mark " << run.description
              << " interrupted: " << marked.message();
      }
    }
  }
  if (log_) {
    *log_ << "; stopping\n";
    log_->flush();
  }
  in_flight_.clear();
  return messages;
}

}  // namespace lrb::bench
