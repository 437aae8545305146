#include "bench/compare_metrics.h"

namespace lrb::bench {

const std::vector<MetricRule>& GatedMetrics() {
  // Tolerances: M_GT may lose one percentage point plus two features (threshold flips);
  // mean cosines and the matching half a point; firing quality one to two points; FVU a
  // fifth of a point plus 2% of itself (it is a ratio, near 0 for good dictionaries).
  static const std::vector<MetricRule>* const rules = new std::vector<MetricRule>{
      {"m_gt@0.95", Better::kHigher, 0.01, 0, 2},
      {"m_gt@0.9", Better::kHigher, 0.01, 0, 2},
      {"m_ip", Better::kHigher, 0.005, 0, 0},
      {"mcc", Better::kHigher, 0.005, 0, 0},
      {"uniqueness", Better::kHigher, 0.01, 0, 2},
      {"decoder.m_gt@0.95", Better::kHigher, 0.01, 0, 2},
      {"decoder.m_gt@0.9", Better::kHigher, 0.01, 0, 2},
      {"decoder.m_ip", Better::kHigher, 0.005, 0, 0},
      {"decoder.mcc", Better::kHigher, 0.005, 0, 0},
      {"eval.fvu", Better::kLower, 0.002, 0.02, 0},
      {"eval.f1_mean", Better::kHigher, 0.01, 0, 0},
      {"eval.dead_fraction", Better::kLower, 0.01, 0, 0},
      {"eval.polysemantic_fraction", Better::kLower, 0.02, 0, 0},
      {"absorption.mean_rate", Better::kLower, 0.02, 0, 0},
      {"absorption.absorbed_fraction", Better::kLower, 0.02, 0, 2},
  };
  return *rules;
}

const MetricRule* FindMetricRule(const std::string& name) {
  for (const MetricRule& rule : GatedMetrics()) {
    if (rule.name == name) return &rule;
  }
  return nullptr;
}

}  // namespace lrb::bench
