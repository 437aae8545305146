#ifndef LRB_UTIL_ATOMIC_FILE_H_
#define LRB_UTIL_ATOMIC_FILE_H_

// Files that appear whole or not at all.
//
// AtomicFileWriter writes to a temporary file in the target's directory (named
// ".<name>.tmp-<pid>-<n>", created exclusively with mode 0666 & ~umask) and, on Commit,
// flushes it to disk (fsync), closes it, renames it over the target and fsyncs the
// directory, so that after a crash or a failed write the target holds either its previous
// content (or does not exist) or the complete new content, never a prefix. A writer that is
// destroyed without a successful Commit removes its temporary file. Every error names the
// target file and gives the reason from errno (strerror), e.g. "No space left on device".
//
// Not thread-safe: one writer belongs to one thread at a time. Different writers are
// independent.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lrb {

class AtomicFileWriter {
 public:
  // Creates the temporary file next to `path`. Fails (naming `path`) when the directory does
  // not exist or is not writable, or when `path` is empty or names a directory.
  static absl::StatusOr<AtomicFileWriter> Create(const std::string& path);

  AtomicFileWriter(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter& operator=(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  // Discards the temporary file unless Commit succeeded.
  ~AtomicFileWriter();

  // Appends bytes (written through to the kernel; no user-space buffer). After a failure the
  // writer is discarded: the temporary file is removed and later calls fail.
  absl::Status Append(std::string_view bytes);
  absl::Status Append(const void* data, size_t size);

  // fsync, close, rename onto the target, fsync the directory. On failure before the rename
  // the temporary file is removed and the target is untouched.
  absl::Status Commit();

  // Removes the temporary file now (idempotent).
  void Discard();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }
  int64_t bytes_written() const { return bytes_written_; }

 private:
  AtomicFileWriter(std::string path, std::string temp_path, int fd);
  absl::Status Fail(std::string_view what, int error);

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  int64_t bytes_written_ = 0;
  bool done_ = false;  // committed or discarded
};

// Writes `bytes` to `path` through an AtomicFileWriter.
absl::Status WriteFileAtomically(const std::string& path, std::string_view bytes);

// The directory part of `path` ("." when it has none).
std::string DirectoryOf(const std::string& path);

// fsyncs the directory so that a rename or unlink in it survives a crash. File systems that
// cannot sync a directory (EINVAL) are accepted.
absl::Status SyncDirectory(const std::string& dir);

}  // namespace lrb

#endif  // LRB_UTIL_ATOMIC_FILE_H_
