#include "leaderboard/store/leaderboard_table.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "leaderboard/store/text_table.h"

namespace lrb::leaderboard {
namespace {

bool IsClean(const Environment& env) { return env.build_mode == "opt" && !env.git_dirty; }

std::string BuildNote(const Environment& env) {
  std::vector<std::string> parts;
  if (env.build_mode == "dbg") {
    parts.push_back("debug");
  } else if (env.build_mode.empty()) {
    parts.push_back("unknown build");
  } else if (env.build_mode != "opt") {
    parts.push_back(env.build_mode);
  }
  if (env.git_dirty) parts.push_back("dirty");
  return absl::StrJoin(parts, ", ");
}

std::optional<double> FindMetric(const RunRecord& run, std::string_view name) {
  for (const auto& [metric, value] : run.metrics) {
    if (metric == name) return value;
  }
  return std::nullopt;
}

MetricSummary Summarize(const std::vector<double>& values) {
  MetricSummary summary;
  summary.count = static_cast<int>(values.size());
  if (values.empty()) return summary;
  double sum = 0;
  for (double v : values) sum += v;
  summary.mean = sum / summary.count;
  if (summary.count > 1) {
    // Two passes: sum of squared deviations from the mean, not E[x^2] - E[x]^2, which
    // cancels catastrophically when the spread is small next to the mean.
    double squares = 0;
    for (double v : values) squares += (v - summary.mean) * (v - summary.mean);
    summary.spread = std::sqrt(squares / (summary.count - 1));
  }
  return summary;
}

// Best score first; a missing metric ranks after any present one. Rows with equal keys tie.
std::tuple<bool, double, bool, double> ScoreKey(const LeaderboardRow& row) {
  const bool has_gt = row.m_gt.count > 0, has_ip = row.m_ip.count > 0;
  return {!has_gt, has_gt ? -row.m_gt.mean : 0.0, !has_ip, has_ip ? -row.m_ip.mean : 0.0};
}

// Dataset, score, then names so that tied scores still print in a stable order.
auto SortKey(const LeaderboardRow& row) {
  return std::tuple_cat(
      std::make_tuple(std::string_view(row.dataset_spec)), ScoreKey(row),
      std::make_tuple(std::string_view(row.method_spec), std::string_view(row.backend_used),
                      std::string_view(row.build_note)));
}

void SortRows(std::vector<LeaderboardRow>& rows) {
  std::sort(rows.begin(), rows.end(), [](const LeaderboardRow& a, const LeaderboardRow& b) {
    return SortKey(a) < SortKey(b);
  });
}

// "84.90%" / "0.983"; "-" when no run reported the metric.
std::string FormatMean(const MetricSummary& metric, bool percent) {
  if (metric.count == 0) return "-";
  return percent ? absl::StrFormat("%.2f%%", 100 * metric.mean)
                 : absl::StrFormat("%.3f", metric.mean);
}

// "± 1.23" (percentage points) / "± 0.004"; empty unless at least two runs reported it.
std::string FormatSpread(const MetricSummary& metric, bool percent) {
  if (metric.count < 2) return "";
  return percent ? absl::StrFormat("± %.2f", 100 * metric.spread)
                 : absl::StrFormat("± %.3f", metric.spread);
}

// The metric columns, in print order: name, header, shown as a percentage.
struct MetricColumn {
  std::string_view metric;
  const char* header;
  bool percent;
  MetricSummary LeaderboardRow::*field;
};
constexpr MetricColumn kMetricColumns[] = {
    {kMGtMetric, "M_GT@0.95", true, &LeaderboardRow::m_gt},
    {kMIpMetric, "M_IP", false, &LeaderboardRow::m_ip},
    {kDecoderMGtMetric, "dec M_GT", true, &LeaderboardRow::decoder_m_gt},
    {kDecoderMIpMetric, "dec M_IP", false, &LeaderboardRow::decoder_m_ip},
};

}  // namespace

std::vector<LeaderboardRow> BuildLeaderboard(const std::vector<RunRecord>& runs,
                                             bool include_unclean) {
  using GroupKey = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<GroupKey, std::vector<const RunRecord*>> groups;
  for (const RunRecord& run : runs) {
    if (run.status != "ok" || !run.incomplete.empty()) continue;
    if (!include_unclean && !IsClean(run.environment)) continue;
    groups[{run.dataset_spec, run.method_spec, run.backend_used, BuildNote(run.environment)}]
        .push_back(&run);
  }

  std::vector<LeaderboardRow> rows;
  for (const auto& [key, group] : groups) {
    LeaderboardRow& row = rows.emplace_back();
    std::tie(row.dataset_spec, row.method_spec, row.backend_used, row.build_note) = key;
    row.seeds = static_cast<int>(group.size());
    for (const MetricColumn& column : kMetricColumns) {
      std::vector<double> values;
      for (const RunRecord* run : group) {
        if (std::optional<double> v = FindMetric(*run, column.metric)) values.push_back(*v);
      }
      row.*column.field = Summarize(values);
    }
    std::vector<double> train_seconds;
    for (const RunRecord* run : group) train_seconds.push_back(run->train_seconds);
    row.train_seconds_mean = Summarize(train_seconds).mean;
  }
  SortRows(rows);
  return rows;
}

int CountUncleanRuns(const std::vector<RunRecord>& runs) {
  return static_cast<int>(std::count_if(runs.begin(), runs.end(), [](const RunRecord& run) {
    return run.status == "ok" && run.incomplete.empty() && !IsClean(run.environment);
  }));
}

UnfinishedRuns CountUnfinishedRuns(const std::vector<RunRecord>& runs) {
  UnfinishedRuns counts;
  for (const RunRecord& run : runs) {
    if (run.status == "running") {
      ++(run.owner_gone ? counts.owner_gone : counts.running);
    } else if (run.status == "interrupted") {
      ++counts.interrupted;
    } else if (run.status == "failed") {
      ++counts.failed;
    } else if (run.status == "ok" && !run.incomplete.empty()) {
      ++counts.incomplete;
    }
  }
  return counts;
}

std::string FormatUnfinishedRuns(const UnfinishedRuns& counts) {
  std::vector<std::string> parts;
  const auto add = [&](int count, const char* what) {
    if (count > 0) parts.push_back(absl::StrCat(count, " ", what));
  };
  add(counts.running, "running (their owner is alive)");
  add(counts.owner_gone, "abandoned (running, but their owner is gone)");
  add(counts.interrupted, "interrupted");
  add(counts.incomplete, "finished ok but with rows missing (incomplete)");
  add(counts.failed, "failed (recorded with their errors)");
  if (parts.empty()) return "";
  return absl::StrCat("Not on the board: ", absl::StrJoin(parts, ", "),
                      ". `lrb run` retries all but the running ones.\n");
}

std::string FormatLeaderboard(const std::vector<LeaderboardRow>& rows, int unclean_runs_left_out) {
  using internal::TextTable;
  using Align = TextTable::Align;
  std::vector<LeaderboardRow> sorted = rows;
  SortRows(sorted);
  const bool show_build = std::any_of(
      sorted.begin(), sorted.end(), [](const LeaderboardRow& r) { return !r.build_note.empty(); });

  std::vector<TextTable::Column> columns = {
      {"rank", Align::kRight},
      {"method", Align::kLeft},
      {"backend", Align::kLeft},
      {"seeds", Align::kRight},
  };
  // Each metric has its mean and, in an unheaded column of its own, its spread, so that the
  // means line up.
  for (const MetricColumn& column : kMetricColumns) {
    columns.push_back({column.header, Align::kRight});
    columns.push_back({"", Align::kLeft});
  }
  columns.push_back({"train s", Align::kRight});
  if (show_build) columns.push_back({"build", Align::kLeft});
  TextTable table(std::move(columns));

  int rank = 0;
  size_t dataset_start = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const LeaderboardRow& row = sorted[i];
    const bool new_dataset = i == 0 || row.dataset_spec != sorted[i - 1].dataset_spec;
    if (new_dataset) {
      table.AddHeading(absl::StrCat("dataset: ", row.dataset_spec));
      dataset_start = i;
    }
    // Competition ranking ("1, 2, 2, 4"): a row tied with the one above shares its rank.
    if (new_dataset || ScoreKey(row) != ScoreKey(sorted[i - 1])) {
      rank = static_cast<int>(i - dataset_start) + 1;
    }
    std::vector<std::string> cells = {absl::StrCat(rank), row.method_spec, row.backend_used,
                                      absl::StrCat(row.seeds)};
    for (const MetricColumn& column : kMetricColumns) {
      cells.push_back(FormatMean(row.*column.field, column.percent));
      cells.push_back(FormatSpread(row.*column.field, column.percent));
    }
    cells.push_back(row.seeds > 0 ? absl::StrFormat("%.2f", row.train_seconds_mean) : "-");
    if (show_build) cells.push_back(row.build_note);
    table.AddRow(std::move(cells));
  }

  std::string out = table.Render();
  if (sorted.empty()) out += "(no finished runs)\n";
  if (unclean_runs_left_out > 0) {
    absl::StrAppend(&out, unclean_runs_left_out,
                    unclean_runs_left_out == 1 ? " finished run" : " finished runs",
                    " from debug builds or dirty trees left out\n");
  }
  return out;
}

}  // namespace lrb::leaderboard
