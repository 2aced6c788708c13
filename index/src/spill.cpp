// The spill file of a bounded-memory build (spill.h).
#include "spill.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "cardex/index/card_codec.h"

namespace cardex::index {

namespace {

// Appends are collected into writes of this size: one syscall per few hundred cards.
constexpr std::size_t kWriteBuffer = 1 << 20;

Error io_error(const char* what, int err, const std::string& path) {
    return make_error(err == ENOSPC ? Errc::ResourceExhausted : Errc::Internal,
                      std::string("spill file: ") + what + ": " + std::strerror(err),
                      path);
}

}  // namespace

SpillFile::SpillFile(SpillFile&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)),
      path_(std::move(o.path_)),
      buffer_(std::move(o.buffer_)),
      end_(o.end_) {}

SpillFile& SpillFile::operator=(SpillFile&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(o.fd_, -1);
        path_ = std::move(o.path_);
        buffer_ = std::move(o.buffer_);
        end_ = o.end_;
    }
    return *this;
}

SpillFile::~SpillFile() {
    if (fd_ >= 0) ::close(fd_);
}

Result<SpillFile> SpillFile::create(const std::string& path) {
    SpillFile f;
    f.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (f.fd_ < 0) return io_error("cannot create", errno, path);
    f.path_ = path;
    f.buffer_.reserve(kWriteBuffer);
    return f;
}

Result<SpillFile::Ref> SpillFile::append(const Card& card) {
    const std::string bytes = encode_card(card);
    if (bytes.empty())
        return make_error(Errc::ResourceExhausted, "spill file: cannot encode", card.id);
    Ref ref{end_, static_cast<std::uint32_t>(bytes.size())};
    buffer_.append(bytes);
    end_ += bytes.size();
    if (buffer_.size() >= kWriteBuffer) {
        if (auto st = flush(); !st) return std::move(st).error();
    }
    return ref;
}

Status SpillFile::flush() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
        const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return io_error("write failed", errno, path_);
        }
        done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
    return Ok{};
}

Result<Card> SpillFile::read(Ref ref) const {
    std::string bytes(ref.size, '\0');
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::pread(
            fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(ref.offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return io_error("read failed", n < 0 ? errno : EIO, path_);
        done += static_cast<std::size_t>(n);
    }
    auto card = decode_card(bytes);
    if (!card) return make_error(Errc::DataLoss, card.error().message, path_);
    return card;
}

}  // namespace cardex::index
