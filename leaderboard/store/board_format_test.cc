#include "leaderboard/store/board_format.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "leaderboard/store/leaderboard_table.h"
#include "leaderboard/store/test_support.h"
#include "leaderboard/store/text_table.h"
#include "nlohmann/json.hpp"
#include "util/testing/status_matchers.h"

namespace lrb::leaderboard {
namespace {

using ::lrb::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDataset[] = "lrb(n=16,np=8,nr=8,N=100,S=0.9,M=0.1,cmin=0,beta=1,seed=0)";
constexpr char kLongDataset[] =
    "lrb(n=1000,np=768,nr=768,N=100000,S=0.99,M=0.1,cmin=0,beta=1,eps=0.001,lambda=0.001,"
    "step=0.05,iters=1000,eval=0.1,hierarchy=4,roots=20,depth=3,seed=123456789)";
constexpr char kTopK[] = "sae.topk(latents=640,k=6,unit_norm=1,tied=0,bias=1)";
constexpr char kTopKAnchored[] =
    "sae.topk(latents=640,k=6,unit_norm=1,tied=0,bias=1)+anchor(k=32,lambda=0.1)";
constexpr char kLongMethod[] =
    "sae.matryoshka(latents=4096,groups=6,k=64,unit_norm=1,tied=0,bias=1,lr=1e+05)"
    "+anchor(k=100,lambda=0.1)+auxk(k=512,lambda=0.03125,dead_steps=5000)"
    "+resample(every=5000,until=50000,dead_steps=2000)";
// A submission name with everything csv must quote.
constexpr char kAwkwardMethod[] = "external:my,\"odd\" sae|v2";

RunRecord Run(std::string dataset, std::string method, uint64_t seed,
              std::map<std::string, double> metrics, std::string backend = "simd:AVX2") {
  RunRecord run = testing::SampleRun(absl::StrCat(method, "/", backend, "/", seed));
  run.dataset_spec = std::move(dataset);
  run.method_spec = std::move(method);
  run.backend_used = std::move(backend);
  run.seed = seed;
  run.status = "ok";
  run.train_seconds = 2;
  run.metrics.assign(metrics.begin(), metrics.end());
  return run;
}

std::map<std::string, double> Metrics(double decoder_m_gt) {
  return {{"decoder.m_gt@0.95", decoder_m_gt},
          {"decoder.m_ip", 0.99},
          {"m_gt@0.95", 0},
          {"m_ip", 0.68},
          {"eval.l0", 6},
          {"eval.fvu", 0.03},
          {"train.samples", 20000}};
}

// The smoke situation plus the awkward cases: seeds with spread, a long spec on a long
// dataset, a submission name with a comma and quotes, an unclean run and a failed one.
std::vector<RunRecord> Runs() {
  std::vector<RunRecord> runs = {
      Run(kDataset, kTopKAnchored, 0, Metrics(0.9896)),
      Run(kDataset, kTopKAnchored, 1, Metrics(0.9800)),
      Run(kDataset, kTopK, 0, Metrics(0.9562)),
      Run(kDataset, kTopK, 0, Metrics(0.9594), "scalar"),
      Run(kDataset, kAwkwardMethod, 0, {{"decoder.m_gt@0.95", 0.5}}),
      Run(kLongDataset, kLongMethod, 0, Metrics(0.25)),
  };
  RunRecord dirty = Run(kDataset, kTopK, 9, Metrics(0.1));
  dirty.environment.git_dirty = true;
  runs.push_back(dirty);
  RunRecord failed = Run(kDataset, kTopK, 8, {});
  failed.status = "failed";
  runs.push_back(failed);
  return runs;
}

Board MustBuild(const std::vector<RunRecord>& runs, BoardOptions options = {}) {
  absl::StatusOr<Board> board = BuildBoard(runs, options);
  EXPECT_TRUE(board.ok()) << board.status();
  return board.ok() ? *std::move(board) : Board{};
}

BoardSource Suite() {
  BoardSource source;
  source.suite = "smoke@1";
  return source;
}

// RFC 4180, as a reader would parse it: records end in CRLF, quoted fields may hold
// commas, CRLF and doubled quotes.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      EXPECT_TRUE(field.empty()) << "a quote inside an unquoted field at byte " << i;
      quoted = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
      ++i;
    } else {
      EXPECT_NE(c, '\n') << "a bare LF at byte " << i;
      field += c;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quote";
  EXPECT_TRUE(record.empty() && field.empty()) << "the last record lacks its CRLF";
  return records;
}

TEST(ParseBoardFormatTest, KnowsTheFourFormatsAndNamesABadOne) {
  EXPECT_EQ(*ParseBoardFormat("text"), BoardFormat::kText);
  EXPECT_EQ(*ParseBoardFormat("md"), BoardFormat::kMarkdown);
  EXPECT_EQ(*ParseBoardFormat("csv"), BoardFormat::kCsv);
  EXPECT_EQ(*ParseBoardFormat("json"), BoardFormat::kJson);
  EXPECT_THAT(ParseBoardFormat("xml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--format=xml: expected one of text, md, csv, json")));
  EXPECT_THAT(ParseBoardFormat("TEXT"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--format=TEXT")));
}

TEST(CsvFormatTest, ParsesBackToTheSameCellsWithQuoting) {
  const Board board = MustBuild(Runs());
  const std::string csv = FormatBoard(board, Suite(), BoardFormat::kCsv);
  EXPECT_THAT(csv, HasSubstr("\"external:my,\"\"odd\"\" sae|v2\"")) << "quoted, quotes doubled";
  const std::vector<std::vector<std::string>> records = ParseCsv(csv);
  ASSERT_EQ(records.size(), board.rows.size() + 1) << csv;
  const std::vector<std::string>& header = records[0];
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < header.size(); ++i) column[header[i]] = i;
  for (const char* name : {"rank", "dataset", "method", "backend", "build", "seeds",
                           "decoder.m_gt@0.95", "decoder.m_gt@0.95_spread", "anchor_delta",
                           "anchor_twin", "anchor_delta_error", "anchor_delta_exceeds_noise",
                           "m_gt@0.95", "m_ip", "eval.l0", "eval.fvu", "samples_per_second"}) {
    EXPECT_EQ(column.count(name), 1u) << name << " in " << csv;
  }
  for (size_t r = 0; r < board.rows.size(); ++r) {
    const LeaderboardRow& row = board.rows[r];
    const std::vector<std::string>& cells = records[r + 1];
    ASSERT_EQ(cells.size(), header.size()) << "record " << r + 1;
    EXPECT_EQ(cells[column["dataset"]], row.dataset_spec);
    EXPECT_EQ(cells[column["method"]], row.method_spec);
    EXPECT_EQ(cells[column["backend"]], row.backend_used);
    EXPECT_EQ(cells[column["build"]], row.build_note);
    EXPECT_EQ(cells[column["seeds"]], absl::StrCat(row.seeds));
    EXPECT_EQ(cells[column["rank"]], row.rank > 0 ? absl::StrCat(row.rank) : "");
    // Raw values that read back to the same double.
    const std::string& value = cells[column["decoder.m_gt@0.95"]];
    ASSERT_FALSE(value.empty());
    EXPECT_EQ(std::stod(value), row.rank_metric.mean);
    EXPECT_EQ(cells[column["decoder.m_gt@0.95_spread"]].empty(), row.rank_metric.count < 2);
    EXPECT_EQ(cells[column["anchor_delta"]].empty(), !row.anchor_delta.has_value());
    if (row.anchor_delta.has_value()) {
      EXPECT_EQ(std::stod(cells[column["anchor_delta"]]), *row.anchor_delta);
      EXPECT_EQ(cells[column["anchor_twin"]], kTopK);
    }
    // The twins here have one seed: no noise estimate, so both fields are empty.
    EXPECT_EQ(cells[column["anchor_delta_error"]], "");
    EXPECT_EQ(cells[column["anchor_delta_exceeds_noise"]], "");
    if (row.method_spec == kAwkwardMethod) {
      EXPECT_EQ(cells[column["m_ip"]], "") << "missing is empty, not 0";
    }
  }
}

TEST(JsonFormatTest, ParsesWithTheSchemaFieldAndEveryRow) {
  const Board board = MustBuild(Runs());
  const std::string text = FormatBoard(board, Suite(), BoardFormat::kJson);
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(json.is_discarded()) << text;
  EXPECT_EQ(json["schema"], "lrb.leaderboard/1");
  EXPECT_EQ(json["schema"], std::string(kBoardJsonSchema));
  EXPECT_EQ(json["board"]["suite"], "smoke@1");
  EXPECT_EQ(json["rank_by"], "decoder.m_gt@0.95");
  EXPECT_EQ(json["better"], "higher");
  ASSERT_EQ(json["rows"].size(), board.rows.size());
  for (size_t r = 0; r < board.rows.size(); ++r) {
    const LeaderboardRow& row = board.rows[r];
    const nlohmann::json& out = json["rows"][r];
    EXPECT_EQ(out["method_spec"], row.method_spec);
    EXPECT_EQ(out["dataset_spec"], row.dataset_spec);
    EXPECT_EQ(out["seeds"], row.seeds);
    EXPECT_EQ(out["metrics"]["decoder.m_gt@0.95"]["mean"], row.rank_metric.mean);
    EXPECT_EQ(out["metrics"]["decoder.m_gt@0.95"]["count"], row.rank_metric.count);
    EXPECT_EQ(out["anchor_delta"].is_null(), !row.anchor_delta.has_value());
    ASSERT_TRUE(out.contains("anchor_delta_error"));
    EXPECT_TRUE(out["anchor_delta_error"].is_null()) << "the twins here have one seed";
    ASSERT_TRUE(out.contains("anchor_delta_exceeds_noise"));
    EXPECT_TRUE(out["anchor_delta_exceeds_noise"].is_null());
    for (const char* metric : {"m_gt@0.95", "m_ip", "decoder.m_ip", "eval.l0", "eval.fvu",
                               "samples_per_second", "train_seconds"}) {
      EXPECT_TRUE(out["metrics"].contains(metric)) << metric;
    }
    if (row.method_spec == kAwkwardMethod) {
      EXPECT_TRUE(out["metrics"]["m_ip"].is_null());
    }
  }
  EXPECT_EQ(json["not_ranked"]["failed"], 1);
  EXPECT_EQ(json["not_ranked"]["unclean"], 1);
  EXPECT_EQ(json["unclean"]["dirty_tree"], 1);
  EXPECT_EQ(json["unclean"]["include_flag"], "--all");
  EXPECT_FALSE(json["notes"].empty());

  BoardSource dataset;
  dataset.dataset_spec = kDataset;
  dataset.dataset_hash = "0123";
  const nlohmann::json of_dataset =
      nlohmann::json::parse(FormatBoard(board, dataset, BoardFormat::kJson), nullptr, false);
  EXPECT_EQ(of_dataset["board"]["dataset_hash"], "0123");
  EXPECT_FALSE(of_dataset["board"].contains("suite"));
}

// A label at the start of `text`: `letter` then one or more digits; its length, or 0. (Parsed
// by hand: GCC 12's std::regex trips -Wmaybe-uninitialized under the sanitizer configs.)
size_t LabelLength(std::string_view text, std::string_view letters) {
  if (text.empty() || letters.find(text[0]) == std::string_view::npos) return 0;
  size_t end = 1;
  while (end < text.size() && absl::ascii_isdigit(text[end])) ++end;
  return end > 1 ? end : 0;
}

// "  M1  spec...": the label and the rest, or false.
bool ParseLegendEntry(std::string_view line, std::string& label, std::string& spec) {
  if (line.substr(0, 2) != "  ") return false;
  const size_t length = LabelLength(line.substr(2), "MD");
  if (length == 0 || line.substr(2 + length, 2) != "  ") return false;
  label = std::string(line.substr(2, length));
  spec = std::string(line.substr(4 + length));
  return true;
}

// "   1  M2 topk ...": a board row (rank digits or "-") and its method label, or "".
std::string DataLineMethodLabel(std::string_view line) {
  size_t at = 0;
  while (at < line.size() && line[at] == ' ') ++at;
  const size_t rank_begin = at;
  while (at < line.size() && absl::ascii_isdigit(line[at])) ++at;
  if (at == rank_begin && at < line.size() && line[at] == '-') ++at;
  if (at == rank_begin || line.substr(at, 2) != "  ") return "";
  at += 2;
  const size_t length = LabelLength(line.substr(at), "M");
  if (length == 0) return "";
  const size_t after = at + length;  // a word boundary must follow the label
  if (after < line.size() && (absl::ascii_isalnum(line[after]) || line[after] == '_')) return "";
  return std::string(line.substr(at, length));
}

// The legend under a text board: label -> full spec, continuation lines joined.
std::map<std::string, std::string> Legend(const std::vector<std::string>& lines) {
  std::map<std::string, std::string> legend;
  std::string label;
  size_t indent = 0;
  bool in_legend = false;
  for (const std::string& line : lines) {
    if (line == "methods:" || line == "datasets:") {
      in_legend = true;
      continue;
    }
    if (!in_legend) continue;
    std::string entry_label, entry_spec;
    if (ParseLegendEntry(line, entry_label, entry_spec)) {
      label = entry_label;
      legend[label] = entry_spec;
      indent = 4 + label.size();
    } else if (!label.empty() && line.size() > indent &&
               line.substr(0, indent) == std::string(indent, ' ')) {
      legend[label] += line.substr(indent);
    } else {
      label.clear();  // the legend is over
    }
  }
  return legend;
}

TEST(TextFormatTest, EveryLineFitsAndTheLegendSpellsEverySpecOut) {
  BoardOptions options;
  options.include_unclean = true;
  const Board board = MustBuild(Runs(), options);
  const std::string text = FormatBoard(board, Suite(), BoardFormat::kText);
  const std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  for (const std::string& line : lines) {
    EXPECT_LE(internal::DisplayWidth(line), kTextWidth) << "'" << line << "' in\n" << text;
  }
  const std::map<std::string, std::string> legend = Legend(lines);
  std::vector<std::string> specs;
  for (const auto& [label, spec] : legend) specs.push_back(spec);
  for (const LeaderboardRow& row : board.rows) {
    EXPECT_THAT(specs, ::testing::Contains(row.method_spec)) << text;
    EXPECT_THAT(specs, ::testing::Contains(row.dataset_spec)) << text;
  }
  // Each row's method cell starts with the label whose legend entry is its spec.
  size_t rows_seen = 0;
  for (const std::string& line : lines) {
    const std::string method_label = DataLineMethodLabel(line);
    if (method_label.empty()) continue;
    ASSERT_LT(rows_seen, board.rows.size()) << text;
    EXPECT_EQ(legend.at(method_label), board.rows[rows_seen].method_spec) << line << "\n" << text;
    ++rows_seen;
  }
  EXPECT_EQ(rows_seen, board.rows.size()) << text;
  EXPECT_THAT(text, HasSubstr("Leaderboard of smoke@1"));
  EXPECT_THAT(text, HasSubstr("dataset D1: "));
  EXPECT_THAT(text, HasSubstr("build")) << "an unclean row needs the build column";
}

TEST(TextFormatTest, ShowsPercentagesSpreadsDeltasAndDashes) {
  const Board board = MustBuild(Runs());
  const std::string text = FormatBoard(board, Suite(), BoardFormat::kText);
  const std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  for (const char* header : {"rank", "method", "backend", "seeds", "dec M_GT", "Δ anchor",
                             "dec M_IP", "M_GT@0.95", "M_IP", "L0", "FVU", "samples/s"}) {
    EXPECT_THAT(lines[1], HasSubstr(header)) << text;
  }
  // The anchored pair of seeds: mean 98.48%, spread 0.68 points on the line below, delta
  // against the unanchored simd:AVX2 row (95.62%) +2.86 points.
  const auto row = std::find_if(lines.begin(), lines.end(), [](const std::string& line) {
    return absl::StrContains(line, "topk +anchor");
  });
  ASSERT_NE(row, lines.end()) << text;
  EXPECT_THAT(*row, ::testing::StartsWith("   1  M2 ")) << "rank 1 of its dataset\n" << text;
  EXPECT_THAT(*row, HasSubstr("98.48%")) << text;
  EXPECT_THAT(*row, HasSubstr("+2.86")) << text;
  EXPECT_THAT(*row, Not(HasSubstr("±"))) << "the twin has one seed: no error\n" << text;
  EXPECT_THAT(*(row + 1), HasSubstr("±0.68")) << text;
  EXPECT_THAT(*(row + 1), ::testing::MatchesRegex("[ ±0-9.]+")) << "the spreads alone";
  // The submission has no M_IP: a dash, never 0.
  const auto awkward = std::find_if(lines.begin(), lines.end(), [](const std::string& line) {
    return absl::StrContains(line, "external:my");
  });
  ASSERT_NE(awkward, lines.end());
  EXPECT_THAT(*awkward, Not(HasSubstr("0.680")));
  EXPECT_THAT(text, HasSubstr("higher is better"));
}

TEST(TextFormatTest, FootersCountWhatIsLeftOutAndNameTheFlagThatShowsIt) {
  const Board board = MustBuild(Runs());
  const std::string text = FormatBoard(board, Suite(), BoardFormat::kText);
  EXPECT_THAT(text, HasSubstr("1 failed"));
  EXPECT_THAT(text, HasSubstr("`lrb run` retries"));
  EXPECT_THAT(text, HasSubstr("1 finished run from debug builds or dirty trees left out"));
  EXPECT_THAT(text, HasSubstr("--all shows them"));
  EXPECT_EQ(FormatBoardNotes(board).empty(), false);
  BoardOptions other_scorer;
  other_scorer.scorer_version = "score@9";
  EXPECT_THAT(FormatBoardNotes(MustBuild(Runs(), other_scorer)),
              HasSubstr("scored by another scorer version left out"));
  EXPECT_THAT(FormatBoard(MustBuild({}), Suite(), BoardFormat::kText),
              HasSubstr("No finished runs"));
}

TEST(MarkdownFormatTest, OneGitHubTablePerDatasetWithFullSpecsAndEscapedPipes) {
  const Board board = MustBuild(Runs());
  const std::string md = FormatBoard(board, Suite(), BoardFormat::kMarkdown);
  const std::vector<std::string> lines = absl::StrSplit(md, '\n', absl::SkipEmpty());
  int tables = 0, rows = 0;
  size_t cells = 0;
  for (const std::string& line : lines) {
    if (!absl::StartsWith(line, "|")) continue;
    // Cells are separated by unescaped pipes.
    size_t pipes = 0;
    for (size_t i = 0; i < line.size(); ++i)
      pipes += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
    if (absl::StartsWith(line, "| rank")) {
      ++tables;
      cells = pipes;
    } else if (!absl::StartsWith(line, "|---")) {
      ++rows;
    }
    EXPECT_EQ(pipes, cells) << line;
  }
  EXPECT_EQ(tables, 2) << md;
  EXPECT_EQ(rows, static_cast<int>(board.rows.size())) << md;
  EXPECT_THAT(md, HasSubstr(absl::StrCat("`", kLongMethod, "`")));
  EXPECT_THAT(md, HasSubstr("sae\\|v2")) << "a pipe in a cell is escaped";
  EXPECT_THAT(md, HasSubstr("98.48% ±0.68 | +2.86 |")) << "no error beside a one-seed twin";
  EXPECT_THAT(md, HasSubstr("- 1 finished run from debug builds"));
}

// Three anchored pairs on kDataset, one per backend, for the anchoring delta's error:
//   simd:AVX2  3 seeds a side, means 92% and 81%, spreads 2 and 1 points: +11.00 ±1.29, beyond
//              two errors
//   scalar     the same +11 points over spreads of 8 points a side: ±6.53, within two
//   simd:AVX3  one anchored seed (95%) against three: +14.00, no error
std::vector<RunRecord> AnchorNoiseRuns() {
  std::vector<RunRecord> runs;
  const auto add = [&](const char* method, const std::string& backend,
                       const std::vector<double>& scores) {
    for (size_t seed = 0; seed < scores.size(); ++seed) {
      runs.push_back(Run(kDataset, method, seed, Metrics(scores[seed]), backend));
    }
  };
  add(kTopKAnchored, "simd:AVX2", {0.90, 0.92, 0.94});
  add(kTopK, "simd:AVX2", {0.80, 0.81, 0.82});
  add(kTopKAnchored, "scalar", {0.74, 0.82, 0.90});
  add(kTopK, "scalar", {0.63, 0.71, 0.79});
  add(kTopKAnchored, "simd:AVX3", {0.95});
  add(kTopK, "simd:AVX3", {0.80, 0.81, 0.82});
  return runs;
}

// The cells of the md table line of `method` on `backend` (code spans as printed), or {}.
std::vector<std::string> MarkdownCells(const std::string& md, const std::string& method,
                                       const std::string& backend) {
  for (absl::string_view line : absl::StrSplit(md, '\n')) {
    if (!absl::ConsumePrefix(&line, "| ") || !absl::ConsumeSuffix(&line, " |")) continue;
    std::vector<std::string> cells = absl::StrSplit(line, " | ");
    if (cells.size() > 2 && cells[1] == absl::StrCat("`", method, "`") && cells[2] == backend) {
      return cells;
    }
  }
  return {};
}

TEST(MarkdownFormatTest, AnchorDeltaCellShowsItsStandardErrorAndMarksDeltasBeyondTwo) {
  const std::string md = FormatBoard(MustBuild(AnchorNoiseRuns()), Suite(), BoardFormat::kMarkdown);
  constexpr size_t kDeltaCell = 5;  // rank, method, backend, seeds, dec M_GT, Δ anchor
  EXPECT_THAT(md, HasSubstr("| rank | method | backend | seeds | dec M_GT | Δ anchor |"));
  const std::vector<std::string> marked = MarkdownCells(md, kTopKAnchored, "simd:AVX2");
  ASSERT_GT(marked.size(), kDeltaCell) << md;
  EXPECT_EQ(marked[4], "92.00% ±2.00");
  EXPECT_EQ(marked[kDeltaCell], "+11.00 ±1.29 *") << md;
  EXPECT_THAT(md, HasSubstr(absl::StrCat("| 2 | `", kTopKAnchored,
                                         "` | simd:AVX2 | 3 | 92.00% ±2.00 | +11.00 ±1.29 * | "
                                         "0.990 ±0.000 | 0.00% ±0.00 | 0.680 ±0.000 | "
                                         "6.00 ±0.00 | 0.030 ±0.000 | 10000 ±0 |\n")))
      << "the whole row, as a reader sees it\n"
      << md;
  const std::vector<std::string> noisy = MarkdownCells(md, kTopKAnchored, "scalar");
  ASSERT_GT(noisy.size(), kDeltaCell) << md;
  EXPECT_EQ(noisy[kDeltaCell], "+11.00 ±6.53") << md;
  const std::vector<std::string> one_seed = MarkdownCells(md, kTopKAnchored, "simd:AVX3");
  ASSERT_GT(one_seed.size(), kDeltaCell) << md;
  EXPECT_EQ(one_seed[kDeltaCell], "+14.00") << md;
  const std::vector<std::string> twin = MarkdownCells(md, kTopK, "simd:AVX2");
  ASSERT_GT(twin.size(), kDeltaCell) << md;
  EXPECT_EQ(twin[kDeltaCell], "-") << md;
  EXPECT_THAT(md, HasSubstr("the ± after it is its standard error"));
  EXPECT_THAT(md, HasSubstr("* marks a change larger than 2 standard errors"));
}

TEST(TextFormatTest, AnchorDeltaCellShowsItsStandardErrorAndMarksDeltasBeyondTwo) {
  const std::string text = FormatBoard(MustBuild(AnchorNoiseRuns()), Suite(), BoardFormat::kText);
  const std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  for (const std::string& line : lines) {
    EXPECT_LE(internal::DisplayWidth(line), kTextWidth) << "'" << line << "' in\n" << text;
  }
  // The anchored row of `backend` (the unanchored rows have no "+anchor" in their hint).
  const auto anchored = [&](const std::string& backend) -> std::string {
    for (const std::string& line : lines) {
      if (absl::StrContains(line, "+anchor") && absl::StrContains(line, backend)) return line;
    }
    ADD_FAILURE() << "no anchored row on " << backend << " in\n" << text;
    return "";
  };
  EXPECT_THAT(anchored("simd:AVX2"), HasSubstr("+11.00 ±1.29 *")) << text;
  EXPECT_THAT(anchored("scalar"), HasSubstr("+11.00 ±6.53")) << text;
  EXPECT_THAT(anchored("scalar"), Not(HasSubstr("*"))) << text;
  EXPECT_THAT(anchored("simd:AVX3"), HasSubstr("+14.00")) << text;
  EXPECT_THAT(anchored("simd:AVX3"), Not(HasSubstr("±"))) << "one anchored seed\n" << text;
}

TEST(CsvFormatTest, AnchorDeltaErrorAndExceedsNoiseFollowTheTwin) {
  const Board board = MustBuild(AnchorNoiseRuns());
  const std::vector<std::vector<std::string>> records =
      ParseCsv(FormatBoard(board, Suite(), BoardFormat::kCsv));
  ASSERT_EQ(records.size(), board.rows.size() + 1);
  const std::vector<std::string>& header = records[0];
  const auto twin = std::find(header.begin(), header.end(), "anchor_twin");
  ASSERT_NE(twin, header.end());
  ASSERT_LT(twin + 2, header.end());
  EXPECT_EQ(*(twin + 1), "anchor_delta_error");
  EXPECT_EQ(*(twin + 2), "anchor_delta_exceeds_noise");
  const size_t error = twin + 1 - header.begin(), exceeds = error + 1;
  std::map<std::string, std::vector<std::string>> anchored;  // by backend
  for (size_t r = 0; r < board.rows.size(); ++r) {
    ASSERT_EQ(records[r + 1].size(), header.size());
    if (board.rows[r].method_spec == kTopKAnchored) {
      anchored[board.rows[r].backend_used] = records[r + 1];
    } else {
      EXPECT_EQ(records[r + 1][error], "") << "an unanchored row";
      EXPECT_EQ(records[r + 1][exceeds], "");
    }
  }
  ASSERT_EQ(anchored.size(), 3u);
  EXPECT_NEAR(std::stod(anchored["simd:AVX2"][error]), std::sqrt(0.0005 / 3), 1e-12);
  EXPECT_EQ(anchored["simd:AVX2"][exceeds], "1");
  EXPECT_NEAR(std::stod(anchored["scalar"][error]), std::sqrt(2 * 0.0064 / 3), 1e-12);
  EXPECT_EQ(anchored["scalar"][exceeds], "0");
  EXPECT_EQ(anchored["simd:AVX3"][error], "") << "one anchored seed";
  EXPECT_EQ(anchored["simd:AVX3"][exceeds], "");
}

TEST(JsonFormatTest, AnchorDeltaErrorAndExceedsNoiseAreNumberAndBoolOrNull) {
  const Board board = MustBuild(AnchorNoiseRuns());
  const nlohmann::json json =
      nlohmann::json::parse(FormatBoard(board, Suite(), BoardFormat::kJson), nullptr, false);
  ASSERT_FALSE(json.is_discarded());
  EXPECT_EQ(json["schema"], "lrb.leaderboard/1") << "adding fields keeps the schema";
  std::map<std::string, nlohmann::json> anchored;  // by backend
  for (const nlohmann::json& row : json["rows"]) {
    if (row["method_spec"] == kTopKAnchored) {
      anchored[row["backend"].get<std::string>()] = row;
    } else {
      EXPECT_TRUE(row["anchor_delta_error"].is_null());
      EXPECT_TRUE(row["anchor_delta_exceeds_noise"].is_null());
    }
  }
  ASSERT_EQ(anchored.size(), 3u);
  ASSERT_TRUE(anchored["simd:AVX2"]["anchor_delta_error"].is_number());
  EXPECT_NEAR(anchored["simd:AVX2"]["anchor_delta_error"].get<double>(), std::sqrt(0.0005 / 3),
              1e-12);
  EXPECT_EQ(anchored["simd:AVX2"]["anchor_delta_exceeds_noise"], true);
  ASSERT_TRUE(anchored["scalar"]["anchor_delta_error"].is_number());
  EXPECT_EQ(anchored["scalar"]["anchor_delta_exceeds_noise"], false);
  EXPECT_TRUE(anchored["simd:AVX3"]["anchor_delta_error"].is_null());
  EXPECT_TRUE(anchored["simd:AVX3"]["anchor_delta_exceeds_noise"].is_null());
  EXPECT_FALSE(anchored["simd:AVX3"]["anchor_delta"].is_null()) << "the delta itself stays";
}

TEST(BoardFormatTest, ARankMetricOutsideTheColumnsGetsTheFirstColumn) {
  std::vector<RunRecord> runs = Runs();
  runs[0].metrics.emplace_back("mcc", 0.75);
  BoardOptions options;
  options.rank_by = "mcc";
  const Board board = MustBuild(runs, options);
  const std::string text = FormatBoard(board, Suite(), BoardFormat::kText);
  const std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  EXPECT_THAT(lines[1], ::testing::MatchesRegex("rank +method +backend +seeds +mcc +Δ anchor .*"))
      << text;
  EXPECT_THAT(text, HasSubstr("Ranked by mcc, higher is better"));
  options.rank_by = "eval.fvu";
  EXPECT_THAT(FormatBoard(MustBuild(runs, options), Suite(), BoardFormat::kText),
              HasSubstr("Ranked by eval.fvu, lower is better"));
}

}  // namespace
}  // namespace lrb::leaderboard
