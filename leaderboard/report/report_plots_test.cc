#include "leaderboard/report/report_plots.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/report/svg_plot.h"
#include "leaderboard/store/run_record.h"

namespace lrb::report {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

constexpr char kData[] = "lrb(n=64,np=48,S=0.95)";
constexpr char kTopk[] = "sae.topk(latents=128,k=4)";
constexpr char kAnchored[] = "sae.topk(latents=128,k=4)+anchor(k=8,lambda=0.1)";

RunRecord MakeRun(std::string method, std::string backend, uint64_t seed,
                  std::vector<std::pair<std::string, double>> metrics,
                  std::string dataset = kData) {
  RunRecord run;
  run.run_key = absl::StrCat(method, "/", backend, "/", seed, "/", dataset);
  run.dataset_spec = std::move(dataset);
  run.method_spec = std::move(method);
  run.backend_used = std::move(backend);
  run.seed = seed;
  run.status = "ok";
  run.metrics = std::move(metrics);
  return run;
}

std::vector<double> Xs(const Series& series) {
  std::vector<double> xs;
  for (const Point& point : series.points) xs.push_back(point.x);
  return xs;
}

std::vector<double> Ys(const Series& series) {
  std::vector<double> ys;
  for (const Point& point : series.points) ys.push_back(point.y);
  return ys;
}

TEST(ParetoFront, IsTheNonDominatedPointsOrderedByX) {
  const std::vector<Point> points = {{1, 0.5, ""},   {2, 0.9, ""}, {3, 0.8, ""},
                                     {0.5, 0.2, ""}, {2, 0.9, ""}, {std::nan(""), 1.0, ""},
                                     {1, 0.4, ""}};
  // (3, 0.8) is beaten by (2, 0.9); (1, 0.4) by (1, 0.5); equal points are both kept.
  EXPECT_THAT(ParetoFront(points, /*smaller_x_is_better=*/true), ElementsAre(3, 0, 1, 4));
  // With larger x better, (3, 0.8) beats (1, 0.5) and (0.5, 0.2); (2, 0.9) stays.
  EXPECT_THAT(ParetoFront(points, /*smaller_x_is_better=*/false), ElementsAre(1, 4, 2));
  EXPECT_THAT(ParetoFront({}, true), ElementsAre());
}

TEST(SamplesPerSecond, IsSamplesOverTrainSeconds) {
  RunRecord run = MakeRun(kTopk, "scalar", 0, {{"train.samples", 1000}});
  run.train_seconds = 4;
  EXPECT_THAT(SamplesPerSecond(run), Optional(250.0));
  run.train_seconds = 0;  // e.g. an external submission, never trained here
  EXPECT_EQ(SamplesPerSecond(run), std::nullopt);
  EXPECT_EQ(SamplesPerSecond(MakeRun(kTopk, "scalar", 0, {})), std::nullopt);
}

TEST(RunLabels, ShortenMethodsAndNameTheDatasetOnlyWhenThereAreSeveral) {
  const std::vector<RunRecord> one = {MakeRun(kTopk, "scalar", 0, {}),
                                      MakeRun(kAnchored, "simd:AVX2", 0, {})};
  const RunLabels labels(one);
  EXPECT_EQ(labels.Method(kAnchored), "sae.topk+anchor");
  EXPECT_EQ(labels.Series(one[0]), "sae.topk · scalar");
  EXPECT_EQ(labels.Method("unknown"), "unknown");
  const std::vector<RunRecord> two = {MakeRun(kTopk, "scalar", 0, {}, "lrb(n=64)"),
                                      MakeRun(kTopk, "scalar", 0, {}, "lrb(n=96)")};
  EXPECT_EQ(RunLabels(two).Series(two[1]), "sae.topk · scalar · lrb(n=96)");
}

TEST(MGtCurvePlot, AveragesSeedsPerMethodAndBackendOnOneDataset) {
  const std::vector<RunRecord> runs = {
      MakeRun(kTopk, "scalar", 0,
              {{"m_gt@0.5", 1.0}, {"m_gt@0.95", 0.2}, {"decoder.m_gt@0.5", 0.7}}),
      MakeRun(kTopk, "scalar", 1,
              {{"m_gt@0.5", 0.8}, {"m_gt@0.95", 0.4}, {"decoder.m_gt@0.5", 0.5}}),
      MakeRun(kAnchored, "scalar", 0, {{"m_gt@0.5", 0.9}, {"m_gt@0.9", 0.6}}),
      MakeRun(kTopk, "scalar", 0, {{"m_gt@0.5", 0.0}},
              "lrb(n=96,np=48,S=0.95)"),  // another dataset
  };
  const RunLabels labels(runs);
  const std::optional<XYPlot> encoder = MGtCurvePlot(runs, labels, kData, false, "m_gt_tau");
  ASSERT_TRUE(encoder.has_value());
  EXPECT_EQ(encoder->id, "m_gt_tau");
  ASSERT_EQ(encoder->series.size(), 2u);
  // Series in label order: "sae.topk · scalar" then "sae.topk+anchor · scalar".
  EXPECT_EQ(encoder->series[0].label, "sae.topk · scalar");
  EXPECT_THAT(Xs(encoder->series[0]), ElementsAre(0.5, 0.95));
  EXPECT_THAT(Ys(encoder->series[0]),
              ElementsAre(::testing::DoubleEq(0.9), ::testing::DoubleEq(0.3)));
  EXPECT_THAT(Xs(encoder->series[1]), ElementsAre(0.5, 0.9));
  const std::optional<XYPlot> decoder = MGtCurvePlot(runs, labels, kData, true, "d");
  ASSERT_TRUE(decoder.has_value());
  ASSERT_EQ(decoder->series.size(), 1u);  // only the plain method has decoder metrics
  EXPECT_THAT(Ys(decoder->series[0]), ElementsAre(::testing::DoubleEq(0.6)));
  EXPECT_EQ(MGtCurvePlot(runs, labels, "lrb(n=1)", false, "x"), std::nullopt);
}

TEST(RecoveryPlot, OnePointPerRunAndTheFrontLast) {
  const std::vector<RunRecord> runs = {
      MakeRun(kTopk, "scalar", 0, {{"eval.l0", 4}, {"decoder.m_gt@0.95", 0.6}}),
      MakeRun(kTopk, "scalar", 1, {{"eval.l0", 5}, {"decoder.m_gt@0.95", 0.5}}),
      MakeRun(kAnchored, "scalar", 0, {{"eval.l0", 6}, {"decoder.m_gt@0.95", 0.9}}),
      MakeRun(kAnchored, "simd:AVX2", 0, {{"decoder.m_gt@0.95", 0.9}}),  // no L0: not drawn
  };
  const std::optional<XYPlot> plot = RecoveryPlot(runs, RunLabels(runs), "eval.l0", "recovery_l0");
  ASSERT_TRUE(plot.has_value());
  ASSERT_EQ(plot->series.size(), 3u);  // two methods with points, then the front
  EXPECT_EQ(plot->series[0].points.size(), 2u);
  const Series& front = plot->series.back();
  EXPECT_TRUE(front.emphasised);
  EXPECT_THAT(Xs(front), ElementsAre(4, 6));
  EXPECT_THAT(Ys(front), ElementsAre(0.6, 0.9));
  EXPECT_EQ(RecoveryPlot(runs, RunLabels(runs), "eval.fvu", "f"), std::nullopt);
}

TEST(AnchoringPlot, PairsEachAnchoredMethodWithItsPlainSpecOnTheSameDatasetAndBackend) {
  const std::vector<RunRecord> runs = {
      MakeRun(kTopk, "scalar", 0, {{"decoder.m_gt@0.95", 0.5}}),
      MakeRun(kTopk, "scalar", 1, {{"decoder.m_gt@0.95", 0.7}}),
      MakeRun(kAnchored, "scalar", 0, {{"decoder.m_gt@0.95", 0.9}}),
      MakeRun(kAnchored, "simd:AVX2", 0, {{"decoder.m_gt@0.95", 0.8}}),  // no plain simd run
  };
  const std::optional<BarChart> chart = AnchoringPlot(runs, RunLabels(runs));
  ASSERT_TRUE(chart.has_value());
  EXPECT_THAT(chart->categories, ElementsAre("sae.topk+anchor · scalar"));
  ASSERT_EQ(chart->series.size(), 2u);
  EXPECT_EQ(chart->series[0].label, "without anchoring");
  EXPECT_THAT(chart->series[0].values, ElementsAre(::testing::DoubleEq(0.6)));
  EXPECT_THAT(chart->series[1].values, ElementsAre(0.9));
  // A pair missing the metric on one side is left out rather than drawn as nothing.
  std::vector<RunRecord> unscored = runs;
  unscored[2].metrics.clear();
  EXPECT_EQ(AnchoringPlot(unscored, RunLabels(unscored)), std::nullopt);
  const std::vector<RunRecord> plain_only = {runs[0]};
  EXPECT_EQ(AnchoringPlot(plain_only, RunLabels(plain_only)), std::nullopt);
}

TEST(SpeedPlot, MeanSamplesPerSecondPerMethodWithABarPerBackend) {
  std::vector<RunRecord> runs = {
      MakeRun(kTopk, "scalar", 0, {{"train.samples", 1000}}),
      MakeRun(kTopk, "scalar", 1, {{"train.samples", 3000}}),
      MakeRun(kTopk, "simd:AVX2", 0, {{"train.samples", 1000}}),
      MakeRun(kAnchored, "simd:AVX2", 0, {{"train.samples", 1000}}),
  };
  for (RunRecord& run : runs) run.train_seconds = 1;
  const std::optional<BarChart> chart = SpeedPlot(runs, RunLabels(runs));
  ASSERT_TRUE(chart.has_value());
  EXPECT_THAT(chart->categories, ElementsAre("sae.topk", "sae.topk+anchor"));
  ASSERT_EQ(chart->series.size(), 2u);
  EXPECT_EQ(chart->series[0].label, "scalar");
  EXPECT_DOUBLE_EQ(chart->series[0].values[0], 2000);
  EXPECT_TRUE(std::isnan(chart->series[0].values[1]));  // no scalar anchored run
  EXPECT_THAT(chart->series[1].values, ElementsAre(1000, 1000));
}

TEST(SweepPlot, PutsTheDatasetKnobOnTheXAxis) {
  const std::vector<RunRecord> runs = {
      MakeRun(kTopk, "simd", 0, {{"decoder.m_gt@0.95", 0.9}}, "lrb(n=900,np=768)"),
      MakeRun(kTopk, "simd", 0, {{"decoder.m_gt@0.95", 0.95}}, "lrb(n=800,np=768)"),
      MakeRun(kAnchored, "simd", 0, {{"decoder.m_gt@0.95", 0.97}}, "lrb(n=800,np=768)"),
  };
  const std::optional<XYPlot> plot = SweepPlot(runs, RunLabels(runs));
  ASSERT_TRUE(plot.has_value());
  EXPECT_EQ(plot->id, "sweep");
  ASSERT_EQ(plot->series.size(), 2u);
  EXPECT_EQ(plot->series[0].label, "sae.topk · simd");
  EXPECT_THAT(Xs(plot->series[0]), ElementsAre(800, 900));
  EXPECT_THAT(Ys(plot->series[0]), ElementsAre(0.95, 0.9));
}

TEST(SweepPlot, PutsTheMethodKnobOnTheXAxisOnOneDataset) {
  const std::vector<RunRecord> runs = {
      MakeRun("sae.topk(latents=128,k=4)", "simd", 0, {{"decoder.m_gt@0.95", 0.5}}),
      MakeRun("sae.topk(latents=128,k=8)", "simd", 0, {{"decoder.m_gt@0.95", 0.6}}),
      MakeRun("sae.topk(latents=128,k=8)+anchor(k=8,lambda=0.1)", "simd", 0,
              {{"decoder.m_gt@0.95", 0.7}}),
  };
  const std::optional<XYPlot> plot = SweepPlot(runs, RunLabels(runs));
  ASSERT_TRUE(plot.has_value());
  ASSERT_EQ(plot->series.size(), 2u);  // without and with anchoring
  EXPECT_EQ(plot->series[0].label, "sae.topk · simd");
  EXPECT_THAT(Xs(plot->series[0]), ElementsAre(4, 8));
  EXPECT_EQ(plot->series[1].label, "sae.topk+anchor · simd");
  EXPECT_THAT(Xs(plot->series[1]), ElementsAre(8));
}

TEST(SweepPlot, NoneWithoutAKnob) {
  const std::vector<RunRecord> smoke = {
      MakeRun(kTopk, "simd", 0, {{"decoder.m_gt@0.95", 0.5}}),
      MakeRun(kAnchored, "simd", 0, {{"decoder.m_gt@0.95", 0.6}})};
  EXPECT_EQ(SweepPlot(smoke, RunLabels(smoke)), std::nullopt);
  const std::vector<RunRecord> two_knobs = {
      MakeRun(kTopk, "simd", 0, {{"decoder.m_gt@0.95", 0.5}}, "lrb(n=800,M=0.1)"),
      MakeRun(kTopk, "simd", 0, {{"decoder.m_gt@0.95", 0.6}}, "lrb(n=900,M=0.2)")};
  EXPECT_EQ(SweepPlot(two_knobs, RunLabels(two_knobs)), std::nullopt);
}

TEST(AbsorptionPlot, OnlyRunsThatScoredChildren) {
  const std::vector<RunRecord> runs = {
      MakeRun(kTopk, "simd", 0,
              {{"absorption.children_scored", 12},
               {"absorption.absorbed_fraction", 0.25},
               {"absorption.mean_rate", 0.3},
               {"absorption.taken_by_child_latent", 0.8}},
              "lrb_hier(roots=20)"),
      MakeRun(kTopk, "simd", 0, {{"decoder.m_gt@0.95", 0.5}}),
  };
  const std::optional<BarChart> chart = AbsorptionPlot(runs, RunLabels(runs));
  ASSERT_TRUE(chart.has_value());
  ASSERT_EQ(chart->categories.size(), 1u);
  ASSERT_EQ(chart->series.size(), 3u);
  EXPECT_THAT(chart->series[0].values, ElementsAre(0.25));
  EXPECT_THAT(chart->series[2].values, ElementsAre(0.8));
  // A share no run reports is no series.
  std::vector<RunRecord> partial = runs;
  partial[0].metrics.pop_back();  // taken_by_child_latent
  const std::optional<BarChart> two = AbsorptionPlot(partial, RunLabels(partial));
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->series.size(), 2u);
  const std::vector<RunRecord> flat = {runs[1]};
  EXPECT_EQ(AbsorptionPlot(flat, RunLabels(flat)), std::nullopt);
}

constexpr char kHier[] = "lrb_hier(roots=20)";

leaderboard::FeatureRow PairRow(int32_t feature, int32_t parent, double frequency, double rate,
                                int32_t taker) {
  leaderboard::FeatureRow row;
  row.feature = feature;
  row.parent = parent;
  row.firing_frequency = frequency;
  row.absorption_rate = rate;
  row.absorption_taker = taker;
  row.absorbed = rate >= 0.5;
  return row;
}

// A run on kHier that scored absorption, with the given feature rows.
RunRecord HierRun(std::string method, uint64_t seed, std::vector<leaderboard::FeatureRow> rows) {
  RunRecord run = MakeRun(std::move(method), "simd", seed,
                          {{"absorption.children_scored", 2}, {"absorption.mean_rate", 0.5}},
                          kHier);
  run.features = std::move(rows);
  return run;
}

TEST(AbsorptionPairsPlot, OnePointPerScoredPairASeriesPerMethodAndTheThresholdAsALine) {
  const std::vector<RunRecord> runs = {
      // A root (parent -1), a scored child absorbed by latent 9, an unscored child (never
      // co-active: rate -1) and a scored child nothing took.
      HierRun(kTopk, 0,
              {PairRow(0, -1, 0.5, -1, -1), PairRow(1, 0, 0.125, 0.75, 9),
               PairRow(2, 0, 0.25, -1, -1), PairRow(3, 0, 0.0625, 0, -1)}),
      HierRun(kTopk, 1, {PairRow(0, -1, 0.5, -1, -1), PairRow(1, 0, 0.25, 1, 4)}),
      HierRun(kAnchored, 0, {PairRow(0, -1, 0.5, -1, -1), PairRow(1, 0, 0.375, 0.5, -1)}),
      MakeRun(kTopk, "simd", 2, {{"decoder.m_gt@0.95", 0.5}}),  // another dataset
  };
  const AbsorptionPairs pairs =
      AbsorptionPairsPlot(runs, RunLabels(runs), kHier, "absorption_pairs-1");
  EXPECT_EQ(pairs.runs_without_pairs, 0);
  ASSERT_TRUE(pairs.plot.has_value());
  const XYPlot& plot = *pairs.plot;
  EXPECT_EQ(plot.id, "absorption_pairs-1");
  EXPECT_EQ(plot.y.min, 0.0);
  EXPECT_EQ(plot.y.max, 1.0);
  ASSERT_EQ(plot.references.size(), 1u);
  EXPECT_EQ(plot.references[0].y, 0.5);
  ASSERT_EQ(plot.series.size(), 2u);  // the reference line is no series
  // Labels as RunLabels shortens them; the series are found by label, not by position.
  const RunLabels labels(runs);
  const std::string plain = absl::StrCat(labels.Method(kTopk), " · simd");
  const std::string anchored = absl::StrCat(labels.Method(kAnchored), " · simd");
  const Series* plain_series = nullptr;
  const Series* anchored_series = nullptr;
  for (const Series& series : plot.series) {
    if (series.label == plain) plain_series = &series;
    if (series.label == anchored) anchored_series = &series;
  }
  ASSERT_NE(plain_series, nullptr);
  ASSERT_NE(anchored_series, nullptr);
  // Both seeds of the plain method in one series, in run then feature order.
  EXPECT_THAT(Xs(*plain_series), ElementsAre(0.125, 0.0625, 0.25));
  EXPECT_THAT(Ys(*plain_series), ElementsAre(0.75, 0.0, 1.0));
  EXPECT_EQ(plain_series->style, Series::Style::kPoints);
  EXPECT_EQ(plain_series->points[0].note, "seed 0, child 1 of parent 0, taker latent 9");
  EXPECT_EQ(plain_series->points[1].note, "seed 0, child 3 of parent 0, taker none");
  EXPECT_THAT(Xs(*anchored_series), ElementsAre(0.375));
  EXPECT_THAT(Ys(*anchored_series), ElementsAre(0.5));

  // No run of another dataset has pairs.
  const AbsorptionPairs flat = AbsorptionPairsPlot(runs, labels, kData, "absorption_pairs-0");
  EXPECT_EQ(flat.plot, std::nullopt);
  EXPECT_EQ(flat.runs_without_pairs, 0) << "it never scored absorption";
}

TEST(AbsorptionPairsPlot, RunsStoredBeforePairsAreCountedNotPlotted) {
  // Before schema v6 every row reads parent -1, although absorption.* metrics exist.
  const RunRecord old_run =
      HierRun(kTopk, 0, {PairRow(0, -1, 0.5, -1, -1), PairRow(1, -1, 0.125, -1, -1)});
  const std::vector<RunRecord> only_old = {old_run, old_run};
  const AbsorptionPairs none = AbsorptionPairsPlot(only_old, RunLabels(only_old), kHier, "p");
  EXPECT_EQ(none.plot, std::nullopt);
  EXPECT_EQ(none.runs_without_pairs, 2);

  const std::vector<RunRecord> mixed = {
      old_run, HierRun(kTopk, 1, {PairRow(0, -1, 0.5, -1, -1), PairRow(1, 0, 0.25, 0.5, 3)})};
  const AbsorptionPairs some = AbsorptionPairsPlot(mixed, RunLabels(mixed), kHier, "p");
  EXPECT_EQ(some.runs_without_pairs, 1);
  ASSERT_TRUE(some.plot.has_value());
  ASSERT_EQ(some.plot->series.size(), 1u);
  EXPECT_EQ(some.plot->series[0].points.size(), 1u);
}

TEST(AbsorptionPairsPlot, ManyPairsAreDotsWithoutHoverText) {
  std::vector<leaderboard::FeatureRow> rows;
  for (int32_t c = 0; c <= static_cast<int32_t>(kMaxHoverPairs); ++c) {
    rows.push_back(PairRow(c + 1, 0, 0.001 * c, 0.5, 7));
  }
  const std::vector<RunRecord> runs = {HierRun(kTopk, 0, rows)};
  const AbsorptionPairs pairs = AbsorptionPairsPlot(runs, RunLabels(runs), kHier, "p");
  ASSERT_TRUE(pairs.plot.has_value());
  ASSERT_EQ(pairs.plot->series.size(), 1u);
  const Series& series = pairs.plot->series[0];
  EXPECT_EQ(series.points.size(), kMaxHoverPairs + 1);
  EXPECT_EQ(series.style, Series::Style::kDots);
  for (const Point& point : series.points) EXPECT_EQ(point.note, "");
  // One pair fewer keeps the hover text.
  rows.pop_back();
  const std::vector<RunRecord> fewer = {HierRun(kTopk, 0, rows)};
  const AbsorptionPairs hover = AbsorptionPairsPlot(fewer, RunLabels(fewer), kHier, "p");
  ASSERT_TRUE(hover.plot.has_value());
  EXPECT_EQ(hover.plot->series[0].style, Series::Style::kPoints);
}

TEST(TrajectoryPlots, OnePlotPerMetricALinePerRunThatRecordedIt) {
  std::vector<RunRecord> runs = {MakeRun(kTopk, "simd", 0, {}), MakeRun(kTopk, "simd", 1, {}),
                                 MakeRun(kAnchored, "simd", 0, {})};
  EXPECT_TRUE(TrajectoryPlots(runs, RunLabels(runs)).empty());
  runs[0].trajectory = {
      {200, "loss", 0.5}, {100, "loss", 0.9}, {100, "zeta", 1}, {100, "decoder.m_gt@0.95", 0.4}};
  runs[1].trajectory = {{100, "loss", 0.8}};
  const std::vector<XYPlot> plots = TrajectoryPlots(runs, RunLabels(runs));
  ASSERT_EQ(plots.size(), 3u);
  EXPECT_EQ(plots[0].id, "trajectory-loss");
  EXPECT_EQ(plots[1].id, "trajectory-decoder_m_gt_0_95");
  EXPECT_TRUE(plots[1].y.percent);
  EXPECT_EQ(plots[2].id, "trajectory-zeta");
  ASSERT_EQ(plots[0].series.size(), 2u);
  EXPECT_EQ(plots[0].series[0].label, "sae.topk · simd · seed 0");
  EXPECT_THAT(Xs(plots[0].series[0]), ElementsAre(100, 200));  // sorted by step
  EXPECT_THAT(Ys(plots[0].series[0]), ElementsAre(0.9, 0.5));
  EXPECT_EQ(plots[1].series.size(), 1u);
}

TEST(CosineHistogram, CountsScoredFeaturesInBinsOfAWidthOf005) {
  RunRecord run = MakeRun(kTopk, "simd", 0, {});
  for (const double cosine : {0.0, 0.049, 0.05, 0.97, 1.0, -0.99}) {
    leaderboard::FeatureRow row;
    row.feature = static_cast<int32_t>(run.features.size());
    row.best_cosine = cosine;
    run.features.push_back(row);
  }
  leaderboard::FeatureRow anchored;
  anchored.best_cosine = 0.5;
  anchored.anchored = true;
  run.features.push_back(anchored);
  const BarChart chart = CosineHistogram(run, "cosines-3");
  EXPECT_EQ(chart.id, "cosines-3");
  ASSERT_EQ(chart.categories.size(), 20u);
  ASSERT_EQ(chart.series.size(), 1u);
  std::vector<double> expected(20, 0.0);
  expected[0] = 2;
  expected[1] = 1;
  expected[19] = 3;  // 0.97, 1.0 and |-0.99|
  EXPECT_EQ(chart.series[0].values, expected);
}

}  // namespace
}  // namespace lrb::report
