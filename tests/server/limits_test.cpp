// Hostile queries through the HTTP handler: every limit answers a clear 4xx/5xx naming it.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "fixture_index.h"

using namespace cardex;

namespace {

server::HttpResponse get(const std::string& target, server::HandlerConfig config = {}) {
    server::Handler handler(std::move(config));
    server::HttpRequest req;
    req.method = "GET";
    req.target = target;
    return handler.handle(req, test::fixture_searcher());
}

}  // namespace

TEST_CASE("queries past the limits answer 400 naming the limit", "[server][limits]") {
    // 680 wildcards (the 53-second query), 2,040 bytes.
    std::string q;
    for (int i = 0; i < 680; ++i) q += "a*+";
    auto res = get("/api/search?q=" + q.substr(0, 2040));
    CHECK(res.status == 400);
    CHECK(res.header("X-Error-Code") == "ResourceExhausted");
    CHECK(res.body.find("wildcards") != std::string::npos);

    std::string letters;
    for (int i = 0; i < 40; ++i) letters += std::string(1, static_cast<char>('a' + i % 26)) + "*+OR+";
    res = get("/api/search?q=" + letters + "z*");
    CHECK(res.status == 400);
    CHECK(res.body.find("wildcards") != std::string::npos);

    // The Hub listing's `search` treats every word as a prefix: the same bounds hold.
    std::string words;
    for (int i = 0; i < 70; ++i) words += "bert+";
    res = get("/api/models?search=" + words);
    CHECK(res.status == 400);
}

TEST_CASE("a request deadline stops the request with 503 DeadlineExceeded", "[server][limits]") {
    server::HandlerConfig config;
    config.request_deadline = std::chrono::milliseconds(1);
    server::Handler handler(config);
    server::HttpRequest req;
    req.method = "GET";
    req.target = "/api/search?q=named+entity&facets=task,language";
    // Counted from a start long past: the request was queued beyond its deadline.
    const auto res = handler.handle(req, test::fixture_searcher(), nullptr,
                                    std::chrono::steady_clock::now() - std::chrono::seconds(5));
    CHECK(res.status == 503);
    CHECK(res.header("X-Error-Code") == "DeadlineExceeded");
    // A client that went away stops its request the same way.
    std::atomic<bool> gone{true};
    const server::Handler relaxed({});
    CHECK(relaxed.handle(req, test::fixture_searcher(), &gone).status == 503);
    // The searcher is left without a budget for the next request.
    CHECK(relaxed.handle(req, test::fixture_searcher()).status == 200);
    req.target = "/metrics";
    CHECK(handler.handle(req, test::fixture_searcher()).body.find(
              "\ncardex_request_deadline_exceeded_total 1\n") != std::string::npos);
}

TEST_CASE("a response past the size cap is refused whole with 400 ResponseTooLarge",
          "[server][limits]") {
    server::HttpRequest small_req, big_req;
    small_req.method = big_req.method = "GET";
    small_req.target = "/api/models?limit=1";
    big_req.target = "/openapi.json";  // the largest body the small fixture index has
    // The sizes without a cap, then a cap between them.
    const server::Handler uncapped(test::patient({}));
    const std::size_t small_size = uncapped.handle(small_req, test::fixture_searcher()).body.size();
    const std::size_t big_size = uncapped.handle(big_req, test::fixture_searcher()).body.size();
    server::HttpRequest metrics_req;
    metrics_req.method = "GET";
    metrics_req.target = "/metrics";
    const std::size_t metrics_size =
        uncapped.handle(metrics_req, test::fixture_searcher()).body.size();
    // /metrics, read below through the capped handler, must fit under the cap too.
    REQUIRE(std::max(small_size, metrics_size + 256) < big_size - 1);
    server::HandlerConfig config;
    config.max_response_bytes = big_size - 1;
    const std::string cap = std::to_string(config.max_response_bytes);
    const server::Handler handler(test::patient(config));

    const auto small = handler.handle(small_req, test::fixture_searcher());
    CHECK(small.status == 200);
    CHECK(small.body.size() == small_size);

    const auto big = handler.handle(big_req, test::fixture_searcher());
    CHECK(big.status == 400);
    CHECK(big.header("X-Error-Code") == "ResponseTooLarge");
    CHECK(big.body.find("the response would be " + std::to_string(big_size) +
                        " bytes, more than the cap of " + cap) != std::string::npos);
    CHECK(big.route == "/openapi.json");  // counted under its route, not as "other"

    const auto metrics = handler.handle(metrics_req, test::fixture_searcher()).body;
    CHECK(metrics.find("\ncardex_response_too_large_total 1\n") != std::string::npos);
    CHECK(metrics.find("\ncardex_limit_response_bytes " + cap) != std::string::npos);
    // The default cap is stated in /metrics too.
    CHECK(uncapped.handle(metrics_req, test::fixture_searcher())
              .body.find("\ncardex_limit_response_bytes 33554432") != std::string::npos);
}
