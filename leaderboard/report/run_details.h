#ifndef LRB_LEADERBOARD_REPORT_RUN_DETAILS_H_
#define LRB_LEADERBOARD_REPORT_RUN_DETAILS_H_

// One run's drill-down in the report: a <details id="run-INDEX"> element with its key
// metrics, the histogram of best cosines per feature, the unrecovered (and absorbed)
// features, capped, and where the run came from (specs, commit, CPU, SIMD target, build
// mode, timings).

#include <string>

#include "leaderboard/report/report_plots.h"
#include "leaderboard/store/run_record.h"

namespace lrb::report {

// `index` numbers the run in the page (its anchor and its histogram's plot id,
// "cosines-INDEX"); at most `max_listed` features are listed per list.
std::string RunDetailsHtml(const RunRecord& run, int index, const RunLabels& labels,
                           int max_listed);

}  // namespace lrb::report

#endif  // LRB_LEADERBOARD_REPORT_RUN_DETAILS_H_
