#ifndef LRB_LEADERBOARD_REPORT_SPEC_LABELS_H_
#define LRB_LEADERBOARD_REPORT_SPEC_LABELS_H_

// Reading dataset and method specs (util/spec_parser.h grammar) for a report: short legend
// labels, a method without its anchoring modifier, and the knob a sweep varies.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lrb::report {

// One label per spec, in order: its terms' names with only the arguments whose values
// differ across `specs` ("sae.topk+anchor" and "sae.topk" for smoke's two methods,
// "lrb(n=800)" ... "lrb(n=1400)" for the superposition sweep). A term's arguments are
// compared with the same term of the other specs. A spec that does not parse, or whose
// label would equal the label of a different spec, is labelled by itself.
std::vector<std::string> ShortSpecLabels(const std::vector<std::string>& specs);

// `spec` without its term named `term` (e.g. the "+anchor(k=32,lambda=0.1)" of a method), or
// nullopt when it has no such term, does not parse or is that term alone.
std::optional<std::string> WithoutTerm(std::string_view spec, std::string_view term);

// The argument a sweep varies: term `term`'s argument `key`.
struct Knob {
  std::string term;
  std::string key;
  std::string Name() const { return term + "." + key; }
};

// The knob of `specs` (distinct or not): the one argument whose value differs across them,
// when every spec parses into the same term names and argument keys and exactly one
// argument takes at least two numeric values. nullopt otherwise (one spec, several knobs,
// different terms, a non-numeric value).
std::optional<Knob> FindKnob(const std::vector<std::string>& specs);

// The numeric value of `knob` in `spec`; nullopt when absent or not a number.
std::optional<double> KnobValue(std::string_view spec, const Knob& knob);

// `spec` with `knob`'s argument removed ("sae.topk(latents=16000)+anchor(k=100,lambda=0.1)"
// for k); `spec` itself when it does not parse.
std::string WithoutKnob(std::string_view spec, const Knob& knob);

}  // namespace lrb::report

#endif  // LRB_LEADERBOARD_REPORT_SPEC_LABELS_H_
