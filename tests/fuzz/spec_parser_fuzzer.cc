// Fuzzes the shared spec grammar (util/spec_parser.h). Oracles: terms printed back in the
// grammar parse to the same terms; every value read as a double prints with
// FormatSpecNumber to text that reads back to the same bits; Int and Finish never crash.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "tests/fuzz/fuzz_support.h"
#include "util/spec_parser.h"

namespace lrb::fuzz {
namespace {

std::string PrintTerms(const std::vector<SpecTerm>& terms) {
  std::string text;
  for (const SpecTerm& term : terms) {
    if (!text.empty()) text += '+';
    text += term.name;
    if (term.args.empty()) continue;
    text += '(';
    for (size_t i = 0; i < term.args.size(); ++i) {
      absl::StrAppend(&text, i ? "," : "", term.args[i].first, "=", term.args[i].second);
    }
    text += ')';
  }
  return text;
}

bool SameTerms(const std::vector<SpecTerm>& a, const std::vector<SpecTerm>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].args != b[i].args) return false;
  }
  return true;
}

void CheckNumbers(const SpecTerm& term) {
  constexpr double kMax = std::numeric_limits<double>::max();
  SpecArgReader reader(term);
  for (const auto& [key, value] : term.args) {
    int64_t as_int = 0;
    (void)reader.Int(key, 0, std::numeric_limits<int64_t>::min(),
                     std::numeric_limits<int64_t>::max(), &as_int);
    double as_double = 0;
    if (!reader.Double(key, 0, -kMax, kMax, &as_double).ok()) continue;
    const SpecTerm printed{"x", {{"v", FormatSpecNumber(as_double)}}};
    SpecArgReader again(printed);
    double reread = 0;
    if (!again.Double("v", 0, -kMax, kMax, &reread).ok() ||
        std::memcmp(&reread, &as_double, sizeof(double)) != 0) {
      FailOracle(absl::StrCat("value ", value, " reads as ", as_double, ", prints as ",
                              printed.args[0].second, ", which does not read back"));
    }
  }
  (void)reader.Finish();
}

}  // namespace
}  // namespace lrb::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lrb;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<std::vector<SpecTerm>> terms = ParseSpecTerms(text);
  if (!terms.ok()) return 0;
  const std::string printed = fuzz::PrintTerms(*terms);
  const absl::StatusOr<std::vector<SpecTerm>> again = ParseSpecTerms(printed);
  if (!again.ok() || !fuzz::SameTerms(*again, *terms)) {
    fuzz::FailOracle(absl::StrCat("\"", std::string(text), "\" parses, printed as \"", printed,
                                  "\" it does not parse to the same terms"));
  }
  for (const SpecTerm& term : *terms) fuzz::CheckNumbers(term);
  return 0;
}
