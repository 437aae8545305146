#include "bench/merge_command.h"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/suites.h"
#include "leaderboard/store/run_difference.h"
#include "leaderboard/store/store.h"
#include "util/status_macros.h"

namespace lrb::bench {
namespace {

using leaderboard::Import;
using leaderboard::RunRecord;
using leaderboard::Store;

// A run as read from one input.
struct Candidate {
  RunRecord run;
  std::string input;
};

const Suite* SuiteWithId(const std::string& id) {
  for (const Suite& suite : AllSuites()) {
    if (suite.id() == id) return &suite;
  }
  return nullptr;
}

// "sae.topk(k=4) seed 0 (simd) on lrb(...)": which run, in words.
std::string Describe(const RunRecord& run) {
  return absl::StrFormat("%s seed %d (%s) on %s", run.method_spec, run.seed, run.backend,
                         run.dataset_spec);
}

// Why `run` may not join its suite's results, or "". A run is checked against the suite
// it was trained for (run.suite): the other suites it belongs to reused it under the same
// key, which holds the same dataset hash.
absl::StatusOr<std::string> DatasetProblem(const RunRecord& run,
                                           SuiteDatasetHashes& dataset_hashes) {
  if (run.suite.empty()) return "";
  const Suite* suite = SuiteWithId(run.suite);
  if (suite == nullptr) {
    return absl::StrFormat("its suite %s is not one this lrb knows (`lrb suites` lists them)",
                           run.suite);
  }
  const absl::StatusOr<std::string> expected = dataset_hashes.Expected(*suite, run.dataset_spec);
  if (absl::IsNotFound(expected.status())) return std::string(expected.status().message());
  LRB_RETURN_IF_ERROR(expected.status());
  if (*expected != run.dataset_hash) {
    return absl::StrFormat("its dataset_hash %s is not the hash %s of %s's dataset %s",
                           run.dataset_hash, *expected, run.suite, run.dataset_spec);
  }
  return "";
}

}  // namespace

absl::StatusOr<MergeSummary> MergeDatabases(const std::string& out_path,
                                            const std::vector<std::string>& input_paths,
                                            SuiteDatasetHashes& dataset_hashes) {
  // Every input is read before OUT is touched: a missing or foreign input changes nothing.
  std::vector<Candidate> candidates;
  for (const std::string& path : input_paths) {
    if (!std::filesystem::exists(path)) {
      return absl::NotFoundError(absl::StrCat("merge: no database at ", path));
    }
    LRB_ASSIGN_OR_RETURN(const std::unique_ptr<Store> input, Store::OpenReadOnly(path));
    LRB_ASSIGN_OR_RETURN(std::vector<RunRecord> runs, input->LoadAllRuns());
    for (RunRecord& run : runs) candidates.push_back({std::move(run), path});
  }

  MergeSummary summary;
  // Inputs that disagree about a key: every copy is refused, since nothing says which is right.
  std::map<std::string, const Candidate*> first_finished;
  std::map<std::string, std::string> disagreement;
  for (const Candidate& candidate : candidates) {
    const RunRecord& run = candidate.run;
    if (run.status != "ok" || !run.incomplete.empty()) continue;
    const auto [it, inserted] = first_finished.emplace(run.run_key, &candidate);
    if (inserted || disagreement.contains(run.run_key)) continue;
    const std::string difference = leaderboard::FirstDifference(it->second->run, run);
    if (!difference.empty()) {
      disagreement[run.run_key] = absl::StrFormat("%s and %s disagree about it (%s)",
                                                  it->second->input, candidate.input, difference);
    }
  }

  LRB_ASSIGN_OR_RETURN(const std::unique_ptr<Store> out, Store::Open(out_path));
  for (const Candidate& candidate : candidates) {
    const RunRecord& run = candidate.run;
    if (run.status != "ok" || !run.incomplete.empty()) {
      ++summary.unfinished;
      continue;
    }
    const auto refuse = [&](const std::string& why) {
      ++summary.refused;
      summary.refusals.push_back(
          absl::StrFormat("%s (%s) from %s: %s", run.run_key, Describe(run), candidate.input, why));
    };
    if (const auto it = disagreement.find(run.run_key); it != disagreement.end()) {
      refuse(it->second);
      continue;
    }
    // Already there and the same: no (possibly slow) dataset check; importing it only
    // unites its suites with OUT's.
    LRB_ASSIGN_OR_RETURN(const std::optional<RunRecord> present, out->FindFinishedRun(run.run_key));
    if (!present.has_value() || !leaderboard::FirstDifference(*present, run).empty()) {
      LRB_ASSIGN_OR_RETURN(const std::string problem, DatasetProblem(run, dataset_hashes));
      if (!problem.empty()) {
        refuse(problem);
        continue;
      }
    }
    LRB_ASSIGN_OR_RETURN(const Import import, out->ImportFinishedRun(run));
    switch (import.outcome) {
      case Import::Outcome::kAdded:
        ++summary.added;
        if (!import.note.empty()) {
          summary.replaced.push_back(absl::StrFormat("%s (%s) from %s: %s", run.run_key,
                                                     Describe(run), candidate.input, import.note));
        }
        break;
      case Import::Outcome::kIdentical:
        ++summary.already_present;
        if (!import.note.empty()) {
          summary.joined.push_back(absl::StrFormat("%s (%s) from %s: %s", run.run_key,
                                                   Describe(run), candidate.input, import.note));
        }
        break;
      case Import::Outcome::kRefused:
        refuse(import.note);
        break;
    }
  }
  return summary;
}

std::string FormatMergeSummary(const std::string& out_path, int inputs,
                               const MergeSummary& summary) {
  std::string text = absl::StrFormat(
      "merged %d database%s into %s: %d added, %d skipped (%d already present, %d not "
      "finished in their input), %d refused\n",
      inputs, inputs == 1 ? "" : "s", out_path, summary.added,
      summary.already_present + summary.unfinished, summary.already_present, summary.unfinished,
      summary.refused);
  for (const std::string& line : summary.replaced) absl::StrAppend(&text, "  added ", line, "\n");
  for (const std::string& line : summary.joined) {
    absl::StrAppend(&text, "  already present ", line, "\n");
  }
  for (const std::string& line : summary.refusals) {
    absl::StrAppend(&text, "  refused ", line, "\n");
  }
  return text;
}

absl::Status MergeCommand(const std::string& out_path, const std::vector<std::string>& inputs,
                          const std::string& data_dir, std::ostream& out) {
  SuiteDatasetHashes hashes(data_dir, /*threads=*/0);
  LRB_ASSIGN_OR_RETURN(const MergeSummary summary, MergeDatabases(out_path, inputs, hashes));
  out << FormatMergeSummary(out_path, static_cast<int>(inputs.size()), summary);
  if (summary.refused > 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "merge: %d run(s) refused (listed above); %s kept everything it had", summary.refused,
        out_path));
  }
  return absl::OkStatus();
}

}  // namespace lrb::bench
