#ifndef LRB_UTIL_SPEC_PARSER_H_
#define LRB_UTIL_SPEC_PARSER_H_

// The grammar shared by dataset and method specs:
//
//   spec := term ('+' term)*
//   term := name ['(' [key '=' value (',' key '=' value)*] ')']
//   name := [a-z0-9_.]+        key := [A-Za-z0-9_]+       value := [A-Za-z0-9_.+-]+
//
// Whitespace is not allowed: a spec is a name, and two spellings must never name one thing.
// Typed reading with defaults and ranges is done by SpecArgReader, so each family states
// its knobs in one place and the errors all look alike.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lrb {

struct SpecTerm {
  std::string name;
  std::vector<std::pair<std::string, std::string>> args;  // in the order written
};

absl::StatusOr<std::vector<SpecTerm>> ParseSpecTerms(std::string_view text);

// Shortest decimal text that parses back to exactly `value` ("0.1", "1e-05", "100000").
std::string FormatSpecNumber(double value);

// Reads the arguments of one term. Each getter takes the default used when the key is
// absent and the inclusive allowed range; errors name the term, the key, the bad value and
// the range. Finish() rejects keys nobody asked for and repeated keys.
class SpecArgReader {
 public:
  explicit SpecArgReader(const SpecTerm& term) : term_(term) {}

  absl::Status Int(std::string_view key, int64_t default_value, int64_t min, int64_t max,
                   int64_t* out);
  absl::Status Double(std::string_view key, double default_value, double min, double max,
                      double* out);
  absl::Status Finish() const;

 private:
  // The value text for `key`, or nullptr when absent.
  const std::string* Find(std::string_view key);

  const SpecTerm& term_;
  std::vector<std::string> known_keys_;
};

}  // namespace lrb

#endif  // LRB_UTIL_SPEC_PARSER_H_
