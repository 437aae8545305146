#include "leaderboard/store/text_table.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace lrb::leaderboard::internal {
namespace {

constexpr char kColumnGap[] = "  ";

void AppendPadded(std::string& out, const std::string& cell, int width, TextTable::Align align) {
  const std::string padding(static_cast<size_t>(width - DisplayWidth(cell)), ' ');
  if (align == TextTable::Align::kRight) out += padding;
  out += cell;
  if (align == TextTable::Align::kLeft) out += padding;
}

}  // namespace

int DisplayWidth(const std::string& text) {
  // Count every byte except UTF-8 continuation bytes (10xxxxxx).
  return static_cast<int>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

void TextTable::AddRow(std::vector<std::string> cells) {
  if (cells.size() != columns_.size()) {
    std::fprintf(stderr, "TextTable::AddRow: %zu cells for %zu columns\n", cells.size(),
                 columns_.size());
    std::abort();
  }
  lines_.push_back({.is_heading = false, .cells = std::move(cells)});
}

void TextTable::AddHeading(std::string text) {
  lines_.push_back({.is_heading = true, .cells = {std::move(text)}});
}

std::string TextTable::Render() const {
  std::vector<int> widths;
  for (const Column& column : columns_) widths.push_back(DisplayWidth(column.header));
  for (const Line& line : lines_) {
    if (line.is_heading) continue;
    for (size_t i = 0; i < columns_.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(line.cells[i]));
    }
  }

  std::string out;
  auto append_cells = [&](auto cell_of) {
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) out += kColumnGap;
      AppendPadded(out, cell_of(i), widths[i], columns_[i].align);
    }
    out += '\n';
  };
  append_cells([&](size_t i) { return columns_[i].header; });
  append_cells([&](size_t i) { return std::string(static_cast<size_t>(widths[i]), '-'); });
  for (const Line& line : lines_) {
    if (line.is_heading) {
      out += line.cells.front();
      out += '\n';
    } else {
      append_cells([&](size_t i) { return line.cells[i]; });
    }
  }
  return out;
}

}  // namespace lrb::leaderboard::internal
