#ifndef LRB_LEADERBOARD_STORE_BOARD_LABELS_H_
#define LRB_LEADERBOARD_STORE_BOARD_LABELS_H_

// Fitting long specs into the text format's width without losing them: readable short
// hints for method specs, cutting a cell, and wrapping a legend entry over lines from which
// the full spec can be read back.

#include <string>
#include <vector>

namespace lrb::leaderboard::internal {

// A short readable name per method spec, in the same order: the family without its
// topology ("topk" for "sae.topk(...)"), then each modifier as "+name", each followed by
// only those knobs whose values differ between the given specs that have that term
// ("topk k=6 +anchor" when another spec has k=8). A spec outside the spec grammar (e.g.
// "external:NAME") is its own hint.
std::vector<std::string> MethodHints(const std::vector<std::string>& specs);

// `text` if it fits in `width` display columns, else its first width - 1 code points and
// "…". "" for width <= 0.
std::string Ellipsize(const std::string& text, int width);

// `prefix` followed by `spec`, over lines of at most `width` display columns (when the
// prefix leaves room for at least one character). Lines after the first start with as
// many spaces as the prefix is wide; removing exactly those and joining the lines gives
// prefix + spec back. Lines break after ',' or before '+' where one of those is close
// enough, anywhere otherwise. No line ends with '\n'.
std::vector<std::string> WrapSpec(const std::string& prefix, const std::string& spec, int width);

// `text` broken at spaces into lines of at most `width` columns (a word longer than that
// gets a line of its own), lines after the first indented by `indent` spaces.
std::vector<std::string> WrapWords(const std::string& text, int width, int indent);

}  // namespace lrb::leaderboard::internal

#endif  // LRB_LEADERBOARD_STORE_BOARD_LABELS_H_
