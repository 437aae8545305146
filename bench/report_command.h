#ifndef LRB_BENCH_REPORT_COMMAND_H_
#define LRB_BENCH_REPORT_COMMAND_H_

// `lrb report`: a suite's (or a dataset's) runs as one self-contained HTML page with inline
// SVG plots (leaderboard/report/report_html.h, docs/report.md).

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "bench/suites.h"

namespace lrb::bench {

struct ReportRequest {
  std::string db_path;   // read only; never created
  std::string out_path;  // the page, written atomically (replaced whole or left as it was)
  // Whose runs: the suite's, or, when dataset_hash is set, every run on that dataset
  // whatever its suite (as `lrb leaderboard --dataset`).
  const Suite* suite = nullptr;
  std::string dataset_hash;
  std::string dataset_spec;      // for the page's title
  bool include_unclean = false;  // --all: runs of debug builds and dirty trees too
};

// Writes the page and prints one line saying where and how big. Errors, with nothing
// written: no database at db_path (kNotFound), an unreadable database, an --out that
// cannot be written (its directory missing or read-only, or a directory itself), and no
// runs at all for the suite or dataset (kNotFound; a page with nothing to show would hide a
// mistyped --db or --suite). Runs that exist but are not finished are counted on the page.
absl::Status ReportCommand(const ReportRequest& request, std::ostream& out);

}  // namespace lrb::bench

#endif  // LRB_BENCH_REPORT_COMMAND_H_
