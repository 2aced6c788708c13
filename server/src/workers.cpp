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

namespace {
thread_local std::uint64_t t_pauses = 0;
thread_local std::uint64_t t_ticket = 0;  // when this thread's heavy search began (its order)
}  // namespace

CoreGate::CoreGate(unsigned cores,
                   unsigned plain_workers,
                   unsigned flood_at,
                   unsigned share_percent)
    : cores_(std::max(1u, cores)),
      plain_workers_(plain_workers),
      flood_at_(flood_at),
      share_wait_(share_percent == 0
                      ? std::chrono::steady_clock::duration::zero()
                      : std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            kShareUnit * (100 - std::min(50u, share_percent)) /
                            std::min(50u, share_percent))) {
    waiting_.reserve(64);
}

bool CoreGate::flooded() const noexcept {
    if (flood_at_ == 0) return false;
    const auto now = std::chrono::steady_clock::now().time_since_epoch();
    // In a dip of up to kFloodGrace the flood goes on: with two clients sending phrases back
    // to back, the one answered first would otherwise let the other's waiting search go at
    // once, and one phrase would compute at all times beside the plain searches.
    if (heavy_.load() < flood_at_ &&
        now - std::chrono::steady_clock::duration(below_since_.load()) > kFloodGrace) {
        return false;
    }
    return now - std::chrono::steady_clock::duration(flood_since_.load()) >= kFloodSustain;
}

bool CoreGate::room() const noexcept {
    if (!flooded()) return true;
    const unsigned plain = std::min({plain_.load(), plain_workers_, cores_});
    return active_.load() < cores_ - plain;
}

void CoreGate::enter(Lane lane, bool stream) {
    if (lane == Lane::Search) ++plain_;
    if (lane != Lane::Heavy) return;
    std::lock_guard lock(mu_);  // orders the rise's time with the count
    const unsigned before = heavy_.fetch_add(weight(stream));
    if (before >= flood_at_ || before + weight(stream) < flood_at_) return;  // no rise
    // A dip below flood_at_ of at most kFloodGrace is no break: a client that sends its next
    // phrase as soon as one is answered leaves the lane one short between the two.
    const auto now = std::chrono::steady_clock::now().time_since_epoch();
    if (now - std::chrono::steady_clock::duration(below_since_.load()) > kFloodGrace) {
        flood_since_.store(now.count());
    }
}

void CoreGate::leave(Lane lane, bool stream) {
    if (lane == Lane::Search) --plain_;
    if (lane == Lane::Heavy) {
        std::lock_guard lock(mu_);
        const unsigned before = heavy_.fetch_sub(weight(stream));
        if (before >= flood_at_ && before - weight(stream) < flood_at_) {
            below_since_.store(std::chrono::steady_clock::now().time_since_epoch().count());
        }
    }
    wake();
}

void CoreGate::begin_heavy() {
    t_ticket = next_ticket_.fetch_add(1);
    ++active_;
}

void CoreGate::end_heavy() {
    --active_;
    wake();
}

void CoreGate::wake() {
    // A pauser counts itself in paused_ before it reads the counters (both sequentially
    // consistent), so either it sees this change or this sees it waiting; the lock then
    // orders the notification after its wait began.
    if (paused_.load() == 0) return;
    { std::lock_guard lock(mu_); }
    cv_.notify_all();
}

std::uint64_t CoreGate::pauses_on_this_thread() noexcept {
    return t_pauses;
}

bool CoreGate::pause() noexcept {
    if (!flooded()) return false;  // the fast path: two loads (and the clock in a flood)
    std::unique_lock lock(mu_);
    --active_;  // this search no longer holds a core while it asks for one
    ++paused_;
    const std::uint64_t mine = t_ticket;
    // First come, first served: a core that frees, or the lane's share, goes to the paused
    // search that began first.
    auto first = [&] {
        return std::none_of(waiting_.begin(), waiting_.end(), [&](auto t) { return t < mine; });
    };
    // The lane's share, if any: when no heavy search is computing and none has gone for
    // share_wait_, the first one goes whatever the plain searches want, so a flood of heavy
    // searches still moves instead of waiting out its deadline while plain searches keep
    // the cores busy.
    auto may_go = [&] {
        if (!first()) return false;
        if (room()) return true;
        return share_wait_ != std::chrono::steady_clock::duration::zero() && active_.load() == 0 &&
               std::chrono::steady_clock::now() - last_go_ >= share_wait_;
    };
    bool go = may_go();
    if (!go) {
        try {
            waiting_.push_back(mine);
        } catch (...) {  // no memory for the list: let the search run rather than fail it
            --paused_;
            ++active_;
            return false;
        }
        pauses_.fetch_add(1, std::memory_order_relaxed);
        ++t_pauses;
        cv_.notify_all();  // the core this search gave up may be an older one's
        cv_.wait_for(lock, kPauseSlice, may_go);
        go = may_go();
        waiting_.erase(std::find(waiting_.begin(), waiting_.end(), mine));
        if (go && !waiting_.empty()) cv_.notify_all();  // a second core may be free too
    }
    if (go) last_go_ = std::chrono::steady_clock::now();
    --paused_;
    ++active_;
    return !go;
}

void SearcherSlot::start_job(bool stream) {
    in_job_ = true;
    stream_ = stream;
    if (counts_ != nullptr && lane_ == Lane::Heavy) counts_->begin_heavy();
}

void SearcherSlot::computed() {
    if (!in_job_) return;
    in_job_ = false;
    if (counts_ == nullptr) return;
    if (lane_ == Lane::Heavy) counts_->end_heavy();
    counts_->leave(lane_, stream_);
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

WorkerPool::WorkerPool(std::string index_dir,
                       unsigned threads,
                       std::size_t max_queued,
                       int nice,
                       CoreGate* gate,
                       Lane lane)
    : dir_(std::move(index_dir)), max_queued_(max_queued), nice_(nice), gate_(gate), lane_(lane) {
    threads_.reserve(threads);
    for (unsigned i = 0; i < std::max(1u, threads); ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() {
    stop();
}

bool WorkerPool::submit(Job job, bool stream) {
    {
        std::lock_guard lock(mu_);
        if (stopping_ || jobs_.size() >= max_queued_) return false;
        jobs_.push_back({std::move(job), stream});
        if (gate_ != nullptr) gate_->enter(lane_, stream);
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
    slot.track(gate_, lane_);
    for (;;) {
        Queued next;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping, nothing left
            next = std::move(jobs_.front());
            jobs_.pop_front();
        }
        slot.start_job(next.stream);
        try {
            next.job(slot);
        } catch (...) {
            // Jobs answer their own errors (Handler::handle never throws); a worker must
            // outlive anything that slips through.
        }
        slot.computed();
    }
}

Lanes::Lanes(const std::string& index_dir,
             unsigned search_threads,
             unsigned heavy_threads,
             std::size_t max_queued,
             int heavy_nice,
             unsigned heavy_yield_at,
             unsigned cores,
             unsigned heavy_share)
    : gate(cores, search_threads, heavy_yield_at, heavy_share),
      search(index_dir, search_threads, max_queued, 0, &gate, Lane::Search),
      heavy(index_dir, std::max(1u, heavy_threads), max_queued, heavy_nice, &gate, Lane::Heavy),
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
