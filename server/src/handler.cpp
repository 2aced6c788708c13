// Handler: method check, routing, health endpoints, and the exception barrier.
#include "cardex/server/handler.h"

#include <exception>
#include <string>

#include "http_errors.h"
#include "json_writer.h"
#include "routes.h"
#include "url.h"

namespace cardex::server {
namespace {

using index::CardType;

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    auto lower = [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// A Host (or X-Forwarded-Host) value is echoed into Link URLs: accept only characters of
// a host[:port] authority so it cannot break out of the <...> or inject anything.
bool safe_authority(std::string_view host) noexcept {
    if (host.empty() || host.size() > 255) return false;
    for (const char c : host) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' || c == '[' ||
                        c == ']' || c == '_';
        if (!ok) return false;
    }
    return true;
}

struct Collection {
    std::string_view prefix;  // "/api/models"
    CardType type;
};
constexpr Collection kCollections[] = {
    {"/api/models", CardType::Model},
    {"/api/datasets", CardType::Dataset},
    {"/api/spaces", CardType::Space},
};

HttpResponse not_found_route() {
    return error_response(404, "NotFound", "Not Found");
}

HttpResponse route(const HandlerConfig& config, const HttpRequest& request,
                   query::Searcher* searcher, const Error* unavailable) {
    if (request.method != "GET" && request.method != "HEAD") {
        HttpResponse res = error_response(405, "MethodNotAllowed", "Method Not Allowed");
        res.headers.emplace_back("Allow", "GET, HEAD");
        return res;
    }
    const auto [raw_path, raw_query] = split_target(request.target);
    if (raw_path.empty() || raw_path.front() != '/') {
        return error_response(400, "InvalidArgument", "request-target must be a path");
    }
    const auto path = percent_decode(raw_path, false);
    const auto params = QueryParams::parse(raw_query);
    if (!path || !params) {
        return error_response(400, "InvalidArgument", "malformed percent-encoding in URL");
    }
    std::string_view p = *path;

    if (p == "/healthz") return json_response("{\"status\":\"ok\"}");

    const RouteContext ctx{config, request, raw_path, p, *params};
    if (searcher == nullptr) {
        const Error& why = *unavailable;
        // Whatever the cause, "not ready" is a 503 to load balancers.
        HttpResponse res = error_response(why);
        if (p == "/readyz" || res.status < 500) res.status = 503;
        return res;
    }

    if (p == "/readyz") {
        auto info = searcher->info();
        if (!info) {
            HttpResponse res = error_response(info.error());
            res.status = 503;
            return res;
        }
        JsonWriter w;
        w.begin_object()
            .field("status", "ready")
            .field("cards", info->cards)
            .field("revision", info->revision)
            .field("generation", info->generation)
            .end_object();
        return json_response(w.take());
    }
    if (p == "/api/search") return search_endpoint(ctx, *searcher);

    for (const auto& c : kCollections) {
        if (p.substr(0, c.prefix.size()) != c.prefix) continue;
        const std::string_view rest = p.substr(c.prefix.size());
        if (rest.empty() || rest == "/") return hub_list_endpoint(c.type, ctx, *searcher);
        if (rest.front() != '/') break;  // "/api/modelsfoo"
        if (raw_path.substr(0, c.prefix.size() + 1) != p.substr(0, c.prefix.size() + 1)) {
            return not_found_route();  // an encoded collection name: not worth supporting
        }
        // Repo ids contain a slash and are sent unencoded; take the raw remainder so an
        // encoded "%2F" inside a revision stays inside the revision.
        const std::string_view raw_rest = raw_path.substr(c.prefix.size() + 1);
        return hub_info_endpoint(c.type, raw_rest, ctx, *searcher);
    }
    return not_found_route();
}

HttpResponse guarded(const HandlerConfig& config, const HttpRequest& request,
                     query::Searcher* searcher, const Error* unavailable) noexcept {
    try {
        return route(config, request, searcher, unavailable);
    } catch (const std::exception&) {
        // The message of an unexpected exception may carry internals; keep it out of the
        // response. The access log still shows the 500.
    }
    try {
        return error_response(500, "Internal", "Internal Server Error");
    } catch (...) {
        HttpResponse res;  // out of memory: an empty 500 is all we can afford
        res.status = 500;
        return res;
    }
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (iequals(k, name)) return v;
    }
    return {};
}

std::string_view request_header(const HttpRequest& request, std::string_view name) {
    for (const auto& [k, v] : request.headers) {
        if (iequals(k, name)) return v;
    }
    return {};
}

HttpResponse json_response(std::string body) {
    HttpResponse res;
    res.status = 200;
    res.content_type = "application/json; charset=utf-8";
    res.body = std::move(body);
    return res;
}

std::string public_base_url(const RouteContext& ctx) {
    if (!ctx.config.public_base_url.empty()) return ctx.config.public_base_url;
    std::string scheme = "http";
    std::string_view host = ctx.request.host;
    if (ctx.config.trust_forwarded_headers) {
        const std::string_view proto = request_header(ctx.request, "X-Forwarded-Proto");
        if (proto == "https" || proto == "http") scheme = std::string(proto);
        const std::string_view fwd_host = request_header(ctx.request, "X-Forwarded-Host");
        if (safe_authority(fwd_host)) host = fwd_host;
    }
    if (!safe_authority(host)) host = "localhost";
    return scheme + "://" + std::string(host);
}

Handler::Handler(HandlerConfig config) : config_(std::move(config)) {}

HttpResponse Handler::handle(const HttpRequest& request, query::Searcher& searcher) const {
    return guarded(config_, request, &searcher, nullptr);
}

HttpResponse Handler::handle_unavailable(const HttpRequest& request, const Error& why) const {
    return guarded(config_, request, nullptr, &why);
}

}  // namespace cardex::server
