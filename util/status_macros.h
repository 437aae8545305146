#ifndef LRB_UTIL_STATUS_MACROS_H_
#define LRB_UTIL_STATUS_MACROS_H_

// Abseil 20220623 (Debian 12) has no ABSL_RETURN_IF_ERROR / ABSL_ASSIGN_OR_RETURN;
// these are the small local equivalents.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define LRB_STATUS_CONCAT_INNER_(a, b) a##b
#define LRB_STATUS_CONCAT_(a, b) LRB_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the enclosing function if not OK.
#define LRB_RETURN_IF_ERROR(expr)                  \
  do {                                             \
    ::absl::Status lrb_status_ = (expr);           \
    if (!lrb_status_.ok()) return lrb_status_;     \
  } while (false)

// `LRB_ASSIGN_OR_RETURN(auto x, F());` declares/assigns the value of an absl::StatusOr or
// returns its error status from the enclosing function.
#define LRB_ASSIGN_OR_RETURN(lhs, expr) \
  LRB_ASSIGN_OR_RETURN_IMPL_(LRB_STATUS_CONCAT_(lrb_statusor_, __LINE__), lhs, expr)

#define LRB_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return statusor.status();         \
  lhs = std::move(statusor).value()

#endif  // LRB_UTIL_STATUS_MACROS_H_
