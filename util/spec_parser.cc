#include "util/spec_parser.h"

#include <charconv>
#include <cmath>
#include <set>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace lrb {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}
bool IsKeyChar(char c) { return (IsNameChar(c) && c != '.') || (c >= 'A' && c <= 'Z'); }
bool IsValueChar(char c) {
  return IsNameChar(c) || (c >= 'A' && c <= 'Z') || c == '+' || c == '-';
}

absl::Status SyntaxError(std::string_view text, size_t pos, std::string_view expected) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "spec \"%s\": at position %d ('%s'): expected %s", text, pos,
      pos < text.size() ? text.substr(pos, 1) : std::string_view("end"), expected));
}

}  // namespace

absl::StatusOr<std::vector<SpecTerm>> ParseSpecTerms(std::string_view text) {
  std::vector<SpecTerm> terms;
  size_t pos = 0;
  auto read_while = [&](auto pred) {
    const size_t start = pos;
    while (pos < text.size() && pred(text[pos])) ++pos;
    return std::string(text.substr(start, pos - start));
  };
  while (true) {
    SpecTerm term;
    term.name = read_while(IsNameChar);
    if (term.name.empty()) return SyntaxError(text, pos, "a name of [a-z0-9_.]");
    if (pos < text.size() && text[pos] == '(') {
      ++pos;
      // "name()" is the same term as "name"; otherwise key=value pairs separated by ','.
      bool more = pos < text.size() && text[pos] != ')';
      while (more) {
        std::string key = read_while(IsKeyChar);
        if (key.empty()) return SyntaxError(text, pos, "a key of [A-Za-z0-9_]");
        if (pos >= text.size() || text[pos] != '=') return SyntaxError(text, pos, "'='");
        ++pos;
        // Values may contain '+' (1e+05) but the term separator is also '+': a value
        // only extends over a '+' directly after an exponent 'e'.
        const size_t start = pos;
        while (pos < text.size() && IsValueChar(text[pos])) {
          if (text[pos] == '+' && !(pos > start && (text[pos - 1] == 'e' || text[pos - 1] == 'E'))) break;
          ++pos;
        }
        std::string value(text.substr(start, pos - start));
        if (value.empty()) return SyntaxError(text, pos, "a value");
        term.args.emplace_back(std::move(key), std::move(value));
        more = pos < text.size() && text[pos] == ',';
        if (more) ++pos;
      }
      if (pos >= text.size() || text[pos] != ')') return SyntaxError(text, pos, "',' or ')'");
      ++pos;
    }
    terms.push_back(std::move(term));
    if (pos == text.size()) return terms;
    if (text[pos] != '+') return SyntaxError(text, pos, "'+' or end of spec");
    ++pos;
  }
}

std::string FormatSpecNumber(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

const std::string* SpecArgReader::Find(std::string_view key) {
  known_keys_.emplace_back(key);
  for (const auto& [k, v] : term_.args) {
    if (k == key) return &v;
  }
  return nullptr;
}

absl::Status SpecArgReader::Int(std::string_view key, int64_t default_value, int64_t min,
                                int64_t max, int64_t* out) {
  const std::string* text = Find(key);
  if (text == nullptr) {
    *out = default_value;
    return absl::OkStatus();
  }
  int64_t value = 0;
  // Integers may be written in exponent form (N=1e5) as long as they are whole.
  double as_double = 0;
  const char* end = text->data() + text->size();
  const auto int_result = std::from_chars(text->data(), end, value);
  if (int_result.ec != std::errc() || int_result.ptr != end) {
    const auto dbl_result = std::from_chars(text->data(), end, as_double);
    if (dbl_result.ec != std::errc() || dbl_result.ptr != end || as_double != std::floor(as_double) ||
        std::fabs(as_double) > 9e18) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: %s=%s is not an integer; expected an integer in [%d, %d]", term_.name, key, *text,
          min, max));
    }
    value = static_cast<int64_t>(as_double);
  }
  if (value < min || value > max) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: %s=%d is out of range; expected an integer in [%d, %d]", term_.name, key, value, min,
        max));
  }
  *out = value;
  return absl::OkStatus();
}

absl::Status SpecArgReader::Double(std::string_view key, double default_value, double min,
                                   double max, double* out) {
  const std::string* text = Find(key);
  if (text == nullptr) {
    *out = default_value;
    return absl::OkStatus();
  }
  double value = 0;
  const char* end = text->data() + text->size();
  const auto result = std::from_chars(text->data(), end, value);
  if (result.ec != std::errc() || result.ptr != end || !std::isfinite(value)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: %s=%s is not a finite number; expected a number in [%s, %s]", term_.name, key, *text,
        FormatSpecNumber(min), FormatSpecNumber(max)));
  }
  if (value < min || value > max) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: %s=%s is out of range; expected a number in [%s, %s]", term_.name, key, *text,
        FormatSpecNumber(min), FormatSpecNumber(max)));
  }
  *out = value;
  return absl::OkStatus();
}

absl::Status SpecArgReader::Finish() const {
  std::set<std::string> seen;
  for (const auto& [key, value] : term_.args) {
    if (!seen.insert(key).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: key %s is given twice", term_.name, key));
    }
    bool known = false;
    for (const auto& k : known_keys_) known = known || k == key;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: unknown key %s=%s; allowed keys: %s", term_.name, key, value,
          absl::StrJoin(known_keys_, ", ")));
    }
  }
  return absl::OkStatus();
}

}  // namespace lrb
