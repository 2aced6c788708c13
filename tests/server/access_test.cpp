// Access control over every endpoint: anonymous, a token of another namespace, a token of
// the private card's namespace ("acme"), and an admin token; plus the tokens file and the
// admin endpoints with a fake backend.
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cardex/server/auth.h"
#include "fixture_index.h"

using namespace cardex;
using test::body_json;
using test::request;

namespace {

constexpr const char* kPrivateId = "acme/secret-model";
constexpr const char* kPrivateText = "A private model nobody else may see.";

struct Caller {
    const char* name;
    std::string token;
    bool sees_private;
};

std::vector<Caller> callers() {
    return {{"anonymous", "", false},
            {"wrong namespace", std::string(test::kOtherToken), false},
            {"right namespace", std::string(test::kAcmeToken), true},
            {"admin", std::string(test::kAdminToken), true}};
}

server::HandlerConfig config_with_tokens() {
    server::HandlerConfig config;
    config.tokens = test::fixture_tokens();
    return config;
}

bool mentions_private(const server::HttpResponse& res) {
    return res.body.find(kPrivateId) != std::string::npos ||
           res.body.find("secret-model") != std::string::npos ||
           res.body.find(kPrivateText) != std::string::npos ||
           res.body.find("secretlib") != std::string::npos ||
           res.body.find("secret-base") != std::string::npos;
}

std::uint64_t facet_count(const boost::json::value& v, const char* facet, const char* value) {
    const auto& facets = v.at("facets").as_object();
    if (!facets.contains(facet)) return 0;
    for (const auto& fv : facets.at(facet).as_array()) {
        if (fv.at("value").as_string() == value) return fv.at("count").to_number<std::uint64_t>();
    }
    return 0;
}

}  // namespace

TEST_CASE("the tokens file format", "[server][auth]") {
    auto store = server::TokenStore::parse(
        "# comment\n\nreader-token-1\tacme, other\r\nadmin-token-1  *admin*\n");
    REQUIRE(store);
    CHECK(store->size() == 2);
    const server::Principal* reader = store->lookup("reader-token-1");
    REQUIRE(reader != nullptr);
    CHECK(reader->authenticated);
    CHECK_FALSE(reader->admin);
    CHECK(reader->namespaces == std::vector<std::string>{"acme", "other"});
    const server::Principal* admin = store->lookup("admin-token-1");
    REQUIRE(admin != nullptr);
    CHECK(admin->admin);
    CHECK(store->lookup("reader-token-2") == nullptr);
    CHECK(store->lookup("reader-token-") == nullptr);
    CHECK(store->lookup("") == nullptr);

    // Malformed lines are refused with their line number and never the token.
    auto bad = server::TokenStore::parse("ok-token-123\tacme\nshort\tacme\n");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().detail == "line 2");
    CHECK(bad.error().message.find("short") == std::string::npos);
    CHECK_FALSE(server::TokenStore::parse("lonely-token-1\n"));
    CHECK_FALSE(server::TokenStore::parse("dup-token-123 acme\ndup-token-123 other\n"));
    CHECK_FALSE(server::TokenStore::parse("token-with-ns a/b\n"));
    CHECK(server::TokenStore::load("/nonexistent/tokens").error().code == Errc::NotFound);
}

TEST_CASE("Authorization headers", "[server][auth]") {
    const auto tokens = test::fixture_tokens();
    server::Principal p;
    using server::AuthStatus;
    CHECK(server::authenticate("", tokens.get(), p) == AuthStatus::Anonymous);
    CHECK(server::authenticate("Bearer acme-reader-token", tokens.get(), p) == AuthStatus::Valid);
    CHECK(p.namespaces == std::vector<std::string>{"acme"});
    CHECK(server::authenticate("bearer   acme-reader-token ", tokens.get(), p) ==
          AuthStatus::Valid);
    CHECK(server::authenticate("Bearer nope-nope-nope", tokens.get(), p) == AuthStatus::Invalid);
    CHECK(server::authenticate("Basic YWxhZGRpbjpvcGVu", tokens.get(), p) == AuthStatus::Invalid);
    CHECK(server::authenticate("Bearer ", tokens.get(), p) == AuthStatus::Invalid);
    CHECK(server::authenticate("Bearer acme-reader-token", nullptr, p) == AuthStatus::Invalid);
}

TEST_CASE("an unknown token is a 401 everywhere but healthz", "[server][auth]") {
    const auto config = config_with_tokens();
    for (const char* target :
         {"/api/search", "/api/models", "/api/models/google/gemma-2b", "/api/suggest?q=ge",
          "/api/similar/model/google/gemma-2b", "/api/search/full-text?q=gemma",
          "/api/models-tags-by-type", "/api/datasets-tags-by-type", "/readyz", "/metrics",
          "/openapi.json", "/api/admin/reindex"}) {
        INFO(target);
        const auto res = request("GET", target, "not-a-known-token", config);
        CHECK(res.status == 401);
        CHECK(res.header("WWW-Authenticate") == "Bearer");
        CHECK(res.header("X-Error-Message") == "Invalid credentials in Authorization header");
        CHECK(res.body.find("not-a-known-token") == std::string::npos);
    }
    CHECK(request("GET", "/healthz", "not-a-known-token", config).status == 200);

    // Opt-in leniency for clients that send their Hub token everywhere.
    auto lenient = config;
    lenient.unknown_token_is_anonymous = true;
    const auto res = request("GET", "/api/search?q=private", "not-a-known-token", lenient);
    CHECK(res.status == 200);
    CHECK_FALSE(mentions_private(res));
    CHECK(request("POST", "/api/admin/reindex", "not-a-known-token", lenient).status == 401);
}

TEST_CASE("private cards are visible only to their namespace and admins", "[server][auth]") {
    const auto config = config_with_tokens();
    for (const auto& c : callers()) {
        INFO(c.name);
        auto get = [&](const std::string& target) {
            INFO(target);
            auto res = request("GET", target, c.token, config);
            return res;
        };

        // Native search: hits, totals and facet counts.
        auto res = get("/api/search?q=private");
        REQUIRE(res.status == 200);
        CHECK(mentions_private(res) == c.sees_private);
        auto v = body_json(get("/api/search?type=model&facets=task,library,base_model"));
        CHECK(v.at("total").as_int64() == (c.sees_private ? 5 : 4));
        CHECK(facet_count(v, "task", "text-generation") == (c.sees_private ? 3u : 2u));
        CHECK(facet_count(v, "library", "secretlib") == (c.sees_private ? 1u : 0u));
        CHECK(facet_count(v, "base_model", "acme/secret-base") == (c.sees_private ? 1u : 0u));
        CHECK(mentions_private(get("/api/search?q=secretlib")) == c.sees_private);
        CHECK(mentions_private(get("/api/search?facets=library&facet_limit=100")) ==
              c.sees_private);

        // Hub listings: items and X-Total-Count.
        res = get("/api/models");
        REQUIRE(res.status == 200);
        CHECK(mentions_private(res) == c.sees_private);
        CHECK(res.header("X-Total-Count") == (c.sees_private ? "5" : "4"));
        CHECK(mentions_private(get("/api/models?search=secret")) == c.sees_private);
        CHECK(mentions_private(get("/api/models?author=acme&full=true")) == c.sees_private);
        CHECK(mentions_private(get("/api/models?library=secretlib")) == c.sees_private);

        // Repo info: 200 for those who may see it; otherwise exactly a missing repo's answer.
        res = get("/api/models/acme/secret-model");
        const auto missing = get("/api/models/acme/no-such-model");
        CHECK(missing.status == (c.token.empty() ? 401 : 404));
        if (c.sees_private) {
            CHECK(res.status == 200);
            CHECK(body_json(res).at("private").as_bool());
        } else {
            CHECK(res.status == missing.status);
            CHECK(res.body == missing.body);
            CHECK(res.headers == missing.headers);
            CHECK(get("/api/models/acme/secret-model/revision/main").body == missing.body);
        }

        // Full-text, suggestions, similar cards.
        res = get("/api/search/full-text?q=private");
        REQUIRE(res.status == 200);
        CHECK(mentions_private(res) == c.sees_private);
        res = get("/api/suggest?q=secr");
        REQUIRE(res.status == 200);
        CHECK(mentions_private(res) == c.sees_private);
        CHECK(mentions_private(get("/api/suggest?q=acme")) == c.sees_private);
        res = get("/api/similar/model/acme/secret-model");
        if (c.sees_private) {
            CHECK(res.status == 200);
        } else {
            CHECK(res.status == missing.status);
            CHECK(res.body == missing.body);
        }
        res = get("/api/similar/model/google/gemma-2b?limit=100");
        REQUIRE(res.status == 200);
        if (!c.sees_private) CHECK_FALSE(mentions_private(res));

        // Vocabularies built from facet counts.
        CHECK(mentions_private(get("/api/models-tags-by-type")) == c.sees_private);
        CHECK_FALSE(mentions_private(get("/api/datasets-tags-by-type")));

        // Operations: no card data, and no private count for anyone but admins.
        res = get("/metrics");
        REQUIRE(res.status == 200);
        CHECK(res.body.find("\ncardex_index_cards 6\n") != std::string::npos);
        v = body_json(get("/readyz"));
        CHECK(v.as_object().contains("cards") == (c.token == test::kAdminToken));
        CHECK_FALSE(mentions_private(get("/openapi.json")));
        CHECK(get("/healthz").status == 200);

        // The web pages (server/src/web) follow the same rule.
        if (!c.sees_private) {
            CHECK(get("/models/acme/secret-model").body.find(kPrivateText) == std::string::npos);
            CHECK(get("/search?q=private").body.find(kPrivateText) == std::string::npos);
        }
    }
}

TEST_CASE("admin endpoints need an admin token", "[server][auth][admin]") {
    auto config = config_with_tokens();
    std::vector<server::AdminRequest> calls;
    config.admin = [&](const server::AdminRequest& req) -> Result<server::AdminResult> {
        calls.push_back(req);
        server::AdminResult r;
        r.revision = 42;
        if (req.op == server::AdminOp::Upsert) {
            r.upserted = 1;
            r.rejected.push_back({"line 2", "bad-json", "not JSON"});
        }
        if (req.op == server::AdminOp::Delete) r.deleted = req.keys.size();
        if (req.op == server::AdminOp::Reindex) r.reindex_running = true;
        return r;
    };
    struct Call {
        const char* method;
        const char* target;
        const char* body;
    };
    const Call admin_calls[] = {
        {"POST", "/api/admin/cards", "{\"id\":\"acme/x\",\"type\":\"model\"}\n"},
        {"DELETE", "/api/admin/cards/model/acme/secret-model", ""},
        {"POST", "/api/admin/delete", "{\"type\":\"model\",\"id\":\"acme/x\"}\n"},
        {"POST", "/api/admin/reindex", ""},
        {"GET", "/api/admin/reindex", ""},
    };
    for (const auto& call : admin_calls) {
        INFO(call.method << " " << call.target);
        auto res = request(call.method, call.target, "", config, call.body);
        CHECK(res.status == 401);
        CHECK(res.header("WWW-Authenticate") == "Bearer");
        CHECK(request(call.method, call.target, std::string(test::kAcmeToken), config, call.body)
                  .status == 403);
        CHECK(request(call.method, call.target, std::string(test::kOtherToken), config, call.body)
                  .status == 403);
        CHECK(calls.empty());
        res = request(call.method, call.target, std::string(test::kAdminToken), config, call.body);
        CHECK((res.status == 200 || res.status == 202));
        CHECK(body_json(res).at("revision").as_int64() == 42);
        CHECK(calls.size() == 1);
        calls.clear();
    }

    const std::string admin(test::kAdminToken);
    auto res = request("POST", "/api/admin/cards", admin, config, "{\"id\":\"a/b\"}\n");
    const auto v = body_json(res);
    CHECK(v.at("upserted").as_int64() == 1);
    CHECK(v.at("rejected").at(0).at("where").as_string() == "line 2");
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].op == server::AdminOp::Upsert);
    CHECK(calls[0].body == "{\"id\":\"a/b\"}\n");
    calls.clear();

    // Ids with a slash, the type from the path; a body of keys.
    res = request("DELETE", "/api/admin/cards/dataset/sgoel9/paul_graham_essays", admin, config);
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].keys.at(0).type == index::CardType::Dataset);
    CHECK(calls[0].keys.at(0).id == "sgoel9/paul_graham_essays");
    calls.clear();
    request("POST", "/api/admin/delete", admin, config,
            "{\"type\":\"space\",\"id\":\"acme/chat-demo\"}\n\n{\"id\":\"google/gemma-2b\"}\n");
    REQUIRE(calls.size() == 1);
    REQUIRE(calls[0].keys.size() == 2);
    CHECK(calls[0].keys[0].type == index::CardType::Space);
    CHECK(calls[0].keys[1].type == index::CardType::Model);
    calls.clear();

    // Bad requests never reach the backend.
    CHECK(request("POST", "/api/admin/cards", admin, config, "  \n").status == 400);
    CHECK(request("POST", "/api/admin/delete", admin, config, "[1,2]").status == 400);
    CHECK(request("DELETE", "/api/admin/cards/planet/x", admin, config).status == 400);
    CHECK(request("GET", "/api/admin/cards", admin, config).status == 405);
    CHECK(request("GET", "/api/admin/nope", admin, config).status == 404);
    CHECK(calls.empty());

    // Backend errors map through the Errc table; no backend is a 501.
    config.admin = [](const server::AdminRequest&) -> Result<server::AdminResult> {
        return make_error(Errc::Unavailable, "index is locked by another writer");
    };
    CHECK(request("POST", "/api/admin/reindex", admin, config).status == 503);
    config.admin = nullptr;
    CHECK(request("POST", "/api/admin/reindex", admin, config).status == 501);

    // Writes elsewhere are still refused.
    CHECK(request("POST", "/api/models", admin, config).status == 405);
    CHECK(request("DELETE", "/api/models/google/gemma-2b", admin, config).status == 405);
}
