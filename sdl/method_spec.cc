#include "sdl/method_spec.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sdl/family.h"
#include "util/spec_parser.h"
#include "util/status_macros.h"

namespace lrb::sdl {
namespace {

constexpr int kAnchorVersion = 1;
constexpr int kAuxkVersion = 1;
constexpr int kResampleVersion = 1;

absl::Status ReadKnob(const KnobTraits& knob, SpecArgReader& args, MethodSpec& spec) {
  if (knob.type == KnobType::kInt) {
    int64_t value = 0;
    LRB_RETURN_IF_ERROR(args.Int(knob.name, static_cast<int64_t>(knob.default_value),
                                 static_cast<int64_t>(knob.min), static_cast<int64_t>(knob.max),
                                 &value));
    spec.SetKnob(knob.name, static_cast<double>(value));
    return absl::OkStatus();
  }
  double value = 0;
  LRB_RETURN_IF_ERROR(args.Double(knob.name, knob.default_value, knob.min, knob.max, &value));
  spec.SetKnob(knob.name, value);
  return absl::OkStatus();
}

// The knob's value: set, or the family's default.
double KnobValue(const MethodSpec& spec, const KnobTraits& knob) {
  const auto it = spec.knobs.find(knob.name);
  return it == spec.knobs.end() ? knob.default_value : it->second;
}

std::string PrintKnob(const KnobTraits& knob, const MethodSpec& spec) {
  const double value = KnobValue(spec, knob);
  return knob.type == KnobType::kInt
             ? absl::StrFormat("%s=%d", knob.name, static_cast<int64_t>(value))
             : absl::StrFormat("%s=%s", knob.name, FormatSpecNumber(value));
}

const KnobTraits* FindKnob(const FamilyTraits& family, std::string_view name) {
  for (const KnobTraits& knob : family.knobs) {
    if (knob.name == name) return &knob;
  }
  return nullptr;
}

const KnobTraits& KnobOrDie(const MethodSpec& spec, std::string_view name) {
  const KnobTraits* knob = FindKnob(TraitsOf(spec), name);
  if (knob == nullptr) {
    std::fprintf(stderr, "family %s has no knob \"%s\"\n", spec.family.c_str(),
                 std::string(name).c_str());
    std::abort();
  }
  return *knob;
}

std::vector<std::string> FamilyNames() {
  std::vector<std::string> names;
  for (const FamilyTraits* family : AllFamilyTraits()) names.emplace_back(family->name);
  return names;
}

absl::Status CheckCrossKnobs(const MethodSpec& spec, std::string_view name) {
  const FamilyTraits& family = TraitsOf(spec);
  if (family.selects_topk && spec.IntKnob("k") > spec.latents) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: k=%d exceeds latents=%d; expected 1 <= k <= latents", name, spec.IntKnob("k"),
        spec.latents));
  }
  if (const absl::Status status = CheckFamilyKnobs(spec); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: %s", name, status.message()));
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
  const FamilyTraits* family = FindFamilyTraits(spec.family);
  if (family == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrFormat("method \"%s\": unknown family \"%s\"; expected one of: %s", term.name,
                        spec.family, absl::StrJoin(FamilyNames(), ", ")));
  }
  SpecArgReader args(term);
  if (spec.topology == "crosscoder") {
    LRB_RETURN_IF_ERROR(args.Int("sources", 2, 2, 64, &spec.sources));
  }
  LRB_RETURN_IF_ERROR(args.Int("latents", 16000, 1, kMaxLatents, &spec.latents));
  for (const KnobTraits& knob : family->knobs) LRB_RETURN_IF_ERROR(ReadKnob(knob, args, spec));
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
    if (!TraitsOf(spec).selects_topk) {
      std::vector<std::string> topk_families;
      for (const FamilyTraits* family : AllFamilyTraits()) {
        if (family->selects_topk) topk_families.emplace_back(family->name);
      }
      return absl::InvalidArgumentError(
          absl::StrFormat("auxk: applies to TopK-type families (%s), not %s",
                          absl::StrJoin(topk_families, ", "), spec.family));
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

const FamilyTraits& TraitsOf(const MethodSpec& spec) {
  const FamilyTraits* family = FindFamilyTraits(spec.family);
  if (family == nullptr) {
    std::fprintf(stderr, "unknown method family \"%s\"\n", spec.family.c_str());
    std::abort();
  }
  return *family;
}

int64_t MethodSpec::IntKnob(std::string_view name) const {
  return static_cast<int64_t>(KnobValue(*this, KnobOrDie(*this, name)));
}

double MethodSpec::RealKnob(std::string_view name) const {
  return KnobValue(*this, KnobOrDie(*this, name));
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
  if (const FamilyTraits* family = FindFamilyTraits(spec.family)) {
    for (const KnobTraits& knob : family->knobs) {
      if (knob.omitted_at_default && KnobValue(spec, knob) == knob.default_value) continue;
      knobs.push_back(PrintKnob(knob, spec));
    }
  }
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
  const FamilyTraits* family = FindFamilyTraits(spec.family);
  std::string version =
      absl::StrCat(spec.topology, ".", spec.family, "@", family == nullptr ? 0 : family->version);
  if (spec.anchor.has_value()) absl::StrAppend(&version, "+anchor@", kAnchorVersion);
  if (spec.auxk.has_value()) absl::StrAppend(&version, "+auxk@", kAuxkVersion);
  if (spec.resample.has_value()) absl::StrAppend(&version, "+resample@", kResampleVersion);
  return version;
}

std::vector<std::string> MethodFamilies() { return FamilyNames(); }

}  // namespace lrb::sdl
