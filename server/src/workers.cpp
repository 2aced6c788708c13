#include "workers.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>

#include "url.h"

namespace cardex::server {
namespace {

// Whether the query text `q` needs positions or a vocabulary walk: the classes whose cost
// grows with the cards holding every word (a phrase of common words reads positions for
// each), not with the page.
bool heavy_text(std::string_view q) {
    if (q.find('"') != std::string_view::npos || q.find('*') != std::string_view::npos) {
        return true;
    }
    // Xapian's QueryParser operators NEAR, NEAR/n, ADJ, ADJ/n (upper case, as it reads them),
    // between any whitespace the parser skips.
    for (std::size_t at = 0; at < q.size();) {
        const std::size_t end = std::min(q.find_first_of(" \t\r\n\f\v", at), q.size());
        const std::string_view word = q.substr(at, end - at);
        const std::string_view op = word.substr(0, word.find('/'));
        if (op == "NEAR" || op == "ADJ") return true;
        at = end + 1;
    }
    return false;
}

}  // namespace

Lane lane_of(std::string_view target) {
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/openapi.json" ||
        path == "/favicon.ico" || path == "/robots.txt" || path.substr(0, 8) == "/static/") {
        return Lane::Inline;
    }
    if (path == "/api/admin" || path.substr(0, 11) == "/api/admin/") return Lane::Admin;
    if (path == "/api/search" || path == "/api/search/full-text" || path == "/search" ||
        path == "/") {
        const auto query = split_target(target).second;
        // A malformed query string is the handler's to refuse (400), on the plain lane.
        if (const auto params = QueryParams::parse(query)) {
            for (const auto& q : params->all("q")) {
                if (heavy_text(q)) return Lane::Heavy;
            }
        }
    }
    return Lane::Search;
}

query::Searcher* SearcherSlot::get() {
    if (searcher_) return &*searcher_;
    const auto now = std::chrono::steady_clock::now();
    if (now < next_try_) return nullptr;
    next_try_ = now + std::chrono::seconds(1);
    auto opened = query::Searcher::open(dir_);
    if (!opened) {
        error_ = opened.error();
        return nullptr;
    }
    searcher_.emplace(std::move(opened).value());
    return &*searcher_;
}

WorkerPool::WorkerPool(std::string index_dir, unsigned threads, std::size_t max_queued, int nice)
    : dir_(std::move(index_dir)), max_queued_(max_queued), nice_(nice) {
    threads_.reserve(threads);
    for (unsigned i = 0; i < std::max(1u, threads); ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() {
    stop();
}

bool WorkerPool::submit(Job job) {
    {
        std::lock_guard lock(mu_);
        if (stopping_ || jobs_.size() >= max_queued_) return false;
        jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
    return true;
}

void WorkerPool::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
}

std::size_t WorkerPool::queued() const {
    std::lock_guard lock(mu_);
    return jobs_.size();
}

void WorkerPool::run() {
    if (nice_ > 0) {
        // This thread only: on Linux PRIO_PROCESS with a thread id sets that thread's nice
        // value (setpriority(2), "Linux notes"). Raising it is always allowed; should it
        // fail, the thread runs at the process's priority, as every pool did before.
        const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
        errno = 0;
        const int now = ::getpriority(PRIO_PROCESS, tid);
        if (errno == 0) (void)::setpriority(PRIO_PROCESS, tid, std::min(19, now + nice_));
    }
    SearcherSlot slot(dir_);  // this thread's Searcher, never shared
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping, nothing left
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        try {
            job(slot);
        } catch (...) {
            // Jobs answer their own errors (Handler::handle never throws); a worker must
            // outlive anything that slips through.
        }
    }
}

Lanes::Lanes(const std::string& index_dir,
             unsigned search_threads,
             unsigned heavy_threads,
             std::size_t max_queued,
             int heavy_nice)
    : search(index_dir, search_threads, max_queued),
      heavy(index_dir, std::max(1u, heavy_threads), max_queued, heavy_nice),
      admin(index_dir, 1, max_queued) {}

Shed shed_of(Lane lane) {
    switch (lane) {
        case Lane::Heavy:
            return {
                "too many phrase, wildcard or NEAR/ADJ searches at once; retry in a moment "
                "(other searches are still answered)",
                "(shed: heavy searches)"};
        case Lane::Admin:
            return {"too many admin writes waiting; retry in a moment", "(shed: admin)"};
        case Lane::Inline:
        case Lane::Search:
            break;
    }
    return {"the server is busy; retry in a moment", "(shed: searches)"};
}

WorkerPool& Lanes::pool(Lane lane) {
    if (lane == Lane::Admin) return admin;
    if (lane == Lane::Heavy) return heavy;
    return search;
}

}  // namespace cardex::server
