// `cardex follow --primary HOST:PORT --index DIR [--master NAME] [--interval SECONDS] ...`:
// keeps DIR a read replica of a primary index served by `xapian-replicate-server`.
//
// Xapian's replication does the work (index/include/cardex/index/replica.h has the layout):
// each sync runs `xapian-replicate --one-shot` as a child, which receives either the
// changesets since the replica's revision (applied in place: readers re-run on a fresh
// snapshot) or, for a new generation of the primary (another uuid), or a primary without
// changesets, a full copy into the other replica_N, made live by swapping DIR/XAPIANDB
// only once complete. So `cardex serve --index DIR` reads a whole generation at every
// moment, and a sync killed half-way leaves the live copy as it was; the next one starts
// the copy again. Between syncs we write DIR/follow.status (ReplicaStatus) for /readyz.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <xapian.h>

#include "cardex/index/replica.h"
#include "commands.h"

namespace fs = std::filesystem;

namespace cardex::app {
namespace {

struct FollowArgs {
    std::string primary;
    std::string index;
    std::string master;
    unsigned interval = 10;
    unsigned max_backoff = 60;
    unsigned timeout = 30;
    unsigned reader_time = 2;
    std::string replicate = "xapian-replicate";
    bool once = false;
};

std::atomic<bool> g_stop{false};
std::atomic<pid_t> g_child{-1};

void on_signal(int) {
    g_stop.store(true);
    const pid_t c = g_child.load();
    if (c > 0) ::kill(c, SIGTERM);
}

std::int64_t now_unix() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

struct SyncOutcome {
    bool ok = false;
    std::uint64_t copies = 0, changesets = 0;
    std::string error;  // the child's last line of error output, or why it did not run
};

// Runs one `xapian-replicate --one-shot` and reads what it printed.
SyncOutcome sync_once(const FollowArgs& a, const std::string& host, const std::string& port) {
    SyncOutcome out;
    int pipe_fd[2];
    if (::pipe2(pipe_fd, O_CLOEXEC) != 0) {
        out.error = std::string("pipe: ") + std::strerror(errno);
        return out;
    }
    const std::string timeout = std::to_string(a.timeout), reader = std::to_string(a.reader_time);
    std::vector<std::string> argv_s = {a.replicate,
                                       "-h",
                                       host,
                                       "-p",
                                       port,
                                       "-m",
                                       a.master,
                                       "-o",
                                       "-v",
                                       "-t",
                                       timeout,
                                       "-r",
                                       reader,
                                       a.index};
    std::vector<char*> argv;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(pipe_fd[0]);
        ::close(pipe_fd[1]);
        out.error = std::string("fork: ") + std::strerror(errno);
        return out;
    }
    if (pid == 0) {
        // The child dies with us: a kill -9 of `cardex follow` must not leave a copy running
        // that the restarted follower would then fight for the replica's write lock.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() == 1) ::_exit(127);
        ::dup2(pipe_fd[1], 1);
        ::dup2(pipe_fd[1], 2);
        ::execvp(argv[0], argv.data());
        const std::string msg = "cannot run " + a.replicate + ": " + std::strerror(errno) + "\n";
        (void)!::write(2, msg.data(), msg.size());
        ::_exit(127);
    }
    g_child.store(pid);
    ::close(pipe_fd[1]);
    std::string text;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(pipe_fd[0], buf, sizeof buf);
        if (n > 0) {
            text.append(buf, static_cast<std::size_t>(n));
            if (text.size() > (1u << 20)) text.erase(0, text.size() - (1u << 16));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        break;
    }
    ::close(pipe_fd[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    g_child.store(-1);
    // "Update complete: 1 copies, 0 changesets, new live database" (with -v).
    const auto done = text.rfind("Update complete: ");
    if (done != std::string::npos) {
        unsigned long long copies = 0, changesets = 0;
        if (std::sscanf(text.c_str() + done,
                        "Update complete: %llu copies, %llu changesets",
                        &copies,
                        &changesets) == 2) {
            out.copies = copies;
            out.changesets = changesets;
        }
    }
    out.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!out.ok) {
        // The last line that is not the progress chatter of -v.
        std::string last;
        std::size_t start = 0;
        while (start < text.size()) {
            std::size_t end = text.find('\n', start);
            if (end == std::string::npos) end = text.size();
            std::string line = text.substr(start, end - start);
            if (!line.empty() && line.rfind("Connecting to", 0) != 0 &&
                line.rfind("Getting update", 0) != 0) {
                last = std::move(line);
            }
            start = end + 1;
        }
        if (last.empty()) {
            last = WIFSIGNALED(status)
                       ? "xapian-replicate killed by signal " + std::to_string(WTERMSIG(status))
                       : "xapian-replicate exited " + std::to_string(WEXITSTATUS(status));
        }
        out.error = last;
    }
    return out;
}

// A directory with no stub yet becomes an empty replica, as Xapian's DatabaseReplica makes
// one for a path that does not exist (it cannot take an existing directory without a stub,
// and ours must exist first for its lock and status).
Status prepare(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return make_error(Errc::Internal, "cannot create " + dir + ": " + ec.message(), dir);
    if (fs::exists(fs::path(dir) / "XAPIANDB", ec)) {
        if (index::is_replica(dir)) return Ok{};
        return make_error(Errc::FailedPrecondition,
                          "this directory holds an index of its own, not a replica: follow into "
                          "an empty or new directory",
                          dir);
    }
    try {
        Xapian::WritableDatabase(dir + "/replica_0", Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS)
            .commit();
    } catch (const Xapian::Error& e) {
        return make_error(Errc::Internal, "cannot create the replica: " + e.get_msg(), dir);
    }
    const std::string tmp = dir + "/XAPIANDB.tmp";
    {
        std::ofstream stub(tmp, std::ios::trunc);
        stub << "# Created by cardex follow; xapian-replicate rewrites it.\nauto replica_0\n";
        if (!stub.flush()) return make_error(Errc::Internal, "cannot write the stub", tmp);
    }
    if (::rename(tmp.c_str(), (dir + "/XAPIANDB").c_str()) != 0) {
        return make_error(Errc::Internal, "cannot write the stub", dir);
    }
    return Ok{};
}

// The live copy's uuid and revision (empty and 0 before the first copy).
void read_own(const std::string& dir, index::ReplicaStatus& s) {
    try {
        Xapian::Database db(dir);
        s.uuid = db.get_uuid();
        s.revision = db.get_revision();
    } catch (const Xapian::Error&) {
        // Kept as they were: the next sync tells.
    }
}

void sleep_for_seconds(unsigned seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!g_stop.load() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

int run_follow(FollowArgs& a) {
    const auto colon = a.primary.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == a.primary.size()) {
        std::cerr << "cardex follow: --primary must be HOST:PORT, not " << a.primary << "\n";
        return kExitUsage;
    }
    const std::string host = a.primary.substr(0, colon), port = a.primary.substr(colon + 1);
    if (a.master.empty()) a.master = fs::path(a.index).lexically_normal().filename().string();
    if (auto st = prepare(a.index); !st) {
        std::cerr << "cardex follow: " << st.error().message << " (" << st.error().detail << ")\n";
        return kExitFailure;
    }
    // One follower per directory: two would fight for the replica's write lock.
    const std::string lock_path = a.index + "/follow.lock";
    const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock < 0 || ::flock(lock, LOCK_EX | LOCK_NB) != 0) {
        std::cerr << "cardex follow: another cardex follow runs on " << a.index << "\n";
        return kExitLocked;
    }
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);

    index::ReplicaStatus s;
    if (auto old = index::read_replica_status(a.index)) s = std::move(old).value();
    s.primary = a.primary;
    s.master = a.master;
    s.interval_seconds = a.interval;
    s.full_copies = s.changesets = 0;
    read_own(a.index, s);
    (void)index::write_replica_status(a.index, s);

    for (;;) {
        const SyncOutcome r = sync_once(a, host, port);
        s.last_attempt = now_unix();
        s.full_copies += r.copies;
        s.changesets += r.changesets;
        if (r.ok) {
            read_own(a.index, s);
            s.last_success = s.last_attempt;
            s.failures = 0;
            std::cerr << "cardex follow: synced " << a.primary << " " << a.master << ": revision "
                      << s.revision << " (" << r.copies << " full copies, " << r.changesets
                      << " changesets)\n";
        } else {
            ++s.failures;
            s.last_error = r.error;
            std::cerr << "cardex follow: sync failed (" << s.failures << " in a row): " << r.error
                      << "\n";
        }
        if (auto st = index::write_replica_status(a.index, s); !st) {
            std::cerr << "cardex follow: " << st.error().message << "\n";
        }
        if (a.once || g_stop.load()) return r.ok ? kExitOk : kExitFailure;
        // Backoff after failures: interval, 2x, 4x ... up to --max-backoff.
        unsigned wait = a.interval;
        for (std::uint64_t i = 1; i < s.failures && wait < a.max_backoff; ++i) wait *= 2;
        sleep_for_seconds(s.failures > 0 ? std::min(std::max(wait, 1u), a.max_backoff) : wait);
        if (g_stop.load()) return kExitOk;
    }
}

}  // namespace

void add_follow(CLI::App& app, int& rc) {
    auto a = std::make_shared<FollowArgs>();
    auto* cmd = app.add_subcommand(
        "follow", "Keep a read replica of a primary index (xapian-replicate-server) up to date");
    cmd->add_option("--primary", a->primary, "HOST:PORT of the primary's xapian-replicate-server")
        ->required();
    cmd->add_option("--index", a->index, "The replica's directory (created when missing)")
        ->required();
    cmd->add_option("--master",
                    a->master,
                    "The primary index's directory name under the server's parent directory "
                    "(default: the replica directory's own name)");
    cmd->add_option("--interval", a->interval, "Seconds between syncs")
        ->check(CLI::Range(1, 86400));
    cmd->add_option("--max-backoff",
                    a->max_backoff,
                    "Longest wait in seconds between failed syncs (doubling from --interval)")
        ->check(CLI::Range(1, 86400));
    cmd->add_option("--timeout", a->timeout, "Socket timeout of a sync in seconds (0: none)")
        ->check(CLI::Range(0, 86400));
    cmd->add_option("--reader-time",
                    a->reader_time,
                    "Seconds readers get between two changesets applied in one sync")
        ->check(CLI::Range(0, 3600));
    cmd->add_option("--replicate", a->replicate, "The xapian-replicate executable");
    cmd->add_flag("--once", a->once, "Sync once and exit (status 1 if the sync failed)");
    cmd->callback([a, &rc]() { rc = run_follow(*a); });
}

}  // namespace cardex::app
