#ifndef LRB_BENCH_METHODS_COMMAND_H_
#define LRB_BENCH_METHODS_COMMAND_H_

// `lrb methods`: every method family of sdl/method_families.inc with its version, one-line
// description, knobs (type, range, default, meaning), L0 promise and example, read from the
// traits each family declares in its own file (sdl/family_traits.h), then what every family
// shares (latents, options, topologies, modifiers).

#include <ostream>
#include <string>
#include <vector>

#include "sdl/family_traits.h"

namespace lrb::bench {

// The listing of `families`, for a terminal (lines under 100 columns but for long examples).
std::string FormatMethods(const std::vector<const sdl::FamilyTraits*>& families);

// Writes FormatMethods of every family to `out`.
void MethodsCommand(std::ostream& out);

}  // namespace lrb::bench

#endif  // LRB_BENCH_METHODS_COMMAND_H_
