#pragma once
// Where a request runs (private to cardex_server). Cheap requests (health, readiness,
// metrics, the OpenAPI document, static assets) run on the io thread that read them, so
// they answer at once however busy the server is; searches run on a pool of search workers;
// searches of the classes that can take hundreds of milliseconds at 1M cards (phrases,
// wildcards, proximity: docs/PERFORMANCE.md) on a pool of their own, so they never hold a
// search worker and plain searches never queue behind them (the OS shares the cores
// between the pools, by default alike; ServerOptions::heavy_nice lowers the heavy pool's
// priority); admin writes on one admin worker, so a write waiting for the index
// lock never holds a search worker and searches never queue behind it. Each pool's queue is
// bounded: when it is full the request is answered 503 at once (load shedding) rather than left to
// wait past any deadline. A request that waited in a queue has its deadline counted from when its
// header arrived (Handler::handle's `started`), so queueing cannot extend it.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cardex/index/result.h"
#include "cardex/query/searcher.h"

namespace cardex::server {

enum class Lane { Inline, Search, Heavy, Admin };

/// The lane of a request, from its target alone (no Searcher call): Heavy for a search
/// (/api/search, /api/search/full-text, the search page) whose `q` holds a phrase ('"'),
/// a wildcard ('*') or a NEAR/ADJ operator. Cost: one scan of the target.
Lane lane_of(std::string_view target);

/// One Searcher per thread, opened on first use. Retries a failed open at most once a
/// second, so a missing index does not cost an open per request. Not thread-safe: owned
/// by one thread.
class SearcherSlot {
  public:
    explicit SearcherSlot(std::string dir) : dir_(std::move(dir)) {}
    /// The Searcher, or nullptr with error() saying why.
    query::Searcher* get();
    const Error& error() const { return error_; }

  private:
    std::string dir_;
    std::optional<query::Searcher> searcher_;
    Error error_{Errc::Unavailable, "index not opened yet", {}};
    std::chrono::steady_clock::time_point next_try_{};
};

/// A fixed set of threads, each with its own SearcherSlot, running jobs from one bounded
/// FIFO queue. Thread-safe. stop() (or the destructor) runs what is queued, then joins.
class WorkerPool {
  public:
    using Job = std::function<void(SearcherSlot&)>;
    /// `nice` (0-19) is added to each thread's nice value as it starts (Linux keeps one per
    /// thread; raising it needs no privilege), so the OS gives the cores to the other pools'
    /// threads first when both want them.
    WorkerPool(std::string index_dir, unsigned threads, std::size_t max_queued, int nice = 0);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    /// Queues `job`; false (job dropped) when max_queued jobs wait already or after stop().
    bool submit(Job job);
    void stop();
    std::size_t queued() const;

  private:
    void run();

    std::string dir_;
    std::size_t max_queued_;
    int nice_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

/// What a request shed because its lane's queue is full is told (503 Overloaded), and the
/// route it is counted under in /metrics, so clients and operators see which lane is full:
/// a burst of heavy searches sheds only heavy searches.
struct Shed {
    std::string_view message;
    std::string_view route;
};
Shed shed_of(Lane lane);

/// The pools of a server, one per lane that computes: `search_threads` search workers,
/// `heavy_threads` (at least 1) for Lane::Heavy at `heavy_nice` (ServerOptions::heavy_nice),
/// one admin worker; each with its own queue of at most `max_queued` jobs, so a full queue
/// sheds only its own lane. Thread-safe.
struct Lanes {
    Lanes(const std::string& index_dir,
          unsigned search_threads,
          unsigned heavy_threads,
          std::size_t max_queued,
          int heavy_nice = 0);
    /// The pool of `lane` (not Lane::Inline, which runs on the io thread).
    WorkerPool& pool(Lane lane);

    WorkerPool search;
    WorkerPool heavy;
    WorkerPool admin;
};

}  // namespace cardex::server
