#include "bench/run_plan.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "datasets/dataset_spec.h"
#include "sdl/method_spec.h"
#include "util/status_macros.h"

namespace lrb::bench {
namespace {

bool HasWildcard(absl::string_view pattern) {
  return pattern.find_first_of("*?") != absl::string_view::npos;
}

// "  - a\n  - b": what exists, for errors.
std::string Listing(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& value : values) absl::StrAppend(&out, "\n  ", value);
  return out;
}

// Which of `candidates` each filter value selects; an error names a value that selects none.
// `canonical` turns a wildcard-free value into the candidates' spelling (or returns it).
template <typename Canonical>
absl::StatusOr<std::vector<bool>> Select(absl::string_view flag,
                                         const std::vector<std::string>& values,
                                         const std::vector<std::string>& candidates,
                                         Canonical canonical) {
  std::vector<bool> selected(candidates.size(), values.empty());
  for (const std::string& value : values) {
    const std::string pattern = HasWildcard(value) ? value : canonical(value);
    bool any = false;
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (GlobMatch(pattern, candidates[i])) selected[i] = any = true;
    }
    if (!any) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: \"%s\" matches nothing in this suite; it has:%s", flag, value,
          Listing(candidates)));
    }
  }
  return selected;
}

}  // namespace

bool GlobMatch(absl::string_view pattern, absl::string_view text) {
  // Iterative matcher with one backtrack point (the last `*`): linear in practice, no
  // recursion on hostile patterns.
  size_t p = 0, t = 0, star = absl::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star != absl::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<std::string> SplitSpecList(absl::string_view text) {
  std::vector<std::string> items;
  int depth = 0;
  std::string current;
  for (const char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth <= 0) {
      if (!current.empty()) items.push_back(current);
      current.clear();
      continue;
    }
    current.push_back(c);
  }
  if (!current.empty()) items.push_back(current);
  return items;
}

absl::StatusOr<Shard> ParseShard(absl::string_view text) {
  const std::vector<std::string> parts = absl::StrSplit(text, '/');
  Shard shard;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &shard.index) ||
      !absl::SimpleAtoi(parts[1], &shard.count)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--shard=%s: expected I/N, e.g. --shard=0/4 for the first of four shards", text));
  }
  if (shard.count < 1 || shard.index < 0 || shard.index >= shard.count) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--shard=%s: expected 0 <= I < N (shards are numbered 0 to N-1)", text));
  }
  return shard;
}

absl::StatusOr<std::vector<uint64_t>> ParseSeedList(absl::string_view text) {
  std::vector<uint64_t> seeds;
  const auto bad = [text](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--seeds=%s: %s; expected seeds and inclusive ranges, e.g. --seeds=0,5 or "
        "--seeds=0-4 (five seeds)",
        text, why));
  };
  for (const absl::string_view item : absl::StrSplit(text, ',')) {
    const std::vector<absl::string_view> ends = absl::StrSplit(item, '-');
    uint64_t first = 0, last = 0;
    if (ends.size() > 2 || !absl::SimpleAtoi(ends.front(), &first) ||
        !absl::SimpleAtoi(ends.back(), &last)) {
      return bad(absl::StrCat("\"", item, "\" is not a seed or a range I-J"));
    }
    if (last < first) return bad(absl::StrCat("the range \"", item, "\" is empty"));
    if (last - first >= 100000) return bad(absl::StrCat("the range \"", item, "\" is too long"));
    for (uint64_t seed = first;; ++seed) {
      if (std::find(seeds.begin(), seeds.end(), seed) != seeds.end()) {
        return bad(absl::StrCat("seed ", seed, " is given twice"));
      }
      seeds.push_back(seed);
      if (seed == last) break;
    }
  }
  return seeds;
}

absl::StatusOr<RunPlan> PlanRuns(const Suite& suite, const RunFilter& filter) {
  // Canonical spellings: filters match them, and runs are recorded under them.
  std::vector<std::string> datasets, dataset_labels, methods;
  std::vector<bool> anchored;
  for (size_t i = 0; i < suite.datasets.size(); ++i) {
    LRB_ASSIGN_OR_RETURN(const datasets::DatasetSpec spec,
                         datasets::ParseDatasetSpec(suite.datasets[i]));
    datasets.push_back(datasets::ToString(spec));
    dataset_labels.push_back(absl::StrFormat("dataset_%02d  %s", i, datasets.back()));
  }
  for (const std::string& text : suite.methods) {
    LRB_ASSIGN_OR_RETURN(const sdl::MethodSpec spec, sdl::ParseMethodSpec(text));
    methods.push_back(sdl::ToString(spec));
    anchored.push_back(spec.anchor.has_value());
  }

  // --datasets: an index, a dataset_NN name, or a glob over canonical specs.
  std::vector<bool> use_dataset(datasets.size(), filter.datasets.empty());
  for (const std::string& value : filter.datasets) {
    int index = -1;
    absl::string_view number = value;
    absl::ConsumePrefix(&number, "dataset_");
    if (absl::SimpleAtoi(number, &index)) {
      if (index < 0 || index >= static_cast<int>(datasets.size())) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "--datasets: %s is not a dataset of %s, which has %d (0 to %d):%s", value,
            suite.id(), datasets.size(), static_cast<int>(datasets.size()) - 1,
            Listing(dataset_labels)));
      }
      use_dataset[index] = true;
      continue;
    }
    LRB_ASSIGN_OR_RETURN(const std::vector<bool> matched,
                         Select("--datasets", {value}, datasets, [](const std::string& v) {
                           const auto spec = datasets::ParseDatasetSpec(v);
                           return spec.ok() ? datasets::ToString(*spec) : v;
                         }));
    for (size_t i = 0; i < matched.size(); ++i) use_dataset[i] = use_dataset[i] || matched[i];
  }
  LRB_ASSIGN_OR_RETURN(const std::vector<bool> use_method,
                       Select("--methods", filter.methods, methods, [](const std::string& v) {
                         const auto spec = sdl::ParseMethodSpec(v);
                         return spec.ok() ? sdl::ToString(*spec) : v;
                       }));
  LRB_ASSIGN_OR_RETURN(const std::vector<bool> use_backend,
                       Select("--backends", filter.backends, suite.backends,
                              [](const std::string& v) { return v; }));
  bool anchoring_off = filter.anchoring.empty(), anchoring_on = filter.anchoring.empty();
  for (const std::string& value : filter.anchoring) {
    if (value == "off") {
      anchoring_off = true;
    } else if (value == "on") {
      anchoring_on = true;
    } else {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--anchoring: \"%s\" is neither off (methods without +anchor) nor on (with +anchor)",
          value));
    }
  }
  const std::vector<uint64_t>& seeds = filter.seeds.has_value() ? *filter.seeds : suite.seeds;
  if (seeds.empty()) return absl::InvalidArgumentError("--seeds: no seeds to run");

  std::vector<PlannedRun> matrix;
  for (size_t d = 0; d < datasets.size(); ++d) {
    if (!use_dataset[d]) continue;
    for (size_t m = 0; m < methods.size(); ++m) {
      if (!use_method[m] || !(anchored[m] ? anchoring_on : anchoring_off)) continue;
      if (!MethodFitsDataset(suite.methods[m], suite.datasets[d])) continue;
      for (size_t b = 0; b < suite.backends.size(); ++b) {
        if (!use_backend[b]) continue;
        for (const uint64_t seed : seeds) {
          matrix.push_back({.position = static_cast<int64_t>(matrix.size()),
                            .dataset_index = static_cast<int>(d),
                            .dataset_spec = datasets[d],
                            .method_spec = methods[m],
                            .backend = suite.backends[b],
                            .seed = seed});
        }
      }
    }
  }
  if (matrix.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "no run of %s is left after the filters (each one matches something, but not "
        "together: a method runs only on the datasets of its topology, and --anchoring "
        "selects among the methods)",
        suite.id()));
  }
  if (filter.shard.count < 1 || filter.shard.index < 0 ||
      filter.shard.index >= filter.shard.count) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "shard %d/%d: expected 0 <= I < N", filter.shard.index, filter.shard.count));
  }
  RunPlan plan;
  plan.matrix_runs = static_cast<int64_t>(matrix.size());
  const auto block_start = [&](int64_t shard) {
    return plan.matrix_runs * shard / filter.shard.count;
  };
  plan.runs.assign(matrix.begin() + block_start(filter.shard.index),
                   matrix.begin() + block_start(filter.shard.index + 1));
  return plan;
}

}  // namespace lrb::bench
