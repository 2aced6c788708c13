// serve() over real loopback sockets: hardening, keep-alive, connection cap, shutdown.
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <future>
#include <mutex>
#include <ostream>
#include <sstream>
#include <streambuf>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <sys/time.h>

#include "cardex/server/server.h"
#include "fixture_index.h"
#include "workers.h"  // kHeavyStream

using namespace cardex;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// A log sink the test can wait on: serve() writes from its threads, the test reads.
class LineCapture : public std::streambuf {
public:
    /// Waits until a line containing `prefix` was written; returns it ("" on timeout).
    std::string wait_for(const std::string& prefix, std::chrono::seconds timeout) {
        std::unique_lock lock(mu_);
        std::string found;
        cv_.wait_for(lock, timeout, [&] {
            std::size_t start = 0;
            while (start < text_.size()) {
                const std::size_t end = text_.find('\n', start);
                if (end == std::string::npos) break;
                // Lines start with a timestamp and a level: match the message anywhere.
                if (text_.substr(start, end - start).find(prefix) != std::string::npos) {
                    found = text_.substr(start, end - start);
                    return true;
                }
                start = end + 1;
            }
            return false;
        });
        return found;
    }
    std::string text() {
        std::lock_guard lock(mu_);
        return text_;
    }

protected:
    int_type overflow(int_type ch) override {
        if (ch != traits_type::eof()) {
            const char c = static_cast<char>(ch);
            xsputn(&c, 1);
        }
        return ch;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        {
            std::lock_guard lock(mu_);
            text_.append(s, static_cast<std::size_t>(n));
        }
        cv_.notify_all();
        return n;
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::string text_;
};

// Runs serve() on an ephemeral loopback port for the life of the object.
class RunningServer {
public:
    explicit RunningServer(server::ServeOptions options = {}, bool signals = false)
        : log_(&capture_) {
        options.handle_signals = signals;
        options.index_dir = test::fixture_index_dir();
        options.listen = "127.0.0.1:0";
        if (!options.stop) options.stop = std::make_shared<server::StopSource>();
        stop_ = options.stop;
        options_ = options;
        result_ = std::async(std::launch::async, [this] { return server::serve(options_, log_); });
        const std::string line = capture_.wait_for("listening on http://", std::chrono::seconds(20));
        REQUIRE_FALSE(line.empty());
        port_ = static_cast<unsigned short>(std::stoi(line.substr(line.rfind(':') + 1)));
    }
    ~RunningServer() {
        if (result_.valid()) {
            stop_->request_stop();
            result_.wait();
        }
    }
    unsigned short port() const { return port_; }
    LineCapture& log() { return capture_; }
    int stop() {
        stop_->request_stop();
        return result_.get();
    }
    std::future<int>& result() { return result_; }

private:
    LineCapture capture_;
    std::ostream log_;
    server::ServeOptions options_;
    std::shared_ptr<server::StopSource> stop_;
    std::future<int> result_;
    unsigned short port_ = 0;
};

// A blocking client socket with a receive timeout, so a server bug fails the test instead
// of hanging it.
struct Client {
    net::io_context ioc;
    tcp::socket socket{ioc};

    explicit Client(unsigned short port, const char* from = nullptr) {
        if (from != nullptr) {
            socket.open(tcp::v4());
            socket.bind(tcp::endpoint(net::ip::make_address(from), 0));
        }
        socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
        timeval tv{5, 0};
        setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    void send(const std::string& bytes) { net::write(socket, net::buffer(bytes)); }

    /// Reads until the server closes the connection (or the timeout).
    std::string read_all() {
        std::string out;
        boost::system::error_code ec;
        char buf[4096];
        for (;;) {
            const std::size_t n = socket.read_some(net::buffer(buf), ec);
            out.append(buf, n);
            if (ec) break;
        }
        return out;
    }

    /// Reads one response with a Content-Length body; leaves the connection open.
    std::string read_response() {
        std::string out;
        boost::system::error_code ec;
        char c = 0;
        while (out.find("\r\n\r\n") == std::string::npos) {
            if (socket.read_some(net::buffer(&c, 1), ec) != 1) return out;
            out.push_back(c);
        }
        std::size_t length = 0;
        const std::size_t cl = out.find("Content-Length: ");
        if (cl != std::string::npos) length = std::stoul(out.substr(cl + 16));
        std::string body(length, '\0');
        if (length > 0) net::read(socket, net::buffer(body), ec);
        return out + body;
    }
};

int status_of(const std::string& response) {
    if (response.size() < 12 || response.compare(0, 5, "HTTP/") != 0) return 0;
    return std::stoi(response.substr(9, 3));
}

}  // namespace

TEST_CASE("serve answers over loopback with keep-alive and stops gracefully",
          "[server][socket]") {
    server::ServeOptions options;
    options.handler.tokens = std::make_shared<const server::TokenStore>(
        server::TokenStore::parse("hf_secret_token\tgoogle\n").value());
    RunningServer server(options);
    Client client(server.port());
    client.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const std::string first = client.read_response();
    CHECK(status_of(first) == 200);
    CHECK(first.find("{\"status\":\"ok\"}") != std::string::npos);
    CHECK(first.find("Content-Type: application/json; charset=utf-8") != std::string::npos);

    // Same connection, second request: a Hub listing with an absolute Link.
    client.send("GET /api/models?limit=1&sort=downloads HTTP/1.1\r\nHost: 127.0.0.1:1\r\n"
                "Authorization: Bearer hf_secret_token\r\n\r\n");
    const std::string second = client.read_response();
    CHECK(status_of(second) == 200);
    CHECK(second.find("Link: <http://127.0.0.1:1/api/models?limit=1&sort=downloads&") !=
          std::string::npos);
    CHECK(second.find("meta-llama/Llama-3.1-8B-Instruct") != std::string::npos);

    // HEAD: the length GET would send, no body.
    client.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const std::string head = client.read_all();
    CHECK(status_of(head) == 200);
    CHECK(head.find("Content-Length: 15\r\n") != std::string::npos);
    CHECK(head.substr(head.find("\r\n\r\n") + 4).empty());

    CHECK(server.stop() == 0);
    const std::string log = server.log().text();
    CHECK(log.find(" info access id=") != std::string::npos);
    CHECK(log.find("client=127.0.0.1 method=GET path=/healthz status=200") != std::string::npos);
    CHECK(log.find("method=GET path=\"/api/models?limit=1&sort=downloads\" status=200") !=
          std::string::npos);
    CHECK(log.find("hf_secret_token") == std::string::npos);  // never logged
}

TEST_CASE("serve logs request ids, clients and redacted query strings, as text or JSON",
          "[server][socket][log]") {
    for (const auto format : {server::LogFormat::Text, server::LogFormat::Json}) {
        server::ServeOptions options;
        options.log_format = format;
        RunningServer server(options);
        Client client(server.port());
        client.send("GET /api/models?limit=1&token=hf_in_the_url&Access_Token=x2 HTTP/1.1\r\n"
                    "Host: x\r\nX-Request-Id: trace-42.a_b\r\n\r\n");
        const std::string first = client.read_response();
        CHECK(status_of(first) == 200);
        CHECK(first.find("X-Request-Id: trace-42.a_b\r\n") != std::string::npos);
        // An id we would not want in a log line is replaced by one of ours.
        client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: bad id\"\r\n\r\n");
        const std::string second = client.read_response();
        CHECK(status_of(second) == 200);
        const std::size_t at = second.find("X-Request-Id: ");
        REQUIRE(at != std::string::npos);
        const std::string made = second.substr(at + 14, second.find("\r\n", at) - at - 14);
        CHECK(made.size() == 17);  // 8 hex digits, '-', 8 hex digits
        CHECK(server.stop() == 0);

        const std::string log = server.log().text();
        CHECK(log.find("hf_in_the_url") == std::string::npos);
        CHECK(log.find("\"x2\"") == std::string::npos);
        std::istringstream lines(log);
        std::string line;
        int access = 0;
        while (std::getline(lines, line)) {
            INFO(line);
            // Every line starts with an ISO 8601 UTC time and names its level.
            if (format == server::LogFormat::Json) {
                boost::system::error_code ec;
                const auto v = boost::json::parse(line, ec);
                REQUIRE_FALSE(ec);
                const auto& o = v.as_object();
                CHECK(o.at("ts").as_string().size() == 24);
                CHECK(o.contains("level"));
                if (o.at("msg").as_string() != "access") continue;
                ++access;
                CHECK(o.at("client").as_string() == "127.0.0.1");
                CHECK(o.at("method").as_string() == "GET");
                CHECK(o.at("status").as_int64() == 200);
                CHECK(o.at("bytes").as_int64() > 0);
                CHECK(o.at("ms").is_number());
                const std::string path(o.at("path").as_string());
                const std::string id(o.at("id").as_string());
                if (path.rfind("/api/models", 0) == 0) {
                    CHECK(path == "/api/models?limit=1&token=REDACTED&Access_Token=REDACTED");
                    CHECK(id == "trace-42.a_b");
                    CHECK(o.at("route").as_string() == "/api/models");
                } else {
                    CHECK(path == "/healthz");
                    CHECK(id == made);
                }
            } else {
                REQUIRE(line.size() > 25);
                CHECK(line[4] == '-');
                CHECK(line[10] == 'T');
                CHECK(line[23] == 'Z');
                if (line.find(" access ") == std::string::npos) continue;
                ++access;
                CHECK(line.substr(24, 12) == " info access");
                if (line.find("/api/models") != std::string::npos) {
                    CHECK(line.find("id=trace-42.a_b client=127.0.0.1 method=GET "
                                    "path=\"/api/models?limit=1&token=REDACTED&Access_Token=REDACTED\" "
                                    "status=200 bytes=") != std::string::npos);
                } else {
                    CHECK(line.find("id=" + made + " client=127.0.0.1 method=GET path=/healthz "
                                    "status=200") != std::string::npos);
                }
            }
        }
        CHECK(access == 2);
    }
}

TEST_CASE("serve rejects malformed and ambiguous requests", "[server][socket]") {
    RunningServer server;
    auto exchange = [&](const std::string& request) {
        Client client(server.port());
        client.send(request);
        return status_of(client.read_all());
    };

    SECTION("oversized header") {
        const std::string big(10 * 1024, 'a');
        const int status = exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n");
        CHECK((status == 431 || status == 400));
    }
    SECTION("Transfer-Encoding with Content-Length") {
        CHECK(exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n"
                       "Content-Length: 5\r\n\r\nhello") == 400);
        CHECK(exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == 400);
    }
    SECTION("chunked in HTTP/1.0 and TE not ending in chunked") {
        CHECK(exchange("GET /healthz HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") ==
              400);
        CHECK(exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n"
                       "\r\n0\r\n\r\n") == 400);
    }
    SECTION("malformed request line") {
        CHECK(exchange("GARBAGE\r\n\r\n") == 400);
        CHECK(exchange("GET /healthz HTTX/1.1\r\n\r\n") == 400);
    }
    SECTION("body over the limit") {
        CHECK(exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n") ==
              413);
    }
    SECTION("huge chunked trailer does not take the server down") {
        const std::string trailer(70 * 1024, 't');
        const int status =
            exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "0\r\nX-Trailer: " + trailer + "\r\n\r\n");
        CHECK(status >= 400);
        CHECK(exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") == 200);
    }
    SECTION("a list as Content-Length, codings we cannot decode, large trailers") {
        CHECK(exchange("POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n"
                       "hello") == 400);
        CHECK(exchange("POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n"
                       "hello") == 400);
        CHECK(exchange("POST /api/search HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n"
                       "\r\n0\r\n\r\n") == 501);
        // 14 KB of trailer fields fit the read buffer but not the trailer limit.
        CHECK(exchange("POST /api/search HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "5\r\nhello\r\n0\r\nX-T: " + std::string(14000, 'a') + "\r\n\r\n") == 400);
        // A small trailer is fine (the route then answers: 405 for POST).
        CHECK(exchange("POST /api/search HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
                       "5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n") == 405);
    }
    SECTION("a response before closing is never cut by pipelined bytes") {
        // Connection: close with more requests behind it: the server must half-close and
        // drain, or the kernel's reset may destroy the response in flight.
        std::string pipelined;
        for (int i = 0; i < 200; ++i) pipelined += "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        for (int i = 0; i < 10; ++i) {
            Client client(server.port());
            client.send("GET /api/models?limit=200&full=true HTTP/1.1\r\nHost: x\r\n"
                        "Connection: close\r\n\r\n" + pipelined);
            const std::string r = client.read_all();
            REQUIRE(status_of(r) == 200);
            const std::size_t cl = r.find("Content-Length: ");
            REQUIRE(cl != std::string::npos);
            CHECK(r.size() - r.find("\r\n\r\n") - 4 == std::stoul(r.substr(cl + 16)));
        }
    }
    SECTION("methods other than GET and HEAD") {
        CHECK(exchange("DELETE /api/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") ==
              405);
    }
    CHECK(server.stop() == 0);
}

TEST_CASE("serve caps connections and requests per connection", "[server][socket]") {
    server::ServeOptions options;
    options.max_connections = 1;
    options.max_requests_per_connection = 2;
    RunningServer server(options);

    Client first(server.port());
    first.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(status_of(first.read_response()) == 200);

    // The second request on `first` is its last: the server says close and closes.
    first.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string last = first.read_all();
    CHECK(status_of(last) == 200);
    CHECK(last.find("Connection: close") != std::string::npos);
    CHECK(server.stop() == 0);
}

TEST_CASE("at the connection cap the longest-waiting idle or slow connection makes room",
          "[server][socket][overload]") {
    server::ServeOptions options;
    options.max_connections = 2;
    RunningServer server(options);

    Client idle(server.port());  // keep-alive, waiting for its next request
    idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(status_of(idle.read_response()) == 200);
    Client slow(server.port());  // a slow client: half a request line
    slow.send("GET /api/mod");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));

    // Both slots are taken, but neither is at work: a new client is served...
    Client fresh(server.port());
    fresh.send("GET /api/models?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(status_of(fresh.read_response()) == 200);
    // ...and the one that waited longest, the idle one, was closed for it.
    CHECK(idle.read_all().empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Client another(server.port());
    another.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(status_of(another.read_all()) == 200);
    // Now `slow` had waited longest (`fresh` was answered after it connected).
    boost::system::error_code ignored;
    net::write(slow.socket, net::buffer(std::string("els HTTP/1.1\r\nHost: x\r\n\r\n")), ignored);
    CHECK(slow.read_all().empty());  // evicted in turn: no answer
    fresh.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(status_of(fresh.read_response()) == 200);
    // Both evictions are counted where an operator looks.
    fresh.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(fresh.read_response().find("\ncardex_connections_evicted_total 2\n") !=
          std::string::npos);
    CHECK(server.stop() == 0);
}

TEST_CASE("one client's connections and request rate are limited, not everyone's",
          "[server][socket][overload]") {
    server::ServeOptions options;
    options.max_connections_per_client = 2;
    options.rate_limit = 1;
    options.rate_burst = 2;
    RunningServer server(options);

    Client a(server.port()), b(server.port());
    a.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(status_of(a.read_response()) == 200);
    Client c(server.port());  // a third from 127.0.0.1
    const std::string refused = c.read_all();
    CHECK(status_of(refused) == 503);
    CHECK(refused.find("too many connections from this client") != std::string::npos);
    // Another address (all of 127/8 is loopback) is someone else.
    Client other(server.port(), "127.0.0.2");
    other.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(status_of(other.read_response()) == 200);

    // Two searches pass (the burst), the third is 429 with Retry-After; health checks are
    // not counted, and the other client still searches.
    for (int i = 0; i < 2; ++i) {
        a.send("GET /api/models?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n");
        CHECK(status_of(a.read_response()) == 200);
    }
    a.send("GET /api/models?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string limited = a.read_response();
    CHECK(status_of(limited) == 429);
    CHECK(limited.find("Retry-After: 1\r\n") != std::string::npos);
    a.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(status_of(a.read_response()) == 200);
    other.send("GET /api/models?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(status_of(other.read_response()) == 200);
    CHECK(server.stop() == 0);
}

TEST_CASE("serve stops on SIGTERM and closes idle connections", "[server][socket]") {
    RunningServer server({}, true);
    Client idle(server.port());
    idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(status_of(idle.read_response()) == 200);

    std::raise(SIGTERM);
    REQUIRE(server.result().wait_for(std::chrono::seconds(20)) == std::future_status::ready);
    CHECK(server.result().get() == 0);
    CHECK(idle.read_all().empty());  // closed without a response
}

TEST_CASE("serve reports a bad listen address", "[server][socket]") {
    server::ServeOptions options;
    options.index_dir = test::fixture_index_dir();
    options.listen = "no-port-here";
    std::ostringstream log;
    CHECK(server::serve(options, log) == 2);
    options.listen = "example.com:80";
    CHECK(server::serve(options, log) == 2);
}

TEST_CASE("serve: admin bodies, tokens and metrics over loopback", "[server][socket][auth]") {
    server::ServeOptions options;
    options.body_limit = 1024;
    options.admin_body_limit = 256 * 1024;
    options.handler.tokens = test::fixture_tokens();
    std::size_t upserted_bytes = 0;
    options.handler.admin = [&](const server::AdminRequest& req) -> Result<server::AdminResult> {
        upserted_bytes = req.body.size();
        server::AdminResult r;
        r.upserted = 1;
        return r;
    };
    RunningServer server(options);
    const std::string big(100 * 1024, 'x');
    auto post = [&](const std::string& auth) {
        Client client(server.port());
        client.send("POST /api/admin/cards HTTP/1.1\r\nHost: x\r\n" + auth +
                    "Content-Length: " + std::to_string(big.size()) + "\r\n\r\n" + big);
        return client.read_response();
    };
    // An admin may send an admin-sized body; anyone else is held to the public limit, refused
    // before the body is read.
    const std::string admin = "Authorization: Bearer " + std::string(test::kAdminToken) + "\r\n";
    CHECK(status_of(post(admin)) == 200);
    CHECK(upserted_bytes == big.size());
    CHECK(status_of(post("")) == 413);
    CHECK(status_of(post("Authorization: Bearer " + std::string(test::kAcmeToken) + "\r\n")) ==
          413);
    CHECK(status_of(post("Authorization: Bearer wrong-token-123\r\n")) == 413);

    // A private card over the socket, with and without its namespace's token.
    Client client(server.port());
    client.send("GET /api/models/acme/secret-model HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(status_of(client.read_response()) == 401);
    client.send("GET /api/models/acme/secret-model HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                std::string(test::kAcmeToken) + "\r\n\r\n");
    CHECK(status_of(client.read_response()) == 200);
    client.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const std::string metrics = client.read_all();
    CHECK(status_of(metrics) == 200);
    CHECK(metrics.find("cardex_http_requests_total{route=\"/api/admin\",status=\"200\"} 1") !=
          std::string::npos);
    CHECK(metrics.find("cardex_http_requests_total{route=\"other\",status=\"413\"} 3") !=
          std::string::npos);
    CHECK(metrics.find("cardex_http_requests_total{route=\"/api/models/{id}\",status=\"401\"} 1") !=
          std::string::npos);

    CHECK(server.stop() == 0);
    const std::string log = server.log().text();
    CHECK(log.find("route=/api/models/{id}") != std::string::npos);
    for (const auto token : {test::kAdminToken, test::kAcmeToken}) {
        CHECK(log.find(std::string(token)) == std::string::npos);  // never logged
    }
    CHECK(log.find("wrong-token-123") == std::string::npos);
}

namespace {

// A search response's total and hit ids, the parts a pause must not change.
std::string hits_of(const std::string& response) {
    const auto at = response.find("\r\n\r\n");
    if (at == std::string::npos) return "(no body)";
    boost::system::error_code ec;
    const auto v = boost::json::parse(response.substr(at + 4), ec);
    if (ec || !v.is_object() || !v.as_object().contains("hits")) return "(not a search)";
    std::string out = boost::json::serialize(v.at("total")) + ":";
    for (const auto& h : v.at("hits").as_array()) out += boost::json::serialize(h.at("id")) + ",";
    return out;
}

std::uint64_t metric(const std::string& metrics, const std::string& name) {
    const std::string key = "\n" + name + " ";
    const auto at = metrics.find(key);
    return at == std::string::npos ? 0 : std::stoull(metrics.substr(at + key.size()));
}

std::string get(Client& c, const std::string& target) {
    c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    return c.read_response();
}

// One client of the lanes tests: sends `targets` in turn, on one connection after another
// (each serves `per_connection` requests), until `stop`; counts its answers, and the wrong
// ones (not 200, or another total or other hits than `alone`, the same targets' answers on an
// idle server).
void send_until(unsigned short port,
                std::size_t per_connection,
                const std::vector<std::string>& targets,
                const std::vector<std::string>& alone,
                const std::atomic<bool>& stop,
                std::atomic<int>& answered,
                std::atomic<int>& wrong) {
    for (std::size_t k = 0; !stop.load();) {
        Client c(port);
        timeval tv{120, 0};  // a held phrase search waits for the plain ones to stop
        setsockopt(c.socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        for (std::size_t i = 0; i < per_connection && !stop.load(); ++i, ++k) {
            const std::string r = get(c, targets[k % targets.size()]);
            if (status_of(r) != 200 || hits_of(r) != hits_of(alone[k % targets.size()])) ++wrong;
            ++answered;
        }
    }
}

// The server's count of heavy searches it held, polled until it is not 0 or `wait` is over
// (metrics are answered at once, on the io thread).
std::uint64_t held_within(unsigned short port, std::chrono::milliseconds wait) {
    std::uint64_t held = 0;
    const auto until = std::chrono::steady_clock::now() + wait;
    do {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        Client c(port);
        held = metric(get(c, "/metrics"), "cardex_heavy_searches_held_total");
    } while (held == 0 && std::chrono::steady_clock::now() < until);
    return held;
}

const std::string kPhraseTarget = "/api/search?q=%22language+model%22&facets=license";
const std::string kPlainTarget = "/api/search?q=bert&facets=task,license";

}  // namespace

TEST_CASE("serve: flooding phrase searches pause for plain ones and answer as they would alone",
          "[server][socket][lanes]") {
    server::ServeOptions options;
    options.threads = 1;
    options.heavy_threads = 1;
    options.heavy_yield_at = 1;  // one phrase search in flight is a flood
    options.cores = 1;           // which the plain search worker takes whenever it works
    options.handler.request_deadline = std::chrono::milliseconds(120'000);
    RunningServer server(options);
    std::string alone_phrase, alone_plain;
    {
        Client c(server.port());
        alone_phrase = get(c, kPhraseTarget);
        alone_plain = get(c, kPlainTarget);
        REQUIRE(status_of(alone_phrase) == 200);
        REQUIRE(status_of(alone_plain) == 200);
        REQUIRE(hits_of(alone_phrase).find("\"") != std::string::npos);  // some hits
    }
    std::atomic<bool> stop_plain{false}, stop_phrases{false};
    std::atomic<int> wrong{0}, phrases{0}, plains{0};
    const std::vector<std::string> phrase{kPhraseTarget}, plain{kPlainTarget};
    const std::vector<std::string> phrase_alone{alone_phrase}, plain_alone{alone_plain};
    // Enough phrase connections that one is always in flight while the others read their
    // answers or wait for the io thread: a flood.
    constexpr std::size_t kPhraseClients = 8;
    std::vector<std::thread> clients;
    for (std::size_t i = 0; i < kPhraseClients; ++i) {
        clients.emplace_back(send_until,
                             server.port(),
                             options.max_requests_per_connection,
                             std::cref(phrase),
                             std::cref(phrase_alone),
                             std::cref(stop_phrases),
                             std::ref(phrases),
                             std::ref(wrong));
    }
    for (int i = 0; i < 2; ++i) {
        clients.emplace_back(send_until,
                             server.port(),
                             options.max_requests_per_connection,
                             std::cref(plain),
                             std::cref(plain_alone),
                             std::cref(stop_plain),
                             std::ref(plains),
                             std::ref(wrong));
    }
    // Until the server says it held a phrase search, or 60 s.
    const std::uint64_t held = held_within(server.port(), std::chrono::seconds(60));
    // The plain searches stop first; the held phrase searches then finish.
    stop_plain = true;
    for (std::size_t i = kPhraseClients; i < clients.size(); ++i) clients[i].join();
    stop_phrases = true;
    for (std::size_t i = 0; i < kPhraseClients; ++i) clients[i].join();
    CHECK(held > 0);
    CHECK(phrases.load() > 0);
    CHECK(plains.load() > 0);
    CHECK(wrong.load() == 0);  // every answer 200, with the same total and hits as alone
    Client c(server.port());
    const std::string metrics = get(c, "/metrics");
    CHECK(metric(metrics, "cardex_heavy_search_pauses_total") >= held);
    CHECK(metric(metrics, "cardex_request_deadline_exceeded_total") == 0);
    CHECK(server.stop() == 0);
}

TEST_CASE(
    "serve: one client sending phrases back to back floods by itself, one mixing them in "
    "does not",
    "[server][socket][lanes]") {
    server::ServeOptions options;
    options.threads = 1;
    options.heavy_threads = 1;  // the default --heavy-yield-at: 2 in flight, or one stream
    options.cores = 1;          // which the plain search worker takes whenever it works
    options.handler.request_deadline = std::chrono::milliseconds(120'000);
    RunningServer server(options);
    std::string alone_phrase, alone_plain;
    {
        Client c(server.port());
        alone_phrase = get(c, kPhraseTarget);
        alone_plain = get(c, kPlainTarget);
        REQUIRE(status_of(alone_phrase) == 200);
        REQUIRE(status_of(alone_plain) == 200);
    }
    std::atomic<bool> stop_plain{false}, stop_mixed{false}, stop_phrases{false};
    std::atomic<int> wrong{0}, answered{0}, mixed{0}, phrases{0};
    const std::vector<std::string> plain{kPlainTarget}, plain_alone{alone_plain};
    const std::vector<std::string> mix{kPhraseTarget, kPlainTarget},
        mix_alone{alone_phrase, alone_plain};
    const std::vector<std::string> phrase{kPhraseTarget}, phrase_alone{alone_phrase};
    const auto n = options.max_requests_per_connection;
    std::vector<std::thread> plains;
    for (int i = 0; i < 2; ++i) {
        plains.emplace_back(send_until,
                            server.port(),
                            n,
                            std::cref(plain),
                            std::cref(plain_alone),
                            std::cref(stop_plain),
                            std::ref(answered),
                            std::ref(wrong));
    }
    // A client whose every other search is a phrase: never more than one heavy search in
    // flight, and never a stream (kHeavyStream in a row), so nothing is held.
    std::thread mixing(send_until,
                       server.port(),
                       n,
                       std::cref(mix),
                       std::cref(mix_alone),
                       std::cref(stop_mixed),
                       std::ref(mixed),
                       std::ref(wrong));
    CHECK(held_within(server.port(), std::chrono::seconds(3)) == 0);
    stop_mixed = true;
    mixing.join();
    CHECK(mixed.load() > 2 * static_cast<int>(server::kHeavyStream));
    // The same server, one client sending only phrases: a stream, a flood by itself.
    std::thread streaming(send_until,
                          server.port(),
                          n,
                          std::cref(phrase),
                          std::cref(phrase_alone),
                          std::cref(stop_phrases),
                          std::ref(phrases),
                          std::ref(wrong));
    const std::uint64_t held = held_within(server.port(), std::chrono::seconds(60));
    stop_plain = true;
    for (auto& t : plains) t.join();
    stop_phrases = true;
    streaming.join();
    CHECK(held > 0);
    CHECK(phrases.load() > 0);
    CHECK(answered.load() > 0);
    CHECK(wrong.load() == 0);
    Client c(server.port());
    CHECK(metric(get(c, "/metrics"), "cardex_request_deadline_exceeded_total") == 0);
    CHECK(server.stop() == 0);
}
