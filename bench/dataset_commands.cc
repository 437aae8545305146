#include "bench/dataset_commands.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "datasets/activations.h"
#include "datasets/dataset.h"
#include "datasets/dataset_io.h"
#include "datasets/dataset_spec.h"
#include "datasets/generator.h"
#include "nlohmann/json.hpp"
#include "util/parallel.h"
#include "util/status_macros.h"

namespace lrb::bench {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int Threads(int threads) { return threads > 0 ? threads : DefaultThreadCount(); }

// True when `dir` already holds `canonical_spec` and passes every load check.
bool AlreadyGenerated(const std::string& dir, const std::string& canonical_spec) {
  std::ifstream in(fs::path(dir) / "manifest.json");
  if (!in) return false;
  std::stringstream text;
  text << in.rdbuf();
  const json manifest = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.contains("spec") ||
      manifest["spec"] != canonical_spec) {
    return false;
  }
  return datasets::LoadDataset(dir).ok();
}

absl::Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

}  // namespace

absl::Status GenerateSuiteCommand(const Suite& suite, const std::string& out_dir, int threads,
                                  std::ostream* log) {
  threads = Threads(threads);
  std::error_code error;
  fs::create_directories(out_dir, error);
  if (error) {
    return absl::InternalError(absl::StrCat(out_dir, ": cannot create: ", error.message()));
  }
  json entries = json::array();
  for (size_t i = 0; i < suite.datasets.size(); ++i) {
    LRB_ASSIGN_OR_RETURN(const datasets::DatasetSpec spec,
                         datasets::ParseDatasetSpec(suite.datasets[i]));
    const std::string canonical = datasets::ToString(spec);
    const std::string name = absl::StrFormat("dataset_%02d", i);
    const std::string dir = (fs::path(out_dir) / name).string();
    if (log) *log << absl::StrFormat("[%d/%d] %s\n", i + 1, suite.datasets.size(), canonical);
    std::string hash;
    if (AlreadyGenerated(dir, canonical)) {
      LRB_ASSIGN_OR_RETURN(const datasets::Dataset existing, datasets::LoadDataset(dir));
      hash = existing.content_hash;
      if (log) *log << "  already generated (hash " << hash << "), kept\n";
    } else {
      const auto start = std::chrono::steady_clock::now();
      LRB_ASSIGN_OR_RETURN(const datasets::Dataset d, datasets::GenerateDataset(spec, threads));
      const double generate_seconds = SecondsSince(start);
      LRB_RETURN_IF_ERROR(datasets::SaveDataset(d, dir));
      hash = d.content_hash;
      if (log) {
        *log << absl::StrFormat(
            "  hash %s: %d samples, %d PGD steps (%.2fs, max interference %.4f),%s codes %.2fs, "
            "%.0f samples/s; written in %.2fs\n",
            hash, d.num_samples(), d.report.pgd_iterations, d.report.pgd_seconds,
            d.report.max_interference,
            d.report.tms_seconds > 0
                ? absl::StrFormat(" TMS trained in %.2fs (loss %.4g, %d features represented),",
                                  d.report.tms_seconds, d.report.tms_final_loss,
                                  d.report.tms_represented)
                : "",
            d.report.codes_seconds,
            d.num_samples() / generate_seconds, SecondsSince(start) - generate_seconds);
      }
    }
    entries.push_back({{"dir", name}, {"spec", canonical}, {"content_hash", hash}});
  }
  const json manifest = {
      {"suite", suite.id()},         {"description", suite.description},
      {"fingerprint", SuiteFingerprint(suite)}, {"datasets", entries},
      {"methods", suite.methods},    {"backends", suite.backends},
      {"seeds", suite.seeds},        {"train", suite.train},
  };
  return WriteText((fs::path(out_dir) / "suite.json").string(), manifest.dump(2) + "\n");
}

absl::Status ExportDenseCommand(const std::string& dataset_dir, bool dense, int threads,
                                std::ostream* log) {
  if (!dense) {
    return absl::InvalidArgumentError(
        "export: nothing to export; pass --dense to write x_p.npy (and x_r.npy)");
  }
  if (dataset_dir.empty()) {
    return absl::InvalidArgumentError("export: --dataset=DIR is required");
  }
  threads = Threads(threads);
  std::vector<std::string> dirs;
  const fs::path suite_file = fs::path(dataset_dir) / "suite.json";
  if (fs::exists(suite_file)) {
    std::ifstream in(suite_file);
    std::stringstream text;
    text << in.rdbuf();
    const json suite = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (suite.is_discarded() || !suite.contains("datasets")) {
      return absl::DataLossError(absl::StrCat(suite_file.string(), ": not a suite manifest"));
    }
    for (const json& entry : suite["datasets"]) {
      dirs.push_back((fs::path(dataset_dir) / entry.value("dir", "")).string());
    }
  } else {
    dirs.push_back(dataset_dir);
  }
  for (const std::string& dir : dirs) {
    LRB_ASSIGN_OR_RETURN(const datasets::Dataset d, datasets::LoadDataset(dir));
    const auto start = std::chrono::steady_clock::now();
    LRB_ASSIGN_OR_RETURN(const std::vector<std::string> written,
                         datasets::ExportDense(d, dir, threads));
    if (log) {
      for (const std::string& path : written) *log << "wrote " << path << "\n";
      *log << absl::StrFormat("  %d samples in %.2fs\n", d.num_samples(), SecondsSince(start));
    }
  }
  return absl::OkStatus();
}

absl::Status ImportActivationsCommand(const std::string& activations_path,
                                      const std::string& labels_path,
                                      const std::string& out_dir, std::ostream* log) {
  if (activations_path.empty()) {
    return absl::InvalidArgumentError("import: --activations=FILE.npy is required");
  }
  LRB_ASSIGN_OR_RETURN(const datasets::Dataset d,
                       datasets::ImportActivations(activations_path, labels_path, {}));
  LRB_RETURN_IF_ERROR(datasets::SaveDataset(d, out_dir));
  if (log) {
    *log << absl::StrFormat("imported %d x %d activations, %d classes: %s\n  hash %s -> %s\n",
                            d.num_samples(), d.n_p, d.n, d.spec, d.content_hash, out_dir);
  }
  return absl::OkStatus();
}

}  // namespace lrb::bench
