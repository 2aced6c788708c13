// The Boost.Beast server: listener, sessions, per-thread Searchers, graceful shutdown.
// Shaped like Beast's advanced server example, with the hardening that Beast 1.81 needs
// (ARCHITECTURE.md, "Boost.Beast 1.81: what the parser accepts").
#include "cardex/server/server.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <exception>
#include <list>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "client_limits.h"
#include "http_errors.h"
#include "http_framing.h"
#include "listen_address.h"
#include "server_log.h"
#include "warmer.h"
#include "workers.h"

namespace cardex::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

void StopSource::request_stop() {
    std::function<void()> fn;
    {
        std::lock_guard lock(mu_);
        if (requested_) return;
        requested_ = true;
        fn = fn_;
    }
    if (fn) fn();
}

bool StopSource::stop_requested() const {
    std::lock_guard lock(mu_);
    return requested_;
}

void StopSource::on_stop(std::function<void()> fn) {
    bool run_now = false;
    {
        std::lock_guard lock(mu_);
        fn_ = fn;
        run_now = requested_ && fn_;
    }
    if (run_now) fn();
}

namespace {

// The io thread's Searcher, for the requests it answers inline (workers.h).
thread_local SearcherSlot* tls_slot = nullptr;

// Admin requests carry card batches and get a larger body limit (ServeOptions).
bool is_admin_target(std::string_view target) {
    return target == "/api/admin" || target.substr(0, 11) == "/api/admin/" ||
           target.substr(0, 11) == "/api/admin?";
}

HandlerConfig with_index_dir(HandlerConfig config, const std::string& dir) {
    config.index_dir = dir;
    return config;
}

// Shared by the listener and every session; sessions hold it by shared_ptr, so it outlives
// handlers the io_context destroys without running.
struct State {
    State(const ServeOptions& o, std::ostream& l)
        : options(o),
          handler(with_index_dir(o.handler, o.index_dir)),
          log(l, o.log_format),
          limits(o.max_connections_per_client,
                 o.rate_limit,
                 o.rate_burst > 0 ? o.rate_burst : 2 * o.rate_limit),
          max_connections(o.max_connections) {}

    const ServeOptions& options;
    Handler handler;
    ServerLog log;
    ClientLimits limits;
    std::size_t max_connections;   ///< options.max_connections, clamped to the fd limit
    Lanes* lanes = nullptr;        ///< set before the first accept, outlives every session
    std::atomic<std::size_t> active{0};
    std::atomic<bool> stopping{false};
};

class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(tcp::socket&& socket, std::shared_ptr<State> state, std::string client, std::string key)
        : stream_(std::move(socket)),
          buffer_(state->options.read_buffer_limit),
          state_(std::move(state)),
          client_(std::move(client)),
          key_(std::move(key)) {}

    ~Session() {
        state_->limits.close(key_);
        state_->active.fetch_sub(1);
    }

    /// Nanoseconds (steady clock) since this session started waiting for a request's
    /// header, or 0 while it works on one. Read by the listener from any thread.
    std::int64_t waiting_since() const { return waiting_since_.load(std::memory_order_relaxed); }

    /// At the connection cap: a session still waiting for a request (idle keep-alive or a
    /// slow client) makes room for a new connection. One at work is left alone.
    void evict() {
        net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
            if (!self->reading_) return;
            beast::error_code ec;
            self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
            self->stream_.close();
        });
    }

    void start() {
        net::dispatch(stream_.get_executor(),
                      beast::bind_front_handler(&Session::read_header, shared_from_this()));
    }

    /// Shutdown: an idle connection (waiting for a request, nothing received) is closed;
    /// a busy one finishes its current request and then closes.
    void stop() {
        net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
            if (self->reading_ && self->buffer_.size() == 0 && !self->parser_->got_some()) {
                beast::error_code ec;
                self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
                self->stream_.close();
            }
        });
    }

  private:
    void read_header() {
        const ServeOptions& o = state_->options;
        parser_.emplace();
        configure_parser(*parser_, o);  // the admin body limit; on_header narrows it
        // The first request gets the header deadline; later ones the keep-alive idle time.
        stream_.expires_after(requests_ == 0 ? o.header_timeout : o.idle_timeout);
        reading_ = true;
        waiting_since_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
        http::async_read_header(stream_,
                                buffer_,
                                *parser_,
                                beast::bind_front_handler(&Session::on_header, shared_from_this()));
    }

    void on_header(beast::error_code ec, std::size_t /*bytes*/) {
        reading_ = false;
        waiting_since_.store(0, std::memory_order_relaxed);
        if (ec) return on_read_error(ec);
        started_ = Clock::now();
        const auto& h = parser_->get();
        method_ = std::string(h.method_string());
        target_ = std::string(h.target());

        if (const auto bad = framing_error(*parser_); bad.status != 0) {
            return fail(bad.status, bad.message);
        }
        // Only a request with an admin token may send an admin-sized body: anyone else's
        // is refused at the public limit, before it is read.
        if (!is_admin_target(target_) || !is_admin(h[http::field::authorization])) {
            const auto len = parser_->content_length();
            if (len && *len > state_->options.body_limit) return fail(413, "Payload Too Large");
            parser_->body_limit(state_->options.body_limit);  // for chunked bodies
        }

        // Snapshot the header now: fields arriving in a chunked trailer are merged into the
        // message by Beast 1.81 and must never reach routing.
        request_ = HttpRequest{};
        request_.method = method_;
        request_.target = target_;
        for (const auto& field : h) {
            request_.headers.emplace_back(std::string(field.name_string()),
                                          std::string(field.value()));
        }
        request_.host = std::string(h[http::field::host]);
        keep_alive_ = h.keep_alive();
        version_ = h.version();

        if (parser_->is_done()) return on_body({}, 0);
        stream_.expires_after(state_->options.body_timeout);
        http::async_read(stream_,
                         buffer_,
                         *parser_,
                         beast::bind_front_handler(&Session::on_body, shared_from_this()));
    }

    bool is_admin(std::string_view authorization) const {
        Principal principal;
        return authenticate(authorization, state_->options.handler.tokens.get(), principal) ==
                   AuthStatus::Valid &&
               principal.admin;
    }

    void on_body(beast::error_code ec, std::size_t /*bytes*/) {
        if (ec) return on_read_error(ec);
        if (trailer_bytes(*parser_, request_.headers.size()) > kMaxTrailerBytes) {
            return fail(400, "chunked trailer too large");
        }
        request_.body = std::move(parser_->get().body());
        ++requests_;
        std::string_view client_id;
        for (const auto& [name, value] : request_.headers) {
            if (beast::iequals(name, "x-request-id")) client_id = value;
        }
        request_id_ = request_id(client_id);

        const Lane lane = lane_of(target_);
        if (lane == Lane::Inline) return respond(handle(request_, tls_slot));
        heavy_run_ = lane == Lane::Heavy ? std::min(heavy_run_ + 1, kHeavyStream) : 0;
        if (!state_->limits.allow_request(key_, Clock::now())) {
            HttpResponse res = error_response(
                429, "TooManyRequests", "too many requests from this client; slow down");
            res.headers.emplace_back(
                "Retry-After", std::to_string(state_->limits.retry_after(key_, Clock::now())));
            state_->handler.observe("other", 429, seconds_since_start());
            return respond(std::move(res));
        }
        WorkerPool* pool = &state_->lanes->pool(lane);
        // The request moves to a worker; this session waits (holding no thread) until the
        // worker posts the response back to its strand.
        const bool queued = pool->submit(
            [self = shared_from_this(), request = std::move(request_)](SearcherSlot& slot) mutable {
                HttpResponse res = self->handle(request, &slot);
                slot.computed();
                net::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
                    self->respond(std::move(res));
                });
            },
            heavy_run_ == kHeavyStream);
        if (!queued) {
            const Shed shed = shed_of(lane);
            HttpResponse res = error_response(503, "Overloaded", std::string(shed.message));
            res.headers.emplace_back("Retry-After", "1");
            state_->handler.observe(shed.route, 503, seconds_since_start());
            respond(std::move(res));
        }
    }

    // Runs on the io thread (Inline) or a worker; touches only `request` and immutable state.
    HttpResponse handle(const HttpRequest& request, SearcherSlot* slot) const {
        query::Searcher* searcher = slot != nullptr ? slot->get() : nullptr;
        if (searcher != nullptr) {
            const std::uint64_t paused = CoreGate::pauses_on_this_thread();
            HttpResponse res =
                state_->handler.handle(request, *searcher, nullptr, started_, slot->gate());
            const std::uint64_t n = CoreGate::pauses_on_this_thread() - paused;
            if (n > 0) state_->handler.count_heavy_held(n);
            return res;
        }
        const Error fallback{Errc::Unavailable, "no index", {}};
        return state_->handler.handle_unavailable(request,
                                                  slot != nullptr ? slot->error() : fallback);
    }

    double seconds_since_start() const {
        return started_ ? std::chrono::duration<double>(Clock::now() - *started_).count() : 0.0;
    }

    void respond(HttpResponse res) {
        res.headers.emplace_back("X-Request-Id", request_id_);
        const bool keep = keep_alive_ && !state_->stopping.load() &&
                          requests_ < state_->options.max_requests_per_connection;
        write(std::move(res), keep);
    }

    void on_read_error(beast::error_code ec) {
        // A closed or timed-out connection gets no answer; a malformed request gets one,
        // then the connection is closed (its remaining bytes cannot be trusted).
        if (ec == http::error::end_of_stream || ec == net::error::eof ||
            ec == beast::error::timeout || ec == net::error::operation_aborted ||
            ec == net::error::connection_reset || ec == net::error::bad_descriptor ||
            ec == http::error::partial_message) {
            return close();
        }
        if (!started_) started_ = Clock::now();
        if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
            return fail(431, "Request Header Fields Too Large");
        }
        if (ec == http::error::body_limit) return fail(413, "Payload Too Large");
        if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
            return fail(400, "Bad Request");
        }
        close();
    }

    // Answers a request we refuse to process and closes the connection after it.
    void fail(int status, std::string_view message) {
        const char* code = status == 431   ? "HeaderTooLarge"
                           : status == 413 ? "PayloadTooLarge"
                           : status == 501 ? "NotImplemented"
                                           : "BadRequest";
        linger_ = true;
        const double seconds =
            started_ ? std::chrono::duration<double>(Clock::now() - *started_).count() : 0.0;
        state_->handler.observe("other", status, seconds);
        write(error_response(status, code, message), false);
    }

    void write(HttpResponse res, bool keep_alive) {
        auto msg = std::make_shared<http::response<http::string_body>>();
        msg->version(version_ == 10 ? 10 : 11);
        msg->result(static_cast<unsigned>(res.status));
        msg->set(http::field::server, "cardex");
        if (!res.content_type.empty()) msg->set(http::field::content_type, res.content_type);
        for (const auto& [name, value] : res.headers) msg->insert(name, value);
        bytes_ = res.body.size();
        if (method_ == "HEAD") {
            msg->content_length(res.body.size());  // what GET would send; no body
        } else {
            msg->body() = std::move(res.body);
            msg->prepare_payload();
        }
        msg->keep_alive(keep_alive);
        status_ = res.status;
        route_ = res.route.empty() ? "other" : std::move(res.route);
        response_ = msg;
        stream_.expires_after(state_->options.write_timeout);
        http::async_write(
            stream_,
            *msg,
            beast::bind_front_handler(&Session::on_write, shared_from_this(), keep_alive));
    }

    void on_write(bool keep_alive, beast::error_code ec, std::size_t /*bytes*/) {
        log_access();
        response_.reset();
        if (ec) return close();
        // Closing with unread pipelined bytes sends a TCP reset, which can destroy the
        // response before the client reads it: half-close and drain instead.
        if (linger_ || !keep_alive || state_->stopping.load()) return linger_close();
        read_header();
    }

    void log_access() {
        const double ms =
            started_ ? std::chrono::duration<double, std::milli>(Clock::now() - *started_).count()
                     : 0.0;
        char ms_text[32];
        const auto r =
            std::to_chars(ms_text, ms_text + sizeof ms_text, ms, std::chars_format::fixed, 2);
        state_->log.write(status_ >= 500 ? "error" : "info",
                          "access",
                          {{"id", request_id_.empty() ? "-" : request_id_},
                           {"client", client_},
                           {"method", method_.empty() ? "-" : method_.substr(0, 16)},
                           {"path", target_.empty() ? "-" : redact_target(target_)},
                           {"status", std::to_string(status_), true},
                           {"bytes", std::to_string(bytes_), true},
                           {"ms", std::string(ms_text, r.ptr), true},
                           {"route", route_.empty() ? "other" : route_}});
        route_.clear();
        started_.reset();
        method_.clear();
        target_.clear();
        request_id_.clear();
    }

    // After refusing a request, the client may still be sending it. Closing with unread
    // bytes makes the kernel send a RST, which can destroy our error response before the
    // client reads it; so stop sending, discard what arrives (bounded in bytes and time),
    // then close.
    void linger_close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.expires_after(std::chrono::seconds(2));
        drain();
    }

    void drain() {
        stream_.async_read_some(net::buffer(drain_buf_),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    self->drained_ += n;
                                    if (ec || self->drained_ > 1024 * 1024)
                                        return self->stream_.close();
                                    self->drain();
                                });
    }

    void close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.close();
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::shared_ptr<State> state_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::shared_ptr<http::response<http::string_body>> response_;
    HttpRequest request_;
    std::string method_;
    std::string target_;
    std::optional<Clock::time_point> started_;
    unsigned requests_ = 0;
    unsigned heavy_run_ = 0;  // heavy requests in a row on this connection, up to kHeavyStream
    unsigned version_ = 11;
    int status_ = 0;
    std::string route_;
    std::size_t bytes_ = 0;
    bool keep_alive_ = false;
    bool reading_ = false;
    bool linger_ = false;
    std::size_t drained_ = 0;
    std::array<char, 512> drain_buf_{};
    std::string client_;      ///< the peer's address, for the log
    std::string key_;         ///< its ClientLimits key
    std::string request_id_;  ///< of the request being answered
    std::atomic<std::int64_t> waiting_since_{0};
};

class Listener : public std::enable_shared_from_this<Listener> {
  public:
    Listener(net::io_context& ioc, tcp::acceptor&& acceptor, std::shared_ptr<State> state)
        : ioc_(ioc),
          acceptor_(std::move(acceptor)),
          state_(std::move(state)),
          backoff_(acceptor_.get_executor()),
          spare_fd_(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {}

    ~Listener() {
        if (spare_fd_ >= 0) ::close(spare_fd_);
    }

    void start() { accept(); }

    /// Stops accepting and asks every live session to wind down. Runs on any thread.
    void stop() {
        net::post(acceptor_.get_executor(), [self = shared_from_this()] {
            beast::error_code ec;
            self->acceptor_.close(ec);
            self->backoff_.cancel();
            std::lock_guard lock(self->sessions_mu_);
            for (auto& weak : self->sessions_) {
                if (auto s = weak.lock()) s->stop();
            }
            self->sessions_.clear();
        });
    }

  private:
    void accept() {
        acceptor_.async_accept(net::make_strand(ioc_),
                               beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
    }

    void on_accept(beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
        if (ec) return on_accept_error(ec);
        failures_ = 0;
        beast::error_code peer_ec;
        const tcp::endpoint peer = socket.remote_endpoint(peer_ec);
        if (peer_ec) return accept();  // gone already
        std::string key = ClientLimits::client_key(peer.address());
        if (state_->stopping.load()) {
            reject(std::move(socket), kBusy);
        } else if (!state_->limits.open(key)) {
            reject(std::move(socket), kClientBusy);
        } else if (!make_room()) {
            state_->limits.close(key);
            reject(std::move(socket), kBusy);
        } else {
            state_->active.fetch_add(1);
            auto session = std::make_shared<Session>(
                std::move(socket), state_, peer.address().to_string(), std::move(key));
            remember(session);
            session->start();
        }
        accept();
    }

    // Under the cap, or at it with a session that is only waiting for a request (an idle
    // keep-alive connection, or a slow client still sending its header): the one that has
    // waited longest is closed to make room. So slow or idle clients cannot lock out new
    // ones, while connections at work are never cut. Evictions complete asynchronously;
    // a hard ceiling bounds how far the count may run ahead of them.
    bool make_room() {
        const std::size_t active = state_->active.load();
        if (active < state_->max_connections) return true;
        if (active >= state_->max_connections + kEvictionSlack) return false;
        const std::int64_t now = Clock::now().time_since_epoch().count();
        const std::int64_t min_wait =
            std::chrono::nanoseconds(std::chrono::milliseconds(50)).count();
        std::shared_ptr<Session> victim;
        std::int64_t oldest = now - min_wait;
        std::lock_guard lock(sessions_mu_);
        for (auto& weak : sessions_) {
            auto s = weak.lock();
            if (!s) continue;
            const std::int64_t since = s->waiting_since();
            if (since > 0 && since < oldest) {
                oldest = since;
                victim = std::move(s);
            }
        }
        if (!victim) return false;
        victim->evict();
        state_->handler.count_eviction();
        return true;
    }

    // accept() failed: out of file descriptors (EMFILE, ENFILE), memory or buffers. Retrying
    // at once would spin (the pending connection stays queued); so say so in the log (at
    // most every 10 s, with a count), shed one queued connection with a 503 using a spare
    // descriptor kept for this, and retry after a backoff that doubles up to 1 s.
    void on_accept_error(beast::error_code ec) {
        ++failures_;
        ++unreported_;
        const auto now = Clock::now();
        const auto delay =
            std::chrono::milliseconds(std::min<long>(1000, 10L << std::min(failures_, 7u)));
        if (now - last_report_ >= std::chrono::seconds(10)) {
            state_->log.write("warn",
                              "accept failed",
                              {{"error", ec.message()},
                               {"failures", std::to_string(unreported_), true},
                               {"backoff_ms", std::to_string(delay.count()), true},
                               {"connections", std::to_string(state_->active.load()), true}});
            last_report_ = now;
            unreported_ = 0;
        }
        if ((ec == net::error::no_descriptors || ec.value() == ENFILE) && spare_fd_ >= 0) {
            ::close(spare_fd_);
            const int fd = ::accept4(
                acceptor_.native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0) {
                [[maybe_unused]] const auto n = ::write(fd, kBusy.data(), kBusy.size());
                ::close(fd);
            }
            spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        }
        backoff_.expires_after(delay);
        backoff_.async_wait([self = shared_from_this()](beast::error_code e) {
            if (!e && self->acceptor_.is_open()) self->accept();
        });
    }

    static std::string busy_response(std::string_view message) {
        const std::string body = "{\"error\":\"" + std::string(message) + "\"}";
        return "HTTP/1.1 503 Service Unavailable\r\n"
               "Content-Type: application/json; charset=utf-8\r\n"
               "X-Error-Code: Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
               "Content-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    }

    // Over a connection cap: a short 503 without reading the request, then close. The
    // socket is non-blocking, so a client that does not read cannot stall the listener.
    static void reject(tcp::socket socket, const std::string& response) {
        beast::error_code ec;
        socket.non_blocking(true, ec);
        socket.write_some(net::buffer(response.data(), response.size()), ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
        socket.close(ec);
    }

    void remember(const std::shared_ptr<Session>& session) {
        std::lock_guard lock(sessions_mu_);
        // Drop expired entries now and then so the list stays about the size of the
        // live connections.
        if (sessions_.size() >= 2 * state_->max_connections + 16) {
            sessions_.remove_if([](const auto& w) { return w.expired(); });
        }
        sessions_.push_back(session);
    }

    static constexpr std::size_t kEvictionSlack = 64;
    static inline const std::string kBusy = busy_response("too many connections");
    static inline const std::string kClientBusy =
        busy_response("too many connections from this client");

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    std::shared_ptr<State> state_;
    net::steady_timer backoff_;
    int spare_fd_;
    unsigned failures_ = 0;
    std::size_t unreported_ = 0;
    Clock::time_point last_report_{};
    std::mutex sessions_mu_;
    std::list<std::weak_ptr<Session>> sessions_;
};

// Every connection is a file descriptor, and so is every index file each thread's Searcher
// holds open: raises the soft open-file limit to the hard one, then clamps max_connections
// to what is left after a headroom for the index, logs and the listener, and says so. Past
// the limit, accept() fails with EMFILE and clients wait in the backlog unanswered.
void clamp_connections(State& state, unsigned searcher_threads) {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < rl.rlim_max) {
        rlimit raised = rl;
        raised.rlim_cur =
            rl.rlim_max == RLIM_INFINITY ? std::max<rlim_t>(rl.rlim_cur, 65536) : rl.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
    }
    if (rl.rlim_cur == RLIM_INFINITY) return;
    const std::size_t headroom = 64 + 24 * static_cast<std::size_t>(searcher_threads);
    const std::size_t usable =
        rl.rlim_cur > headroom + 16 ? static_cast<std::size_t>(rl.rlim_cur) - headroom : 16;
    if (state.max_connections > usable) {
        state.log.write("warn",
                        "max connections lowered to fit the open-file limit",
                        {{"max_connections", std::to_string(usable), true},
                         {"configured", std::to_string(state.max_connections), true},
                         {"open_file_limit", std::to_string(rl.rlim_cur), true}});
        state.max_connections = usable;
    }
}

int serve_impl(const ServeOptions& options, std::ostream& log) {
    auto state = std::make_shared<State>(options, log);
    const auto address = parse_listen(options.listen);
    if (!address) {
        state->log.error("--listen must be host:port, got '" + options.listen + "'");
        return 2;
    }
    beast::error_code ec;
    const auto ip = net::ip::make_address(address->host, ec);
    if (ec) {
        state->log.error("--listen host must be an IP address or localhost, got '" + address->host +
                         "'");
        return 2;
    }
    // One io thread reads and writes every connection and answers the cheap requests;
    // `threads` search workers, `heavy_threads` workers for the heavy searches and one admin
    // worker compute the rest (workers.h).
    const unsigned threads = options.threads == 0 ? 1 : options.threads;
    const unsigned heavy_threads = options.heavy_threads == 0 ? threads : options.heavy_threads;
    net::io_context ioc(1);
    clamp_connections(*state, threads + heavy_threads + 2);

    // On a strand: stop() closes it from another thread while an accept may complete.
    tcp::acceptor acceptor(net::make_strand(ioc));
    const tcp::endpoint endpoint(ip, address->port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        state->log.error("cannot listen on " + options.listen + ": " + ec.message());
        return 1;
    }
    const tcp::endpoint bound = acceptor.local_endpoint(ec);

    net::signal_set signals(ioc);
    if (options.handle_signals) {
        signals.add(SIGINT);
        signals.add(SIGTERM);
    }
    // Only now: a test (or a supervisor) may signal as soon as it sees this line.
    state->log.info("listening on " + url_of(bound));

    // Say once, up front, whether the index opens; requests retry on their own.
    {
        auto probe = query::Searcher::open(options.index_dir);
        if (probe) {
            auto info = probe->info();
            if (info) {
                state->log.info("index " + options.index_dir + ": " + std::to_string(info->cards) +
                                " cards, generation " + info->generation);
            }
        } else {
            state->log.warn("index " + options.index_dir +
                            " not available yet: " + probe.error().message);
        }
    }

    // Before any searcher opens: generations are served only once warm (warmer.h).
    Warmer warmer(options.index_dir, state->log);
    // Declared after ioc, so they are gone before it: their queued jobs hold sessions.
    const unsigned yield_at = options.heavy_yield_at < 0
                                  ? 2 * heavy_threads
                                  : static_cast<unsigned>(options.heavy_yield_at);
    Lanes lanes(
        options.index_dir,
        threads,
        heavy_threads,
        options.max_queued_requests,
        options.heavy_nice,
        yield_at,
        options.cores != 0 ? options.cores : std::max(1u, std::thread::hardware_concurrency()),
        options.heavy_share);
    state->lanes = &lanes;
    auto listener = std::make_shared<Listener>(ioc, std::move(acceptor), state);
    listener->start();

    net::steady_timer drain(ioc);
    std::atomic<bool> stop_started{false};
    Clock::time_point drain_deadline{};

    // Polls until the last connection is gone or the grace period is over. A poll keeps
    // this independent of how each session ends.
    std::function<void()> poll_drain = [&] {
        if (state->active.load() == 0 || Clock::now() >= drain_deadline) {
            beast::error_code ignored;
            signals.cancel(ignored);
            ioc.stop();
            return;
        }
        drain.expires_after(std::chrono::milliseconds(20));
        drain.async_wait([&](beast::error_code) { poll_drain(); });
    };
    auto begin_stop = [&] {
        net::post(ioc, [&] {
            if (stop_started.exchange(true)) return;
            state->log.info("stopping: draining connections");
            state->stopping.store(true);
            drain_deadline = Clock::now() + options.drain_timeout;
            listener->stop();
            poll_drain();
        });
    };
    if (options.handle_signals) {
        signals.async_wait([&](beast::error_code e, int) {
            if (!e) begin_stop();
        });
    }
    if (options.stop) options.stop->on_stop(begin_stop);

    {
        SearcherSlot slot(options.index_dir);
        tls_slot = &slot;
        for (;;) {
            try {
                ioc.run();
                break;
            } catch (const std::exception& e) {
                // A handler threw (Beast 1.81 has parser paths that do): that connection is
                // lost, the server is not.
                state->log.error(std::string("unexpected exception: ") + e.what());
            }
        }
        tls_slot = nullptr;
    }
    lanes.search.stop();
    lanes.heavy.stop();
    lanes.admin.stop();
    if (options.stop) options.stop->on_stop({});
    state->log.info("stopped");
    return 0;
}

}  // namespace

int serve(const ServeOptions& options, std::ostream& log) {
    try {
        return serve_impl(options, log);
    } catch (const std::exception& e) {
        try {
            log << "error: " << e.what() << '\n' << std::flush;
        } catch (...) {
        }
        return 1;
    }
}

}  // namespace cardex::server
