#ifndef LRB_LEADERBOARD_STORE_RUN_RECORD_H_
#define LRB_LEADERBOARD_STORE_RUN_RECORD_H_

// Plain result structs: the only thing leaderboard/ knows of the rest of LRB.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lrb::leaderboard {

// Where and how a run was made, recorded with every run.
struct Environment {
  std::string cpu;               // model name from /proc/cpuinfo
  std::string simd_target;       // best Highway target the CPU supports, e.g. "AVX3"
  std::string compiler;          // e.g. "gcc 12.2.0"
  std::string build_mode;        // "opt" or "dbg" (debug builds are kept off the leaderboard)
  std::string git_commit;        // "" when unknown
  bool git_dirty = false;        // uncommitted changes in the tree the binary was built from
  std::string library_versions;  // e.g. "sqlite 3.40.1; hwy 1.0.3"
  std::string hostname;
  int threads = 1;
};

// The process that claimed a run (Store::ClaimRun), so that another process can tell a run
// in flight from one whose owner died. Pids are reused, so a pid alone does not identify a
// process: with its start time (clock ticks after boot, field 22 of /proc/<pid>/stat) and
// the boot it belongs to, it does.
struct RunOwner {
  std::string host;     // gethostname()
  std::string boot_id;  // /proc/sys/kernel/random/boot_id; "" when unknown
  int64_t pid = 0;
  int64_t start_time = 0;  // clock ticks after boot; 0 when unknown

  friend bool operator==(const RunOwner&, const RunOwner&) = default;
};

// A per-feature drill-down row: how one ground-truth feature fared (docs/metrics.md).
struct FeatureRow {
  int32_t feature = 0;
  int32_t best_latent = -1;  // latent with the largest |cos| to the feature; -1 if none
  double best_cosine = 0;
  bool anchored = false;
  bool recovered = false;
  // Since scorer score@2 (schema v2); rows of older runs read 0 / false.
  double firing_frequency = 0;         // fraction of eval samples where the feature is active
  double latent_firing_frequency = 0;  // fraction of eval samples where best_latent fires
  bool absorbed = false;               // its parent's latent is silent when it is active
  // Since schema v6 (same scorer: these were computed before, only not kept); rows of older
  // runs read -1 for all three, "not recorded". The absorption of the pair (parent, feature)
  // in docs/metrics.md's terms:
  int32_t parent = -1;            // its parent in the dataset's hierarchy; -1: a root, or no
                                  // hierarchy
  double absorption_rate = -1;    // rate(feature) in [0, 1]; -1: unscored (not a child, or
                                  // never co-active with its parent)
  int32_t absorption_taker = -1;  // latent that most often takes the parent's direction when
                                  // absorbed; -1: none (nothing absorbed or no latent carried it)
};

// Where a dictionary trained outside LRB came from (`lrb score`, docs/submitting.md). Since
// schema v4. The run's created_at says when it was submitted.
struct ExternalSubmission {
  std::string name;        // the submitter's name for it, e.g. "my-torch-sae"
  std::string model_path;  // the model directory as given (absolute)
  std::string model_hash;  // hash of the model files' bytes (bench/model_import.h)
  std::string activation;  // model.json's activation, canonical, e.g. "topk(k=8)"

  friend bool operator==(const ExternalSubmission&, const ExternalSubmission&) = default;
};

// One point of a run's training trajectory (schema v5): `metric` measured after `step`
// training steps, e.g. {2000, "decoder.m_gt@0.95", 0.91}. Recorded every E steps when the
// train spec asks for it (train(...,eval_every=E)); names follow the final metrics'
// (docs/metrics.md) where they measure the same thing.
struct TrajectoryPoint {
  int64_t step = 0;
  std::string metric;
  double value = 0;

  friend bool operator==(const TrajectoryPoint&, const TrajectoryPoint&) = default;
};

// One run: its identity (everything that enters the run key) and, once finished, its
// outcome. The key is computed by the caller (bench/) from the canonical inputs.
struct RunRecord {
  std::string run_key;
  // The suite the run was first trained for (provenance), e.g. "smoke@1"; "" for runs
  // outside suites (`lrb train`, `lrb score` without --suite). A new run belongs to it.
  std::string suite;
  // Every suite the run belongs to (schema v7), sorted, `suite` among them: the key leaves
  // the suite out, so one run may serve several suites (the suite that trained it, every
  // suite that reused it, Store::ClaimRun, and those it belonged to in a database it was
  // merged from). Loaded runs list them. Storing a finished run copied from another database
  // (Store::ImportFinishedRun) keeps `suite` and these; everything else reads only `suite`.
  std::vector<std::string> suites;
  std::string dataset_spec;  // canonical
  std::string dataset_hash;
  std::string method_spec;   // canonical, e.g. "sae.topk(k=8)+anchor(k=16,lambda=0.1)"
  std::string train_spec;    // canonical trainer budget
  std::string backend;       // requested: "scalar" or "simd"
  std::string backend_used;  // actually ran: "scalar", "simd:AVX2", ...
  uint64_t seed = 0;
  std::string scorer_version;
  Environment environment;
  // Set for a dictionary trained outside LRB and scored by `lrb score`; such a run's
  // method_spec is "external:<name>" and it was never trained here.
  std::optional<ExternalSubmission> external;

  // Outcome.
  std::string status = "running";  // "running", "ok", "failed" or "interrupted"
  std::string error;               // set when failed or interrupted (what happened)
  double train_seconds = 0;
  double score_seconds = 0;
  std::string created_at;   // UTC, ISO 8601, set by the store
  std::string finished_at;  // UTC, ISO 8601, set by the store when ok/failed; else ""
  // name -> value, e.g. "m_gt@0.95" (a fraction in [0, 1]); names are distinct. Loaded runs
  // list them sorted by name.
  std::vector<std::pair<std::string, double>> metrics;
  std::vector<FeatureRow> features;  // distinct features; loaded runs sorted by feature
  // Empty unless the train spec asks for it; distinct (metric, step); loaded runs sorted by
  // metric, then step.
  std::vector<TrajectoryPoint> trajectory;

  // Set by the store (ignored when storing).
  RunOwner owner;              // who claimed the run
  int64_t heartbeat_unix = 0;  // the owner's last sign of life, Unix seconds (0: never)
  // A "running" run whose owner is gone (dead process, rebooted machine, or, for another
  // machine, a heartbeat older than the lease): it will never finish and is retried.
  bool owner_gone = false;
  // An "ok" run some of whose stored rows are missing: what is missing, e.g. "0 of 40
  // metrics"; "" for a whole run. Such a run is never reused or ranked; `lrb run` retrains it.
  std::string incomplete;
};

}  // namespace lrb::leaderboard

#endif  // LRB_LEADERBOARD_STORE_RUN_RECORD_H_
