#include "bench/trajectory.h"

#include <algorithm>

namespace lrb::bench {

const std::vector<std::string_view>& TrajectoryScoreMetrics() {
  static const std::vector<std::string_view>* const names = new std::vector<std::string_view>{
      "m_gt@0.9",           "m_gt@0.95",      "m_ip",    "decoder.m_gt@0.9",
      "decoder.m_gt@0.95",  "decoder.m_ip",   "eval.l0", "eval.fvu",
      "eval.dead_fraction",
  };
  return *names;
}

void AppendTrajectoryPoints(int64_t step,
                            const std::vector<std::pair<std::string, double>>& metrics,
                            std::vector<leaderboard::TrajectoryPoint>& trajectory) {
  const std::vector<std::string_view>& kept = TrajectoryScoreMetrics();
  for (const auto& [name, value] : metrics) {
    if (std::find(kept.begin(), kept.end(), name) != kept.end()) {
      trajectory.push_back({.step = step, .metric = name, .value = value});
    }
  }
}

}  // namespace lrb::bench
