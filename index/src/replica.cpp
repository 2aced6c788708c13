// Read replicas (replica.h): recognising a follower directory and its status file.
#include "cardex/index/replica.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "generations.h"

namespace fs = std::filesystem;

namespace cardex::index {

bool is_replica(const std::string& dir) {
    return read_stub(dir).rfind("replica_", 0) == 0;
}

namespace {

// One line per field, "key value"; text values have their newlines replaced (an error
// message from xapian-replicate may hold one).
std::string one_line(std::string s) {
    for (char& c : s) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return s;
}

template <class Int>
bool parse_int(const std::string& text, Int& out) {
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && p == end;
}

}  // namespace

Status write_replica_status(const std::string& dir, const ReplicaStatus& s) {
    std::ostringstream o;
    o << "primary " << one_line(s.primary) << "\n"
      << "master " << one_line(s.master) << "\n"
      << "interval_seconds " << s.interval_seconds << "\n"
      << "last_attempt " << s.last_attempt << "\n"
      << "last_success " << s.last_success << "\n"
      << "uuid " << one_line(s.uuid) << "\n"
      << "revision " << s.revision << "\n"
      << "full_copies " << s.full_copies << "\n"
      << "changesets " << s.changesets << "\n"
      << "failures " << s.failures << "\n"
      << "last_error " << one_line(s.last_error) << "\n";
    const std::string text = o.str();
    const fs::path path = fs::path(dir) / kReplicaStatusFile;
    const fs::path tmp = fs::path(dir) / (std::string(kReplicaStatusFile) + ".tmp");
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return make_error(Errc::Internal,
                          std::string("cannot write the replica status: ") + std::strerror(errno),
                          tmp.string());
    }
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    // No fsync: the status describes the replica, which xapian-replicate does not sync
    // either; after a power loss the next sync rewrites it.
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return make_error(Errc::Internal, "cannot write the replica status", path.string());
    }
    return Ok{};
}

Result<ReplicaStatus> read_replica_status(const std::string& dir) {
    const fs::path path = fs::path(dir) / kReplicaStatusFile;
    std::ifstream in(path);
    if (!in) return make_error(Errc::NotFound, "no replica status", path.string());
    ReplicaStatus s;
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (line.empty()) continue;
        const auto space = line.find(' ');
        const std::string key = line.substr(0, space);
        const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
        bool ok = true;
        if (key == "primary")
            s.primary = value;
        else if (key == "master")
            s.master = value;
        else if (key == "uuid")
            s.uuid = value;
        else if (key == "last_error")
            s.last_error = value;
        else if (key == "interval_seconds")
            ok = parse_int(value, s.interval_seconds);
        else if (key == "last_attempt")
            ok = parse_int(value, s.last_attempt);
        else if (key == "last_success")
            ok = parse_int(value, s.last_success);
        else if (key == "revision")
            ok = parse_int(value, s.revision);
        else if (key == "full_copies")
            ok = parse_int(value, s.full_copies);
        else if (key == "changesets")
            ok = parse_int(value, s.changesets);
        else if (key == "failures")
            ok = parse_int(value, s.failures);
        // Unknown keys are skipped: a newer `cardex follow` may write more.
        if (!ok) {
            return make_error(Errc::InvalidArgument,
                              "bad replica status line " + std::to_string(n) + ": " + key,
                              path.string());
        }
    }
    return s;
}

}  // namespace cardex::index
