// The harvester's HTTP/1.1 client on Boost.Beast, with TLS through Boost.Asio and OpenSSL.
//
// Every operation is asynchronous on the client's own io_context and run to completion on
// the calling thread: that is how Beast's tcp_stream deadlines (ARCHITECTURE.md, "Beast's
// tcp_stream timeouts are deadlines for a whole logical operation") bound a blocking call,
// so a server that stalls costs one request's deadline, never the harvest.
#include "harvest_http.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace cardex::server::harvesting {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && lower(a) == lower(b);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool is_ip_literal(const std::string& host) {
    error_code ec;
    net::ip::make_address(host, ec);
    return !ec;
}

}  // namespace

// --- URLs -------------------------------------------------------------------------------

std::string Url::origin() const {
    const bool v6 = host.find(':') != std::string::npos;
    return std::string(tls ? "https://" : "http://") + (v6 ? "[" + host + "]" : host) + ":" + port;
}

std::string Url::host_header() const {
    const bool v6 = host.find(':') != std::string::npos;
    std::string h = v6 ? "[" + host + "]" : host;
    if (port != (tls ? "443" : "80")) h += ":" + port;
    return h;
}

std::string Url::str() const {
    return std::string(tls ? "https://" : "http://") + host_header() + target;
}

Result<Url> parse_url(std::string_view text) {
    auto bad = [&](const std::string& why) {
        return make_error(Errc::InvalidArgument, "not a usable URL: " + why, std::string(text));
    };
    Url u;
    const std::size_t scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos) return bad("it must start with http:// or https://");
    const std::string scheme = lower(text.substr(0, scheme_end));
    if (scheme == "https") {
        u.tls = true;
    } else if (scheme != "http") {
        return bad("scheme '" + scheme + "' (http and https only)");
    }
    std::string_view rest = text.substr(scheme_end + 3);
    const std::size_t auth_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, auth_end);
    std::string_view tail =
        auth_end == std::string_view::npos ? std::string_view() : rest.substr(auth_end);
    if (authority.find('@') != std::string_view::npos) {
        return bad("credentials in a URL are not sent; put a token in --token-file");
    }
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return bad("unclosed '[' in the host");
        u.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return bad("junk after the IPv6 address");
            port = after.substr(1);
        }
    } else {
        const std::size_t colon = authority.rfind(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (u.host.empty()) return bad("no host");
    if (port.empty()) {
        u.port = u.tls ? "443" : "80";
    } else {
        if (port.size() > 5 ||
            !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return bad("bad port '" + std::string(port) + "'");
        }
        const int n = std::stoi(std::string(port));
        if (n < 1 || n > 65535) return bad("bad port '" + std::string(port) + "'");
        u.port = std::to_string(n);
    }
    tail = tail.substr(0, tail.find('#'));
    u.target = tail.empty() ? "/" : std::string(tail);
    if (u.target.front() == '?') u.target.insert(0, "/");
    for (const char c : u.target) {
        // Request targets go on the wire as they are: no spaces or control bytes in them.
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            return bad("a blank or control character");
    }
    return u;
}

Result<Url> resolve_url(const Url& base, std::string_view ref) {
    ref = trim(ref);
    if (ref.find("://") != std::string_view::npos) return parse_url(ref);
    if (ref.substr(0, 2) == "//")
        return parse_url(std::string(base.tls ? "https:" : "http:") + std::string(ref));
    Url u = base;
    if (!ref.empty() && ref.front() == '/') {
        u.target = std::string(ref);
    } else {
        std::string dir = base.target.substr(0, base.target.find('?'));
        dir = dir.substr(0, dir.rfind('/') + 1);
        u.target = dir + std::string(ref);
    }
    return parse_url(u.str());
}

std::string next_link(const std::vector<std::string>& link_values) {
    for (const auto& value : link_values) {
        std::string_view v = value;
        while (true) {
            const std::size_t open = v.find('<');
            if (open == std::string_view::npos) break;
            const std::size_t close = v.find('>', open);
            if (close == std::string_view::npos) break;
            const std::string_view url = v.substr(open + 1, close - open - 1);
            v.remove_prefix(close + 1);
            // The parameters run to the next link ("<"), which no parameter contains.
            const std::string_view params = v.substr(0, v.find('<'));
            std::string p = lower(params);
            for (std::size_t at = p.find("rel"); at != std::string::npos;
                 at = p.find("rel", at + 3)) {
                std::size_t i = at + 3;
                while (i < p.size() && p[i] == ' ') ++i;
                if (i >= p.size() || p[i] != '=') continue;
                ++i;
                while (i < p.size() && p[i] == ' ') ++i;
                const bool quoted = i < p.size() && p[i] == '"';
                if (quoted) ++i;
                const std::size_t end = quoted ? p.find('"', i) : p.find_first_of(";, ", i);
                const std::string rels = p.substr(i, end == std::string::npos ? end : end - i);
                // rel may list several relations, separated by blanks.
                std::size_t s = 0;
                while (s < rels.size()) {
                    const std::size_t e = rels.find(' ', s);
                    if (rels.substr(s, e == std::string::npos ? e : e - s) == "next") {
                        return std::string(url);
                    }
                    if (e == std::string::npos) break;
                    s = e + 1;
                }
            }
        }
    }
    return {};
}

// --- waits the server asks for -------------------------------------------------------------

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
    value = trim(value);
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        if (value.size() > 9) return std::chrono::hours(24 * 365);  // "forever": over any cap
        return std::chrono::seconds(std::stoll(std::string(value)));
    }
    const std::string text(value);
    std::tm tm{};
    // IMF-fixdate, then the two obsolete forms RFC 9110 §5.6.7 says a recipient must read.
    const char* const formats[] = {
        "%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"};
    bool parsed = false;
    for (const char* f : formats) {
        tm = std::tm{};
        const char* end = ::strptime(text.c_str(), f, &tm);
        if (end != nullptr && *end == '\0') {
            parsed = true;
            break;
        }
    }
    if (!parsed) return std::nullopt;
    const std::time_t at = ::timegm(&tm);
    const auto when = std::chrono::system_clock::from_time_t(at);
    if (when <= now) return std::chrono::milliseconds(0);
    return std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
}

std::optional<std::chrono::milliseconds> parse_rate_limit_reset(std::string_view value) {
    for (std::size_t at = value.find("t="); at != std::string_view::npos;
         at = value.find("t=", at + 2)) {
        if (at > 0 && value[at - 1] != ';' && value[at - 1] != ' ') continue;
        std::size_t i = at + 2, n = 0;
        long long seconds = 0;
        while (i < value.size() && value[i] >= '0' && value[i] <= '9' && n < 9) {
            seconds = seconds * 10 + (value[i] - '0');
            ++i;
            ++n;
        }
        if (n > 0) return std::chrono::seconds(seconds);
    }
    return std::nullopt;
}

// --- responses ------------------------------------------------------------------------------

std::string Response::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (iequals(k, name)) return v;
    }
    return {};
}

std::vector<std::string> Response::headers_named(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : headers) {
        if (iequals(k, name)) out.push_back(v);
    }
    return out;
}

// --- TLS ------------------------------------------------------------------------------------

Result<std::shared_ptr<ssl::context>> make_tls_context(const std::string& ca_file) {
    try {
        auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
        ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1);
        if (ca_file.empty()) {
            ctx->set_default_verify_paths();
        } else {
            error_code ec;
            ctx->load_verify_file(ca_file, ec);
            if (ec) {
                return make_error(Errc::InvalidArgument,
                                  "cannot read the CA certificates: " + ec.message(),
                                  ca_file);
            }
        }
        ctx->set_verify_mode(ssl::verify_peer);
        return ctx;
    } catch (const boost::system::system_error& e) {
        return make_error(Errc::Internal, std::string("cannot set up TLS: ") + e.what());
    }
}

// --- the client -----------------------------------------------------------------------------

struct HttpClient::Impl {
    std::shared_ptr<ssl::context> tls;
    ClientOptions options;
    net::io_context ioc;
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    std::string connected_to;  // Url::origin() of the open connection, "" when none
    beast::flat_buffer buffer;

    // Runs the io_context until the operations started are done.
    void run() {
        ioc.restart();
        ioc.run();
    }

    void close() {
        error_code ignored;
        if (plain) plain->socket().close(ignored);
        if (secure) beast::get_lowest_layer(*secure).socket().close(ignored);
        plain.reset();
        secure.reset();
        connected_to.clear();
        buffer.clear();
    }

    beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

    Status connect(const Url& url, Clock::time_point deadline);
    Result<Response> exchange(const Url& url,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              Clock::time_point deadline,
                              bool& sent_nothing_back);
};

namespace {

Error transient(const Url& url, const std::string& what) {
    return make_error(Errc::Unavailable, "GET " + url.str() + ": " + what);
}
Error permanent(const Url& url, const std::string& what) {
    return make_error(Errc::FailedPrecondition, "GET " + url.str() + ": " + what);
}

std::string describe(const error_code& ec) {
    if (ec == beast::error::timeout) return "no answer before the request's deadline (stalled)";
    if (ec == net::error::operation_aborted) return "no answer before the request's deadline";
    return ec.message();
}

}  // namespace

Status HttpClient::Impl::connect(const Url& url, Clock::time_point deadline) {
    close();
    // Resolving has no tcp_stream deadline of its own: a timer cancels it.
    tcp::resolver resolver(ioc);
    net::steady_timer timer(ioc);
    tcp::resolver::results_type endpoints;
    error_code ec;
    bool resolved = false;
    timer.expires_at(deadline);
    resolver.async_resolve(url.host, url.port, [&](error_code e, tcp::resolver::results_type r) {
        ec = e;
        endpoints = std::move(r);
        resolved = true;
        timer.cancel();
    });
    timer.async_wait([&](error_code e) {
        if (!e) resolver.cancel();
    });
    run();
    if (!resolved || ec == net::error::operation_aborted) {
        return transient(url, "resolving " + url.host + " took longer than the deadline");
    }
    if (ec == net::error::host_not_found || ec == net::error::no_data) {
        return permanent(url, "unknown host " + url.host + " (" + ec.message() + ")");
    }
    if (ec) return transient(url, "resolving " + url.host + ": " + ec.message());

    if (url.tls) {
        secure.emplace(ioc, *tls);
        if (!is_ip_literal(url.host)) {
            // SNI: the name of the site on a shared address.
            SSL_set_tlsext_host_name(secure->native_handle(), url.host.c_str());
        }
        secure->set_verify_mode(ssl::verify_peer);
        secure->set_verify_callback(ssl::host_name_verification(url.host));
    } else {
        plain.emplace(ioc);
    }
    lowest().expires_at(deadline);
    lowest().async_connect(endpoints, [&](error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) {
        close();
        return transient(url,
                         "cannot connect to " + url.host + ":" + url.port + ": " + describe(ec));
    }
    if (url.tls) {
        lowest().expires_at(deadline);
        secure->async_handshake(ssl::stream_base::client, [&](error_code e) { ec = e; });
        run();
        if (ec) {
            close();
            // A cut connection may pass; a certificate that does not verify will not.
            if (ec == net::error::eof || ec == ssl::error::stream_truncated ||
                ec == beast::error::timeout || ec == net::error::connection_reset) {
                return transient(url, "TLS handshake: " + describe(ec));
            }
            return permanent(url, "TLS handshake with " + url.host + " failed: " + ec.message());
        }
    }
    connected_to = url.origin();
    return Ok{};
}

Result<Response> HttpClient::Impl::exchange(
    const Url& url,
    const std::vector<std::pair<std::string, std::string>>& headers,
    Clock::time_point deadline,
    bool& sent_nothing_back) {
    sent_nothing_back = false;
    http::request<http::empty_body> req{http::verb::get, url.target, 11};
    req.set(http::field::host, url.host_header());
    req.set(http::field::user_agent, options.user_agent);
    for (const auto& [k, v] : headers) req.set(k, v);
    error_code ec;
    lowest().expires_at(deadline);
    if (secure) {
        http::async_write(*secure, req, [&](error_code e, std::size_t) { ec = e; });
    } else {
        http::async_write(*plain, req, [&](error_code e, std::size_t) { ec = e; });
    }
    run();
    if (ec) {
        sent_nothing_back = ec != beast::error::timeout;
        close();
        return transient(url, "sending the request: " + describe(ec));
    }
    http::response_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(options.max_body);
    lowest().expires_at(deadline);
    if (secure) {
        http::async_read(*secure, buffer, parser, [&](error_code e, std::size_t) { ec = e; });
    } else {
        http::async_read(*plain, buffer, parser, [&](error_code e, std::size_t) { ec = e; });
    }
    run();
    if (ec) {
        // Nothing at all came back: the server had closed the kept-alive connection.
        sent_nothing_back = (ec == http::error::end_of_stream || ec == net::error::eof ||
                             ec == net::error::connection_reset) &&
                            !parser.got_some();
        close();
        if (ec == http::error::body_limit) {
            return permanent(url,
                             "response larger than " + std::to_string(options.max_body) + " bytes");
        }
        if (ec == http::error::partial_message || ec == net::error::eof ||
            ec == http::error::end_of_stream) {
            return transient(url, "the connection closed before the whole response came");
        }
        return transient(url, describe(ec));
    }
    auto msg = parser.release();
    Response res;
    res.status = msg.result_int();
    for (const auto& f : msg) {
        res.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    }
    res.body = std::move(msg.body());
    if (!msg.keep_alive()) close();
    return res;
}

HttpClient::HttpClient(std::shared_ptr<ssl::context> tls, ClientOptions options)
    : impl_(std::make_unique<Impl>()) {
    impl_->tls = std::move(tls);
    impl_->options = std::move(options);
}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

void HttpClient::close() {
    impl_->close();
}

Result<Response> HttpClient::get(const Url& url,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 Clock::time_point deadline) {
    if (url.tls && !impl_->tls) return permanent(url, "https is not set up");
    try {
        for (int round = 0; round < 2; ++round) {
            const bool reused = impl_->connected_to == url.origin();
            if (!reused) {
                if (auto st = impl_->connect(url, deadline); !st) return std::move(st).error();
            }
            bool stale = false;
            auto res = impl_->exchange(url, headers, deadline, stale);
            // A kept-alive connection the server closed meanwhile: once more on a new one.
            if (res || !reused || !stale) return res;
        }
    } catch (const std::exception& e) {  // bad_alloc, system errors Asio throws
        impl_->close();
        return transient(url, e.what());
    }
    return transient(url, "the connection closed twice before an answer");
}

// --- retries --------------------------------------------------------------------------------

Fetcher::Fetcher(HttpClient client,
                 const RetryPolicy& policy,
                 std::string token,
                 std::string token_origin,
                 const std::atomic<bool>* stop,
                 std::function<void(const RetryNotice&)> on_retry)
    : client_(std::move(client)),
      policy_(policy),
      token_(std::move(token)),
      token_origin_(std::move(token_origin)),
      stop_(stop),
      on_retry_(std::move(on_retry)),
      rng_(std::random_device{}()) {}

bool Fetcher::sleep(std::chrono::milliseconds wait) {
    // In slices, so that an interrupt is noticed within a tenth of a second.
    const auto until = Clock::now() + wait;
    while (Clock::now() < until) {
        if (stop_ && stop_->load()) return false;
        std::this_thread::sleep_for(
            std::min<Clock::duration>(std::chrono::milliseconds(100), until - Clock::now()));
    }
    return !(stop_ && stop_->load());
}

std::chrono::milliseconds Fetcher::backoff(unsigned attempt) {
    // Exponential, capped, with "equal jitter": half the step fixed, half random, so that
    // clients that failed together do not come back together.
    const auto base = policy_.backoff.count();
    const auto cap = policy_.max_backoff.count();
    long long step = base;
    for (unsigned i = 1; i < attempt && step < cap; ++i) step *= 2;
    step = std::min<long long>(step, cap);
    std::uniform_int_distribution<long long> jitter(0, std::max<long long>(0, step / 2));
    return std::chrono::milliseconds(step - step / 2 + jitter(rng_));
}

Result<Response> Fetcher::get(const Url& start, unsigned* attempts_out) {
    Url url = start;
    unsigned redirects = 0;
    unsigned attempt = 0;
    while (true) {
        if (stop_ && stop_->load()) return make_error(Errc::DeadlineExceeded, "interrupted");
        ++attempt;
        if (attempts_out) *attempts_out = attempt;
        std::vector<std::pair<std::string, std::string>> headers;
        if (!token_.empty() && url.origin() == token_origin_) {
            headers.emplace_back("Authorization", "Bearer " + token_);
        }
        auto res = client_.get(url, headers, Clock::now() + policy_.timeout);
        std::string why;
        std::optional<std::chrono::milliseconds> asked;
        if (!res) {
            if (res.error().code != Errc::Unavailable) return res;  // will not pass by waiting
            why = res.error().message;
        } else {
            const unsigned s = res->status;
            if (s >= 300 && s < 400 && s != 304 && !res->header("Location").empty()) {
                if (++redirects > policy_.max_redirects) {
                    return make_error(Errc::FailedPrecondition,
                                      "GET " + start.str() + ": more than " +
                                          std::to_string(policy_.max_redirects) + " redirects");
                }
                auto next = resolve_url(url, res->header("Location"));
                if (!next) return std::move(next).error();
                url = std::move(next).value();
                --attempt;  // a redirect is not a failed attempt
                continue;
            }
            if (s != 429 && s < 500) return res;
            why = "HTTP " + std::to_string(s);
            if (auto ra = res->header("Retry-After"); !ra.empty()) {
                asked = parse_retry_after(ra, std::chrono::system_clock::now());
            }
            if (!asked && s == 429) {
                if (auto rl = res->header("RateLimit"); !rl.empty())
                    asked = parse_rate_limit_reset(rl);
            }
        }
        if (attempt > policy_.retries) {
            if (res) return res;  // the caller reports the status, and the attempts
            return make_error(Errc::Unavailable,
                              why + " (after " + std::to_string(attempt) +
                                  (attempt == 1 ? " attempt)" : " attempts)"));
        }
        if (asked && *asked > policy_.max_backoff) {
            const std::string msg = why + ": the server asked to wait " +
                                    std::to_string(asked->count() / 1000) +
                                    " s, longer than the longest wait allowed (" +
                                    std::to_string(policy_.max_backoff.count() / 1000) + " s)";
            return make_error(Errc::Unavailable, "GET " + url.str() + ": " + msg);
        }
        const auto wait = asked ? *asked : backoff(attempt);
        ++retried_;
        if (on_retry_) on_retry_({url.str(), why, attempt, wait});
        if (!sleep(wait)) return make_error(Errc::DeadlineExceeded, "interrupted");
    }
}

}  // namespace cardex::server::harvesting
