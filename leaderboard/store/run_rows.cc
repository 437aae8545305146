#include "leaderboard/store/run_rows.h"

#include <cmath>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "leaderboard/store/statement.h"
#include "util/status_macros.h"

namespace lrb::leaderboard::internal {
namespace {

// Timestamps: strftime's %f is seconds with milliseconds ("05.123"); 'now' is fixed within a
// statement.
constexpr char kInsertRun[] = R"sql(
INSERT INTO runs (
  run_key, suite, dataset_spec, dataset_hash, method_spec, train_spec, backend, backend_used,
  seed, scorer_version, status, created_at,
  cpu, simd_target, compiler, build_mode, git_commit, git_dirty, library_versions, hostname,
  threads, owner_host, owner_boot_id, owner_pid, owner_start_time, heartbeat_at)
VALUES (
  :run_key, :suite, :dataset_spec, :dataset_hash, :method_spec, :train_spec, :backend,
  :backend_used, :seed, :scorer_version, 'running', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
  :cpu, :simd_target, :compiler, :build_mode, :git_commit, :git_dirty, :library_versions,
  :hostname, :threads, :owner_host, :owner_boot_id, :owner_pid, :owner_start_time,
  CAST(strftime('%s', 'now') AS INTEGER))
RETURNING id
)sql";

// A whole finished run copied from another database (Store::ImportFinishedRun): its times,
// owner and heartbeat are the original's, not now.
constexpr char kInsertFinishedRun[] = R"sql(
INSERT INTO runs (
  run_key, suite, dataset_spec, dataset_hash, method_spec, train_spec, backend, backend_used,
  seed, scorer_version, status, error, train_seconds, score_seconds, created_at, finished_at,
  cpu, simd_target, compiler, build_mode, git_commit, git_dirty, library_versions, hostname,
  threads, owner_host, owner_boot_id, owner_pid, owner_start_time, heartbeat_at,
  expected_metrics, expected_features)
VALUES (
  :run_key, :suite, :dataset_spec, :dataset_hash, :method_spec, :train_spec, :backend,
  :backend_used, :seed, :scorer_version, 'ok', '', :train_seconds, :score_seconds,
  :created_at, :finished_at,
  :cpu, :simd_target, :compiler, :build_mode, :git_commit, :git_dirty, :library_versions,
  :hostname, :threads, :owner_host, :owner_boot_id, :owner_pid, :owner_start_time,
  :heartbeat_at, :expected_metrics, :expected_features)
RETURNING id
)sql";

constexpr char kInsertExternal[] = R"sql(
INSERT INTO external_submissions (run_id, name, model_path, model_hash, activation)
VALUES (:run_id, :name, :model_path, :model_hash, :activation)
)sql";

constexpr char kMarkFinished[] = R"sql(
UPDATE runs
SET status = 'ok', error = '', train_seconds = :train_seconds, score_seconds = :score_seconds,
    backend_used = iif(:backend_used = '', backend_used, :backend_used),
    expected_metrics = :expected_metrics, expected_features = :expected_features,
    finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = :id AND status = 'running'
)sql";

constexpr char kMarkInterrupted[] = R"sql(
UPDATE runs
SET status = 'interrupted', error = :error,
    finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = :id AND status = 'running'
)sql";

constexpr char kTouchHeartbeat[] = R"sql(
UPDATE runs SET heartbeat_at = CAST(strftime('%s', 'now') AS INTEGER)
WHERE id = :id AND status = 'running'
)sql";

constexpr char kFindRunState[] = R"sql(
SELECT id, status, owner_host, owner_boot_id, owner_pid, owner_start_time, heartbeat_at,
       coalesce(expected_metrics, -1), coalesce(expected_features, -1),
       (SELECT count(*) FROM metrics WHERE run_id = runs.id),
       (SELECT count(*) FROM feature_results WHERE run_id = runs.id)
FROM runs WHERE run_key = :key
)sql";

constexpr char kMarkFailed[] = R"sql(
UPDATE runs
SET status = 'failed', error = :error, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = :id AND status = 'running'
)sql";

constexpr char kInsertMetric[] =
    "INSERT INTO metrics (run_id, name, value) VALUES (:run_id, :name, :value)";

constexpr char kInsertFeature[] = R"sql(
INSERT INTO feature_results (run_id, feature, best_latent, best_cosine, anchored, recovered,
                             firing_frequency, latent_firing_frequency, absorbed, parent,
                             absorption_rate, absorption_taker)
VALUES (:run_id, :feature, :best_latent, :best_cosine, :anchored, :recovered,
        :firing_frequency, :latent_firing_frequency, :absorbed, :parent, :absorption_rate,
        :absorption_taker)
)sql";

// ON CONFLICT DO NOTHING, not OR IGNORE: a membership the run already has is no error, but
// any other constraint (a missing run) still is.
constexpr char kInsertMembership[] =
    "INSERT INTO run_suites (run_id, suite) VALUES (:run_id, :suite) "
    "ON CONFLICT (run_id, suite) DO NOTHING";

constexpr char kInsertTrajectoryPoint[] =
    "INSERT INTO trajectories (run_id, metric, step, value) "
    "VALUES (:run_id, :metric, :step, :value)";

// Read in this order by ReadRunRow; the round-trip test covers every field.
constexpr char kRunColumns[] = R"sql(
  r.id, r.run_key, r.suite, r.dataset_spec, r.dataset_hash, r.method_spec, r.train_spec,
  r.backend, r.backend_used, r.seed, r.scorer_version, r.status, r.error, r.train_seconds,
  r.score_seconds, r.created_at, r.finished_at,
  r.cpu, r.simd_target, r.compiler, r.build_mode, r.git_commit, r.git_dirty,
  r.library_versions, r.hostname, r.threads,
  r.owner_host, r.owner_boot_id, r.owner_pid, r.owner_start_time, r.heartbeat_at,
  coalesce(r.expected_metrics, -1), coalesce(r.expected_features, -1),
  e.run_id IS NOT NULL, coalesce(e.name, ''), coalesce(e.model_path, ''),
  coalesce(e.model_hash, ''), coalesce(e.activation, '')
)sql";

// The runs table with each run's external provenance, if any.
constexpr char kRunsWithProvenance[] =
    "runs AS r LEFT JOIN external_submissions AS e ON e.run_id = r.id";

struct ExpectedRows {
  int64_t metrics = -1, features = -1;  // -1: not recorded
};

// Returns the row id and fills `run` and `expected` from a row of kRunColumns.
int64_t ReadRunRow(const Statement& row, RunRecord& run, ExpectedRows& expected) {
  int c = 0;
  const int64_t id = row.ColumnInt(c++);
  run.run_key = row.ColumnText(c++);
  run.suite = row.ColumnText(c++);
  run.dataset_spec = row.ColumnText(c++);
  run.dataset_hash = row.ColumnText(c++);
  run.method_spec = row.ColumnText(c++);
  run.train_spec = row.ColumnText(c++);
  run.backend = row.ColumnText(c++);
  run.backend_used = row.ColumnText(c++);
  run.seed = SeedFromSql(row.ColumnInt(c++));
  run.scorer_version = row.ColumnText(c++);
  run.status = row.ColumnText(c++);
  run.error = row.ColumnText(c++);
  run.train_seconds = row.ColumnDouble(c++);
  run.score_seconds = row.ColumnDouble(c++);
  run.created_at = row.ColumnText(c++);
  run.finished_at = row.ColumnText(c++);  // NULL while running reads as ""
  Environment& env = run.environment;
  env.cpu = row.ColumnText(c++);
  env.simd_target = row.ColumnText(c++);
  env.compiler = row.ColumnText(c++);
  env.build_mode = row.ColumnText(c++);
  env.git_commit = row.ColumnText(c++);
  env.git_dirty = row.ColumnInt(c++) != 0;
  env.library_versions = row.ColumnText(c++);
  env.hostname = row.ColumnText(c++);
  env.threads = static_cast<int>(row.ColumnInt(c++));
  run.owner.host = row.ColumnText(c++);
  run.owner.boot_id = row.ColumnText(c++);
  run.owner.pid = row.ColumnInt(c++);
  run.owner.start_time = row.ColumnInt(c++);
  run.heartbeat_unix = row.ColumnInt(c++);
  expected.metrics = row.ColumnInt(c++);
  expected.features = row.ColumnInt(c++);
  if (row.ColumnInt(c++) != 0) {
    ExternalSubmission& external = run.external.emplace();
    external.name = row.ColumnText(c++);
    external.model_path = row.ColumnText(c++);
    external.model_hash = row.ColumnText(c++);
    external.activation = row.ColumnText(c++);
  }
  return id;
}

const char* WhereClause(RunFilter filter) {
  switch (filter) {
    case RunFilter::kFinishedWithKey:
      return "r.run_key = :value AND r.status = 'ok'";
    case RunFilter::kSuite:
      // Membership, not runs.suite (where the run was trained): a run reused by this suite
      // is on its board too.
      return "r.id IN (SELECT member.run_id FROM run_suites AS member "
             "WHERE member.suite = :value)";
    case RunFilter::kDatasetHash:
      return "r.dataset_hash = :value";
    case RunFilter::kAll:
      return "(:value IS NOT NULL)";  // always true; every filter binds :value
  }
  return "0";  // unreachable: every enumerator is handled above
}

// Prepares `sql` with its :value parameter bound.
absl::StatusOr<Statement> PrepareFiltered(sqlite3* db, const std::string& sql,
                                          std::string_view value, std::string doing) {
  LRB_ASSIGN_OR_RETURN(Statement query, Statement::Prepare(db, sql, std::move(doing)));
  LRB_RETURN_IF_ERROR(query.BindText(":value", value));
  return query;
}

}  // namespace

std::string IncompleteReason(const std::string& status, int64_t expected_metrics,
                             int64_t expected_features, int64_t metrics, int64_t features) {
  if (status != "ok") return "";
  std::vector<std::string> missing;
  if (expected_metrics >= 0 || expected_features >= 0) {
    if (metrics != expected_metrics) {
      missing.push_back(absl::StrCat(metrics, " of ", expected_metrics, " metrics"));
    }
    if (features != expected_features) {
      missing.push_back(absl::StrCat(features, " of ", expected_features, " feature rows"));
    }
  } else {
    // Finished before the counts were recorded: every scorer stores some of each.
    if (metrics == 0) missing.push_back("no metrics");
    if (features == 0) missing.push_back("no feature rows");
  }
  if (missing.empty()) return "";
  return absl::StrCat("stored ", absl::StrJoin(missing, " and "));
}

namespace {

// Binds the identity, environment and owner of `run` to an insert of kInsertRun or
// kInsertFinishedRun.
absl::Status BindIdentity(Statement& insert, const RunRecord& run, const RunOwner& owner) {
  const Environment& env = run.environment;
  LRB_RETURN_IF_ERROR(insert.BindText(":run_key", run.run_key));
  LRB_RETURN_IF_ERROR(insert.BindText(":suite", run.suite));
  LRB_RETURN_IF_ERROR(insert.BindText(":dataset_spec", run.dataset_spec));
  LRB_RETURN_IF_ERROR(insert.BindText(":dataset_hash", run.dataset_hash));
  LRB_RETURN_IF_ERROR(insert.BindText(":method_spec", run.method_spec));
  LRB_RETURN_IF_ERROR(insert.BindText(":train_spec", run.train_spec));
  LRB_RETURN_IF_ERROR(insert.BindText(":backend", run.backend));
  LRB_RETURN_IF_ERROR(insert.BindText(":backend_used", run.backend_used));
  LRB_RETURN_IF_ERROR(insert.BindInt(":seed", SeedToSql(run.seed)));
  LRB_RETURN_IF_ERROR(insert.BindText(":scorer_version", run.scorer_version));
  LRB_RETURN_IF_ERROR(insert.BindText(":cpu", env.cpu));
  LRB_RETURN_IF_ERROR(insert.BindText(":simd_target", env.simd_target));
  LRB_RETURN_IF_ERROR(insert.BindText(":compiler", env.compiler));
  LRB_RETURN_IF_ERROR(insert.BindText(":build_mode", env.build_mode));
  LRB_RETURN_IF_ERROR(insert.BindText(":git_commit", env.git_commit));
  LRB_RETURN_IF_ERROR(insert.BindInt(":git_dirty", env.git_dirty ? 1 : 0));
  LRB_RETURN_IF_ERROR(insert.BindText(":library_versions", env.library_versions));
  LRB_RETURN_IF_ERROR(insert.BindText(":hostname", env.hostname));
  LRB_RETURN_IF_ERROR(insert.BindInt(":threads", env.threads));
  LRB_RETURN_IF_ERROR(insert.BindText(":owner_host", owner.host));
  LRB_RETURN_IF_ERROR(insert.BindText(":owner_boot_id", owner.boot_id));
  LRB_RETURN_IF_ERROR(insert.BindInt(":owner_pid", owner.pid));
  LRB_RETURN_IF_ERROR(insert.BindInt(":owner_start_time", owner.start_time));
  return absl::OkStatus();
}

// Steps an INSERT ... RETURNING id to completion and returns the id.
absl::StatusOr<int64_t> StepReturningId(Statement& insert) {
  LRB_ASSIGN_OR_RETURN(const bool has_row, insert.Step());
  if (!has_row) return absl::InternalError("inserting the run: RETURNING gave no id");
  const int64_t id = insert.ColumnInt(0);
  // Step to completion: an INSERT ... RETURNING is only finished when stepped to DONE.
  LRB_ASSIGN_OR_RETURN(const bool more, insert.Step());
  if (more) return absl::InternalError("inserting the run: RETURNING gave more than one id");
  return id;
}

absl::Status InsertExternalRow(sqlite3* db, int64_t run_id, const ExternalSubmission& external) {
  LRB_ASSIGN_OR_RETURN(Statement insert,
                       Statement::Prepare(db, kInsertExternal, "inserting the submission"));
  LRB_RETURN_IF_ERROR(insert.BindInt(":run_id", run_id));
  LRB_RETURN_IF_ERROR(insert.BindText(":name", external.name));
  LRB_RETURN_IF_ERROR(insert.BindText(":model_path", external.model_path));
  LRB_RETURN_IF_ERROR(insert.BindText(":model_hash", external.model_hash));
  LRB_RETURN_IF_ERROR(insert.BindText(":activation", external.activation));
  return insert.Run().status();
}

}  // namespace

absl::StatusOr<int64_t> InsertRunningRow(sqlite3* db, const RunRecord& run,
                                         const RunOwner& owner) {
  LRB_ASSIGN_OR_RETURN(Statement insert, Statement::Prepare(db, kInsertRun, "inserting the run"));
  LRB_RETURN_IF_ERROR(BindIdentity(insert, run, owner));
  LRB_ASSIGN_OR_RETURN(const int64_t id, StepReturningId(insert));
  if (run.external.has_value()) LRB_RETURN_IF_ERROR(InsertExternalRow(db, id, *run.external));
  LRB_RETURN_IF_ERROR(AddRunToSuites(db, id, {run.suite}).status());
  return id;
}

absl::StatusOr<int64_t> InsertFinishedRun(sqlite3* db, const RunRecord& run) {
  if (run.created_at.empty() || run.finished_at.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("run ", run.run_key, " has no creation or finishing time"));
  }
  LRB_ASSIGN_OR_RETURN(Statement insert,
                       Statement::Prepare(db, kInsertFinishedRun, "inserting the finished run"));
  LRB_RETURN_IF_ERROR(BindIdentity(insert, run, run.owner));
  LRB_RETURN_IF_ERROR(insert.BindDouble(":train_seconds", run.train_seconds));
  LRB_RETURN_IF_ERROR(insert.BindDouble(":score_seconds", run.score_seconds));
  LRB_RETURN_IF_ERROR(insert.BindText(":created_at", run.created_at));
  LRB_RETURN_IF_ERROR(insert.BindText(":finished_at", run.finished_at));
  LRB_RETURN_IF_ERROR(insert.BindInt(":heartbeat_at", run.heartbeat_unix));
  LRB_RETURN_IF_ERROR(
      insert.BindInt(":expected_metrics", static_cast<int64_t>(run.metrics.size())));
  LRB_RETURN_IF_ERROR(
      insert.BindInt(":expected_features", static_cast<int64_t>(run.features.size())));
  LRB_ASSIGN_OR_RETURN(const int64_t id, StepReturningId(insert));
  if (run.external.has_value()) LRB_RETURN_IF_ERROR(InsertExternalRow(db, id, *run.external));
  LRB_RETURN_IF_ERROR(AddRunToSuites(db, id, SuitesOf(run)).status());
  LRB_RETURN_IF_ERROR(InsertOutcomeRows(db, id, run));
  return id;
}

std::vector<std::string> SuitesOf(const RunRecord& run) {
  std::set<std::string> suites(run.suites.begin(), run.suites.end());
  suites.insert(run.suite);
  return {suites.begin(), suites.end()};
}

absl::StatusOr<std::vector<std::string>> SuitesOfRun(sqlite3* db, int64_t run_id) {
  LRB_ASSIGN_OR_RETURN(
      Statement query,
      Statement::Prepare(db, "SELECT suite FROM run_suites WHERE run_id = :id ORDER BY suite",
                         "reading the run's suites"));
  LRB_RETURN_IF_ERROR(query.BindInt(":id", run_id));
  std::vector<std::string> suites;
  while (true) {
    LRB_ASSIGN_OR_RETURN(const bool has_row, query.Step());
    if (!has_row) return suites;
    suites.push_back(query.ColumnText(0));
  }
}

absl::StatusOr<std::vector<std::string>> AddRunToSuites(sqlite3* db, int64_t run_id,
                                                        const std::vector<std::string>& suites) {
  LRB_ASSIGN_OR_RETURN(Statement insert,
                       Statement::Prepare(db, kInsertMembership, "adding the run to a suite"));
  std::vector<std::string> added;
  for (const std::string& suite : suites) {
    LRB_RETURN_IF_ERROR(insert.BindInt(":run_id", run_id));
    LRB_RETURN_IF_ERROR(insert.BindText(":suite", suite));
    const absl::StatusOr<int64_t> changed = insert.Run();
    if (!changed.ok()) return Annotate(changed.status(), absl::StrCat("suite \"", suite, "\""));
    if (*changed > 0) added.push_back(suite);
  }
  return added;
}

absl::StatusOr<bool> MarkRunFinished(sqlite3* db, int64_t run_id, const RunRecord& outcome) {
  LRB_ASSIGN_OR_RETURN(Statement update,
                       Statement::Prepare(db, kMarkFinished, "marking the run ok"));
  LRB_RETURN_IF_ERROR(update.BindInt(":id", run_id));
  LRB_RETURN_IF_ERROR(update.BindDouble(":train_seconds", outcome.train_seconds));
  LRB_RETURN_IF_ERROR(update.BindDouble(":score_seconds", outcome.score_seconds));
  LRB_RETURN_IF_ERROR(update.BindText(":backend_used", outcome.backend_used));
  LRB_RETURN_IF_ERROR(
      update.BindInt(":expected_metrics", static_cast<int64_t>(outcome.metrics.size())));
  LRB_RETURN_IF_ERROR(
      update.BindInt(":expected_features", static_cast<int64_t>(outcome.features.size())));
  LRB_ASSIGN_OR_RETURN(const int64_t changed, update.Run());
  return changed == 1;
}

absl::StatusOr<bool> MarkRunInterrupted(sqlite3* db, int64_t run_id, std::string_view message) {
  LRB_ASSIGN_OR_RETURN(Statement update,
                       Statement::Prepare(db, kMarkInterrupted, "marking the run interrupted"));
  LRB_RETURN_IF_ERROR(update.BindInt(":id", run_id));
  LRB_RETURN_IF_ERROR(update.BindText(":error", message));
  LRB_ASSIGN_OR_RETURN(const int64_t changed, update.Run());
  return changed == 1;
}

absl::StatusOr<bool> TouchHeartbeat(sqlite3* db, int64_t run_id) {
  LRB_ASSIGN_OR_RETURN(Statement update,
                       Statement::Prepare(db, kTouchHeartbeat, "refreshing the heartbeat"));
  LRB_RETURN_IF_ERROR(update.BindInt(":id", run_id));
  LRB_ASSIGN_OR_RETURN(const int64_t changed, update.Run());
  return changed == 1;
}

absl::StatusOr<bool> MarkRunFailed(sqlite3* db, int64_t run_id, std::string_view error) {
  LRB_ASSIGN_OR_RETURN(Statement update,
                       Statement::Prepare(db, kMarkFailed, "marking the run failed"));
  LRB_RETURN_IF_ERROR(update.BindInt(":id", run_id));
  LRB_RETURN_IF_ERROR(update.BindText(":error", error));
  LRB_ASSIGN_OR_RETURN(const int64_t changed, update.Run());
  return changed == 1;
}

absl::Status ValidateOutcome(const RunRecord& outcome) {
  if (std::isnan(outcome.train_seconds) || std::isnan(outcome.score_seconds)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("timings must be numbers (train_seconds %g, score_seconds %g)",
                        outcome.train_seconds, outcome.score_seconds));
  }
  std::set<std::string_view> names;
  for (const auto& [name, value] : outcome.metrics) {
    if (name.empty()) return absl::InvalidArgumentError("a metric has an empty name");
    if (std::isnan(value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metric \"", name, "\" is NaN; SQLite would store it as NULL, so it is refused"));
    }
    if (!names.insert(name).second) {
      return absl::InvalidArgumentError(absl::StrCat("metric \"", name, "\" is given twice"));
    }
  }
  std::set<int32_t> features;
  for (const FeatureRow& row : outcome.features) {
    if (std::isnan(row.best_cosine) || std::isnan(row.firing_frequency) ||
        std::isnan(row.latent_firing_frequency) || std::isnan(row.absorption_rate)) {
      return absl::InvalidArgumentError(
          absl::StrCat("a number in the row of feature ", row.feature, " is NaN"));
    }
    if (row.absorption_rate != -1 && !(row.absorption_rate >= 0 && row.absorption_rate <= 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat("feature ", row.feature, " has absorption rate ", row.absorption_rate,
                       "; expected a rate in [0, 1], or -1 for unscored"));
    }
    if (row.parent < -1 || row.absorption_taker < -1) {
      return absl::InvalidArgumentError(
          absl::StrCat("feature ", row.feature, " has parent ", row.parent, " and taker ",
                       row.absorption_taker, "; expected an index >= 0, or -1 for none"));
    }
    if (!features.insert(row.feature).second) {
      return absl::InvalidArgumentError(absl::StrCat("feature ", row.feature, " is given twice"));
    }
  }
  std::set<std::pair<std::string_view, int64_t>> points;
  for (const TrajectoryPoint& point : outcome.trajectory) {
    if (point.metric.empty()) {
      return absl::InvalidArgumentError("a trajectory point has an empty metric name");
    }
    if (point.step < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "trajectory point \"", point.metric, "\" at step ", point.step,
          ": expected a step >= 0"));
    }
    if (std::isnan(point.value)) {
      return absl::InvalidArgumentError(absl::StrCat("trajectory point \"", point.metric,
                                                     "\" at step ", point.step, " is NaN"));
    }
    if (!points.emplace(point.metric, point.step).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "trajectory point \"", point.metric, "\" at step ", point.step, " is given twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status InsertOutcomeRows(sqlite3* db, int64_t run_id, const RunRecord& outcome) {
  LRB_ASSIGN_OR_RETURN(Statement metric,
                       Statement::Prepare(db, kInsertMetric, "inserting a metric"));
  for (const auto& [name, value] : outcome.metrics) {
    LRB_RETURN_IF_ERROR(metric.BindInt(":run_id", run_id));
    LRB_RETURN_IF_ERROR(metric.BindText(":name", name));
    LRB_RETURN_IF_ERROR(metric.BindDouble(":value", value));
    LRB_RETURN_IF_ERROR(Annotate(metric.Run().status(), absl::StrCat("metric \"", name, "\"")));
  }
  LRB_ASSIGN_OR_RETURN(Statement feature,
                       Statement::Prepare(db, kInsertFeature, "inserting a feature row"));
  for (const FeatureRow& row : outcome.features) {
    LRB_RETURN_IF_ERROR(feature.BindInt(":run_id", run_id));
    LRB_RETURN_IF_ERROR(feature.BindInt(":feature", row.feature));
    LRB_RETURN_IF_ERROR(feature.BindInt(":best_latent", row.best_latent));
    LRB_RETURN_IF_ERROR(feature.BindDouble(":best_cosine", row.best_cosine));
    LRB_RETURN_IF_ERROR(feature.BindInt(":anchored", row.anchored ? 1 : 0));
    LRB_RETURN_IF_ERROR(feature.BindInt(":recovered", row.recovered ? 1 : 0));
    LRB_RETURN_IF_ERROR(feature.BindDouble(":firing_frequency", row.firing_frequency));
    LRB_RETURN_IF_ERROR(
        feature.BindDouble(":latent_firing_frequency", row.latent_firing_frequency));
    LRB_RETURN_IF_ERROR(feature.BindInt(":absorbed", row.absorbed ? 1 : 0));
    LRB_RETURN_IF_ERROR(feature.BindInt(":parent", row.parent));
    LRB_RETURN_IF_ERROR(feature.BindDouble(":absorption_rate", row.absorption_rate));
    LRB_RETURN_IF_ERROR(feature.BindInt(":absorption_taker", row.absorption_taker));
    LRB_RETURN_IF_ERROR(Annotate(feature.Run().status(), absl::StrCat("feature ", row.feature)));
  }
  LRB_ASSIGN_OR_RETURN(
      Statement trajectory,
      Statement::Prepare(db, kInsertTrajectoryPoint, "inserting a trajectory point"));
  for (const TrajectoryPoint& point : outcome.trajectory) {
    LRB_RETURN_IF_ERROR(trajectory.BindInt(":run_id", run_id));
    LRB_RETURN_IF_ERROR(trajectory.BindText(":metric", point.metric));
    LRB_RETURN_IF_ERROR(trajectory.BindInt(":step", point.step));
    LRB_RETURN_IF_ERROR(trajectory.BindDouble(":value", point.value));
    LRB_RETURN_IF_ERROR(Annotate(trajectory.Run().status(),
                                 absl::StrCat("trajectory \"", point.metric, "\" step ",
                                              point.step)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadRunStatus(sqlite3* db, int64_t run_id) {
  LRB_ASSIGN_OR_RETURN(
      Statement query,
      Statement::Prepare(db, "SELECT status FROM runs WHERE id = :id", "reading the run status"));
  LRB_RETURN_IF_ERROR(query.BindInt(":id", run_id));
  LRB_ASSIGN_OR_RETURN(const bool found, query.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("no run with id ", run_id));
  return query.ColumnText(0);
}

absl::StatusOr<std::optional<RunState>> FindRunState(sqlite3* db, std::string_view run_key) {
  LRB_ASSIGN_OR_RETURN(Statement query,
                       Statement::Prepare(db, kFindRunState, "looking up the run key"));
  LRB_RETURN_IF_ERROR(query.BindText(":key", run_key));
  LRB_ASSIGN_OR_RETURN(const bool found, query.Step());
  if (!found) return std::nullopt;
  RunState state;
  state.id = query.ColumnInt(0);
  state.status = query.ColumnText(1);
  state.owner.host = query.ColumnText(2);
  state.owner.boot_id = query.ColumnText(3);
  state.owner.pid = query.ColumnInt(4);
  state.owner.start_time = query.ColumnInt(5);
  state.heartbeat_unix = query.ColumnInt(6);
  state.incomplete = IncompleteReason(state.status, query.ColumnInt(7), query.ColumnInt(8),
                                      query.ColumnInt(9), query.ColumnInt(10));
  return state;
}

absl::StatusOr<bool> DeleteRunRow(sqlite3* db, std::string_view run_key) {
  LRB_ASSIGN_OR_RETURN(
      Statement remove,
      Statement::Prepare(db, "DELETE FROM runs WHERE run_key = :key", "deleting the run"));
  LRB_RETURN_IF_ERROR(remove.BindText(":key", run_key));
  LRB_ASSIGN_OR_RETURN(const int64_t changed, remove.Run());
  return changed > 0;
}

absl::StatusOr<std::vector<RunRecord>> SelectRuns(sqlite3* db, RunFilter filter,
                                                  std::string_view value) {
  const char* const where = WhereClause(filter);
  std::vector<RunRecord> runs;
  std::vector<ExpectedRows> expected;
  std::unordered_map<int64_t, size_t> index_of_id;

  const std::string runs_sql =
      absl::StrCat("SELECT ", kRunColumns, " FROM ", kRunsWithProvenance, " WHERE ", where,
                   " ORDER BY r.id");
  LRB_ASSIGN_OR_RETURN(Statement run_rows, PrepareFiltered(db, runs_sql, value, "reading runs"));
  while (true) {
    LRB_ASSIGN_OR_RETURN(const bool has_row, run_rows.Step());
    if (!has_row) break;
    RunRecord& run = runs.emplace_back();
    index_of_id[ReadRunRow(run_rows, run, expected.emplace_back())] = runs.size() - 1;
  }
  if (runs.empty()) return runs;
  // The same filter in the same snapshot: every metric and feature row read below belongs to
  // a run read above.
  auto run_with_id = [&](int64_t id) -> absl::StatusOr<RunRecord*> {
    const auto it = index_of_id.find(id);
    if (it == index_of_id.end()) {
      return absl::InternalError(absl::StrCat("a row refers to run ", id, ", not selected"));
    }
    return &runs[it->second];
  };

  const std::string metrics_sql = absl::StrCat(
      "SELECT m.run_id, m.name, m.value FROM metrics AS m JOIN runs AS r ON r.id = m.run_id ",
      "WHERE ", where, " ORDER BY m.run_id, m.name");
  LRB_ASSIGN_OR_RETURN(Statement metric_rows,
                       PrepareFiltered(db, metrics_sql, value, "reading metrics"));
  while (true) {
    LRB_ASSIGN_OR_RETURN(const bool has_row, metric_rows.Step());
    if (!has_row) break;
    LRB_ASSIGN_OR_RETURN(RunRecord* const run, run_with_id(metric_rows.ColumnInt(0)));
    run->metrics.emplace_back(metric_rows.ColumnText(1), metric_rows.ColumnDouble(2));
  }

  const std::string features_sql = absl::StrCat(
      "SELECT f.run_id, f.feature, f.best_latent, f.best_cosine, f.anchored, f.recovered, ",
      "f.firing_frequency, f.latent_firing_frequency, f.absorbed, f.parent, ",
      "f.absorption_rate, f.absorption_taker ",
      "FROM feature_results AS f JOIN runs AS r ON r.id = f.run_id ",  //
      "WHERE ", where, " ORDER BY f.run_id, f.feature");
  LRB_ASSIGN_OR_RETURN(Statement feature_rows,
                       PrepareFiltered(db, features_sql, value, "reading feature rows"));
  while (true) {
    LRB_ASSIGN_OR_RETURN(const bool has_row, feature_rows.Step());
    if (!has_row) break;
    LRB_ASSIGN_OR_RETURN(RunRecord* const run, run_with_id(feature_rows.ColumnInt(0)));
    FeatureRow& row = run->features.emplace_back();
    row.feature = static_cast<int32_t>(feature_rows.ColumnInt(1));
    row.best_latent = static_cast<int32_t>(feature_rows.ColumnInt(2));
    row.best_cosine = feature_rows.ColumnDouble(3);
    row.anchored = feature_rows.ColumnInt(4) != 0;
    row.recovered = feature_rows.ColumnInt(5) != 0;
    row.firing_frequency = feature_rows.ColumnDouble(6);
    row.latent_firing_frequency = feature_rows.ColumnDouble(7);
    row.absorbed = feature_rows.ColumnInt(8) != 0;
    row.parent = static_cast<int32_t>(feature_rows.ColumnInt(9));
    row.absorption_rate = feature_rows.ColumnDouble(10);
    row.absorption_taker = static_cast<int32_t>(feature_rows.ColumnInt(11));
  }

  const std::string trajectory_sql = absl::StrCat(
      "SELECT t.run_id, t.metric, t.step, t.value ",
      "FROM trajectories AS t JOIN runs AS r ON r.id = t.run_id ",  //
      "WHERE ", where, " ORDER BY t.run_id, t.metric, t.step");
  LRB_ASSIGN_OR_RETURN(Statement trajectory_rows,
                       PrepareFiltered(db, trajectory_sql, value, "reading trajectories"));
  while (true) {
    LRB_ASSIGN_OR_RETURN(const bool has_row, trajectory_rows.Step());
    if (!has_row) break;
    LRB_ASSIGN_OR_RETURN(RunRecord* const run, run_with_id(trajectory_rows.ColumnInt(0)));
    run->trajectory.push_back({.step = trajectory_rows.ColumnInt(2),
                               .metric = trajectory_rows.ColumnText(1),
                               .value = trajectory_rows.ColumnDouble(3)});
  }
  const std::string suites_sql = absl::StrCat(
      "SELECT s.run_id, s.suite FROM run_suites AS s JOIN runs AS r ON r.id = s.run_id ",
      "WHERE ", where, " ORDER BY s.run_id, s.suite");
  LRB_ASSIGN_OR_RETURN(Statement suite_rows,
                       PrepareFiltered(db, suites_sql, value, "reading suite memberships"));
  while (true) {
    LRB_ASSIGN_OR_RETURN(const bool has_row, suite_rows.Step());
    if (!has_row) break;
    LRB_ASSIGN_OR_RETURN(RunRecord* const run, run_with_id(suite_rows.ColumnInt(0)));
    run->suites.push_back(suite_rows.ColumnText(1));
  }
  for (size_t i = 0; i < runs.size(); ++i) {
    runs[i].incomplete = IncompleteReason(
        runs[i].status, expected[i].metrics, expected[i].features,
        static_cast<int64_t>(runs[i].metrics.size()), static_cast<int64_t>(runs[i].features.size()));
  }
  return runs;
}

}  // namespace lrb::leaderboard::internal
