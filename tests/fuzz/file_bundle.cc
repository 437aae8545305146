#include "tests/fuzz/file_bundle.h"

#include <map>
#include <string>
#include <string_view>

namespace lrb::fuzz {
namespace {

bool IsPlainFileName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name[0] == '.') return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string JoinFileBundle(const std::map<std::string, std::string>& files) {
  std::string bundle;
  for (const auto& [name, content] : files) {
    bundle.append(kFileMarker);
    bundle.append(name);
    bundle.push_back('\n');
    bundle.append(content);
  }
  return bundle;
}

std::map<std::string, std::string> SplitFileBundle(std::string_view bundle) {
  std::map<std::string, std::string> files;
  size_t pos = bundle.find(kFileMarker);
  while (pos != std::string_view::npos) {
    const size_t name_begin = pos + kFileMarker.size();
    const size_t next = bundle.find(kFileMarker, name_begin);
    const std::string_view record =
        bundle.substr(name_begin, next == std::string_view::npos ? std::string_view::npos
                                                                 : next - name_begin);
    const size_t newline = record.find('\n');
    if (newline != std::string_view::npos && IsPlainFileName(record.substr(0, newline))) {
      files[std::string(record.substr(0, newline))] = std::string(record.substr(newline + 1));
    }
    pos = next;
  }
  return files;
}

}  // namespace lrb::fuzz
