#pragma once
// The writer lock of an index directory: an exclusive flock on DIR/writer.lock, taken by
// every writer (reindex, ingest, delete, admin writes). The kernel drops it when the process
// dies, so a kill -9 never leaves a stale lock.
//
// A reindex takes it before it reads its sources, not only while it builds: otherwise an
// upsert acknowledged between the read and the build would be missing from the generation
// the reindex publishes (an acknowledged card lost). Move-only; the lock is released when
// the object is destroyed. Not shared between threads.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "cardex/index/replica.h"
#include "cardex/index/result.h"

namespace cardex::index {

class WriterLock {
public:
    /// Tries to take the lock of `dir` (which must exist); waits for it when `wait`.
    /// Check held() afterwards.
    /// With `wait` false and a `patience`, tries for that long before giving up.
    WriterLock(const std::string& dir, bool wait,
               std::chrono::milliseconds patience = std::chrono::milliseconds(0))
        : dir_(dir) {
        // A read replica is written by xapian-replicate only (replica.h): a write of ours
        // there would be overwritten by the next sync, or break it.
        if (is_replica(dir)) {
            errno_ = kReplica;
            return;
        }
        fd_ = ::open((dir + "/writer.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) {
            errno_ = errno;  // a read-only or missing directory: no writer can work here
            return;
        }
        const auto deadline = std::chrono::steady_clock::now() + patience;
        while (::flock(fd_, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
            errno_ = errno;
            if (errno_ == EINTR) continue;
            if (errno_ != EWOULDBLOCK || std::chrono::steady_clock::now() >= deadline) {
                ::close(fd_);
                fd_ = -1;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        errno_ = 0;
    }
    ~WriterLock() {
        if (fd_ >= 0) ::close(fd_);
    }
    WriterLock(WriterLock&& o) noexcept : fd_(o.fd_), errno_(o.errno_), dir_(std::move(o.dir_)) {
        o.fd_ = -1;
    }
    WriterLock& operator=(WriterLock&&) = delete;
    WriterLock(const WriterLock&) = delete;
    WriterLock& operator=(const WriterLock&) = delete;

    bool held() const { return fd_ >= 0; }
    /// Why the lock is not held: Unavailable "index is locked by another writer" when another
    /// writer has it, FailedPrecondition for a read replica (replica.h), else the system error (a
    /// read-only file system, a missing directory).
    Error error() const {
        if (errno_ == kReplica) {
            return make_error(Errc::FailedPrecondition,
                              "this index is a read replica (cardex follow): write to its primary",
                              dir_);
        }
        if (errno_ == EWOULDBLOCK) {
            return make_error(Errc::Unavailable, "index is locked by another writer", dir_);
        }
        return make_error(errno_ == EROFS || errno_ == EACCES ? Errc::FailedPrecondition
                                                                : Errc::Internal,
                          std::string("cannot take the writer lock: ") + std::strerror(errno_),
                          dir_ + "/writer.lock");
    }
    /// The index directory this lock is for.
    const std::string& dir() const { return dir_; }

private:
  static constexpr int kReplica = -1;  // not an errno
  int fd_ = -1;
  int errno_ = 0;
  std::string dir_;
};

}  // namespace cardex::index
