#include "leaderboard/report/svg_plot.h"

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lrb::report {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Data points: series draw circles of radius 3.5 (5 when emphasised); legend swatches 3.
int DataPoints(const std::string& svg);

int Count(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

int DataPoints(const std::string& svg) { return Count(svg, "r=\"3.5\"") + Count(svg, "r=\"5\""); }

// The default layout's data area: 520 x 300 less margins 64 / 20 (left / right) and
// 30 / 46 (top / bottom), so the box is (64, 30) to (500, 254).
TEST(PlotLayout, DefaultBoxIsTheSvgLessItsMargins) {
  const PlotBox box = PlotLayout{}.Box();
  EXPECT_DOUBLE_EQ(box.left, 64);
  EXPECT_DOUBLE_EQ(box.top, 30);
  EXPECT_DOUBLE_EQ(box.width, 436);
  EXPECT_DOUBLE_EQ(box.height, 224);
}

TEST(NiceTicks, AreMultiplesOfOneTwoOrFiveTimesAPowerOfTen) {
  const std::vector<double> unit = NiceTicks(0, 1);
  ASSERT_EQ(unit.size(), 6u);
  for (size_t i = 0; i < unit.size(); ++i) EXPECT_NEAR(unit[i], 0.2 * i, 1e-12) << i;
  EXPECT_THAT(NiceTicks(-3, 7), ElementsAre(-2, 0, 2, 4, 6));
  EXPECT_THAT(NiceTicks(1234, 5678), ElementsAre(2000, 3000, 4000, 5000));
  const std::vector<double> small = NiceTicks(0, 0.37);
  ASSERT_EQ(small.size(), 4u);
  EXPECT_NEAR(small.back(), 0.3, 1e-12);
  EXPECT_THAT(NiceTicks(2.5, 2.5), ElementsAre(2.5));
}

TEST(NiceTicks, StayInsideTheRangeAtAwkwardSpans) {
  for (const auto& [lo, hi] : std::vector<std::pair<double, double>>{
           {0.13, 0.87}, {-1e-7, 3e-7}, {95.5, 99.1}, {1, 1e6}, {-50, -49.99}}) {
    const std::vector<double> ticks = NiceTicks(lo, hi);
    ASSERT_GE(ticks.size(), 2u) << lo << ".." << hi;
    EXPECT_LE(ticks.size(), 11u) << lo << ".." << hi;
    for (const double tick : ticks) {
      EXPECT_GE(tick, lo - 1e-9 * std::abs(hi - lo)) << lo << ".." << hi;
      EXPECT_LE(tick, hi + 1e-9 * std::abs(hi - lo)) << lo << ".." << hi;
    }
  }
}

TEST(FormatTick, UsesTheDecimalsTheStepNeeds) {
  EXPECT_EQ(FormatTick(0.25, 0.05, false), "0.25");
  EXPECT_EQ(FormatTick(0.30000000000000004, 0.1, false), "0.3");
  EXPECT_EQ(FormatTick(0.3, 0.1, true), "30%");
  EXPECT_EQ(FormatTick(0.955, 0.005, true), "95.5%");
  EXPECT_EQ(FormatTick(120, 20, false), "120");
  EXPECT_EQ(FormatTick(250000, 50000, false), "250k");
  EXPECT_EQ(FormatTick(1.5e6, 5e5, false), "1500k");  // the step decides the unit
  EXPECT_EQ(FormatTick(3e6, 1e6, false), "3M");
  EXPECT_EQ(FormatTick(-1e-17, 0.2, false), "0.0");
}

TEST(SeriesColour, TheFirstEightDiffer) {
  std::set<std::string> colours;
  for (int i = 0; i < 8; ++i) colours.insert(SeriesColour(i));
  EXPECT_EQ(colours.size(), 8u);
  EXPECT_EQ(std::string(SeriesColour(8)), SeriesColour(0));
}

XYPlot UnitPlot() {
  XYPlot plot;
  plot.id = "unit";
  plot.title = "Unit square";
  plot.x = {"x", 0.0, 1.0, false};
  plot.y = {"y", 0.0, 1.0, true};
  return plot;
}

TEST(RenderXYPlot, PutsADataPointAtItsExactPixel) {
  XYPlot plot = UnitPlot();
  plot.series.push_back({"a", {{0.5, 0.25, ""}}, Series::Style::kPoints});
  const XYGeometry geometry = ComputeXYGeometry(plot);
  // x: 64 + 0.5 * 436; y: 30 + (1 - 0.25) * 224 (pixels grow downwards).
  EXPECT_DOUBLE_EQ(geometry.x(0.5), 282);
  EXPECT_DOUBLE_EQ(geometry.y(0.25), 198);
  const std::string svg = RenderXYPlot(plot);
  EXPECT_THAT(svg, HasSubstr("<circle cx=\"282.00\" cy=\"198.00\""));
  // The domain's corners are the box's.
  EXPECT_DOUBLE_EQ(geometry.x(0), 64);
  EXPECT_DOUBLE_EQ(geometry.x(1), 500);
  EXPECT_DOUBLE_EQ(geometry.y(0), 254);
  EXPECT_DOUBLE_EQ(geometry.y(1), 30);
}

TEST(RenderXYPlot, AReferenceLineIsDrawnAtItsPixelButIsNoSeries) {
  XYPlot plot = UnitPlot();
  plot.series.push_back({"a", {{0.5, 0.25, ""}}, Series::Style::kPoints});
  plot.references.push_back({0.5, "threshold <0.5>"});
  const std::string svg = RenderXYPlot(plot);
  EXPECT_THAT(svg, HasSubstr("data-series=\"1\""));
  EXPECT_EQ(Count(svg, "class=\"lrb-series\""), 1);
  // y = 0.5 at 30 + 0.5 * 224 = 142, across the box from 64 to 500.
  EXPECT_THAT(svg, HasSubstr("<g class=\"lrb-reference\"><line x1=\"64.00\" x2=\"500.00\" "
                             "y1=\"142.00\" y2=\"142.00\""));
  EXPECT_THAT(svg, HasSubstr("threshold &lt;0.5&gt;</text>"));
  // An unfixed y domain widens to include the line.
  XYPlot free;
  free.series.push_back({"a", {{0.1, 0.1, ""}, {0.2, 0.2, ""}}, Series::Style::kPoints});
  free.references.push_back({0.9, "line"});
  EXPECT_GE(ComputeXYGeometry(free).y.domain_hi, 0.9);
}

TEST(RenderXYPlot, DotsAreSmallCirclesWithOneTitleForTheSeries) {
  XYPlot plot = UnitPlot();
  plot.series.push_back(
      {"many", {{0.5, 0.25, "not shown"}, {0.25, 0.5, "not shown"}}, Series::Style::kDots});
  const std::string svg = RenderXYPlot(plot);
  EXPECT_THAT(svg, HasSubstr("<g class=\"lrb-series\" data-label=\"many\"><title>many</title>"
                             "<circle cx=\"282.00\" cy=\"198.00\" r=\"2\""));
  EXPECT_EQ(Count(svg, "r=\"2\""), 2);
  EXPECT_THAT(svg, Not(HasSubstr("not shown")));
  EXPECT_THAT(svg, Not(HasSubstr("<polyline")));
}

TEST(RenderXYPlot, DrawsTicksAtNiceValuesWithTheirLabels) {
  XYPlot plot = UnitPlot();
  plot.series.push_back({"a", {{0.5, 0.25, ""}}, Series::Style::kPoints});
  const XYGeometry geometry = ComputeXYGeometry(plot);
  ASSERT_EQ(geometry.y_ticks.size(), 6u);
  const std::string svg = RenderXYPlot(plot);
  // y tick 0.4 (40%) at 30 + 0.6 * 224 = 164.4, labelled left of the box.
  EXPECT_THAT(svg, HasSubstr("y=\"164.40\" dy=\"0.32em\">40%</text>"));
  // x tick 0.6 at 64 + 0.6 * 436 = 325.6, labelled below the box (254 + 16).
  EXPECT_THAT(svg, HasSubstr("x=\"325.60\" y=\"270.00\">0.6</text>"));
}

TEST(ComputeXYGeometry, WidensUnfixedEndsToTicksAroundTheData) {
  XYPlot plot;
  plot.series.push_back({"a", {{0.13, 96.2, ""}, {0.87, 98.9, ""}}});
  const XYGeometry geometry = ComputeXYGeometry(plot);
  EXPECT_LE(geometry.x.domain_lo, 0.13);
  EXPECT_GE(geometry.x.domain_hi, 0.87);
  EXPECT_LE(geometry.y.domain_lo, 96.2);
  EXPECT_GE(geometry.y.domain_hi, 98.9);
  // Not wider than one step beyond the data on either side.
  EXPECT_GT(geometry.x.domain_lo, 0.13 - geometry.x_step - 1e-12);
  EXPECT_LT(geometry.y.domain_hi, 98.9 + 1.0 + 1e-12);
}

TEST(ComputeXYGeometry, OpensUpADegenerateRange) {
  XYPlot plot;
  plot.series.push_back({"a", {{6, 0.5, ""}, {6, 0.5, ""}}});
  const XYGeometry geometry = ComputeXYGeometry(plot);
  EXPECT_LT(geometry.x.domain_lo, 6);
  EXPECT_GT(geometry.x.domain_hi, 6);
  EXPECT_TRUE(std::isfinite(geometry.x(6)));
  EXPECT_DOUBLE_EQ(geometry.x(6), 64 + 436 / 2.0);
}

TEST(RenderXYPlot, CountsAndLabelsEverySeriesButNotTheLegend) {
  XYPlot plot = UnitPlot();
  plot.series.push_back({"a", {{0.1, 0.1, ""}, {0.2, 0.3, ""}}, Series::Style::kLine});
  plot.series.push_back({"b", {{0.3, 0.4, ""}}, Series::Style::kPoints});
  plot.series.push_back({"front", {{0.2, 0.5, ""}}, Series::Style::kLineAndPoints, true});
  const std::string svg = RenderXYPlot(plot);
  EXPECT_THAT(svg, HasSubstr("<svg class=\"lrb-plot\" data-plot=\"unit\" data-series=\"3\""));
  EXPECT_EQ(Count(svg, "class=\"lrb-series\""), 3);
  EXPECT_EQ(Count(svg, "class=\"lrb-legend\""), 1);
  EXPECT_THAT(svg, HasSubstr("<title>Unit square</title>"));
  for (const char* label : {"a", "b", "front"}) {
    EXPECT_THAT(svg, HasSubstr(absl::StrCat("data-label=\"", label, "\""))) << label;
  }
  // A line-only series has no points; a points-only series no polyline.
  EXPECT_EQ(Count(svg, "<polyline"), 2);
  EXPECT_EQ(DataPoints(svg), 2);
  // No namespace URL: the page must not name any network address.
  EXPECT_THAT(svg, Not(HasSubstr("http")));
}

TEST(RenderXYPlot, SkipsNonFinitePoints) {
  XYPlot plot = UnitPlot();
  plot.series.push_back({"a",
                         {{0.1, 0.1, ""}, {std::nan(""), 0.2, ""}, {0.3, INFINITY, ""}},
                         Series::Style::kPoints});
  const std::string svg = RenderXYPlot(plot);
  EXPECT_EQ(DataPoints(svg), 1);
  EXPECT_THAT(svg, Not(HasSubstr("nan")));
  EXPECT_THAT(svg, Not(HasSubstr("inf")));
}

TEST(RenderXYPlot, ALineThroughOnePointDrawsThePoint) {
  XYPlot plot = UnitPlot();
  plot.series.push_back({"one", {{0.5, 0.5, ""}}, Series::Style::kLine});
  plot.series.push_back({"two", {{0.1, 0.1, ""}, {0.2, 0.2, ""}}, Series::Style::kLine});
  EXPECT_EQ(DataPoints(RenderXYPlot(plot)), 1);
}

TEST(RenderXYPlot, EscapesLabelsAndTitles) {
  XYPlot plot = UnitPlot();
  plot.title = "<script>alert('x')</script>";
  plot.series.push_back({"external:a<b & \"c\"", {{0.5, 0.5, "seed <1>"}}});
  const std::string svg = RenderXYPlot(plot);
  EXPECT_THAT(svg, HasSubstr("data-label=\"external:a&lt;b &amp; &quot;c&quot;\""));
  EXPECT_THAT(svg, HasSubstr("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
  EXPECT_THAT(svg, Not(HasSubstr("<script")));
  EXPECT_THAT(svg, Not(HasSubstr("a<b")));
  EXPECT_THAT(svg, Not(HasSubstr("<1>")));
}

TEST(RenderXYPlot, AnEmptyPlotHasNoSeries) {
  const std::string svg = RenderXYPlot(UnitPlot());
  EXPECT_THAT(svg, HasSubstr("data-series=\"0\""));
  EXPECT_EQ(Count(svg, "lrb-series"), 0);
}

TEST(RenderBarChart, PutsBarsAtTheirPixels) {
  BarChart chart;
  chart.id = "bars";
  chart.title = "Bars";
  chart.y = {"share", 0.0, 1.0, true};
  chart.categories = {"one", "two"};
  chart.series = {{"first", {0.25, 0.5}}, {"second", {1.0, std::nan("")}}};
  const std::string svg = RenderBarChart(chart);
  EXPECT_THAT(svg, HasSubstr("data-plot=\"bars\" data-series=\"2\""));
  EXPECT_EQ(Count(svg, "class=\"lrb-series\""), 2);
  // Groups are 436 / 2 = 218 wide with 10% padding each side; bars 218 * 0.8 / 2 = 87.2.
  // "first" in category "two": x = 64 + 218 + 21.8; 0.5 runs from y(0.5) = 142 down to 254.
  EXPECT_THAT(svg, HasSubstr("<rect x=\"303.80\" y=\"142.00\" width=\"87.20\" height=\"112.00\""));
  // "second" in category "one": x = 64 + 21.8 + 87.2; 1.0 fills the box.
  EXPECT_THAT(svg, HasSubstr("<rect x=\"173.00\" y=\"30.00\" width=\"87.20\" height=\"224.00\""));
  // The missing value draws nothing: three bars in all.
  EXPECT_EQ(Count(svg, "<rect x=") - Count(svg, "<rect x=\"64.00\""), 3);
  EXPECT_THAT(svg, HasSubstr(">50.0%</text>"));  // a value label over the bar
}

TEST(RenderBarChart, TheValueAxisStartsAtZero) {
  BarChart chart;
  chart.categories = {"a"};
  chart.series = {{"s", {200000}}};
  const std::string svg = RenderBarChart(chart);
  // The bar reaches from the box's bottom (y = 0) upwards.
  EXPECT_THAT(svg, HasSubstr("height=\"224.00\""));
  EXPECT_THAT(svg, HasSubstr(">0k</text>"));
  EXPECT_THAT(svg, HasSubstr(">200k</text>"));
  EXPECT_THAT(svg, HasSubstr("class=\"value\""));
  EXPECT_THAT(svg, HasSubstr(">200k</text></g>"));  // the bar's value label, compact
}

}  // namespace
}  // namespace lrb::report
