#pragma once
// cardex::server::serve — the HTTP server: Boost.Beast on one io_context run by N threads.
//
// Threads: `threads` threads (the caller's included) run the io_context. Each owns its own
// query::Searcher, opened lazily and reopened after failures at most once a second; a
// Searcher is never shared between threads (Xapian objects are not thread-safe). While no
// index can be opened, /healthz answers 200 and everything else 503.
//
// Hardening (ARCHITECTURE.md, "Boost.Beast 1.81: what the parser accepts"): bounded header
// (431) and body (413) sizes, a bounded read buffer (Beast 1.81 throws on a 64 KiB trailer
// field with an unbounded one), deadlines for header, body, write and keep-alive idle time,
// a connection cap, a request cap per connection, 400 for Transfer-Encoding together with
// Content-Length, for Transfer-Encoding in HTTP/1.0 or not ending in chunked, for duplicate
// Content-Length; trailer fields never reach routing. No pipelining: a connection's next
// request is read only after the previous response is written. Only GET and HEAD are served
// (405 otherwise), but for the admin endpoints (POST, DELETE; see admin.h).
//
// Logging: the first line is "listening on http://HOST:PORT" (the bound address, so port 0
// is usable by tests); then one access line per response:
//   access method=GET path="/api/models" status=200 bytes=1234 ms=0.85 route="/api/models"
// The query string, the body and header fields (Authorization) are never logged.
//
// Shutdown: SIGINT/SIGTERM (when handle_signals) or StopSource::request_stop(): stop
// accepting, close idle connections, let in-flight requests finish (up to drain_timeout),
// then return 0.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>

#include "cardex/server/handler.h"

namespace cardex::server {

/// Asks a running serve() to shut down gracefully. Thread-safe; may be called before serve()
/// starts (serve() then returns right after binding) or after it returned (no effect).
class StopSource {
public:
    void request_stop();
    bool stop_requested() const;

    /// Used by serve(): `fn` runs once, on request_stop() or at once if already requested.
    /// Passing an empty function unregisters.
    void on_stop(std::function<void()> fn);

private:
    mutable std::mutex mu_;
    bool requested_ = false;
    std::function<void()> fn_;
};

enum class LogFormat { Text, Json };

struct ServeOptions {
    std::string index_dir;
    /// "host:port"; host is an IP literal, "localhost", or empty / "*" for all interfaces;
    /// IPv6 as "[::1]:8080". Port 0 binds an ephemeral port (see the first log line).
    std::string listen = "127.0.0.1:8080";
    /// Search workers: threads that compute searches and pages. One more thread reads and
    /// writes every connection and answers /healthz, /readyz, /metrics and static files at
    /// once; one admin worker runs /api/admin writes.
    unsigned threads = 2;
    /// Workers for the searches that can take hundreds of milliseconds (a phrase, a wildcard,
    /// NEAR/ADJ in `q`): they queue and run apart, so they never hold up the others, which
    /// keep `threads` workers (the OS shares the cores between both). 0: as many as
    /// `threads`. With one, phrases queue behind each other under a mixed load: at 1M cards on
    /// 2 cores the mix's p99 was 79-104 ms with one and 56-64 with two, while plain searches
    /// beside a flood of phrases had a p99 of 35 ms with one and 44 with two
    /// (docs/PERFORMANCE.md, "Facet counts one facet at a time, and as many heavy workers as
    /// search workers").
    unsigned heavy_threads = 0;
    /// Added to the heavy workers' nice value (0-19): when plain searches and heavy ones
    /// want the same cores, the OS runs the plain ones first, so a flood of phrases slows
    /// the phrases rather than everyone (docs/PERFORMANCE.md, "Heavy workers at a lower
    /// priority"). 0 (or less): the same priority as the other workers; the sum stops at 19.
    int heavy_nice = 0;
    /// Heavy searches in flight (queued or computing) from which they yield the cores to
    /// plain searches: each waits before it begins while plain searches want every core
    /// (server/src/workers.h, CoreGate), so a flood of phrases leaves plain searches about
    /// as fast as alone, while a mix with a few phrases runs as before (docs/PERFORMANCE.md,
    /// "Plain searches first when phrases flood"). A search of a stream (a connection's 4th
    /// heavy request in a row, and those after it) counts as this many, so one client
    /// sending phrases back to back is a flood by itself ("One phrase stream"). 0: never;
    /// below 0: twice heavy_threads (that many in flight for 250 ms, with dips of at most
    /// 20 ms, is a flood).
    int heavy_yield_at = -1;
    /// While heavy searches flood and plain ones keep every core busy: the heavy searches'
    /// share, in percent (0-50): one waiting heavy search begins anyway whenever none has for
    /// 2 ms * (100 - N) / N. 0: none, they wait for a free core and are shed
    /// at their deadline; more answers them, at some cost to the plain searches' p99
    /// (docs/PERFORMANCE.md, "Plain searches first when phrases flood").
    unsigned heavy_share = 0;
    /// The cores the searches share, for heavy_yield_at (0: the machine's,
    /// std::thread::hardware_concurrency; set it when a CPU quota allows fewer).
    unsigned cores = 0;
    /// Connections at once, clamped to the open-file limit with headroom (logged). At the
    /// cap, the connection that has waited longest for a request is closed to make room;
    /// when every connection is at work, new ones are answered 503 and closed.
    std::size_t max_connections = 1024;
    /// Connections one client (an IPv4 address, an IPv6 /64) may hold; over: 503. 0: none.
    std::size_t max_connections_per_client = 256;
    /// Requests per second one client may send, in bursts of rate_burst (0: twice the
    /// rate); over: 429 with Retry-After. 0: no limit. Health checks are not counted.
    double rate_limit = 0;
    double rate_burst = 0;
    /// Requests waiting for a worker, per pool (search, heavy search, admin); over: 503
    /// Overloaded at once.
    std::size_t max_queued_requests = 512;
    /// Log lines as text ("<time> <level> <message> key=value ...") or one JSON object each.
    LogFormat log_format = LogFormat::Text;
    unsigned max_requests_per_connection = 100;  ///< then "Connection: close"

    std::size_t header_limit = 8 * 1024;  ///< request line + header fields; over: 431
    std::size_t body_limit = 64 * 1024;   ///< request body; over: 413
    /// Body limit of /api/admin/* (card batches to upsert); over: 413. Only admin tokens
    /// get past the handler, but the body is read before it runs.
    std::size_t admin_body_limit = 16 * 1024 * 1024;
    /// Capacity of a connection's read buffer. Must exceed header_limit; bounds memory per
    /// connection and turns Beast 1.81's huge-trailer exception into a clean error.
    std::size_t read_buffer_limit = 16 * 1024;

    std::chrono::milliseconds header_timeout{10'000};  ///< deadline for a request's header
    std::chrono::milliseconds body_timeout{30'000};    ///< deadline for its body
    std::chrono::milliseconds write_timeout{30'000};   ///< deadline for writing a response
    std::chrono::milliseconds idle_timeout{15'000};    ///< keep-alive wait for the next request
    std::chrono::milliseconds drain_timeout{10'000};   ///< in-flight grace period on shutdown

    HandlerConfig handler;
    bool handle_signals = true;  ///< install SIGINT/SIGTERM handlers while serving
    std::shared_ptr<StopSource> stop;  ///< optional programmatic stop
};

/// Serves until stopped. Returns 0 after a graceful stop, 2 for a bad `listen` value, 1 if
/// the address cannot be bound. Errors and access lines go to `log` (serialized by serve();
/// `log` must outlive the call). Never throws.
int serve(const ServeOptions& options, std::ostream& log);

}  // namespace cardex::server
