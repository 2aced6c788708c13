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
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cardex/index/result.h"
#include "cardex/query/request.h"
#include "cardex/query/searcher.h"
#include "cardex/server/handler.h"

namespace cardex::server {

enum class Lane { Inline, Search, Heavy, Admin };

/// The lane of a request, from its target alone (no Searcher call): Heavy for a search
/// (/api/search, /api/search/full-text, the search page) whose `q` holds a phrase ('"'),
/// a wildcard ('*') or a NEAR/ADJ operator. Cost: one scan of the target.
Lane lane_of(std::string_view target);

/// A heavy request is part of a stream when it and the kHeavyStream - 1 requests before it on
/// its connection were all heavy: a client sending phrases back to back (a harvester, a
/// benchmark's phrase connection), not a user whose searches hold a phrase now and then. A
/// stream is a flood by itself (CoreGate::enter): one such client kept only one heavy search
/// in flight, below the count that makes a flood, and still nearly doubled the plain
/// searches' p99 on 2 cores (docs/PERFORMANCE.md, "One phrase stream").
inline constexpr unsigned kHeavyStream = 4;

/// Shares the cores between plain and heavy searches when heavy ones come in a flood
/// (issue #15: "the cheap class's p99 unaffected by concurrent phrase queries"). The OS alone
/// shares the cores between runnable threads alike, so on 2 cores a flood of phrases doubled
/// the plain searches' p99; a lower OS priority for the heavy workers (heavy_nice) protects
/// the plain ones but starves phrases in a mix too, because it cannot tell a flood from a mix.
/// Here heavy searches yield only while the heavy lane is flooded: once `flood_at` or more
/// heavy searches have been in flight (queued or running) for kFloodSustain without a break
/// (a dip of up to kFloodGrace is none; a search of a stream, kHeavyStream, counts as
/// `flood_at`), a heavy search waits before it begins (Handler::handle
/// asks this gate until pause() says go) for as long as the plain searches in flight (queued
/// or computing) leave it no core of `cores`, except for the heavy lane's share when one is
/// set: then the first waiting search begins anyway when none has begun for a while. A core
/// that frees, or the share, goes to the waiting search that began first; once begun, a search
/// runs to its end (paused inside, it would hold its revision of the index while a writer
/// commits). Without a share, plain searches that keep every core busy hold the flood's
/// searches until their deadline (shed, as Elasticsearch's search backpressure cancels heavy
/// searches under duress); a share answers them slowly at some cost to the plain searches'
/// p99. A mix with a few phrases reaches `flood_at` only in short bursts, which kFloodSustain
/// lets through: holding there would keep more connections on phrases, which keeps the burst
/// going (a convoy: the mix's p99 rose from 49 to 183 ms without the sustain), so nothing waits
/// and the OS shares the cores as before; a mix with a quarter phrases from every client
/// flooded at flood_at 2 and its p99 nearly doubled, hence twice the heavy workers by default,
/// with a stream (a client sending only heavy searches) a flood by itself: 2 and 3 such
/// clients made only 2-3 in flight. A waiting search is let go
/// every kPauseSlice to check its deadline and client. Thread-safe; the counters are atomics read
/// without the lock when there is no flood (docs/PERFORMANCE.md, "Plain searches first when phrases
/// flood").
class CoreGate : public SearchGate {
  public:
    /// `flood_at` 0: never pause. `cores` (0 is taken as 1): the cores to share;
    /// `plain_workers`: the threads computing plain searches, the most of them that can
    /// hold a core at once.
    /// `share_percent` (0-50): how often a waiting heavy search begins anyway while plain
    /// searches want every core (see kShareUnit); 0: never, heavy searches wait for a free core.
    CoreGate(unsigned cores, unsigned plain_workers, unsigned flood_at, unsigned share_percent = 0);

    /// A request of `lane` was queued (enter) or has finished (leave); Search and Heavy
    /// count, the other lanes do not. A heavy request of a stream (kHeavyStream) counts as
    /// `flood_at` of them: alone, it floods. leave() takes what enter() was given.
    void enter(Lane lane, bool stream = false);
    void leave(Lane lane, bool stream = false);
    /// A heavy search starts computing on its worker (begin) or has stopped (end).
    void begin_heavy();
    void end_heavy();

    bool pause() noexcept override;

    /// Pauses so far (each wait of up to kPauseSlice counts once), in all and on the calling
    /// thread (so a worker can tell what its own request waited), for /metrics and tests.
    std::uint64_t pauses() const noexcept { return pauses_.load(std::memory_order_relaxed); }
    static std::uint64_t pauses_on_this_thread() noexcept;

    static constexpr std::chrono::milliseconds kPauseSlice{5};
    static constexpr std::chrono::milliseconds kFloodSustain{250};
    /// The longest dip below `flood_at` that does not end a flood (see enter()).
    static constexpr std::chrono::milliseconds kFloodGrace{20};
    /// With a share, the first waiting search begins, whatever the plain searches want, when
    /// no heavy search is computing and none has begun for kShareUnit * (100 - share) / share
    /// (4%: 48 ms). It then runs to its end, so the lane gets more than the share's time
    /// (measured: "Plain searches first when phrases flood").
    static constexpr std::chrono::milliseconds kShareUnit{2};

  private:
    bool flooded() const noexcept;
    unsigned weight(bool stream) const noexcept { return stream ? std::max(1u, flood_at_) : 1; }
    // Whether one more heavy search may compute: not flooded, or a core is left by the
    // plain searches in flight and the heavy ones computing. Under mu_.
    bool room() const noexcept;
    void wake();

    const unsigned cores_;
    const unsigned plain_workers_;
    const unsigned flood_at_;
    const std::chrono::steady_clock::duration share_wait_;  // zero: no share
    std::atomic<unsigned> plain_{0};   // Search-lane requests queued or computing
    std::atomic<unsigned> heavy_{0};   // Heavy-lane requests queued or running (weight())
    std::atomic<unsigned> active_{0};  // heavy searches computing, not paused
    std::atomic<unsigned> paused_{0};
    std::atomic<std::uint64_t> next_ticket_{1};
    // Under mu_: the waiting searches' tickets; when a heavy search last went on from pause().
    std::vector<std::uint64_t> waiting_;
    std::chrono::steady_clock::time_point last_go_{};
    // When the flood began (steady_clock ticks since its epoch): heavy_ rose to flood_at_
    // after more than kFloodGrace below it; and when heavy_ last fell below flood_at_. Set
    // under mu_ (orders them with heavy_'s changes), read without it.
    std::atomic<std::chrono::steady_clock::rep> flood_since_{0};
    std::atomic<std::chrono::steady_clock::rep> below_since_{
        std::numeric_limits<std::chrono::steady_clock::rep>::min() / 2};
    std::atomic<std::uint64_t> pauses_{0};
    std::mutex mu_;
    std::condition_variable cv_;
};

/// One Searcher per thread, opened on first use. Retries a failed open at most once a
/// second, so a missing index does not cost an open per request. Not thread-safe: owned
/// by one thread.
class SearcherSlot {
  public:
    explicit SearcherSlot(std::string dir) : dir_(std::move(dir)) {}
    /// The Searcher, or nullptr with error() saying why.
    query::Searcher* get();
    const Error& error() const { return error_; }
    /// What the searches run on this slot wait for before they begin (CoreGate, for heavy
    /// searches only), or nullptr.
    SearchGate* gate() const { return lane_ == Lane::Heavy ? counts_ : nullptr; }

    /// The pool's side: the gate that counts this slot's jobs (may be null) and their lane,
    /// set once; start_job() before each job (`stream`: what the pool was given with it),
    /// which begins a heavy search's count.
    void track(CoreGate* counts, Lane lane) {
        counts_ = counts;
        lane_ = lane;
    }
    void start_job(bool stream = false);
    /// The job's request is computed (its response is about to go out): its lane's count
    /// drops now, before the client can send its next request, not when the worker gets
    /// round to it (on 2 busy cores the next request often came first, and a single stream
    /// of phrases counted as two in flight). Once per job; the pool calls it after a job
    /// that did not.
    void computed();

  private:
    CoreGate* counts_ = nullptr;
    Lane lane_ = Lane::Search;
    bool in_job_ = false;
    bool stream_ = false;  // the job's, for CoreGate::leave
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
    /// With `gate`, the pool tells it of each job of `lane` it queues and finishes, and
    /// heavy jobs pause at it (CoreGate; not owned, outlives the pool).
    WorkerPool(std::string index_dir,
               unsigned threads,
               std::size_t max_queued,
               int nice = 0,
               CoreGate* gate = nullptr,
               Lane lane = Lane::Search);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    /// Queues `job`; false (job dropped) when max_queued jobs wait already or after stop().
    /// `stream`: a heavy request of a stream (kHeavyStream), for the gate.
    bool submit(Job job, bool stream = false);
    void stop();
    std::size_t queued() const;

  private:
    void run();

    std::string dir_;
    std::size_t max_queued_;
    int nice_;
    CoreGate* gate_;
    Lane lane_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    struct Queued {
        Job job;
        bool stream = false;
    };
    std::deque<Queued> jobs_;
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
/// sheds only its own lane. Heavy searches yield to plain ones when `heavy_yield_at` or more
/// are in flight (CoreGate over `cores`; 0: never), and `heavy_share` (0-50) says how often
/// one begins anyway.
/// Thread-safe.
struct Lanes {
    Lanes(const std::string& index_dir,
          unsigned search_threads,
          unsigned heavy_threads,
          std::size_t max_queued,
          int heavy_nice = 0,
          unsigned heavy_yield_at = 0,
          unsigned cores = 1,
          unsigned heavy_share = 0);
    /// The pool of `lane` (not Lane::Inline, which runs on the io thread).
    WorkerPool& pool(Lane lane);

    CoreGate gate;  // before the pools, which use it until they are joined
    WorkerPool search;
    WorkerPool heavy;
    WorkerPool admin;
};

}  // namespace cardex::server
