#include "leaderboard/store/metric_direction.h"

namespace lrb::leaderboard {

Direction MetricDirection(std::string_view metric) {
  for (const LowerIsBetterMetric& lower : kLowerIsBetterMetrics) {
    if (lower.name == metric) return Direction::kLowerIsBetter;
  }
  return Direction::kHigherIsBetter;
}

const char* DirectionWord(Direction direction) {
  return direction == Direction::kLowerIsBetter ? "lower" : "higher";
}

}  // namespace lrb::leaderboard
