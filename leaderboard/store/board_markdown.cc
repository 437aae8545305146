// The md format: a GitHub-flavoured markdown table per dataset, full specs in code spans,
// then the footer sentences as a list.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "leaderboard/store/board_columns.h"
#include "leaderboard/store/board_format.h"

namespace lrb::leaderboard::internal {
namespace {

// A cell's text: a '|' would end the cell (even inside a code span) and a line break the
// row, so both are escaped.
std::string Cell(const std::string& text) {
  return absl::StrReplaceAll(text, {{"|", "\\|"}, {"\r", " "}, {"\n", " "}});
}

// A spec in a code span when it can be one (no backtick inside), else as plain text.
std::string Code(const std::string& text) {
  if (text.empty()) return "";
  if (text.find('`') != std::string::npos) return Cell(text);
  return absl::StrCat("`", Cell(text), "`");
}

std::string MeanAndSpread(const MetricSummary& summary, Unit unit) {
  const std::string spread = FormatSpread(summary, unit);
  return spread.empty() ? FormatMean(summary, unit)
                        : absl::StrCat(FormatMean(summary, unit), " ", spread);
}

}  // namespace

std::string FormatBoardMarkdown(const Board& board, const BoardSource& source) {
  const std::vector<BoardColumn> columns = MetricColumns(board);
  const bool show_build =
      std::any_of(board.rows.begin(), board.rows.end(),
                  [](const LeaderboardRow& r) { return !r.build_note.empty(); });
  std::string out = source.suite.empty()
                        ? absl::StrCat("### Leaderboard of dataset ", Code(source.dataset_spec),
                                       " (hash ", source.dataset_hash, ")\n\n")
                        : absl::StrCat("### Leaderboard of ", source.suite, "\n\n");
  absl::StrAppend(&out, RankingLegend(board), "\n");

  std::vector<std::string> header = {"rank", "method", "backend", "seeds"};
  std::vector<std::string> rule = {"---:", "---", "---", "---:"};
  for (const BoardColumn& column : columns) {
    header.push_back(column.header);
    rule.push_back("---:");
    if (column.summary == &LeaderboardRow::rank_metric) {
      header.push_back("Δ anchor");
      rule.push_back("---:");
    }
  }
  if (show_build) {
    header.push_back("build");
    rule.push_back("---");
  }
  for (size_t i = 0; i < board.rows.size(); ++i) {
    const LeaderboardRow& row = board.rows[i];
    if (i == 0 || row.dataset_spec != board.rows[i - 1].dataset_spec) {
      absl::StrAppend(&out, "\nDataset ", Code(row.dataset_spec), "\n\n| ",
                      absl::StrJoin(header, " | "), " |\n|", absl::StrJoin(rule, "|"), "|\n");
    }
    std::vector<std::string> cells = {FormatRank(row.rank), Code(row.method_spec),
                                      Cell(row.backend_used), absl::StrCat(row.seeds)};
    for (const BoardColumn& column : columns) {
      cells.push_back(MeanAndSpread(row.*column.summary, column.unit));
      if (column.summary == &LeaderboardRow::rank_metric) {
        cells.push_back(FormatAnchorDelta(row, column.unit));
      }
    }
    if (show_build) cells.push_back(Cell(row.build_note));
    absl::StrAppend(&out, "| ", absl::StrJoin(cells, " | "), " |\n");
  }
  const std::vector<std::string> notes = BoardNotes(board);
  if (!notes.empty()) out += "\n";
  for (const std::string& note : notes) absl::StrAppend(&out, "- ", Cell(note), "\n");
  return out;
}

}  // namespace lrb::leaderboard::internal
