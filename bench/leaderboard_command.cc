#include "bench/leaderboard_command.h"

#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "bench/command_line.h"
#include "bench/scoring/scoring.h"
#include "leaderboard/store/leaderboard_table.h"
#include "util/status_macros.h"

namespace lrb::bench {

namespace {

absl::Status PrintRuns(const std::vector<leaderboard::RunRecord>& runs,
                       const leaderboard::BoardSource& source, const LeaderboardOptions& options) {
  leaderboard::BoardOptions board_options;
  board_options.rank_by = options.rank_by;
  board_options.include_unclean = options.include_unclean;
  // Scores from another scorer version are not comparable; they are counted, not ranked.
  board_options.scorer_version = scoring::kScorerVersion;
  const absl::StatusOr<leaderboard::Board> board = leaderboard::BuildBoard(runs, board_options);
  if (!board.ok()) {
    // The one error: a --rank_by no run stores, which the command line asked for.
    return UsageError("leaderboard", board.status().message());
  }
  std::cout << leaderboard::FormatBoard(*board, source, options.format);
  // csv is the table alone, so that it can be read whole; people still see the notes.
  if (options.format == leaderboard::BoardFormat::kCsv) {
    std::cerr << leaderboard::FormatBoardNotes(*board);
  }
  std::cout.flush();
  if (!std::cout) return absl::DataLossError("could not write the board to stdout");
  return absl::OkStatus();
}

}  // namespace

absl::Status PrintLeaderboard(leaderboard::Store& store, const Suite& suite,
                              const LeaderboardOptions& options) {
  LRB_ASSIGN_OR_RETURN(std::vector<leaderboard::RunRecord> runs, store.LoadRuns(suite.id()));
  leaderboard::BoardSource source;
  source.suite = suite.id();
  return PrintRuns(runs, source, options);
}

absl::Status PrintDatasetLeaderboard(leaderboard::Store& store, const std::string& dataset_hash,
                                     const std::string& dataset_spec,
                                     const LeaderboardOptions& options) {
  LRB_ASSIGN_OR_RETURN(std::vector<leaderboard::RunRecord> runs,
                       store.LoadRunsOfDataset(dataset_hash));
  leaderboard::BoardSource source;
  source.dataset_spec = dataset_spec;
  source.dataset_hash = dataset_hash;
  return PrintRuns(runs, source, options);
}

absl::Status PrintLeaderboard(leaderboard::Store& store, const Suite& suite, bool include_unclean) {
  LeaderboardOptions options;
  options.include_unclean = include_unclean;
  return PrintLeaderboard(store, suite, options);
}

absl::Status PrintDatasetLeaderboard(leaderboard::Store& store, const std::string& dataset_hash,
                                     const std::string& dataset_spec, bool include_unclean) {
  LeaderboardOptions options;
  options.include_unclean = include_unclean;
  return PrintDatasetLeaderboard(store, dataset_hash, dataset_spec, options);
}

}  // namespace lrb::bench
