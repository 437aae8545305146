// The text format: a fixed-width table of at most kTextWidth columns. Methods and datasets
// are named by labels (M1, D1, numbered in print order) with a readable hint beside the
// method label as room allows; a legend under the table spells every full spec out,
// wrapped (board_labels.h WrapSpec), so nothing is lost however long the specs are.

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "leaderboard/store/board_columns.h"
#include "leaderboard/store/board_format.h"
#include "leaderboard/store/board_labels.h"
#include "leaderboard/store/text_table.h"

namespace lrb::leaderboard::internal {
namespace {

// Specs in order of first appearance, each with its label ("M1", "D1").
class Labels {
 public:
  explicit Labels(std::string prefix) : prefix_(std::move(prefix)) {}
  const std::string& Add(const std::string& spec) {
    auto [it, added] = labels_.try_emplace(spec, "");
    if (added) {
      it->second = absl::StrCat(prefix_, specs_.size() + 1);
      specs_.push_back(spec);
    }
    return it->second;
  }
  const std::string& Of(const std::string& spec) const { return labels_.at(spec); }
  const std::vector<std::string>& specs() const { return specs_; }

 private:
  std::string prefix_;
  std::map<std::string, std::string> labels_;
  std::vector<std::string> specs_;
};

void AppendLines(std::string& out, const std::vector<std::string>& lines) {
  for (const std::string& line : lines) absl::StrAppend(&out, line, "\n");
}

}  // namespace

std::string FormatBoardText(const Board& board, const BoardSource& source) {
  const std::vector<BoardColumn> metric_columns = MetricColumns(board);
  const bool show_build =
      std::any_of(board.rows.begin(), board.rows.end(),
                  [](const LeaderboardRow& r) { return !r.build_note.empty(); });
  Labels methods("M"), datasets("D");
  if (!source.dataset_spec.empty()) datasets.Add(source.dataset_spec);
  for (const LeaderboardRow& row : board.rows) {
    datasets.Add(row.dataset_spec);
    methods.Add(row.method_spec);
  }

  using Align = TextTable::Align;
  constexpr size_t kMethodColumn = 1;
  std::vector<TextTable::Column> columns = {{"rank", Align::kRight},
                                            {"method", Align::kLeft},
                                            {"backend", Align::kLeft},
                                            {"seeds", Align::kRight}};
  for (const BoardColumn& column : metric_columns) {
    columns.push_back({column.header, Align::kRight});
    if (column.summary == &LeaderboardRow::rank_metric) {
      columns.push_back({"Δ anchor", Align::kRight});
    }
  }
  if (show_build) columns.push_back({"build", Align::kLeft});

  // Every line of the table as cells; the method cells are filled in once the other
  // columns' widths say how much room is left. Under a row whose metrics aggregate several
  // seeds, a line with the spreads.
  struct Line {
    bool heading = false;
    std::vector<std::string> cells;  // the heading text alone for a heading
    const LeaderboardRow* row = nullptr;
  };
  std::vector<Line> lines;
  for (size_t i = 0; i < board.rows.size(); ++i) {
    const LeaderboardRow& row = board.rows[i];
    if (i == 0 || row.dataset_spec != board.rows[i - 1].dataset_spec) {
      lines.push_back({true,
                       {Ellipsize(absl::StrCat("dataset ", datasets.Of(row.dataset_spec), ": ",
                                               row.dataset_spec),
                                  kTextWidth)}});
    }
    std::vector<std::string> cells = {FormatRank(row.rank), "", row.backend_used,
                                      absl::StrCat(row.seeds)};
    std::vector<std::string> spreads(cells.size());
    for (const BoardColumn& column : metric_columns) {
      cells.push_back(FormatMean(row.*column.summary, column.unit));
      spreads.push_back(FormatSpread(row.*column.summary, column.unit));
      if (column.summary == &LeaderboardRow::rank_metric) {
        cells.push_back(FormatAnchorDelta(row, column.unit));
        spreads.push_back("");
      }
    }
    if (show_build) {
      cells.push_back(row.build_note);
      spreads.push_back("");
    }
    lines.push_back({false, std::move(cells), &row});
    if (std::any_of(spreads.begin(), spreads.end(), [](const auto& s) { return !s.empty(); })) {
      lines.push_back({false, std::move(spreads), nullptr});
    }
  }

  // The room left for the method column: the table's width without it, gaps included.
  int others = 0;
  for (size_t c = 0; c < columns.size(); ++c) {
    if (c == kMethodColumn) continue;
    int width = DisplayWidth(columns[c].header);
    for (const Line& line : lines) {
      if (!line.heading) width = std::max(width, DisplayWidth(line.cells[c]));
    }
    others += width + 2;
  }
  const int method_room = kTextWidth - others;
  const std::vector<std::string> hints = MethodHints(methods.specs());
  std::map<std::string, std::string> hint_of;
  for (size_t i = 0; i < hints.size(); ++i) hint_of[methods.specs()[i]] = hints[i];

  TextTable table(std::move(columns));
  for (Line& line : lines) {
    if (line.heading) {
      table.AddHeading(std::move(line.cells.front()));
      continue;
    }
    if (line.row != nullptr) {
      const std::string& label = methods.Of(line.row->method_spec);
      line.cells[kMethodColumn] =
          DisplayWidth(label) + 2 > method_room
              ? label
              : Ellipsize(absl::StrCat(label, " ", hint_of[line.row->method_spec]), method_room);
    }
    table.AddRow(std::move(line.cells));
  }

  std::string out =
      source.suite.empty()
          ? Ellipsize(absl::StrCat("Leaderboard of dataset ", datasets.Of(source.dataset_spec),
                                   " (hash ", source.dataset_hash, ")"),
                      kTextWidth)
          : Ellipsize(absl::StrCat("Leaderboard of ", source.suite), kTextWidth);
  out += "\n";
  out += table.Render();
  if (!methods.specs().empty()) out += "methods:\n";
  for (const std::string& spec : methods.specs()) {
    AppendLines(out, WrapSpec(absl::StrCat("  ", methods.Of(spec), "  "), spec, kTextWidth));
  }
  if (!datasets.specs().empty()) out += "datasets:\n";
  for (const std::string& spec : datasets.specs()) {
    AppendLines(out, WrapSpec(absl::StrCat("  ", datasets.Of(spec), "  "), spec, kTextWidth));
  }
  AppendLines(out, WrapWords(RankingLegend(board), kTextWidth, 2));
  for (const std::string& note : BoardNotes(board)) {
    AppendLines(out, WrapWords(note, kTextWidth, 2));
  }
  return out;
}

}  // namespace lrb::leaderboard::internal
