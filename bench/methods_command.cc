#include "bench/methods_command.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sdl/method_spec.h"
#include "util/spec_parser.h"

namespace lrb::bench {
namespace {

std::string FormatValue(const sdl::KnobTraits& knob, double value) {
  return knob.type == sdl::KnobType::kInt ? absl::StrCat(static_cast<int64_t>(value))
                                          : FormatSpecNumber(value);
}

// "k  int in [1, 1048576], default 64  active latents per sample"
std::string KnobLine(const sdl::KnobTraits& knob) {
  const std::string type = knob.type == sdl::KnobType::kInt ? "int" : "real";
  const std::string range = absl::StrFormat("%s in [%s, %s]", type, FormatValue(knob, knob.min),
                                            FormatValue(knob, knob.max));
  return absl::StrFormat("    %-16s %-26s default %-8s %s\n", knob.name, range,
                         FormatValue(knob, knob.default_value), knob.help);
}

}  // namespace

std::string FormatMethods(const std::vector<const sdl::FamilyTraits*>& families) {
  std::string out = absl::StrFormat(
      "%d method families; a method is <topology>.<family>(<knobs>)[+modifiers]:\n\n",
      families.size());
  for (const sdl::FamilyTraits* family : families) {
    absl::StrAppend(&out, absl::StrFormat("%s@%d  %s\n", family->name, family->version,
                                          family->description));
    for (const sdl::KnobTraits& knob : family->knobs) absl::StrAppend(&out, KnobLine(knob));
    std::vector<std::string> facts = {
        absl::StrCat("L0: ", std::string(sdl::L0PromiseText(family->l0)))};
    if (family->selects_topk) facts.push_back("top-k selection (+auxk applies)");
    if (!family->sparse_path) facts.push_back("dense path only");
    if (!family->inference_state.empty()) {
      std::vector<std::string> names(family->inference_state.begin(),
                                     family->inference_state.end());
      facts.push_back(absl::StrCat("inference state: ", absl::StrJoin(names, ", ")));
    }
    absl::StrAppend(&out, "    ", absl::StrJoin(facts, "; "), "\n");
    const absl::StatusOr<sdl::MethodSpec> example = sdl::ParseMethodSpec(family->tiny_example);
    if (example.ok()) absl::StrAppend(&out, "    e.g. ", sdl::ToString(*example), "\n");
    absl::StrAppend(&out, "\n");
  }
  absl::StrAppend(
      &out,
      "Every family also takes latents (int, default 16000), unit_norm (1: unit decoder "
      "columns), tied (1: W_D = W_E^T) and bias (0: no b_E, b_D).\n"
      "Topologies: sae, transcoder, crosscoder (sources=m). Modifiers: +anchor(k,lambda), "
      "+auxk(k,lambda,dead_steps), +resample(every,until,dead_steps).\n"
      "How to add a family: docs/adding_a_method.md.\n");
  return out;
}

void MethodsCommand(std::ostream& out) { out << FormatMethods(sdl::AllFamilyTraits()); }

}  // namespace lrb::bench
