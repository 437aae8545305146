#ifndef LRB_TESTS_FUZZ_FILE_BUNDLE_H_
#define LRB_TESTS_FUZZ_FILE_BUNDLE_H_

// Several files in one fuzz input, so that one input (and one regression file) is a whole
// dataset directory: a record per file,
//
//   "#lrbfile:" name '\n' content
//
// where content runs up to the next "#lrbfile:" or the end. The format has no length
// fields on purpose: a byte-level mutation of one file's content stays a mutation of that
// file instead of shifting every later file. Bytes before the first marker are ignored.
// SplitFileBundle keeps only plain file names ([A-Za-z0-9_.-]{1,64}, not starting with
// '.'), so a fuzz input can never name a path outside the directory it is written to;
// a name given twice keeps its last content.

#include <map>
#include <string>
#include <string_view>

namespace lrb::fuzz {

inline constexpr std::string_view kFileMarker = "#lrbfile:";

// name -> content, sorted by name.
std::string JoinFileBundle(const std::map<std::string, std::string>& files);
std::map<std::string, std::string> SplitFileBundle(std::string_view bundle);

}  // namespace lrb::fuzz

#endif  // LRB_TESTS_FUZZ_FILE_BUNDLE_H_
