// The Boost.Beast server: listener, sessions, per-thread Searchers, graceful shutdown.
// Shaped like Beast's advanced server example, with the hardening that Beast 1.81 needs
// (ARCHITECTURE.md, "Boost.Beast 1.81: what the parser accepts").
#include "cardex/server/server.h"

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

#include "http_errors.h"

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

// One Searcher per io thread. The pointer is set by the thread for the time it runs the
// io_context, so handlers find "their" Searcher without locks.
class SearcherSlot {
public:
    explicit SearcherSlot(std::string dir) : dir_(std::move(dir)) {}

    /// The Searcher, or nullptr with error() saying why. Retries a failed open at most
    /// once a second, so a missing index does not cost an open per request.
    query::Searcher* get() {
        if (searcher_) return &*searcher_;
        const auto now = Clock::now();
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
    const Error& error() const { return error_; }

private:
    std::string dir_;
    std::optional<query::Searcher> searcher_;
    Error error_{Errc::Unavailable, "index not opened yet", {}};
    Clock::time_point next_try_{};
};

thread_local SearcherSlot* tls_slot = nullptr;

// Admin requests carry card batches and get a larger body limit (ServeOptions).
bool is_admin_target(std::string_view target) {
    return target == "/api/admin" || target.substr(0, 11) == "/api/admin/" ||
           target.substr(0, 11) == "/api/admin?";
}

// Shared by the listener and every session; sessions hold it by shared_ptr, so it outlives
// handlers the io_context destroys without running.
struct State {
    State(const ServeOptions& o, std::ostream& l) : options(o), handler(o.handler), log(l) {}

    const ServeOptions& options;
    Handler handler;
    std::ostream& log;
    std::mutex log_mu;
    std::atomic<std::size_t> active{0};
    std::atomic<bool> stopping{false};

    void write_log(const std::string& line) {
        std::lock_guard lock(log_mu);
        log.write(line.data(), static_cast<std::streamsize>(line.size()));
        log.put('\n');
        log.flush();
    }
};

// Logs a path as a quoted logfmt value: no control characters, quotes or backslashes raw,
// bounded length (a path is attacker-chosen).
std::string log_quote(std::string_view text) {
    std::string out = "\"";
    for (const char ch : text.substr(0, 512)) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
            static constexpr char kHex[] = "0123456789abcdef";
            out.append("\\x");
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
        } else {
            out.push_back(ch);
        }
    }
    if (text.size() > 512) out.append("...");
    out.push_back('"');
    return out;
}

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket&& socket, std::shared_ptr<State> state)
        : stream_(std::move(socket)),
          buffer_(state->options.read_buffer_limit),
          state_(std::move(state)) {}

    ~Session() { state_->active.fetch_sub(1); }

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
        parser_->header_limit(static_cast<std::uint32_t>(o.header_limit));
        // Beast checks Content-Length against the limit while parsing the header, before
        // we know the route: allow the admin limit here, narrow it in on_header.
        parser_->body_limit(std::max(o.body_limit, o.admin_body_limit));
        // The first request gets the header deadline; later ones the keep-alive idle time.
        stream_.expires_after(requests_ == 0 ? o.header_timeout : o.idle_timeout);
        reading_ = true;
        http::async_read_header(stream_, buffer_, *parser_,
                                beast::bind_front_handler(&Session::on_header, shared_from_this()));
    }

    void on_header(beast::error_code ec, std::size_t /*bytes*/) {
        reading_ = false;
        if (ec) return on_read_error(ec);
        started_ = Clock::now();
        const auto& h = parser_->get();
        method_ = std::string(h.method_string());
        target_ = std::string(h.target());

        // Framing checks Beast 1.81 does not do (fixed only in Beast v361): anything that
        // lets a proxy and us disagree on where the request ends is refused.
        const std::size_t te = h.count(http::field::transfer_encoding);
        const std::size_t cl = h.count(http::field::content_length);
        if (te > 0 && cl > 0) return fail(400, "Transfer-Encoding with Content-Length");
        if (te > 1 || cl > 1) return fail(400, "repeated framing header");
        if (te > 0 && h.version() < 11) return fail(400, "Transfer-Encoding in HTTP/1.0");
        if (te > 0 && !parser_->chunked()) return fail(400, "Transfer-Encoding must end in chunked");
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
        http::async_read(stream_, buffer_, *parser_,
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
        request_.body = std::move(parser_->get().body());
        ++requests_;

        HttpResponse res;
        query::Searcher* searcher = tls_slot != nullptr ? tls_slot->get() : nullptr;
        if (searcher != nullptr) {
            res = state_->handler.handle(request_, *searcher, nullptr, started_);
        } else {
            const Error fallback{Errc::Unavailable, "no index", {}};
            res = state_->handler.handle_unavailable(
                request_, tls_slot != nullptr ? tls_slot->error() : fallback);
        }
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
        http::async_write(stream_, *msg,
                          beast::bind_front_handler(&Session::on_write, shared_from_this(),
                                                    keep_alive));
    }

    void on_write(bool keep_alive, beast::error_code ec, std::size_t /*bytes*/) {
        log_access();
        response_.reset();
        if (!ec && linger_) return linger_close();
        if (ec || !keep_alive) return close();
        if (state_->stopping.load()) return close();
        read_header();
    }

    void log_access() {
        const double ms =
            started_ ? std::chrono::duration<double, std::milli>(Clock::now() - *started_).count()
                     : 0.0;
        char ms_text[32];
        const auto r = std::to_chars(ms_text, ms_text + sizeof ms_text, ms,
                                     std::chars_format::fixed, 2);
        const std::string_view path = std::string_view(target_).substr(0, target_.find('?'));
        std::string line = "access method=";
        line.append(method_.empty() ? "-" : method_.substr(0, 16));
        line.append(" path=").append(target_.empty() ? "\"-\"" : log_quote(path));
        line.append(" status=").append(std::to_string(status_));
        line.append(" bytes=").append(std::to_string(bytes_));
        line.append(" ms=").append(ms_text, r.ptr);
        line.append(" route=").append(log_quote(route_));
        state_->write_log(line);
        route_.clear();
        started_.reset();
        method_.clear();
        target_.clear();
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
        stream_.async_read_some(
            net::buffer(drain_buf_),
            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                self->drained_ += n;
                if (ec || self->drained_ > 1024 * 1024) return self->stream_.close();
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
    unsigned version_ = 11;
    int status_ = 0;
    std::string route_;
    std::size_t bytes_ = 0;
    bool keep_alive_ = false;
    bool reading_ = false;
    bool linger_ = false;
    std::size_t drained_ = 0;
    std::array<char, 512> drain_buf_{};
};

class Listener : public std::enable_shared_from_this<Listener> {
public:
    Listener(net::io_context& ioc, tcp::acceptor&& acceptor, std::shared_ptr<State> state)
        : ioc_(ioc), acceptor_(std::move(acceptor)), state_(std::move(state)) {}

    void start() { accept(); }

    /// Stops accepting and asks every live session to wind down. Runs on any thread.
    void stop() {
        net::post(acceptor_.get_executor(), [self = shared_from_this()] {
            beast::error_code ec;
            self->acceptor_.close(ec);
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
        if (!ec) {
            if (state_->active.load() >= state_->options.max_connections ||
                state_->stopping.load()) {
                reject(std::move(socket));
            } else {
                state_->active.fetch_add(1);
                auto session = std::make_shared<Session>(std::move(socket), state_);
                remember(session);
                session->start();
            }
        }
        // Errors such as EMFILE must not end the accept loop.
        accept();
    }

    // Over the connection cap: a short 503 without reading the request, then close. The
    // socket is non-blocking, so a client that does not read cannot stall the listener.
    static void reject(tcp::socket socket) {
        static const std::string kBusy = [] {
            const std::string body = "{\"error\":\"too many connections\"}";
            return "HTTP/1.1 503 Service Unavailable\r\n"
                   "Content-Type: application/json; charset=utf-8\r\n"
                   "X-Error-Code: Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
                   "Content-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body;
        }();
        beast::error_code ec;
        socket.non_blocking(true, ec);
        socket.write_some(net::buffer(kBusy.data(), kBusy.size()), ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
        socket.close(ec);
    }

    void remember(const std::shared_ptr<Session>& session) {
        std::lock_guard lock(sessions_mu_);
        // Drop expired entries now and then so the list stays about the size of the
        // live connections.
        if (sessions_.size() >= 2 * state_->options.max_connections + 16) {
            sessions_.remove_if([](const auto& w) { return w.expired(); });
        }
        sessions_.push_back(session);
    }

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    std::shared_ptr<State> state_;
    std::mutex sessions_mu_;
    std::list<std::weak_ptr<Session>> sessions_;
};

struct ListenAddress {
    std::string host;
    unsigned short port = 0;
};

std::optional<ListenAddress> parse_listen(std::string_view text) {
    ListenAddress out;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return std::nullopt;
        }
        out.host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
    } else {
        const std::size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        out.host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
    }
    unsigned port = 0;
    const auto r = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || r.ec != std::errc{} || r.ptr != port_text.data() + port_text.size() ||
        port > 65535) {
        return std::nullopt;
    }
    out.port = static_cast<unsigned short>(port);
    if (out.host.empty() || out.host == "*") out.host = "0.0.0.0";
    if (out.host == "localhost") out.host = "127.0.0.1";
    return out;
}

std::string url_of(const tcp::endpoint& ep) {
    const auto addr = ep.address();
    std::string host = addr.to_string();
    if (addr.is_v6()) host = "[" + host + "]";
    return "http://" + host + ":" + std::to_string(ep.port());
}

int serve_impl(const ServeOptions& options, std::ostream& log) {
    auto state = std::make_shared<State>(options, log);
    const auto address = parse_listen(options.listen);
    if (!address) {
        state->write_log("error: --listen must be host:port, got '" + options.listen + "'");
        return 2;
    }
    beast::error_code ec;
    const auto ip = net::ip::make_address(address->host, ec);
    if (ec) {
        state->write_log("error: --listen host must be an IP address or localhost, got '" +
                         address->host + "'");
        return 2;
    }
    const unsigned threads = options.threads == 0 ? 1 : options.threads;
    net::io_context ioc(static_cast<int>(threads));

    // On a strand: stop() closes it from another thread while an accept may complete.
    tcp::acceptor acceptor(net::make_strand(ioc));
    const tcp::endpoint endpoint(ip, address->port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        state->write_log("error: cannot listen on " + options.listen + ": " + ec.message());
        return 1;
    }
    const tcp::endpoint bound = acceptor.local_endpoint(ec);

    net::signal_set signals(ioc);
    if (options.handle_signals) {
        signals.add(SIGINT);
        signals.add(SIGTERM);
    }
    // Only now: a test (or a supervisor) may signal as soon as it sees this line.
    state->write_log("listening on " + url_of(bound));

    // Say once, up front, whether the index opens; requests retry on their own.
    {
        auto probe = query::Searcher::open(options.index_dir);
        if (probe) {
            auto info = probe->info();
            if (info) {
                state->write_log("index " + options.index_dir + ": " +
                                 std::to_string(info->cards) + " cards, generation " +
                                 info->generation);
            }
        } else {
            state->write_log("warning: index " + options.index_dir +
                             " not available yet: " + probe.error().message);
        }
    }

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
            state->write_log("stopping: draining connections");
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

    auto run = [&](SearcherSlot& slot) {
        tls_slot = &slot;
        for (;;) {
            try {
                ioc.run();
                break;
            } catch (const std::exception& e) {
                // A handler threw (Beast 1.81 has parser paths that do): that connection is
                // lost, the server is not.
                state->write_log(std::string("error: unexpected exception: ") + e.what());
            }
        }
        tls_slot = nullptr;
    };
    std::vector<std::thread> workers;
    workers.reserve(threads - 1);
    for (unsigned i = 1; i < threads; ++i) {
        workers.emplace_back([&] {
            SearcherSlot slot(options.index_dir);
            run(slot);
        });
    }
    {
        SearcherSlot slot(options.index_dir);
        run(slot);
    }
    for (auto& t : workers) t.join();
    if (options.stop) options.stop->on_stop({});
    state->write_log("stopped");
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
