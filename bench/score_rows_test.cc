#include "bench/score_rows.h"

#include <utility>
#include <vector>

#include "bench/scoring/scoring.h"
#include "gtest/gtest.h"
#include "leaderboard/store/run_record.h"

namespace lrb::bench {
namespace {

// Two features whose every field differs from the defaults and from each other, so a field
// left uncopied or copied from the wrong feature shows.
std::vector<scoring::FeatureScore> TwoFeatures() {
  std::vector<scoring::FeatureScore> features(2);
  features[0] = {.feature = 0,
                 .best_latent = 7,
                 .best_cosine = 0.96,
                 .anchored = true,
                 .recovered = true,
                 .firing_frequency = 0.25,
                 .latent_firing_frequency = 0.5,
                 .absorbed = false,
                 .parent = 3,
                 .absorption_rate = 0.25,
                 .absorption_taker = 11};
  features[1] = {.feature = 1,
                 .best_latent = -1,
                 .best_cosine = 0.125,
                 .anchored = false,
                 .recovered = false,
                 .firing_frequency = 0.75,
                 .latent_firing_frequency = 0.0625,
                 .absorbed = true,
                 .parent = 0,
                 .absorption_rate = 0.875,
                 .absorption_taker = 5};
  return features;
}

void ExpectSameFields(const scoring::FeatureScore& score, const leaderboard::FeatureRow& row) {
  EXPECT_EQ(row.feature, score.feature);
  EXPECT_EQ(row.best_latent, score.best_latent);
  EXPECT_EQ(row.best_cosine, score.best_cosine);
  EXPECT_EQ(row.anchored, score.anchored);
  EXPECT_EQ(row.recovered, score.recovered);
  EXPECT_EQ(row.firing_frequency, score.firing_frequency);
  EXPECT_EQ(row.latent_firing_frequency, score.latent_firing_frequency);
  EXPECT_EQ(row.absorbed, score.absorbed);
  EXPECT_EQ(row.parent, score.parent);
  EXPECT_EQ(row.absorption_rate, score.absorption_rate);
  EXPECT_EQ(row.absorption_taker, score.absorption_taker);
}

TEST(ScoreRowsTest, EveryFieldOfEveryFeatureReachesItsRowInOrder) {
  const std::vector<scoring::FeatureScore> features = TwoFeatures();
  const std::vector<leaderboard::FeatureRow> rows = ToFeatureRows(features);
  ASSERT_EQ(rows.size(), features.size());
  for (size_t j = 0; j < rows.size(); ++j) {
    SCOPED_TRACE(j);
    ExpectSameFields(features[j], rows[j]);
  }
}

TEST(ScoreRowsTest, RecordScoresReplacesMetricsAndFeaturesInTheScorersOrder) {
  scoring::RunScores scores;
  scores.metrics = {{"m_gt@0.95", 0.5}, {"eval.fvu", 0.25}};
  scores.features = TwoFeatures();
  leaderboard::RunRecord record;
  record.metrics = {{"stale", 1.0}};
  record.features.resize(5);
  RecordScores(std::move(scores), record);
  const std::vector<std::pair<std::string, double>> expected = {{"m_gt@0.95", 0.5},
                                                                {"eval.fvu", 0.25}};
  EXPECT_EQ(record.metrics, expected);
  ASSERT_EQ(record.features.size(), 2u);
  const std::vector<scoring::FeatureScore> features = TwoFeatures();
  for (size_t j = 0; j < features.size(); ++j) ExpectSameFields(features[j], record.features[j]);
}

}  // namespace
}  // namespace lrb::bench
