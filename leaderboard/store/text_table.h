#ifndef LRB_LEADERBOARD_STORE_TEXT_TABLE_H_
#define LRB_LEADERBOARD_STORE_TEXT_TABLE_H_

// A fixed-width plain-text table for terminals and logs: every column is as wide as its
// widest cell (header included), so no content can break the alignment.

#include <string>
#include <utility>
#include <vector>

namespace lrb::leaderboard::internal {

// The display width of UTF-8 `text`, counted in code points ("±" is one column, two bytes).
// Good for Latin text and symbols; East Asian wide characters would count as one column.
int DisplayWidth(const std::string& text);

class TextTable {
 public:
  enum class Align { kLeft, kRight };
  struct Column {
    std::string header;
    Align align = Align::kLeft;
  };

  explicit TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // Adds a data row. Precondition: one cell per column (aborts otherwise: a programming error).
  void AddRow(std::vector<std::string> cells);

  // Adds a line printed as is between rows (e.g. a group heading); it does not take part in
  // the column widths, so a long heading cannot widen the table.
  void AddHeading(std::string text);

  // The header, a rule of dashes under each column, then the rows and headings in the order
  // added. Columns are separated by two spaces; every header, rule and data line has the
  // same display width. Each line ends with '\n'.
  std::string Render() const;

 private:
  struct Line {
    bool is_heading = false;
    std::vector<std::string> cells;  // one per column, or the heading text alone
  };

  std::vector<Column> columns_;
  std::vector<Line> lines_;
};

}  // namespace lrb::leaderboard::internal

#endif  // LRB_LEADERBOARD_STORE_TEXT_TABLE_H_
