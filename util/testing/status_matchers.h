#ifndef LRB_UTIL_TESTING_STATUS_MATCHERS_H_
#define LRB_UTIL_TESTING_STATUS_MATCHERS_H_

// Status assertions for tests (Abseil 20220623 ships no status matchers):
//   LRB_EXPECT_OK(expr) / LRB_ASSERT_OK(expr)     expr is an ok Status or StatusOr
//   LRB_ASSERT_OK_AND_ASSIGN(auto x, expr)        the StatusOr's value, or a fatal failure
//   EXPECT_THAT(expr, StatusIs(code, HasSubstr("...")))   an error of that code and message

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lrb::testing {

inline absl::Status StatusOf(const absl::Status& status) { return status; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// gtest predicate formatter: evaluates the expression once and prints a failed status.
template <typename T>
::testing::AssertionResult IsOk(const char* expression, const T& value) {
  const absl::Status status = StatusOf(value);
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << expression << " failed: " << status;
}

// Matches a Status or StatusOr whose code is `code` and whose message matches `message`.
MATCHER_P2(StatusIs, code, message,
           std::string("is an error ") + absl::StatusCodeToString(code) + " whose message " +
               ::testing::DescribeMatcher<std::string>(message, negation)) {
  const absl::Status status = ::lrb::testing::StatusOf(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code &&
         ::testing::Matches(::testing::Matcher<std::string>(message))(std::string(status.message()));
}

}  // namespace lrb::testing

#define LRB_EXPECT_OK(expr) EXPECT_PRED_FORMAT1(::lrb::testing::IsOk, expr)
#define LRB_ASSERT_OK(expr) ASSERT_PRED_FORMAT1(::lrb::testing::IsOk, expr)

#define LRB_ASSERT_OK_AND_ASSIGN(lhs, expr) \
  LRB_ASSERT_OK_AND_ASSIGN_IMPL_(LRB_TEST_CONCAT_(lrb_statusor_, __LINE__), lhs, expr)
#define LRB_TEST_CONCAT_INNER_(a, b) a##b
#define LRB_TEST_CONCAT_(a, b) LRB_TEST_CONCAT_INNER_(a, b)
#define LRB_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                   \
  ASSERT_TRUE(statusor.ok()) << statusor.status();          \
  lhs = std::move(statusor).value()

#endif  // LRB_UTIL_TESTING_STATUS_MATCHERS_H_
