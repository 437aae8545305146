#include "leaderboard/store/text_table.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace lrb::leaderboard::internal {
namespace {

using Align = TextTable::Align;

TEST(DisplayWidthTest, CountsCodePointsNotBytes) {
  EXPECT_EQ(DisplayWidth(""), 0);
  EXPECT_EQ(DisplayWidth("abc"), 3);
  EXPECT_EQ(DisplayWidth("± 1.23"), 6);  // '±' is two bytes in UTF-8
  EXPECT_EQ(DisplayWidth("λ→x"), 3);
}

TEST(TextTableTest, ColumnsAreAsWideAsTheirWidestCell) {
  TextTable table({{"name", Align::kLeft}, {"n", Align::kRight}});
  table.AddRow({"a", "1"});
  table.AddRow({"longer name", "± 100"});
  EXPECT_EQ(table.Render(),
            "name             n\n"
            "-----------  -----\n"
            "a                1\n"
            "longer name  ± 100\n");
}

TEST(TextTableTest, HeadingsDoNotWidenColumns) {
  TextTable table({{"x", Align::kLeft}, {"y", Align::kRight}});
  table.AddHeading("a very long heading line that is wider than the table");
  table.AddRow({"1", "2"});
  EXPECT_EQ(table.Render(),
            "x  y\n"
            "-  -\n"
            "a very long heading line that is wider than the table\n"
            "1  2\n");
}

TEST(TextTableTest, EveryTableLineHasTheSameWidthWithPaddedLastColumn) {
  TextTable table({{"a", Align::kRight}, {"b", Align::kLeft}});
  table.AddRow({"1", "ü"});
  table.AddRow({"22", "long cell"});
  for (absl::string_view line : absl::StrSplit(table.Render(), '\n', absl::SkipEmpty())) {
    EXPECT_EQ(DisplayWidth(std::string(line)), 2 + 2 + 9) << "'" << line << "'";
  }
}

TEST(TextTableDeathTest, WrongCellCountIsAProgrammingError) {
  TextTable table({{"a", Align::kLeft}});
  EXPECT_DEATH(table.AddRow({"1", "2"}), "2 cells for 1 columns");
}

}  // namespace
}  // namespace lrb::leaderboard::internal
