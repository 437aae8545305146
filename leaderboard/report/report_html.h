#ifndef LRB_LEADERBOARD_REPORT_REPORT_HTML_H_
#define LRB_LEADERBOARD_REPORT_REPORT_HTML_H_

// The report page (`lrb report`, docs/report.md): one self-contained HTML document — inline
// style, inline SVG plots (svg_plot.h), a few lines of inline JavaScript that sort tables on
// a header click (the page reads the same without it) and nothing fetched from anywhere.
// It shows a set of runs: the leaderboard, the plots of report_plots.h and a drill-down per
// run (best-cosine histogram, unrecovered features, dead and polysemantic latents,
// provenance).

#include <string>
#include <vector>

#include "leaderboard/store/run_record.h"

namespace lrb::report {

struct ReportInput {
  std::string title;   // what the runs are, e.g. "suite smoke@1"
  std::string source;  // where they were read from, e.g. the database path
  // Every run to account for, any status. Whole finished runs ("ok", not incomplete) are
  // shown; the others are counted by reason (leaderboard::CountUnfinishedRuns).
  std::vector<leaderboard::RunRecord> runs;
  // Show runs of debug builds and dirty trees too (in leaderboard rows of their own);
  // otherwise they are left out and counted, as `lrb leaderboard` does.
  bool include_unclean = false;
  int other_scorer_runs = 0;  // runs the caller left out as scored by another scorer version
};

// At most this many unrecovered (or absorbed) features are listed per run; the rest are
// counted, so that the page stays small for suites with thousands of features.
inline constexpr int kMaxListedFeatures = 20;

std::string BuildReportHtml(const ReportInput& input);

}  // namespace lrb::report

#endif  // LRB_LEADERBOARD_REPORT_REPORT_HTML_H_
