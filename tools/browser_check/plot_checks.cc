#include "tools/browser_check/plot_checks.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace lrb::browser_check {

const char kPlotProbeScript[] = R"js((() => {
  const size = (el) => { const r = el.getBoundingClientRect(); return [r.width, r.height]; };
  const plots = [...document.querySelectorAll('svg.lrb-plot')].map((svg) => {
    const [width, height] = size(svg);
    const series = [...svg.querySelectorAll(':scope > g.lrb-series')].map((g) => {
      const [w, h] = size(g);
      return {label: g.getAttribute('data-label'), element_children: g.children.length,
              width: w, height: h};
    });
    return {id: svg.getAttribute('data-plot'), declared_series: svg.getAttribute('data-series'),
            element_children: svg.children.length, width, height, series};
  });
  const stray_series = [...document.querySelectorAll('g.lrb-series')]
      .filter((g) => !(g.parentElement && g.parentElement.matches('svg.lrb-plot')))
      .map((g) => ({label: g.getAttribute('data-label'),
                    parent_tag: g.parentElement ? g.parentElement.tagName : ''}));
  return JSON.stringify({plots, stray_series});
})())js";

namespace {

// A count written as plain decimal digits: "3", not "+3", " 3" or "3.0" (SimpleAtoi alone
// accepts the first two). nullopt otherwise, or when it does not fit an int.
std::optional<int> ParseCount(const std::string& text) {
  int value = 0;
  if (text.empty() ||
      !std::all_of(text.begin(), text.end(),
                   [](unsigned char c) { return std::isdigit(c) != 0; }) ||
      !absl::SimpleAtoi(text, &value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> OptionalString(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::string Quoted(const std::optional<std::string>& s) {
  return s.has_value() ? absl::StrCat("'", *s, "'") : "(no data-label)";
}

// How a plot is named in messages: by its data-plot, else by its position.
std::string PlotName(const PlotProbe& plot, size_t index) {
  if (plot.id.has_value()) return absl::StrCat("plot '", *plot.id, "'");
  return absl::StrCat("plot #", index + 1, " (no data-plot)");
}

std::string Labels(const PlotProbe& plot) {
  std::vector<std::string> labels;
  for (const SeriesProbe& s : plot.series) labels.push_back(Quoted(s.label));
  return labels.empty() ? "none" : absl::StrJoin(labels, ", ");
}

}  // namespace

absl::StatusOr<PageProbe> ParsePlotProbe(const std::string& json_text) {
  const nlohmann::json root =
      nlohmann::json::parse(json_text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  const auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(
        absl::StrCat("the page probe's output is not what kPlotProbeScript returns (", why,
                     "): ", json_text.substr(0, 200)));
  };
  if (root.is_discarded() || !root.is_object()) return bad("not a JSON object");
  if (!root.contains("plots") || !root["plots"].is_array()) return bad("no array 'plots'");
  PageProbe page;
  for (const nlohmann::json& p : root["plots"]) {
    if (!p.is_object() || !p.contains("series") || !p["series"].is_array()) {
      return bad("a plot without an array 'series'");
    }
    PlotProbe plot;
    plot.id = OptionalString(p, "id");
    plot.declared_series = OptionalString(p, "declared_series");
    plot.element_children = p.value("element_children", 0);
    plot.width = p.value("width", 0.0);
    plot.height = p.value("height", 0.0);
    for (const nlohmann::json& s : p["series"]) {
      if (!s.is_object()) return bad("a series that is not an object");
      plot.series.push_back({OptionalString(s, "label"), s.value("element_children", 0),
                             s.value("width", 0.0), s.value("height", 0.0)});
    }
    page.plots.push_back(std::move(plot));
  }
  if (root.contains("stray_series") && root["stray_series"].is_array()) {
    for (const nlohmann::json& s : root["stray_series"]) {
      if (!s.is_object()) return bad("a stray series that is not an object");
      page.stray_series.push_back({OptionalString(s, "label"), s.value("parent_tag", "")});
    }
  }
  return page;
}

absl::StatusOr<PlotExpectation> ParsePlotExpectation(const std::string& text) {
  const size_t colon = text.rfind(':');
  PlotExpectation expectation;
  const std::optional<int> series =
      colon == std::string::npos ? std::nullopt : ParseCount(text.substr(colon + 1));
  if (colon == 0 || !series.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad plot expectation '", text,
        "': expected PLOT_ID:SERIES_COUNT, e.g. m_gt_tau:4 (a non-empty id and an integer >= 0)"));
  }
  expectation.id = text.substr(0, colon);
  expectation.series = *series;
  return expectation;
}

std::vector<std::string> PlotProblems(const PageProbe& page,
                                      const std::vector<PlotExpectation>& expectations) {
  std::vector<std::string> problems;
  if (page.plots.empty()) {
    problems.push_back("the page has no plot: no <svg class=\"lrb-plot\"> element");
  }
  std::map<std::string, const PlotProbe*> by_id;
  for (size_t i = 0; i < page.plots.size(); ++i) {
    const PlotProbe& plot = page.plots[i];
    const std::string name = PlotName(plot, i);
    if (!plot.id.has_value() || plot.id->empty()) {
      problems.push_back(absl::StrCat(name, " has no data-plot id"));
    } else if (!by_id.emplace(*plot.id, &plot).second) {
      problems.push_back(absl::StrCat(name, " appears more than once; plot ids must be unique"));
    }
    if (plot.element_children == 0) {
      problems.push_back(absl::StrCat(name, " is empty: the svg has no child elements"));
    } else if (plot.width <= 0 || plot.height <= 0) {
      problems.push_back(absl::StrCat(name, " takes no space on the page (", plot.width, " x ",
                                      plot.height, " CSS px)"));
    }
    std::optional<int> declared;
    if (!plot.declared_series.has_value()) {
      problems.push_back(absl::StrCat(name,
                                      " has no data-series attribute; expected the "
                                      "number of its g.lrb-series children"));
    } else if (declared = ParseCount(*plot.declared_series); !declared.has_value()) {
      problems.push_back(absl::StrCat(name, " has data-series='", *plot.declared_series,
                                      "'; expected a non-negative integer"));
    }
    if (declared.has_value() && static_cast<size_t>(*declared) != plot.series.size()) {
      problems.push_back(absl::StrCat(name, " declares data-series=", *declared, " but has ",
                                      plot.series.size(),
                                      " g.lrb-series children (labels: ", Labels(plot), ")"));
    }
    for (const SeriesProbe& series : plot.series) {
      if (!series.label.has_value() || series.label->empty()) {
        problems.push_back(absl::StrCat(name, " has a series without a data-label"));
      }
      if (series.element_children == 0 || (series.width <= 0 && series.height <= 0)) {
        problems.push_back(absl::StrCat("series ", Quoted(series.label), " of ", name,
                                        " draws nothing (", series.element_children,
                                        " child elements, ", series.width, " x ", series.height,
                                        " CSS px)"));
      }
    }
  }
  for (const StraySeries& stray : page.stray_series) {
    problems.push_back(absl::StrCat("series ", Quoted(stray.label),
                                    " is not a direct child of an svg.lrb-plot (its parent is <",
                                    stray.parent_tag, ">)"));
  }
  std::vector<std::string> present;
  for (const auto& [id, plot] : by_id) present.push_back(id);
  for (const PlotExpectation& expected : expectations) {
    const auto it = by_id.find(expected.id);
    if (it == by_id.end()) {
      problems.push_back(absl::StrCat("expected plot '", expected.id, "' (", expected.series,
                                      " series) is not on the page; plots present: ",
                                      present.empty() ? "none" : absl::StrJoin(present, ", ")));
      continue;
    }
    const PlotProbe& plot = *it->second;
    if (plot.series.size() != static_cast<size_t>(expected.series)) {
      problems.push_back(absl::StrCat("plot '", expected.id, "' has ", plot.series.size(),
                                      " series (labels: ", Labels(plot), "); expected ",
                                      expected.series));
    }
  }
  return problems;
}

}  // namespace lrb::browser_check
