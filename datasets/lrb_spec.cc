#include "datasets/lrb_spec.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/spec_parser.h"
#include "util/status_macros.h"

namespace lrb::datasets {
namespace {

constexpr char kFamily[] = "lrb";

// Seeds stay exactly representable as doubles, so tools that read specs as JSON numbers
// (Python, JavaScript) never alter one.
constexpr int64_t kMaxSeed = int64_t{1} << 53;

absl::Status CheckSplit(const LrbSpec& spec, std::string_view family) {
  const int64_t num_eval = NumEvalSamples(spec);
  if (NumTrainSamples(spec) < 1 || (spec.eval_fraction > 0 && num_eval < 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: eval=%s with N=%d gives %d evaluation and %d training samples "
        "(evaluation = round(eval * N)); need at least 1 training sample, and at least 1 "
        "evaluation sample when eval > 0",
        family, FormatSpecNumber(spec.eval_fraction), spec.num_samples, num_eval,
        NumTrainSamples(spec)));
  }
  return absl::OkStatus();
}

// Necessary conditions for n unit vectors in R^np with all pairwise inner products <= M:
// pairwise negative products allow at most np + 1 vectors, and ||sum_i w_i||^2 >= 0 gives
// M >= -1 / (n - 1); pairwise non-positive products allow at most 2 np vectors.
absl::Status CheckInterferenceFeasible(const LrbSpec& spec, std::string_view family) {
  const double m = spec.max_interference;
  if (m < 0 && spec.n > spec.n_p + 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: M=%s < 0 is infeasible for n=%d > np+1=%d: at most np+1 vectors can have "
        "pairwise negative inner products",
        family, FormatSpecNumber(m), spec.n, spec.n_p + 1));
  }
  if (m < 0 && m < -1.0 / static_cast<double>(spec.n - 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: M=%s is infeasible for n=%d: n unit vectors always have a pair with inner "
        "product >= -1/(n-1) = %s",
        family, FormatSpecNumber(m), spec.n, FormatSpecNumber(-1.0 / static_cast<double>(spec.n - 1))));
  }
  if (m == 0 && spec.n > 2 * spec.n_p) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: M=0 is infeasible for n=%d > 2*np=%d: at most 2*np vectors can have pairwise "
        "non-positive inner products",
        family, spec.n, 2 * spec.n_p));
  }
  return absl::OkStatus();
}

// -0 and 0 are one value of the struct (==), so they must print as one.
std::string FormatNumber(double value) { return FormatSpecNumber(value == 0 ? 0.0 : value); }

}  // namespace

int64_t NumEvalSamples(const LrbSpec& spec) {
  return std::llround(spec.eval_fraction * static_cast<double>(spec.num_samples));
}

absl::Status ReadLrbArgs(SpecArgReader& reader, bool with_n, const LrbSpec& defaults,
                         LrbSpec& spec) {
  int64_t seed = 0;
  // The order here is the canonical order of FormatLrbArgs.
  if (with_n) LRB_RETURN_IF_ERROR(reader.Int("n", defaults.n, 2, 1000000, &spec.n));
  LRB_RETURN_IF_ERROR(reader.Int("np", defaults.n_p, 1, 100000, &spec.n_p));
  LRB_RETURN_IF_ERROR(reader.Int("N", defaults.num_samples, 1, 100000000, &spec.num_samples));
  LRB_RETURN_IF_ERROR(reader.Double("S", defaults.sparsity, 0, 0.999999, &spec.sparsity));
  LRB_RETURN_IF_ERROR(
      reader.Double("M", defaults.max_interference, -0.999, 1, &spec.max_interference));
  LRB_RETURN_IF_ERROR(reader.Double("cmin", defaults.c_min, 0, 1e6, &spec.c_min));
  LRB_RETURN_IF_ERROR(reader.Double("beta", defaults.beta, 1e-6, 1e6, &spec.beta));
  LRB_RETURN_IF_ERROR(reader.Double("eps", defaults.pgd_eps, 0, 0.5, &spec.pgd_eps));
  LRB_RETURN_IF_ERROR(reader.Double("lambda", defaults.pgd_lambda, 0, 1e6, &spec.pgd_lambda));
  LRB_RETURN_IF_ERROR(reader.Double("step", defaults.pgd_step, 1e-9, 10, &spec.pgd_step));
  LRB_RETURN_IF_ERROR(
      reader.Int("iters", defaults.pgd_max_iterations, 0, 1000000, &spec.pgd_max_iterations));
  LRB_RETURN_IF_ERROR(reader.Double("eval", defaults.eval_fraction, 0, 0.99, &spec.eval_fraction));
  LRB_RETURN_IF_ERROR(reader.Int("seed", static_cast<int64_t>(defaults.seed), 0, kMaxSeed, &seed));
  spec.seed = static_cast<uint64_t>(seed);
  return absl::OkStatus();
}

std::string FormatLrbArgs(const LrbSpec& spec, bool with_n) {
  return absl::StrCat(
      with_n ? absl::StrCat("n=", spec.n, ",") : "", "np=", spec.n_p, ",N=", spec.num_samples,
      ",S=", FormatNumber(spec.sparsity), ",M=", FormatNumber(spec.max_interference),
      ",cmin=", FormatNumber(spec.c_min), ",beta=", FormatNumber(spec.beta),
      ",eps=", FormatNumber(spec.pgd_eps), ",lambda=", FormatNumber(spec.pgd_lambda),
      ",step=", FormatNumber(spec.pgd_step), ",iters=", spec.pgd_max_iterations,
      ",eval=", FormatNumber(spec.eval_fraction), ",seed=", spec.seed);
}

absl::Status CheckLrbCrossFieldRules(const LrbSpec& spec, std::string_view family) {
  LRB_RETURN_IF_ERROR(CheckSplit(spec, family));
  return CheckInterferenceFeasible(spec, family);
}

absl::StatusOr<LrbSpec> ParseLrbSpec(std::string_view text) {
  LRB_ASSIGN_OR_RETURN(const std::vector<SpecTerm> terms, ParseSpecTerms(text));
  if (terms.size() != 1 || terms[0].name != kFamily) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "dataset spec \"%s\": expected exactly one term lrb(...), got %d term(s) starting "
        "with \"%s\"",
        text, terms.size(), terms[0].name));
  }
  SpecArgReader reader(terms[0]);
  LrbSpec spec;
  LRB_RETURN_IF_ERROR(ReadLrbArgs(reader, /*with_n=*/true, LrbSpec{}, spec));
  LRB_RETURN_IF_ERROR(reader.Finish());
  LRB_RETURN_IF_ERROR(CheckLrbCrossFieldRules(spec, kFamily));
  return spec;
}

std::string ToString(const LrbSpec& spec) {
  return absl::StrCat(kFamily, "(", FormatLrbArgs(spec, /*with_n=*/true), ")");
}

absl::Status ValidateLrbSpec(const LrbSpec& spec) {
  // The canonical string carries every field exactly (shortest round-trip numbers), so
  // parsing it applies the one set of checks above to a struct built in code.
  return ParseLrbSpec(ToString(spec)).status();
}

}  // namespace lrb::datasets
