#ifndef LRB_TOOLS_BROWSER_CHECK_PLOT_CHECKS_H_
#define LRB_TOOLS_BROWSER_CHECK_PLOT_CHECKS_H_

// The report's plot contract, checked on the DOM after scripts ran:
//
//   <svg class="lrb-plot" data-plot="ID" data-series="N" ...>
//     <g class="lrb-series" data-label="..."> ...marks... </g>   (N of them, direct children)
//   </svg>
//
// kPlotProbeScript runs in the page and describes every svg.lrb-plot (and every
// g.lrb-series that is not a direct child of one) as JSON; ParsePlotProbe reads that, and
// PlotProblems lists every way the page breaks the contract or the caller's expectations.
// The browser does the selector matching and layout; this file only judges the description,
// so it is tested without a browser.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace lrb::browser_check {

// A JavaScript expression whose value is the JSON text ParsePlotProbe reads. Sizes are CSS
// pixels from getBoundingClientRect, i.e. what is laid out on screen.
extern const char kPlotProbeScript[];

struct SeriesProbe {
  std::optional<std::string> label;  // data-label, absent when the attribute is missing
  int element_children = 0;
  double width = 0;
  double height = 0;
};

struct PlotProbe {
  std::optional<std::string> id;               // data-plot
  std::optional<std::string> declared_series;  // data-series, verbatim
  int element_children = 0;
  double width = 0;
  double height = 0;
  std::vector<SeriesProbe> series;  // direct g.lrb-series children, in document order
};

// A g.lrb-series that is not a direct child of an svg.lrb-plot.
struct StraySeries {
  std::optional<std::string> label;
  std::string parent_tag;
};

struct PageProbe {
  std::vector<PlotProbe> plots;
  std::vector<StraySeries> stray_series;
};

// What the caller requires: plot `id` is on the page with `series` series.
struct PlotExpectation {
  std::string id;
  int series = 0;
};

// InvalidArgument naming the text when `json_text` is not the probe's output.
absl::StatusOr<PageProbe> ParsePlotProbe(const std::string& json_text);

// "ID:N" (N a non-negative integer; ID non-empty, may itself contain ':', the last one
// separates). InvalidArgument naming the text and the expected form otherwise.
absl::StatusOr<PlotExpectation> ParsePlotExpectation(const std::string& text);

// Every contract violation and unmet expectation, one sentence each naming the plot, what
// was expected and what was found; empty when the page is fine. A page without any
// svg.lrb-plot is a problem: every report has plots.
std::vector<std::string> PlotProblems(const PageProbe& page,
                                      const std::vector<PlotExpectation>& expectations);

}  // namespace lrb::browser_check

#endif  // LRB_TOOLS_BROWSER_CHECK_PLOT_CHECKS_H_
