#ifndef LRB_BENCH_SCORE_ROWS_H_
#define LRB_BENCH_SCORE_ROWS_H_

// The scorer's results as the store's rows. The scorer (bench/scoring/) returns its own types
// and never links the store; this is the one place that knows both.

#include <vector>

#include "bench/scoring/scoring.h"
#include "leaderboard/store/run_record.h"

namespace lrb::bench {

// One store row per scored feature, same order, every field copied.
std::vector<leaderboard::FeatureRow> ToFeatureRows(
    const std::vector<scoring::FeatureScore>& features);

// Moves the scores' metrics and feature rows into `record` (replacing what it held), in the
// scorer's order; the caller appends metrics of its own (e.g. "train.*") after them.
void RecordScores(scoring::RunScores&& scores, leaderboard::RunRecord& record);

}  // namespace lrb::bench

#endif  // LRB_BENCH_SCORE_ROWS_H_
