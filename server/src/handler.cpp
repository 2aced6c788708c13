// Handler: method check, routing, health endpoints, and the exception barrier.
#include "cardex/server/handler.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <exception>
#include <optional>
#include <string>

#include "cardex/index/replica.h"
#include "doi_api.h"
#include "glam_routes.h"
#include "http_errors.h"
#include "json_writer.h"
#include "jsonld.h"
#include "metrics.h"
#include "oai.h"
#include "org_api.h"
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

// Who may call a route.
enum class Auth {
    None,    // answered before any token is looked at (/healthz)
    Caller,  // anyone; a token we do not know is a 401 unless it may be anonymous
    Admin,   // a token we do not know is always a 401; the endpoint checks for an admin
};

// What an endpoint gets.
struct Call {
    const RouteContext& ctx;
    query::Searcher* searcher;  // never null for a route that needs the index
    std::string_view raw_rest;  // the raw (still percent-encoded) path after a prefix
    const Metrics& metrics;
};
// nullopt: the path is not this endpoint's after all; the next route is tried.
using Endpoint = std::optional<HttpResponse> (*)(const Call&);

struct Route {
    std::string_view methods;  // space-separated; "*" takes any
    std::string_view pattern;  // the path, or its beginning when `prefix`
    bool prefix;
    Auth auth;
    bool needs_index;        // answered 503 when no index is open
    std::string_view label;  // the route template for metrics, unless the endpoint sets one
    Endpoint endpoint;
};

constexpr bool kPrefix = true, kExact = false;
constexpr std::string_view kRead = "GET HEAD";

// A read replica (cardex follow, index/replica.h) says how far behind its primary it may be.
// It stays ready when its primary is gone: it serves the generation it has, marked stale.
// Lag is the seconds since the last successful sync (which brings every revision the
// primary had), so it grows from 0 to about the follow interval when all is well. Stale:
// the last sync failed, or none succeeded for three intervals and 30 s (cardex follow
// stopped). The primary's address and last error are for admins only.
void write_replica_status(const Call& c, JsonWriter& w) {
    if (c.ctx.config.index_dir.empty()) return;
    auto st = index::read_replica_status(c.ctx.config.index_dir);
    if (!st) return;
    const auto& s = st.value();
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    w.key("replica").begin_object();
    w.key("lag_seconds");
    if (s.last_success > 0) {
        w.value(std::max<std::int64_t>(0, now - s.last_success));
    } else {
        w.null();
    }
    const bool stale =
        s.last_success == 0 || s.failures > 0 || now - s.last_success > 3 * s.interval_seconds + 30;
    w.field("stale", stale).field("last_success", s.last_success);
    w.field("failed_syncs", s.failures);
    w.field("private_cards", "not replicated");
    if (c.ctx.principal.admin) {
        w.field("primary", s.primary).field("master", s.master);
        w.field("revision", s.revision);
        w.field("full_copies", s.full_copies).field("changesets", s.changesets);
        w.field("last_error", s.last_error);
    }
    w.end_object();
}

std::optional<HttpResponse> readyz(const Call& c) {
    auto info = c.searcher->info(c.ctx.principal.admin);
    if (!info) {
        HttpResponse res = error_response(info.error());
        res.status = 503;
        return res;
    }
    JsonWriter w;
    if (!info->warm) {
        // The index opens, but its columns are still being built (server/src/warmer.h):
        // requests now would pay for that, so a balancer should wait.
        w.begin_object().field("status", "warming").end_object();
        HttpResponse res = json_response(w.take());
        res.status = 503;
        return res;
    }
    w.begin_object().field("status", "ready");
    // Internals only for admins: how many private cards there are, the revision, the
    // generation (a path on the server's disk).
    if (c.ctx.principal.admin) {
        w.field("cards", info->cards)
            .field("private_cards", info->private_cards)
            .field("private_namespaces", info->private_namespaces);
        w.field("revision", info->revision).field("generation", info->generation);
    }
    write_replica_status(c, w);
    w.end_object();
    return json_response(w.take());
}

// A Hub collection: the listing, or a repository under it.
template <CardType type>
std::optional<HttpResponse> hub_list(const Call& c) {
    return hub_list_endpoint(type, c.ctx, *c.searcher);
}
template <CardType type>
std::optional<HttpResponse> hub_repo(const Call& c) {
    if (c.raw_rest.empty()) return hub_list_endpoint(type, c.ctx, *c.searcher);
    // Repo ids contain a slash and are sent unencoded; the raw remainder keeps an encoded
    // "%2F" inside a revision inside the revision.
    std::string label;
    if (auto cite = citation_route(type, c.raw_rest, c.ctx, *c.searcher, label)) {
        cite->route = std::move(label);
        return cite;
    }
    HttpResponse res = hub_repo_endpoint(type, c.raw_rest, c.ctx, *c.searcher, label);
    res.route = std::move(label);
    return res;
}

// The web UI's card pages: /{models,datasets,spaces}/{id}.
template <CardType type>
std::optional<HttpResponse> card_page_of(const Call& c) {
    if (c.raw_rest.empty()) return std::nullopt;
    return web::card_page(web::make_page_context(c.ctx), type, c.raw_rest, *c.searcher);
}

// Every route, tried in order: the first whose method and path match answers. A path no
// route takes is a 404; a method no route of the path takes is a 405.
// clang-format off
constexpr Route kRoutes[] = {
    {kRead, "/healthz", kExact, Auth::None, false, "/healthz",
     [](const Call&) -> std::optional<HttpResponse> { return json_response("{\"status\":\"ok\"}"); }},
    {"*", "/api/admin", kExact, Auth::Admin, false, "/api/admin",
     [](const Call& c) -> std::optional<HttpResponse> { return admin_endpoint(c.ctx); }},
    {"*", "/api/admin/", kPrefix, Auth::Admin, false, "/api/admin",
     [](const Call& c) -> std::optional<HttpResponse> { return admin_endpoint(c.ctx); }},
    {kRead, "/openapi.json", kExact, Auth::Caller, false, "/openapi.json",
     [](const Call&) -> std::optional<HttpResponse> { return openapi_endpoint(); }},
    {kRead, "/metrics", kExact, Auth::Caller, false, "/metrics",
     [](const Call& c) -> std::optional<HttpResponse> {
         std::string text;
         c.metrics.render(text);
         return metrics_endpoint(std::move(text), c.searcher, c.ctx.config, c.ctx.principal.admin);
     }},
    {kRead, "/readyz", kExact, Auth::Caller, true, "/readyz", readyz},
    {kRead, "/api/search", kExact, Auth::Caller, true, "/api/search",
     [](const Call& c) -> std::optional<HttpResponse> { return search_endpoint(c.ctx, *c.searcher); }},
    {kRead, "/api/search/full-text", kExact, Auth::Caller, true, "/api/search/full-text",
     [](const Call& c) -> std::optional<HttpResponse> { return full_text_endpoint(c.ctx, *c.searcher); }},
    {kRead, "/api/suggest", kExact, Auth::Caller, true, "/api/suggest",
     [](const Call& c) -> std::optional<HttpResponse> { return suggest_endpoint(c.ctx, *c.searcher); }},
    {kRead, "/api/similar/", kPrefix, Auth::Caller, true, "/api/similar/{type}/{id}",
     [](const Call& c) -> std::optional<HttpResponse> {
         return similar_endpoint(c.raw_rest, c.ctx, *c.searcher);
     }},
    {kRead, "/api/cards/", kPrefix, Auth::Caller, true, "/api/cards/{type}/{id}",
     [](const Call& c) -> std::optional<HttpResponse> {
         return card_endpoint(c.raw_rest, c.ctx, *c.searcher);
     }},
    {kRead, "/api/models-tags-by-type", kExact, Auth::Caller, true, "/api/models-tags-by-type",
     [](const Call& c) -> std::optional<HttpResponse> {
         return tags_by_type_endpoint(CardType::Model, c.ctx, *c.searcher);
     }},
    {kRead, "/api/datasets-tags-by-type", kExact, Auth::Caller, true, "/api/datasets-tags-by-type",
     [](const Call& c) -> std::optional<HttpResponse> {
         return tags_by_type_endpoint(CardType::Dataset, c.ctx, *c.searcher);
     }},
    // For galleries, libraries, archives and museums (docs/GLAM.md): OAI-PMH (which also
    // takes POST), sitemaps, DOI lookups and organisation reports.
    {"GET HEAD POST", "/oai", kExact, Auth::Caller, true, "/oai",
     [](const Call& c) -> std::optional<HttpResponse> { return oai_endpoint(c.ctx, *c.searcher); }},
    {kRead, "/sitemap.xml", kExact, Auth::Caller, true, "/sitemap.xml",
     [](const Call& c) -> std::optional<HttpResponse> { return sitemap_index(c.ctx, *c.searcher); }},
    {kRead, "/sitemaps/", kPrefix, Auth::Caller, true, "/sitemaps/{page}",
     [](const Call& c) -> std::optional<HttpResponse> {
         return sitemap_page(c.ctx.path.substr(10), c.ctx, *c.searcher);
     }},
    {kRead, "/api/doi/", kPrefix, Auth::Caller, true, "/api/doi/{doi}",
     [](const Call& c) -> std::optional<HttpResponse> { return doi_endpoint(c.ctx, *c.searcher); }},
    {kRead, "/doi/", kPrefix, Auth::Caller, true, "/doi/{doi}",
     [](const Call& c) -> std::optional<HttpResponse> { return doi_redirect(c.ctx, *c.searcher); }},
    {kRead, "/api/organizations/", kPrefix, Auth::Caller, true, "/api/organizations/{name}",
     [](const Call& c) -> std::optional<HttpResponse> {
         std::string_view name = c.ctx.path.substr(19);
         if (!name.empty() && name.back() == '/') name.remove_suffix(1);
         return org_endpoint(name, c.ctx, *c.searcher);
     }},
    // README.md downloads, {id}/resolve/{rev}/README.md under any of the prefixes below, so
    // before the card pages take /datasets/... and /spaces/...; the endpoint names the route.
    {kRead, "/", kPrefix, Auth::Caller, true, "",
     [](const Call& c) -> std::optional<HttpResponse> {
         std::string label;
         auto res = resolve_endpoint(c.ctx, *c.searcher, label);
         if (res) res->route = std::move(label);
         return res;
     }},
    // The web UI (server/src/web).
    {kRead, "/static/", kPrefix, Auth::Caller, true, "/static/*",
     [](const Call& c) -> std::optional<HttpResponse> { return web::static_asset(c.ctx.path); }},
    {"GET HEAD POST", "/signin", kExact, Auth::Caller, true, "/signin",
     [](const Call& c) -> std::optional<HttpResponse> {
         return web::signin_page(web::make_page_context(c.ctx));
     }},
    {"GET HEAD POST", "/signout", kExact, Auth::Caller, true, "/signout",
     [](const Call& c) -> std::optional<HttpResponse> {
         return web::signin_page(web::make_page_context(c.ctx));
     }},
    {kRead, "/", kExact, Auth::Caller, true, "/",
     [](const Call& c) -> std::optional<HttpResponse> {
         return web::search_page(web::make_page_context(c.ctx), *c.searcher);
     }},
    {kRead, "/search", kExact, Auth::Caller, true, "/",
     [](const Call& c) -> std::optional<HttpResponse> {
         return web::search_page(web::make_page_context(c.ctx), *c.searcher);
     }},
    {kRead, "/models/", kPrefix, Auth::Caller, true, "/models/{id}", card_page_of<CardType::Model>},
    {kRead, "/datasets/", kPrefix, Auth::Caller, true, "/datasets/{id}", card_page_of<CardType::Dataset>},
    {kRead, "/spaces/", kPrefix, Auth::Caller, true, "/spaces/{id}", card_page_of<CardType::Space>},
    // The Hub's listing and repository API.
    {kRead, "/api/models", kExact, Auth::Caller, true, "/api/models", hub_list<CardType::Model>},
    {kRead, "/api/models/", kPrefix, Auth::Caller, true, "/api/models/{id}", hub_repo<CardType::Model>},
    {kRead, "/api/datasets", kExact, Auth::Caller, true, "/api/datasets", hub_list<CardType::Dataset>},
    {kRead, "/api/datasets/", kPrefix, Auth::Caller, true, "/api/datasets/{id}", hub_repo<CardType::Dataset>},
    {kRead, "/api/spaces", kExact, Auth::Caller, true, "/api/spaces", hub_list<CardType::Space>},
    {kRead, "/api/spaces/", kPrefix, Auth::Caller, true, "/api/spaces/{id}", hub_repo<CardType::Space>},
    // /{organisation}: a one-segment path no route above took.
    {kRead, "/", kPrefix, Auth::Caller, true, "/{organisation}",
     [](const Call& c) -> std::optional<HttpResponse> { return org_page_route(c.ctx, *c.searcher); }},
};
// clang-format on

bool takes_method(const Route& r, std::string_view method) {
    if (r.methods == "*") return true;
    for (std::string_view list = r.methods; !list.empty();) {
        const auto space = list.find(' ');
        if (list.substr(0, space) == method) return true;
        list = space == std::string_view::npos ? std::string_view() : list.substr(space + 1);
    }
    return false;
}

// Whether `r` takes the path: exact, or a prefix of both the decoded and the raw path (an
// encoded prefix is not worth supporting, and the raw remainder is what endpoints parse).
bool takes_path(const Route& r, std::string_view path, std::string_view raw_path) {
    if (!r.prefix) return path == r.pattern;
    return path.starts_with(r.pattern) && raw_path.starts_with(r.pattern);
}

// `label` receives the route template for metrics and the access log.
HttpResponse route(const HandlerConfig& config, const HttpRequest& request,
                   query::Searcher* searcher, const Error* unavailable, const Metrics& metrics,
                   std::string_view& label) {
    // Plain variables, not a structured binding: the lambdas below capture the path (clang
    // 14 cannot capture a binding).
    const auto target = split_target(request.target);
    const std::string_view raw_path = target.first, raw_query = target.second;
    // The method first, on the raw path: GET and HEAD everywhere, others where a route
    // takes them.
    if (request.method != "GET" && request.method != "HEAD" &&
        std::none_of(std::begin(kRoutes), std::end(kRoutes), [&](const Route& r) {
            return takes_path(r, raw_path, raw_path) && takes_method(r, request.method);
        })) {
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
    const std::string_view p = *path;
    auto takes = [&](const Route& r) {
        return takes_path(r, p, raw_path) && takes_method(r, request.method);
    };
    const Route* first = std::find_if(std::begin(kRoutes), std::end(kRoutes), takes);
    if (first == std::end(kRoutes)) first = nullptr;

    // Only the header snapshot taken before the body is consulted: a trailer field can
    // never authenticate (the socket layer drops trailers).
    Principal principal = Principal::anonymous();
    if (first == nullptr || first->auth != Auth::None) {
        const AuthStatus auth =
            authenticate(request_header(request, "Authorization"), config.tokens.get(), principal);
        if (auth == AuthStatus::Invalid) {
            if (!config.unknown_token_is_anonymous || (first && first->auth == Auth::Admin)) {
                return invalid_credentials();
            }
            principal = Principal::anonymous();
        }
    }

    const RouteContext ctx{config, request, raw_path, p, *params, principal};
    for (const Route& r : kRoutes) {
        if (!takes(r)) continue;
        if (r.needs_index && searcher == nullptr) break;
        label = r.label;
        const Call call{
            ctx, searcher, raw_path.substr(r.prefix ? r.pattern.size() : raw_path.size()), metrics};
        if (auto res = r.endpoint(call)) return std::move(*res);
    }
    if (searcher == nullptr) {
        const Error& why = *unavailable;
        // Whatever the cause, "not ready" is a 503 to load balancers.
        HttpResponse res = error_response(why);
        if (p == "/readyz" || res.status < 500) res.status = 503;
        return res;
    }
    label = "other";
    return not_found_path();
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
        if (res.body.size() > config.max_response_bytes) {
            // Refused whole, never cut: a cut JSON or HTML body would look like an answer.
            metrics.add_too_large();
            const std::string route = res.route;
            res = error_response(400,
                                 "ResponseTooLarge",
                                 "the response would be " + std::to_string(res.body.size()) +
                                     " bytes, more than the cap of " +
                                     std::to_string(config.max_response_bytes) +
                                     "; ask for fewer items (limit) or fields (full, "
                                     "cardData, expand)");
            res.route = route;
        }
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
                             std::optional<std::chrono::steady_clock::time_point> started,
                             SearchGate* gate) const {
    const std::uint64_t retried = searcher.retried();
    query::Budget budget;
    budget.cancelled = cancelled;
    if (config_.request_deadline.count() > 0) {
        budget.deadline = started.value_or(std::chrono::steady_clock::now()) + config_.request_deadline;
    }
    // Before the request reads the index it waits as long as `gate` says (up to its
    // deadline, or until its client leaves), and not inside its searches: a search paused
    // there holds its revision of the index, and in the stress test (64 connections, a
    // writer committing every 75 ms) phrase searches paused inside failed "index changed
    // during search too often" (155 re-runs; none paused before they began: 1).
    if (gate != nullptr) {
        while (gate->pause()) {
            if (cancelled != nullptr && cancelled->load()) break;
            if (std::chrono::steady_clock::now() >= budget.deadline) break;
        }
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

void Handler::count_eviction() const noexcept { metrics_->add_evicted(); }

void Handler::count_heavy_held(std::uint64_t pauses) const noexcept {
    metrics_->add_heavy_held(pauses);
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
