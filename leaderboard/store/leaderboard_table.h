#ifndef LRB_LEADERBOARD_STORE_LEADERBOARD_TABLE_H_
#define LRB_LEADERBOARD_STORE_LEADERBOARD_TABLE_H_

// The leaderboard as data: one row per (dataset, method, backend, build note), aggregated
// over seeds (mean and spread), ranked within its dataset by one metric, with the
// anchoring delta (and its standard error) and the counts of every run left off. The
// formats (board_format.h) print it; `lrb leaderboard` and `lrb report` share it.
// docs/leaderboard.md describes it all.
//
// Runs from debug builds or dirty trees are left out of the ranking (and counted) so a
// leaderboard never mixes incomparable numbers; when asked to include them, they get rows
// of their own, marked by a build note.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "leaderboard/store/metric_direction.h"
#include "leaderboard/store/run_record.h"

namespace lrb::leaderboard {

// Metrics the board shows in columns of their own (docs/metrics.md); M_GT and M_IP are
// stored as fractions in [0, 1]. Encoder rows are the paper's definition; decoder columns
// are shown beside them because under interference a TopK encoder row converges towards a
// dual of the features while its decoder column recovers the feature itself.
inline constexpr std::string_view kMGtMetric = "m_gt@0.95";
inline constexpr std::string_view kMIpMetric = "m_ip";
inline constexpr std::string_view kDecoderMGtMetric = "decoder.m_gt@0.95";
inline constexpr std::string_view kDecoderMIpMetric = "decoder.m_ip";
inline constexpr std::string_view kL0Metric = "eval.l0";
inline constexpr std::string_view kFvuMetric = "eval.fvu";
inline constexpr std::string_view kTrainSamplesMetric = "train.samples";

// The default rank metric. Decoder-column M_GT@0.95 separates methods where the paper's
// encoder-row M_GT@0.95 is 0 for all of them (every smoke run: interference pulls encoder
// rows off the features, docs/metrics.md), and it is what a dictionary is used for: its
// decoder columns are the features it claims.
inline constexpr std::string_view kDefaultRankMetric = kDecoderMGtMetric;

// One metric over the runs of a row that report it.
struct MetricSummary {
  int count = 0;  // runs reporting it (0: missing, printed as "-")
  double mean = 0;
  double spread = 0;  // sample standard deviation (0 for fewer than two runs)
};

struct LeaderboardRow {
  std::string dataset_spec;
  std::string method_spec;
  std::string backend_used;
  // "" for runs from an optimised build of a clean tree. Otherwise what makes them unclean:
  // "debug" (build_mode "dbg"), another non-"opt" build mode verbatim ("unknown build" when
  // empty), and/or "dirty", joined by ", ". Unclean runs never share a row with clean ones.
  std::string build_note;
  int seeds = 0;  // runs aggregated in this row

  // Competition rank ("1, 2, 2, 4") within the dataset by the board's rank metric; rows
  // with equal means share a rank. 0: the rank metric is missing (such rows come last).
  int rank = 0;
  MetricSummary rank_metric;
  // The anchoring delta, set on a method with a +anchor(...) modifier whose unanchored
  // twin (the same spec without that term) has a row with the same dataset, backend and
  // build note: rank_metric.mean minus the twin's, in the metric's units. Both must report
  // the metric.
  std::optional<double> anchor_delta;
  std::string anchor_twin;  // the twin's method spec when anchor_delta is set, else ""
  // The standard error of anchor_delta, sqrt(s_a^2 / n_a + s_b^2 / n_b), from the
  // rank-metric spreads s and counts n of this row (a) and its twin (b): how much the
  // delta would move from seed noise alone. Set only with anchor_delta and when both rows
  // have at least two runs reporting the metric: one seed says nothing about the noise.
  // AnchorDeltaExceedsNoise reads it.
  std::optional<double> anchor_delta_error;

  MetricSummary m_gt, m_ip;                  // encoder rows (the paper's metrics)
  MetricSummary decoder_m_gt, decoder_m_ip;  // decoder columns
  MetricSummary l0, fvu;
  // Per run train.samples / train_seconds (runs reporting train.samples with a positive
  // time); external submissions were not trained here and have none.
  MetricSummary samples_per_second;
  MetricSummary train_seconds;
};

// How many standard errors an anchoring delta must exceed to be marked (see below).
inline constexpr double kAnchorDeltaStandardErrors = 2.0;

// True when `row`'s anchoring delta is larger in magnitude than kAnchorDeltaStandardErrors
// times its standard error: anchoring moved the rank metric by more than seed-to-seed noise
// plausibly would. False when anchor_delta_error is unset (no delta, or one seed on either
// side). Two standard errors is a rough ~95% criterion for a normally distributed
// difference of means. With the usual 3 seeds a row the spreads are themselves rough
// estimates (a t-test on 4 degrees of freedom would want about 2.8 standard errors), so
// this is a screening rule for which deltas deserve a look or more seeds, not a formal
// significance test. When every seed on both sides scored the same (error 0), any nonzero
// delta is marked.
bool AnchorDeltaExceedsNoise(const LeaderboardRow& row);

// Every run given to BuildBoard that is not on it, by reason, and what is on it.
struct UnfinishedRuns {
  int running = 0;      // "running", owner alive: another process is training them
  int owner_gone = 0;   // "running", owner gone: abandoned (e.g. kill -9, a crashed machine)
  int interrupted = 0;  // stopped by a signal
  int incomplete = 0;   // "ok" but rows missing
  int failed = 0;
  int total() const { return running + owner_gone + interrupted + incomplete + failed; }
};

struct BoardCounts {
  UnfinishedRuns unfinished;  // never ranked; `lrb run` retries all but the running ones
  // Finished runs scored by another scorer version than BoardOptions::scorer_version:
  // never ranked (their numbers are not comparable); `lrb run` reruns them.
  int other_scorer = 0;
  // Finished runs (of the current scorer) from a non-optimised build / a dirty tree; a run
  // may be both. On the board only with BoardOptions::include_unclean.
  int debug_build = 0;
  int dirty_tree = 0;
  int unclean_left_out = 0;  // runs with either, when left out; 0 when included
  int external = 0;          // runs on the board that are external submissions
};

struct BoardOptions {
  std::string rank_by = std::string(kDefaultRankMetric);
  bool include_unclean = false;
  // Runs whose scorer_version differs are left off and counted; "" keeps every run.
  std::string scorer_version;
};

struct Board {
  std::string rank_by;
  Direction direction = Direction::kHigherIsBetter;  // MetricDirection(rank_by)
  bool unclean_included = false;
  // Grouped by dataset spec (ascending); within a dataset ranked rows first, best first,
  // ties and unranked rows in method, backend, build note order.
  std::vector<LeaderboardRow> rows;
  BoardCounts counts;
};

// OK when `metric` can rank a board of `runs`: one of the board's column metrics, a name
// in kLowerIsBetterMetrics, or a metric some run in `runs` stores. Otherwise
// InvalidArgument naming it and listing some valid names.
absl::Status CheckRankMetric(const std::vector<RunRecord>& runs, std::string_view metric);

// The board of `runs` (any mix of statuses, suites and datasets). Errors: CheckRankMetric's.
absl::StatusOr<Board> BuildBoard(const std::vector<RunRecord>& runs, const BoardOptions& options);

// `method_spec` without its +anchor(...) term, or nullopt when it has none or is not in the
// spec grammar (e.g. "external:NAME"). Canonical specs stay canonical: the other terms keep
// their order and spelling.
std::optional<std::string> WithoutAnchor(std::string_view method_spec);

// BuildBoard's rows with the default rank metric, every scorer version kept.
std::vector<LeaderboardRow> BuildLeaderboard(const std::vector<RunRecord>& runs,
                                             bool include_unclean);

// The number of finished runs BuildLeaderboard leaves out when !include_unclean.
int CountUncleanRuns(const std::vector<RunRecord>& runs);

UnfinishedRuns CountUnfinishedRuns(const std::vector<RunRecord>& runs);

// "Not on the board: 1 interrupted, 2 failed (...). No flag shows them; ..." (no newline),
// or "" when all counts are 0.
std::string FormatUnfinishedRuns(const UnfinishedRuns& counts);

}  // namespace lrb::leaderboard

#endif  // LRB_LEADERBOARD_STORE_LEADERBOARD_TABLE_H_
