#include "leaderboard/store/run_owner.h"

#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace lrb::leaderboard {
namespace {

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return std::string(absl::StripAsciiWhitespace(line));
}

// ThisProcess() records the boot id followed by the process's pid namespace, so that two
// containers sharing a hostname and a kernel, whose pids mean different processes, are told
// apart. Rows may hold a bare boot id.
constexpr char kPidNamespaceTag[] = " pidns:";

std::string BootPart(const std::string& boot_id) {
  return boot_id.substr(0, boot_id.find(kPidNamespaceTag));
}

// Same machine, same boot and the same pid namespace: pids can be looked up.
bool SameMachineAndBoot(const RunOwner& a, const RunOwner& b) {
  return !a.boot_id.empty() && a.host == b.host && a.boot_id == b.boot_id;
}

}  // namespace

std::optional<int64_t> ProcessStartTime(int64_t pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  const std::string stat = text.str();
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields are counted
  // from the last ')'. starttime is field 22 overall, the 20th after comm.
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  const std::vector<std::string> fields =
      absl::StrSplit(stat.substr(paren + 1), ' ', absl::SkipEmpty());
  int64_t start = 0;
  if (fields.size() < 20 || !absl::SimpleAtoi(fields[19], &start)) return std::nullopt;
  return start;
}

RunOwner ThisProcess() {
  RunOwner self;
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) == 0) self.host = host.data();
  self.boot_id = ReadFirstLine("/proc/sys/kernel/random/boot_id");
  std::array<char, 128> ns{};
  const ssize_t length = readlink("/proc/self/ns/pid", ns.data(), ns.size() - 1);
  if (!self.boot_id.empty() && length > 0) {
    self.boot_id += absl::StrCat(kPidNamespaceTag, std::string(ns.data(), length));
  }
  self.pid = getpid();
  self.start_time = ProcessStartTime(self.pid).value_or(0);
  return self;
}

OwnerState JudgeOwner(const RunOwner& owner, int64_t heartbeat_unix, const RunOwner& self,
                      int64_t now_unix, std::chrono::seconds lease) {
  if (SameMachineAndBoot(owner, self)) {
    if (owner.pid == self.pid && owner.start_time == self.start_time) {
      return OwnerState::kThisProcess;
    }
    const std::optional<int64_t> start = ProcessStartTime(owner.pid);
    return start.has_value() && *start == owner.start_time ? OwnerState::kAlive
                                                           : OwnerState::kGone;
  }
  // Same hostname, another boot: every process of the old boot is gone.
  if (!owner.boot_id.empty() && owner.host == self.host &&
      BootPart(owner.boot_id) != BootPart(self.boot_id)) {
    return OwnerState::kGone;
  }
  // Another machine, or another pid namespace of this one (a container whose processes we
  // cannot see), or a row written before owners were recorded (heartbeat 0).
  return now_unix - heartbeat_unix > lease.count() ? OwnerState::kGone : OwnerState::kAlive;
}

std::string DescribeOwner(const RunOwner& owner, const RunOwner& self) {
  if (owner.host.empty() && owner.pid == 0) return "an lrb from before owners were recorded";
  return absl::StrCat("pid ", owner.pid, " on ", owner.host,
                      SameMachineAndBoot(owner, self) ? "" : " (another machine or boot)");
}

}  // namespace lrb::leaderboard
