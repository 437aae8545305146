#ifndef LRB_LEADERBOARD_REPORT_HTML_TEXT_H_
#define LRB_LEADERBOARD_REPORT_HTML_TEXT_H_

// Text inside an HTML or SVG document. Specs may hold characters that mean something in
// markup (a method imported as "external:<name>", a spec typed with quotes), so every piece
// of data goes through HtmlEscape before it reaches a page.

#include <string>
#include <string_view>

namespace lrb::report {

// `text` safe in element content and in single- or double-quoted attribute values:
// & < > " ' become character references.
std::string HtmlEscape(std::string_view text);

// At most `max_chars` characters of `text` (bytes; specs are ASCII), ending in "..." when
// cut. `max_chars` >= 4.
std::string Truncate(std::string_view text, size_t max_chars);

}  // namespace lrb::report

#endif  // LRB_LEADERBOARD_REPORT_HTML_TEXT_H_
