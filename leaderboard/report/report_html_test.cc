#include "leaderboard/report/report_html.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/run_record.h"

namespace lrb::report {
namespace {

using leaderboard::RunRecord;
using ::testing::HasSubstr;
using ::testing::Not;

int Count(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// A finished run from an optimised build of a clean tree with the metrics every plot reads.
RunRecord FinishedRun(std::string method, std::string backend, uint64_t seed, double recovery,
                      int features = 8) {
  RunRecord run;
  run.run_key = absl::StrCat(method, "/", backend, "/", seed);
  run.suite = "tiny@1";
  run.dataset_spec = "lrb(n=64,np=48,S=0.95)";
  run.method_spec = std::move(method);
  run.backend = backend.substr(0, backend.find(':'));
  run.backend_used = std::move(backend);
  run.seed = seed;
  run.scorer_version = "score@2";
  run.status = "ok";
  run.train_seconds = 2;
  run.environment.build_mode = "opt";
  run.environment.git_commit = "0123abcd";
  run.environment.cpu = "Test CPU";
  run.environment.simd_target = "AVX2";
  run.metrics = {{"decoder.m_gt@0.5", 1.0},
                 {"decoder.m_gt@0.95", recovery},
                 {"decoder.m_ip", 0.9},
                 {"eval.dead_fraction", 0.1},
                 {"eval.fvu", 0.05},
                 {"eval.l0", 4},
                 {"eval.polysemantic_fraction", 0.2},
                 {"m_gt@0.5", 0.9},
                 {"m_gt@0.95", recovery / 2},
                 {"m_ip", 0.7},
                 {"train.samples", 20000}};
  for (int f = 0; f < features; ++f) {
    leaderboard::FeatureRow row;
    row.feature = f;
    row.best_latent = f + 100;
    row.best_cosine = f % 2 == 0 ? 0.99 : 0.5 + 0.001 * f;
    row.recovered = row.best_cosine > 0.95;
    run.features.push_back(row);
  }
  return run;
}

ReportInput TinyInput() {
  ReportInput input;
  input.title = "suite tiny@1";
  input.source = "/tmp/lrb.db";
  input.runs = {
      FinishedRun("sae.topk(latents=128,k=4)", "scalar", 0, 0.6),
      FinishedRun("sae.topk(latents=128,k=4)", "simd:AVX2", 0, 0.61),
      FinishedRun("sae.topk(latents=128,k=4)+anchor(k=8,lambda=0.1)", "scalar", 0, 0.7),
      FinishedRun("sae.topk(latents=128,k=4)+anchor(k=8,lambda=0.1)", "simd:AVX2", 0, 0.72)};
  return input;
}

// Every <svg ...>...</svg> of the page.
std::vector<std::string> Plots(const std::string& html) {
  std::vector<std::string> plots;
  for (size_t at = html.find("<svg "); at != std::string::npos; at = html.find("<svg ", at + 1)) {
    const size_t end = html.find("</svg>", at);
    if (end == std::string::npos) break;
    plots.push_back(html.substr(at, end - at));
  }
  return plots;
}

std::string Attribute(const std::string& element, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const size_t at = element.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return element.substr(start, element.find('"', start) - start);
}

TEST(BuildReportHtml, IsOneSelfContainedPage) {
  const std::string html = BuildReportHtml(TinyInput());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_THAT(html, HasSubstr("</html>"));
  EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\">"));
  // Nothing to fetch: no URLs, no linked styles or scripts, no images from elsewhere.
  for (const char* outside :
       {"http://", "https://", "<link", " src=", "@import", "url(", "//cdn"}) {
    EXPECT_THAT(html, Not(HasSubstr(outside))) << outside;
  }
  EXPECT_EQ(Count(html, "<script>"), 1);  // the table sorter, inline
  EXPECT_EQ(Count(html, "<style>"), 1);
}

TEST(BuildReportHtml, EveryPlotDeclaresTheSeriesItDrawsAndHasATitle) {
  const std::string html = BuildReportHtml(TinyInput());
  const std::vector<std::string> plots = Plots(html);
  std::vector<std::string> ids;
  for (const std::string& svg : plots) {
    const std::string id = Attribute(svg, "data-plot");
    ids.push_back(id);
    EXPECT_THAT(svg, HasSubstr("class=\"lrb-plot\"")) << id;
    int declared = -1;
    ASSERT_TRUE(absl::SimpleAtoi(Attribute(svg, "data-series"), &declared)) << id;
    EXPECT_EQ(Count(svg, "<g class=\"lrb-series\""), declared) << id;
    EXPECT_GT(declared, 0) << id;
    EXPECT_THAT(svg, HasSubstr("<title>")) << id;
  }
  // Single dataset, two methods on two backends: the plots this suite must have.
  EXPECT_THAT(
      ids, ::testing::IsSupersetOf({"m_gt_tau", "decoder_m_gt_tau", "recovery_l0", "recovery_fvu",
                                    "anchoring", "speed", "cosines-0", "cosines-3"}));
  EXPECT_THAT(ids, Not(::testing::Contains("sweep")));
  EXPECT_THAT(ids, Not(::testing::Contains("absorption")));
  EXPECT_THAT(html, HasSubstr("data-plot=\"m_gt_tau\" data-series=\"4\""));
  EXPECT_THAT(html, HasSubstr("data-plot=\"recovery_l0\" data-series=\"5\""));  // + the front
}

TEST(BuildReportHtml, EscapesSpecsAndText) {
  ReportInput input = TinyInput();
  input.title = "suite <b>&\"'";
  input.runs[0].method_spec = "external:<img onerror=x>&\"q'";
  input.runs[0].environment.cpu = "<script>alert(1)</script>";
  const std::string html = BuildReportHtml(input);
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("<b>&")));
  EXPECT_THAT(html, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(html, HasSubstr("external:&lt;img onerror=x&gt;&amp;&quot;q&#39;"));
  EXPECT_THAT(html, HasSubstr("suite &lt;b&gt;&amp;&quot;&#39;"));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

TEST(BuildReportHtml, DrillDownListsUnrecoveredFeaturesCappedWithACount) {
  ReportInput input = TinyInput();
  input.runs = {FinishedRun("sae.topk(k=4)", "scalar", 0, 0.5, /*features=*/200)};
  const std::string html = BuildReportHtml(input);
  EXPECT_THAT(html, HasSubstr("<details id=\"run-0\">"));
  EXPECT_THAT(html, HasSubstr("100 of 200 scored features have no encoder row"));
  EXPECT_THAT(html, HasSubstr(absl::StrCat("and ", 100 - kMaxListedFeatures, " more")));
  // Lowest |cos| first: feature 1 (0.501) is listed, feature 199 (0.699) is not.
  EXPECT_THAT(html, HasSubstr("<tr><td>1</td><td>101</td><td>0.501</td>"));
  EXPECT_THAT(html, Not(HasSubstr("<tr><td>199</td>")));
  // Provenance.
  for (const char* fact : {"0123abcd", "Test CPU", "AVX2", "opt", "sae.topk(k=4)"}) {
    EXPECT_THAT(html, HasSubstr(fact)) << fact;
  }
}

TEST(BuildReportHtml, StaysSmallForManyFeatures) {
  ReportInput input = TinyInput();
  for (RunRecord& run : input.runs) {
    run = FinishedRun(run.method_spec, run.backend_used, run.seed, 0.5, /*features=*/5000);
  }
  const std::string html = BuildReportHtml(input);
  EXPECT_LT(html.size(), 300u * 1024) << "a 4-run report of 5000 features each";
}

TEST(BuildReportHtml, CountsRunsItDoesNotShow) {
  ReportInput input = TinyInput();
  RunRecord failed = input.runs[0];
  failed.run_key = "failed";
  failed.status = "failed";
  failed.error = "boom";
  RunRecord dirty = input.runs[1];
  dirty.run_key = "dirty";
  dirty.environment.git_dirty = true;
  input.runs.push_back(failed);
  input.runs.push_back(dirty);
  input.other_scorer_runs = 2;
  const std::string html = BuildReportHtml(input);
  EXPECT_THAT(html, HasSubstr("4 finished run(s)"));
  EXPECT_THAT(html, HasSubstr("1 failed"));
  EXPECT_THAT(html, HasSubstr("1 run(s) from debug builds or dirty trees left out"));
  EXPECT_THAT(html, HasSubstr("2 run(s) scored by another scorer version left out"));
  input.include_unclean = true;
  const std::string all = BuildReportHtml(input);
  EXPECT_THAT(all, HasSubstr("5 finished run(s)"));
  EXPECT_THAT(all, HasSubstr(">dirty</td>"));  // its own leaderboard row, marked
}

TEST(BuildReportHtml, WithNoFinishedRunIsStillAValidPageThatSaysSo) {
  ReportInput input = TinyInput();
  for (RunRecord& run : input.runs) run.status = "interrupted";
  const std::string html = BuildReportHtml(input);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_THAT(html, HasSubstr("</body></html>"));
  EXPECT_THAT(html, HasSubstr("No finished runs to show."));
  EXPECT_THAT(html, HasSubstr("4 interrupted"));
  EXPECT_EQ(Count(html, "<svg"), 0);
}

TEST(BuildReportHtml, TrajectoryPlotsOnlyWhenARunHasATrajectory) {
  ReportInput input = TinyInput();
  EXPECT_THAT(BuildReportHtml(input), Not(HasSubstr("trajectory-")));
  input.runs[0].trajectory = {{0, "loss", 1.0}, {100, "loss", 0.5}, {100, "l0", 4}};
  input.runs[2].trajectory = {{100, "loss", 0.4}};
  const std::string html = BuildReportHtml(input);
  EXPECT_THAT(html, HasSubstr("data-plot=\"trajectory-loss\" data-series=\"2\""));
  EXPECT_THAT(html, HasSubstr("data-plot=\"trajectory-l0\" data-series=\"1\""));
}

// TinyInput on a hierarchy: every run scored absorption and, when `pairs`, stored its pairs
// (schema v6): feature 2k+1 is the child of 2k, absorbed by latent 7 at rate 0.75 in odd
// pairs, at rate 0.25 (not absorbed) in even ones.
ReportInput HierarchicalInput(bool pairs) {
  ReportInput input = TinyInput();
  for (RunRecord& run : input.runs) {
    run.dataset_spec = "lrb_hier(roots=4,depth=1,branch=1)";
    run.metrics.push_back({"absorption.children_scored", 4});
    run.metrics.push_back({"absorption.absorbed_fraction", 0.5});
    run.metrics.push_back({"absorption.mean_rate", 0.5});
    for (leaderboard::FeatureRow& row : run.features) {
      row.firing_frequency = 0.01 * (row.feature + 1);
      if (row.feature % 2 == 0) continue;
      const bool absorbed = row.feature % 4 == 1;
      row.absorbed = absorbed;
      if (!pairs) continue;
      row.parent = row.feature - 1;
      row.absorption_rate = absorbed ? 0.75 : 0.25;
      row.absorption_taker = absorbed ? 7 : -1;
    }
  }
  return input;
}

TEST(BuildReportHtml, AbsorptionPairsPlotAPointPerPairAndTheThresholdLine) {
  const std::string html = BuildReportHtml(HierarchicalInput(/*pairs=*/true));
  // Four runs, two methods on two backends: a series each; 4 pairs per run.
  EXPECT_THAT(html, HasSubstr("data-plot=\"absorption\""));
  EXPECT_THAT(html, HasSubstr("data-plot=\"absorption_pairs\" data-series=\"4\""));
  std::string pairs_svg;
  for (const std::string& svg : Plots(html)) {
    if (Attribute(svg, "data-plot") == "absorption_pairs") pairs_svg = svg;
  }
  ASSERT_FALSE(pairs_svg.empty());
  // 16 points and a legend swatch per series.
  EXPECT_EQ(Count(pairs_svg, "<circle cx="), 16 + 4) << pairs_svg;
  EXPECT_EQ(Count(pairs_svg, "class=\"lrb-reference\""), 1);
  EXPECT_THAT(pairs_svg, HasSubstr("child 1 of parent 0, taker latent 7"));
  EXPECT_THAT(html, Not(HasSubstr("absorption-pairs-skipped")));
  // The drill-down's absorbed children carry their pair, most absorbed first.
  EXPECT_THAT(html, HasSubstr("<th>parent</th><th>absorption rate</th><th>taker latent</th>"));
  EXPECT_THAT(html, HasSubstr("<td>yes</td><td>0</td><td>0.750</td><td>7</td>"));
}

TEST(BuildReportHtml, RunsFromBeforePairsAreSkippedWithANote) {
  const std::string html = BuildReportHtml(HierarchicalInput(/*pairs=*/false));
  EXPECT_THAT(html, HasSubstr("data-plot=\"absorption\""));  // the shares still show
  EXPECT_THAT(html, Not(HasSubstr("data-plot=\"absorption_pairs")));
  EXPECT_THAT(html, HasSubstr("4 run(s) scored absorption but are left out of the per-pair "
                              "plot"));
  EXPECT_THAT(html, HasSubstr("<td>yes</td><td>-</td><td>-</td><td>-</td>"));

  // Mixed: one run from before v6 among three with pairs.
  ReportInput mixed = HierarchicalInput(/*pairs=*/true);
  mixed.runs[1] = HierarchicalInput(/*pairs=*/false).runs[1];
  const std::string some = BuildReportHtml(mixed);
  EXPECT_THAT(some, HasSubstr("data-plot=\"absorption_pairs\" data-series=\"3\""));
  EXPECT_THAT(some, HasSubstr("1 run(s) scored absorption but are left out"));
}

// The leaderboard table of a page, from its <table> to its </table>.
std::string LeaderboardTableOf(const std::string& html) {
  const size_t begin = html.find("<table class=\"sortable\" id=\"leaderboard\">");
  if (begin == std::string::npos) return "";
  return html.substr(begin, html.find("</table>", begin) - begin);
}

TEST(BuildReportHtml, AnchorDeltaCellShowsItsStandardErrorAndMarksDeltasBeyondTwo) {
  // TinyInput has one seed a run: deltas without an error.
  const std::string single = LeaderboardTableOf(BuildReportHtml(TinyInput()));
  EXPECT_THAT(single, HasSubstr(">+10.00</td>")) << single;
  EXPECT_THAT(single, Not(HasSubstr("\u00b1"))) << single;

  // Three seeds a side on two backends: means 92% and 81% (spreads 2 and 1 points) on
  // simd:AVX2, beyond two standard errors; the same +11 points over spreads of 8 on scalar.
  ReportInput input = TinyInput();
  input.runs.clear();
  const auto add = [&](const std::string& method, const std::string& backend,
                       const std::vector<double>& scores) {
    for (size_t seed = 0; seed < scores.size(); ++seed) {
      input.runs.push_back(FinishedRun(method, backend, seed, scores[seed]));
    }
  };
  const std::string plain = "sae.topk(latents=128,k=4)";
  const std::string anchored = "sae.topk(latents=128,k=4)+anchor(k=8,lambda=0.1)";
  add(anchored, "simd:AVX2", {0.90, 0.92, 0.94});
  add(plain, "simd:AVX2", {0.80, 0.81, 0.82});
  add(anchored, "scalar", {0.74, 0.82, 0.90});
  add(plain, "scalar", {0.63, 0.71, 0.79});
  const std::string html = BuildReportHtml(input);
  const std::string table = LeaderboardTableOf(html);
  EXPECT_THAT(table, HasSubstr(">+11.00 \u00b11.29 *</td>")) << table;
  EXPECT_THAT(table, HasSubstr(">+11.00 \u00b16.53</td>")) << table;
  EXPECT_THAT(html, HasSubstr("* marks a change larger than 2 standard errors"));
}

TEST(BuildReportHtml, TablesAreSortableAndReadableWithoutScript) {
  const std::string html = BuildReportHtml(TinyInput());
  EXPECT_THAT(html, HasSubstr("<table class=\"sortable\" id=\"leaderboard\">"));
  EXPECT_THAT(html, HasSubstr("<table class=\"sortable\" id=\"runs\">"));
  // Cells carry their sort key; numbers in full precision.
  EXPECT_THAT(html, HasSubstr("data-v=\"0.71999999999999997\">72.00%</td>"));
}

}  // namespace
}  // namespace lrb::report
