// The run loop's promises that need a real (tiny) suite: every claimed run is reported to
// the tracker and ended; a run taken over by another process while it trained is dropped
// without stopping the suite; runs trained in parallel (--jobs) or in shards store exactly
// what one sequential run stores; datasets read from a `lrb generate` directory give the
// same runs as generated ones, and a directory that does not match is refused; a run on a
// dataset directory is recorded outside any suite.

#include "bench/runner.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bench/dataset_commands.h"
#include "bench/run_plan.h"
#include "bench/suites.h"
#include "bench/trajectory.h"
#include "datasets/dataset.h"
#include "datasets/generator.h"
#include "datasets/npy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/store.h"
#include "leaderboard/store/test_support.h"
#include "sdl/method_spec.h"
#include "sdl/train_spec.h"
#include "util/status_macros.h"
#include "util/testing/best_cosines.h"
#include "util/testing/json_file.h"
#include "util/testing/status_matchers.h"
#include "util/testing/temp_dir.h"

namespace lrb::bench {
namespace {

using ::lrb::leaderboard::testing::FreshDbPath;
using ::lrb::leaderboard::testing::RawDb;
using ::lrb::testing::StatusIs;
using ::testing::HasSubstr;

const Suite& Tiny() {
  const absl::StatusOr<const Suite*> suite = FindSuite("tiny");
  EXPECT_TRUE(suite.ok()) << suite.status();
  return **suite;
}

// The finished runs of `suite` in the database at `path`, by run key.
std::map<std::string, leaderboard::RunRecord> FinishedRuns(const std::string& path,
                                                           const std::string& suite) {
  std::map<std::string, leaderboard::RunRecord> runs;
  auto store = leaderboard::Store::OpenReadOnly(path);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return runs;
  auto loaded = (*store)->LoadRuns(suite);
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  if (!loaded.ok()) return runs;
  for (leaderboard::RunRecord& run : *loaded) {
    EXPECT_EQ(run.status, "ok") << run.run_key << ": " << run.error;
    runs[run.run_key] = std::move(run);
  }
  return runs;
}

// Every stored result of two databases' runs is the same, bit for bit: the same keys, and
// for each the same metrics (names and values) and feature rows. Timings may differ.
void ExpectSameResults(const std::map<std::string, leaderboard::RunRecord>& a,
                       const std::map<std::string, leaderboard::RunRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [key, run] : a) {
    const auto other = b.find(key);
    ASSERT_NE(other, b.end()) << "run " << key << " (" << run.method_spec << ") is missing";
    EXPECT_EQ(run.metrics, other->second.metrics) << run.method_spec << " " << run.backend_used;
    ASSERT_EQ(run.features.size(), other->second.features.size());
    for (size_t f = 0; f < run.features.size(); ++f) {
      EXPECT_EQ(run.features[f].best_latent, other->second.features[f].best_latent);
      EXPECT_EQ(run.features[f].best_cosine, other->second.features[f].best_cosine);
    }
  }
}

int Occurrences(const std::string& text, const std::string& part) {
  int count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

absl::StatusOr<RunSummary> RunInto(const std::string& path, const Suite& suite,
                                   const RunFilter& filter, const RunOptions& options) {
  LRB_ASSIGN_OR_RETURN(auto store, leaderboard::Store::Open(path));
  LRB_ASSIGN_OR_RETURN(const RunPlan plan, PlanRuns(suite, filter));
  return RunSuitePlan(suite, plan, *store, options);
}

// Records what the runner reports; optionally makes the first run look abandoned (another
// machine, silent for long) and lets another process claim it while it trains.
class RecordingTracker : public RunTracker {
 public:
  RecordingTracker(std::string path, bool take_over_first)
      : path_(std::move(path)), take_over_first_(take_over_first) {}

  void RunStarted(leaderboard::Store&, int64_t run_id, const std::string&) override {
    started_.push_back(run_id);
    if (!take_over_first_ || started_.size() != 1) return;
    {
      RawDb raw(path_);
      EXPECT_EQ(raw.Exec(absl::StrCat("UPDATE runs SET owner_host = 'elsewhere', "
                                      "owner_boot_id = 'b', heartbeat_at = 0 WHERE id = ",
                                      run_id)),
                "");
    }
    auto other = leaderboard::Store::Open(
        path_, {.owner = leaderboard::RunOwner{.host = "host-b", .boot_id = "b", .pid = 1}});
    ASSERT_TRUE(other.ok()) << other.status();
    const std::string key = RawDb(path_).Query(
        absl::StrCat("SELECT run_key FROM runs WHERE id = ", run_id));
    leaderboard::RunRecord run;
    run.run_key = key;
    run.suite = "tiny@1";
    const auto claim = (*other)->ClaimRun(run);
    ASSERT_TRUE(claim.ok()) << claim.status();
    EXPECT_EQ(claim->outcome, leaderboard::Claim::Outcome::kClaimed);
  }
  void RunEnded(int64_t run_id) override { ended_.push_back(run_id); }

  std::vector<int64_t> started_, ended_;

 private:
  const std::string path_;
  const bool take_over_first_;
};

TEST(RunSuiteTest, TellsTheTrackerOfEveryRunAndSkipsNothingOnASecondPass) {
  const std::string path = FreshDbPath();
  auto store = leaderboard::Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  auto suite = FindSuite("tiny");
  ASSERT_TRUE(suite.ok());
  RecordingTracker tracker(path, /*take_over_first=*/false);
  RunOptions options;
  options.tracker = &tracker;
  auto summary = RunSuite(**suite, **store, options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->trained, 4);
  EXPECT_EQ(tracker.started_.size(), 4u);
  EXPECT_EQ(tracker.started_, tracker.ended_);
  EXPECT_TRUE(summary->AllSucceeded());

  options.export_models_dir = FreshDbPath("models");
  summary = RunSuite(**suite, **store, options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->reused, 4);
  EXPECT_EQ(summary->reused_not_exported, 4);
  EXPECT_EQ(tracker.started_.size(), 4u) << "a reused run is not claimed";
}

TEST(RunSuiteTest, ARunTakenOverWhileTrainingIsDroppedAndTheSuiteGoesOn) {
  const std::string path = FreshDbPath();
  auto store = leaderboard::Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  auto suite = FindSuite("tiny");
  ASSERT_TRUE(suite.ok());
  RecordingTracker tracker(path, /*take_over_first=*/true);
  RunOptions options;
  options.tracker = &tracker;
  const auto summary = RunSuite(**suite, **store, options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->trained, 3);
  EXPECT_EQ(summary->failed, 1);
  EXPECT_FALSE(summary->AllSucceeded());
  EXPECT_EQ(tracker.started_, tracker.ended_);
  // The run is the other process's: still running, under its owner.
  RawDb raw(path);
  EXPECT_EQ(raw.Query("SELECT count(*) FROM runs WHERE status = 'running' AND "
                      "owner_host = 'host-b'"),
            "1");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM runs WHERE status = 'ok'"), "3");
}

TEST(RunSuiteTest, TwoJobsStoreExactlyWhatOneJobStores) {
  const std::string one = FreshDbPath("one.db"), two = FreshDbPath("two.db");
  RunOptions options;
  options.threads = 1;
  LRB_ASSERT_OK_AND_ASSIGN(const RunSummary sequential, RunInto(one, Tiny(), {}, options));
  EXPECT_EQ(sequential.trained, 4);
  options.jobs = 2;
  LRB_ASSERT_OK_AND_ASSIGN(const RunSummary parallel, RunInto(two, Tiny(), {}, options));
  EXPECT_EQ(parallel.trained, 4);
  const auto a = FinishedRuns(one, Tiny().id()), b = FinishedRuns(two, Tiny().id());
  ExpectSameResults(a, b);
  for (const auto& [key, run] : b) EXPECT_EQ(run.environment.threads, 1);
}

TEST(RunSuiteTest, ShardsRunIntoOneDatabaseMakeTheWholeSuite) {
  const std::string whole = FreshDbPath("whole.db"), sharded = FreshDbPath("sharded.db");
  LRB_ASSERT_OK(RunInto(whole, Tiny(), {}, {}).status());
  int64_t trained = 0;
  for (int index = 0; index < 3; ++index) {
    RunFilter filter;
    filter.shard = {index, 3};
    LRB_ASSERT_OK_AND_ASSIGN(const RunSummary summary, RunInto(sharded, Tiny(), filter, {}));
    EXPECT_EQ(summary.reused, 0) << "shard " << index << " retrained another shard's run";
    trained += summary.trained;
  }
  EXPECT_EQ(trained, Tiny().size());
  ExpectSameResults(FinishedRuns(whole, Tiny().id()), FinishedRuns(sharded, Tiny().id()));
}

// `lrb run --reuse_from`: a run another database has finished (here one another suite with
// the same matrix trained) is copied, not trained; the log says where it came from, and the
// copy joins this suite and keeps the suites it had. What the other database lacks is
// trained as usual, and the other database is only read.
TEST(RunSuiteTest, ReuseFromCopiesAnotherDatabasesFinishedRunsInsteadOfTrainingThem) {
  const std::string other = FreshDbPath("other.db"), target = FreshDbPath("target.db");
  RunFilter unanchored_simd;
  unanchored_simd.anchoring = {"off"};
  unanchored_simd.backends = {"simd"};
  LRB_ASSERT_OK_AND_ASSIGN(const RunSummary first, RunInto(other, Tiny(), unanchored_simd, {}));
  ASSERT_EQ(first.trained, 1);

  Suite sibling = Tiny();  // another suite with tiny's runs: the same keys
  sibling.name = "tiny_sibling";
  RunFilter unanchored;
  unanchored.anchoring = {"off"};
  LRB_ASSERT_OK_AND_ASSIGN(const std::unique_ptr<leaderboard::Store> source,
                           leaderboard::Store::OpenReadOnly(other));
  std::ostringstream log;
  RunOptions options;
  options.log = &log;
  options.reuse_from = {source.get()};
  LRB_ASSERT_OK_AND_ASSIGN(const RunSummary summary,
                           RunInto(target, sibling, unanchored, options));
  EXPECT_EQ(summary.trained, 1) << "the scalar run, which the other database lacks";
  EXPECT_EQ(summary.reused, 1);
  EXPECT_EQ(summary.reused_from_other, 1);
  EXPECT_THAT(log.str(), HasSubstr(absl::StrCat(": already done (reused from ", other, ")")));
  EXPECT_EQ(Occurrences(log.str(), ": done, trained in"), 1) << log.str();

  const auto theirs = FinishedRuns(other, Tiny().id());
  const auto copied = FinishedRuns(target, Tiny().id());  // it came with its suite
  ExpectSameResults(theirs, copied);
  const auto board = FinishedRuns(target, sibling.id());
  ASSERT_EQ(board.size(), 2u);
  for (const auto& [key, run] : copied) {
    ASSERT_TRUE(board.contains(key));
    EXPECT_EQ(board.at(key).suite, Tiny().id()) << "trained for tiny";
    EXPECT_EQ(board.at(key).suites, (std::vector<std::string>{Tiny().id(), sibling.id()}));
  }
  LRB_ASSERT_OK_AND_ASSIGN(const std::vector<leaderboard::RunRecord> untouched,
                           source->LoadAllRuns());
  ASSERT_EQ(untouched.size(), 1u);
  EXPECT_EQ(untouched[0].suites, std::vector<std::string>{Tiny().id()});

  // Everything is in the target now: nothing is copied or trained again.
  log.str("");
  LRB_ASSERT_OK_AND_ASSIGN(const RunSummary again, RunInto(target, sibling, unanchored, options));
  EXPECT_EQ(again.trained, 0);
  EXPECT_EQ(again.reused, 2);
  EXPECT_EQ(again.reused_from_other, 0);
  EXPECT_EQ(Occurrences(log.str(), ": already done (reused)"), 2) << log.str();
}

// model.json of an exported run names the features its latents were anchored to, exactly as
// the trainer got them: the dataset's anchor_order[0, k), the features the scorer left out
// of the averages, and (the oracle that training used them) each anchored latent's encoder
// row matches its feature best of all features. A run without +anchor names none.
TEST(RunSuiteTest, ExportedModelsNameTheFeaturesTheirLatentsWereAnchoredTo) {
  const std::string path = FreshDbPath("anchored.db");
  RunOptions options;
  options.export_models_dir = FreshDbPath("anchored_models");
  RunFilter filter;
  filter.backends = {"simd"};
  LRB_ASSERT_OK_AND_ASSIGN(const RunSummary summary, RunInto(path, Tiny(), filter, options));
  ASSERT_EQ(summary.trained, 2);
  ASSERT_EQ(Tiny().datasets.size(), 1u);
  LRB_ASSERT_OK_AND_ASSIGN(const datasets::Dataset dataset,
                           datasets::GenerateDataset(Tiny().datasets[0], /*threads=*/1));
  int anchored_runs = 0;
  for (const auto& [key, run] : FinishedRuns(path, Tiny().id())) {
    SCOPED_TRACE(run.method_spec);
    const std::string dir = options.export_models_dir + "/" + key;
    const nlohmann::json json = testing::ReadJsonFile(dir + "/model.json");
    const sdl::MethodSpec method = *sdl::ParseMethodSpec(run.method_spec);
    const std::vector<int64_t> features = json.at("anchored_features").get<std::vector<int64_t>>();
    if (!method.anchor.has_value()) {
      EXPECT_TRUE(features.empty());
      EXPECT_EQ(json.at("anchor_lambda").get<double>(), 0.0);
      continue;
    }
    ++anchored_runs;
    EXPECT_EQ(json.at("anchor_lambda").get<double>(), method.anchor->lambda);
    ASSERT_EQ(static_cast<int64_t>(features.size()), method.anchor->k);
    std::set<int64_t> excluded;
    for (const leaderboard::FeatureRow& row : run.features) {
      if (row.anchored) excluded.insert(row.feature);
    }
    EXPECT_EQ(std::set<int64_t>(features.begin(), features.end()), excluded);
    LRB_ASSERT_OK_AND_ASSIGN(const datasets::NpyArray<float> w_e,
                             datasets::ReadNpyFloat(dir + "/W_E.npy"));
    const int64_t n_p = dataset.n_p;
    for (size_t i = 0; i < features.size(); ++i) {
      EXPECT_EQ(features[i], dataset.anchor_order[i]) << "latent " << i;
      const float* latent = &w_e.values[i * n_p];
      const std::vector<float> own(dataset.features_p.begin() + features[i] * n_p,
                                   dataset.features_p.begin() + (features[i] + 1) * n_p);
      const double own_cosine = testing::BestCosine(own, n_p, latent);
      EXPECT_GT(own_cosine, 0.9) << "latent " << i;
      EXPECT_EQ(own_cosine, testing::BestCosine(dataset.features_p, n_p, latent))
          << "latent " << i << " matches another feature better than its anchor";
    }
  }
  EXPECT_EQ(anchored_runs, 1);
}

TEST(RunSuiteTest, AFilteredPlanTrainsOnlyItsRunsAndRecordsTheSamplesTrainedOn) {
  const std::string path = FreshDbPath();
  RunFilter filter;
  filter.anchoring = {"off"};
  filter.backends = {"simd"};
  filter.seeds = std::vector<uint64_t>{0, 1};
  LRB_ASSERT_OK_AND_ASSIGN(const RunSummary summary, RunInto(path, Tiny(), filter, {}));
  EXPECT_EQ(summary.trained, 2);
  const auto runs = FinishedRuns(path, Tiny().id());
  ASSERT_EQ(runs.size(), 2u);
  LRB_ASSERT_OK_AND_ASSIGN(const sdl::TrainSpec train, sdl::ParseTrainSpec(Tiny().train));
  for (const auto& [key, run] : runs) {
    EXPECT_EQ(run.backend, "simd");
    EXPECT_THAT(run.method_spec, ::testing::Not(HasSubstr("anchor")));
    bool found = false;
    for (const auto& [name, value] : run.metrics) {
      if (name != "train.samples") continue;
      found = true;
      EXPECT_EQ(value, static_cast<double>(train.steps * train.batch));
    }
    EXPECT_TRUE(found) << "no train.samples metric";
  }
}

TEST(RunSuiteTest, DatasetsReadFromASuiteDirectoryGiveTheGeneratedRuns) {
  const std::string data = ::lrb::testing::NewTempDir("data");
  LRB_ASSERT_OK(GenerateSuiteCommand(Tiny(), data));
  const std::string generated = FreshDbPath("generated.db"), loaded = FreshDbPath("loaded.db");
  RunFilter filter;
  filter.backends = {"simd"};
  LRB_ASSERT_OK(RunInto(generated, Tiny(), filter, {}).status());
  RunOptions options;
  options.data_dir = data;
  LRB_ASSERT_OK(RunInto(loaded, Tiny(), filter, options).status());
  ExpectSameResults(FinishedRuns(generated, Tiny().id()), FinishedRuns(loaded, Tiny().id()));
}

TEST(RunSuiteTest, ASuiteDirectoryThatDoesNotMatchIsRefusedBeforeAnyRun) {
  const std::string data = ::lrb::testing::NewTempDir("data");
  LRB_ASSERT_OK(GenerateSuiteCommand(Tiny(), data));
  RunOptions options;
  options.data_dir = data;
  // Another suite's directory.
  const absl::StatusOr<const Suite*> other = FindSuite("smoke");
  ASSERT_TRUE(other.ok());
  const std::string path = FreshDbPath();
  EXPECT_THAT(RunInto(path, **other, {}, options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("holds suite \"tiny@1\", not smoke@1")));
  // A listed hash that the data does not have.
  const std::string suite_json = data + "/suite.json";
  nlohmann::json manifest = ::lrb::testing::ReadJsonFile(suite_json);
  manifest["datasets"][0]["content_hash"] = "0123456789abcdef";
  std::ofstream(suite_json) << manifest.dump();
  EXPECT_THAT(RunInto(path, Tiny(), {}, options),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("0123456789abcdef")));
  EXPECT_EQ(RawDb(path).Query("SELECT count(*) FROM runs"), "0");
  // No suite.json at all.
  std::filesystem::remove(suite_json);
  EXPECT_THAT(RunInto(path, Tiny(), {}, options),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("lrb generate --suite=tiny")));
}

TEST(TrainOnDatasetTest, RecordsOneRunOutsideAnySuiteAndReusesIt) {
  const std::string dir = ::lrb::testing::NewTempDir("dataset");
  LRB_ASSERT_OK(GenerateSpecCommand("lrb(n=32,np=24,N=2000,S=0.9,M=0.5)", dir, 0, nullptr));
  const std::string path = FreshDbPath();
  auto store = leaderboard::Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  const std::string method = "sae.topk(latents=64,k=3)", train = "train(steps=50,batch=32)";
  LRB_ASSERT_OK_AND_ASSIGN(RunSummary summary,
                           TrainOnDataset(dir, method, train, "scalar", 7, **store, {}));
  EXPECT_EQ(summary.trained, 1);
  LRB_ASSERT_OK_AND_ASSIGN(summary, TrainOnDataset(dir, method, train, "scalar", 7, **store, {}));
  EXPECT_EQ(summary.reused, 1);
  const auto runs = FinishedRuns(path, "");
  ASSERT_EQ(runs.size(), 1u);
  const leaderboard::RunRecord& run = runs.begin()->second;
  EXPECT_EQ(run.suite, "");
  EXPECT_EQ(run.seed, 7u);
  EXPECT_EQ(run.backend_used, "scalar");
  LRB_ASSERT_OK_AND_ASSIGN(const std::string key,
                           PlannedRunKey(run.dataset_hash, method, train, "scalar", 7));
  EXPECT_EQ(run.run_key, key) << "the dry run's key is the stored key";

  EXPECT_THAT(TrainOnDataset(dir, "transcoder.relu(latents=64,l1=0.1)", train, "scalar", 0,
                             **store, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not fit")));
  EXPECT_THAT(TrainOnDataset(dir + "/missing", method, train, "scalar", 0, **store, {}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
}

TEST(TrainOnDatasetTest, ATrajectoryEndsAtTheFinalMetricsAndChangesNoResult) {
  const std::string dir = ::lrb::testing::NewTempDir("dataset");
  LRB_ASSERT_OK(GenerateSpecCommand("lrb(n=32,np=24,N=2000,S=0.9,M=0.5)", dir, 0, nullptr));
  const std::string path = FreshDbPath();
  auto store = leaderboard::Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  const std::string method = "sae.topk(latents=64,k=3)+anchor(k=4,lambda=0.1)";
  const std::string plain = "train(steps=50,batch=32)";
  const std::string traced = "train(steps=50,batch=32,eval_every=20)";
  LRB_ASSERT_OK(TrainOnDataset(dir, method, plain, "simd", 3, **store, {}));
  LRB_ASSERT_OK(TrainOnDataset(dir, method, traced, "simd", 3, **store, {}));
  const auto runs = FinishedRuns(path, "");
  ASSERT_EQ(runs.size(), 2u);
  const leaderboard::RunRecord* without = nullptr;
  const leaderboard::RunRecord* with = nullptr;
  for (const auto& [key, run] : runs) {
    (absl::StrContains(run.train_spec, "eval_every=20") ? with : without) = &run;
  }
  ASSERT_TRUE(with != nullptr && without != nullptr);
  EXPECT_TRUE(without->trajectory.empty());
  EXPECT_EQ(with->metrics, without->metrics) << "observing training changes no result";

  // Every kept metric and the loss at steps 20, 40 and 50, sorted by metric then step.
  std::map<std::string, std::vector<int64_t>> steps_of;
  for (const leaderboard::TrajectoryPoint& point : with->trajectory) {
    steps_of[point.metric].push_back(point.step);
  }
  std::vector<std::string> expected_names(TrajectoryScoreMetrics().begin(),
                                          TrajectoryScoreMetrics().end());
  expected_names.emplace_back(kTrajectoryLossMetric);
  ASSERT_EQ(steps_of.size(), expected_names.size());
  for (const std::string& name : expected_names) {
    EXPECT_EQ(steps_of[name], (std::vector<int64_t>{20, 40, 50})) << name;
  }
  const std::map<std::string, double> final_metrics(with->metrics.begin(), with->metrics.end());
  for (const leaderboard::TrajectoryPoint& point : with->trajectory) {
    if (point.step != 50 || point.metric == kTrajectoryLossMetric) continue;
    EXPECT_EQ(point.value, final_metrics.at(point.metric)) << point.metric;
  }
}

}  // namespace
}  // namespace lrb::bench
