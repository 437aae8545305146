#include "leaderboard/report/report_html.h"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "leaderboard/report/html_text.h"
#include "leaderboard/report/report_plots.h"
#include "leaderboard/report/run_details.h"
#include "leaderboard/report/svg_plot.h"
#include "leaderboard/store/leaderboard_table.h"

namespace lrb::report {
namespace {

using leaderboard::RunRecord;

constexpr char kStyle[] = R"(
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;
color:#222}
h1{font-size:22px;overflow-wrap:anywhere}
h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}
h3{font-size:15px}h4{font-size:14px;margin:14px 0 4px}
table{border-collapse:collapse;font-size:12px;margin:6px 0}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
table.sortable th{cursor:pointer;background:#f4f4f4}
code,.spec{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
.note{color:#555}.plots{display:flex;flex-wrap:wrap;gap:12px}
svg.lrb-plot{background:#fff;border:1px solid #eee}
svg .grid{stroke:#e6e6e6}svg .frame{fill:none;stroke:#888}
svg text{font:11px system-ui,sans-serif;fill:#333}svg .lrb-title{font-size:13px;font-weight:600}
svg .axis-label{font-size:12px}svg .value{font-size:10px}
details{border:1px solid #ddd;margin:6px 0;padding:4px 8px}summary{cursor:pointer}
)";

// Sorts a table.sortable by the clicked column: numbers by data-v, the rest as text; a
// second click reverses. Without JavaScript the tables keep the order they were written in.
constexpr char kSortScript[] = R"(
document.querySelectorAll('table.sortable th').forEach(function (th) {
  th.addEventListener('click', function () {
    var i = th.cellIndex, body = th.closest('table').tBodies[0];
    var d = th.dataset.dir === 'desc' ? 1 : -1;
    th.dataset.dir = d < 0 ? 'desc' : 'asc';
    Array.from(body.rows).sort(function (r, s) {
      var x = r.cells[i].dataset.v, y = s.cells[i].dataset.v;
      var p = parseFloat(x), q = parseFloat(y);
      return d * (isNaN(p) || isNaN(q) ? String(x).localeCompare(String(y)) : p - q);
    }).forEach(function (r) { body.appendChild(r); });
  });
});
)";

// A sortable cell: shown text, sort key.
std::string Cell(std::string_view text, std::string_view sort_key, bool numeric) {
  return absl::StrCat("<td", numeric ? " class=\"num\"" : "", " data-v=\"", HtmlEscape(sort_key),
                      "\">", HtmlEscape(text), "</td>");
}

// A number cell; missing values sort below every number.
std::string NumberCell(std::optional<double> value, const char* format, double scale = 1,
                       const char* suffix = "") {
  if (!value) return Cell("-", "-1e300", true);
  return Cell(absl::StrCat(absl::StrFormat(format, *value * scale), suffix),
              absl::StrFormat("%.17g", *value), true);
}

// The anchoring delta in percentage points (the default rank metric is a fraction), as the
// text and md boards write it: "+3.34 ±0.45 *", with its standard error when both sides had
// two seeds or more and * when AnchorDeltaExceedsNoise. Sorts by the delta alone.
std::string AnchorDeltaCell(const leaderboard::LeaderboardRow& row) {
  if (!row.anchor_delta.has_value()) return NumberCell(std::nullopt, "%+.2f");
  std::string text = absl::StrFormat("%+.2f", 100 * *row.anchor_delta);
  if (row.anchor_delta_error.has_value()) {
    absl::StrAppend(&text, absl::StrFormat(" \u00b1%.2f", 100 * *row.anchor_delta_error));
    if (leaderboard::AnchorDeltaExceedsNoise(row)) text += " *";
  }
  return Cell(text, absl::StrFormat("%.17g", *row.anchor_delta), true);
}

std::string Header(const std::vector<std::string>& names) {
  std::string html = "<thead><tr>";
  for (const std::string& name : names) absl::StrAppend(&html, "<th>", HtmlEscape(name), "</th>");
  return html + "</tr></thead>";
}

std::optional<double> Summary(const leaderboard::MetricSummary& summary) {
  if (summary.count == 0) return std::nullopt;
  return summary.mean;
}

std::string LeaderboardTable(const std::vector<RunRecord>& runs, bool include_unclean,
                             const RunLabels& labels) {
  // The rows `lrb leaderboard` prints (default rank metric, docs/leaderboard.md), as HTML.
  const std::vector<leaderboard::LeaderboardRow> rows =
      leaderboard::BuildLeaderboard(runs, include_unclean);
  std::string html = absl::StrCat(
      "<table class=\"sortable\" id=\"leaderboard\">",
      Header({"rank", "dataset", "method", "backend", "build", "seeds", "dec M_GT@0.95",
              "\u0394 anchor (pp)", "dec M_IP", "M_GT@0.95", "M_IP", "L0", "FVU", "samples/s",
              "train s"}),
      "<tbody>");
  for (const leaderboard::LeaderboardRow& row : rows) {
    absl::StrAppend(
        &html, "<tr>",
        NumberCell(row.rank > 0 ? std::optional<double>(row.rank) : std::nullopt, "%.0f"),
        Cell(labels.Dataset(row.dataset_spec), row.dataset_spec, false),
        "<td class=\"spec\" data-v=\"", HtmlEscape(row.method_spec), "\">",
        HtmlEscape(row.method_spec), "</td>", Cell(row.backend_used, row.backend_used, false),
        Cell(row.build_note.empty() ? "opt" : row.build_note, row.build_note, false),
        NumberCell(row.seeds, "%.0f"), NumberCell(Summary(row.decoder_m_gt), "%.2f", 100, "%"),
        AnchorDeltaCell(row), NumberCell(Summary(row.decoder_m_ip), "%.3f"),
        NumberCell(Summary(row.m_gt), "%.2f", 100, "%"), NumberCell(Summary(row.m_ip), "%.3f"),
        NumberCell(Summary(row.l0), "%.2f"), NumberCell(Summary(row.fvu), "%.4f"),
        NumberCell(Summary(row.samples_per_second), "%.0f"),
        NumberCell(Summary(row.train_seconds), "%.2f"), "</tr>");
  }
  return html + "</tbody></table>";
}

std::string RunsTable(const std::vector<RunRecord>& runs, const RunLabels& labels) {
  std::string html = absl::StrCat(
      "<table class=\"sortable\" id=\"runs\">",
      Header({"run", "dataset", "method", "backend", "seed", "M_GT@0.95", "dec M_GT@0.95", "L0",
              "FVU", "dead", "polysemantic", "samples/s", "train s"}),
      "<tbody>");
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunRecord& run = runs[i];
    absl::StrAppend(&html, "<tr><td data-v=\"", i, "\"><a href=\"#run-", i, "\">", i, "</a></td>",
                    Cell(labels.Dataset(run.dataset_spec), run.dataset_spec, false),
                    Cell(labels.Method(run.method_spec), run.method_spec, false),
                    Cell(run.backend_used, run.backend_used, false),
                    NumberCell(static_cast<double>(run.seed), "%.0f"),
                    NumberCell(MetricValue(run, "m_gt@0.95"), "%.2f", 100, "%"),
                    NumberCell(MetricValue(run, "decoder.m_gt@0.95"), "%.2f", 100, "%"),
                    NumberCell(MetricValue(run, "eval.l0"), "%.2f"),
                    NumberCell(MetricValue(run, "eval.fvu"), "%.4f"),
                    NumberCell(MetricValue(run, "eval.dead_fraction"), "%.1f", 100, "%"),
                    NumberCell(MetricValue(run, "eval.polysemantic_fraction"), "%.1f", 100, "%"),
                    NumberCell(SamplesPerSecond(run), "%.0f"),
                    NumberCell(run.train_seconds, "%.2f"), "</tr>");
  }
  return html + "</tbody></table>";
}

std::string Section(std::string_view heading, const char* intro, const std::string& body) {
  return absl::StrCat("<h2>", HtmlEscape(heading), "</h2><p class=\"note\">", intro,
                      "</p><div class=\"plots\">", body, "</div>");
}

// The plots of report_plots.h that the runs have data for, in sections.
std::string Plots(const std::vector<RunRecord>& runs, const RunLabels& labels) {
  std::string html;
  std::vector<std::string> datasets;
  {
    std::set<std::string> seen;
    for (const RunRecord& run : runs) {
      if (seen.insert(run.dataset_spec).second) datasets.push_back(run.dataset_spec);
    }
  }
  std::string curves;
  for (size_t d = 0; d < datasets.size(); ++d) {
    const std::string suffix = datasets.size() > 1 ? absl::StrCat("-", d) : "";
    for (const bool decoder : {false, true}) {
      if (const std::optional<XYPlot> plot =
              MGtCurvePlot(runs, labels, datasets[d], decoder,
                           absl::StrCat(decoder ? "decoder_m_gt_tau" : "m_gt_tau", suffix))) {
        absl::StrAppend(&curves, RenderXYPlot(*plot));
      }
    }
  }
  if (!curves.empty()) {
    html += Section("Recovery curves",
                    "The fraction of ground-truth features whose best latent has |cos| above "
                    "tau, for tau from 0.5 to 0.99, averaged over seeds. Encoder rows are the "
                    "paper's definition; decoder columns recover the features themselves.",
                    curves);
  }
  std::string tradeoffs;
  for (const auto& [metric, id] :
       {std::pair<std::string_view, std::string>{"eval.l0", "recovery_l0"},
        {"eval.fvu", "recovery_fvu"}}) {
    if (const std::optional<XYPlot> plot = RecoveryPlot(runs, labels, metric, id)) {
      absl::StrAppend(&tradeoffs, RenderXYPlot(*plot));
    }
  }
  if (!tradeoffs.empty()) {
    html += Section("Recovery against sparsity and reconstruction",
                    "Each point is a run; up and to the left is better. The dashed line joins "
                    "the Pareto front: the runs no other run beats on both axes.",
                    tradeoffs);
  }
  if (const std::optional<BarChart> chart = AnchoringPlot(runs, labels)) {
    html += Section("Anchoring",
                    "Each pair is one method on one dataset and backend, trained without and "
                    "with its +anchor(...) term; anchored features are excluded from both.",
                    RenderBarChart(*chart));
  }
  if (const std::optional<BarChart> chart = SpeedPlot(runs, labels)) {
    html += Section("Training speed",
                    "Training samples per second of wall time; it depends on the machine and "
                    "its load, so compare backends within one report.",
                    RenderBarChart(*chart));
  }
  if (const std::optional<XYPlot> plot = SweepPlot(runs, labels)) {
    html += Section("Sweep",
                    "Recovery as the one knob the suite varies changes, a line per method and "
                    "backend.",
                    RenderXYPlot(*plot));
  }
  std::string absorption;
  if (const std::optional<BarChart> chart = AbsorptionPlot(runs, labels)) {
    absorption += RenderBarChart(*chart);
  }
  int runs_without_pairs = 0;
  for (size_t d = 0; d < datasets.size(); ++d) {
    const std::string suffix = datasets.size() > 1 ? absl::StrCat("-", d) : "";
    const AbsorptionPairs pairs =
        AbsorptionPairsPlot(runs, labels, datasets[d], absl::StrCat("absorption_pairs", suffix));
    runs_without_pairs += pairs.runs_without_pairs;
    if (pairs.plot) absl::StrAppend(&absorption, RenderXYPlot(*pairs.plot));
  }
  if (!absorption.empty()) {
    html += Section("Absorption",
                    "On hierarchical datasets: how often a child feature's latent fires in "
                    "place of its parent's (docs/metrics.md, Absorption). The bars are shares "
                    "per method; the points are the parent/child pairs, one per pair and run.",
                    absorption);
    if (runs_without_pairs > 0) {
      absl::StrAppend(&html, "<p class=\"note\" id=\"absorption-pairs-skipped\">",
                      runs_without_pairs,
                      " run(s) scored absorption but are left out of the per-pair plot: they "
                      "were stored before the store kept parent/child pairs (schema v6), so "
                      "only their shares are shown.</p>");
    }
  }
  std::string trajectories;
  for (const XYPlot& plot : TrajectoryPlots(runs, labels)) {
    absl::StrAppend(&trajectories, RenderXYPlot(plot));
  }
  if (!trajectories.empty()) {
    html += Section("Training trajectories",
                    "Metrics measured during training, a line per run, against the step.",
                    trajectories);
  }
  return html;
}

}  // namespace

std::string BuildReportHtml(const ReportInput& input) {
  std::vector<RunRecord> shown;
  int unclean = 0;
  for (const RunRecord& run : input.runs) {
    if (run.status != "ok" || !run.incomplete.empty()) continue;
    if (!input.include_unclean &&
        (run.environment.build_mode != "opt" || run.environment.git_dirty)) {
      ++unclean;
      continue;
    }
    shown.push_back(run);
  }
  const RunLabels labels(shown);
  std::string html = absl::StrCat(
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>LRB report: ",
      HtmlEscape(input.title), "</title><style>", kStyle,
      "</style></head><body><h1>LRB report: ", HtmlEscape(input.title), "</h1><p>", shown.size(),
      " finished run(s) from <code>", HtmlEscape(input.source),
      "</code>. Made by <code>lrb report</code>; what each plot shows: "
      "docs/report.md.</p>");
  std::string notes =
      HtmlEscape(leaderboard::FormatUnfinishedRuns(leaderboard::CountUnfinishedRuns(input.runs)));
  if (unclean > 0) {
    absl::StrAppend(&notes, unclean,
                    " run(s) from debug builds or dirty trees left out (lrb report --all shows "
                    "them).\n");
  }
  if (input.other_scorer_runs > 0) {
    absl::StrAppend(&notes, input.other_scorer_runs,
                    " run(s) scored by another scorer version left out.\n");
  }
  if (!notes.empty()) absl::StrAppend(&html, "<p class=\"note\">", notes, "</p>");
  if (shown.empty()) {
    absl::StrAppend(&html, "<p><strong>No finished runs to show.</strong></p></body></html>\n");
    return html;
  }
  absl::StrAppend(&html,
                  "<h2>Leaderboard</h2><p class=\"note\">One row per method and backend, "
                  "averaged over seeds; click a header to sort. \u0394 anchor is the change "
                  "from adding +anchor(...); the \u00b1 after it is its standard error (2 or "
                  "more seeds a side), and * marks a change larger than ",
                  leaderboard::kAnchorDeltaStandardErrors,
                  " standard errors, a rough screen for more than seed noise.</p>",
                  LeaderboardTable(shown, input.include_unclean, labels));
  if (labels.several_datasets()) {
    absl::StrAppend(&html, "<h3>Datasets</h3><table>", Header({"label", "spec"}), "<tbody>");
    std::set<std::string> datasets;
    for (const RunRecord& run : shown) datasets.insert(run.dataset_spec);
    for (const std::string& spec : datasets) {
      absl::StrAppend(&html, "<tr><td>", HtmlEscape(labels.Dataset(spec)),
                      "</td><td class=\"spec\">", HtmlEscape(spec), "</td></tr>");
    }
    absl::StrAppend(&html, "</tbody></table>");
  }
  absl::StrAppend(&html, "<h3>Methods</h3><table>", Header({"label", "spec"}), "<tbody>");
  {
    std::set<std::string> methods;
    for (const RunRecord& run : shown) methods.insert(run.method_spec);
    for (const std::string& spec : methods) {
      absl::StrAppend(&html, "<tr><td>", HtmlEscape(labels.Method(spec)),
                      "</td><td class=\"spec\">", HtmlEscape(spec), "</td></tr>");
    }
  }
  absl::StrAppend(&html, "</tbody></table>", Plots(shown, labels),
                  "<h2>Runs</h2><p class=\"note\">One row per run; the run number opens its "
                  "drill-down below.</p>",
                  RunsTable(shown, labels), "<h2>Drill-down</h2>");
  for (size_t i = 0; i < shown.size(); ++i) {
    absl::StrAppend(&html,
                    RunDetailsHtml(shown[i], static_cast<int>(i), labels, kMaxListedFeatures));
  }
  absl::StrAppend(&html, "<script>", kSortScript, "</script></body></html>\n");
  return html;
}

}  // namespace lrb::report
