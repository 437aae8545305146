#include "sdl/method_spec.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/spec_parser.h"
#include "util/status_macros.h"

namespace lrb::sdl {
namespace {

constexpr int64_t kMaxLatents = 1 << 20;
constexpr int kTopkVersion = 1;
constexpr int kAnchorVersion = 1;

absl::Status ParseActivationTerm(const SpecTerm& term, MethodSpec& spec) {
  const size_t dot = term.name.find('.');
  if (dot == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "method \"%s\": expected <topology>.<activation>, e.g. sae.topk", term.name));
  }
  spec.topology = term.name.substr(0, dot);
  spec.activation = term.name.substr(dot + 1);
  if (spec.topology != "sae") {
    return absl::InvalidArgumentError(
        absl::StrFormat("method \"%s\": unknown topology \"%s\"; expected one of: sae",
                        term.name, spec.topology));
  }
  if (spec.activation != "topk") {
    return absl::InvalidArgumentError(
        absl::StrFormat("method \"%s\": unknown activation \"%s\"; expected one of: topk",
                        term.name, spec.activation));
  }
  SpecArgReader args(term);
  int64_t unit_norm = 1;
  LRB_RETURN_IF_ERROR(args.Int("latents", 16000, 1, kMaxLatents, &spec.latents));
  LRB_RETURN_IF_ERROR(args.Int("k", 64, 1, kMaxLatents, &spec.k));
  LRB_RETURN_IF_ERROR(args.Int("unit_norm", 1, 0, 1, &unit_norm));
  LRB_RETURN_IF_ERROR(args.Finish());
  spec.unit_norm_decoder = unit_norm == 1;
  if (spec.k > spec.latents) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: k=%d exceeds latents=%d; expected 1 <= k <= latents", term.name, spec.k,
        spec.latents));
  }
  return absl::OkStatus();
}

absl::Status ParseAnchorTerm(const SpecTerm& term, MethodSpec& spec) {
  if (spec.anchor.has_value()) {
    return absl::InvalidArgumentError("method: anchor(...) is given twice");
  }
  SpecArgReader args(term);
  AnchorSpec anchor;
  LRB_RETURN_IF_ERROR(args.Int("k", 100, 1, kMaxLatents, &anchor.k));
  LRB_RETURN_IF_ERROR(args.Double("lambda", 0.1, 0, 1e6, &anchor.lambda));
  LRB_RETURN_IF_ERROR(args.Finish());
  if (anchor.k > spec.latents) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "anchor: k=%d exceeds the method's latents=%d; expected 1 <= k <= latents", anchor.k,
        spec.latents));
  }
  spec.anchor = anchor;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MethodSpec> ParseMethodSpec(std::string_view text) {
  LRB_ASSIGN_OR_RETURN(const std::vector<SpecTerm> terms, ParseSpecTerms(text));
  MethodSpec spec;
  LRB_RETURN_IF_ERROR(ParseActivationTerm(terms[0], spec));
  for (size_t i = 1; i < terms.size(); ++i) {
    if (terms[i].name == "anchor") {
      LRB_RETURN_IF_ERROR(ParseAnchorTerm(terms[i], spec));
    } else {
      return absl::InvalidArgumentError(absl::StrFormat(
          "method \"%s\": unknown modifier \"%s\"; expected one of: anchor", text,
          terms[i].name));
    }
  }
  return spec;
}

std::string ToString(const MethodSpec& spec) {
  std::string text = absl::StrFormat("%s.%s(latents=%d,k=%d,unit_norm=%d)", spec.topology,
                                     spec.activation, spec.latents, spec.k,
                                     spec.unit_norm_decoder ? 1 : 0);
  if (spec.anchor.has_value()) {
    absl::StrAppend(&text, "+anchor(k=", spec.anchor->k,
                    ",lambda=", FormatSpecNumber(spec.anchor->lambda), ")");
  }
  return text;
}

std::string FamilyVersion(const MethodSpec& spec) {
  std::string version = absl::StrCat(spec.topology, ".", spec.activation, "@", kTopkVersion);
  if (spec.anchor.has_value()) absl::StrAppend(&version, "+anchor@", kAnchorVersion);
  return version;
}

}  // namespace lrb::sdl
