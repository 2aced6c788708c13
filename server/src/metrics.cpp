#include "metrics.h"

#include <charconv>

namespace cardex::server {
namespace {

std::string number(double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

// Route labels come from code, but escape anyway: a label value must not break the format.
std::string label(std::string_view v) {
    std::string out;
    for (const char c : v) {
        if (c == '"' || c == '\\') out.push_back('\\');
        if (c == '\n') {
            out.append("\\n");
            continue;
        }
        out.push_back(c);
    }
    return out;
}

}  // namespace

void Metrics::observe(std::string_view route, int status, double seconds) {
    if (route.empty()) route = "other";
    std::lock_guard lock(mu_);
    auto it = routes_.find(route);
    if (it == routes_.end()) it = routes_.emplace(std::string(route), RouteStats{}).first;
    RouteStats& s = it->second;
    ++s.by_status[status];
    std::size_t b = 0;
    while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
    ++s.buckets[b];
    s.sum += seconds;
    ++s.count;
}

void Metrics::render(std::string& out) const {
    std::lock_guard lock(mu_);
    out.append("# HELP cardex_http_requests_total HTTP requests answered, by route and status.\n"
               "# TYPE cardex_http_requests_total counter\n");
    for (const auto& [route, s] : routes_) {
        for (const auto& [status, n] : s.by_status) {
            out.append("cardex_http_requests_total{route=\"").append(label(route));
            out.append("\",status=\"").append(std::to_string(status)).append("\"} ");
            out.append(std::to_string(n)).push_back('\n');
        }
    }
    out.append("# HELP cardex_http_request_duration_seconds Time from a parsed request to its "
               "response, by route.\n"
               "# TYPE cardex_http_request_duration_seconds histogram\n");
    for (const auto& [route, s] : routes_) {
        const std::string l = label(route);
        std::uint64_t cumulative = 0;
        for (std::size_t b = 0; b <= kBuckets.size(); ++b) {
            cumulative += s.buckets[b];
            out.append("cardex_http_request_duration_seconds_bucket{route=\"").append(l);
            out.append("\",le=\"").append(b < kBuckets.size() ? number(kBuckets[b]) : "+Inf");
            out.append("\"} ").append(std::to_string(cumulative)).push_back('\n');
        }
        out.append("cardex_http_request_duration_seconds_sum{route=\"").append(l).append("\"} ");
        out.append(number(s.sum)).push_back('\n');
        out.append("cardex_http_request_duration_seconds_count{route=\"").append(l).append("\"} ");
        out.append(std::to_string(s.count)).push_back('\n');
    }
    // One gauge or counter: its help, type and value.
    auto one = [&](const char* name, const char* type, const char* help, const auto& value) {
        out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ");
        out.append(name).append(" ").append(type).append("\n").append(name).append(" ");
        out.append(std::to_string(value.load(std::memory_order_relaxed))).push_back('\n');
    };
    one("cardex_http_requests_in_flight", "gauge", "Requests being handled now.", in_flight_);
    one("cardex_search_snapshot_retries_total", "counter",
        "Searches re-run on a fresh snapshot because a writer's commits invalidated the one "
        "being read.",
        snapshot_retries_);
    one("cardex_request_deadline_exceeded_total", "counter",
        "Requests stopped at their deadline or because their client went away.",
        deadline_exceeded_);
    one("cardex_heavy_searches_held_total",
        "counter",
        "Phrase, wildcard or NEAR/ADJ searches that paused for plain searches while heavy ones "
        "flooded (serve --heavy-yield-at).",
        heavy_held_);
    one("cardex_heavy_search_pauses_total",
        "counter",
        "Pauses of those searches, each of up to 5 ms.",
        heavy_pauses_);
    one("cardex_connections_evicted_total", "counter",
        "Idle or slow connections closed to make room for a new one at the connection cap.",
        evicted_);
    one("cardex_response_too_large_total", "counter",
        "Requests refused because their response would pass the response size cap "
        "(cardex_limit_response_bytes).",
        too_large_);
}

}  // namespace cardex::server
