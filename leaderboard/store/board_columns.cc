#include "leaderboard/store/board_columns.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace lrb::leaderboard::internal {
namespace {

struct KnownMetric {
  std::string_view name;
  const char* header;
  Unit unit;
  MetricSummary LeaderboardRow::*summary;
};
// The board's own columns, in print order (after the rank metric's).
constexpr KnownMetric kKnownMetrics[] = {
    {kDecoderMGtMetric, "dec M_GT", Unit::kPercent, &LeaderboardRow::decoder_m_gt},
    {kDecoderMIpMetric, "dec M_IP", Unit::kFraction, &LeaderboardRow::decoder_m_ip},
    {kMGtMetric, "M_GT@0.95", Unit::kPercent, &LeaderboardRow::m_gt},
    {kMIpMetric, "M_IP", Unit::kFraction, &LeaderboardRow::m_ip},
    {kL0Metric, "L0", Unit::kCount, &LeaderboardRow::l0},
    {kFvuMetric, "FVU", Unit::kFraction, &LeaderboardRow::fvu},
};
constexpr char kSamplesPerSecondKey[] = "samples_per_second";

// "±1.23": a spread or a standard error, in the units and precision of the means.
std::string PlusMinus(double deviation, Unit unit) {
  switch (unit) {
    case Unit::kPercent:
      return absl::StrFormat("±%.2f", 100 * deviation);
    case Unit::kFraction:
      return absl::StrFormat("±%.3f", deviation);
    case Unit::kCount:
      return absl::StrFormat("±%.2f", deviation);
    case Unit::kRate:
      return absl::StrFormat("±%.0f", deviation);
    case Unit::kOther:
      break;
  }
  return absl::StrFormat("±%.3g", deviation);
}

std::string Plural(int count, const char* one, const char* many) {
  return absl::StrCat(count, " ", count == 1 ? one : many);
}

}  // namespace

std::string MetricHeader(std::string_view metric) {
  for (const KnownMetric& known : kKnownMetrics) {
    if (known.name == metric) return known.header;
  }
  return std::string(metric);
}

Unit MetricUnit(std::string_view metric) {
  for (const KnownMetric& known : kKnownMetrics) {
    if (known.name == metric) return known.unit;
  }
  // Every point of the M_GT curve, on either side, is a fraction of features.
  if (metric.starts_with("m_gt@") || metric.starts_with("decoder.m_gt@")) {
    return Unit::kPercent;
  }
  return Unit::kOther;
}

std::vector<BoardColumn> MetricColumns(const Board& board) {
  std::vector<BoardColumn> columns;
  columns.push_back({board.rank_by, MetricHeader(board.rank_by), MetricUnit(board.rank_by),
                     &LeaderboardRow::rank_metric});
  for (const KnownMetric& known : kKnownMetrics) {
    if (known.name == board.rank_by) continue;
    columns.push_back({std::string(known.name), known.header, known.unit, known.summary});
  }
  columns.push_back(
      {kSamplesPerSecondKey, "samples/s", Unit::kRate, &LeaderboardRow::samples_per_second});
  return columns;
}

std::string FormatMean(const MetricSummary& summary, Unit unit) {
  if (summary.count == 0) return "-";
  switch (unit) {
    case Unit::kPercent:
      return absl::StrFormat("%.2f%%", 100 * summary.mean);
    case Unit::kFraction:
      return absl::StrFormat("%.3f", summary.mean);
    case Unit::kCount:
      return absl::StrFormat("%.2f", summary.mean);
    case Unit::kRate:
      return absl::StrFormat("%.0f", summary.mean);
    case Unit::kOther:
      break;
  }
  return absl::StrFormat("%.4g", summary.mean);
}

std::string FormatSpread(const MetricSummary& summary, Unit unit) {
  if (summary.count < 2) return "";
  return PlusMinus(summary.spread, unit);
}

std::string FormatDelta(const std::optional<double>& delta, Unit unit) {
  if (!delta.has_value()) return "-";
  switch (unit) {
    case Unit::kPercent:
      return absl::StrFormat("%+.2f", 100 * *delta);
    case Unit::kFraction:
      return absl::StrFormat("%+.3f", *delta);
    case Unit::kCount:
      return absl::StrFormat("%+.2f", *delta);
    case Unit::kRate:
      return absl::StrFormat("%+.0f", *delta);
    case Unit::kOther:
      break;
  }
  return absl::StrFormat("%+.3g", *delta);
}

std::string FormatAnchorDelta(const LeaderboardRow& row, Unit unit) {
  std::string cell = FormatDelta(row.anchor_delta, unit);
  if (!row.anchor_delta.has_value() || !row.anchor_delta_error.has_value()) return cell;
  absl::StrAppend(&cell, " ", PlusMinus(*row.anchor_delta_error, unit));
  if (AnchorDeltaExceedsNoise(row)) cell += " *";
  return cell;
}

std::string FormatRank(int rank) { return rank > 0 ? absl::StrCat(rank) : "-"; }

std::vector<std::string> BoardNotes(const Board& board) {
  std::vector<std::string> notes;
  const BoardCounts& counts = board.counts;
  if (board.rows.empty()) notes.push_back("No finished runs on this board.");

  if (const std::string unfinished = FormatUnfinishedRuns(counts.unfinished); !unfinished.empty()) {
    notes.push_back(unfinished);
  }
  if (counts.other_scorer > 0) {
    notes.push_back(absl::StrCat(
        Plural(counts.other_scorer, "finished run", "finished runs"),
        " scored by another scorer version left out. No flag shows them (their scores are not "
        "comparable); `lrb run` trains and scores them under the current scorer."));
  }
  if (counts.debug_build + counts.dirty_tree > 0) {
    const std::string which =
        absl::StrFormat("%d from debug (non-opt) builds, %d from dirty trees; a run may be both",
                        counts.debug_build, counts.dirty_tree);
    if (board.unclean_included) {
      notes.push_back(
          absl::StrCat("Runs from debug builds or dirty trees are shown in rows of "
                       "their own, marked in the build column (",
                       which, ")."));
    } else {
      notes.push_back(absl::StrCat(Plural(counts.unclean_left_out, "finished run", "finished runs"),
                                   " from debug builds or dirty trees left out (", which,
                                   "); --all shows them."));
    }
  }
  if (counts.external > 0) {
    notes.push_back(absl::StrCat(counts.external,
                                 " external submission(s) (method external:NAME): dictionaries "
                                 "trained outside LRB, scored by `lrb score`."));
  }
  return notes;
}

std::string RankingLegend(const Board& board) {
  const std::string unit =
      MetricUnit(board.rank_by) == Unit::kPercent ? " (percentage points)" : "";
  return absl::StrCat(
      "Ranked by ", board.rank_by, ", ", DirectionWord(board.direction),
      " is better. Δ anchor: its change", unit,
      " from adding +anchor(...) to the same method, dataset and backend; the ± after it is its "
      "standard error (with 2 or more seeds a side), and * marks a change larger than ",
      kAnchorDeltaStandardErrors,
      " standard errors, a rough screen for more than seed noise, not a formal test. Any "
      "other ± is the standard deviation over seeds.");
}

}  // namespace lrb::leaderboard::internal
