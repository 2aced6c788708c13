#pragma once
// The writer lock of an index directory: an exclusive flock on DIR/writer.lock. The kernel
// drops it when the process dies, so a kill -9 never leaves a stale lock.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <string>

namespace cardex::index {

class WriterLock {
public:
    WriterLock(const std::string& dir, bool wait) {
        fd_ = ::open((dir + "/writer.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ >= 0 && ::flock(fd_, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~WriterLock() {
        if (fd_ >= 0) ::close(fd_);
    }
    WriterLock(WriterLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    WriterLock& operator=(WriterLock&&) = delete;
    WriterLock(const WriterLock&) = delete;
    WriterLock& operator=(const WriterLock&) = delete;
    bool held() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

}  // namespace cardex::index
