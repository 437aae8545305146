#include "leaderboard/store/board_format.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "leaderboard/store/board_columns.h"

namespace lrb::leaderboard {

absl::StatusOr<BoardFormat> ParseBoardFormat(std::string_view name) {
  if (name == "text") return BoardFormat::kText;
  if (name == "md") return BoardFormat::kMarkdown;
  if (name == "csv") return BoardFormat::kCsv;
  if (name == "json") return BoardFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("--format=", std::string(name), ": expected one of text, md, csv, json"));
}

std::string FormatBoard(const Board& board, const BoardSource& source, BoardFormat format) {
  switch (format) {
    case BoardFormat::kText:
      return internal::FormatBoardText(board, source);
    case BoardFormat::kMarkdown:
      return internal::FormatBoardMarkdown(board, source);
    case BoardFormat::kCsv:
      return internal::FormatBoardCsv(board);
    case BoardFormat::kJson:
      return internal::FormatBoardJson(board, source);
  }
  return "";
}

std::string FormatBoardNotes(const Board& board) {
  std::string out;
  for (const std::string& note : internal::BoardNotes(board)) absl::StrAppend(&out, note, "\n");
  return out;
}

}  // namespace lrb::leaderboard
