#include "leaderboard/report/svg_plot.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "leaderboard/report/html_text.h"

namespace lrb::report {
namespace {

constexpr std::array<const char*, 8> kPalette = {
    "#0072B2",  // blue
    "#D55E00",  // vermillion
    "#009E73",  // bluish green
    "#CC79A7",  // reddish purple
    "#E69F00",  // orange
    "#56B4E9",  // sky blue
    "#000000",  // black
    "#F0E442",  // yellow
};
constexpr const char* kEmphasisColour = "#222222";
constexpr std::array<const char*, 3> kDashes = {"", "6 3", "2 2"};

// Pixel coordinates with two decimals: exact enough for any screen, stable for golden tests.
std::string Px(double value) { return absl::StrFormat("%.2f", value); }

std::string DashAttribute(int index, bool emphasised) {
  const std::string dash = emphasised ? "5 3" : kDashes[(index / 8) % kDashes.size()];
  return dash.empty() ? "" : absl::StrCat(" stroke-dasharray=\"", dash, "\"");
}

const char* ColourOf(int index, bool emphasised) {
  return emphasised ? kEmphasisColour : SeriesColour(index);
}

// A data value for hover text: four significant digits.
std::string DataValue(double value) { return absl::StrFormat("%.4g", value); }

// A bar's value in at most three significant digits, thousands and millions as k and M:
// "212k", "69.3k", "1.5M", "0.25".
std::string CompactValue(double value) {
  if (std::abs(value) >= 1e6) return absl::StrFormat("%.3gM", value / 1e6);
  if (std::abs(value) >= 1e3) return absl::StrFormat("%.3gk", value / 1e3);
  return absl::StrFormat("%.3g", value);
}

struct Domain {
  double lo = 0, hi = 1;
  double step = 0.2;
  std::vector<double> ticks;
};

// The domain of an axis: the data's range, the axis' fixed ends replacing the data's, a
// degenerate range opened up, and unfixed ends widened to the nearest tick.
Domain ResolveDomain(const std::vector<double>& values, const Axis& axis) {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  for (const double value : values) {
    if (!std::isfinite(value)) continue;
    lo = std::min(lo, value);
    hi = std::max(hi, value);
  }
  if (lo > hi) {  // no finite data
    lo = 0;
    hi = 1;
  }
  if (axis.min) lo = *axis.min;
  if (axis.max) hi = *axis.max;
  if (lo >= hi) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    if (!axis.min) lo -= pad;
    if (!axis.max || lo >= hi) hi = std::max(hi, lo) + pad;
  }
  const double step = NiceStep(lo, hi);
  if (!axis.min) lo = std::floor(lo / step + 1e-9) * step;
  if (!axis.max) hi = std::ceil(hi / step - 1e-9) * step;
  Domain domain{lo, hi, NiceStep(lo, hi), NiceTicks(lo, hi)};
  return domain;
}

// Title, frame, grid lines, tick labels and axis labels of a plot whose data area is `box`.
std::string Frame(const std::string& title, const PlotBox& box, const LinearScale& y,
                  const std::vector<double>& y_ticks, double y_step, bool y_percent,
                  const std::string& x_label, const std::string& y_label) {
  const double bottom = box.top + box.height;
  std::string svg = absl::StrCat("<title>", HtmlEscape(title), "</title>",
                                 "<text class=\"lrb-title\" x=\"", Px(box.left), "\" y=\"18\">",
                                 HtmlEscape(title), "</text><g class=\"lrb-axes\">");
  for (const double tick : y_ticks) {
    const std::string py = Px(y(tick));
    absl::StrAppend(&svg, "<line class=\"grid\" x1=\"", Px(box.left), "\" x2=\"",
                    Px(box.left + box.width), "\" y1=\"", py, "\" y2=\"", py,
                    "\"/><text class=\"tick\" text-anchor=\"end\" x=\"", Px(box.left - 6),
                    "\" y=\"", py, "\" dy=\"0.32em\">", FormatTick(tick, y_step, y_percent),
                    "</text>");
  }
  absl::StrAppend(
      &svg, "<rect class=\"frame\" x=\"", Px(box.left), "\" y=\"", Px(box.top), "\" width=\"",
      Px(box.width), "\" height=\"", Px(box.height), "\"/>",
      "<text class=\"axis-label\" text-anchor=\"middle\" x=\"", Px(box.left + box.width / 2),
      "\" y=\"", Px(bottom + 36), "\">", HtmlEscape(x_label), "</text>",
      "<text class=\"axis-label\" text-anchor=\"middle\" transform=\"translate(14,",
      Px(box.top + box.height / 2), ") rotate(-90)\">", HtmlEscape(y_label), "</text></g>");
  return svg;
}

std::string SvgOpen(std::string_view id, size_t series, double width, double height,
                    const std::string& title) {
  return absl::StrCat("<svg class=\"lrb-plot\" data-plot=\"", HtmlEscape(id), "\" data-series=\"",
                      series, "\" role=\"img\" aria-label=\"", HtmlEscape(title), "\" width=\"",
                      Px(width), "\" height=\"", Px(height), "\" viewBox=\"0 0 ", Px(width), " ",
                      Px(height), "\">");
}

// One legend row per series below the plot: a swatch in the series' colour and its label.
std::string Legend(const std::vector<std::string>& labels, const std::vector<bool>& emphasised,
                   bool bars, const PlotLayout& layout) {
  std::string svg = "<g class=\"lrb-legend\">";
  const double x = layout.margin_left;
  const size_t max_chars = static_cast<size_t>(std::max(8.0, (layout.width - x - 30) / 6.6));
  for (size_t i = 0; i < labels.size(); ++i) {
    const int index = static_cast<int>(i);
    const double y = layout.height + layout.legend_row * static_cast<double>(i) + 4;
    const char* const colour = ColourOf(index, emphasised[i]);
    if (bars) {
      absl::StrAppend(&svg, "<rect x=\"", Px(x), "\" y=\"", Px(y - 5),
                      "\" width=\"18\" "
                      "height=\"10\" fill=\"",
                      colour, "\"/>");
    } else {
      absl::StrAppend(&svg, "<line x1=\"", Px(x), "\" x2=\"", Px(x + 18), "\" y1=\"", Px(y),
                      "\" y2=\"", Px(y), "\" stroke=\"", colour, "\" stroke-width=\"2\"",
                      DashAttribute(index, emphasised[i]), "/><circle cx=\"", Px(x + 9), "\" cy=\"",
                      Px(y), "\" r=\"3\" fill=\"", colour, "\"/>");
    }
    absl::StrAppend(&svg, "<text class=\"legend\" x=\"", Px(x + 24), "\" y=\"", Px(y),
                    "\" dy=\"0.32em\"><title>", HtmlEscape(labels[i]), "</title>",
                    HtmlEscape(Truncate(labels[i], max_chars)), "</text>");
  }
  return svg + "</g>";
}

}  // namespace

const char* SeriesColour(int index) {
  return kPalette[static_cast<size_t>(index >= 0 ? index : -index) % kPalette.size()];
}

double NiceStep(double lo, double hi, int target_count) {
  const double raw = (hi - lo) / std::max(1, target_count);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double normalised = raw / magnitude;
  const double multiple = normalised < 1.5 ? 1 : normalised < 3 ? 2 : normalised < 7 ? 5 : 10;
  return multiple * magnitude;
}

std::vector<double> NiceTicks(double lo, double hi, int target_count) {
  if (!(lo < hi)) return {lo};
  const double step = NiceStep(lo, hi, target_count);
  // Multiples of the step: k * step rather than a running sum, so errors do not accumulate.
  const int64_t first = static_cast<int64_t>(std::ceil(lo / step - 1e-9));
  const int64_t last = static_cast<int64_t>(std::floor(hi / step + 1e-9));
  std::vector<double> ticks;
  for (int64_t k = first; k <= last; ++k) ticks.push_back(static_cast<double>(k) * step);
  return ticks;
}

std::string FormatTick(double value, double step, bool percent) {
  if (percent) {
    value *= 100;
    step *= 100;
  }
  // Thousands and millions as "250k", "1.5M": short labels that fit the margin.
  for (const auto& [scale, suffix] : {std::pair<double, const char*>{1e6, "M"}, {1e3, "k"}}) {
    if (!percent && step >= scale) {
      return absl::StrCat(FormatTick(value / scale, step / scale, false), suffix);
    }
  }
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  if (std::abs(value) < step * 1e-6) value = 0;  // no "-0"
  return absl::StrCat(absl::StrFormat("%.*f", decimals, value), percent ? "%" : "");
}

XYGeometry ComputeXYGeometry(const XYPlot& plot, const PlotLayout& layout) {
  std::vector<double> xs, ys;
  for (const Series& series : plot.series) {
    for (const Point& point : series.points) {
      if (!std::isfinite(point.x) || !std::isfinite(point.y)) continue;
      xs.push_back(point.x);
      ys.push_back(point.y);
    }
  }
  for (const ReferenceLine& line : plot.references) {
    if (std::isfinite(line.y)) ys.push_back(line.y);
  }
  const Domain x = ResolveDomain(xs, plot.x);
  const Domain y = ResolveDomain(ys, plot.y);
  XYGeometry geometry;
  geometry.box = layout.Box();
  const PlotBox& box = geometry.box;
  geometry.x = {x.lo, x.hi, box.left, box.left + box.width};
  geometry.y = {y.lo, y.hi, box.top + box.height, box.top};
  geometry.x_ticks = x.ticks;
  geometry.y_ticks = y.ticks;
  geometry.x_step = x.step;
  geometry.y_step = y.step;
  return geometry;
}

std::string RenderXYPlot(const XYPlot& plot, const PlotLayout& layout) {
  const XYGeometry geometry = ComputeXYGeometry(plot, layout);
  const PlotBox& box = geometry.box;
  const double total_height =
      layout.height + layout.legend_row * static_cast<double>(plot.series.size()) + 4;
  std::string svg = SvgOpen(plot.id, plot.series.size(), layout.width, total_height, plot.title);
  absl::StrAppend(&svg, Frame(plot.title, box, geometry.y, geometry.y_ticks, geometry.y_step,
                              plot.y.percent, plot.x.label, plot.y.label));
  const double bottom = box.top + box.height;
  absl::StrAppend(&svg, "<g class=\"lrb-axes\">");
  for (const double tick : geometry.x_ticks) {
    const std::string px = Px(geometry.x(tick));
    absl::StrAppend(&svg, "<line class=\"grid\" x1=\"", px, "\" x2=\"", px, "\" y1=\"", Px(box.top),
                    "\" y2=\"", Px(bottom), "\"/><text class=\"tick\" text-anchor=\"middle\" x=\"",
                    px, "\" y=\"", Px(bottom + 16), "\">",
                    FormatTick(tick, geometry.x_step, plot.x.percent), "</text>");
  }
  absl::StrAppend(&svg, "</g>");
  if (!plot.references.empty()) {
    absl::StrAppend(&svg, "<g class=\"lrb-reference\">");
    for (const ReferenceLine& line : plot.references) {
      if (!std::isfinite(line.y)) continue;
      const std::string py = Px(geometry.y(line.y));
      absl::StrAppend(&svg, "<line x1=\"", Px(box.left), "\" x2=\"", Px(box.left + box.width),
                      "\" y1=\"", py, "\" y2=\"", py,
                      "\" stroke=\"#555\" stroke-width=\"1\" stroke-dasharray=\"6 3\"/>"
                      "<text class=\"tick\" text-anchor=\"end\" x=\"", Px(box.left + box.width - 4),
                      "\" y=\"", py, "\" dy=\"-0.4em\">", HtmlEscape(line.label), "</text>");
    }
    absl::StrAppend(&svg, "</g>");
  }
  // Emphasised series last, so they are drawn on top.
  std::vector<size_t> order;
  for (size_t i = 0; i < plot.series.size(); ++i) {
    if (!plot.series[i].emphasised) order.push_back(i);
  }
  for (size_t i = 0; i < plot.series.size(); ++i) {
    if (plot.series[i].emphasised) order.push_back(i);
  }
  std::vector<std::string> labels;
  std::vector<bool> emphasised;
  for (const Series& series : plot.series) {
    labels.push_back(series.label);
    emphasised.push_back(series.emphasised);
  }
  for (const size_t i : order) {
    const Series& series = plot.series[i];
    const int index = static_cast<int>(i);
    const char* const colour = ColourOf(index, series.emphasised);
    absl::StrAppend(&svg, "<g class=\"lrb-series\" data-label=\"", HtmlEscape(series.label), "\">");
    const bool dots = series.style == Series::Style::kDots;
    if (dots) absl::StrAppend(&svg, "<title>", HtmlEscape(series.label), "</title>");
    std::string polyline;
    std::string circles;
    for (const Point& point : series.points) {
      if (!std::isfinite(point.x) || !std::isfinite(point.y)) continue;
      const std::string px = Px(geometry.x(point.x));
      const std::string py = Px(geometry.y(point.y));
      absl::StrAppend(&polyline, polyline.empty() ? "" : " ", px, ",", py);
      if (dots) {
        absl::StrAppend(&circles, "<circle cx=\"", px, "\" cy=\"", py, "\" r=\"2\" fill=\"",
                        colour, "\" fill-opacity=\"0.7\"/>");
        continue;
      }
      absl::StrAppend(
          &circles, "<circle cx=\"", px, "\" cy=\"", py, "\" r=\"", series.emphasised ? "5" : "3.5",
          "\" fill=\"", series.emphasised ? "none" : colour, "\" stroke=\"", colour, "\"><title>",
          HtmlEscape(series.label), point.note.empty() ? "" : " — ", HtmlEscape(point.note), ": (",
          DataValue(point.x), ", ", DataValue(point.y), ")</title></circle>");
    }
    if (series.style != Series::Style::kPoints && !dots && !polyline.empty()) {
      absl::StrAppend(&svg, "<polyline fill=\"none\" stroke=\"", colour, "\" stroke-width=\"2\"",
                      DashAttribute(index, series.emphasised), " points=\"", polyline, "\"/>");
    }
    // A line through one point would draw nothing: that point is drawn instead.
    const bool lone_point = polyline.find(' ') == std::string::npos;
    if (series.style != Series::Style::kLine || lone_point) absl::StrAppend(&svg, circles);
    absl::StrAppend(&svg, "</g>");
  }
  absl::StrAppend(&svg, Legend(labels, emphasised, /*bars=*/false, layout), "</svg>");
  return svg;
}

std::string RenderBarChart(const BarChart& chart, const PlotLayout& layout) {
  std::vector<double> values = {0};
  for (const BarSeries& series : chart.series) {
    values.insert(values.end(), series.values.begin(), series.values.end());
  }
  const Domain y_domain = ResolveDomain(values, chart.y);
  const PlotBox box = layout.Box();
  const LinearScale y{y_domain.lo, y_domain.hi, box.top + box.height, box.top};
  const double total_height =
      layout.height + layout.legend_row * static_cast<double>(chart.series.size()) + 4;
  std::string svg = SvgOpen(chart.id, chart.series.size(), layout.width, total_height, chart.title);
  absl::StrAppend(&svg, Frame(chart.title, box, y, y_domain.ticks, y_domain.step, chart.y.percent,
                              chart.x_label, chart.y.label));
  const size_t categories = std::max<size_t>(1, chart.categories.size());
  const double group = box.width / static_cast<double>(categories);
  const double bar = group * 0.8 / static_cast<double>(std::max<size_t>(1, chart.series.size()));
  const size_t label_chars = static_cast<size_t>(std::max(4.0, group / 6.4));
  const int every = std::max(1, chart.label_every);
  absl::StrAppend(&svg, "<g class=\"lrb-axes\">");
  for (size_t c = 0; c < chart.categories.size(); ++c) {
    if (c % static_cast<size_t>(every) != 0) continue;
    absl::StrAppend(&svg, "<text class=\"tick\" text-anchor=\"middle\" x=\"",
                    Px(box.left + group * (static_cast<double>(c) + 0.5)), "\" y=\"",
                    Px(box.top + box.height + 16), "\"><title>", HtmlEscape(chart.categories[c]),
                    "</title>", HtmlEscape(Truncate(chart.categories[c], label_chars)), "</text>");
  }
  absl::StrAppend(&svg, "</g>");
  // Values written over the bars while there are few enough bars to read them.
  const bool value_labels = chart.categories.size() * chart.series.size() <= 16;
  std::vector<std::string> labels;
  for (size_t s = 0; s < chart.series.size(); ++s) {
    const BarSeries& series = chart.series[s];
    labels.push_back(series.label);
    absl::StrAppend(&svg, "<g class=\"lrb-series\" data-label=\"", HtmlEscape(series.label),
                    "\" fill=\"", SeriesColour(static_cast<int>(s)), "\">");
    for (size_t c = 0; c < series.values.size() && c < chart.categories.size(); ++c) {
      const double value = series.values[c];
      if (!std::isfinite(value)) continue;
      const double top = std::min(y(value), y(0));
      const double height = std::abs(y(value) - y(0));
      absl::StrAppend(&svg, "<rect x=\"",
                      Px(box.left + group * static_cast<double>(c) + group * 0.1 +
                         bar * static_cast<double>(s)),
                      "\" y=\"", Px(top), "\" width=\"", Px(bar), "\" height=\"", Px(height),
                      "\"><title>", HtmlEscape(series.label), " — ",
                      HtmlEscape(chart.categories[c]), ": ", DataValue(value), "</title></rect>");
      if (value_labels) {
        absl::StrAppend(
            &svg, "<text class=\"value\" text-anchor=\"middle\" x=\"",
            Px(box.left + group * static_cast<double>(c) + group * 0.1 +
               bar * (static_cast<double>(s) + 0.5)),
            "\" y=\"", Px(top - 3), "\">",
            chart.y.percent ? absl::StrFormat("%.1f%%", value * 100) : CompactValue(value),
            "</text>");
      }
    }
    absl::StrAppend(&svg, "</g>");
  }
  absl::StrAppend(&svg,
                  Legend(labels, std::vector<bool>(labels.size(), false), /*bars=*/true, layout),
                  "</svg>");
  return svg;
}

}  // namespace lrb::report
