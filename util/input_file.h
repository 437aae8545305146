#ifndef LRB_UTIL_INPUT_FILE_H_
#define LRB_UTIL_INPUT_FILE_H_

// Opening a file LRB reads, safely: the path must name a regular file (after following
// symlinks). A directory, FIFO, socket or device (/dev/zero) is refused with the path and
// what it is, without blocking (a FIFO is opened non-blocking) and without reading
// unbounded data; a symlink loop or a missing file is an error with strerror's reason.
// The size is taken from fstat of the opened descriptor, so a reader can bound every
// allocation by it before reading.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lrb {

class InputFile {
 public:
  // NotFound when the path does not exist, FailedPrecondition when it is not a regular
  // file, PermissionDenied / Internal for other open errors; every message names `path`.
  static absl::StatusOr<InputFile> Open(const std::string& path);

  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&& other) noexcept;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile();

  const std::string& path() const { return path_; }
  // The size when opened.
  int64_t size() const { return size_; }
  // Bytes consumed by Read so far.
  int64_t position() const { return position_; }

  // Reads exactly `size` bytes at the current position; DataLoss naming the path and the
  // offset when the file ends first (it shrank after Open) or the read fails.
  absl::Status Read(void* out, size_t size);

 private:
  InputFile(std::string path, int fd, int64_t size);

  std::string path_;
  int fd_ = -1;
  int64_t size_ = 0;
  int64_t position_ = 0;
};

// The whole content of a regular file of at most `max_bytes` bytes (a manifest, a JSON
// description); larger files are refused before anything is allocated.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path, int64_t max_bytes);

}  // namespace lrb

#endif  // LRB_UTIL_INPUT_FILE_H_
