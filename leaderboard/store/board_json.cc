// The json format, schema "lrb.leaderboard/1"; docs/leaderboard.md documents every field.

#include <string>

#include "leaderboard/store/board_columns.h"
#include "leaderboard/store/board_format.h"
#include "nlohmann/json.hpp"

namespace lrb::leaderboard::internal {
namespace {

// Ordered: fields print in the order docs/leaderboard.md lists them, "schema" first.
using json = nlohmann::ordered_json;

json Summary(const MetricSummary& summary) {
  if (summary.count == 0) return nullptr;
  return json{{"mean", summary.mean}, {"spread", summary.spread}, {"count", summary.count}};
}

json Source(const BoardSource& source) {
  if (!source.suite.empty()) return {{"suite", source.suite}};
  return {{"dataset_spec", source.dataset_spec}, {"dataset_hash", source.dataset_hash}};
}

}  // namespace

std::string FormatBoardJson(const Board& board, const BoardSource& source) {
  json rows = json::array();
  for (const LeaderboardRow& row : board.rows) {
    json metrics = json::object();
    for (const BoardColumn& column : MetricColumns(board)) {
      metrics[column.key] = Summary(row.*column.summary);
    }
    metrics["train_seconds"] = Summary(row.train_seconds);
    rows.push_back({
        {"rank", row.rank > 0 ? json(row.rank) : json(nullptr)},
        {"dataset_spec", row.dataset_spec},
        {"method_spec", row.method_spec},
        {"backend", row.backend_used},
        {"build_note", row.build_note},
        {"seeds", row.seeds},
        {"metrics", metrics},
        {"anchor_delta", row.anchor_delta.has_value() ? json(*row.anchor_delta) : json(nullptr)},
        {"anchor_twin", row.anchor_delta.has_value() ? json(row.anchor_twin) : json(nullptr)},
        {"anchor_delta_error",
         row.anchor_delta_error.has_value() ? json(*row.anchor_delta_error) : json(nullptr)},
        {"anchor_delta_exceeds_noise",
         row.anchor_delta_error.has_value() ? json(AnchorDeltaExceedsNoise(row)) : json(nullptr)},
    });
  }
  const BoardCounts& counts = board.counts;
  const json document = {
      {"schema", std::string(kBoardJsonSchema)},
      {"board", Source(source)},
      {"rank_by", board.rank_by},
      {"better", DirectionWord(board.direction)},
      {"unclean_included", board.unclean_included},
      {"rows", rows},
      {"not_ranked",
       {
           {"running", counts.unfinished.running},
           {"abandoned", counts.unfinished.owner_gone},
           {"interrupted", counts.unfinished.interrupted},
           {"incomplete", counts.unfinished.incomplete},
           {"failed", counts.unfinished.failed},
           {"other_scorer", counts.other_scorer},
           {"unclean", counts.unclean_left_out},
       }},
      {"unclean",
       {
           {"debug_build", counts.debug_build},
           {"dirty_tree", counts.dirty_tree},
           {"included", board.unclean_included},
           {"include_flag", "--all"},
       }},
      {"external_submissions", counts.external},
      {"notes", BoardNotes(board)},
  };
  return document.dump(2) + "\n";
}

}  // namespace lrb::leaderboard::internal
