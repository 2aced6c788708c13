// Index generations: the stub that names the live one, opening and pinning it, and removing
// the ones nobody reads any more. Building a new generation is in build.cpp.
//
// The protocol (ARCHITECTURE.md, "Readers and writers"):
// - A writer publishes a generation by renaming a new stub over DIR/XAPIANDB.
// - A reader reads the stub, takes a shared flock on gen-N/reader.lock, then checks that the
//   lock file it holds is still the one at that path (same inode). Only then does it open
//   the Xapian database.
// - A writer deletes a generation only after taking an exclusive flock on its reader.lock
//   without waiting; it unlinks the lock file first, so a reader that locks the file after
//   that finds the path gone (or replaced) and starts again from the stub.
#include "cardex/index/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "cardex/index/schema.h"
#include "generations.h"
#include "internal.h"

namespace fs = std::filesystem;

namespace cardex::index {

std::string read_stub(const fs::path& dir) {
    std::ifstream in(dir / kStubName);
    // Ours is one line; the stub of a read replica (Xapian's DatabaseReplica, replica.h)
    // starts with '#' comment lines.
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        std::string kind, name;
        if (!(words >> kind >> name) || kind != "auto") return {};
        return name;
    }
    return {};
}

Status fsync_path(const fs::path& path, bool directory) {
    const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) return make_error(Errc::Internal, "cannot open to sync", path.string());
    const bool ok = ::fsync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!ok) {
        return make_error(err == ENOSPC ? Errc::ResourceExhausted : Errc::Internal,
                          std::string("cannot sync to disk: ") + std::strerror(err),
                          path.string());
    }
    return Ok{};
}

Status write_stub(const fs::path& dir, const std::string& generation) {
    const fs::path tmp = dir / (std::string(kStubName) + ".tmp");
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return make_error(Errc::Internal,
                          std::string("cannot write index stub: ") + std::strerror(errno),
                          tmp.string());
    }
    const std::string text = "auto " + generation + "\n";
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ok = ::fsync(fd) == 0 && ok;
    const int err = errno;
    ::close(fd);
    if (!ok) {
        ::unlink(tmp.c_str());
        return make_error(Errc::Internal,
                          std::string("cannot write index stub: ") + std::strerror(err),
                          tmp.string());
    }
    // rename() is atomic: a reader sees the old stub or the new one, never a mix.
    if (::rename(tmp.c_str(), (dir / kStubName).c_str()) != 0) {
        ::unlink(tmp.c_str());
        return make_error(Errc::Internal, "cannot switch index stub", dir.string());
    }
    return fsync_path(dir, true);
}

int generation_number(const std::string& name) {
    if (name.rfind(kGenPrefix, 0) != 0 || name.size() <= kGenPrefix.size()) return -1;
    int n = 0;
    for (std::size_t i = kGenPrefix.size(); i < name.size(); ++i) {
        if (name[i] < '0' || name[i] > '9' || n > 99'999'999) return -1;
        n = n * 10 + (name[i] - '0');
    }
    return n;
}

GenerationPin& GenerationPin::operator=(GenerationPin&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);  // closing drops its locks, holds included
        fd_ = o.fd_;
        held_revision_ = o.held_revision_;
        o.fd_ = -1;
        o.held_revision_ = kNone;
    }
    return *this;
}

GenerationPin::~GenerationPin() {
    if (fd_ >= 0) ::close(fd_);
}

namespace {

// An OFD byte-range lock (per open file description, so two Searchers of one process, or a
// reader and a writer, conflict as two processes would; classic POSIX locks would not).
bool ofd_lock(int fd, short type, std::uint64_t byte, bool wait) {
    struct flock fl{};
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = static_cast<off_t>(byte);
    fl.l_len = 1;
    return ::fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl) == 0;
}

}  // namespace

void GenerationPin::hold_revision(std::uint64_t rev) noexcept {
    if (fd_ < 0) return;
    if (held_revision_ != kNone) release_revision();
    // Waiting here would only be for a writer's brief probe (wait_for_readers), never long.
    if (ofd_lock(fd_, F_RDLCK, rev % kRevisionSlots, true)) held_revision_ = rev;
}

void GenerationPin::release_revision() noexcept {
    if (fd_ < 0 || held_revision_ == kNone) return;
    ofd_lock(fd_, F_UNLCK, held_revision_ % kRevisionSlots, false);
    held_revision_ = kNone;
}

bool wait_for_readers(const std::string& generation, std::uint64_t committed,
                      std::chrono::milliseconds patience) {
    if (committed == 0) return false;
    const fs::path lock = fs::path(generation) / kReaderLock;
    const int fd = ::open(lock.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return false;  // a generation without holds (built before them)
    const std::uint64_t byte = (committed - 1) % GenerationPin::kRevisionSlots;
    const auto deadline = std::chrono::steady_clock::now() + patience;
    bool readers = true;
    for (int round = 0;; ++round) {
        // A write lock on the byte succeeds only when no reader holds it; drop it at once.
        if (ofd_lock(fd, F_WRLCK, byte, false)) {
            ofd_lock(fd, F_UNLCK, byte, false);
            readers = false;
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::microseconds(round < 10 ? 200 : 2000));
    }
    ::close(fd);
    return readers;
}

std::uint64_t directory_bytes(const std::string& dir) {
    std::uint64_t total = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec)) total += it->file_size(ec);
    }
    return total;
}

Result<std::string> live_generation(const std::string& dir) {
    const fs::path d(dir);
    std::string gen = read_stub(d);
    if (gen.empty()) {
        return make_error(Errc::NotFound,
                          "no cardex index here (run `cardex reindex --index DIR SOURCE...`)", dir);
    }
    return (d / gen).string();
}

Status check_format(const Xapian::Database& db) {
    const std::string v = db.get_metadata(std::string(kMetaFormat));
    for (int readable = kOldestReadableFormat; readable <= kFormatVersion; ++readable) {
        if (v == std::to_string(readable)) return Ok{};
    }
    return make_error(Errc::FailedPrecondition,
                      "index format version " + (v.empty() ? std::string("unknown") : v) +
                          " is not " + std::to_string(kFormatVersion) +
                          (kOldestReadableFormat < kFormatVersion
                               ? " (nor one from " + std::to_string(kOldestReadableFormat) +
                                     ", which this cardex also reads)"
                               : std::string()) +
                          "; rebuild it with `cardex reindex`",
                      v);
}

namespace {

enum class PinOutcome { Pinned, Legacy, Moved };

// Pins generation `gen` (a path). Legacy: it has no lock file and is still the live one
// (built before pins existed). Moved: a writer is deleting it, or the stub moved on.
PinOutcome try_pin(const fs::path& dir, const std::string& name, GenerationPin& pin) {
    const fs::path lock = dir / name / kReaderLock;
    const int fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return read_stub(dir) == name && fs::is_directory(dir / name) ? PinOutcome::Legacy
                                                                              : PinOutcome::Moved;
    if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {  // a writer holds it: it is being deleted
        ::close(fd);
        return PinOutcome::Moved;
    }
    struct stat held{}, now{};
    if (::fstat(fd, &held) != 0 || ::stat(lock.c_str(), &now) != 0 || held.st_ino != now.st_ino ||
        held.st_dev != now.st_dev) {
        ::close(fd);  // unlinked (or replaced) after we opened it
        return PinOutcome::Moved;
    }
    pin = GenerationPin(fd);
    return PinOutcome::Pinned;
}

}  // namespace

Result<LiveReader> open_live(const std::string& dir) {
    const fs::path d(dir);
    // A stub switch needs a whole reindex between two of our reads: a few rounds suffice
    // unless reindexes run back to back with tiny inputs.
    for (int attempt = 0; attempt < 50; ++attempt) {
        const std::string name = read_stub(d);
        if (name.empty()) {
            return make_error(Errc::NotFound,
                              "no cardex index here (run `cardex reindex --index DIR SOURCE...`)",
                              dir);
        }
        LiveReader r;
        const PinOutcome pinned = try_pin(d, name, r.pin);
        if (pinned == PinOutcome::Moved) {
            std::this_thread::sleep_for(std::chrono::milliseconds(attempt < 5 ? 0 : 2));
            continue;
        }
        r.generation = (d / name).string();
        try {
            r.db = Xapian::Database(r.generation, Xapian::DB_OPEN);
        } catch (const Xapian::Error& e) {
            // An unpinned legacy generation can be deleted between the stub read and the
            // open: if the stub moved on, start again from it.
            if (read_stub(d) != name) continue;
            return error_from_xapian(e, "cannot open index " + r.generation);
        }
        if (auto st = check_format(r.db); !st) {
            // The empty database `cardex follow` starts a replica with (replica.h).
            if (name.rfind("replica_", 0) == 0 && r.db.get_doccount() == 0 &&
                r.db.get_metadata(std::string(kMetaFormat)).empty()) {
                return make_error(Errc::Unavailable,
                                  "this read replica has no copy of its primary yet "
                                  "(cardex follow)",
                                  dir);
            }
            return std::move(st).error();
        }
        return r;
    }
    return make_error(Errc::Unavailable, "index generation kept changing while opening it", dir);
}

std::string private_db_name(std::string_view ns) {
    if (ns.empty()) return "_";
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(ns.size() * 2);
    for (unsigned char ch : ns) {
        out += kHex[ch >> 4];
        out += kHex[ch & 15];
    }
    return out;
}

std::string private_db_path(const std::string& generation, std::string_view ns) {
    return (fs::path(generation) / kPrivateDir / private_db_name(ns)).string();
}

namespace {

// The namespace a private database name stands for, or nullopt for any other name.
std::optional<std::string> namespace_of(std::string_view name) {
    if (name == "_") return std::string();
    if (name.empty() || name.size() % 2 != 0) return std::nullopt;
    auto nibble = [](char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    };
    std::string ns;
    for (std::size_t i = 0; i < name.size(); i += 2) {
        const int hi = nibble(name[i]), lo = nibble(name[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        ns += static_cast<char>(hi * 16 + lo);
    }
    return ns;
}

}  // namespace

std::vector<PrivateDatabase> private_databases(const std::string& generation) {
    std::vector<PrivateDatabase> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::path(generation) / kPrivateDir, ec)) {
        const std::string name = e.path().filename().string();
        if (auto ns = namespace_of(name)) out.push_back({std::move(*ns), e.path().string()});
    }
    std::sort(out.begin(), out.end(), [](const PrivateDatabase& a, const PrivateDatabase& b) {
        return a.ns < b.ns;
    });
    return out;
}

Result<Xapian::Database> open_reader(const std::string& dir) {
    auto r = open_live(dir);
    if (!r) return std::move(r).error();
    return std::move(r->db);
}

std::vector<std::string> remove_unpinned_generations(const std::string& dir,
                                                     const std::string& keep) {
    std::vector<std::string> pinned;
    const fs::path root(dir);
    std::error_code ec;
    std::vector<fs::path> victims;
    for (const auto& e : fs::directory_iterator(root, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(kBuildPrefix, 0) == 0) {
            // A build directory of a writer that died (we hold the writer lock).
            fs::remove_all(e.path(), ec);
        } else if (generation_number(name) >= 0 && name != keep) {
            victims.push_back(e.path());
        }
    }
    for (const auto& gen : victims) {
        const fs::path lock = gen / kReaderLock;
        const int fd = ::open(lock.c_str(), O_RDWR | O_CLOEXEC);
        if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd);
            pinned.push_back(gen.filename().string());
            continue;
        }
        // Unlink the lock file first: a reader that opened it before gets the shared lock
        // only after we close, then sees the path gone and goes back to the stub.
        ::unlink(lock.c_str());
        fs::remove_all(gen, ec);
        if (fd >= 0) ::close(fd);
    }
    return pinned;
}

}  // namespace cardex::index
