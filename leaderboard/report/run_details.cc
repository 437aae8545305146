#include "leaderboard/report/run_details.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "leaderboard/report/html_text.h"
#include "leaderboard/report/svg_plot.h"

namespace lrb::report {
namespace {

// A definition-list row; `value` is plain text.
std::string Row(std::string_view name, std::string_view value) {
  return absl::StrCat("<tr><th>", HtmlEscape(name), "</th><td>", HtmlEscape(value), "</td></tr>");
}

std::string MetricText(const RunRecord& run, std::string_view name, bool percent) {
  const std::optional<double> value = MetricValue(run, name);
  if (!value) return "-";
  return percent ? absl::StrFormat("%.2f%%", *value * 100) : absl::StrFormat("%.4g", *value);
}

// A feature-row index that may be -1 (none / not recorded).
std::string IndexText(int32_t index, std::string_view none) {
  return index < 0 ? std::string(none) : absl::StrCat(index);
}

// A table of features; the first `max_listed` of `rows`, then a line counting the rest.
// `pairs` adds each child's parent, absorption rate and taker latent ("-" when the run was
// stored before they were kept, schema v6).
std::string FeatureTable(const std::vector<const leaderboard::FeatureRow*>& rows, int max_listed,
                         bool pairs = false) {
  std::string html = absl::StrCat(
      "<table class=\"features\"><thead><tr><th>feature</th><th>best latent</th>"
      "<th>best |cos|</th><th>feature fires</th><th>latent fires</th><th>absorbed</th>",
      pairs ? "<th>parent</th><th>absorption rate</th><th>taker latent</th>" : "",
      "</tr></thead><tbody>");
  const size_t shown = std::min(rows.size(), static_cast<size_t>(std::max(0, max_listed)));
  for (size_t i = 0; i < shown; ++i) {
    const leaderboard::FeatureRow& row = *rows[i];
    absl::StrAppend(&html, "<tr><td>", row.feature, "</td><td>",
                    IndexText(row.best_latent, "none"), "</td><td>",
                    absl::StrFormat("%.3f", row.best_cosine), "</td><td>",
                    absl::StrFormat("%.4f", row.firing_frequency), "</td><td>",
                    absl::StrFormat("%.4f", row.latent_firing_frequency), "</td><td>",
                    row.absorbed ? "yes" : "no", "</td>");
    if (pairs) {
      const bool recorded = row.parent >= 0;
      absl::StrAppend(&html, "<td>", IndexText(row.parent, "-"), "</td><td>",
                      row.absorption_rate >= 0 ? absl::StrFormat("%.3f", row.absorption_rate)
                                               : "-",
                      "</td><td>", recorded ? IndexText(row.absorption_taker, "none") : "-",
                      "</td>");
    }
    absl::StrAppend(&html, "</tr>");
  }
  absl::StrAppend(&html, "</tbody></table>");
  if (rows.size() > shown) {
    absl::StrAppend(&html, "<p class=\"note\">and ", rows.size() - shown,
                    " more (lowest |cos| first above; every row is in the database's "
                    "feature_results table).</p>");
  }
  return html;
}

std::string Provenance(const RunRecord& run) {
  const leaderboard::Environment& env = run.environment;
  std::string html = "<table class=\"provenance\"><tbody>";
  absl::StrAppend(
      &html, Row("run key", run.run_key), Row("suite", run.suite.empty() ? "(none)" : run.suite));
  // A run reused by other suites (the key leaves the suite out) serves them all.
  if (run.suites.size() > 1) {
    absl::StrAppend(&html, Row("belongs to suites", absl::StrJoin(run.suites, ", ")));
  }
  absl::StrAppend(
      &html, Row("dataset spec", run.dataset_spec), Row("dataset hash", run.dataset_hash),
      Row("method spec", run.method_spec), Row("train spec", run.train_spec),
      Row("backend", absl::StrCat(run.backend, " requested, ", run.backend_used, " ran")),
      Row("seed", absl::StrCat(run.seed)), Row("scorer", run.scorer_version),
      Row("status", run.status),
      Row("created / finished", run.created_at + " / " + run.finished_at),
      Row("train / score seconds",
          absl::StrFormat("%.2f / %.2f", run.train_seconds, run.score_seconds)));
  if (const std::optional<double> speed = SamplesPerSecond(run)) {
    absl::StrAppend(&html, Row("samples / s", absl::StrFormat("%.0f", *speed)));
  }
  absl::StrAppend(&html,
                  Row("git commit", env.git_commit.empty()
                                        ? "unknown"
                                        : env.git_commit + (env.git_dirty ? " (dirty tree)" : "")),
                  Row("build mode", env.build_mode), Row("compiler", env.compiler),
                  Row("CPU", env.cpu), Row("SIMD target", env.simd_target),
                  Row("threads", absl::StrCat(env.threads)), Row("host", env.hostname),
                  Row("libraries", env.library_versions));
  if (run.external) {
    absl::StrAppend(&html, Row("external submission", run.external->name),
                    Row("model", run.external->model_path + " (" + run.external->model_hash + ")"),
                    Row("activation", run.external->activation));
  }
  return html + "</tbody></table>";
}

}  // namespace

std::string RunDetailsHtml(const RunRecord& run, int index, const RunLabels& labels,
                           int max_listed) {
  std::string html = absl::StrCat(
      "<details id=\"run-", index, "\"><summary>run ", index, ": ", HtmlEscape(labels.Series(run)),
      " · seed ", run.seed, " — recovery ", MetricText(run, "decoder.m_gt@0.95", /*percent=*/true),
      "</summary><div class=\"run\">");
  absl::StrAppend(
      &html, "<h4>Metrics</h4><table class=\"metrics\"><tbody>",
      Row("M_GT@0.95 (encoder rows / decoder columns)",
          MetricText(run, "m_gt@0.95", true) + " / " + MetricText(run, "decoder.m_gt@0.95", true)),
      Row("M_IP (encoder / decoder)",
          MetricText(run, "m_ip", false) + " / " + MetricText(run, "decoder.m_ip", false)),
      Row("L0 (eval.l0)", MetricText(run, "eval.l0", false)),
      Row("FVU (eval.fvu)", MetricText(run, "eval.fvu", false)),
      Row("dead latents (eval.dead_fraction)", MetricText(run, "eval.dead_fraction", true)),
      Row("polysemantic latents (eval.polysemantic_fraction)",
          MetricText(run, "eval.polysemantic_fraction", true)),
      "</tbody></table>");

  std::vector<const leaderboard::FeatureRow*> unrecovered, absorbed;
  int scored = 0;
  for (const leaderboard::FeatureRow& feature : run.features) {
    if (feature.anchored) continue;
    ++scored;
    if (!feature.recovered) unrecovered.push_back(&feature);
    if (feature.absorbed) absorbed.push_back(&feature);
  }
  const auto by_cosine = [](const leaderboard::FeatureRow* a, const leaderboard::FeatureRow* b) {
    return a->best_cosine != b->best_cosine ? a->best_cosine < b->best_cosine
                                            : a->feature < b->feature;
  };
  std::sort(unrecovered.begin(), unrecovered.end(), by_cosine);
  // The most absorbed first (rows from before schema v6 all read -1: by feature).
  std::sort(absorbed.begin(), absorbed.end(),
            [](const leaderboard::FeatureRow* a, const leaderboard::FeatureRow* b) {
              return a->absorption_rate != b->absorption_rate
                         ? a->absorption_rate > b->absorption_rate
                         : a->feature < b->feature;
            });

  absl::StrAppend(&html, "<h4>Best cosine per feature (encoder rows)</h4>",
                  RenderBarChart(CosineHistogram(run, absl::StrCat("cosines-", index))));
  absl::StrAppend(&html, "<h4>Unrecovered features</h4><p>", unrecovered.size(), " of ", scored,
                  " scored features have no encoder row with |cos| &gt; 0.95.</p>");
  if (!unrecovered.empty()) absl::StrAppend(&html, FeatureTable(unrecovered, max_listed));
  if (!absorbed.empty()) {
    absl::StrAppend(&html, "<h4>Absorbed children</h4><p>", absorbed.size(),
                    " child features whose parent's latent is silent on at least half of the "
                    "samples where both are active.</p>",
                    FeatureTable(absorbed, max_listed, /*pairs=*/true));
  }
  absl::StrAppend(&html, "<h4>Provenance</h4>", Provenance(run), "</div></details>");
  return html;
}

}  // namespace lrb::report
