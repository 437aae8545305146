#include "bench/tune.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sdl/family_traits.h"
#include "sdl/method_spec.h"
#include "util/status_macros.h"

namespace lrb::bench {
namespace {

// The knob's declaration in the method's family, checked to be a real knob whose range
// holds [low, high].
absl::StatusOr<sdl::KnobTraits> CheckKnob(const sdl::MethodSpec& method,
                                          const TuneRequest& request) {
  const sdl::FamilyTraits* family = sdl::FindFamilyTraits(method.family);
  if (family == nullptr) {
    return absl::InternalError(absl::StrCat("no traits for family ", method.family));
  }
  std::vector<std::string> real_knobs;  // all of them, for the messages
  for (const sdl::KnobTraits& knob : family->knobs) {
    if (knob.type == sdl::KnobType::kReal) real_knobs.emplace_back(knob.name);
  }
  for (const sdl::KnobTraits& knob : family->knobs) {
    if (knob.name != request.knob) continue;
    if (knob.type != sdl::KnobType::kReal) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--knob=%s: %s's %s is an integer knob; lrb tune searches real knobs (%s)",
          request.knob, method.family, request.knob,
          real_knobs.empty() ? "it has none" : absl::StrJoin(real_knobs, ", ")));
    }
    if (!(request.low > 0 && request.low < request.high)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--low=%g --high=%g: expected 0 < low < high (the search is on a log scale)",
          request.low, request.high));
    }
    if (request.low < knob.min || request.high > knob.max) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--low=%g --high=%g: %s's %s must lie in [%g, %g]", request.low, request.high,
          method.family, request.knob, knob.min, knob.max));
    }
    return knob;
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "--knob=%s: %s has no such knob; its real knobs: %s", request.knob, method.family,
      real_knobs.empty() ? "none" : absl::StrJoin(real_knobs, ", ")));
}

}  // namespace

double RoundToThreeDigits(double value) {
  if (value == 0 || !std::isfinite(value)) return value;
  return std::strtod(absl::StrFormat("%.2e", value).c_str(), nullptr);
}

absl::Status CheckTuneRequest(const TuneRequest& request) {
  LRB_ASSIGN_OR_RETURN(const sdl::MethodSpec method, sdl::ParseMethodSpec(request.method));
  LRB_RETURN_IF_ERROR(CheckKnob(method, request).status());
  if (request.max_probes < 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--probes=%d: expected at least 2 (both ends of the interval)", request.max_probes));
  }
  if (!(request.tolerance > 0)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--tolerance=%g: expected a positive fraction", request.tolerance));
  }
  return absl::OkStatus();
}

absl::StatusOr<TuneResult> Tune(const TuneRequest& request, const MeasureMetric& measure) {
  LRB_RETURN_IF_ERROR(CheckTuneRequest(request));
  LRB_ASSIGN_OR_RETURN(sdl::MethodSpec method, sdl::ParseMethodSpec(request.method));

  TuneResult result;
  const auto within = [&](double metric) {
    return std::abs(metric - request.target) <= request.tolerance * std::abs(request.target);
  };
  // Runs one probe at `value`; returns its index.
  const auto probe = [&](double value) -> absl::StatusOr<size_t> {
    method.SetKnob(request.knob, value);
    // Through the parser: the canonical text, range checks included.
    LRB_ASSIGN_OR_RETURN(const sdl::MethodSpec checked,
                         sdl::ParseMethodSpec(sdl::ToString(method)));
    TuneProbe& added = result.probes.emplace_back();
    added.value = value;
    added.method_spec = sdl::ToString(checked);
    LRB_ASSIGN_OR_RETURN(added.metric, measure(added.method_spec));
    const size_t index = result.probes.size() - 1;
    if (std::abs(added.metric - request.target) <
        std::abs(result.probes[result.best].metric - request.target)) {
      result.best = index;
    }
    result.converged = within(result.probes[result.best].metric);
    return index;
  };

  LRB_ASSIGN_OR_RETURN(size_t lo, probe(RoundToThreeDigits(request.low)));
  if (result.converged) return result;
  LRB_ASSIGN_OR_RETURN(size_t hi, probe(RoundToThreeDigits(request.high)));
  if (result.converged) return result;
  const double f_lo = result.probes[lo].metric, f_hi = result.probes[hi].metric;
  if ((f_lo - request.target) * (f_hi - request.target) > 0) {
    const bool rising = f_hi > f_lo;
    const bool target_above = request.target > std::max(f_lo, f_hi);
    // The end to move: where the metric comes closest to the target.
    const bool move_high = target_above == rising;
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s=%g is not between %s=%g at %s=%g and %s=%g at %s=%g: widen the interval (%s)",
        request.metric, request.target, request.metric, f_lo, request.knob,
        result.probes[lo].value, request.metric, f_hi, request.knob, result.probes[hi].value,
        move_high ? "a larger --high" : "a smaller --low"));
  }

  // Residuals of the bracket's ends on the interpolation's scale: log(metric / target) when
  // every value is positive (power laws become straight lines), else metric - target.
  const bool log_scale = f_lo > 0 && f_hi > 0 && request.target > 0;
  const auto residual = [&](double metric) {
    return log_scale ? std::log(metric / request.target) : metric - request.target;
  };
  double r_lo = residual(f_lo), r_hi = residual(f_hi);
  int last_moved = 0;  // -1: the low end moved last, +1: the high end, 0: neither yet
  while (!result.converged && static_cast<int>(result.probes.size()) < request.max_probes) {
    const double log_a = std::log(result.probes[lo].value);
    const double log_b = std::log(result.probes[hi].value);
    // Regula falsi between the ends, kept inside the middle 80% of the bracket so that it
    // always shrinks.
    double t = r_lo / (r_lo - r_hi);
    if (!std::isfinite(t)) t = 0.5;
    t = std::clamp(t, 0.1, 0.9);
    const double value = RoundToThreeDigits(std::exp(log_a + t * (log_b - log_a)));
    if (value <= result.probes[lo].value || value >= result.probes[hi].value) {
      break;  // the bracket is down to the rounding
    }
    LRB_ASSIGN_OR_RETURN(const size_t next, probe(value));
    const double r_next = residual(result.probes[next].metric);
    // The new probe replaces the end on its side of the target. When the same end moves
    // twice in a row, the other end's residual is halved (the Illinois rule): on a curved
    // metric plain regula falsi keeps one end for ever and creeps.
    if (r_next * r_lo > 0) {
      lo = next;
      r_lo = r_next;
      if (last_moved == -1) r_hi /= 2;
      last_moved = -1;
    } else {
      hi = next;
      r_hi = r_next;
      if (last_moved == +1) r_lo /= 2;
      last_moved = +1;
    }
  }
  return result;
}

}  // namespace lrb::bench
