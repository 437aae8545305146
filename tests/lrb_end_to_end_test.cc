// Runs the real `lrb` binary as a user would, on the `tiny` suite, into a temporary database.

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "bench/suites.h"
#include "leaderboard/store/store.h"
#include "tests/lrb_process.h"
#include "sdl/family_traits.h"

namespace lrb {
namespace {

using testing::RunLrb;

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  return absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
}

TEST(LrbEndToEnd, RunRecordsEveryRunPrintsTheBoardAndReusesOnSecondRun) {
  const std::string db = TempPath("e2e.db");
  const testing::LrbResult first = RunLrb(absl::StrCat("run --suite=tiny --db=", db));
  ASSERT_EQ(first.exit_code, 0) << first.output();
  EXPECT_THAT(first.output(), HasSubstr("trained 4, reused 0, failed 0"));
  EXPECT_THAT(first.output(), HasSubstr("Leaderboard of tiny@1"));

  // The database holds four finished runs with the paper's metrics in range.
  auto store = leaderboard::Store::Open(db);
  ASSERT_TRUE(store.ok()) << store.status();
  const auto runs = (*store)->LoadRuns("tiny@1");
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 4u);
  int anchored = 0;
  for (const auto& run : *runs) {
    EXPECT_EQ(run.status, "ok") << run.error;
    EXPECT_FALSE(run.environment.cpu.empty());
    EXPECT_EQ(run.environment.build_mode, "opt");
    anchored += run.method_spec.find("+anchor(") != std::string::npos;
    double m_gt = -1, m_ip = -1;
    for (const auto& [name, value] : run.metrics) {
      if (name == "m_gt@0.95") m_gt = value;
      if (name == "m_ip") m_ip = value;
    }
    EXPECT_GE(m_gt, 0.0);
    EXPECT_LE(m_gt, 1.0);
    EXPECT_GT(m_ip, 0.0);
    EXPECT_LE(m_ip, 1.0);
    EXPECT_FALSE(run.features.empty());
  }
  EXPECT_EQ(anchored, 2);
  // Each method appears once per backend in the printed board.
  for (const auto& run : *runs) EXPECT_THAT(first.output(), HasSubstr(run.backend_used));
  // The board ranks by decoder M_GT and spells every method out in its legend; each
  // anchored row has its unanchored twin on the same backend, so a delta.
  EXPECT_THAT(first.output(), HasSubstr("Ranked by decoder.m_gt@0.95, higher is better"));
  for (const auto& run : *runs) EXPECT_THAT(first.output(), HasSubstr("  " + run.method_spec));
  const testing::LrbResult json =
      RunLrb(absl::StrCat("leaderboard --suite=tiny --format=json --db=", db));
  ASSERT_EQ(json.exit_code, 0) << json.output();
  EXPECT_THAT(json.output(), HasSubstr("\"schema\": \"lrb.leaderboard/1\""));
  EXPECT_THAT(json.output(), ::testing::ContainsRegex("\"anchor_delta\": -?[0-9]"));

  const testing::LrbResult second = RunLrb(absl::StrCat("run --suite=tiny --db=", db));
  ASSERT_EQ(second.exit_code, 0) << second.output();
  EXPECT_THAT(second.output(), HasSubstr("trained 0, reused 4, failed 0"));
}

TEST(LrbEndToEnd, ExportModelsWritesOneDirectoryPerTrainedRun) {
  const std::string db = TempPath("export.db");
  const std::string dir = TempPath("models");
  const testing::LrbResult run = RunLrb(absl::StrCat("run --suite=tiny --db=", db, " --export_models=", dir));
  ASSERT_EQ(run.exit_code, 0) << run.output();
  auto store = leaderboard::Store::Open(db);
  ASSERT_TRUE(store.ok());
  const auto runs = (*store)->LoadRuns("tiny@1");
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 4u);
  for (const auto& record : *runs) {
    for (const char* file : {"W_E.npy", "b_E.npy", "W_D.npy", "b_D.npy", "model.json"}) {
      EXPECT_TRUE(std::ifstream(absl::StrCat(dir, "/", record.run_key, "/", file)).good())
          << record.run_key << "/" << file;
    }
  }
}

// Every family of the list (sdl/method_families.inc) and every topology through generate,
// train, score and store: the tiny_all suite, which has one SAE row per family.
TEST(LrbEndToEnd, EveryMethodFamilyAndTopologyRunsAndScores) {
  const bench::Suite& tiny_all = **bench::FindSuite("tiny_all");
  const std::string db = TempPath("all.db");
  const testing::LrbResult run = RunLrb(absl::StrCat("run --suite=tiny_all --db=", db));
  ASSERT_EQ(run.exit_code, 0) << run.output();
  EXPECT_THAT(run.output(), HasSubstr(absl::StrCat("trained ", tiny_all.size(),
                                                 ", reused 0, failed 0")));
  auto store = leaderboard::Store::Open(db);
  ASSERT_TRUE(store.ok());
  const auto runs = (*store)->LoadRuns(tiny_all.id());
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(static_cast<int64_t>(runs->size()), tiny_all.size());
  std::set<std::string> families;
  for (const auto& record : *runs) {
    EXPECT_EQ(record.status, "ok") << record.method_spec << ": " << record.error;
    families.insert(record.method_spec.substr(0, record.method_spec.find('(')));
    double fvu = -1;
    for (const auto& [name, value] : record.metrics) {
      if (name == "eval.fvu") fvu = value;
    }
    EXPECT_GE(fvu, 0.0) << record.method_spec;
    EXPECT_LT(fvu, 1.0) << record.method_spec << " explains nothing";
  }
  for (const sdl::FamilyTraits* family : sdl::AllFamilyTraits()) {
    EXPECT_TRUE(families.count(absl::StrCat("sae.", std::string(family->name)))) << family->name;
  }
  for (const char* topology : {"transcoder.relu", "transcoder.topk", "crosscoder.relu",
                               "crosscoder.topk"}) {
    EXPECT_TRUE(families.count(topology)) << topology;
  }
}

TEST(LrbEndToEnd, BadInputsGetClearErrors) {
  const testing::LrbResult bad_suite = RunLrb("run --suite=nope --db=" + TempPath("x.db"));
  EXPECT_EQ(bad_suite.exit_code, 2);
  EXPECT_THAT(bad_suite.output(), HasSubstr("unknown suite \"nope\""));
  EXPECT_THAT(bad_suite.output(), HasSubstr("smoke"));

  const testing::LrbResult bad_command = RunLrb("frobnicate");
  EXPECT_EQ(bad_command.exit_code, 2);
  EXPECT_THAT(bad_command.output(), HasSubstr("unknown command \"frobnicate\""));

  const std::string not_a_db = TempPath("garbage.db");
  std::ofstream(not_a_db) << "this is not a database, just some bytes that a user pointed at";
  const testing::LrbResult garbage = RunLrb("leaderboard --suite=tiny --db=" + not_a_db);
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_THAT(garbage.output(), HasSubstr(not_a_db));

  const std::string missing = TempPath("missing.db");
  const testing::LrbResult read_missing = RunLrb("leaderboard --suite=tiny --db=" + missing);
  EXPECT_EQ(read_missing.exit_code, 1);
  EXPECT_THAT(read_missing.output(), HasSubstr("no database at " + missing));
  EXPECT_FALSE(std::ifstream(missing).good()) << "reading created a database";

  const testing::LrbResult no_dir = RunLrb("run --suite=tiny --db=/nonexistent/dir/lrb.db");
  EXPECT_EQ(no_dir.exit_code, 1);
  EXPECT_THAT(no_dir.output(), HasSubstr("/nonexistent/dir/lrb.db"));
}

TEST(LrbEndToEnd, SuitesListsEverySuite) {
  const testing::LrbResult suites = RunLrb("suites");
  ASSERT_EQ(suites.exit_code, 0);
  EXPECT_THAT(suites.output(), HasSubstr("smoke@1"));
  EXPECT_THAT(suites.output(), HasSubstr("tiny@1"));
}

}  // namespace
}  // namespace lrb
