#include "leaderboard/report/report_plots.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "leaderboard/report/spec_labels.h"

namespace lrb::report {
namespace {

// The recovery metric of the plots: decoder columns at the paper's threshold, the metric
// that separates methods (encoder rows converge to a dual under interference, so encoder
// M_GT@0.95 is near 0 for every method on superposed data; docs/metrics.md).
constexpr std::string_view kRecovery = "decoder.m_gt@0.95";
constexpr std::string_view kRecoveryLabel = "recovery: decoder M_GT@0.95";

// A child is absorbed when its rate reaches this (docs/metrics.md, Absorption; the scorer's
// kAbsorbedRate, which leaderboard/ cannot include).
constexpr double kAbsorbedThreshold = 0.5;

const std::string* Find(const std::vector<std::string>& keys,
                        const std::vector<std::string>& values, const std::string& key) {
  const auto found = std::find(keys.begin(), keys.end(), key);
  return found == keys.end() ? nullptr : &values[static_cast<size_t>(found - keys.begin())];
}

// Runs grouped by a label, groups in label order, runs in their given order.
using Groups = std::map<std::string, std::vector<const RunRecord*>>;

std::optional<double> Mean(const std::vector<const RunRecord*>& runs, std::string_view metric) {
  double sum = 0;
  int count = 0;
  for (const RunRecord* run : runs) {
    if (const std::optional<double> value = MetricValue(*run, metric)) {
      sum += *value;
      ++count;
    }
  }
  if (count == 0) return std::nullopt;
  return sum / count;
}

double OrNaN(std::optional<double> value) { return value.value_or(std::nan("")); }

Axis PercentAxis(std::string label) {
  Axis axis;
  axis.label = std::move(label);
  axis.min = 0;
  axis.max = 1;
  axis.percent = true;
  return axis;
}

// A metric name as a plot id: letters and digits kept, anything else "_".
std::string IdPart(std::string_view name) {
  std::string id;
  for (const char c : name) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return id;
}

}  // namespace

std::optional<double> MetricValue(const RunRecord& run, std::string_view name) {
  for (const auto& [metric, value] : run.metrics) {
    if (metric == name) return value;
  }
  return std::nullopt;
}

std::optional<double> SamplesPerSecond(const RunRecord& run) {
  const std::optional<double> samples = MetricValue(run, "train.samples");
  if (!samples || !(run.train_seconds > 0) || !std::isfinite(*samples)) return std::nullopt;
  return *samples / run.train_seconds;
}

std::vector<size_t> ParetoFront(const std::vector<Point>& points, bool smaller_x_is_better) {
  const auto better_x = [&](double a, double b) { return smaller_x_is_better ? a < b : a > b; };
  std::vector<size_t> front;
  for (size_t i = 0; i < points.size(); ++i) {
    const Point& p = points[i];
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
    bool dominated = false;
    for (size_t j = 0; j < points.size() && !dominated; ++j) {
      const Point& q = points[j];
      if (j == i || !std::isfinite(q.x) || !std::isfinite(q.y)) continue;
      const bool at_least_as_good = !better_x(p.x, q.x) && q.y >= p.y;
      const bool strictly_better = better_x(q.x, p.x) || q.y > p.y;
      dominated = at_least_as_good && strictly_better;
    }
    if (!dominated) front.push_back(i);
  }
  std::sort(front.begin(), front.end(), [&](size_t a, size_t b) {
    return std::tie(points[a].x, points[a].y) < std::tie(points[b].x, points[b].y);
  });
  return front;
}

RunLabels::RunLabels(const std::vector<RunRecord>& runs) {
  std::set<std::string> methods, datasets;
  for (const RunRecord& run : runs) {
    methods.insert(run.method_spec);
    datasets.insert(run.dataset_spec);
  }
  method_specs_.assign(methods.begin(), methods.end());
  dataset_specs_.assign(datasets.begin(), datasets.end());
  method_labels_ = ShortSpecLabels(method_specs_);
  dataset_labels_ = ShortSpecLabels(dataset_specs_);
  several_datasets_ = dataset_specs_.size() > 1;
}

const std::string& RunLabels::Method(const std::string& method_spec) const {
  const std::string* label = Find(method_specs_, method_labels_, method_spec);
  return label != nullptr ? *label : method_spec;
}

const std::string& RunLabels::Dataset(const std::string& dataset_spec) const {
  const std::string* label = Find(dataset_specs_, dataset_labels_, dataset_spec);
  return label != nullptr ? *label : dataset_spec;
}

std::string RunLabels::Series(const RunRecord& run) const {
  std::string label = absl::StrCat(Method(run.method_spec), " · ", run.backend_used);
  if (several_datasets_) absl::StrAppend(&label, " · ", Dataset(run.dataset_spec));
  return label;
}

std::optional<XYPlot> MGtCurvePlot(const std::vector<RunRecord>& runs, const RunLabels& labels,
                                   std::string_view dataset_spec, bool decoder, std::string id) {
  const std::string prefix = decoder ? "decoder.m_gt@" : "m_gt@";
  XYPlot plot;
  plot.id = std::move(id);
  plot.title = absl::StrCat("M_GT against tau, ", decoder ? "decoder columns" : "encoder rows",
                            labels.several_datasets()
                                ? absl::StrCat(" — ", labels.Dataset(std::string(dataset_spec)))
                                : "");
  plot.x.label = "tau: |cos| threshold a feature's best latent must exceed";
  plot.x.min = 0.5;
  plot.x.max = 1.0;
  plot.y = PercentAxis(absl::StrCat("M_GT(tau), ", decoder ? "decoder" : "encoder"));
  Groups groups;
  for (const RunRecord& run : runs) {
    if (run.dataset_spec == dataset_spec) {
      groups[absl::StrCat(labels.Method(run.method_spec), " · ", run.backend_used)].push_back(&run);
    }
  }
  for (const auto& [label, members] : groups) {
    // tau -> (sum, count) over the group's runs.
    std::map<double, std::pair<double, int>> curve;
    for (const RunRecord* run : members) {
      for (const auto& [name, value] : run->metrics) {
        double tau = 0;
        if (!absl::StartsWith(name, prefix) ||
            !absl::SimpleAtod(name.substr(prefix.size()), &tau) || tau < 0.5 || tau >= 1) {
          continue;
        }
        curve[tau].first += value;
        ++curve[tau].second;
      }
    }
    if (curve.empty()) continue;
    Series series{label, {}, Series::Style::kLine};
    for (const auto& [tau, sum] : curve) {
      series.points.push_back({tau, sum.first / sum.second, ""});
    }
    plot.series.push_back(std::move(series));
  }
  if (plot.series.empty()) return std::nullopt;
  return plot;
}

std::optional<XYPlot> RecoveryPlot(const std::vector<RunRecord>& runs, const RunLabels& labels,
                                   std::string_view x_metric, std::string id) {
  XYPlot plot;
  plot.id = std::move(id);
  const bool l0 = x_metric == "eval.l0";
  plot.title = absl::StrCat("Recovery against ", l0 ? "L0" : "FVU", ", one point per run");
  plot.x.label = l0 ? "L0 (eval.l0): mean active latents per sample — lower is sparser"
                    : "FVU (eval.fvu): fraction of variance unexplained — lower is better";
  // Both axes from the data: runs differ by a few points of recovery, which a 0-100% axis
  // would flatten.
  plot.y.label = std::string(kRecoveryLabel);
  plot.y.percent = true;
  std::map<std::string, Series> by_label;
  std::vector<Point> all;
  for (const RunRecord& run : runs) {
    const std::optional<double> x = MetricValue(run, x_metric);
    const std::optional<double> y = MetricValue(run, kRecovery);
    if (!x || !y) continue;
    const std::string label = labels.Series(run);
    Series& series = by_label[label];
    series.label = label;
    series.style = Series::Style::kPoints;
    series.points.push_back({*x, *y, absl::StrCat("seed ", run.seed)});
    all.push_back(series.points.back());
  }
  if (all.empty()) return std::nullopt;
  for (auto& [label, series] : by_label) plot.series.push_back(std::move(series));
  Series front{"Pareto front (no run is better on both axes)",
               {},
               Series::Style::kLineAndPoints,
               /*emphasised=*/true};
  for (const size_t i : ParetoFront(all, /*smaller_x_is_better=*/true)) {
    front.points.push_back(all[i]);
  }
  plot.series.push_back(std::move(front));
  return plot;
}

std::optional<BarChart> AnchoringPlot(const std::vector<RunRecord>& runs, const RunLabels& labels) {
  // (dataset, method, backend) -> its runs.
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<const RunRecord*>> cells;
  for (const RunRecord& run : runs) {
    cells[{run.dataset_spec, run.method_spec, run.backend_used}].push_back(&run);
  }
  BarChart chart;
  chart.id = "anchoring";
  chart.title = "Anchoring's effect on recovery";
  chart.x_label = "method with anchoring · backend (paired with its plain spec)";
  chart.y = PercentAxis(std::string(kRecoveryLabel));
  BarSeries without{"without anchoring", {}};
  BarSeries with{"with anchoring", {}};
  for (const auto& [key, anchored_runs] : cells) {
    const auto& [dataset, method, backend] = key;
    const std::optional<std::string> plain = WithoutTerm(method, "anchor");
    if (!plain) continue;
    const auto base = cells.find({dataset, *plain, backend});
    if (base == cells.end()) continue;
    const std::optional<double> plain_recovery = Mean(base->second, kRecovery);
    const std::optional<double> anchored_recovery = Mean(anchored_runs, kRecovery);
    if (!plain_recovery || !anchored_recovery) continue;  // nothing to compare
    std::string category = absl::StrCat(labels.Method(method), " · ", backend);
    if (labels.several_datasets()) absl::StrAppend(&category, " · ", labels.Dataset(dataset));
    chart.categories.push_back(std::move(category));
    without.values.push_back(*plain_recovery);
    with.values.push_back(*anchored_recovery);
  }
  if (chart.categories.empty()) return std::nullopt;
  chart.series = {std::move(without), std::move(with)};
  return chart;
}

std::optional<BarChart> SpeedPlot(const std::vector<RunRecord>& runs, const RunLabels& labels) {
  std::set<std::string> methods, backends;
  // (method label, backend) -> (sum, count) of samples/s.
  std::map<std::pair<std::string, std::string>, std::pair<double, int>> speed;
  for (const RunRecord& run : runs) {
    const std::optional<double> value = SamplesPerSecond(run);
    if (!value) continue;
    const std::string& method = labels.Method(run.method_spec);
    methods.insert(method);
    backends.insert(run.backend_used);
    auto& cell = speed[{method, run.backend_used}];
    cell.first += *value;
    ++cell.second;
  }
  if (speed.empty()) return std::nullopt;
  BarChart chart;
  chart.id = "speed";
  chart.title = "Training speed per method and backend";
  chart.x_label = "method";
  chart.y.label = "samples / s (mean over runs)";
  chart.y.min = 0;
  chart.categories.assign(methods.begin(), methods.end());
  for (const std::string& backend : backends) {
    BarSeries series{backend, {}};
    for (const std::string& method : chart.categories) {
      const auto found = speed.find({method, backend});
      series.values.push_back(found == speed.end() ? std::nan("")
                                                   : found->second.first / found->second.second);
    }
    chart.series.push_back(std::move(series));
  }
  return chart;
}

std::optional<XYPlot> SweepPlot(const std::vector<RunRecord>& runs, const RunLabels& labels) {
  std::set<std::string> datasets, plain_methods;
  for (const RunRecord& run : runs) {
    datasets.insert(run.dataset_spec);
    plain_methods.insert(WithoutTerm(run.method_spec, "anchor").value_or(run.method_spec));
  }
  const bool over_datasets = datasets.size() > 1;
  const std::optional<Knob> knob = over_datasets
                                       ? FindKnob({datasets.begin(), datasets.end()})
                                       : FindKnob({plain_methods.begin(), plain_methods.end()});
  if (!knob) return std::nullopt;
  // Series key -> x -> (sum, count) of recovery.
  std::map<std::string, std::map<double, std::pair<double, int>>> curves;
  std::vector<std::string> series_specs;
  for (const RunRecord& run : runs) {
    const std::string spec = over_datasets ? run.method_spec : WithoutKnob(run.method_spec, *knob);
    series_specs.push_back(spec);
  }
  const std::vector<std::string> short_specs = ShortSpecLabels(series_specs);
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunRecord& run = runs[i];
    const std::optional<double> x =
        KnobValue(over_datasets ? run.dataset_spec : run.method_spec, *knob);
    const std::optional<double> y = MetricValue(run, kRecovery);
    if (!x || !y) continue;
    const std::string label = absl::StrCat(
        over_datasets ? labels.Method(run.method_spec) : short_specs[i], " · ", run.backend_used);
    auto& cell = curves[label][*x];
    cell.first += *y;
    ++cell.second;
  }
  if (curves.empty()) return std::nullopt;
  XYPlot plot;
  plot.id = "sweep";
  plot.title = absl::StrCat("Recovery across the sweep of ", knob->key, " (", knob->term,
                            over_datasets ? " dataset" : " method", " knob)");
  plot.x.label = absl::StrCat(knob->key, " — the ", over_datasets ? "dataset" : "method",
                              " argument that varies across the suite (", knob->Name(), ")");
  plot.y = PercentAxis(std::string(kRecoveryLabel));
  for (const auto& [label, curve] : curves) {
    Series series{label, {}, Series::Style::kLineAndPoints};
    for (const auto& [x, sum] : curve) series.points.push_back({x, sum.first / sum.second, ""});
    plot.series.push_back(std::move(series));
  }
  return plot;
}

std::optional<BarChart> AbsorptionPlot(const std::vector<RunRecord>& runs,
                                       const RunLabels& labels) {
  Groups groups;
  for (const RunRecord& run : runs) {
    if (MetricValue(run, "absorption.children_scored").value_or(0) > 0) {
      groups[labels.Series(run)].push_back(&run);
    }
  }
  if (groups.empty()) return std::nullopt;
  BarChart chart;
  chart.id = "absorption";
  chart.title = "Feature absorption on the hierarchy's parent/child pairs";
  chart.x_label = "method · backend (mean over seeds)";
  chart.y = PercentAxis("share (absorption.* metrics)");
  const std::vector<std::pair<std::string, std::string>> metrics = {
      {"children absorbed (absorbed_fraction)", "absorption.absorbed_fraction"},
      {"mean absorption rate (mean_rate)", "absorption.mean_rate"},
      {"taken by the child's latent (taken_by_child_latent)", "absorption.taken_by_child_latent"}};
  for (const auto& [label, members] : groups) chart.categories.push_back(label);
  for (const auto& [label, metric] : metrics) {
    BarSeries series{label, {}};
    bool any = false;
    for (const auto& [group, members] : groups) {
      const std::optional<double> mean = Mean(members, metric);
      any |= mean.has_value();
      series.values.push_back(OrNaN(mean));
    }
    if (any) chart.series.push_back(std::move(series));  // a series never draws nothing
  }
  return chart;
}

AbsorptionPairs AbsorptionPairsPlot(const std::vector<RunRecord>& runs, const RunLabels& labels,
                                    std::string_view dataset_spec, std::string id) {
  AbsorptionPairs result;
  std::map<std::string, Series> by_label;
  size_t points = 0;
  for (const RunRecord& run : runs) {
    if (run.dataset_spec != dataset_spec) continue;
    const bool has_parents =
        std::any_of(run.features.begin(), run.features.end(),
                    [](const leaderboard::FeatureRow& row) { return row.parent >= 0; });
    if (!has_parents) {
      if (MetricValue(run, "absorption.children_scored").has_value()) ++result.runs_without_pairs;
      continue;
    }
    const std::string label = absl::StrCat(labels.Method(run.method_spec), " · ", run.backend_used);
    for (const leaderboard::FeatureRow& row : run.features) {
      if (row.parent < 0 || !(row.absorption_rate >= 0)) continue;  // a root, or unscored
      Series& series = by_label[label];
      series.label = label;
      series.style = Series::Style::kPoints;
      series.points.push_back(
          {row.firing_frequency, row.absorption_rate,
           absl::StrCat("seed ", run.seed, ", child ", row.feature, " of parent ", row.parent,
                        ", taker ",
                        row.absorption_taker < 0 ? "none"
                                                 : absl::StrCat("latent ", row.absorption_taker))});
      ++points;
    }
  }
  if (points == 0) return result;
  XYPlot plot;
  plot.id = std::move(id);
  plot.title = absl::StrCat(
      "Absorption per parent/child pair",
      labels.several_datasets() ? absl::StrCat(" — ", labels.Dataset(std::string(dataset_spec)))
                                : "");
  plot.x.label = "child's firing frequency (fraction of eval samples where it is active)";
  plot.x.min = 0;
  plot.y = PercentAxis("absorption rate of the pair");
  plot.references.push_back({kAbsorbedThreshold, "absorbed (rate >= 0.5)"});
  for (auto& [label, series] : by_label) {
    if (points > kMaxHoverPairs) {
      series.style = Series::Style::kDots;
      for (Point& point : series.points) point.note.clear();
    }
    plot.series.push_back(std::move(series));
  }
  result.plot = std::move(plot);
  return result;
}

std::vector<XYPlot> TrajectoryPlots(const std::vector<RunRecord>& runs, const RunLabels& labels) {
  std::set<std::string> names;
  for (const RunRecord& run : runs) {
    for (const leaderboard::TrajectoryPoint& point : run.trajectory) names.insert(point.metric);
  }
  // The metrics users look at first, then the rest by name.
  std::vector<std::string> order;
  for (const char* first :
       {"loss", "l0", "m_gt@0.95", "decoder.m_gt@0.95", "m_ip", "decoder.m_ip"}) {
    if (names.erase(first) > 0) order.push_back(first);
  }
  order.insert(order.end(), names.begin(), names.end());
  std::vector<XYPlot> plots;
  for (const std::string& metric : order) {
    XYPlot plot;
    plot.id = "trajectory-" + IdPart(metric);
    plot.title = absl::StrCat("Training trajectory: ", metric);
    plot.x.label = "training step";
    plot.x.min = 0;
    plot.y.label = metric;
    if (absl::StrContains(metric, "m_gt@")) plot.y = PercentAxis(metric);
    for (const RunRecord& run : runs) {
      Series series{
          absl::StrCat(labels.Series(run), " · seed ", run.seed), {}, Series::Style::kLine};
      for (const leaderboard::TrajectoryPoint& point : run.trajectory) {
        if (point.metric == metric) {
          series.points.push_back({static_cast<double>(point.step), point.value, ""});
        }
      }
      if (series.points.empty()) continue;
      std::sort(series.points.begin(), series.points.end(),
                [](const Point& a, const Point& b) { return a.x < b.x; });
      plot.series.push_back(std::move(series));
    }
    plots.push_back(std::move(plot));
  }
  return plots;
}

BarChart CosineHistogram(const RunRecord& run, std::string id) {
  constexpr int kBins = 20;
  BarChart chart;
  chart.id = std::move(id);
  chart.title = "Best |cos| per feature (anchored features left out)";
  chart.x_label = "best |cos| between the feature and any latent (bins of 0.05, by lower edge)";
  chart.y.label = "features";
  chart.y.min = 0;
  chart.label_every = 4;
  BarSeries counts{"features", std::vector<double>(kBins, 0.0)};
  for (int bin = 0; bin < kBins; ++bin) {
    chart.categories.push_back(absl::StrFormat("%.2f", bin * 0.05));
  }
  for (const leaderboard::FeatureRow& feature : run.features) {
    if (feature.anchored || !std::isfinite(feature.best_cosine)) continue;
    const int bin =
        std::clamp(static_cast<int>(std::abs(feature.best_cosine) * kBins), 0, kBins - 1);
    counts.values[static_cast<size_t>(bin)] += 1;
  }
  chart.series.push_back(std::move(counts));
  return chart;
}

}  // namespace lrb::report
