// Results across databases: `lrb merge` (idempotent, refusing runs whose dataset is not the
// suite's or whose copies disagree, keeping every suite a run belongs to), `lrb baseline`
// files and `lrb compare` (a planted regression is caught, seed noise is not flagged, a
// missing run fails).

#include <cstdint>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/compare.h"
#include "bench/merge_command.h"
#include "bench/results_file.h"
#include "bench/suite_dataset_hashes.h"
#include "bench/suites.h"
#include "datasets/dataset_spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/run_difference.h"
#include "leaderboard/store/store.h"
#include "util/testing/status_matchers.h"
#include "util/testing/temp_dir.h"

namespace lrb::bench {
namespace {

using leaderboard::RunRecord;
using leaderboard::Store;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const Suite& Tiny() { return **FindSuite("tiny"); }

std::string TinyDataset() {
  return datasets::ToString(*datasets::ParseDatasetSpec(Tiny().datasets[0]));
}

constexpr char kTinyHash[] = "a-hash-from-suite-json";

// A suite directory whose suite.json says tiny's dataset has hash kTinyHash, so that the
// dataset check needs no generation.
std::string TinySuiteDir() {
  const std::string dir = ::lrb::testing::NewTempDir("tiny_suite");
  std::ofstream(dir + "/suite.json") << absl::StrFormat(
      R"({"suite": "%s", "fingerprint": "%s", "datasets": [{"dir": "dataset_00", "spec": "%s", )"
      R"("content_hash": "%s"}]})",
      Tiny().id(), SuiteFingerprint(Tiny()), TinyDataset(), kTinyHash);
  return dir;
}

// A finished tiny@1 run, as `lrb run` would record it, with the given metrics.
RunRecord TinyRun(const std::string& method, uint64_t seed,
                  std::vector<std::pair<std::string, double>> metrics) {
  RunRecord run;
  run.suite = Tiny().id();
  run.dataset_spec = TinyDataset();
  run.dataset_hash = kTinyHash;
  run.method_spec = method;
  run.train_spec = Tiny().train;
  run.backend = "simd";
  run.backend_used = "simd:AVX2";
  run.seed = seed;
  run.scorer_version = "score@2";
  run.run_key = absl::StrCat(method, "#", seed);
  run.environment.build_mode = "opt";
  run.status = "ok";
  metrics.emplace_back("features_scored", 64);
  std::sort(metrics.begin(), metrics.end());
  run.metrics = std::move(metrics);
  run.features = {{.feature = 0, .best_latent = 1, .best_cosine = 0.99, .recovered = true}};
  return run;
}

void WriteRuns(const std::string& path, const std::vector<RunRecord>& runs) {
  LRB_ASSERT_OK_AND_ASSIGN(const std::unique_ptr<Store> store, Store::Open(path));
  for (const RunRecord& run : runs) {
    LRB_ASSERT_OK_AND_ASSIGN(const int64_t id, store->BeginRun(run));
    LRB_ASSERT_OK(store->FinishRun(id, run));
  }
}

std::vector<RunRecord> AllRuns(const std::string& path) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::OpenReadOnly(path);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return {};
  absl::StatusOr<std::vector<RunRecord>> runs = (*store)->LoadAllRuns();
  EXPECT_TRUE(runs.ok()) << runs.status();
  return runs.ok() ? *runs : std::vector<RunRecord>{};
}

std::vector<std::pair<std::string, double>> Metrics(double m_gt, double m_ip) {
  return {{"m_gt@0.95", m_gt}, {"m_ip", m_ip}, {"eval.fvu", 0.1}};
}

TEST(MergeTest, GathersShardsAndMergingAgainAddsNothing) {
  const std::string shard0 = ::lrb::testing::FreshTempPath("shard0.db");
  const std::string shard1 = ::lrb::testing::FreshTempPath("shard1.db");
  const std::string out = ::lrb::testing::FreshTempPath("out.db");
  WriteRuns(shard0, {TinyRun("sae.topk(k=4)", 0, Metrics(0.5, 0.9)),
                     TinyRun("sae.topk(k=4)", 1, Metrics(0.6, 0.91))});
  WriteRuns(shard1, {TinyRun("sae.relu()", 0, Metrics(0.2, 0.8))});
  // An unfinished run in a shard is skipped, never added.
  {
    LRB_ASSERT_OK_AND_ASSIGN(const std::unique_ptr<Store> store, Store::Open(shard1));
    LRB_ASSERT_OK_AND_ASSIGN(const int64_t id, store->BeginRun(TinyRun("sae.relu()", 1, {})));
    LRB_ASSERT_OK(store->FailRun(id, "diverged"));
  }
  SuiteDatasetHashes hashes(TinySuiteDir(), 1);

  LRB_ASSERT_OK_AND_ASSIGN(const MergeSummary first, MergeDatabases(out, {shard0, shard1}, hashes));
  EXPECT_EQ(first.added, 3);
  EXPECT_EQ(first.unfinished, 1);
  EXPECT_EQ(first.refused, 0);
  const std::vector<RunRecord> merged = AllRuns(out);
  ASSERT_EQ(merged.size(), 3u);
  for (const RunRecord& run : merged) EXPECT_EQ(run.status, "ok") << run.run_key;

  LRB_ASSERT_OK_AND_ASSIGN(const MergeSummary again, MergeDatabases(out, {shard0, shard1}, hashes));
  EXPECT_EQ(again.added, 0);
  EXPECT_EQ(again.already_present, 3);
  EXPECT_EQ(again.refused, 0);
  const std::vector<RunRecord> after = AllRuns(out);
  ASSERT_EQ(after.size(), merged.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(leaderboard::FirstDifference(after[i], merged[i]), "");
    EXPECT_EQ(after[i].created_at, merged[i].created_at);
  }
  // The report says all of it.
  EXPECT_THAT(FormatMergeSummary(out, 2, again),
              HasSubstr("0 added, 4 skipped (3 already present, 1 not finished in their input), "
                        "0 refused"));
}

TEST(MergeTest, RefusesARunWhoseDatasetIsNotTheSuitesAndExitsWithFailure) {
  const std::string good = ::lrb::testing::FreshTempPath("good.db");
  const std::string bad = ::lrb::testing::FreshTempPath("bad.db");
  const std::string out = ::lrb::testing::FreshTempPath("out.db");
  WriteRuns(good, {TinyRun("sae.topk(k=4)", 0, Metrics(0.5, 0.9))});
  RunRecord other_data = TinyRun("sae.topk(k=4)", 1, Metrics(0.5, 0.9));
  other_data.dataset_hash = "generated-by-another-generator";
  RunRecord other_spec = TinyRun("sae.topk(k=4)", 2, Metrics(0.5, 0.9));
  other_spec.dataset_spec = "lrb(n=8)";
  RunRecord unknown_suite = TinyRun("sae.topk(k=4)", 3, Metrics(0.5, 0.9));
  unknown_suite.suite = "tiny@99";
  WriteRuns(bad, {other_data, other_spec, unknown_suite});

  std::ostringstream printed;
  const absl::Status status = MergeCommand(out, {good, bad}, TinySuiteDir(), printed);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(printed.str(), HasSubstr("1 added"));
  EXPECT_THAT(printed.str(), HasSubstr("3 refused"));
  EXPECT_THAT(printed.str(),
              HasSubstr(absl::StrCat("its dataset_hash generated-by-another-generator is not the "
                                     "hash ", kTinyHash)));
  EXPECT_THAT(printed.str(), HasSubstr("tiny@1 has no dataset lrb(n=8)"));
  EXPECT_THAT(printed.str(), HasSubstr("its suite tiny@99 is not one this lrb knows"));
  const std::vector<RunRecord> merged = AllRuns(out);
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].seed, 0u);
}

TEST(MergeTest, RefusesAKeyWhoseCopiesDisagreeAndKeepsWhatTheOutputHas) {
  const std::string a = ::lrb::testing::FreshTempPath("a.db");
  const std::string b = ::lrb::testing::FreshTempPath("b.db");
  const std::string out = ::lrb::testing::FreshTempPath("out.db");
  WriteRuns(a, {TinyRun("sae.topk(k=4)", 0, Metrics(0.5, 0.9)),
                TinyRun("sae.topk(k=4)", 1, Metrics(0.5, 0.9))});
  WriteRuns(b, {TinyRun("sae.topk(k=4)", 0, Metrics(0.1, 0.9))});
  WriteRuns(out, {TinyRun("sae.topk(k=4)", 1, Metrics(0.7, 0.95))});
  SuiteDatasetHashes hashes(TinySuiteDir(), 1);

  LRB_ASSERT_OK_AND_ASSIGN(const MergeSummary summary, MergeDatabases(out, {a, b}, hashes));
  EXPECT_EQ(summary.added, 0);
  EXPECT_EQ(summary.refused, 3);  // both copies of seed 0, and a's seed 1
  const std::string report = FormatMergeSummary(out, 2, summary);
  EXPECT_THAT(report, HasSubstr(absl::StrCat(a, " and ", b, " disagree about it")));
  EXPECT_THAT(report, HasSubstr("the output database has other results under this key"));
  const std::vector<RunRecord> kept = AllRuns(out);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].metrics, TinyRun("sae.topk(k=4)", 1, Metrics(0.7, 0.95)).metrics);
}

TEST(MergeTest, ConcurrentMergesIntoOneOutputAddEachRunOnce) {
  std::vector<RunRecord> runs;
  for (uint64_t seed = 0; seed < 12; ++seed) {
    runs.push_back(TinyRun("sae.topk(k=4)", seed, Metrics(0.5, 0.9 - 0.001 * seed)));
  }
  const std::string shard = ::lrb::testing::FreshTempPath("shard.db");
  WriteRuns(shard, runs);
  const std::string out = ::lrb::testing::FreshTempPath("out.db");
  const std::string suite_dir = TinySuiteDir();
  // Two processes' worth of merges of the same shard at once (each its own connection).
  std::vector<absl::StatusOr<MergeSummary>> results(2, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      SuiteDatasetHashes hashes(suite_dir, 1);
      results[t] = MergeDatabases(out, {shard}, hashes);
    });
  }
  for (std::thread& thread : threads) thread.join();
  int added = 0;
  for (const absl::StatusOr<MergeSummary>& result : results) {
    LRB_ASSERT_OK(result.status());
    EXPECT_EQ(result->refused, 0);
    EXPECT_EQ(result->added + result->already_present, 12);
    added += result->added;
  }
  EXPECT_EQ(added, 12) << "each run added by exactly one of the merges";
  EXPECT_EQ(AllRuns(out).size(), 12u);
}

// Two suites that train one key (tiny and tiny_all share tiny's dataset; the run key leaves
// the suite out) made one run. Merging their databases keeps it once, on both suites'
// boards, where the suites' copies used to be refused as disagreeing; merging on carries
// both suites.
TEST(MergeTest, ARunTwoSuitesTrainedIsKeptOnceInBothSuites) {
  const std::string tiny_db = ::lrb::testing::FreshTempPath("tiny.db");
  const std::string tiny_all_db = ::lrb::testing::FreshTempPath("tiny_all.db");
  const std::string out = ::lrb::testing::FreshTempPath("out.db");
  const RunRecord run = TinyRun("sae.topk(k=4)", 0, Metrics(0.5, 0.9));
  RunRecord same = run;
  same.suite = "tiny_all@1";
  WriteRuns(tiny_db, {run});
  WriteRuns(tiny_all_db, {same});
  SuiteDatasetHashes hashes(TinySuiteDir(), 1);

  LRB_ASSERT_OK_AND_ASSIGN(const MergeSummary summary,
                           MergeDatabases(out, {tiny_db, tiny_all_db}, hashes));
  EXPECT_EQ(summary.added, 1);
  EXPECT_EQ(summary.already_present, 1);
  EXPECT_EQ(summary.refused, 0);
  EXPECT_THAT(FormatMergeSummary(out, 2, summary),
              HasSubstr(absl::StrCat("  already present ", run.run_key, " (sae.topk(k=4) seed 0 ",
                                     "(simd) on ", run.dataset_spec, ") from ", tiny_all_db,
                                     ": now also in tiny_all@1\n")));
  {
    LRB_ASSERT_OK_AND_ASSIGN(const std::unique_ptr<Store> merged, Store::OpenReadOnly(out));
    for (const char* suite : {"tiny@1", "tiny_all@1"}) {
      LRB_ASSERT_OK_AND_ASSIGN(const std::vector<RunRecord> board, merged->LoadRuns(suite));
      ASSERT_EQ(board.size(), 1u) << suite;
      EXPECT_EQ(board[0].suite, "tiny@1") << "the first input's provenance";
      EXPECT_EQ(board[0].suites, (std::vector<std::string>{"tiny@1", "tiny_all@1"}));
    }
  }

  LRB_ASSERT_OK_AND_ASSIGN(const MergeSummary again,
                           MergeDatabases(out, {tiny_db, tiny_all_db}, hashes));
  EXPECT_EQ(again.added, 0);
  EXPECT_EQ(again.already_present, 2);
  EXPECT_THAT(again.joined, IsEmpty());
  const std::string onward = ::lrb::testing::FreshTempPath("onward.db");
  LRB_ASSERT_OK_AND_ASSIGN(const MergeSummary carried, MergeDatabases(onward, {out}, hashes));
  EXPECT_EQ(carried.added, 1);
  const std::vector<RunRecord> all = AllRuns(onward);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].suites, (std::vector<std::string>{"tiny@1", "tiny_all@1"}));
}

TEST(MergeTest, AMissingInputChangesNothing) {
  const std::string out = ::lrb::testing::FreshTempPath("out.db");
  SuiteDatasetHashes hashes("", 1);
  EXPECT_EQ(MergeDatabases(out, {::lrb::testing::FreshTempPath("nothing.db")}, hashes)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(out)) << "OUT must not be created for a failed merge";
}

TEST(SuiteDatasetHashesTest, GeneratesWhenNoSuiteDirectoryIsGiven) {
  SuiteDatasetHashes generated("", 2);
  LRB_ASSERT_OK_AND_ASSIGN(const std::string hash, generated.Expected(Tiny(), TinyDataset()));
  EXPECT_EQ(hash.size(), 16u) << hash;
  // A suite directory that describes another suite is not used for this one.
  SuiteDatasetHashes other_suite(TinySuiteDir(), 2);
  const Suite& smoke = **FindSuite("smoke");
  EXPECT_EQ(other_suite.Expected(smoke, TinyDataset()).status().code(),
            absl::StatusCode::kNotFound)
      << "tiny's dataset is not smoke's";
  LRB_ASSERT_OK_AND_ASSIGN(const std::string from_json, other_suite.Expected(Tiny(), TinyDataset()));
  EXPECT_EQ(from_json, kTinyHash);
}

// --- compare ---

// A run tiny trained and tiny_all reused (`lrb run --suite=tiny_all` on the same database)
// is a result of both suites: each suite's results have it, under that suite.
TEST(ResultsTest, ARunSharedBySuitesIsAResultOfEach) {
  const std::string path = ::lrb::testing::FreshTempPath("shared.db");
  const RunRecord run = TinyRun("sae.topk(k=4)", 0, Metrics(0.5, 0.9));
  WriteRuns(path, {run});
  {
    LRB_ASSERT_OK_AND_ASSIGN(const std::unique_ptr<Store> store, Store::Open(path));
    RunRecord reuse = run;
    reuse.suite = "tiny_all@1";
    LRB_ASSERT_OK_AND_ASSIGN(const leaderboard::Claim claim, store->ClaimRun(reuse));
    ASSERT_EQ(claim.outcome, leaderboard::Claim::Outcome::kAlreadyFinished);
  }
  for (const char* suite : {"tiny@1", "tiny_all@1"}) {
    LRB_ASSERT_OK_AND_ASSIGN(const std::vector<ResultRow> rows, LoadResults(path, suite));
    ASSERT_EQ(rows.size(), 1u) << suite;
    EXPECT_EQ(rows[0].suite, suite);
    EXPECT_EQ(rows[0].metrics.at("m_ip"), 0.9);
  }
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<ResultRow> every, LoadResults(path, ""));
  ASSERT_EQ(every.size(), 2u) << "one row per suite the run serves";
  EXPECT_EQ(every[0].suite, "tiny@1");
  EXPECT_EQ(every[1].suite, "tiny_all@1");
}

// Three seeds of two configurations; `m_ip_shift` moves every m_ip of the topk runs.
std::vector<RunRecord> ThreeSeeds(double topk_m_gt, double m_ip_shift,
                                  const std::vector<uint64_t>& seeds = {0, 1, 2}) {
  // Seed-to-seed spread of about 0.01 in m_ip and 0.02 in m_gt.
  const double m_gt_noise[] = {0.0, 0.02, -0.02};
  const double m_ip_noise[] = {0.0, 0.01, -0.01};
  std::vector<RunRecord> runs;
  for (size_t i = 0; i < seeds.size(); ++i) {
    runs.push_back(TinyRun("sae.topk(k=4)", seeds[i],
                           Metrics(topk_m_gt + m_gt_noise[i % 3],
                                   0.90 + m_ip_noise[i % 3] + m_ip_shift)));
    runs.push_back(TinyRun("sae.relu()", seeds[i],
                           Metrics(0.30 + m_gt_noise[(i + 1) % 3], 0.80 + m_ip_noise[i % 3])));
  }
  return runs;
}

std::vector<ResultRow> Results(const std::vector<RunRecord>& runs, const std::string& name) {
  const std::string path = ::lrb::testing::FreshTempPath(name);
  WriteRuns(path, runs);
  absl::StatusOr<std::vector<ResultRow>> rows = LoadResults(path, "");
  EXPECT_TRUE(rows.ok()) << rows.status();
  return rows.ok() ? *rows : std::vector<ResultRow>{};
}

TEST(CompareTest, CatchesAWorseModelStoredUnderTheSameKey) {
  const std::vector<RunRecord> base_runs = ThreeSeeds(0.60, 0);
  std::vector<RunRecord> candidate_runs = base_runs;
  // The planted regression: seed 1 of topk lost a third of its recovered features.
  int planted = 0;
  for (RunRecord& run : candidate_runs) {
    if (run.run_key != "sae.topk(k=4)#1") continue;
    for (auto& [name, value] : run.metrics) {
      if (name == "m_gt@0.95") {
        value = 0.30;
        ++planted;
      }
    }
  }
  ASSERT_EQ(planted, 1);
  const Comparison comparison =
      CompareResults(Results(base_runs, "base.db"), Results(candidate_runs, "candidate.db"));
  EXPECT_TRUE(comparison.failed());
  ASSERT_EQ(comparison.regressions(), 1);
  for (const MetricVerdict& v : comparison.verdicts) {
    if (v.kind != MetricVerdict::Kind::kRegression) continue;
    EXPECT_EQ(v.metric, "m_gt@0.95");
    EXPECT_EQ(v.configuration.method_spec, "sae.topk(k=4)");
    EXPECT_NEAR(v.change, -0.32 / 3, 1e-12);
  }
  const std::string text = FormatComparison(comparison, "base.db", "candidate.db",
                                            CompareFormat::kText);
  EXPECT_THAT(text, HasSubstr("FAILED: 1 regression(s)"));
  EXPECT_THAT(text, HasSubstr("REGRESSION m_gt@0.95"));
  const std::string markdown = FormatComparison(comparison, "base.db", "candidate.db",
                                                CompareFormat::kMarkdown);
  EXPECT_THAT(markdown, HasSubstr("| **regression** | `m_gt@0.95` | tiny@1 sae.topk(k=4) simd"));
}

TEST(CompareTest, DoesNotFlagSeedNoise) {
  // Other seeds of the same configurations: every mean moves, within the seeds' spread.
  const Comparison comparison = CompareResults(
      Results(ThreeSeeds(0.60, 0), "base.db"),
      Results(ThreeSeeds(0.59, -0.008, {3, 4, 5}), "candidate.db"));
  EXPECT_FALSE(comparison.failed())
      << FormatComparison(comparison, "base", "candidate", CompareFormat::kText);
  EXPECT_EQ(comparison.configurations_compared, 2);
  // The same shift with no spread to excuse it (one seed a side) is beyond the m_ip
  // tolerance: what let it pass above was the spread.
  const Comparison single = CompareResults(
      Results(ThreeSeeds(0.60, 0, {0}), "base1.db"),
      Results(ThreeSeeds(0.60, -0.008, {0}), "candidate1.db"));
  EXPECT_EQ(single.regressions(), 1)
      << FormatComparison(single, "base", "candidate", CompareFormat::kText);
}

TEST(CompareTest, AMissingConfigurationFailsAndANewOneDoesNot) {
  std::vector<RunRecord> base_runs = ThreeSeeds(0.6, 0);
  std::vector<RunRecord> candidate_runs;
  for (const RunRecord& run : base_runs) {
    if (run.method_spec != "sae.relu()") candidate_runs.push_back(run);
  }
  const Comparison missing =
      CompareResults(Results(base_runs, "base.db"), Results(candidate_runs, "candidate.db"));
  EXPECT_TRUE(missing.failed());
  ASSERT_EQ(missing.missing.size(), 1u);
  EXPECT_EQ(missing.missing[0].method_spec, "sae.relu()");
  EXPECT_THAT(FormatComparison(missing, "b", "c", CompareFormat::kText),
              HasSubstr("MISSING    tiny@1 sae.relu() simd on"));

  const Comparison added =
      CompareResults(Results(candidate_runs, "base2.db"), Results(base_runs, "candidate2.db"));
  EXPECT_FALSE(added.failed());
  EXPECT_EQ(added.added.size(), 1u);
}

TEST(CompareTest, AChangedDatasetIsNotComparedButFails) {
  std::vector<RunRecord> candidate_runs = ThreeSeeds(0.6, 0);
  for (RunRecord& run : candidate_runs) run.dataset_hash = "new-generator";
  const Comparison comparison = CompareResults(Results(ThreeSeeds(0.6, 0), "base.db"),
                                               Results(candidate_runs, "candidate.db"));
  EXPECT_TRUE(comparison.failed());
  EXPECT_EQ(comparison.dataset_changes.size(), 2u);
  EXPECT_THAT(comparison.verdicts, IsEmpty());
}

// --- baseline files ---

TEST(BaselineTest, IsDeterministicAndComparesLikeItsDatabase) {
  const std::vector<RunRecord> runs = ThreeSeeds(0.6, 0);
  std::vector<RunRecord> reversed(runs.rbegin(), runs.rend());
  for (RunRecord& run : reversed) run.environment.hostname = "another-machine";
  const std::string db = ::lrb::testing::FreshTempPath("forward.db");
  const std::string db_reversed = ::lrb::testing::FreshTempPath("reversed.db");
  WriteRuns(db, runs);
  WriteRuns(db_reversed, reversed);
  const std::string file = ::lrb::testing::FreshTempPath("baseline.json");
  const std::string file_reversed = ::lrb::testing::FreshTempPath("baseline_reversed.json");
  std::ostringstream log;
  LRB_ASSERT_OK(BaselineCommand(Tiny(), db, file, log));
  LRB_ASSERT_OK(BaselineCommand(Tiny(), db_reversed, file_reversed, log));
  const auto read = [](const std::string& path) {
    std::stringstream text;
    text << std::ifstream(path).rdbuf();
    return text.str();
  };
  const std::string text = read(file);
  EXPECT_EQ(text, read(file_reversed)) << "order of insertion and machine must not matter";
  EXPECT_THAT(text, ::testing::Not(HasSubstr("another-machine")));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("simd:AVX2")));
  // One run per line, between the header and the closing line.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), static_cast<long>(runs.size()) + 2);

  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<ResultRow> from_file, LoadResults(file, ""));
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<ResultRow> from_db, LoadResults(db, ""));
  EXPECT_EQ(from_file.size(), runs.size());
  for (const Comparison& c :
       {CompareResults(from_file, from_db), CompareResults(from_db, from_file)}) {
    EXPECT_FALSE(c.failed()) << FormatComparison(c, "a", "b", CompareFormat::kText);
    EXPECT_EQ(c.configurations_compared, 2);
    for (const MetricVerdict& v : c.verdicts) EXPECT_EQ(v.kind, MetricVerdict::Kind::kSame);
  }
  std::ostringstream out;
  LRB_EXPECT_OK(CompareCommand(file, db, Tiny().id(), CompareFormat::kText, out));
}

TEST(BaselineTest, BadFilesAreErrorsNamingTheFile) {
  const std::string path = ::lrb::testing::FreshTempPath("bad.json");
  for (const std::string& content :
       {std::string("not json"), std::string(R"({"format": "lrb-baseline@0", "runs": []})"),
        std::string(R"({"format": "lrb-baseline@1", "runs": [{"suite": "tiny@1"}]})"),
        std::string(R"({"format": "lrb-baseline@1", "runs": [{"suite": "t", "dataset_spec": "d",
           "dataset_hash": "h", "method_spec": "m", "train_spec": "t", "backend": "simd",
           "scorer_version": "score@2", "seed": 0, "metrics": {"m_ip": "high"}}]})")}) {
    std::ofstream(path) << content;
    const absl::StatusOr<std::vector<ResultRow>> rows = LoadResults(path, "");
    EXPECT_FALSE(rows.ok()) << content;
    EXPECT_THAT(rows.status().message(), HasSubstr(path)) << content;
  }
}

}  // namespace
}  // namespace lrb::bench
