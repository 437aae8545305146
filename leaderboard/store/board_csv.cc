// The csv format: RFC 4180 (CRLF line ends, a field quoted when it holds a comma, a quote
// or a line break, quotes doubled inside), one header record, one record per board row.
// Values are raw: fractions as stored, the shortest decimal that reads back to the same
// double, an empty field for a missing value. docs/leaderboard.md lists the fields.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "leaderboard/store/board_columns.h"
#include "leaderboard/store/board_format.h"
#include "util/spec_parser.h"

namespace lrb::leaderboard::internal {
namespace {

std::string QuoteField(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  return absl::StrCat("\"", absl::StrReplaceAll(field, {{"\"", "\"\""}}), "\"");
}

void AppendRecord(std::string& out, const std::vector<std::string>& fields) {
  std::vector<std::string> quoted;
  for (const std::string& field : fields) quoted.push_back(QuoteField(field));
  absl::StrAppend(&out, absl::StrJoin(quoted, ","), "\r\n");
}

std::string Number(double value) { return FormatSpecNumber(value); }

// anchor_delta_error and anchor_delta_exceeds_noise ("1" / "0"); both empty when the
// error is unset, so that a reader never takes "0" for "not beyond the noise" where the
// noise was never measured.
void AppendAnchorNoise(std::vector<std::string>& fields, const LeaderboardRow& row) {
  if (!row.anchor_delta_error.has_value()) {
    fields.insert(fields.end(), {"", ""});
    return;
  }
  fields.push_back(Number(*row.anchor_delta_error));
  fields.push_back(AnchorDeltaExceedsNoise(row) ? "1" : "0");
}

}  // namespace

std::string FormatBoardCsv(const Board& board) {
  const std::vector<BoardColumn> columns = MetricColumns(board);
  std::vector<std::string> header = {"rank", "dataset", "method", "backend", "build", "seeds"};
  for (const BoardColumn& column : columns) {
    header.push_back(column.key);
    header.push_back(absl::StrCat(column.key, "_spread"));
    if (column.summary == &LeaderboardRow::rank_metric) {
      header.push_back("anchor_delta");
      header.push_back("anchor_twin");
      header.push_back("anchor_delta_error");
      header.push_back("anchor_delta_exceeds_noise");
    }
  }
  std::string out;
  AppendRecord(out, header);
  for (const LeaderboardRow& row : board.rows) {
    std::vector<std::string> fields = {row.rank > 0 ? absl::StrCat(row.rank) : "",
                                       row.dataset_spec,
                                       row.method_spec,
                                       row.backend_used,
                                       row.build_note,
                                       absl::StrCat(row.seeds)};
    for (const BoardColumn& column : columns) {
      const MetricSummary& summary = row.*column.summary;
      fields.push_back(summary.count > 0 ? Number(summary.mean) : "");
      fields.push_back(summary.count > 1 ? Number(summary.spread) : "");
      if (column.summary == &LeaderboardRow::rank_metric) {
        fields.push_back(row.anchor_delta.has_value() ? Number(*row.anchor_delta) : "");
        fields.push_back(row.anchor_twin);
        AppendAnchorNoise(fields, row);
      }
    }
    AppendRecord(out, fields);
  }
  return out;
}

}  // namespace lrb::leaderboard::internal
