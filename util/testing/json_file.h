#ifndef LRB_UTIL_TESTING_JSON_FILE_H_
#define LRB_UTIL_TESTING_JSON_FILE_H_

#include <string>

#include "nlohmann/json.hpp"

namespace lrb::testing {

// The whole file at `path` as text; adds a test failure (and returns "") when it cannot be read.
std::string ReadTextFile(const std::string& path);

// The JSON document at `path`; adds a test failure (and returns null) when the file cannot be
// read or does not parse.
nlohmann::json ReadJsonFile(const std::string& path);

}  // namespace lrb::testing

#endif  // LRB_UTIL_TESTING_JSON_FILE_H_
