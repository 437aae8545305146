#ifndef LRB_LEADERBOARD_REPORT_REPORT_PLOTS_H_
#define LRB_LEADERBOARD_REPORT_REPORT_PLOTS_H_

// The report's plots as data (svg_plot.h specs) from finished runs: what is drawn, not how.
// Each function takes the runs to show (whole finished runs; the page decides which) and
// returns nothing when the runs have nothing to draw for it. docs/report.md says what each
// plot shows and how to read it.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leaderboard/report/svg_plot.h"
#include "leaderboard/store/run_record.h"

namespace lrb::report {

using leaderboard::RunRecord;

// A metric of a run, if it has it.
std::optional<double> MetricValue(const RunRecord& run, std::string_view name);

// Training speed: train.samples / train_seconds; nullopt for runs without both (e.g.
// external submissions, never trained here).
std::optional<double> SamplesPerSecond(const RunRecord& run);

// The indices of the points no other point dominates, ordered by x, where a point dominates
// another when it is at least as good on both axes and better on one: larger y is better,
// and smaller x when `smaller_x_is_better` (else larger x). Points with a non-finite
// coordinate are never on the front; equal points are both on it.
std::vector<size_t> ParetoFront(const std::vector<Point>& points, bool smaller_x_is_better);

// Short labels for the runs' methods and datasets (ShortSpecLabels over all of them), and a
// series label "method · backend" (with "· dataset" when the runs span several datasets).
class RunLabels {
 public:
  explicit RunLabels(const std::vector<RunRecord>& runs);
  const std::string& Method(const std::string& method_spec) const;
  const std::string& Dataset(const std::string& dataset_spec) const;
  std::string Series(const RunRecord& run) const;
  bool several_datasets() const { return several_datasets_; }

 private:
  std::vector<std::string> method_specs_, method_labels_;
  std::vector<std::string> dataset_specs_, dataset_labels_;
  bool several_datasets_ = false;
};

// M_GT(tau) for tau in 0.5..0.99, the mean over seeds per method and backend, on the runs of
// one dataset: encoder rows ("m_gt@...") or decoder columns ("decoder.m_gt@...").
std::optional<XYPlot> MGtCurvePlot(const std::vector<RunRecord>& runs, const RunLabels& labels,
                                   std::string_view dataset_spec, bool decoder, std::string id);

// Recovery (decoder M_GT@0.95) against eval.l0 (`x_metric`), or eval.fvu: one point per run,
// a series per method and backend, and the Pareto front as the last, emphasised series.
std::optional<XYPlot> RecoveryPlot(const std::vector<RunRecord>& runs, const RunLabels& labels,
                                   std::string_view x_metric, std::string id);

// Anchoring's effect: for every method with a "+anchor(...)" term whose plain spec also ran
// on the same dataset and backend, paired bars of decoder M_GT@0.95 (means over seeds).
std::optional<BarChart> AnchoringPlot(const std::vector<RunRecord>& runs, const RunLabels& labels);

// Training speed, samples/s (mean over seeds), per method, a bar per backend.
std::optional<BarChart> SpeedPlot(const std::vector<RunRecord>& runs, const RunLabels& labels);

// For a sweep: recovery (decoder M_GT@0.95, mean over seeds) against the knob its datasets
// vary (superposition n, interference M, sparsity S) or, on one dataset, the knob its
// methods vary once anchoring is set aside (topk k); a series per remaining method (with or
// without anchoring) and backend. nullopt when there is no such knob.
std::optional<XYPlot> SweepPlot(const std::vector<RunRecord>& runs, const RunLabels& labels);

// For hierarchical datasets (any run scoring absorption): per run, the fraction of scored
// children absorbed, the mean absorption rate and the share taken by the child's latent.
std::optional<BarChart> AbsorptionPlot(const std::vector<RunRecord>& runs, const RunLabels& labels);

// Absorption per parent/child pair on the runs of one dataset, from the feature rows (schema
// v6; docs/metrics.md): one point per scored pair (absorption_rate >= 0) of every run, x =
// the child's firing frequency, y = the pair's absorption rate; a series per method and
// backend, and a reference line at the absorbed threshold 0.5. Past kMaxHoverPairs points
// the points are small dots without hover text, to keep the page small.
struct AbsorptionPairs {
  std::optional<XYPlot> plot;  // nullopt when no run of the dataset has a scored pair
  // Runs of the dataset that scored absorption (absorption.* metrics) but whose feature rows
  // record no parent: stored before schema v6, they have no pairs to show.
  int runs_without_pairs = 0;
};
inline constexpr size_t kMaxHoverPairs = 300;
AbsorptionPairs AbsorptionPairsPlot(const std::vector<RunRecord>& runs, const RunLabels& labels,
                                    std::string_view dataset_spec, std::string id);

// Training trajectories: one plot per trajectory metric (loss, l0, m_gt@0.95, ...), a line
// per run that recorded it, against the step. Empty when no run has a trajectory.
std::vector<XYPlot> TrajectoryPlots(const std::vector<RunRecord>& runs, const RunLabels& labels);

// The run's best |cos| per scored (non-anchored) feature, in 20 bins of width 0.05.
BarChart CosineHistogram(const RunRecord& run, std::string id);

}  // namespace lrb::report

#endif  // LRB_LEADERBOARD_REPORT_REPORT_PLOTS_H_
