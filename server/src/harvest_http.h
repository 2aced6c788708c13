#pragma once
// The harvester's HTTP client (private to cardex::harvest): URLs, one keep-alive connection
// per client (http:// or https:// with the peer's certificate checked), a deadline on every
// request, redirects, and retries with backoff on what is worth retrying.
//
// Threads: an HttpClient is used by one thread at a time (each owns its io_context and its
// connection); the TLS context is shared and only read after it is set up.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cardex/index/result.h"

namespace boost::asio::ssl {
class context;
}

namespace cardex::server::harvesting {

using Clock = std::chrono::steady_clock;

/// An absolute http:// or https:// URL, split for a request.
struct Url {
    bool tls = false;
    std::string host;          ///< without brackets for an IPv6 literal
    std::string port;          ///< always set ("80", "443" by default)
    std::string target = "/";  ///< path and query, as sent in the request line

    /// "https://host:port": what a connection is to, and what a token is sent to.
    std::string origin() const;
    /// The URL written out (the default port left out).
    std::string str() const;
    /// The Host header: host, and the port when it is not the scheme's default.
    std::string host_header() const;
};

/// Parses an absolute http(s) URL. InvalidArgument naming what is wrong: another scheme,
/// no host, a bad port, credentials in the URL (a token goes in --token-file).
Result<Url> parse_url(std::string_view text);
/// `ref` (a Link or Location value) read against `base`: an absolute URL, "//host/...", an
/// absolute path, or a path relative to base's directory.
Result<Url> resolve_url(const Url& base, std::string_view ref);

/// The URL of the `rel="next"` link of Link header values, or "" when there is none.
std::string next_link(const std::vector<std::string>& link_values);

/// A Retry-After value as a wait from `now`: delay-seconds or an HTTP date (IMF-fixdate,
/// RFC 850 or asctime, as RFC 9110 requires a recipient to read). nullopt when it is
/// neither; a date in the past is a wait of zero.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);
/// The wait a RateLimit header asks for (`"api";r=0;t=55`: t seconds), as the Hub sends it
/// with a 429 (docs/HUB-API.md).
std::optional<std::chrono::milliseconds> parse_rate_limit_reset(std::string_view value);

/// A response: status, headers as received (names as sent), body.
struct Response {
    unsigned status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    /// The first value of a header (case-insensitive name), "" when absent.
    std::string header(std::string_view name) const;
    std::vector<std::string> headers_named(std::string_view name) const;
};

struct ClientOptions {
    std::size_t max_body = 64u << 20;  ///< a larger response fails (not retried)
    std::string user_agent = "cardex-harvest/0.1";
};

/// TLS settings shared by every client: the system's trust store, or `ca_file` (PEM) when
/// given. Peers are checked against it and against the URL's host name (or IP address).
Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const std::string& ca_file);

/// One connection at a time, kept alive between requests to the same origin.
class HttpClient {
  public:
    HttpClient(std::shared_ptr<boost::asio::ssl::context> tls, ClientOptions options = {});
    ~HttpClient();
    HttpClient(HttpClient&&) noexcept;
    HttpClient& operator=(HttpClient&&) noexcept;

    /// One GET of `url` that must be done by `deadline` (resolving, connecting, the TLS
    /// handshake, sending, the whole response). A request on a kept-alive connection that
    /// the server had closed meanwhile is sent once more on a fresh one (not a retry).
    /// Errors: Unavailable for what may pass (refused, reset, timed out, a cut response),
    /// FailedPrecondition for what will not (an unknown host, a certificate that does not
    /// verify, a response over max_body). Messages name the URL, never a header value.
    Result<Response> get(const Url& url,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         Clock::time_point deadline);
    /// Drops the connection (the next request opens a new one).
    void close();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// How requests are retried: exponential backoff with jitter from `backoff`, doubling up
/// to `max_backoff`, on connection errors, 429 and 5xx; Retry-After (or RateLimit's reset)
/// is waited exactly, but a wait over `max_backoff` ends the request instead.
struct RetryPolicy {
    unsigned retries = 6;                      ///< attempts after the first
    std::chrono::milliseconds timeout{60000};  ///< per attempt
    std::chrono::milliseconds backoff{500};
    std::chrono::milliseconds max_backoff{60000};
    unsigned max_redirects = 5;
};

/// What a Fetcher reports while it retries (for the log).
struct RetryNotice {
    std::string url;
    std::string why;       ///< "HTTP 503", "connection refused", ...
    unsigned attempt = 0;  ///< the attempt that failed (1 = the first)
    std::chrono::milliseconds wait{0};
};

/// GETs with retries and redirects over one HttpClient. The token is sent as
/// `Authorization: Bearer` to `token_origin` only (a redirect elsewhere goes without it).
class Fetcher {
  public:
    Fetcher(HttpClient client,
            const RetryPolicy& policy,
            std::string token,
            std::string token_origin,
            const std::atomic<bool>* stop,
            std::function<void(const RetryNotice&)> on_retry);

    /// The final response: a success, a status not worth retrying, or the last retried one
    /// when the attempts ran out (`attempts` says how many were made). Errors: the last
    /// transport error once the attempts ran out (its message says how many), at once for
    /// a permanent one; DeadlineExceeded ("interrupted") when `stop` was set meanwhile.
    Result<Response> get(const Url& url, unsigned* attempts = nullptr);
    /// Requests repeated so far after a transient failure.
    std::size_t retried() const { return retried_; }

  private:
    bool sleep(std::chrono::milliseconds wait);
    std::chrono::milliseconds backoff(unsigned attempt);

    HttpClient client_;
    RetryPolicy policy_;
    std::string token_;
    std::string token_origin_;
    const std::atomic<bool>* stop_;
    std::function<void(const RetryNotice&)> on_retry_;
    std::mt19937_64 rng_;
    std::size_t retried_ = 0;
};

}  // namespace cardex::server::harvesting
