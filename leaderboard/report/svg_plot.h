#ifndef LRB_LEADERBOARD_REPORT_SVG_PLOT_H_
#define LRB_LEADERBOARD_REPORT_SVG_PLOT_H_

// Plots as inline SVG, drawn without a plotting dependency: line/point plots and grouped bar
// charts with nice ticks, axis labels, a legend and a colour-blind-safe palette. Pure
// geometry and markup: nothing here knows about runs or the store.
//
// Every plot is one <svg class="lrb-plot" data-plot="ID" data-series="N"> whose N series are
// each one <g class="lrb-series" data-label="LABEL"> child; legend entries, axes and grid
// lines are never in such a group, so a checker can count what was drawn (docs/report.md).
// Text is HTML-escaped here; callers pass plain text.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lrb::report {

// The Okabe-Ito palette (distinguishable under the common colour-vision deficiencies),
// darkest first; yellow, hard to see on white, comes last. Series i gets colour i mod 8 and,
// from the ninth on, a dash pattern so that colours that repeat still differ.
const char* SeriesColour(int index);

// Tick positions for an axis over [lo, hi]: multiples of a step of 1, 2 or 5 times a power
// of ten chosen so that about `target_count` ticks fall in the range, every one of them
// inside [lo, hi] (within rounding). `lo` <= `hi`; equal ends give the one tick.
std::vector<double> NiceTicks(double lo, double hi, int target_count = 5);

// The step NiceTicks uses for [lo, hi] (lo < hi).
double NiceStep(double lo, double hi, int target_count = 5);

// A tick label: `value` with as many decimals as `step` needs ("0.25", "120"); steps of a
// thousand or a million and more in k or M ("250k", "1.5M"); `percent` prints value * 100
// with a "%" ("25%").
std::string FormatTick(double value, double step, bool percent);

// Maps the data interval [domain_lo, domain_hi] linearly onto pixels [pixel_lo, pixel_hi]
// (pixel_hi < pixel_lo for a y axis, whose pixels grow downwards).
struct LinearScale {
  double domain_lo = 0, domain_hi = 1;
  double pixel_lo = 0, pixel_hi = 1;
  double operator()(double value) const {
    return pixel_lo + (value - domain_lo) / (domain_hi - domain_lo) * (pixel_hi - pixel_lo);
  }
};

// The data area of a plot, in pixels from the svg's top-left corner.
struct PlotBox {
  double left = 0, top = 0, width = 0, height = 0;
};

// Sizes of a plot's parts, in pixels. The svg is `width` wide and `height` plus one legend
// row per series tall.
struct PlotLayout {
  double width = 520;   // two plots side by side on a 1100-pixel page
  double height = 300;  // title, data area, ticks and axis labels; not the legend
  double margin_left = 64;
  double margin_right = 20;
  double margin_top = 30;     // the title
  double margin_bottom = 46;  // tick labels and the x-axis label
  double legend_row = 16;

  PlotBox Box() const {
    return {margin_left, margin_top, width - margin_left - margin_right,
            height - margin_top - margin_bottom};
  }
};

struct Axis {
  std::string label;
  // Fixed ends of the domain; unset ends are taken from the data and widened to a tick.
  std::optional<double> min, max;
  bool percent = false;  // tick labels as percentages of 1
};

struct Point {
  double x = 0, y = 0;
  std::string note;  // hover text beside the label and coordinates, e.g. a run's seed
};

struct Series {
  // kDots: small points without per-point hover text (one <title> for the whole series), for
  // plots with so many points that per-point text would bloat the page.
  enum class Style { kLine, kPoints, kLineAndPoints, kDots };
  std::string label;
  // Drawn in this order; non-finite coordinates are skipped. A kLine series with a single
  // point draws that point, so that every series shows.
  std::vector<Point> points;
  Style style = Style::kLineAndPoints;
  // Emphasised series (e.g. a Pareto front): black, dashed, drawn over the others.
  bool emphasised = false;
};

// A horizontal line across the data area at `y`, e.g. a threshold, with its label at the
// right end. Not a series: it is drawn in a <g class="lrb-reference">, has no legend row and
// does not count in data-series; it widens the y domain to include `y`.
struct ReferenceLine {
  double y = 0;
  std::string label;
};

struct XYPlot {
  std::string id;  // data-plot; unique in a page
  std::string title;
  Axis x, y;
  std::vector<Series> series;
  std::vector<ReferenceLine> references;
};

// The scales an XYPlot is drawn with on `layout`: domains resolved from the data and the
// axes' fixed ends (widened to the nearest ticks), and the ticks themselves.
struct XYGeometry {
  PlotBox box;
  LinearScale x, y;
  std::vector<double> x_ticks, y_ticks;
  double x_step = 1, y_step = 1;
};
XYGeometry ComputeXYGeometry(const XYPlot& plot, const PlotLayout& layout = {});

std::string RenderXYPlot(const XYPlot& plot, const PlotLayout& layout = {});

// Grouped bars: one group per category, one bar per series in each group. While there are
// at most 16 bars, each carries its value as text.
struct BarSeries {
  std::string label;
  std::vector<double> values;  // one per category; NaN: no bar
};

struct BarChart {
  std::string id;
  std::string title;
  std::string x_label;
  Axis y;  // the domain includes 0, so bar lengths compare
  std::vector<std::string> categories;
  std::vector<BarSeries> series;
  int label_every = 1;  // label every n-th category (dense histograms)
};

std::string RenderBarChart(const BarChart& chart, const PlotLayout& layout = {});

}  // namespace lrb::report

#endif  // LRB_LEADERBOARD_REPORT_SVG_PLOT_H_
