#ifndef LRB_LEADERBOARD_STORE_SCHEMA_H_
#define LRB_LEADERBOARD_STORE_SCHEMA_H_

// The LRB database schema: its identity, its versions and the migrations between them.
//
// A file is recognised as an LRB database by PRAGMA application_id == kApplicationId; its
// schema version is PRAGMA user_version. Version N is reached from version N-1 by the
// migration with `version == N`. Migrations are append-only: a released migration is never
// edited, because databases in the wild were built by it; a change is a new migration.

#include <sqlite3.h>

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"

namespace lrb::leaderboard::internal {

// "LRB1" in ASCII. Identifies the file format, not the schema version: it never changes.
inline constexpr int32_t kApplicationId = 0x4C524231;

struct Migration {
  int version;      // the user_version after this migration
  const char* sql;  // one or more statements, run in the migration's transaction
};

// Every migration, in order; versions are 1, 2, 3, ... with no gaps.
std::span<const Migration> Migrations();

// The schema version this binary creates and understands (the last migration's version).
int LatestSchemaVersion();

// Reads the identity of the database `db` (opened on `path`, named in every error) without
// changing it. Returns its schema version, or 0 for an empty file that may become an LRB
// database. Fails if the file is not SQLite, is SQLite but not an LRB database (it has other
// content), or has a schema newer than LatestSchemaVersion().
absl::StatusOr<int> ReadSchemaVersion(sqlite3* db, const std::string& path);

// Brings the database to LatestSchemaVersion() in one write transaction, re-reading the
// version under the write lock so two processes opening a new file do not both migrate it.
// Foreign key enforcement is off during it (a migration may rebuild a table, and dropping
// the old one must not cascade); PRAGMA foreign_key_check must pass before it commits, and
// enforcement is back on afterwards. A no-op on an up-to-date database. `db` must not be
// inside a transaction.
absl::Status MigrateToLatest(sqlite3* db, const std::string& path);

}  // namespace lrb::leaderboard::internal

#endif  // LRB_LEADERBOARD_STORE_SCHEMA_H_
