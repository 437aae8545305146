#include "leaderboard/report/spec_labels.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "util/spec_parser.h"

namespace lrb::report {
namespace {

// The spec grammar's own spelling: name, then "(key=value,...)" when there are arguments.
std::string TermsToString(const std::vector<SpecTerm>& terms) {
  std::vector<std::string> parts;
  for (const SpecTerm& term : terms) {
    std::string part = term.name;
    if (!term.args.empty()) {
      std::vector<std::string> args;
      for (const auto& [key, value] : term.args) args.push_back(key + "=" + value);
      absl::StrAppend(&part, "(", absl::StrJoin(args, ","), ")");
    }
    parts.push_back(std::move(part));
  }
  return absl::StrJoin(parts, "+");
}

// A term's argument values by key; the first of a repeated key (the parser keeps both).
std::map<std::string, std::string> ArgMap(const SpecTerm& term) {
  std::map<std::string, std::string> args;
  for (const auto& [key, value] : term.args) args.emplace(key, value);
  return args;
}

}  // namespace

std::vector<std::string> ShortSpecLabels(const std::vector<std::string>& specs) {
  std::vector<std::optional<std::vector<SpecTerm>>> parsed;
  // (term name, key) -> the distinct values it takes; "" stands for a term without the key.
  std::map<std::pair<std::string, std::string>, std::set<std::string>> values;
  std::map<std::string, std::set<std::string>> keys_of_term;
  for (const std::string& spec : specs) {
    absl::StatusOr<std::vector<SpecTerm>> terms = ParseSpecTerms(spec);
    parsed.push_back(terms.ok() ? std::make_optional(*std::move(terms)) : std::nullopt);
    if (!parsed.back()) continue;
    for (const SpecTerm& term : *parsed.back()) {
      for (const auto& [key, value] : term.args) keys_of_term[term.name].insert(key);
    }
  }
  for (const auto& terms : parsed) {
    if (!terms) continue;
    for (const SpecTerm& term : *terms) {
      const std::map<std::string, std::string> args = ArgMap(term);
      for (const std::string& key : keys_of_term[term.name]) {
        const auto found = args.find(key);
        values[{term.name, key}].insert(found == args.end() ? "" : found->second);
      }
    }
  }
  std::vector<std::string> labels;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (!parsed[i]) {
      labels.push_back(specs[i]);
      continue;
    }
    std::vector<SpecTerm> shown;
    for (const SpecTerm& term : *parsed[i]) {
      SpecTerm kept{term.name, {}};
      for (const auto& [key, value] : term.args) {
        if (values[{term.name, key}].size() > 1) kept.args.emplace_back(key, value);
      }
      shown.push_back(std::move(kept));
    }
    labels.push_back(TermsToString(shown));
  }
  // Two different specs must never share a label: those that would are shown in full.
  std::map<std::string, std::set<std::string>> specs_of_label;
  for (size_t i = 0; i < specs.size(); ++i) specs_of_label[labels[i]].insert(specs[i]);
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs_of_label[labels[i]].size() > 1) labels[i] = specs[i];
  }
  return labels;
}

std::optional<std::string> WithoutTerm(std::string_view spec, std::string_view term) {
  absl::StatusOr<std::vector<SpecTerm>> terms = ParseSpecTerms(spec);
  if (!terms.ok()) return std::nullopt;
  std::vector<SpecTerm> kept;
  for (SpecTerm& each : *terms) {
    if (each.name != term) kept.push_back(std::move(each));
  }
  if (kept.size() == terms->size() || kept.empty()) return std::nullopt;
  return TermsToString(kept);
}

std::optional<Knob> FindKnob(const std::vector<std::string>& specs) {
  if (specs.empty()) return std::nullopt;
  std::vector<std::vector<SpecTerm>> parsed;
  for (const std::string& spec : specs) {
    absl::StatusOr<std::vector<SpecTerm>> terms = ParseSpecTerms(spec);
    if (!terms.ok()) return std::nullopt;
    parsed.push_back(*std::move(terms));
  }
  // Every spec must have the shape of the first: the same terms with the same keys.
  const std::vector<SpecTerm>& first = parsed.front();
  for (const std::vector<SpecTerm>& terms : parsed) {
    if (terms.size() != first.size()) return std::nullopt;
    for (size_t t = 0; t < terms.size(); ++t) {
      if (terms[t].name != first[t].name || terms[t].args.size() != first[t].args.size()) {
        return std::nullopt;
      }
      for (size_t a = 0; a < terms[t].args.size(); ++a) {
        if (terms[t].args[a].first != first[t].args[a].first) return std::nullopt;
      }
    }
  }
  std::optional<Knob> knob;
  for (size_t t = 0; t < first.size(); ++t) {
    for (size_t a = 0; a < first[t].args.size(); ++a) {
      std::set<std::string> distinct;
      for (const std::vector<SpecTerm>& terms : parsed) distinct.insert(terms[t].args[a].second);
      if (distinct.size() < 2) continue;
      if (knob) return std::nullopt;  // a second knob: not a one-knob sweep
      for (const std::string& value : distinct) {
        double number = 0;
        if (!absl::SimpleAtod(value, &number)) return std::nullopt;
      }
      knob = Knob{first[t].name, first[t].args[a].first};
    }
  }
  return knob;
}

std::optional<double> KnobValue(std::string_view spec, const Knob& knob) {
  absl::StatusOr<std::vector<SpecTerm>> terms = ParseSpecTerms(spec);
  if (!terms.ok()) return std::nullopt;
  for (const SpecTerm& term : *terms) {
    if (term.name != knob.term) continue;
    for (const auto& [key, value] : term.args) {
      double number = 0;
      if (key == knob.key && absl::SimpleAtod(value, &number)) return number;
    }
  }
  return std::nullopt;
}

std::string WithoutKnob(std::string_view spec, const Knob& knob) {
  absl::StatusOr<std::vector<SpecTerm>> terms = ParseSpecTerms(spec);
  if (!terms.ok()) return std::string(spec);
  for (SpecTerm& term : *terms) {
    if (term.name != knob.term) continue;
    std::vector<std::pair<std::string, std::string>> kept;
    for (auto& arg : term.args) {
      if (arg.first != knob.key) kept.push_back(std::move(arg));
    }
    term.args = std::move(kept);
  }
  return TermsToString(*terms);
}

}  // namespace lrb::report
