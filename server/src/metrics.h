#pragma once
// Request metrics for /metrics (Prometheus text format 0.0.4). Private to cardex_server.
//
// Thread-safety: every member function may be called from any thread. Counters live behind
// one mutex: an update is a map lookup and a few increments, far below a request's cost, and
// the server has a handful of threads. `route` labels are route templates chosen by the code
// ("/api/models/{id}"), never raw paths, so their number stays bounded.
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace cardex::server {

class Metrics {
public:
    /// Upper bounds (seconds) of the latency histogram buckets; +Inf is implied.
    static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

    void begin() noexcept { in_flight_.fetch_add(1, std::memory_order_relaxed); }
    void end() noexcept { in_flight_.fetch_sub(1, std::memory_order_relaxed); }
    /// Counts one finished request.
    void observe(std::string_view route, int status, double seconds);

    /// Counts searches that re-ran on a fresh snapshot because the index changed under them
    /// (query::Searcher::retried()): visible, never failed requests.
    void add_snapshot_retries(std::uint64_t n) noexcept {
        snapshot_retries_.fetch_add(n, std::memory_order_relaxed);
    }

    /// Counts a request stopped at its deadline (or because its client went away).
    void add_deadline_exceeded() noexcept {
        deadline_exceeded_.fetch_add(1, std::memory_order_relaxed);
    }

    /// Counts a heavy search that paused `pauses` times (each up to CoreGate::kPauseSlice)
    /// for plain searches while heavy ones flooded (server/src/workers.h).
    void add_heavy_held(std::uint64_t pauses) noexcept {
        heavy_held_.fetch_add(1, std::memory_order_relaxed);
        heavy_pauses_.fetch_add(pauses, std::memory_order_relaxed);
    }

    /// Counts a connection closed to make room at the connection cap.
    void add_evicted() noexcept { evicted_.fetch_add(1, std::memory_order_relaxed); }

    /// Counts a response refused because its body would pass kMaxResponseBytes.
    void add_too_large() noexcept { too_large_.fetch_add(1, std::memory_order_relaxed); }

    /// Appends the request metrics (counters, histogram, in-flight gauge) to `out`.
    void render(std::string& out) const;

private:
    struct RouteStats {
        std::map<int, std::uint64_t> by_status;
        std::array<std::uint64_t, kBuckets.size() + 1> buckets{};  // last: +Inf only
        double sum = 0;
        std::uint64_t count = 0;
    };
    mutable std::mutex mu_;
    std::map<std::string, RouteStats, std::less<>> routes_;
    std::atomic<std::int64_t> in_flight_{0};
    std::atomic<std::uint64_t> snapshot_retries_{0};
    std::atomic<std::uint64_t> deadline_exceeded_{0};
    std::atomic<std::uint64_t> evicted_{0};
    std::atomic<std::uint64_t> heavy_held_{0};
    std::atomic<std::uint64_t> heavy_pauses_{0};
    std::atomic<std::uint64_t> too_large_{0};
};

}  // namespace cardex::server
