#include "tools/browser_check/plot_checks.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/testing/status_matchers.h"

namespace lrb::browser_check {
namespace {

using ::lrb::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

SeriesProbe DrawnSeries(const std::string& label) { return {label, 1, 500, 200}; }

PlotProbe Plot(const std::string& id, std::vector<std::string> labels) {
  PlotProbe plot;
  plot.id = id;
  plot.declared_series = std::to_string(labels.size());
  plot.element_children = static_cast<int>(labels.size()) + 3;  // series + frame and axes
  plot.width = 640;
  plot.height = 360;
  for (const std::string& label : labels) plot.series.push_back(DrawnSeries(label));
  return plot;
}

PageProbe GoodPage() {
  PageProbe page;
  page.plots = {Plot("recovery", {"a", "b", "c"}), Plot("loss", {"train", "eval"})};
  return page;
}

TEST(ParsePlotExpectationTest, ReadsIdAndSeriesCount) {
  LRB_ASSERT_OK_AND_ASSIGN(const PlotExpectation e, ParsePlotExpectation("m_gt_tau:4"));
  EXPECT_EQ(e.id, "m_gt_tau");
  EXPECT_EQ(e.series, 4);
  LRB_ASSERT_OK_AND_ASSIGN(const PlotExpectation colon, ParsePlotExpectation("score@2:x:0"));
  EXPECT_EQ(colon.id, "score@2:x");  // the last ':' separates
  EXPECT_EQ(colon.series, 0);
}

TEST(ParsePlotExpectationTest, RefusesMalformedTextNamingIt) {
  for (const std::string bad :
       {"", "m_gt_tau", ":4", "m_gt_tau:", "m_gt_tau:-1", "m_gt_tau:1.5", "m_gt_tau:four",
        "m_gt_tau:+4", "m_gt_tau: 4", "m_gt_tau:99999999999"}) {
    EXPECT_THAT(ParsePlotExpectation(bad),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("'" + bad + "'"), HasSubstr("PLOT_ID:SERIES_COUNT"))))
        << bad;
  }
}

TEST(ParsePlotProbeTest, ReadsWhatTheProbeScriptReturns) {
  LRB_ASSERT_OK_AND_ASSIGN(const PageProbe page, ParsePlotProbe(R"({
      "plots": [{"id": "loss", "declared_series": "2", "element_children": 4,
                 "width": 640, "height": 360.5,
                 "series": [{"label": "train", "element_children": 1, "width": 10, "height": 0},
                            {"label": null, "element_children": 0, "width": 0, "height": 0}]},
                {"id": null, "declared_series": null, "element_children": 0,
                 "width": 0, "height": 0, "series": []}],
      "stray_series": [{"label": "lost", "parent_tag": "g"}]})"));
  ASSERT_EQ(page.plots.size(), 2u);
  const PlotProbe& loss = page.plots[0];
  EXPECT_EQ(loss.id, "loss");
  EXPECT_EQ(loss.declared_series, "2");
  EXPECT_EQ(loss.element_children, 4);
  EXPECT_EQ(loss.height, 360.5);
  ASSERT_EQ(loss.series.size(), 2u);
  EXPECT_EQ(loss.series[0].label, "train");
  EXPECT_EQ(loss.series[0].width, 10);
  EXPECT_FALSE(loss.series[1].label.has_value());
  EXPECT_FALSE(page.plots[1].id.has_value());
  EXPECT_FALSE(page.plots[1].declared_series.has_value());
  ASSERT_EQ(page.stray_series.size(), 1u);
  EXPECT_EQ(page.stray_series[0].label, "lost");
  EXPECT_EQ(page.stray_series[0].parent_tag, "g");
}

TEST(ParsePlotProbeTest, RefusesOtherJson) {
  for (const std::string bad : {"", "[]", "{}", R"({"plots": 3})", R"({"plots": [{}]})",
                                R"({"plots": [{"series": [1]}]})", "{\"plots\": ["}) {
    EXPECT_THAT(ParsePlotProbe(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("not what kPlotProbeScript returns")))
        << bad;
  }
}

TEST(PlotProblemsTest, AGoodPageMeetingItsExpectationsHasNone) {
  EXPECT_THAT(PlotProblems(GoodPage(), {{"recovery", 3}, {"loss", 2}}), IsEmpty());
  EXPECT_THAT(PlotProblems(GoodPage(), {}), IsEmpty());
}

TEST(PlotProblemsTest, APageWithoutPlotsIsAProblem) {
  EXPECT_THAT(PlotProblems(PageProbe{}, {}), ElementsAre(HasSubstr("the page has no plot")));
}

TEST(PlotProblemsTest, DeclaredSeriesMustMatchTheChildren) {
  PageProbe page = GoodPage();
  page.plots[0].declared_series = "3";
  page.plots[0].series.pop_back();
  EXPECT_THAT(
      PlotProblems(page, {}),
      ElementsAre(AllOf(HasSubstr("plot 'recovery' declares data-series=3"),
                        HasSubstr("has 2 g.lrb-series children"), HasSubstr("labels: 'a', 'b'"))));
}

TEST(PlotProblemsTest, AnEmptySvgIsAProblem) {
  PageProbe page = GoodPage();
  page.plots[1] = PlotProbe{"loss", "0", 0, 640, 360, {}};
  EXPECT_THAT(PlotProblems(page, {}),
              ElementsAre(HasSubstr("plot 'loss' is empty: the svg has no child elements")));
}

TEST(PlotProblemsTest, APlotThatTakesNoSpaceIsAProblem) {
  PageProbe page = GoodPage();
  page.plots[1].height = 0;  // e.g. display: none, or a zero height attribute
  EXPECT_THAT(PlotProblems(page, {}),
              ElementsAre(HasSubstr("plot 'loss' takes no space on the page (640 x 0")));
}

TEST(PlotProblemsTest, TheDataSeriesAttributeMustBeACount) {
  PageProbe page = GoodPage();
  page.plots[0].declared_series.reset();
  page.plots[1].declared_series = "two";
  page.plots.push_back(Plot("x", {"s"}));
  page.plots.back().declared_series = " 1";
  EXPECT_THAT(PlotProblems(page, {}),
              ElementsAre(HasSubstr("plot 'recovery' has no data-series attribute"),
                          HasSubstr("plot 'loss' has data-series='two'; expected a non-negative "
                                    "integer"),
                          HasSubstr("plot 'x' has data-series=' 1'")));
}

TEST(PlotProblemsTest, PlotIdsMustBePresentAndUnique) {
  PageProbe page = GoodPage();
  page.plots[1].id = "recovery";
  page.plots.push_back(Plot("x", {"s"}));
  page.plots.back().id.reset();
  EXPECT_THAT(PlotProblems(page, {}),
              ElementsAre(HasSubstr("plot 'recovery' appears more than once"),
                          HasSubstr("plot #3 (no data-plot) has no data-plot id")));
}

TEST(PlotProblemsTest, EverySeriesHasALabelAndDrawsSomething) {
  PageProbe page = GoodPage();
  page.plots[0].series[0].label.reset();
  page.plots[0].series[1].element_children = 0;
  page.plots[0].series[2].width = 0;
  page.plots[0].series[2].height = 0;
  page.plots[1].series[0].height = 0;  // a horizontal line is still drawn
  EXPECT_THAT(PlotProblems(page, {}),
              ElementsAre(HasSubstr("plot 'recovery' has a series without a data-label"),
                          HasSubstr("series 'b' of plot 'recovery' draws nothing (0 child"),
                          HasSubstr("series 'c' of plot 'recovery' draws nothing (1 child "
                                    "elements, 0 x 0 CSS px)")));
}

TEST(PlotProblemsTest, ASeriesOutsideAPlotIsAProblem) {
  PageProbe page = GoodPage();
  page.stray_series.push_back({"orphan", "G"});
  EXPECT_THAT(PlotProblems(page, {}),
              ElementsAre(HasSubstr("series 'orphan' is not a direct child of an svg.lrb-plot "
                                    "(its parent is <G>)")));
}

TEST(PlotProblemsTest, AMissingExpectedPlotNamesThePlotsPresent) {
  EXPECT_THAT(PlotProblems(GoodPage(), {{"m_gt_tau", 4}}),
              ElementsAre(HasSubstr("expected plot 'm_gt_tau' (4 series) is not on the page; "
                                    "plots present: loss, recovery")));
}

TEST(PlotProblemsTest, AnExpectedSeriesCountIsCheckedAgainstTheSeriesDrawn) {
  EXPECT_THAT(PlotProblems(GoodPage(), {{"recovery", 4}}),
              ElementsAre(HasSubstr("plot 'recovery' has 3 series (labels: 'a', 'b', 'c'); "
                                    "expected 4")));
}

}  // namespace
}  // namespace lrb::browser_check
