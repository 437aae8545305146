#ifndef LRB_LEADERBOARD_STORE_BOARD_COLUMNS_H_
#define LRB_LEADERBOARD_STORE_BOARD_COLUMNS_H_

// What every format of a board (board_format.h) prints, in one place: the metric columns
// in order, how a value of each is written for people, and the footer sentences.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leaderboard/store/leaderboard_table.h"

namespace lrb::leaderboard::internal {

// How a metric is written for people (text and markdown); csv and json write raw values.
enum class Unit {
  kPercent,   // a fraction shown as "98.96%", spreads and deltas in percentage points
  kFraction,  // "0.995"
  kCount,     // "6.00" (e.g. L0)
  kRate,      // "123457" (samples/s)
  kOther,     // "%.4g": a metric of unknown range
};

struct BoardColumn {
  std::string key;     // the metric's stored name, or "samples_per_second" (csv, json)
  std::string header;  // short, for text and markdown
  Unit unit;
  MetricSummary LeaderboardRow::*summary;
};

// The rank metric's column first (the board's own column when it shows that metric), then
// decoder M_GT and M_IP, encoder M_GT and M_IP, L0, FVU and samples/s.
std::vector<BoardColumn> MetricColumns(const Board& board);

// The column header and unit of a metric name ("dec M_GT", kPercent for
// "decoder.m_gt@0.95"); any name not shown by default keeps its own name as header.
std::string MetricHeader(std::string_view metric);
Unit MetricUnit(std::string_view metric);

// "98.96%" / "0.995" / ...; "-" when no run reported it.
std::string FormatMean(const MetricSummary& summary, Unit unit);
// "±1.23" in the mean's units (percentage points for kPercent); "" for fewer than 2 runs.
std::string FormatSpread(const MetricSummary& summary, Unit unit);
// "+3.34" (percentage points for kPercent) / "-0.012"; "-" when unset.
std::string FormatDelta(const std::optional<double>& delta, Unit unit);
// The Δ anchor cell: FormatDelta of the row's anchor_delta, then, when its standard error
// is set, " ±" and the error in the delta's units and " *" when AnchorDeltaExceedsNoise
// ("+3.34 ±0.45 *", "+0.50 ±0.61"); "+3.34" without an error, "-" without a delta.
std::string FormatAnchorDelta(const LeaderboardRow& row, Unit unit);

// The rank shown: "1", or "-" for a row whose rank metric is missing.
std::string FormatRank(int rank);

// The footer sentences, each complete, in print order: runs not on the board by reason
// with what would show them, unclean rows shown, external submissions. Empty when there
// is nothing to say.
std::vector<std::string> BoardNotes(const Board& board);

// The one-line explanation of the ranking, the anchoring delta (with its ± and *) and the
// spreads.
std::string RankingLegend(const Board& board);

}  // namespace lrb::leaderboard::internal

#endif  // LRB_LEADERBOARD_STORE_BOARD_COLUMNS_H_
