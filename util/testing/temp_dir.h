#ifndef LRB_UTIL_TESTING_TEMP_DIR_H_
#define LRB_UTIL_TESTING_TEMP_DIR_H_

#include <string>

namespace lrb::testing {

// An empty directory under the test's private TEST_TMPDIR (or /tmp outside Bazel), named
// after the running test and `name`, so two tests (or two calls with different names) never
// share one. Whatever a previous run left there is removed first.
std::string NewTempDir(const std::string& name);

// A path under NewTempDir's root that does not exist yet: for code that must create it.
std::string FreshTempPath(const std::string& name);

}  // namespace lrb::testing

#endif  // LRB_UTIL_TESTING_TEMP_DIR_H_
