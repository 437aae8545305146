#include "leaderboard/store/leaderboard_table.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "util/spec_parser.h"

namespace lrb::leaderboard {
namespace {

// The metrics every row summarises, beside the rank metric.
struct ColumnMetric {
  std::string_view metric;
  MetricSummary LeaderboardRow::*field;
};
constexpr ColumnMetric kColumnMetrics[] = {
    {kDecoderMGtMetric, &LeaderboardRow::decoder_m_gt},
    {kDecoderMIpMetric, &LeaderboardRow::decoder_m_ip},
    {kMGtMetric, &LeaderboardRow::m_gt},
    {kMIpMetric, &LeaderboardRow::m_ip},
    {kL0Metric, &LeaderboardRow::l0},
    {kFvuMetric, &LeaderboardRow::fvu},
};

bool IsFinished(const RunRecord& run) { return run.status == "ok" && run.incomplete.empty(); }
bool IsOptimised(const Environment& env) { return env.build_mode == "opt"; }
bool IsClean(const Environment& env) { return IsOptimised(env) && !env.git_dirty; }

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

MetricSummary SummarizeMetric(const std::vector<const RunRecord*>& group, std::string_view name) {
  std::vector<double> values;
  for (const RunRecord* run : group) {
    if (std::optional<double> v = FindMetric(*run, name)) values.push_back(*v);
  }
  return Summarize(values);
}

// Where a row stands: ranked rows by their mean in the board's direction, then unranked.
// Rows with equal keys tie.
std::pair<bool, double> ScoreKey(const LeaderboardRow& row, Direction direction) {
  if (row.rank_metric.count == 0) return {true, 0.0};
  return {false,
          direction == Direction::kHigherIsBetter ? -row.rank_metric.mean : row.rank_metric.mean};
}

void SortAndRank(std::vector<LeaderboardRow>& rows, Direction direction) {
  const auto key = [direction](const LeaderboardRow& row) {
    return std::make_tuple(std::string_view(row.dataset_spec), ScoreKey(row, direction),
                           std::string_view(row.method_spec), std::string_view(row.backend_used),
                           std::string_view(row.build_note));
  };
  std::sort(rows.begin(), rows.end(),
            [&](const LeaderboardRow& a, const LeaderboardRow& b) { return key(a) < key(b); });
  size_t dataset_start = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    LeaderboardRow& row = rows[i];
    const bool new_dataset = i == 0 || row.dataset_spec != rows[i - 1].dataset_spec;
    if (new_dataset) dataset_start = i;
    if (row.rank_metric.count == 0) {
      row.rank = 0;
    } else if (!new_dataset && ScoreKey(row, direction) == ScoreKey(rows[i - 1], direction)) {
      row.rank = rows[i - 1].rank;
    } else {
      row.rank = static_cast<int>(i - dataset_start) + 1;
    }
  }
}

// The standard error of the difference of the means of `a` and `b` (Welch's, each side
// with its own spread), or nullopt when either side has fewer than two values and so no
// spread to speak of.
std::optional<double> DifferenceStandardError(const MetricSummary& a, const MetricSummary& b) {
  if (a.count < 2 || b.count < 2) return std::nullopt;
  return std::sqrt(a.spread * a.spread / a.count + b.spread * b.spread / b.count);
}

void PairAnchoredRows(std::vector<LeaderboardRow>& rows) {
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<Key, const LeaderboardRow*> by_key;
  for (const LeaderboardRow& row : rows) {
    by_key[{row.dataset_spec, row.method_spec, row.backend_used, row.build_note}] = &row;
  }
  for (LeaderboardRow& row : rows) {
    const std::optional<std::string> twin_spec = WithoutAnchor(row.method_spec);
    if (!twin_spec.has_value()) continue;
    const auto twin = by_key.find({row.dataset_spec, *twin_spec, row.backend_used, row.build_note});
    if (twin == by_key.end()) continue;
    if (row.rank_metric.count == 0 || twin->second->rank_metric.count == 0) continue;
    row.anchor_delta = row.rank_metric.mean - twin->second->rank_metric.mean;
    row.anchor_twin = *twin_spec;
    row.anchor_delta_error = DifferenceStandardError(row.rank_metric, twin->second->rank_metric);
  }
}

// Levenshtein distance, for suggesting the metric a typo meant.
int EditDistance(std::string_view a, std::string_view b) {
  std::vector<int> previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      current[j] = std::min(
          {previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace

bool AnchorDeltaExceedsNoise(const LeaderboardRow& row) {
  if (!row.anchor_delta.has_value() || !row.anchor_delta_error.has_value()) return false;
  return std::abs(*row.anchor_delta) > kAnchorDeltaStandardErrors * *row.anchor_delta_error;
}

std::optional<std::string> WithoutAnchor(std::string_view method_spec) {
  // Parsed only to know the spec is in the grammar and where its terms are; the anchor
  // term is then cut out of the original text, so that the other terms keep their exact
  // spelling (a canonical spec stays canonical).
  const absl::StatusOr<std::vector<SpecTerm>> terms = ParseSpecTerms(method_spec);
  if (!terms.ok()) return std::nullopt;
  std::string out;
  bool found = false;
  size_t begin = 0;
  for (size_t i = 0; i < terms->size(); ++i) {
    // A term ends at the next '+' outside parentheses (a value may hold one, as in
    // "1e+05", only inside them).
    size_t end = begin;
    for (int depth = 0; end < method_spec.size(); ++end) {
      const char c = method_spec[end];
      if (c == '(') ++depth;
      if (c == ')') --depth;
      if (c == '+' && depth == 0) break;
    }
    // The family is the first term; only a modifier can be the anchor.
    if (i > 0 && (*terms)[i].name == "anchor") {
      found = true;
    } else {
      if (!out.empty()) out += '+';
      out.append(method_spec.substr(begin, end - begin));
    }
    begin = end + 1;
  }
  if (!found) return std::nullopt;
  return out;
}

absl::Status CheckRankMetric(const std::vector<RunRecord>& runs, std::string_view metric) {
  std::set<std::string, std::less<>> stored;
  for (const RunRecord& run : runs) {
    for (const auto& [name, value] : run.metrics) stored.insert(name);
  }
  if (stored.count(metric) > 0) return absl::OkStatus();
  for (const ColumnMetric& column : kColumnMetrics) {
    if (column.metric == metric) return absl::OkStatus();
  }
  for (const LowerIsBetterMetric& lower : kLowerIsBetterMetrics) {
    if (lower.name == metric) return absl::OkStatus();
  }
  // A few valid names: the closest stored one (a typo), the board's columns, then one of
  // each kind the runs store (not the 50 points of the M_GT curve).
  std::string closest;
  int closest_distance = 4;  // more edits than this is not a typo
  const auto consider = [&](std::string_view name) {
    const int distance = EditDistance(name, metric);
    if (distance < closest_distance) closest = std::string(name), closest_distance = distance;
  };
  // The board's columns first, so that they win ties ("m_gt@95" is two edits from both
  // m_gt@0.95 and m_gt@0.5).
  for (const ColumnMetric& column : kColumnMetrics) consider(column.metric);
  for (const std::string& name : stored) consider(name);
  std::vector<std::string> examples;
  for (const ColumnMetric& column : kColumnMetrics) examples.emplace_back(column.metric);
  for (const std::string& name : stored) {
    if (examples.size() >= 12) break;
    const bool curve_point = name.find("m_gt@") != std::string::npos;
    if (!curve_point && std::find(examples.begin(), examples.end(), name) == examples.end()) {
      examples.push_back(name);
    }
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "--rank_by=%s: no run on this board stores a metric of that name%s; expected a metric "
      "name of docs/metrics.md, e.g. %s (the runs here store %d names)",
      metric, closest.empty() ? "" : absl::StrFormat(" (did you mean %s?)", closest),
      absl::StrJoin(examples, ", "), stored.size()));
}

absl::StatusOr<Board> BuildBoard(const std::vector<RunRecord>& runs, const BoardOptions& options) {
  if (absl::Status status = CheckRankMetric(runs, options.rank_by); !status.ok()) return status;
  Board board;
  board.rank_by = options.rank_by;
  board.direction = MetricDirection(options.rank_by);
  board.unclean_included = options.include_unclean;
  board.counts.unfinished = CountUnfinishedRuns(runs);

  using GroupKey = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<GroupKey, std::vector<const RunRecord*>> groups;
  for (const RunRecord& run : runs) {
    if (!IsFinished(run)) continue;
    if (!options.scorer_version.empty() && run.scorer_version != options.scorer_version) {
      ++board.counts.other_scorer;
      continue;
    }
    board.counts.debug_build += !IsOptimised(run.environment);
    board.counts.dirty_tree += run.environment.git_dirty;
    if (!IsClean(run.environment) && !options.include_unclean) {
      ++board.counts.unclean_left_out;
      continue;
    }
    board.counts.external += run.external.has_value();
    groups[{run.dataset_spec, run.method_spec, run.backend_used, BuildNote(run.environment)}]
        .push_back(&run);
  }

  for (const auto& [key, group] : groups) {
    LeaderboardRow& row = board.rows.emplace_back();
    std::tie(row.dataset_spec, row.method_spec, row.backend_used, row.build_note) = key;
    row.seeds = static_cast<int>(group.size());
    row.rank_metric = SummarizeMetric(group, options.rank_by);
    for (const ColumnMetric& column : kColumnMetrics) {
      row.*column.field = SummarizeMetric(group, column.metric);
    }
    std::vector<double> speeds, seconds;
    for (const RunRecord* run : group) {
      seconds.push_back(run->train_seconds);
      const std::optional<double> samples = FindMetric(*run, kTrainSamplesMetric);
      if (samples.has_value() && run->train_seconds > 0) {
        speeds.push_back(*samples / run->train_seconds);
      }
    }
    row.samples_per_second = Summarize(speeds);
    row.train_seconds = Summarize(seconds);
  }
  PairAnchoredRows(board.rows);
  SortAndRank(board.rows, board.direction);
  return board;
}

std::vector<LeaderboardRow> BuildLeaderboard(const std::vector<RunRecord>& runs,
                                             bool include_unclean) {
  BoardOptions options;
  options.include_unclean = include_unclean;
  // The default rank metric is always valid (CheckRankMetric), so this cannot fail.
  absl::StatusOr<Board> board = BuildBoard(runs, options);
  return board.ok() ? std::move(board->rows) : std::vector<LeaderboardRow>{};
}

int CountUncleanRuns(const std::vector<RunRecord>& runs) {
  return static_cast<int>(std::count_if(runs.begin(), runs.end(), [](const RunRecord& run) {
    return IsFinished(run) && !IsClean(run.environment);
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
                      ". No flag shows them; `lrb run` retries all but the running ones.");
}

}  // namespace lrb::leaderboard
