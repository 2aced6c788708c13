// Handler: method check, routing, health endpoints, and the exception barrier.
#include "cardex/server/handler.h"

#include <chrono>
#include <exception>
#include <string>

#include "glam_routes.h"
#include "http_errors.h"
#include "json_writer.h"
#include "metrics.h"
#include "routes.h"
#include "url.h"
#include "web/page.h"

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
    std::string_view list_label;
    std::string_view info_label;
};
constexpr Collection kCollections[] = {
    {"/api/models", CardType::Model, "/api/models", "/api/models/{id}"},
    {"/api/datasets", CardType::Dataset, "/api/datasets", "/api/datasets/{id}"},
    {"/api/spaces", CardType::Space, "/api/spaces", "/api/spaces/{id}"},
};

HttpResponse not_found_route() {
    return not_found_path();
}

bool is_admin_path(std::string_view p) {
    return p == "/api/admin" || p.substr(0, 11) == "/api/admin/";
}

// `label` receives the route template for metrics and the access log.
HttpResponse route(const HandlerConfig& config, const HttpRequest& request,
                   query::Searcher* searcher, const Error* unavailable, const Metrics& metrics,
                   std::string_view& label) {
    const auto [raw_path, raw_query] = split_target(request.target);
    const bool admin_path = is_admin_path(raw_path);
    // Admin endpoints take POST and DELETE, the web sign-in form POST; everything else is
    // read-only.
    const bool post_ok = web::is_web_form_path(raw_path) || is_glam_post_path(raw_path);
    if (!admin_path && !(request.method == "POST" && post_ok) && request.method != "GET" &&
        request.method != "HEAD") {
        HttpResponse res = error_response(405, "MethodNotAllowed", "Method Not Allowed");
        res.headers.emplace_back("Allow", "GET, HEAD");
        return res;
    }
    if (raw_path.empty() || raw_path.front() != '/') {
        return error_response(400, "InvalidArgument", "request-target must be a path");
    }
    const auto path = percent_decode(raw_path, false);
    const auto params = QueryParams::parse(raw_query);
    if (!path || !params) {
        return error_response(400, "InvalidArgument", "malformed percent-encoding in URL");
    }
    std::string_view p = *path;

    if (p == "/healthz") {
        label = "/healthz";
        return json_response("{\"status\":\"ok\"}");
    }

    // Only the header snapshot taken before the body is consulted: a trailer field can
    // never authenticate (the socket layer drops trailers).
    Principal principal;
    const AuthStatus auth =
        authenticate(request_header(request, "Authorization"), config.tokens.get(), principal);
    if (auth == AuthStatus::Invalid) {
        if (!config.unknown_token_is_anonymous || admin_path) return invalid_credentials();
        principal = Principal::anonymous();
    }

    const RouteContext ctx{config, request, raw_path, p, *params, principal};
    if (admin_path) {
        label = "/api/admin";
        return admin_endpoint(ctx);
    }
    if (p == "/openapi.json") {
        label = "/openapi.json";
        return openapi_endpoint();
    }
    if (p == "/metrics") {
        label = "/metrics";
        std::string text;
        metrics.render(text);
        return metrics_endpoint(std::move(text), searcher, config, principal.admin);
    }
    if (searcher == nullptr) {
        const Error& why = *unavailable;
        // Whatever the cause, "not ready" is a 503 to load balancers.
        HttpResponse res = error_response(why);
        if (p == "/readyz" || res.status < 500) res.status = 503;
        return res;
    }

    if (p == "/readyz") {
        label = "/readyz";
        auto info = searcher->info();
        if (!info) {
            HttpResponse res = error_response(info.error());
            res.status = 503;
            return res;
        }
        JsonWriter w;
        w.begin_object().field("status", "ready");
        // Internals only for admins: the card count includes private cards, the revision
        // ticks on private writes, the generation is a path on the server's disk.
        if (principal.admin) {
            w.field("cards", info->cards);
            w.field("revision", info->revision).field("generation", info->generation);
        }
        w.end_object();
        return json_response(w.take());
    }
    if (p == "/api/search") {
        label = "/api/search";
        return search_endpoint(ctx, *searcher);
    }
    if (p == "/api/search/full-text") {
        label = "/api/search/full-text";
        return full_text_endpoint(ctx, *searcher);
    }
    if (p == "/api/suggest") {
        label = "/api/suggest";
        return suggest_endpoint(ctx, *searcher);
    }
    if (p.substr(0, 13) == "/api/similar/" && raw_path.substr(0, 13) == "/api/similar/") {
        label = "/api/similar/{type}/{id}";
        return similar_endpoint(raw_path.substr(13), ctx, *searcher);
    }
    if (p == "/api/models-tags-by-type") {
        label = "/api/models-tags-by-type";
        return tags_by_type_endpoint(CardType::Model, ctx, *searcher);
    }
    if (p == "/api/datasets-tags-by-type") {
        label = "/api/datasets-tags-by-type";
        return tags_by_type_endpoint(CardType::Dataset, ctx, *searcher);
    }
    // OAI-PMH, sitemaps, DOIs, organisations (glam_routes.h).
    std::string glam_label;
    if (auto res = glam_route(ctx, *searcher, glam_label)) {
        res->route = std::move(glam_label);
        return std::move(*res);
    }
    // README.md downloads, before the web UI's card pages take /datasets/... and /spaces/...
    std::string resolve_label;
    if (auto file = resolve_endpoint(ctx, *searcher, resolve_label)) {
        file->route = std::move(resolve_label);
        return std::move(*file);
    }
    // The web UI: /, /search, /{models,datasets,spaces}/{id}, /static/* (server/src/web).
    if (auto page = web::route_web(ctx, *searcher)) return std::move(*page);

    for (const auto& c : kCollections) {
        if (p.substr(0, c.prefix.size()) != c.prefix) continue;
        const std::string_view rest = p.substr(c.prefix.size());
        label = c.list_label;
        if (rest.empty() || rest == "/") return hub_list_endpoint(c.type, ctx, *searcher);
        if (rest.front() != '/') break;  // "/api/modelsfoo"
        if (raw_path.substr(0, c.prefix.size() + 1) != p.substr(0, c.prefix.size() + 1)) {
            return not_found_route();  // an encoded collection name: not worth supporting
        }
        // Repo ids contain a slash and are sent unencoded; take the raw remainder so an
        // encoded "%2F" inside a revision stays inside the revision.
        const std::string_view raw_rest = raw_path.substr(c.prefix.size() + 1);
        label = c.info_label;
        std::string repo_label;
        if (auto cite = citation_route(c.type, raw_rest, ctx, *searcher, repo_label)) {
            cite->route = std::move(repo_label);
            return std::move(*cite);
        }
        HttpResponse res = hub_repo_endpoint(c.type, raw_rest, ctx, *searcher, repo_label);
        res.route = repo_label.empty() ? std::string(c.info_label) : std::move(repo_label);
        return res;
    }
    if (auto org = org_page_route(ctx, *searcher)) return std::move(*org);
    return not_found_route();
}

HttpResponse guarded(const HandlerConfig& config, const HttpRequest& request,
                     query::Searcher* searcher, const Error* unavailable,
                     Metrics& metrics) noexcept {
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    metrics.begin();
    std::string_view label = "other";
    HttpResponse res;
    bool answered = false;
    try {
        res = route(config, request, searcher, unavailable, metrics, label);
        answered = true;
    } catch (const std::exception&) {
        // The message of an unexpected exception may carry internals; keep it out of the
        // response. The access log still shows the 500.
    }
    try {
        if (!answered) res = error_response(500, "Internal", "Internal Server Error");
        if (res.route.empty()) res.route = std::string(label);
        metrics.observe(res.route, res.status,
                        std::chrono::duration<double>(Clock::now() - started).count());
    } catch (...) {
        // Out of memory: an empty 500 is all we can afford, uncounted.
        if (!answered) {
            res = HttpResponse{};
            res.status = 500;
        }
    }
    metrics.end();
    return res;
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

Handler::Handler(HandlerConfig config)
    : config_(std::move(config)), metrics_(std::make_shared<Metrics>()) {}

HttpResponse Handler::handle(const HttpRequest& request,
                             query::Searcher& searcher,
                             const std::atomic<bool>* cancelled,
                             std::optional<std::chrono::steady_clock::time_point> started) const {
    const std::uint64_t retried = searcher.retried();
    query::Budget budget;
    budget.cancelled = cancelled;
    if (config_.request_deadline.count() > 0) {
        budget.deadline = started.value_or(std::chrono::steady_clock::now()) + config_.request_deadline;
    }
    searcher.set_call_budget(budget);
    HttpResponse res = guarded(config_, request, &searcher, nullptr, *metrics_);
    searcher.set_call_budget({});
    metrics_->add_snapshot_retries(searcher.retried() - retried);
    if (res.header("X-Error-Code") == "DeadlineExceeded") metrics_->add_deadline_exceeded();
    return res;
}

HttpResponse Handler::handle_unavailable(const HttpRequest& request, const Error& why) const {
    return guarded(config_, request, nullptr, &why, *metrics_);
}

void Handler::observe(std::string_view route, int status, double seconds) const {
    try {
        metrics_->observe(route, status, seconds);
    } catch (...) {  // counting must never fail a connection
    }
}

HttpResponse repo_not_found(const RouteContext& ctx) {
    return repo_not_found(!ctx.principal.authenticated);
}

}  // namespace cardex::server
