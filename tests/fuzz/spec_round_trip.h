#ifndef LRB_TESTS_FUZZ_SPEC_ROUND_TRIP_H_
#define LRB_TESTS_FUZZ_SPEC_ROUND_TRIP_H_

// The oracle of the spec fuzzers: a spec that parses prints canonically, and its canonical
// text parses back to the same spec and prints identically:
//   parse(s) ok  =>  parse(ToString(parse(s))) == parse(s)  and  ToString of that == ToString.

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "tests/fuzz/fuzz_support.h"

namespace lrb::fuzz {

// parse: std::string_view -> absl::StatusOr<Spec>; ToString(Spec) found by lookup.
template <typename Parse>
void CheckSpecRoundTrip(std::string_view text, Parse parse) {
  const auto spec = parse(text);
  if (!spec.ok()) return;
  const std::string canonical = ToString(*spec);
  const auto again = parse(canonical);
  if (!again.ok()) {
    FailOracle(absl::StrCat("\"", std::string(text), "\" parses, but its canonical form \"", canonical,
                            "\" does not: ", again.status().ToString()));
  }
  if (!(*again == *spec)) {
    FailOracle(absl::StrCat("\"", std::string(text), "\" and its canonical form \"", canonical,
                            "\" parse to different specs"));
  }
  if (ToString(*again) != canonical) {
    FailOracle(absl::StrCat("\"", canonical, "\" prints as \"", ToString(*again),
                            "\": the canonical form is not a fixed point"));
  }
}

}  // namespace lrb::fuzz

#endif  // LRB_TESTS_FUZZ_SPEC_ROUND_TRIP_H_
