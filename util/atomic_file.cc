#include "util/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace lrb {
namespace {

// Distinguishes temporary files of one process; the pid distinguishes processes.
std::atomic<uint64_t> temp_counter{0};

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

absl::Status ErrnoError(std::string_view message, int error) {
  const std::string text = absl::StrCat(std::string(message), ": ", std::strerror(error));
  switch (error) {
    case ENOENT:
      return absl::NotFoundError(text);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(text);
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return absl::ResourceExhaustedError(text);
    default:
      return absl::InternalError(text);
  }
}

}  // namespace

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(absl::StrCat(dir, ": cannot open directory to sync it"), errno);
  int error = 0;
  if (::fsync(fd) != 0 && errno != EINVAL) error = errno;
  ::close(fd);
  if (error != 0) return ErrnoError(absl::StrCat(dir, ": cannot sync directory"), error);
  return absl::OkStatus();
}

absl::StatusOr<AtomicFileWriter> AtomicFileWriter::Create(const std::string& path) {
  const std::string base = BaseName(path);
  if (base.empty() || base == "." || base == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write \"", path, "\": expected a file name, not a directory"));
  }
  struct stat info;
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot write the file: a directory of that name exists"));
  }
  const std::string prefix = path.substr(0, path.size() - base.size());  // "dir/" or ""
  // O_EXCL: never reuse (or follow a symlink planted at) an existing name; retry on a clash
  // with a stale file of a previous process that had the same pid.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string temp = absl::StrCat(prefix, ".", base, ".tmp-", ::getpid(), "-",
                                          temp_counter.fetch_add(1));
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return AtomicFileWriter(path, temp, fd);
    if (errno != EEXIST) {
      return ErrnoError(absl::StrCat(path, ": cannot create temporary file ", temp), errno);
    }
  }
  return absl::InternalError(absl::StrCat(path, ": cannot find a free temporary name"));
}

AtomicFileWriter::AtomicFileWriter(std::string path, std::string temp_path, int fd)
    : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(fd) {}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : path_(std::move(other.path_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(std::exchange(other.fd_, -1)),
      bytes_written_(other.bytes_written_),
      done_(std::exchange(other.done_, true)) {}

AtomicFileWriter& AtomicFileWriter::operator=(AtomicFileWriter&& other) noexcept {
  if (this != &other) {
    Discard();
    path_ = std::move(other.path_);
    temp_path_ = std::move(other.temp_path_);
    fd_ = std::exchange(other.fd_, -1);
    bytes_written_ = other.bytes_written_;
    done_ = std::exchange(other.done_, true);
  }
  return *this;
}

AtomicFileWriter::~AtomicFileWriter() { Discard(); }

void AtomicFileWriter::Discard() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!done_) {
    ::unlink(temp_path_.c_str());
    done_ = true;
  }
}

absl::Status AtomicFileWriter::Fail(std::string_view what, int error) {
  Discard();
  return ErrnoError(absl::StrCat(path_, ": ", std::string(what), " (after ", bytes_written_,
                                 " bytes; the partial file was removed)"),
                    error);
}

absl::Status AtomicFileWriter::Append(std::string_view bytes) {
  return Append(bytes.data(), bytes.size());
}

absl::Status AtomicFileWriter::Append(const void* data, size_t size) {
  if (done_) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, ": write after the file was committed or discarded"));
  }
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    // Linux writes at most 0x7ffff000 bytes per call.
    const ssize_t n = ::write(fd_, p, size < (size_t{1} << 30) ? size : (size_t{1} << 30));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail("write failed", errno);
    }
    if (n == 0) return Fail("write failed", EIO);
    p += n;
    size -= static_cast<size_t>(n);
    bytes_written_ += n;
  }
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::Commit() {
  if (done_) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, ": commit after the file was committed or discarded"));
  }
  if (::fsync(fd_) != 0) return Fail("fsync failed", errno);
  const int fd = std::exchange(fd_, -1);
  // close() reports deferred write errors on some file systems (NFS).
  if (::close(fd) != 0) return Fail("close failed", errno);
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) return Fail("rename failed", errno);
  done_ = true;
  return SyncDirectory(DirectoryOf(path_));
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  absl::StatusOr<AtomicFileWriter> writer = AtomicFileWriter::Create(path);
  if (!writer.ok()) return writer.status();
  if (absl::Status status = writer->Append(bytes); !status.ok()) return status;
  return writer->Commit();
}

}  // namespace lrb
