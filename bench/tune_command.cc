#include "bench/tune_command.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/run_command.h"
#include "bench/runner.h"
#include "leaderboard/store/store.h"
#include "util/status_macros.h"

namespace lrb::bench {
namespace {

std::optional<double> MetricOf(const leaderboard::RunRecord& run, std::string_view name) {
  for (const auto& [metric, value] : run.metrics) {
    if (metric == name) return value;
  }
  return std::nullopt;
}

// What a probe row shows besides the tuned metric: how well the run recovers the features
// and reconstructs, so a reader sees what the matched value costs.
constexpr std::string_view kShownMetrics[] = {"eval.l0", "eval.fvu", "decoder.m_gt@0.95",
                                              "m_gt@0.95"};

std::string Cell(const std::optional<double>& value) {
  return value.has_value() ? absl::StrFormat("%.4g", *value) : "-";
}

}  // namespace

absl::Status TuneCommand(const TuneCommandOptions& command, const std::string& db_path,
                         std::ostream& out) {
  const TuneRequest& request = command.request;
  // A bad request is refused before anything is opened.
  LRB_RETURN_IF_ERROR(CheckTuneRequest(request));
  LRB_ASSIGN_OR_RETURN(TrainingSession session,
                       StartTrainingSession(db_path, ThreadsPerRun(command.threads, 1)));
  leaderboard::Store* const store = session.store.get();
  const RunOptions& options = session.options;
  std::unique_ptr<DatasetRuns> runs;  // loaded by the first probe

  std::vector<leaderboard::RunRecord> probed;
  const MeasureMetric measure = [&](const std::string& method) -> absl::StatusOr<double> {
    if (runs == nullptr) {
      LRB_ASSIGN_OR_RETURN(runs, DatasetRuns::Load(command.dataset_dir, options));
    }
    LRB_ASSIGN_OR_RETURN(const RunSummary summary, runs->Run(method, command.train,
                                                             command.backend, command.seed,
                                                             *store));
    if (summary.skipped_held > 0) {
      return absl::UnavailableError(
          absl::StrCat("the run of ", method, " is being trained by another process"));
    }
    LRB_ASSIGN_OR_RETURN(const std::string key,
                         PlannedRunKey(runs->dataset_hash(), method, command.train,
                                       command.backend, command.seed));
    LRB_ASSIGN_OR_RETURN(const std::optional<leaderboard::RunRecord> run,
                         store->FindFinishedRun(key));
    if (!run.has_value()) {
      return absl::AbortedError(absl::StrFormat(
          "the run of %s failed; its error is in the runs table of %s", method, db_path));
    }
    const std::optional<double> value = MetricOf(*run, request.metric);
    if (!value.has_value()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--metric=%s: the run of %s has no such metric (`sqlite3 %s 'SELECT DISTINCT name "
          "FROM metrics'` lists them)",
          request.metric, method, db_path));
    }
    probed.push_back(*run);
    return *value;
  };
  LRB_ASSIGN_OR_RETURN(const TuneResult result, Tune(request, measure));

  out << absl::StrFormat("%s for %s = %g (within %g%%) on %s, %s\n", request.knob,
                         request.metric, request.target, 100 * request.tolerance,
                         runs->dataset_spec(),
                         command.train.empty() ? "the default budget" : command.train);
  out << absl::StrFormat("%-6s %-10s %-12s", "probe", request.knob, request.metric);
  std::vector<std::string_view> shown;  // the tuned metric has its own column
  for (const std::string_view name : kShownMetrics) {
    if (name != request.metric) shown.push_back(name);
  }
  for (const std::string_view name : shown) out << absl::StrFormat(" %-18s", name);
  out << "\n";
  for (size_t i = 0; i < result.probes.size(); ++i) {
    out << absl::StrFormat("%-6d %-10g %-12.4g", i + 1, result.probes[i].value,
                           result.probes[i].metric);
    for (const std::string_view name : shown) {
      out << absl::StrFormat(" %-18s", Cell(MetricOf(probed[i], name)));
    }
    out << (i == result.best ? "  <- closest" : "") << "\n";
  }
  const TuneProbe& best = result.probes[result.best];
  if (!result.converged) {
    return absl::NotFoundError(absl::StrFormat(
        "no probe reached %s = %g within %g%% in %d probes; the closest is %s (%s = %.4g): "
        "give more --probes, or a narrower --low/--high around it",
        request.metric, request.target, 100 * request.tolerance, result.probes.size(),
        best.method_spec, request.metric, best.metric));
  }
  out << "chosen: " << best.method_spec << "\n";
  return absl::OkStatus();
}

}  // namespace lrb::bench
