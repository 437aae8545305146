#include "sdl/method_spec.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "util/spec_parser.h"
#include "util/status_macros.h"

namespace lrb::sdl {
namespace {

constexpr int64_t kMaxLatents = 1 << 20;
constexpr int kAnchorVersion = 1;
constexpr int kAuxkVersion = 1;
constexpr int kResampleVersion = 1;

struct FamilyInfo {
  const char* name;
  int version;
};

constexpr FamilyInfo kFamilies[] = {
#define LRB_METHOD_FAMILY(name, version, example) {#name, version},
#include "sdl/method_families.inc"
#undef LRB_METHOD_FAMILY
};

const FamilyInfo* FindFamily(std::string_view name) {
  for (const FamilyInfo& family : kFamilies) {
    if (family.name == name) return &family;
  }
  return nullptr;
}

// A family knob: its spec key and how to read and print it.
struct Knob {
  const char* key;
  bool integer;
  double default_value, min, max;
  int64_t MethodSpec::*int_field;
  double MethodSpec::*double_field;
};

constexpr Knob kK{"k", true, 64, 1, kMaxLatents, &MethodSpec::k, nullptr};
constexpr Knob kLevels{"levels", true, 4, 1, 20, &MethodSpec::levels, nullptr};
constexpr Knob kL1{"l1", false, 0.1, 0, 1e6, nullptr, &MethodSpec::l1};
constexpr Knob kL0{"l0", false, 0.1, 0, 1e6, nullptr, &MethodSpec::l0};
constexpr Knob kBandwidth{"bandwidth", false, 0.05, 1e-6, 1e3, nullptr, &MethodSpec::bandwidth};
constexpr Knob kTheta{"theta", false, 0.1, 1e-6, 1e3, nullptr, &MethodSpec::theta};
constexpr Knob kDecay{"threshold_decay", false, 0.99, 0, 0.999999, nullptr,
                      &MethodSpec::threshold_decay};

// The knobs of each family, in canonical print order (after `latents`).
std::vector<const Knob*> KnobsOf(std::string_view family) {
  if (family == "relu" || family == "gated") return {&kL1};
  if (family == "jumprelu") return {&kL0, &kBandwidth, &kTheta};
  if (family == "topk") return {&kK};
  if (family == "batchtopk") return {&kK, &kDecay};
  if (family == "matryoshka_k" || family == "matryoshka_prefix") return {&kK, &kLevels};
  return {};
}

absl::Status ReadKnob(const Knob& knob, SpecArgReader& args, MethodSpec& spec) {
  if (knob.integer) {
    return args.Int(knob.key, static_cast<int64_t>(knob.default_value),
                    static_cast<int64_t>(knob.min), static_cast<int64_t>(knob.max),
                    &(spec.*knob.int_field));
  }
  return args.Double(knob.key, knob.default_value, knob.min, knob.max, &(spec.*knob.double_field));
}

std::string PrintKnob(const Knob& knob, const MethodSpec& spec) {
  return knob.integer ? absl::StrCat(knob.key, "=", spec.*knob.int_field)
                      : absl::StrCat(knob.key, "=", FormatSpecNumber(spec.*knob.double_field));
}

std::vector<std::string> FamilyNames() {
  std::vector<std::string> names;
  for (const FamilyInfo& family : kFamilies) names.push_back(family.name);
  return names;
}

absl::Status CheckCrossKnobs(const MethodSpec& spec, std::string_view name) {
  const bool uses_k = IsTopkFamily(spec);
  if (uses_k && spec.k > spec.latents) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: k=%d exceeds latents=%d; expected 1 <= k <= latents", name, spec.k, spec.latents));
  }
  if (spec.family == "matryoshka_k" && (spec.k >> (spec.levels - 1)) < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: levels=%d halves k=%d below 1; expected k >= 2^(levels-1) = %d", name, spec.levels,
        spec.k, int64_t{1} << (spec.levels - 1)));
  }
  if (spec.family == "matryoshka_prefix" && (spec.latents >> (spec.levels - 1)) < spec.k) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: the smallest prefix latents/2^(levels-1) = %d is below k=%d; expected at least k",
        name, spec.latents >> (spec.levels - 1), spec.k));
  }
  if (spec.tied && spec.topology != "sae") {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: tied=1 needs x_r = x_p (topology sae), not %s", name, spec.topology));
  }
  return absl::OkStatus();
}

absl::Status ParseFamilyTerm(const SpecTerm& term, MethodSpec& spec) {
  const size_t dot = term.name.find('.');
  if (dot == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "method \"%s\": expected <topology>.<family>, e.g. sae.topk", term.name));
  }
  spec.topology = term.name.substr(0, dot);
  spec.family = term.name.substr(dot + 1);
  if (spec.topology != "sae" && spec.topology != "transcoder" && spec.topology != "crosscoder") {
    return absl::InvalidArgumentError(absl::StrFormat(
        "method \"%s\": unknown topology \"%s\"; expected one of: sae, transcoder, crosscoder",
        term.name, spec.topology));
  }
  if (FindFamily(spec.family) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrFormat("method \"%s\": unknown family \"%s\"; expected one of: %s", term.name,
                        spec.family, absl::StrJoin(FamilyNames(), ", ")));
  }
  SpecArgReader args(term);
  if (spec.topology == "crosscoder") {
    LRB_RETURN_IF_ERROR(args.Int("sources", 2, 2, 64, &spec.sources));
  }
  LRB_RETURN_IF_ERROR(args.Int("latents", 16000, 1, kMaxLatents, &spec.latents));
  for (const Knob* knob : KnobsOf(spec.family)) {
    LRB_RETURN_IF_ERROR(ReadKnob(*knob, args, spec));
  }
  int64_t unit_norm = 1, tied = 0, bias = 1;
  LRB_RETURN_IF_ERROR(args.Int("unit_norm", 1, 0, 1, &unit_norm));
  LRB_RETURN_IF_ERROR(args.Int("tied", 0, 0, 1, &tied));
  LRB_RETURN_IF_ERROR(args.Int("bias", 1, 0, 1, &bias));
  LRB_RETURN_IF_ERROR(args.Finish());
  spec.unit_norm_decoder = unit_norm == 1;
  spec.tied = tied == 1;
  spec.bias = bias == 1;
  return CheckCrossKnobs(spec, term.name);
}

absl::Status ParseModifier(const SpecTerm& term, MethodSpec& spec) {
  SpecArgReader args(term);
  const auto twice = [&] {
    return absl::InvalidArgumentError(
        absl::StrFormat("method: %s(...) is given twice", term.name));
  };
  if (term.name == "anchor") {
    if (spec.anchor.has_value()) return twice();
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
  } else if (term.name == "auxk") {
    if (spec.auxk.has_value()) return twice();
    if (!IsTopkFamily(spec)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "auxk: applies to TopK-type families (topk, batchtopk, matryoshka_k, "
          "matryoshka_prefix), not %s",
          spec.family));
    }
    AuxkSpec auxk;
    LRB_RETURN_IF_ERROR(args.Int("k", 512, 1, kMaxLatents, &auxk.k));
    LRB_RETURN_IF_ERROR(args.Double("lambda", 1.0 / 32, 0, 1e6, &auxk.lambda));
    LRB_RETURN_IF_ERROR(args.Int("dead_steps", 1000, 1, 100000000, &auxk.dead_steps));
    LRB_RETURN_IF_ERROR(args.Finish());
    if (auxk.k > spec.latents) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "auxk: k=%d exceeds the method's latents=%d; expected 1 <= k <= latents", auxk.k,
          spec.latents));
    }
    spec.auxk = auxk;
  } else if (term.name == "resample") {
    if (spec.resample.has_value()) return twice();
    ResampleSpec resample;
    LRB_RETURN_IF_ERROR(args.Int("every", 1000, 1, 100000000, &resample.every));
    LRB_RETURN_IF_ERROR(args.Int("until", 5000, 0, 100000000, &resample.until));
    LRB_RETURN_IF_ERROR(args.Int("dead_steps", 500, 1, 100000000, &resample.dead_steps));
    LRB_RETURN_IF_ERROR(args.Finish());
    spec.resample = resample;
  } else {
    return absl::InvalidArgumentError(absl::StrFormat(
        "method: unknown modifier \"%s\"; expected one of: anchor, auxk, resample", term.name));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsTopkFamily(const MethodSpec& spec) {
  return spec.family == "topk" || spec.family == "batchtopk" || spec.family == "matryoshka_k" ||
         spec.family == "matryoshka_prefix";
}

absl::StatusOr<MethodSpec> ParseMethodSpec(std::string_view text) {
  LRB_ASSIGN_OR_RETURN(const std::vector<SpecTerm> terms, ParseSpecTerms(text));
  MethodSpec spec;
  LRB_RETURN_IF_ERROR(ParseFamilyTerm(terms[0], spec));
  for (size_t i = 1; i < terms.size(); ++i) LRB_RETURN_IF_ERROR(ParseModifier(terms[i], spec));
  return spec;
}

std::string ToString(const MethodSpec& spec) {
  std::vector<std::string> knobs;
  if (spec.topology == "crosscoder") knobs.push_back(absl::StrCat("sources=", spec.sources));
  knobs.push_back(absl::StrCat("latents=", spec.latents));
  for (const Knob* knob : KnobsOf(spec.family)) knobs.push_back(PrintKnob(*knob, spec));
  knobs.push_back(absl::StrCat("unit_norm=", spec.unit_norm_decoder ? 1 : 0));
  knobs.push_back(absl::StrCat("tied=", spec.tied ? 1 : 0));
  knobs.push_back(absl::StrCat("bias=", spec.bias ? 1 : 0));
  std::string text =
      absl::StrCat(spec.topology, ".", spec.family, "(", absl::StrJoin(knobs, ","), ")");
  if (spec.anchor.has_value()) {
    absl::StrAppend(&text, "+anchor(k=", spec.anchor->k,
                    ",lambda=", FormatSpecNumber(spec.anchor->lambda), ")");
  }
  if (spec.auxk.has_value()) {
    absl::StrAppend(&text, "+auxk(k=", spec.auxk->k, ",lambda=", FormatSpecNumber(spec.auxk->lambda),
                    ",dead_steps=", spec.auxk->dead_steps, ")");
  }
  if (spec.resample.has_value()) {
    absl::StrAppend(&text, "+resample(every=", spec.resample->every,
                    ",until=", spec.resample->until, ",dead_steps=", spec.resample->dead_steps,
                    ")");
  }
  return text;
}

bool MethodSpec::operator==(const MethodSpec& other) const {
  return ToString(*this) == ToString(other);
}

std::string FamilyVersion(const MethodSpec& spec) {
  const FamilyInfo* family = FindFamily(spec.family);
  std::string version =
      absl::StrCat(spec.topology, ".", spec.family, "@", family == nullptr ? 0 : family->version);
  if (spec.anchor.has_value()) absl::StrAppend(&version, "+anchor@", kAnchorVersion);
  if (spec.auxk.has_value()) absl::StrAppend(&version, "+auxk@", kAuxkVersion);
  if (spec.resample.has_value()) absl::StrAppend(&version, "+resample@", kResampleVersion);
  return version;
}

std::vector<std::string> MethodFamilies() { return FamilyNames(); }

}  // namespace lrb::sdl
