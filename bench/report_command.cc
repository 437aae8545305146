#include "bench/report_command.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/scoring/scoring.h"
#include "leaderboard/report/report_html.h"
#include "leaderboard/store/store.h"
#include "util/atomic_file.h"
#include "util/status_macros.h"

namespace lrb::bench {

absl::Status ReportCommand(const ReportRequest& request, std::ostream& out) {
  const bool of_dataset = !request.dataset_hash.empty();
  if (!of_dataset && request.suite == nullptr) {
    return absl::InvalidArgumentError("lrb report: neither a suite nor a dataset to report on");
  }
  const std::string what = of_dataset ? absl::StrCat("dataset ", request.dataset_spec, " (hash ",
                                                     request.dataset_hash, ")")
                                      : absl::StrCat("suite ", request.suite->id());
  if (!std::filesystem::exists(request.db_path)) {
    // Reading must not leave an empty database behind a mistyped path.
    return absl::NotFoundError(absl::StrCat(
        "no database at ", request.db_path, "; ",
        of_dataset ? "`lrb train --dataset=DIR --method=SPEC --db=PATH`"
                   : absl::StrCat("`lrb run --suite=", request.suite->name, " --db=PATH`"),
        " creates it"));
  }
  // Claim the output first: an unwritable --out fails before any work, naming the path.
  LRB_ASSIGN_OR_RETURN(AtomicFileWriter writer, AtomicFileWriter::Create(request.out_path));
  LRB_ASSIGN_OR_RETURN(auto store, leaderboard::Store::OpenReadOnly(request.db_path));
  LRB_ASSIGN_OR_RETURN(std::vector<leaderboard::RunRecord> runs,
                       of_dataset ? store->LoadRunsOfDataset(request.dataset_hash)
                                  : store->LoadRuns(request.suite->id()));
  if (runs.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no runs of ", what, " in ", request.db_path, "; nothing to report (",
                     of_dataset ? "`lrb train --dataset=DIR` makes one"
                                : absl::StrCat("`lrb run --suite=", request.suite->name,
                                               " --db=", request.db_path, "` makes them"),
                     ")"));
  }
  report::ReportInput input;
  input.title = what;
  input.source = request.db_path;
  input.include_unclean = request.include_unclean;
  // Scores from another scorer version are not comparable with this one's: left out and
  // counted, as on the leaderboard.
  const auto stale = std::remove_if(runs.begin(), runs.end(), [](const auto& run) {
    return run.scorer_version != scoring::kScorerVersion;
  });
  input.other_scorer_runs = static_cast<int>(runs.end() - stale);
  runs.erase(stale, runs.end());
  input.runs = std::move(runs);
  const std::string html = report::BuildReportHtml(input);
  LRB_RETURN_IF_ERROR(writer.Append(html));
  LRB_RETURN_IF_ERROR(writer.Commit());
  out << absl::StrFormat("wrote %s (%d bytes): the report of %s\n", request.out_path, html.size(),
                         what);
  return absl::OkStatus();
}

}  // namespace lrb::bench
