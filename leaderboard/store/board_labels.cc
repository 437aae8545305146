#include "leaderboard/store/board_labels.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "leaderboard/store/text_table.h"
#include "util/spec_parser.h"

namespace lrb::leaderboard::internal {
namespace {

// The UTF-8 code points of `text`, each as its bytes (one display column each, as
// DisplayWidth counts them).
std::vector<std::string> CodePoints(const std::string& text) {
  std::vector<std::string> points;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) == 0x80 && !points.empty()) {
      points.back() += c;
    } else {
      points.emplace_back(1, c);
    }
  }
  return points;
}

std::string Join(const std::vector<std::string>& points, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) out += points[i];
  return out;
}

}  // namespace

std::vector<std::string> MethodHints(const std::vector<std::string>& specs) {
  std::vector<std::optional<std::vector<SpecTerm>>> parsed;
  // (term name, key) -> the values seen, over every spec that has the term.
  std::map<std::pair<std::string, std::string>, std::set<std::string>> values;
  for (const std::string& spec : specs) {
    absl::StatusOr<std::vector<SpecTerm>> terms = ParseSpecTerms(spec);
    if (!terms.ok() || terms->empty()) {
      parsed.emplace_back();
      continue;
    }
    for (const SpecTerm& term : *terms) {
      for (const auto& [key, value] : term.args) values[{term.name, key}].insert(value);
    }
    parsed.emplace_back(*std::move(terms));
  }
  std::vector<std::string> hints;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (!parsed[i].has_value()) {
      hints.push_back(specs[i]);
      continue;
    }
    std::vector<std::string> words;
    for (size_t t = 0; t < parsed[i]->size(); ++t) {
      const SpecTerm& term = (*parsed[i])[t];
      if (t == 0) {
        const size_t dot = term.name.rfind('.');
        words.push_back(dot == std::string::npos ? term.name : term.name.substr(dot + 1));
      } else {
        words.push_back(absl::StrCat("+", term.name));
      }
      for (const auto& [key, value] : term.args) {
        if (values[{term.name, key}].size() > 1) words.push_back(absl::StrCat(key, "=", value));
      }
    }
    hints.push_back(absl::StrJoin(words, " "));
  }
  return hints;
}

std::string Ellipsize(const std::string& text, int width) {
  if (width <= 0) return "";
  if (DisplayWidth(text) <= width) return text;
  const std::vector<std::string> points = CodePoints(text);
  return Join(points, 0, static_cast<size_t>(width - 1)) + "…";
}

std::vector<std::string> WrapSpec(const std::string& prefix, const std::string& spec, int width) {
  const int indent = DisplayWidth(prefix);
  const size_t room = static_cast<size_t>(std::max(1, width - indent));
  const std::vector<std::string> points = CodePoints(spec);
  std::vector<std::string> lines;
  size_t begin = 0;
  do {
    size_t end = points.size();
    if (end - begin > room) {
      // The last good break within the line, if it is not too far back (a short line
      // followed by a long one reads worse than a break inside a knob).
      end = begin + room;
      for (size_t cut = begin + room; cut > begin + room / 2; --cut) {
        if (points[cut - 1] == "," || points[cut] == "+") {
          end = cut;
          break;
        }
      }
    }
    lines.push_back(
        absl::StrCat(lines.empty() ? prefix : std::string(indent, ' '), Join(points, begin, end)));
    begin = end;
  } while (begin < points.size());
  return lines;
}

std::vector<std::string> WrapWords(const std::string& text, int width, int indent) {
  std::vector<std::string> lines;
  std::string line;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    const std::string candidate =
        line.empty() ? absl::StrCat(lines.empty() ? "" : std::string(indent, ' '), word)
                     : absl::StrCat(line, " ", word);
    if (!line.empty() && DisplayWidth(candidate) > width) {
      lines.push_back(line);
      line = absl::StrCat(std::string(indent, ' '), word);
    } else {
      line = candidate;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

}  // namespace lrb::leaderboard::internal
