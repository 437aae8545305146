#include "util/testing/temp_dir.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"

namespace lrb::testing {
namespace {

namespace fs = std::filesystem;

// TEST_TMPDIR/<suite>.<test>, or TEST_TMPDIR itself outside a running test.
fs::path TestRoot() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  fs::path root = tmp != nullptr ? tmp : "/tmp";
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (test != nullptr) {
    std::string leaf = std::string(test->test_suite_name()) + "." + test->name();
    for (char& c : leaf) {
      if (c == '/') c = '_';  // parameterised tests are named "Suite/Test/0"
    }
    root /= leaf;
  }
  return root;
}

}  // namespace

std::string FreshTempPath(const std::string& name) {
  const fs::path root = TestRoot();
  fs::create_directories(root);
  const fs::path path = root / name;
  fs::remove_all(path);
  return path.string();
}

std::string NewTempDir(const std::string& name) {
  const std::string path = FreshTempPath(name);
  fs::create_directories(path);
  return path;
}

}  // namespace lrb::testing
