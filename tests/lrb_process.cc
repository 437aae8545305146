#include "tests/lrb_process.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "util/testing/json_file.h"
#include "util/testing/temp_dir.h"

namespace lrb::testing {

LrbResult RunLrb(const std::string& args, const std::string& env) {
  const std::string err_path = FreshTempPath("lrb_stderr.txt");
  const std::string command = absl::StrCat(env, " bench/lrb ", args, " 2>", err_path);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  LrbResult result;
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  while (fgets(buffer.data(), buffer.size(), pipe.get()) != nullptr) result.out += buffer.data();
  const int status = pclose(pipe.release());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.err = ReadTextFile(err_path);
  return result;
}

}  // namespace lrb::testing
