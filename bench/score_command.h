#ifndef LRB_BENCH_SCORE_COMMAND_H_
#define LRB_BENCH_SCORE_COMMAND_H_

// `lrb score --dataset=DIR --model=DIR --name=NAME [--db=PATH] [--suite=NAME]`: scores a
// dictionary trained anywhere (bench/model_import.h) on a dataset directory, with the same
// scorer as `lrb run`, and records it as an external submission (docs/submitting.md).
//
// The run is recorded with method_spec "external:NAME", backend "external", seed 0, no
// training time, and its provenance (leaderboard::ExternalSubmission: name, model
// directory, hash of the model files, activation). Its run key covers the dataset hash,
// the name, the model hash and the scorer version: scoring the same files again under the
// same name finds the stored run and adds nothing; other files under the same name are
// another submission of that name, aggregated on the board like seeds.
// With --suite, the dataset must be one of the suite's (same canonical spec); the run is
// recorded under the suite and so appears on `lrb leaderboard --suite=NAME` beside the
// suite's own runs. Without it, the run has no suite and appears on
// `lrb leaderboard --dataset=DIR`.

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/suites.h"
#include "leaderboard/store/run_record.h"

namespace lrb::bench {

struct ScoreRequest {
  std::string dataset_dir;
  std::string model_dir;
  std::string name;
  const Suite* suite = nullptr;  // null: no suite
};

// Loads the dataset and the model, encodes the evaluation split and scores it: a finished
// RunRecord ready to store (status "ok", metrics, feature rows, provenance). Errors name the
// file and the problem.
absl::StatusOr<leaderboard::RunRecord> ScoreExternalModel(const ScoreRequest& request);

// ScoreExternalModel, stored in the database at `db_path` (created if missing); what was
// stored and the main scores go to `out`, then the board of its dataset to stdout
// (PrintDatasetLeaderboard).
absl::Status ScoreCommand(const ScoreRequest& request, const std::string& db_path,
                          std::ostream& out);

}  // namespace lrb::bench

#endif  // LRB_BENCH_SCORE_COMMAND_H_
