// plant_regression: a copy of an `lrb baseline` file with one metric moved, for testing that
// the regression gate fails when it should (leaderboard/BUILD.bazel, docs/regressions.md).
//
//   plant_regression --in=BASELINE.json --out=PLANTED.json --metric=NAME
//                    [--scale=S] [--add=A]
//
// Every numeric member named NAME, wherever it is in the document (each run's "metrics"),
// becomes value * S + A. Nothing else changes. Fails (exit 1) when the file has no such
// member: a planted regression that plants nothing must not let a test pass by accident.

#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(std::string, in, "", "the baseline file to copy");
ABSL_FLAG(std::string, out, "", "where to write the planted copy");
ABSL_FLAG(std::string, metric, "", "the metric to move");
ABSL_FLAG(double, scale, 1.0, "factor applied to the metric");
ABSL_FLAG(double, add, 0.0, "then added to it");

namespace {

// Moves every numeric member named `metric` under `node`; returns how many.
int Plant(nlohmann::json& node, const std::string& metric, double scale, double add) {
  int planted = 0;
  if (node.is_object()) {
    for (auto& [key, value] : node.items()) {
      if (key == metric && value.is_number()) {
        value = value.get<double>() * scale + add;
        ++planted;
      } else {
        planted += Plant(value, metric, scale, add);
      }
    }
  } else if (node.is_array()) {
    for (nlohmann::json& element : node) planted += Plant(element, metric, scale, add);
  }
  return planted;
}

int Main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string in_path = absl::GetFlag(FLAGS_in);
  const std::string out_path = absl::GetFlag(FLAGS_out);
  const std::string metric = absl::GetFlag(FLAGS_metric);
  const double scale = absl::GetFlag(FLAGS_scale);
  const double add = absl::GetFlag(FLAGS_add);
  if (in_path.empty() || out_path.empty() || metric.empty()) {
    std::cerr << "plant_regression: --in, --out and --metric are required\n";
    return 2;
  }
  if (!std::isfinite(scale) || !std::isfinite(add) || (scale == 1 && add == 0)) {
    std::cerr << "plant_regression: --scale=" << scale << " --add=" << add
              << " plants nothing; expected finite values that change the metric\n";
    return 2;
  }
  std::ifstream in(in_path);
  if (!in) {
    std::cerr << "plant_regression: cannot read " << in_path << "\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json document = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    std::cerr << "plant_regression: " << in_path << " is not JSON\n";
    return 1;
  }
  const int planted = Plant(document, metric, scale, add);
  if (planted == 0) {
    std::cerr << "plant_regression: " << in_path << " has no numeric member \"" << metric
              << "\"\n";
    return 1;
  }
  std::ofstream out(out_path);
  out << document.dump(1) << "\n";
  out.close();
  if (!out) {
    std::cerr << "plant_regression: cannot write " << out_path << "\n";
    return 1;
  }
  std::cerr << "plant_regression: moved " << planted << " value(s) of " << metric << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
