#ifndef LRB_BENCH_LRB_COMMANDS_H_
#define LRB_BENCH_LRB_COMMANDS_H_

// The commands of `lrb` and the flags each takes: the one table that the parser, every help
// text and the command-line tests read. A new flag is one entry here plus its use in
// bench/lrb_main.cc.

#include <vector>

#include "bench/command_line.h"

namespace lrb::bench {

const std::vector<CommandSpec>& LrbCommands();

}  // namespace lrb::bench

#endif  // LRB_BENCH_LRB_COMMANDS_H_
