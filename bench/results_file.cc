#include "bench/results_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/compare_metrics.h"
#include "bench/scoring/scoring.h"
#include "leaderboard/store/store.h"
#include "nlohmann/json.hpp"
#include "util/atomic_file.h"
#include "util/input_file.h"
#include "util/status_macros.h"

namespace lrb::bench {
namespace {

using json = nlohmann::json;

// A baseline of the paper suite is a few hundred kilobytes; anything far larger is not one.
constexpr int64_t kMaxBaselineBytes = 64 << 20;

bool Kept(const std::string& metric) {
  return metric == kFeaturesScoredMetric || FindMetricRule(metric) != nullptr;
}

// 6 significant digits: far below every tolerance, above SIMD-target noise.
double Rounded(double value) {
  if (!std::isfinite(value) || value == 0) return value;
  return std::stod(absl::StrFormat("%.6g", value));
}

auto SortKey(const ResultRow& row) {
  return std::tie(row.suite, row.dataset_spec, row.method_spec, row.train_spec, row.backend,
                  row.scorer_version, row.seed, row.dataset_hash);
}

absl::StatusOr<bool> IsSqlite(const std::string& path) {
  LRB_ASSIGN_OR_RETURN(InputFile file, InputFile::Open(path));
  constexpr char kMagic[] = "SQLite format 3";  // with its NUL: 16 bytes
  if (file.size() < static_cast<int64_t>(sizeof(kMagic))) return false;
  char header[sizeof(kMagic)];
  LRB_RETURN_IF_ERROR(file.Read(header, sizeof(header)));
  return std::equal(header, header + sizeof(header), kMagic);
}

// `run` as a result of `suite`.
ResultRow ResultOf(const leaderboard::RunRecord& run, const std::string& suite) {
  ResultRow row;
  row.suite = suite;
  row.dataset_spec = run.dataset_spec;
  row.dataset_hash = run.dataset_hash;
  row.method_spec = run.method_spec;
  row.train_spec = run.train_spec;
  row.backend = run.backend;
  row.scorer_version = run.scorer_version;
  row.seed = run.seed;
  for (const auto& [name, value] : run.metrics) {
    if (Kept(name)) row.metrics[name] = value;
  }
  return row;
}

absl::StatusOr<std::vector<ResultRow>> FromDatabase(const std::string& path,
                                                    const std::string& suite_id) {
  LRB_ASSIGN_OR_RETURN(const std::unique_ptr<leaderboard::Store> store,
                       leaderboard::Store::OpenReadOnly(path));
  LRB_ASSIGN_OR_RETURN(const std::vector<leaderboard::RunRecord> runs,
                       suite_id.empty() ? store->LoadAllRuns() : store->LoadRuns(suite_id));
  std::vector<ResultRow> rows;
  for (const leaderboard::RunRecord& run : runs) {
    if (run.status != "ok" || !run.incomplete.empty() ||
        run.scorer_version != scoring::kScorerVersion) {
      continue;
    }
    // A run shared by several suites is a result of each (whichever trained it): one row
    // per suite asked for, so both sides of a comparison group it the same way.
    const std::vector<std::string> suites =
        suite_id.empty() ? run.suites : std::vector<std::string>{suite_id};
    for (const std::string& suite : suites) rows.push_back(ResultOf(run, suite));
  }
  return rows;
}

// The string member `key` of `object`, or an error naming the file and the run.
absl::StatusOr<std::string> StringField(const json& object, const char* key,
                                        const std::string& where) {
  if (!object.contains(key) || !object[key].is_string()) {
    return absl::DataLossError(absl::StrCat(where, ": \"", key, "\" is missing or not a string"));
  }
  return object[key].get<std::string>();
}

absl::StatusOr<std::vector<ResultRow>> FromBaseline(const std::string& path,
                                                    const std::string& suite_id) {
  LRB_ASSIGN_OR_RETURN(const std::string text, ReadSmallFile(path, kMaxBaselineBytes));
  const json file = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (file.is_discarded() || !file.is_object()) {
    return absl::DataLossError(
        absl::StrCat(path, " is neither an LRB database nor a JSON baseline file"));
  }
  if (!file.contains("format") || file["format"] != kBaselineFormat) {
    return absl::DataLossError(absl::StrFormat(
        "%s is not a baseline file of this lrb (expected \"format\": \"%s\", got %s)", path,
        kBaselineFormat, file.contains("format") ? file["format"].dump() : "none"));
  }
  if (!file.contains("runs") || !file["runs"].is_array()) {
    return absl::DataLossError(absl::StrCat(path, ": \"runs\" is missing or not an array"));
  }
  std::vector<ResultRow> rows;
  int index = 0;
  for (const json& run : file["runs"]) {
    const std::string where = absl::StrCat(path, ": run ", index++);
    if (!run.is_object()) return absl::DataLossError(absl::StrCat(where, " is not an object"));
    ResultRow row;
    LRB_ASSIGN_OR_RETURN(row.suite, StringField(run, "suite", where));
    LRB_ASSIGN_OR_RETURN(row.dataset_spec, StringField(run, "dataset_spec", where));
    LRB_ASSIGN_OR_RETURN(row.dataset_hash, StringField(run, "dataset_hash", where));
    LRB_ASSIGN_OR_RETURN(row.method_spec, StringField(run, "method_spec", where));
    LRB_ASSIGN_OR_RETURN(row.train_spec, StringField(run, "train_spec", where));
    LRB_ASSIGN_OR_RETURN(row.backend, StringField(run, "backend", where));
    LRB_ASSIGN_OR_RETURN(row.scorer_version, StringField(run, "scorer_version", where));
    if (!run.contains("seed") || !run["seed"].is_number_unsigned()) {
      return absl::DataLossError(absl::StrCat(where, ": \"seed\" is missing or not a seed"));
    }
    row.seed = run["seed"].get<uint64_t>();
    if (!run.contains("metrics") || !run["metrics"].is_object()) {
      return absl::DataLossError(absl::StrCat(where, ": \"metrics\" is missing or not an object"));
    }
    for (const auto& [name, value] : run["metrics"].items()) {
      if (!value.is_number() || !std::isfinite(value.get<double>())) {
        return absl::DataLossError(
            absl::StrCat(where, ": metric \"", name, "\" is not a finite number"));
      }
      row.metrics[name] = value.get<double>();
    }
    if (row.scorer_version != scoring::kScorerVersion) continue;  // as for databases: not comparable
    if (!suite_id.empty() && row.suite != suite_id) continue;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

absl::StatusOr<std::vector<ResultRow>> LoadResults(const std::string& path,
                                                   const std::string& suite_id) {
  LRB_ASSIGN_OR_RETURN(const bool sqlite, IsSqlite(path));
  return sqlite ? FromDatabase(path, suite_id) : FromBaseline(path, suite_id);
}

std::string FormatBaseline(const std::string& suite_id, std::vector<ResultRow> rows) {
  std::sort(rows.begin(), rows.end(),
            [](const ResultRow& a, const ResultRow& b) { return SortKey(a) < SortKey(b); });
  std::string text =
      absl::StrFormat("{\"format\": \"%s\", \"suite\": %s, \"scorer_version\": \"%s\", \"runs\": [\n",
                      kBaselineFormat, json(suite_id).dump(), scoring::kScorerVersion);
  for (size_t i = 0; i < rows.size(); ++i) {
    const ResultRow& row = rows[i];
    json metrics = json::object();
    for (const auto& [name, value] : row.metrics) metrics[name] = Rounded(value);
    const json run = {{"suite", row.suite},
                      {"dataset_spec", row.dataset_spec},
                      {"dataset_hash", row.dataset_hash},
                      {"method_spec", row.method_spec},
                      {"train_spec", row.train_spec},
                      {"backend", row.backend},
                      {"scorer_version", row.scorer_version},
                      {"seed", row.seed},
                      {"metrics", metrics}};
    absl::StrAppend(&text, run.dump(), i + 1 < rows.size() ? ",\n" : "\n");
  }
  absl::StrAppend(&text, "]}\n");
  return text;
}

absl::Status BaselineCommand(const Suite& suite, const std::string& db_path,
                             const std::string& out_path, std::ostream& log) {
  if (out_path.empty()) return absl::InvalidArgumentError("baseline: --out=FILE.json is required");
  if (!std::filesystem::exists(db_path)) {
    return absl::NotFoundError(absl::StrFormat(
        "no database at %s; `lrb run --suite=%s --db=%s` creates it", db_path, suite.name,
        db_path));
  }
  LRB_ASSIGN_OR_RETURN(std::vector<ResultRow> rows, LoadResults(db_path, suite.id()));
  if (rows.empty()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "baseline: %s has no finished run of %s scored by %s; run `lrb run --suite=%s --db=%s`",
        db_path, suite.id(), scoring::kScorerVersion, suite.name, db_path));
  }
  const size_t count = rows.size();
  LRB_RETURN_IF_ERROR(WriteFileAtomically(out_path, FormatBaseline(suite.id(), std::move(rows))));
  log << absl::StrFormat("wrote the baseline of %s (%d runs, %s) to %s\n", suite.id(), count,
                         scoring::kScorerVersion, out_path);
  return absl::OkStatus();
}

}  // namespace lrb::bench
