#include "bench/compare.h"

#include <cmath>
#include <map>
#include <ostream>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "util/status_macros.h"

namespace lrb::bench {
namespace {

struct Group {
  std::set<std::string> dataset_hashes;
  std::map<std::string, std::vector<double>> values;  // metric -> one value per run
};

std::map<Configuration, Group> GroupByConfiguration(const std::vector<ResultRow>& rows) {
  std::map<Configuration, Group> groups;
  for (const ResultRow& row : rows) {
    Group& group = groups[{row.suite, row.dataset_spec, row.method_spec, row.train_spec,
                           row.backend, row.scorer_version}];
    group.dataset_hashes.insert(row.dataset_hash);
    for (const auto& [name, value] : row.metrics) group.values[name].push_back(value);
  }
  return groups;
}

Samples Summarize(const std::vector<double>& values) {
  Samples s;
  s.count = static_cast<int>(values.size());
  if (values.empty()) return s;
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / s.count;
  if (s.count > 1) {
    double squares = 0;
    for (double v : values) squares += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(squares / (s.count - 1));
  }
  return s;
}

// The suite, method, backend and dataset of a configuration, in one line.
std::string Describe(const Configuration& c) {
  return absl::StrFormat("%s %s %s on %s", c.suite.empty() ? "(no suite)" : c.suite,
                         c.method_spec, c.backend, c.dataset_spec);
}

std::string Hashes(const std::set<std::string>& hashes) { return absl::StrJoin(hashes, ","); }

const char* KindWord(MetricVerdict::Kind kind) {
  switch (kind) {
    case MetricVerdict::Kind::kRegression:
      return "REGRESSION";
    case MetricVerdict::Kind::kBetter:
      return "better";
    case MetricVerdict::Kind::kSame:
      return "same";
  }
  return "";
}

// "-0.1490 (allowed -0.0163)": the change, and the worst change allowed, signed so a
// regression reads as a change beyond the allowed one.
std::string SignedAllowed(const MetricVerdict& v) {
  const MetricRule* rule = FindMetricRule(v.metric);
  const double sign = rule != nullptr && rule->better == Better::kLower ? 1 : -1;
  return absl::StrFormat("%+.4f", sign * v.allowed);
}

std::string SeedCounts(const MetricVerdict& v) {
  return absl::StrFormat("seeds %d vs %d", v.base.count, v.candidate.count);
}

std::string Summary(const Comparison& c) {
  std::vector<std::string> problems;
  if (c.regressions() > 0) problems.push_back(absl::StrCat(c.regressions(), " regression(s)"));
  if (!c.missing.empty()) {
    problems.push_back(absl::StrCat(c.missing.size(), " configuration(s) missing"));
  }
  if (!c.missing_metrics.empty()) {
    problems.push_back(absl::StrCat(c.missing_metrics.size(), " metric(s) missing"));
  }
  if (!c.dataset_changes.empty()) {
    problems.push_back(absl::StrCat(c.dataset_changes.size(), " dataset(s) changed"));
  }
  int better = 0;
  for (const MetricVerdict& v : c.verdicts) better += v.kind == MetricVerdict::Kind::kBetter;
  return absl::StrFormat(
      "%d configuration(s) compared on %d metric value(s): %s; %d better, %d new "
      "configuration(s)",
      c.configurations_compared, c.verdicts.size(),
      problems.empty() ? "no regression" : absl::StrCat("FAILED: ", absl::StrJoin(problems, ", ")),
      better, c.added.size());
}

std::string MarkdownCell(const std::string& text) {
  return absl::StrReplaceAll(text, {{"|", "\\|"}});
}

}  // namespace

int Comparison::regressions() const {
  int count = 0;
  for (const MetricVerdict& v : verdicts) count += v.kind == MetricVerdict::Kind::kRegression;
  return count;
}

bool Comparison::failed() const {
  return regressions() > 0 || !missing.empty() || !missing_metrics.empty() ||
         !dataset_changes.empty();
}

Comparison CompareResults(const std::vector<ResultRow>& base,
                          const std::vector<ResultRow>& candidate) {
  const std::map<Configuration, Group> base_groups = GroupByConfiguration(base);
  const std::map<Configuration, Group> candidate_groups = GroupByConfiguration(candidate);
  Comparison result;
  for (const auto& [configuration, b] : base_groups) {
    const auto found = candidate_groups.find(configuration);
    if (found == candidate_groups.end()) {
      result.missing.push_back(configuration);
      continue;
    }
    const Group& c = found->second;
    if (b.dataset_hashes != c.dataset_hashes) {
      result.dataset_changes.push_back(absl::StrFormat("%s: dataset hash %s -> %s",
                                                       Describe(configuration),
                                                       Hashes(b.dataset_hashes),
                                                       Hashes(c.dataset_hashes)));
      continue;
    }
    ++result.configurations_compared;
    double features_scored = 0;
    if (const auto it = b.values.find(kFeaturesScoredMetric); it != b.values.end()) {
      features_scored = Summarize(it->second).mean;
    }
    for (const MetricRule& rule : GatedMetrics()) {
      const auto base_values = b.values.find(rule.name);
      if (base_values == b.values.end()) continue;  // e.g. absorption without a hierarchy
      const auto candidate_values = c.values.find(rule.name);
      if (candidate_values == c.values.end()) {
        result.missing_metrics.push_back(
            absl::StrCat(Describe(configuration), ": ", rule.name));
        continue;
      }
      MetricVerdict v;
      v.configuration = configuration;
      v.metric = rule.name;
      v.base = Summarize(base_values->second);
      v.candidate = Summarize(candidate_values->second);
      v.change = v.candidate.mean - v.base.mean;
      const double standard_error =
          std::sqrt(v.base.stddev * v.base.stddev / v.base.count +
                    v.candidate.stddev * v.candidate.stddev / v.candidate.count);
      v.allowed = rule.absolute + rule.relative * std::abs(v.base.mean) +
                  (features_scored > 0 ? rule.features / features_scored : 0) +
                  kSpreadFactor * standard_error;
      const double worse = rule.better == Better::kHigher ? -v.change : v.change;
      if (worse > v.allowed) {
        v.kind = MetricVerdict::Kind::kRegression;
      } else if (-worse > v.allowed) {
        v.kind = MetricVerdict::Kind::kBetter;
      }
      result.verdicts.push_back(std::move(v));
    }
  }
  for (const auto& [configuration, group] : candidate_groups) {
    if (!base_groups.contains(configuration)) result.added.push_back(configuration);
  }
  return result;
}

std::string FormatComparison(const Comparison& c, const std::string& base_name,
                             const std::string& candidate_name, CompareFormat format) {
  std::string text;
  if (format == CompareFormat::kText) {
    absl::StrAppend(&text, "lrb compare ", base_name, " (base) -> ", candidate_name,
                    " (candidate)\n", Summary(c), "\n");
    for (const MetricVerdict::Kind kind :
         {MetricVerdict::Kind::kRegression, MetricVerdict::Kind::kBetter}) {
      for (const MetricVerdict& v : c.verdicts) {
        if (v.kind != kind) continue;
        absl::StrAppend(&text, absl::StrFormat("  %-10s %-22s %.4f -> %.4f  (%+.4f; allowed %s; "
                                               "%s)  %s\n",
                                               KindWord(v.kind), v.metric, v.base.mean,
                                               v.candidate.mean, v.change, SignedAllowed(v),
                                               SeedCounts(v), Describe(v.configuration)));
      }
      if (kind == MetricVerdict::Kind::kRegression) {
        for (const Configuration& m : c.missing) {
          absl::StrAppend(&text, "  MISSING    ", Describe(m),
                          ": in the base, not in the candidate\n");
        }
        for (const std::string& m : c.missing_metrics) {
          absl::StrAppend(&text, "  MISSING    metric ", m, "\n");
        }
        for (const std::string& d : c.dataset_changes) {
          absl::StrAppend(&text, "  CHANGED    ", d,
                          " (not comparable; rewrite the baseline with `lrb baseline`)\n");
        }
      }
    }
    for (const Configuration& a : c.added) {
      absl::StrAppend(&text, "  new        ", Describe(a), " (not in the base)\n");
    }
    return text;
  }
  absl::StrAppend(&text, "**lrb compare** `", base_name, "` (base) → `", candidate_name,
                  "` (candidate): ", Summary(c), "\n\n");
  if (c.regressions() == 0 && c.missing.empty() && c.missing_metrics.empty() &&
      c.dataset_changes.empty() && c.added.empty() &&
      std::none_of(c.verdicts.begin(), c.verdicts.end(),
                   [](const MetricVerdict& v) { return v.kind != MetricVerdict::Kind::kSame; })) {
    return text;
  }
  absl::StrAppend(&text,
                  "| | metric | configuration | base | candidate | change | allowed |\n"
                  "|---|---|---|---|---|---|---|\n");
  for (const MetricVerdict::Kind kind :
       {MetricVerdict::Kind::kRegression, MetricVerdict::Kind::kBetter}) {
    for (const MetricVerdict& v : c.verdicts) {
      if (v.kind != kind) continue;
      absl::StrAppend(&text, absl::StrFormat("| %s | `%s` | %s | %.4f (%d) | %.4f (%d) | %+.4f | %s |\n",
                                             kind == MetricVerdict::Kind::kRegression
                                                 ? "**regression**"
                                                 : "better",
                                             v.metric, MarkdownCell(Describe(v.configuration)),
                                             v.base.mean, v.base.count, v.candidate.mean,
                                             v.candidate.count, v.change, SignedAllowed(v)));
    }
  }
  for (const Configuration& m : c.missing) {
    absl::StrAppend(&text, "| **missing** | | ", MarkdownCell(Describe(m)), " | ran | absent | | |\n");
  }
  for (const std::string& m : c.missing_metrics) {
    absl::StrAppend(&text, "| **missing metric** | | ", MarkdownCell(m), " | | | | |\n");
  }
  for (const std::string& d : c.dataset_changes) {
    absl::StrAppend(&text, "| **dataset changed** | | ", MarkdownCell(d), " | | | | |\n");
  }
  for (const Configuration& a : c.added) {
    absl::StrAppend(&text, "| new | | ", MarkdownCell(Describe(a)), " | absent | ran | | |\n");
  }
  return text;
}

absl::Status CompareCommand(const std::string& base_path, const std::string& candidate_path,
                            const std::string& suite_id, CompareFormat format,
                            std::ostream& out) {
  LRB_ASSIGN_OR_RETURN(const std::vector<ResultRow> base, LoadResults(base_path, suite_id));
  LRB_ASSIGN_OR_RETURN(const std::vector<ResultRow> candidate,
                       LoadResults(candidate_path, suite_id));
  if (base.empty()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "compare: the base %s has no finished run%s to compare against", base_path,
        suite_id.empty() ? "" : absl::StrCat(" of ", suite_id)));
  }
  const Comparison comparison = CompareResults(base, candidate);
  out << FormatComparison(comparison, base_path, candidate_path, format);
  if (comparison.failed()) {
    return absl::FailedPreconditionError(
        absl::StrCat("compare: ", candidate_path, " fails against ", base_path));
  }
  return absl::OkStatus();
}

}  // namespace lrb::bench
