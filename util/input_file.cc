#include "util/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lrb {
namespace {

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

}  // namespace

absl::StatusOr<InputFile> InputFile::Open(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("cannot open a file with an empty path");
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    const int error = errno;
    const std::string message = absl::StrCat(path, ": cannot open for reading: ",
                                              std::strerror(error));
    if (error == ENOENT) return absl::NotFoundError(message);
    if (error == EACCES || error == EPERM) return absl::PermissionDeniedError(message);
    if (error == ELOOP || error == ENOTDIR) return absl::FailedPreconditionError(message);
    return absl::InternalError(message);
  }
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    return absl::InternalError(absl::StrCat(path, ": cannot stat: ", std::strerror(error)));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is ", KindOf(info.st_mode), ", expected a regular file"));
  }
  // Regular files ignore O_NONBLOCK; clear it anyway so reads have their usual meaning.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return InputFile(path, fd, static_cast<int64_t>(info.st_size));
}

InputFile::InputFile(std::string path, int fd, int64_t size)
    : path_(std::move(path)), fd_(fd), size_(size) {}

InputFile::InputFile(InputFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      size_(other.size_),
      position_(other.position_) {}

InputFile& InputFile::operator=(InputFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
    position_ = other.position_;
  }
  return *this;
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status InputFile::Read(void* out, size_t size) {
  char* p = static_cast<char*>(out);
  while (size > 0) {
    const ssize_t n = ::read(fd_, p, size < (size_t{1} << 30) ? size : (size_t{1} << 30));
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::DataLossError(absl::StrFormat("%s: read failed at byte %d: %s", path_,
                                                 position_, std::strerror(errno)));
    }
    if (n == 0) {
      return absl::DataLossError(absl::StrFormat(
          "%s: the file ended at byte %d, %d bytes short (it was %d bytes when opened)", path_,
          position_, size, size_));
    }
    p += n;
    size -= static_cast<size_t>(n);
    position_ += n;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadSmallFile(const std::string& path, int64_t max_bytes) {
  absl::StatusOr<InputFile> file = InputFile::Open(path);
  if (!file.ok()) return file.status();
  if (file->size() > max_bytes) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: %d bytes, more than the %d this file may have", path, file->size(), max_bytes));
  }
  std::string text(static_cast<size_t>(file->size()), '\0');
  if (absl::Status status = file->Read(text.data(), text.size()); !status.ok()) return status;
  return text;
}

}  // namespace lrb
