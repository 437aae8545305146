#include "leaderboard/store/schema.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "leaderboard/store/statement.h"
#include "leaderboard/store/transaction.h"
#include "util/status_macros.h"

namespace lrb::leaderboard::internal {
namespace {

// Version 1. Every table is STRICT, so a value of the wrong type is an error instead of being
// stored as whatever it happens to be.
//
// runs.seed holds the run's uint64 seed as the int64 with the same bits (two's complement):
// seeds >= 2^63 read as negative numbers in raw SQL, and map back exactly (run_rows.h).
// runs.id is AUTOINCREMENT so an id is never reused: a run id held by a process in flight
// can never come to mean another run after its row was deleted or replaced.
// Timestamps are UTC ISO 8601 text ("2026-11-25T10:00:00.123Z"), set by the store.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE runs (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  run_key          TEXT    NOT NULL UNIQUE CHECK (run_key <> ''),
  suite            TEXT    NOT NULL,
  dataset_spec     TEXT    NOT NULL,
  dataset_hash     TEXT    NOT NULL,
  method_spec      TEXT    NOT NULL,
  train_spec       TEXT    NOT NULL,
  backend          TEXT    NOT NULL,
  backend_used     TEXT    NOT NULL,
  seed             INTEGER NOT NULL,
  scorer_version   TEXT    NOT NULL,
  status           TEXT    NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
  error            TEXT    NOT NULL DEFAULT '',
  train_seconds    REAL    NOT NULL DEFAULT 0,
  score_seconds    REAL    NOT NULL DEFAULT 0,
  created_at       TEXT    NOT NULL,
  finished_at      TEXT,
  cpu              TEXT    NOT NULL,
  simd_target      TEXT    NOT NULL,
  compiler         TEXT    NOT NULL,
  build_mode       TEXT    NOT NULL,
  git_commit       TEXT    NOT NULL,
  git_dirty        INTEGER NOT NULL CHECK (git_dirty IN (0, 1)),
  library_versions TEXT    NOT NULL,
  hostname         TEXT    NOT NULL,
  threads          INTEGER NOT NULL,
  -- A run has ended exactly when it has an end time; only a failed run carries an error.
  CHECK ((status = 'running') = (finished_at IS NULL)),
  CHECK ((status = 'failed') = (error <> ''))
) STRICT;

CREATE INDEX runs_by_suite ON runs (suite, id);

-- Long format: a new metric is a new row, never a migration.
CREATE TABLE metrics (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  name   TEXT    NOT NULL CHECK (name <> ''),
  value  REAL    NOT NULL,
  PRIMARY KEY (run_id, name)
) STRICT, WITHOUT ROWID;

-- Per ground-truth-feature drill-down.
CREATE TABLE feature_results (
  run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  feature     INTEGER NOT NULL,
  best_latent INTEGER NOT NULL,
  best_cosine REAL    NOT NULL,
  anchored    INTEGER NOT NULL CHECK (anchored IN (0, 1)),
  recovered   INTEGER NOT NULL CHECK (recovered IN (0, 1)),
  PRIMARY KEY (run_id, feature)
) STRICT, WITHOUT ROWID;
)sql";

// Version 2 (scorer score@2): per-feature firing frequencies and absorption. Rows written
// before it read 0 / 0 / 0, which their runs' scorer_version (score@1) marks as not measured.
constexpr char kSchemaV2[] = R"sql(
ALTER TABLE feature_results ADD COLUMN firing_frequency REAL NOT NULL DEFAULT 0;
ALTER TABLE feature_results ADD COLUMN latent_firing_frequency REAL NOT NULL DEFAULT 0;
ALTER TABLE feature_results ADD COLUMN absorbed INTEGER NOT NULL DEFAULT 0
  CHECK (absorbed IN (0, 1));
)sql";

// Version 3: runs can be "interrupted" (by a signal, with a message), record the process
// that claimed them and its heartbeat (run_owner.h), and, once ok, how many metric and
// feature rows they stored, so a run whose rows went missing is told from a whole one.
// SQLite cannot change a CHECK constraint in place, so `runs` is rebuilt (the documented
// twelve-step procedure: MigrateToLatest turns foreign key enforcement off around it, so
// dropping the old table does not cascade to metrics and feature rows). The AUTOINCREMENT
// counter is carried over: ids of deleted runs stay unused. Rows from before version 3 keep
// NULL expected counts ("not recorded").
constexpr char kSchemaV3[] = R"sql(
CREATE TABLE runs_v3 (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  run_key           TEXT    NOT NULL UNIQUE CHECK (run_key <> ''),
  suite             TEXT    NOT NULL,
  dataset_spec      TEXT    NOT NULL,
  dataset_hash      TEXT    NOT NULL,
  method_spec       TEXT    NOT NULL,
  train_spec        TEXT    NOT NULL,
  backend           TEXT    NOT NULL,
  backend_used      TEXT    NOT NULL,
  seed              INTEGER NOT NULL,
  scorer_version    TEXT    NOT NULL,
  status            TEXT    NOT NULL
                    CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
  error             TEXT    NOT NULL DEFAULT '',
  train_seconds     REAL    NOT NULL DEFAULT 0,
  score_seconds     REAL    NOT NULL DEFAULT 0,
  created_at        TEXT    NOT NULL,
  finished_at       TEXT,
  cpu               TEXT    NOT NULL,
  simd_target       TEXT    NOT NULL,
  compiler          TEXT    NOT NULL,
  build_mode        TEXT    NOT NULL,
  git_commit        TEXT    NOT NULL,
  git_dirty         INTEGER NOT NULL CHECK (git_dirty IN (0, 1)),
  library_versions  TEXT    NOT NULL,
  hostname          TEXT    NOT NULL,
  threads           INTEGER NOT NULL,
  owner_host        TEXT    NOT NULL DEFAULT '',
  owner_boot_id     TEXT    NOT NULL DEFAULT '',
  owner_pid         INTEGER NOT NULL DEFAULT 0,
  owner_start_time  INTEGER NOT NULL DEFAULT 0,
  heartbeat_at      INTEGER NOT NULL DEFAULT 0,  -- Unix seconds
  expected_metrics  INTEGER CHECK (expected_metrics >= 0),
  expected_features INTEGER CHECK (expected_features >= 0),
  -- A run has ended exactly when it has an end time; a failed or interrupted run says why.
  CHECK ((status = 'running') = (finished_at IS NULL)),
  CHECK ((status IN ('failed', 'interrupted')) = (error <> ''))
) STRICT;

INSERT INTO runs_v3 (
  id, run_key, suite, dataset_spec, dataset_hash, method_spec, train_spec, backend,
  backend_used, seed, scorer_version, status, error, train_seconds, score_seconds, created_at,
  finished_at, cpu, simd_target, compiler, build_mode, git_commit, git_dirty, library_versions,
  hostname, threads)
SELECT
  id, run_key, suite, dataset_spec, dataset_hash, method_spec, train_spec, backend,
  backend_used, seed, scorer_version, status, error, train_seconds, score_seconds, created_at,
  finished_at, cpu, simd_target, compiler, build_mode, git_commit, git_dirty, library_versions,
  hostname, threads
FROM runs;

INSERT INTO sqlite_sequence (name, seq)
SELECT 'runs_v3', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'runs_v3');
UPDATE sqlite_sequence
SET seq = (SELECT max(seq) FROM sqlite_sequence WHERE name IN ('runs', 'runs_v3'))
WHERE name = 'runs_v3';

DROP TABLE runs;
ALTER TABLE runs_v3 RENAME TO runs;
CREATE INDEX runs_by_suite ON runs (suite, id);
)sql";

// Version 4: external submissions (`lrb score`): the provenance of a dictionary trained
// outside LRB, one row per such run, removed with it. A new table: nothing existing changes,
// so every row of version 3 reads as before (and as not external).
constexpr char kSchemaV4[] = R"sql(
CREATE TABLE external_submissions (
  run_id     INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  name       TEXT    NOT NULL CHECK (name <> ''),
  model_path TEXT    NOT NULL,
  model_hash TEXT    NOT NULL CHECK (model_hash <> ''),
  activation TEXT    NOT NULL CHECK (activation <> '')
) STRICT;
)sql";

// Version 5: training trajectories (train(...,eval_every=E)): metrics measured every E steps
// of a run, removed with it. A new table: every run of version 4 reads as before, with no
// trajectory.
constexpr char kSchemaV5[] = R"sql(
CREATE TABLE trajectories (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  metric TEXT    NOT NULL CHECK (metric <> ''),
  step   INTEGER NOT NULL CHECK (step >= 0),
  value  REAL    NOT NULL,
  PRIMARY KEY (run_id, metric, step)
) STRICT, WITHOUT ROWID;
)sql";

// Version 6: absorption per parent/child pair (docs/metrics.md): each feature row keeps its
// parent, its absorption rate and the taker latent. The scorer computed all three before; it
// is unchanged, so the scorer version stays. Rows written before read -1 ("not recorded"),
// which is also what a root or a feature of a dataset without a hierarchy stores, so
// readers tell old runs apart by their absorption.* metrics (docs/report.md).
constexpr char kSchemaV6[] = R"sql(
ALTER TABLE feature_results ADD COLUMN parent INTEGER NOT NULL DEFAULT -1 CHECK (parent >= -1);
ALTER TABLE feature_results ADD COLUMN absorption_rate REAL NOT NULL DEFAULT -1
  CHECK (absorption_rate = -1 OR (absorption_rate >= 0 AND absorption_rate <= 1));
ALTER TABLE feature_results ADD COLUMN absorption_taker INTEGER NOT NULL DEFAULT -1
  CHECK (absorption_taker >= -1);
)sql";

// Version 7: suite membership. A run's identity is its key, which leaves the suite out, so
// one finished run may serve several suites (the `paper` suite and the `topk` sweep train the
// same TopK dictionary on the same dataset with the same budget): run_suites holds every
// suite that asked for the run, removed with it. runs.suite stays, meaning the suite the run
// was first trained for (provenance). Every existing run becomes a member of its own suite,
// so every suite's board reads as before.
constexpr char kSchemaV7[] = R"sql(
CREATE TABLE run_suites (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  suite  TEXT    NOT NULL,
  PRIMARY KEY (run_id, suite)
) STRICT, WITHOUT ROWID;

INSERT INTO run_suites (run_id, suite) SELECT id, suite FROM runs;

CREATE INDEX run_suites_by_suite ON run_suites (suite, run_id);
)sql";

constexpr Migration kMigrations[] = {
    {1, kSchemaV1},
    {2, kSchemaV2},
    {3, kSchemaV3},
    {4, kSchemaV4},
    {5, kSchemaV5},
    {6, kSchemaV6},
    {7, kSchemaV7},
};

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

int LatestSchemaVersion() { return Migrations().back().version; }

absl::StatusOr<int> ReadSchemaVersion(sqlite3* db, const std::string& path) {
  // One statement, so one snapshot: read one by one, another process creating the database
  // at the same moment could be seen half-way (application_id still 0, user_version already
  // set) and the file refused as foreign. SQLite reads the file lazily: this first read is
  // also where a file that is not SQLite at all shows up, as SQLITE_NOTADB.
  constexpr char kIdentity[] =
      "SELECT (SELECT application_id FROM pragma_application_id), "
      "(SELECT user_version FROM pragma_user_version), "
      "(SELECT count(*) FROM sqlite_schema)";
  absl::StatusOr<Statement> query =
      Statement::Prepare(db, kIdentity, "reading the database header");
  absl::StatusOr<bool> has_row = query.ok() ? query->Step() : absl::StatusOr<bool>(query.status());
  if (!has_row.ok()) {
    if (SqliteResultCode(has_row.status()) == SQLITE_NOTADB) {
      return absl::FailedPreconditionError(absl::StrCat(path, " is not an SQLite database (",
                                                        has_row.status().message(), ")"));
    }
    return Annotate(has_row.status(), path);
  }
  if (!*has_row) return absl::InternalError(absl::StrCat(path, ": no result from: ", kIdentity));
  const int64_t application_id = query->ColumnInt(0);
  const int64_t version = query->ColumnInt(1);
  const int64_t objects = query->ColumnInt(2);

  if (application_id == kApplicationId) {
    if (version > LatestSchemaVersion()) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "%s has LRB schema version %d, newer than version %d, the newest this build of lrb "
          "knows; use a newer lrb to open it",
          path, version, LatestSchemaVersion()));
    }
    if (version < 1) {
      return absl::DataLossError(absl::StrFormat(
          "%s is marked as an LRB database but has no schema version (user_version %d)", path,
          version));
    }
    return static_cast<int>(version);
  }
  if (application_id == 0 && version == 0 && objects == 0) return 0;  // a new, empty file
  return absl::FailedPreconditionError(absl::StrFormat(
      "%s is an SQLite database but not an LRB database (application_id %#x, user_version %d, "
      "%d schema objects); refusing to change it",
      path, application_id, version, objects));
}

absl::Status MigrateToLatest(sqlite3* db, const std::string& path) {
  // Rebuilding a table means dropping it, which with enforcement on would cascade to the
  // rows that refer to it. The pragma is a no-op inside a transaction, hence out here;
  // foreign_key_check below proves the rebuilt tables still agree before committing.
  LRB_RETURN_IF_ERROR(Annotate(
      ExecSql(db, "PRAGMA foreign_keys = OFF", "turning foreign keys off to migrate"), path));
  const absl::Status migrated = RunInTransaction(
      db, TransactionKind::kWrite, absl::StrCat(path, ": migrating the schema"),
      [&]() -> absl::Status {
        LRB_ASSIGN_OR_RETURN(const int version, ReadSchemaVersion(db, path));
        if (version == LatestSchemaVersion()) return absl::OkStatus();
        for (const Migration& migration : Migrations()) {
          if (migration.version <= version) continue;
          LRB_RETURN_IF_ERROR(
              ExecSql(db, migration.sql, absl::StrCat("migrating to version ", migration.version)));
        }
        LRB_ASSIGN_OR_RETURN(Statement check,
                             Statement::Prepare(db, "PRAGMA foreign_key_check",
                                                "checking foreign keys after migrating"));
        LRB_ASSIGN_OR_RETURN(const bool dangling, check.Step());
        if (dangling) {
          return absl::DataLossError(absl::StrCat(
              "after migrating, table ", check.ColumnText(0), " has a row (rowid ",
              check.ColumnInt(1), ") that refers to a missing ", check.ColumnText(2), " row"));
        }
        // PRAGMAs take no bound parameters; both values are integers we format ourselves.
        LRB_RETURN_IF_ERROR(
            ExecSql(db, absl::StrCat("PRAGMA application_id = ", kApplicationId).c_str(),
                    "setting application_id"));
        return ExecSql(db, absl::StrCat("PRAGMA user_version = ", LatestSchemaVersion()).c_str(),
                       "setting user_version");
      });
  const absl::Status restored =
      Annotate(ExecSql(db, "PRAGMA foreign_keys = ON", "turning foreign keys back on"), path);
  return migrated.ok() ? restored : migrated;
}

}  // namespace lrb::leaderboard::internal
