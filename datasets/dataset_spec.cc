#include "datasets/dataset_spec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/spec_parser.h"
#include "util/status_macros.h"

namespace lrb::datasets {
namespace {

constexpr int64_t kMaxSeed = int64_t{1} << 53;
constexpr int64_t kMaxFeatures = 1000000;

// -0 and 0 are one value of the structs (==), so they must print as one.
std::string Num(double value) { return FormatSpecNumber(value == 0 ? 0.0 : value); }

int64_t EvalCount(int64_t num_samples, double eval_fraction) {
  return std::llround(eval_fraction * static_cast<double>(num_samples));
}

absl::Status CheckSplit(std::string_view family, int64_t num_samples, double eval_fraction) {
  const int64_t num_eval = EvalCount(num_samples, eval_fraction);
  const int64_t num_train = num_samples - num_eval;
  if (num_train < 1 || (eval_fraction > 0 && num_eval < 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: eval=%s with N=%d gives %d evaluation and %d training samples (evaluation = "
        "round(eval * N)); need at least 1 training sample, and at least 1 evaluation sample "
        "when eval > 0",
        family, Num(eval_fraction), num_samples, num_eval, num_train));
  }
  return absl::OkStatus();
}

absl::Status ReadBool(SpecArgReader& reader, std::string_view key, bool default_value,
                      bool& out) {
  int64_t value = 0;
  LRB_RETURN_IF_ERROR(reader.Int(key, default_value ? 1 : 0, 0, 1, &value));
  out = value == 1;
  return absl::OkStatus();
}

absl::Status ReadSeed(SpecArgReader& reader, uint64_t& seed) {
  int64_t value = 0;
  LRB_RETURN_IF_ERROR(reader.Int("seed", 0, 0, kMaxSeed, &value));
  seed = static_cast<uint64_t>(value);
  return absl::OkStatus();
}

absl::StatusOr<LrbSpec> ParseLrbTerm(const SpecTerm& term) {
  SpecArgReader reader(term);
  LrbSpec spec;
  LRB_RETURN_IF_ERROR(ReadLrbArgs(reader, /*with_n=*/true, LrbSpec{}, spec));
  LRB_RETURN_IF_ERROR(reader.Finish());
  LRB_RETURN_IF_ERROR(CheckLrbCrossFieldRules(spec, "lrb"));
  return spec;
}

absl::StatusOr<LrbHierSpec> ParseLrbHierTerm(const SpecTerm& term) {
  SpecArgReader reader(term);
  LrbHierSpec spec;
  const LrbHierSpec defaults;
  HierarchySpec& h = spec.hierarchy;
  LRB_RETURN_IF_ERROR(reader.Int("roots", defaults.hierarchy.roots, 1, kMaxFeatures, &h.roots));
  LRB_RETURN_IF_ERROR(reader.Int("depth", defaults.hierarchy.depth, 1, 8, &h.depth));
  LRB_RETURN_IF_ERROR(reader.Int("branch", defaults.hierarchy.branching, 1, 64, &h.branching));
  LRB_RETURN_IF_ERROR(ReadBool(reader, "exclusive", defaults.hierarchy.exclusive, h.exclusive));
  LRB_RETURN_IF_ERROR(reader.Double("pchild", defaults.hierarchy.child_probability, 0, 1,
                                    &h.child_probability));
  LRB_RETURN_IF_ERROR(
      reader.Double("sim", defaults.hierarchy.similarity, 0, 0.99, &h.similarity));
  // The lrb knobs, with lrb_hier's own defaults (its S is the roots' sparsity).
  LRB_RETURN_IF_ERROR(ReadLrbArgs(reader, /*with_n=*/false, defaults.lrb, spec.lrb));
  LRB_RETURN_IF_ERROR(reader.Finish());
  const int64_t n = NumHierarchyFeatures(h);
  if (n > kMaxFeatures) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "lrb_hier: roots=%d, depth=%d, branch=%d give n=%d features; the allowed maximum is "
        "%d (n = roots * (1 + branch + ... + branch^depth))",
        h.roots, h.depth, h.branching, n, kMaxFeatures));
  }
  spec.lrb.n = n;
  LRB_RETURN_IF_ERROR(CheckLrbCrossFieldRules(spec.lrb, "lrb_hier"));
  return spec;
}

absl::StatusOr<TmsSpec> ParseTmsTerm(const SpecTerm& term) {
  SpecArgReader reader(term);
  TmsSpec spec;
  const TmsSpec d;
  LRB_RETURN_IF_ERROR(reader.Int("n", d.n, 2, 4096, &spec.n));
  LRB_RETURN_IF_ERROR(reader.Int("np", d.n_p, 1, 1024, &spec.n_p));
  LRB_RETURN_IF_ERROR(reader.Double("S", d.sparsity, 0, 0.999999, &spec.sparsity));
  LRB_RETURN_IF_ERROR(reader.Double("cmin", d.c_min, 0, 1e6, &spec.c_min));
  LRB_RETURN_IF_ERROR(reader.Double("beta", d.beta, 1e-6, 1e6, &spec.beta));
  LRB_RETURN_IF_ERROR(reader.Double("importance", d.importance, 0.01, 1, &spec.importance));
  LRB_RETURN_IF_ERROR(reader.Int("steps", d.steps, 0, 1000000, &spec.steps));
  LRB_RETURN_IF_ERROR(reader.Int("batch", d.batch, 1, 65536, &spec.batch));
  LRB_RETURN_IF_ERROR(reader.Double("lr", d.learning_rate, 1e-9, 10, &spec.learning_rate));
  LRB_RETURN_IF_ERROR(reader.Int("N", d.num_samples, 1, 100000000, &spec.num_samples));
  LRB_RETURN_IF_ERROR(reader.Double("eval", d.eval_fraction, 0, 0.99, &spec.eval_fraction));
  LRB_RETURN_IF_ERROR(ReadSeed(reader, spec.seed));
  LRB_RETURN_IF_ERROR(reader.Finish());
  LRB_RETURN_IF_ERROR(CheckSplit("tms", spec.num_samples, spec.eval_fraction));
  return spec;
}

bool IsHashText(std::string_view text) {
  if (text.size() != 16) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::StatusOr<ActivationsSpec> ParseActsTerm(const SpecTerm& term) {
  // `data` is a hex string, which SpecArgReader (numbers only) does not read: take it out.
  SpecTerm numeric{term.name, {}};
  ActivationsSpec spec;
  bool has_data = false;
  for (const auto& [key, value] : term.args) {
    if (key != "data") {
      numeric.args.emplace_back(key, value);
      continue;
    }
    if (has_data) return absl::InvalidArgumentError("acts: key data given twice");
    if (!IsHashText(value)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "acts: data=%s is not a content hash: expected 16 lower-case hex digits", value));
    }
    spec.data_hash = value;
    has_data = true;
  }
  if (!has_data) {
    return absl::InvalidArgumentError(
        "acts: missing key data (the hash of the imported matrix); acts datasets are made by "
        "`lrb import`, not written by hand");
  }
  SpecArgReader reader(numeric);
  LRB_RETURN_IF_ERROR(reader.Int("N", 1, 1, int64_t{1} << 40, &spec.num_samples));
  LRB_RETURN_IF_ERROR(reader.Int("d", 1, 1, 1000000, &spec.dim));
  LRB_RETURN_IF_ERROR(reader.Int("classes", 0, 0, kMaxFeatures, &spec.classes));
  LRB_RETURN_IF_ERROR(reader.Double("eval", 0.1, 0, 0.99, &spec.eval_fraction));
  LRB_RETURN_IF_ERROR(ReadSeed(reader, spec.seed));
  absl::Status finished = reader.Finish();
  if (!finished.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(finished.message(), ", data"));
  }
  LRB_RETURN_IF_ERROR(CheckSplit("acts", spec.num_samples, spec.eval_fraction));
  return spec;
}

// Reads one modifier term into `spec`; errors for unknown names and repeats.
absl::Status ParseModifier(const SpecTerm& term, DatasetSpec& spec) {
  SpecArgReader reader(term);
  auto once = [&term](auto& slot) -> absl::Status {
    if (slot.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("dataset spec: modifier %s(...) given twice", term.name));
    }
    slot.emplace();
    return absl::OkStatus();
  };
  if (term.name == "transcoder") {
    LRB_RETURN_IF_ERROR(once(spec.transcoder));
    LRB_RETURN_IF_ERROR(reader.Int("nr", TranscoderSpec{}.n_r, 1, 100000, &spec.transcoder->n_r));
  } else if (term.name == "crosscoder") {
    LRB_RETURN_IF_ERROR(once(spec.crosscoder));
    LRB_RETURN_IF_ERROR(
        reader.Int("m", CrosscoderSpec{}.sources, 2, 16, &spec.crosscoder->sources));
  } else if (term.name == "zipf") {
    LRB_RETURN_IF_ERROR(once(spec.zipf));
    LRB_RETURN_IF_ERROR(reader.Double("alpha", ZipfSpec{}.alpha, 0, 4, &spec.zipf->alpha));
  } else if (term.name == "corr") {
    LRB_RETURN_IF_ERROR(once(spec.correlation));
    LRB_RETURN_IF_ERROR(
        reader.Int("rank", CorrelationSpec{}.rank, 1, 64, &spec.correlation->rank));
    LRB_RETURN_IF_ERROR(
        reader.Double("rho", CorrelationSpec{}.rho, 0, 0.99, &spec.correlation->rho));
  } else if (term.name == "scale") {
    LRB_RETURN_IF_ERROR(once(spec.scale));
    LRB_RETURN_IF_ERROR(reader.Double("sigma", ScaleSpec{}.sigma, 0, 3, &spec.scale->sigma));
  } else if (term.name == "noise") {
    LRB_RETURN_IF_ERROR(once(spec.noise));
    LRB_RETURN_IF_ERROR(reader.Double("sigma", NoiseSpec{}.sigma, 0, 1000, &spec.noise->sigma));
  } else {
    return absl::InvalidArgumentError(absl::StrFormat(
        "dataset spec: unknown modifier \"%s\"; expected one of transcoder, crosscoder, zipf, "
        "corr, scale, noise",
        term.name));
  }
  return reader.Finish();
}

// Which modifiers the family accepts, and the rules across terms.
absl::Status CheckCombination(const DatasetSpec& spec) {
  const std::string_view family = FamilyName(spec);
  const bool generated_lrb = std::holds_alternative<LrbSpec>(spec.family) ||
                             std::holds_alternative<LrbHierSpec>(spec.family);
  auto reject = [&](bool present, std::string_view modifier) -> absl::Status {
    if (!present) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrFormat(
        "dataset spec: %s(...) does not take the modifier %s(...)%s", family, modifier,
        family == "tms" ? " (tms takes noise only)" : " (acts takes no modifiers)"));
  };
  if (!generated_lrb) {
    LRB_RETURN_IF_ERROR(reject(spec.transcoder.has_value(), "transcoder"));
    LRB_RETURN_IF_ERROR(reject(spec.crosscoder.has_value(), "crosscoder"));
    LRB_RETURN_IF_ERROR(reject(spec.zipf.has_value(), "zipf"));
    LRB_RETURN_IF_ERROR(reject(spec.correlation.has_value(), "corr"));
    LRB_RETURN_IF_ERROR(reject(spec.scale.has_value(), "scale"));
    if (family == "acts") LRB_RETURN_IF_ERROR(reject(spec.noise.has_value(), "noise"));
  }
  if (spec.transcoder.has_value() && spec.crosscoder.has_value()) {
    return absl::InvalidArgumentError(
        "dataset spec: transcoder(...) and crosscoder(...) are exclusive: a crosscoder's "
        "target is its concatenated input");
  }
  if (spec.crosscoder.has_value()) {
    const int64_t n_p = std::holds_alternative<LrbSpec>(spec.family)
                            ? std::get<LrbSpec>(spec.family).n_p
                            : std::get<LrbHierSpec>(spec.family).lrb.n_p;
    if (spec.crosscoder->sources * n_p > 1000000) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "dataset spec: crosscoder(m=%d) with np=%d gives a %d-dimensional input; the allowed "
          "maximum is 1000000",
          spec.crosscoder->sources, n_p, spec.crosscoder->sources * n_p));
    }
  }
  return absl::OkStatus();
}

std::string FamilyToString(const FamilySpec& family) {
  return std::visit(
      [](const auto& f) -> std::string {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, LrbSpec>) {
          return ToString(f);
        } else if constexpr (std::is_same_v<T, LrbHierSpec>) {
          const HierarchySpec& h = f.hierarchy;
          return absl::StrCat("lrb_hier(roots=", h.roots, ",depth=", h.depth,
                              ",branch=", h.branching, ",exclusive=", h.exclusive ? 1 : 0,
                              ",pchild=", Num(h.child_probability), ",sim=", Num(h.similarity),
                              ",", FormatLrbArgs(f.lrb, /*with_n=*/false), ")");
        } else if constexpr (std::is_same_v<T, TmsSpec>) {
          return absl::StrCat("tms(n=", f.n, ",np=", f.n_p, ",S=", Num(f.sparsity),
                              ",cmin=", Num(f.c_min), ",beta=", Num(f.beta),
                              ",importance=", Num(f.importance), ",steps=", f.steps,
                              ",batch=", f.batch, ",lr=", Num(f.learning_rate),
                              ",N=", f.num_samples, ",eval=", Num(f.eval_fraction),
                              ",seed=", f.seed, ")");
        } else {
          return absl::StrCat("acts(data=", f.data_hash, ",N=", f.num_samples, ",d=", f.dim,
                              ",classes=", f.classes, ",eval=", Num(f.eval_fraction),
                              ",seed=", f.seed, ")");
        }
      },
      family);
}

}  // namespace

int64_t NumHierarchyFeatures(const HierarchySpec& h) {
  constexpr int64_t kSaturated = int64_t{1} << 62;
  int64_t level = h.roots, total = 0;
  for (int64_t l = 0; l <= h.depth; ++l) {
    total += level;
    if (total >= kSaturated || level >= kSaturated / std::max<int64_t>(h.branching, 1)) {
      return kSaturated;
    }
    level *= h.branching;
  }
  return total;
}

std::string_view FamilyName(const DatasetSpec& spec) {
  static constexpr std::string_view kNames[] = {"lrb", "lrb_hier", "tms", "acts"};
  return kNames[spec.family.index()];
}

int64_t NumSamples(const DatasetSpec& spec) {
  return std::visit(
      [](const auto& f) -> int64_t {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, LrbHierSpec>) {
          return f.lrb.num_samples;
        } else {
          return f.num_samples;
        }
      },
      spec.family);
}

int64_t NumEvalSamples(const DatasetSpec& spec) {
  const double eval = std::visit(
      [](const auto& f) -> double {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, LrbHierSpec>) {
          return f.lrb.eval_fraction;
        } else {
          return f.eval_fraction;
        }
      },
      spec.family);
  return EvalCount(NumSamples(spec), eval);
}

absl::StatusOr<DatasetSpec> ParseDatasetSpec(std::string_view text) {
  LRB_ASSIGN_OR_RETURN(const std::vector<SpecTerm> terms, ParseSpecTerms(text));
  DatasetSpec spec;
  const SpecTerm& head = terms[0];
  if (head.name == "lrb") {
    LRB_ASSIGN_OR_RETURN(spec.family, ParseLrbTerm(head));
  } else if (head.name == "lrb_hier") {
    LRB_ASSIGN_OR_RETURN(spec.family, ParseLrbHierTerm(head));
  } else if (head.name == "tms") {
    LRB_ASSIGN_OR_RETURN(spec.family, ParseTmsTerm(head));
  } else if (head.name == "acts") {
    LRB_ASSIGN_OR_RETURN(spec.family, ParseActsTerm(head));
  } else {
    return absl::InvalidArgumentError(absl::StrFormat(
        "dataset spec \"%s\": unknown family \"%s\"; expected one of lrb, lrb_hier, tms, acts "
        "(modifiers follow the family: lrb(...)+noise(...))",
        text, head.name));
  }
  for (size_t t = 1; t < terms.size(); ++t) LRB_RETURN_IF_ERROR(ParseModifier(terms[t], spec));
  LRB_RETURN_IF_ERROR(CheckCombination(spec));
  return spec;
}

std::string ToString(const DatasetSpec& spec) {
  std::string out = FamilyToString(spec.family);
  if (spec.transcoder) absl::StrAppend(&out, "+transcoder(nr=", spec.transcoder->n_r, ")");
  if (spec.crosscoder) absl::StrAppend(&out, "+crosscoder(m=", spec.crosscoder->sources, ")");
  if (spec.zipf) absl::StrAppend(&out, "+zipf(alpha=", Num(spec.zipf->alpha), ")");
  if (spec.correlation) {
    absl::StrAppend(&out, "+corr(rank=", spec.correlation->rank,
                    ",rho=", Num(spec.correlation->rho), ")");
  }
  if (spec.scale) absl::StrAppend(&out, "+scale(sigma=", Num(spec.scale->sigma), ")");
  if (spec.noise) absl::StrAppend(&out, "+noise(sigma=", Num(spec.noise->sigma), ")");
  return out;
}

absl::Status ValidateDatasetSpec(const DatasetSpec& spec) {
  // The canonical string carries every field exactly, so parsing it applies the one set of
  // checks to a struct built in code. lrb_hier's n is derived: a struct whose n disagrees
  // with its hierarchy does not survive the round trip.
  LRB_ASSIGN_OR_RETURN(const DatasetSpec parsed, ParseDatasetSpec(ToString(spec)));
  if (!(parsed == spec)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "dataset spec %s: fields that the canonical string does not carry disagree with it "
        "(lrb_hier: n must equal roots * (1 + branch + ... + branch^depth))",
        ToString(spec)));
  }
  return absl::OkStatus();
}

}  // namespace lrb::datasets
