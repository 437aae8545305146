#ifndef LRB_LEADERBOARD_STORE_BOARD_FORMAT_H_
#define LRB_LEADERBOARD_STORE_BOARD_FORMAT_H_

// A board (leaderboard_table.h) printed in one of four formats (docs/leaderboard.md):
//   text  for terminals: at most kTextWidth columns; methods and datasets by short labels
//         (M1, D1) with a legend below the table that spells every full spec out
//   md    a GitHub markdown table per dataset, full specs
//   csv   RFC 4180, one record per row, raw values (fractions, not percentages)
//   json  the versioned schema kBoardJsonSchema
// text and md end with the footer sentences (board_columns.h BoardNotes); json carries
// them as fields; csv is the table alone, so a program can read it whole (the caller
// prints the notes elsewhere, e.g. on stderr).

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "leaderboard/store/leaderboard_table.h"

namespace lrb::leaderboard {

enum class BoardFormat { kText, kMarkdown, kCsv, kJson };

// "text", "md", "csv" or "json"; otherwise InvalidArgument naming the value and these.
absl::StatusOr<BoardFormat> ParseBoardFormat(std::string_view name);

// The json format's "schema" value; a change to its fields that a reader could notice
// (a field removed, renamed or retyped) bumps the number.
inline constexpr std::string_view kBoardJsonSchema = "lrb.leaderboard/1";

// Every line of the text format fits in this many display columns.
inline constexpr int kTextWidth = 120;

// What a board is of: a suite (e.g. "smoke@1"), or one dataset (any suite).
struct BoardSource {
  std::string suite;                       // set for a suite's board
  std::string dataset_spec, dataset_hash;  // set for a dataset's board
};

std::string FormatBoard(const Board& board, const BoardSource& source, BoardFormat format);

// The footer sentences, one per line ('\n' after each); "" when there are none.
std::string FormatBoardNotes(const Board& board);

namespace internal {
std::string FormatBoardText(const Board& board, const BoardSource& source);
std::string FormatBoardMarkdown(const Board& board, const BoardSource& source);
std::string FormatBoardCsv(const Board& board);
std::string FormatBoardJson(const Board& board, const BoardSource& source);
}  // namespace internal

}  // namespace lrb::leaderboard

#endif  // LRB_LEADERBOARD_STORE_BOARD_FORMAT_H_
