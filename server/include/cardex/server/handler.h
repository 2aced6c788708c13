#pragma once
// cardex::server::Handler — the HTTP API as a pure function from a request to a response.
//
// No sockets here: the Beast server (server.h) parses a request into an HttpRequest, calls
// Handler::handle with the calling thread's Searcher, and writes the HttpResponse back.
// Tests call handle() directly.
//
// Endpoints (one table of method, path, access and handler in src/handler.cpp; GET and
// HEAD only, but for /api/admin/* and the web sign-in form; anything else is 405):
//   /healthz                          200 {"status":"ok"} while the process runs
//   /readyz                           200 when the index opens, 503 otherwise
//   /metrics                          Prometheus text: requests, latency, in-flight, index
//   /openapi.json                     the OpenAPI document of the native API
//   /api/search                       cardex's own search: totals, facets, snippets, cursor
//   /api/search/full-text             the Hub's full-text search shape (hits[].name)
//   /api/suggest?q=                   typeahead over ids, titles and tags
//   /api/similar/{type}/{id}          cards like one card
//   /api/models|datasets|spaces       Hugging Face Hub listing API (bare arrays, Link paging)
//   /api/models|datasets|spaces/{id}  Hub repo info, also .../revision/{rev}
//   /api/models-tags-by-type, /api/datasets-tags-by-type   the Hub's facet vocabularies
//   /api/admin/...                    upsert, delete, reindex (admin token; see admin.h)
// Errors are JSON {"error": ...} with X-Error-Code / X-Error-Message headers, Hub style.
//
// Access control (auth.h): an `Authorization: Bearer` token is looked up in
// HandlerConfig::tokens; a header that names no configured token is a 401 everywhere but
// /healthz. Private cards are visible only to tokens of their namespace and to admins; to
// everyone else they do not exist (lists, totals, facets, suggestions, similar, repo info).
// A missing or invisible repo is 401 RepoNotFound without a token, 404 with one (the Hub's
// rule), the same bytes either way.
//
// Thread-safety: a Handler is immutable after construction but for its metrics, which are
// synchronized; share one across all threads. The Searcher passed to handle() is used only
// for the duration of the call and must not be used by another thread meanwhile (Xapian
// objects are not thread-safe): one per thread.
// Cost: one to three Searcher calls per request plus JSON rendering, linear in the page
// size; /metrics and the tags-by-type endpoints count over every visible card.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cardex/index/result.h"
#include "cardex/query/searcher.h"
#include "cardex/server/admin.h"
#include "cardex/server/auth.h"
#include "cardex/server/http.h"

namespace cardex::server {

struct HandlerConfig {
    /// Public base URL for absolute Link URLs, e.g. "https://search.example.org" (no trailing
    /// slash). Empty: "http://" + the request's Host.
    std::string public_base_url;
    /// Build Link URLs from X-Forwarded-Proto / X-Forwarded-Host when present. Only turn this
    /// on behind a proxy that sets them; otherwise a client could choose the URL we echo.
    bool trust_forwarded_headers = false;
    /// Hub listing page size when `limit` is absent, without and with full/cardData
    /// (docs/HUB-API.md §7). Every `limit` is clamped to query::kMaxLimit.
    std::size_t hub_default_limit = 1000;
    std::size_t hub_default_limit_full = 100;
    /// /api/search page size when `limit` is absent.
    std::size_t search_default_limit = 20;
    /// The popularity prior's weight in relevance ranking when a request does not give
    /// `prior` (`cardex serve --prior`; 0 to query::kMaxPriorWeight).
    double prior_weight = query::kDefaultPriorWeight;
    /// Cards a quoted phrase of common words is checked on before its total becomes a lower
    /// bound (query::SearchRequest::phrase_check_limit; `cardex serve --phrase-check-limit`;
    /// 0: always exact). A request's `exact_total=1` makes its own total exact.
    std::size_t phrase_check_limit = query::SearchRequest{}.phrase_check_limit;
    /// Most values per facet a client may ask for (`facet_limit`).
    std::size_t max_facet_values = 100;
    /// How long one request may compute: every search it makes stops when this runs out
    /// and the request answers 503 DeadlineExceeded (query::Budget). Zero: no deadline.
    std::chrono::milliseconds request_deadline{2000};
    /// The largest response body the handler returns (README, "Limits"). A bigger one is
    /// replaced by a 400 `ResponseTooLarge` that says by how much: no real card set comes
    /// near it (the 100 largest real cards are 9 MB with their metadata), a hostile one can.
    std::size_t max_response_bytes = std::size_t{32} << 20;

    /// Bearer tokens and what they may read (auth.h). Null: no tokens, every request is
    /// anonymous and any presented token is a 401.
    std::shared_ptr<const TokenStore> tokens;
    /// Treat a token we do not know as anonymous instead of answering 401. For clients
    /// that send a Hub token everywhere (huggingface_hub reads ~/.cache/huggingface/token).
    bool unknown_token_is_anonymous = false;
    /// The contact OAI-PMH's Identify names (the protocol requires one); set it to a real
    /// address with `cardex serve --admin-email`.
    std::string oai_admin_email = "cardex-admin@example.org";
    /// Called by the admin endpoints (admin.h). Empty: they answer 501.
    AdminBackend admin;
    /// The index directory, for /readyz's replication status when it is a read replica
    /// (index/replica.h). serve() sets it from ServeOptions::index_dir.
    std::string index_dir;
};

class Metrics;

/// Asked before a search reads the index whether it should wait for other work first
/// (the server's CoreGate, server/src/workers.h, holds phrase searches while they flood).
/// Asked before, never during: a search paused midway holds its revision of the index while
/// a writer commits, and in the stress test such searches failed "index changed during
/// search too often".
class SearchGate {
  public:
    virtual ~SearchGate() = default;
    /// Waits a short slice and returns true while the search should wait on (the caller
    /// then checks its deadline and client, and asks again); false once it may begin. Must
    /// not throw; called from several threads at once.
    virtual bool pause() noexcept = 0;
};

class Handler {
public:
    explicit Handler(HandlerConfig config);

    /// Answers one request. Never throws: an unexpected exception becomes a 500. Every search
    /// it makes stops at the request deadline (HandlerConfig::request_deadline, counted from
    /// `started`, default now) or when `cancelled` (not owned; may be set from another thread,
    /// e.g. when the client disconnects) becomes true. With a `gate` (not owned), it first waits
    /// as long as the gate says, or until the deadline or `cancelled`.
    HttpResponse handle(const HttpRequest& request,
                        query::Searcher& searcher,
                        const std::atomic<bool>* cancelled = nullptr,
                        std::optional<std::chrono::steady_clock::time_point> started = {},
                        SearchGate* gate = nullptr) const;

    /// Answers when no Searcher could be opened (`why` says why): /healthz still answers
    /// 200, /readyz and every API endpoint 503 (or the status `why` maps to). Never throws.
    HttpResponse handle_unavailable(const HttpRequest& request, const Error& why) const;

    /// Counts a request the socket layer answered itself (413, 431, framing errors), so
    /// /metrics sees every response.
    void observe(std::string_view route, int status, double seconds) const;

    /// Counts a connection closed to make room at the connection cap (the listener's
    /// eviction), for /metrics. Thread-safe, constant time.
    void count_eviction() const noexcept;
    /// Counts a heavy search that paused `pauses` times for plain ones (the server's core
    /// sharing), for /metrics. Thread-safe, constant time.
    void count_heavy_held(std::uint64_t pauses) const noexcept;

    const HandlerConfig& config() const noexcept { return config_; }

private:
    HandlerConfig config_;
    std::shared_ptr<Metrics> metrics_;
};

}  // namespace cardex::server
