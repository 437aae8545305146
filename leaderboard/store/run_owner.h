#ifndef LRB_LEADERBOARD_STORE_RUN_OWNER_H_
#define LRB_LEADERBOARD_STORE_RUN_OWNER_H_

// Who holds a "running" run, and whether that holder is still there (docs/reliability.md,
// "Concurrent writers").
//
// On the owner's own machine (same hostname, boot id and pid namespace) the answer is exact:
// the run is held while a process with the owner's pid *and* start time exists, so a reused
// pid does not keep a dead run alive. A different boot id on the same hostname means the
// machine rebooted: the owner is gone. On another machine, or in another pid namespace (a
// container sharing the hostname), the process table is out of reach, so the owner's
// heartbeat decides: the run is held while the heartbeat is younger than the lease.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "leaderboard/store/run_record.h"

namespace lrb::leaderboard {

// How often a process refreshes the heartbeat of the run it trains, at most.
inline constexpr std::chrono::seconds kHeartbeatInterval{30};
// How old another machine's heartbeat may be before its run counts as abandoned. Twenty
// heartbeat intervals: long enough for scoring (which sends none) and for clocks that
// disagree by a few minutes, short enough that a dead machine's runs are retried the same
// hour.
inline constexpr std::chrono::seconds kDefaultLease{600};

// This process: hostname, boot id (followed by " pidns:" and its pid namespace, e.g.
// "pid:[4026531836]"), pid and start time.
RunOwner ThisProcess();

// The start time (clock ticks after boot) of process `pid` on this machine, or nullopt if
// there is no such process.
std::optional<int64_t> ProcessStartTime(int64_t pid);

enum class OwnerState {
  kThisProcess,  // `owner` is `self`
  kAlive,        // another process that is still there (or whose lease has not expired)
  kGone,         // dead, rebooted away, or silent for longer than the lease
};

// Judges `owner` (whose last heartbeat was at `heartbeat_unix`) from `self`'s point of view at
// `now_unix`, as described at the top of this file.
OwnerState JudgeOwner(const RunOwner& owner, int64_t heartbeat_unix, const RunOwner& self,
                      int64_t now_unix, std::chrono::seconds lease);

// "pid 123 on host-a" (with "(another machine)" when not on `self`'s machine).
std::string DescribeOwner(const RunOwner& owner, const RunOwner& self);

}  // namespace lrb::leaderboard

#endif  // LRB_LEADERBOARD_STORE_RUN_OWNER_H_
