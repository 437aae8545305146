#include "bench/run_command.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/command_line.h"
#include "bench/interrupt.h"
#include "bench/leaderboard_command.h"
#include "bench/runner.h"
#include "leaderboard/store/store.h"
#include "sdl/train_spec.h"
#include "util/parallel.h"
#include "util/status_macros.h"

namespace lrb::bench {
namespace {

// Every kernel of this process uses `threads`. Process-wide, so it is done once, before any
// training.
void UseThreadsPerRun(int threads) { SetDefaultThreadCount(threads); }

std::string ShardText(const Shard& shard) {
  return absl::StrFormat("%d/%d", shard.index, shard.count);
}

std::string Seconds(double seconds) {
  if (seconds < 10) return absl::StrFormat("%.1fs", seconds);
  if (seconds < 120) return absl::StrFormat("%.0fs", seconds);
  if (seconds < 7200) return absl::StrFormat("%.1fmin", seconds / 60);
  return absl::StrFormat("%.1fh", seconds / 3600);
}

// Opens the --reuse_from databases read-only, in order. Each must be an existing LRB
// database other than the one being run into (`db_path`): anything else is a bad command
// line, refused before anything runs.
absl::StatusOr<std::vector<std::unique_ptr<leaderboard::Store>>> OpenReuseDatabases(
    const RunCommandOptions& command, const std::string& db_path) {
  std::vector<std::unique_ptr<leaderboard::Store>> stores;
  if (command.reuse_from.empty()) return stores;
  if (command.force) {
    return UsageError("run",
                      "--force retrains every run and --reuse_from copies finished ones "
                      "instead of training them; give one or the other");
  }
  for (const std::string& path : command.reuse_from) {
    std::error_code error;
    if (std::filesystem::equivalent(path, db_path, error)) {
      return UsageError("run", absl::StrFormat("--reuse_from=%s is the database being run "
                                               "into (--db=%s); name another database",
                                               path, db_path));
    }
    absl::StatusOr<std::unique_ptr<leaderboard::Store>> store =
        leaderboard::Store::OpenReadOnly(path);
    if (!store.ok()) {
      return UsageError("run", absl::StrFormat("--reuse_from=%s: %s; expected an LRB database "
                                               "to copy finished runs from",
                                               path, store.status().message()));
    }
    stores.push_back(std::move(*store));
  }
  return stores;
}

std::vector<leaderboard::Store*> Pointers(
    const std::vector<std::unique_ptr<leaderboard::Store>>& stores) {
  std::vector<leaderboard::Store*> pointers;
  for (const auto& store : stores) pointers.push_back(store.get());
  return pointers;
}

// Whether one of `sources` has a whole finished run with `run_key`.
absl::StatusOr<bool> FinishedInAny(const std::vector<leaderboard::Store*>& sources,
                                   const std::string& run_key) {
  for (leaderboard::Store* source : sources) {
    LRB_ASSIGN_OR_RETURN(const std::optional<leaderboard::RunRecord> found,
                         source->FindFinishedRun(run_key));
    if (found.has_value()) return true;
  }
  return false;
}

}  // namespace

int ThreadsPerRun(int threads, int jobs) {
  if (threads > 0) return threads;
  return std::max(1, DefaultThreadCount() / std::max(1, jobs));
}

absl::Status DryRunCommand(const Suite& suite, const RunPlan& plan, const std::string& db_path,
                           const RunCommandOptions& options,
                           const std::vector<leaderboard::Store*>& reuse_from, std::ostream& out) {
  std::vector<leaderboard::RunRecord> stored;
  if (std::filesystem::exists(db_path)) {
    LRB_ASSIGN_OR_RETURN(const auto store, leaderboard::Store::OpenReadOnly(db_path));
    LRB_ASSIGN_OR_RETURN(stored, store->LoadRuns(suite.id()));
  }
  // Dataset hashes: from --data, else from any stored run of the dataset, here or in a
  // database to reuse runs from.
  std::map<std::string, std::string> hashes;
  if (!options.data_dir.empty()) {
    LRB_ASSIGN_OR_RETURN(const std::vector<SuiteDataEntry> data,
                         ReadSuiteData(suite, options.data_dir));
    for (const SuiteDataEntry& entry : data) hashes[entry.spec] = entry.content_hash;
  }
  for (leaderboard::Store* source : reuse_from) {
    LRB_ASSIGN_OR_RETURN(const std::vector<leaderboard::RunRecord> runs, source->LoadAllRuns());
    for (const leaderboard::RunRecord& run : runs) {
      hashes.emplace(run.dataset_spec, run.dataset_hash);
    }
  }
  std::map<std::string, const leaderboard::RunRecord*> by_key;
  // (dataset, method, backend) -> (sum of seconds, finished runs)
  std::map<std::tuple<std::string, std::string, std::string>, std::pair<double, int>> timings;
  for (const leaderboard::RunRecord& run : stored) {
    hashes.emplace(run.dataset_spec, run.dataset_hash);
    by_key[run.run_key] = &run;
    if (run.status == "ok" && run.incomplete.empty()) {
      auto& [sum, count] = timings[{run.dataset_spec, run.method_spec, run.backend}];
      sum += run.train_seconds + run.score_seconds;
      ++count;
    }
  }
  LRB_ASSIGN_OR_RETURN(const sdl::TrainSpec train, sdl::ParseTrainSpec(suite.train));
  const std::string train_text = sdl::ToString(train);

  out << absl::StrFormat("suite %s, shard %s: %d of the %d runs left by the filters; database "
                         "%s%s\n",
                         suite.id(), ShardText(options.filter.shard), plan.runs.size(),
                         plan.matrix_runs, db_path,
                         stored.empty() && !std::filesystem::exists(db_path)
                             ? " (does not exist yet)"
                             : "");
  out << absl::StrFormat("%6s  %-16s  %-8s  %8s  %-10s  %-6s  %-4s  %s\n", "#", "run key",
                         "state", "est.", "dataset", "backend", "seed", "method");
  int64_t to_train = 0, done = 0, held = 0, reuse = 0, unknown_time = 0;
  double estimate = 0;
  for (const PlannedRun& run : plan.runs) {
    std::string key = "?";
    std::string state = "new";
    if (const auto hash = hashes.find(run.dataset_spec); hash != hashes.end()) {
      LRB_ASSIGN_OR_RETURN(key, PlannedRunKey(hash->second, run.method_spec, train_text,
                                              run.backend, run.seed));
      if (const auto found = by_key.find(key); found != by_key.end()) {
        const leaderboard::RunRecord& record = *found->second;
        if (record.status == "ok" && record.incomplete.empty()) {
          state = "done";
        } else if (record.status == "running" && !record.owner_gone) {
          state = "held";
        } else {
          state = "retry";  // failed, interrupted, abandoned or incomplete
        }
      }
      if ((state == "new" || state == "retry") && !options.force) {
        LRB_ASSIGN_OR_RETURN(const bool elsewhere, FinishedInAny(reuse_from, key));
        if (elsewhere) state = "reuse";
      }
    }
    const bool trains = state == "new" || state == "retry" || (state == "done" && options.force);
    if (state == "done" && options.force) state = "redo";
    done += state == "done";
    held += state == "held";
    reuse += state == "reuse";
    std::string time = "-";
    if (trains) {
      ++to_train;
      const auto timing = timings.find({run.dataset_spec, run.method_spec, run.backend});
      if (timing == timings.end()) {
        ++unknown_time;
        time = "?";
      } else {
        const double seconds = timing->second.first / timing->second.second;
        estimate += seconds;
        time = Seconds(seconds);
      }
    }
    out << absl::StrFormat("%6d  %-16s  %-8s  %8s  dataset_%02d  %-7s  %4d  %s\n",
                           run.position + 1, key, state, time, run.dataset_index, run.backend,
                           run.seed, run.method_spec);
  }
  const int jobs = std::max(1, options.jobs);
  out << absl::StrFormat("%d to train, %d done, ", to_train, done);
  if (!reuse_from.empty()) out << absl::StrFormat("%d to reuse from --reuse_from, ", reuse);
  out << absl::StrFormat("%d held by another process", held);
  if (to_train > unknown_time) {
    out << absl::StrFormat("; estimated %s of training%s", Seconds(estimate),
                           jobs > 1 ? absl::StrFormat(" (about %s with --jobs=%d)",
                                                      Seconds(estimate / jobs), jobs)
                                    : "");
    if (unknown_time > 0) {
      out << absl::StrFormat(", plus %d run(s) never timed in this database", unknown_time);
    }
  } else if (to_train > 0) {
    out << "; no estimate: no run like these has finished in this database";
  }
  out << "\n";
  return absl::OkStatus();
}

absl::StatusOr<TrainingSession> StartTrainingSession(const std::string& db_path, int threads) {
  UseThreadsPerRun(threads);
  TrainingSession session;
  LRB_ASSIGN_OR_RETURN(session.interrupts, InterruptHandler::Install(&std::cerr));
  LRB_ASSIGN_OR_RETURN(session.store, leaderboard::Store::Open(db_path));
  session.options.log = &std::cerr;
  session.options.log_is_terminal = isatty(STDERR_FILENO) == 1;
  session.options.tracker = session.interrupts.get();
  session.options.threads = threads;
  return session;
}

absl::Status TrainCommand(const TrainCommandOptions& command, const std::string& db_path) {
  if (command.dataset_dir.empty()) {
    return absl::InvalidArgumentError("train: --dataset=DIR is required");
  }
  LRB_ASSIGN_OR_RETURN(TrainingSession session,
                       StartTrainingSession(db_path, ThreadsPerRun(command.threads, 1)));
  LRB_ASSIGN_OR_RETURN(
      const RunSummary summary,
      TrainOnDataset(command.dataset_dir, command.method, command.train, command.backend,
                     command.seed, *session.store, session.options));
  if (summary.failed > 0) {
    return absl::AbortedError(absl::StrFormat(
        "the run failed; its error is in the runs table of %s", db_path));
  }
  if (summary.skipped_held > 0) {
    return absl::UnavailableError("the run is being trained by another process");
  }
  std::cerr << (summary.reused > 0 ? "already done (reused; --force is `lrb run`'s only)"
                                   : "recorded")
            << " in " << db_path << "; `lrb leaderboard --dataset=" << command.dataset_dir
            << "` shows its board\n";
  return absl::OkStatus();
}

absl::Status RunCommand(const Suite& suite, const std::string& db_path,
                        const RunCommandOptions& command) {
  absl::StatusOr<RunPlan> planned = PlanRuns(suite, command.filter);
  // A filter that selects nothing is a bad command line (exit 2), like an unknown flag.
  if (absl::IsInvalidArgument(planned.status())) {
    return UsageError("run", planned.status().message());
  }
  LRB_ASSIGN_OR_RETURN(const RunPlan plan, std::move(planned));
  LRB_ASSIGN_OR_RETURN(const std::vector<std::unique_ptr<leaderboard::Store>> reuse_from,
                       OpenReuseDatabases(command, db_path));
  if (command.dry_run) {
    return DryRunCommand(suite, plan, db_path, command, Pointers(reuse_from), std::cout);
  }
  const int jobs = std::max(1, command.jobs);
  const int threads = ThreadsPerRun(command.threads, jobs);
  LRB_ASSIGN_OR_RETURN(TrainingSession session, StartTrainingSession(db_path, threads));
  leaderboard::Store* const store = session.store.get();
  RunOptions& options = session.options;
  options.force = command.force;
  options.export_models_dir = command.export_models_dir;
  options.data_dir = command.data_dir;
  options.jobs = jobs;
  options.reuse_from = Pointers(reuse_from);
  std::cerr << absl::StrFormat("suite %s: %d runs into %s", suite.id(), plan.runs.size(),
                               db_path);
  if (plan.runs.size() != static_cast<size_t>(suite.size())) {
    std::cerr << absl::StrFormat(" (%d in the matrix after the filters; shard %s)",
                                 plan.matrix_runs, ShardText(command.filter.shard));
  }
  std::cerr << absl::StrFormat("; %d at a time, %d thread(s) each\n", jobs, threads);
  LRB_ASSIGN_OR_RETURN(const RunSummary summary, RunSuitePlan(suite, plan, *store, options));
  std::cerr << absl::StrFormat("trained %d, reused %d, failed %d, skipped %d", summary.trained,
                               summary.reused, summary.failed, summary.skipped_held);
  if (summary.skipped_held > 0) std::cerr << " (being trained by another process)";
  std::cerr << "\n";
  if (summary.reused_from_other > 0) {
    std::cerr << absl::StrFormat("%d reused run(s) copied from the --reuse_from databases\n",
                                 summary.reused_from_other);
  }
  if (summary.retried > 0) {
    std::cerr << absl::StrFormat(
        "%d of them replaced an earlier failed, interrupted, abandoned or incomplete attempt\n",
        summary.retried);
  }
  if (summary.reused_not_exported > 0) {
    std::cerr << absl::StrFormat(
        "%d reused run(s) were not exported: a stored run keeps no model; add --force to "
        "retrain and export them\n",
        summary.reused_not_exported);
  }
  std::cerr << "\n";
  // Show this machine's results even from a dirty tree, marked as such.
  LRB_RETURN_IF_ERROR(PrintLeaderboard(*store, suite, /*include_unclean=*/true));
  if (summary.AllSucceeded()) return absl::OkStatus();
  std::vector<std::string> problems;
  if (summary.failed > 0) {
    problems.push_back(absl::StrFormat("%d run(s) of %s failed; their errors are in the runs "
                                       "table of %s",
                                       summary.failed, suite.id(), db_path));
  }
  if (summary.export_failed > 0) {
    problems.push_back(absl::StrCat(summary.export_failed, " model export(s) to ",
                                    command.export_models_dir,
                                    " failed (their runs are recorded ok)"));
  }
  return absl::AbortedError(absl::StrJoin(problems, "; "));
}

}  // namespace lrb::bench
