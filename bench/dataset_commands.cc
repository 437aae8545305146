#include "bench/dataset_commands.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
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
#include "util/atomic_file.h"
#include "util/input_file.h"
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

constexpr int64_t kMaxJsonBytes = int64_t{64} << 20;

// True when `dir` already holds `canonical_spec` and passes every load check.
bool AlreadyGenerated(const std::string& dir, const std::string& canonical_spec) {
  const absl::StatusOr<std::string> text =
      ReadSmallFile((fs::path(dir) / "manifest.json").string(), kMaxJsonBytes);
  if (!text.ok()) return false;
  const json manifest = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object() || !manifest.contains("spec") ||
      manifest["spec"] != canonical_spec) {
    return false;
  }
  return datasets::LoadDataset(dir).ok();
}

// An output directory given by `flag` (e.g. "--out"): required, and either missing (it is
// created) or a directory.
absl::Status CheckOutputDirectory(std::string_view command, std::string_view flag,
                                  const std::string& dir) {
  if (dir.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: %s=DIR is required", command, flag));
  }
  std::error_code error;
  const fs::file_status status = fs::status(dir, error);
  if (error && error != std::errc::no_such_file_or_directory) {
    return absl::FailedPreconditionError(
        absl::StrFormat("%s: %s=%s: %s", command, flag, dir, error.message()));
  }
  if (fs::exists(status) && !fs::is_directory(status)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: %s=%s exists and is not a directory", command, flag, dir));
  }
  return absl::OkStatus();
}

// The names of `dir`'s entries (empty when it does not exist).
std::vector<std::string> EntryNames(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    names.push_back(it->path().filename().string());
  }
  return names;
}

// A suite.json "dir" entry must name a directory inside the suite directory.
bool IsPlainName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

}  // namespace

absl::Status GenerateSuiteCommand(const Suite& suite, const std::string& out_dir, int threads,
                                  std::ostream* log) {
  LRB_RETURN_IF_ERROR(CheckOutputDirectory("generate", "--out", out_dir));
  {
    // Refuse to spread dataset directories over a directory that holds something else.
    const std::vector<std::string> names = EntryNames(out_dir);
    const bool suite_like = std::any_of(names.begin(), names.end(), [](const std::string& n) {
      return n == "suite.json" || n.rfind("dataset_", 0) == 0;
    });
    if (!names.empty() && !suite_like) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "generate: --out=%s is a non-empty directory that is not a suite directory (no "
          "suite.json, no dataset_NN); choose a new or empty directory",
          out_dir));
    }
  }
  threads = Threads(threads);
  std::error_code error;
  fs::create_directories(out_dir, error);
  if (error) {
    return absl::InternalError(absl::StrCat(out_dir, ": cannot create: ", error.message()));
  }
  // suite.json is the suite directory's commit point: removed now, written last, so that
  // it exists only when every dataset it lists is complete.
  const std::string suite_json = (fs::path(out_dir) / "suite.json").string();
  fs::remove(suite_json, error);
  if (error) {
    return absl::InternalError(absl::StrCat(suite_json, ": cannot remove: ", error.message()));
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
  return WriteFileAtomically(suite_json, manifest.dump(2) + "\n");
}

absl::Status GenerateSpecCommand(const std::string& spec_text, const std::string& out_dir,
                                 int threads, std::ostream* log) {
  const absl::StatusOr<datasets::DatasetSpec> spec = datasets::ParseDatasetSpec(spec_text);
  if (!spec.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("generate: --spec=", spec_text, ": ", spec.status().message()));
  }
  LRB_RETURN_IF_ERROR(CheckOutputDirectory("generate", "--out", out_dir));
  const std::vector<std::string> names = EntryNames(out_dir);
  if (!names.empty() && std::find(names.begin(), names.end(), "manifest.json") == names.end()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "generate: --out=%s is a non-empty directory without manifest.json: not a dataset "
        "directory; choose a new or empty directory",
        out_dir));
  }
  const std::string canonical = datasets::ToString(*spec);
  if (log) *log << canonical << "\n";
  if (AlreadyGenerated(out_dir, canonical)) {
    if (log) *log << "  already generated in " << out_dir << ", kept\n";
    return absl::OkStatus();
  }
  const auto start = std::chrono::steady_clock::now();
  LRB_ASSIGN_OR_RETURN(const datasets::Dataset d,
                       datasets::GenerateDataset(*spec, Threads(threads)));
  LRB_RETURN_IF_ERROR(datasets::SaveDataset(d, out_dir));
  if (log) {
    *log << absl::StrFormat("  hash %s: %d samples, max interference %.4f; written to %s in "
                            "%.2fs\n",
                            d.content_hash, d.num_samples(), d.report.max_interference, out_dir,
                            SecondsSince(start));
  }
  return absl::OkStatus();
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
  std::error_code error;
  if (!fs::is_directory(dataset_dir, error)) {
    return absl::NotFoundError(absl::StrFormat(
        "export: --dataset=%s is not a directory (a dataset or suite directory was expected)",
        dataset_dir));
  }
  threads = Threads(threads);
  std::vector<std::string> dirs;
  const std::string suite_file = (fs::path(dataset_dir) / "suite.json").string();
  if (fs::exists(fs::symlink_status(suite_file, error))) {
    LRB_ASSIGN_OR_RETURN(const std::string text, ReadSmallFile(suite_file, kMaxJsonBytes));
    const json suite = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (suite.is_discarded() || !suite.is_object() || !suite.contains("datasets") ||
        !suite["datasets"].is_array()) {
      return absl::DataLossError(absl::StrCat(
          suite_file, ": not a suite manifest (expected a JSON object with a \"datasets\" "
                      "array)"));
    }
    const json& datasets = suite["datasets"];
    for (size_t i = 0; i < datasets.size(); ++i) {
      const json& entry = datasets[i];
      if (!entry.is_object() || !entry.contains("dir") || !entry["dir"].is_string() ||
          !IsPlainName(entry["dir"].get<std::string>())) {
        return absl::DataLossError(absl::StrFormat(
            "%s: datasets[%d] is %s, expected {\"dir\": a directory name inside %s, ...}",
            suite_file, i, entry.dump(-1, ' ', false, json::error_handler_t::replace),
            dataset_dir));
      }
      dirs.push_back((fs::path(dataset_dir) / entry["dir"].get<std::string>()).string());
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
  LRB_RETURN_IF_ERROR(CheckOutputDirectory("import", "--out", out_dir));
  const std::vector<std::string> names = EntryNames(out_dir);
  if (!names.empty() && std::find(names.begin(), names.end(), "manifest.json") == names.end()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "import: --out=%s is a non-empty directory without manifest.json: not a dataset "
        "directory (or one whose writing did not finish); remove it or choose another",
        out_dir));
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
