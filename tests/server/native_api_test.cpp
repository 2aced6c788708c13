// The native endpoints beyond /api/search: full-text (Hub shape), suggest, similar, the
// Hub's tags-by-type vocabularies, /metrics and /openapi.json, through Handler::handle.
#include <algorithm>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "cardex/index/schema.h"
#include "fixture_index.h"

using namespace cardex;
using test::body_json;
using test::get;

namespace {

std::set<std::string> ids_in(const boost::json::value& arr, const char* key = "id") {
    std::set<std::string> ids;
    for (const auto& h : arr.as_array()) ids.emplace(h.at(key).as_string());
    return ids;
}

}  // namespace

TEST_CASE("full-text search answers in the Hub's shape", "[server][native]") {
    auto res = get("/api/search/full-text?q=danish");
    REQUIRE(res.status == 200);
    auto v = body_json(res);
    CHECK(ids_in(v.at("hits"), "name") == std::set<std::string>{"flair/ner-danish-large"});
    CHECK(v.at("total").as_int64() == 1);
    const auto& hit = v.at("hits").at(0);
    CHECK(hit.at("likes").as_int64() == 10);
    CHECK(hit.at("type").as_string() == "model");
    CHECK(hit.at("snippet").as_string().find("<mark>") != std::string::npos);

    v = body_json(get("/api/search/full-text?q=essays&type=dataset"));
    CHECK(ids_in(v.at("hits"), "name") == std::set<std::string>{"sgoel9/paul_graham_essays"});
    CHECK(body_json(get("/api/search/full-text?q=essays&type=space")).at("total").as_int64() == 0);

    // Pages with limit and skip; past skip 1000 the page is empty and the total unchanged.
    v = body_json(get("/api/search/full-text?limit=2&skip=1"));
    CHECK(v.at("hits").as_array().size() == 2);
    CHECK(v.at("total").as_int64() == 6);
    v = body_json(get("/api/search/full-text?skip=5000"));
    CHECK(v.at("hits").as_array().empty());
    CHECK(v.at("total").as_int64() == 6);

    CHECK(get("/api/search/full-text?type=planet").status == 400);
    CHECK(get("/api/search/full-text?limit=x").status == 400);
    CHECK(get("/api/search/full-text?skip=-1").status == 400);
}

TEST_CASE("suggest completes ids, titles and tags", "[server][native]") {
    auto v = body_json(get("/api/suggest?q=gem"));
    CHECK(ids_in(v.at("ids")).count("google/gemma-2b") == 1);
    std::set<std::string> tags;
    for (const auto& t : v.at("tags").as_array()) tags.emplace(t.at("tag").as_string());
    CHECK(tags.count("license:gemma") == 1);  // matched after the colon
    CHECK(tags.count("gguf") == 0);           // a tag of the card, but not "gem..."
    v = body_json(get("/api/suggest?q=lic"));
    tags.clear();
    for (const auto& t : v.at("tags").as_array()) {
        tags.emplace(t.at("tag").as_string());
        CHECK(t.at("count").as_int64() > 0);
    }
    CHECK(tags.count("license:mit") == 1);
    v = body_json(get("/api/suggest?q=apa"));
    tags.clear();
    for (const auto& t : v.at("tags").as_array()) tags.emplace(t.at("tag").as_string());
    CHECK(tags.count("license:apache-2.0") == 1);

    // Titles: words of the title, the last one a prefix; ids already offered are left out.
    v = body_json(get("/api/suggest?q=paul%20graham%20ess"));
    const auto by_id = ids_in(v.at("ids"));
    const auto by_title = ids_in(v.at("titles"));
    CHECK((by_id.count("sgoel9/paul_graham_essays") + by_title.count("sgoel9/paul_graham_essays")) == 1);
    v = body_json(get("/api/suggest?q=chat%20de"));
    CHECK((ids_in(v.at("ids")).count("acme/chat-demo") + ids_in(v.at("titles")).count("acme/chat-demo")) == 1);

    // Type filter and limit.
    v = body_json(get("/api/suggest?q=g&type=dataset"));
    for (const auto& h : v.at("ids").as_array()) CHECK(h.at("type").as_string() == "dataset");
    v = body_json(get("/api/suggest?q=g&limit=1"));
    CHECK(v.at("ids").as_array().size() <= 1);

    // Query syntax is not syntax here; empty input answers empty lists.
    CHECK(get("/api/suggest?q=%22(*%20AND%20OR").status == 200);
    v = body_json(get("/api/suggest?q=%20"));
    CHECK(v.at("ids").as_array().empty());
    CHECK(get("/api/suggest?q=" + std::string(300, 'a')).status == 400);
    CHECK(get("/api/suggest?q=a&type=planet").status == 400);
}

TEST_CASE("similar cards", "[server][native]") {
    auto res = get("/api/similar/model/google/gemma-2b");
    REQUIRE(res.status == 200);
    auto v = body_json(res);
    CHECK(v.at("id").as_string() == "google/gemma-2b");
    const auto ids = ids_in(v.at("hits"));
    CHECK(ids.count("google/gemma-2b") == 0);  // never the card itself
    CHECK(get("/api/similar/models/google/gemma-2b?limit=1").status == 200);
    CHECK(body_json(get("/api/similar/models/google/gemma-2b?limit=1")).at("hits").as_array().size() <= 1);
    // A missing card answers like the Hub's missing repo (anonymous: 401).
    res = get("/api/similar/model/google/no-such-model");
    CHECK(res.status == 401);
    CHECK(res.header("X-Error-Code") == "RepoNotFound");
    CHECK(get("/api/similar/planet/google/gemma-2b").status == 400);
    CHECK(get("/api/similar/model").status == 404);
}

TEST_CASE("tags-by-type vocabularies use ids that filter", "[server][native]") {
    auto v = body_json(get("/api/models-tags-by-type"));
    const auto& obj = v.as_object();
    for (const char* group : {"pipeline_tag", "library", "language", "license", "dataset"}) {
        CHECK(obj.contains(group));
    }
    std::set<std::string> tasks = ids_in(obj.at("pipeline_tag"));
    CHECK(tasks.count("text-generation") == 1);
    for (const auto& item : obj.at("pipeline_tag").as_array()) {
        if (item.at("id").as_string() == "text-generation") {
            CHECK(item.at("label").as_string() == "Text Generation");
            CHECK(item.at("type").as_string() == "pipeline_tag");
        }
    }
    CHECK(ids_in(obj.at("license")).count("license:apache-2.0") == 1);
    CHECK(ids_in(obj.at("dataset")).count("dataset:bookcorpus") == 1);
    // Every id works as a listing filter and finds something.
    for (const auto& id : ids_in(obj.at("license"))) {
        INFO(id);
        CHECK(get("/api/models?filter=" + id).header("X-Total-Count") != "0");
    }

    v = body_json(get("/api/datasets-tags-by-type"));
    CHECK(ids_in(v.at("task_categories")).count("task_categories:question-answering") == 1);
    CHECK(ids_in(v.at("language")).count("language:en") == 1);
    CHECK(ids_in(v.at("library")).count("library:pandas") == 1);

    v = body_json(get("/api/models-tags-by-type?type=license"));
    CHECK(v.as_object().size() == 1);
    CHECK(get("/api/models-tags-by-type?type=colour").status == 400);
}

TEST_CASE("metrics count requests by route and status", "[server][native][metrics]") {
    const server::Handler handler({});
    auto call = [&](const std::string& target) {
        server::HttpRequest req;
        req.method = "GET";
        req.target = target;
        return handler.handle(req, test::fixture_searcher());
    };
    CHECK(call("/api/models?limit=1").route == "/api/models");
    CHECK(call("/api/models/google/gemma-2b").route == "/api/models/{id}");
    call("/api/models/google/gemma-2b");
    CHECK(call("/api/search?sort=sideways").status == 400);
    CHECK(call("/nope").route == "other");
    handler.observe("other", 431, 0.001);

    const auto res = call("/metrics");
    REQUIRE(res.status == 200);
    CHECK(res.content_type.starts_with("text/plain; version=0.0.4"));
    const std::string& m = res.body;
    INFO(m);
    CHECK(m.find("cardex_http_requests_total{route=\"/api/models\",status=\"200\"} 1\n") !=
          std::string::npos);
    CHECK(m.find("cardex_http_requests_total{route=\"/api/models/{id}\",status=\"200\"} 2\n") !=
          std::string::npos);
    CHECK(m.find("cardex_http_requests_total{route=\"/api/search\",status=\"400\"} 1\n") !=
          std::string::npos);
    CHECK(m.find("cardex_http_requests_total{route=\"other\",status=\"404\"} 1\n") !=
          std::string::npos);
    CHECK(m.find("cardex_http_requests_total{route=\"other\",status=\"431\"} 1\n") !=
          std::string::npos);
    CHECK(m.find("cardex_http_request_duration_seconds_bucket{route=\"/api/models/{id}\",le=\"+Inf\"} 2\n") !=
          std::string::npos);
    CHECK(m.find("cardex_http_request_duration_seconds_count{route=\"/api/models/{id}\"} 2\n") !=
          std::string::npos);
    // The /metrics request itself is in flight while it renders.
    CHECK(m.find("\ncardex_http_requests_in_flight 1\n") != std::string::npos);
    CHECK(m.find("\ncardex_index_up 1\n") != std::string::npos);
    // The revision ticks on private writes: admins only.
    CHECK(m.find("\ncardex_index_revision ") == std::string::npos);
    CHECK(m.find("\ncardex_index_cards 6\n") != std::string::npos);
    // The limits every request runs under.
    CHECK(m.find("\ncardex_limit_request_deadline_seconds 2") != std::string::npos);
    CHECK(m.find("\ncardex_limit_query_words 64") != std::string::npos);
    CHECK(m.find("\ncardex_request_deadline_exceeded_total 0\n") != std::string::npos);
    server::HandlerConfig admin_config;
    admin_config.tokens = test::fixture_tokens();
    const auto admin = test::request("GET", "/metrics", std::string(test::kAdminToken), admin_config);
    CHECK(admin.body.find("\ncardex_index_revision ") != std::string::npos);

    // Without an index: the request metrics, and the index reported down.
    server::HttpRequest req;
    req.method = "GET";
    req.target = "/metrics";
    const auto down = handler.handle_unavailable(req, make_error(Errc::NotFound, "no index"));
    CHECK(down.status == 200);
    CHECK(down.body.find("\ncardex_index_up 0\n") != std::string::npos);
}

TEST_CASE("the OpenAPI document is served and matches the routes", "[server][native][openapi]") {
    const auto res = get("/openapi.json");
    REQUIRE(res.status == 200);
    const auto doc = body_json(res);
    CHECK(doc.at("openapi").as_string().starts_with("3."));
    const auto& paths = doc.at("paths").as_object();
    for (const char* p : {"/api/search",
                          "/api/search/full-text",
                          "/api/suggest",
                          "/api/similar/{type}/{id}",
                          "/api/cards/{type}/{id}",
                          "/metrics",
                          "/openapi.json",
                          "/api/admin/cards",
                          "/api/admin/reindex",
                          "/oai",
                          "/sitemap.xml",
                          "/sitemaps/{page}",
                          "/api/doi/{doi}",
                          "/doi/{doi}",
                          "/api/organizations/{name}",
                          "/api/models/{id}/citation",
                          "/api/datasets/{id}/citation",
                          "/api/spaces/{id}/citation",
                          "/{organisation}"}) {
        INFO(p);
        CHECK(paths.contains(p));
    }
    // Every facet /api/search filters on is a documented parameter (ARCHITECTURE.md, "How
    // to add a facet").
    std::vector<std::string> params;
    for (const auto& param : paths.at("/api/search").at("get").at("parameters").as_array()) {
        params.emplace_back(param.at("name").as_string());
    }
    for (const auto& info : index::kFacets) {
        INFO(info.name);
        if (info.fold_case) CHECK(std::count(params.begin(), params.end(), info.name) == 1);
    }
    // Every documented GET path exists (a 404 would be the router's "no such route").
    for (const auto& [path, item] : paths) {
        if (!item.as_object().contains("get")) continue;
        std::string target(path);
        if (target.find('{') != std::string::npos) {
            target = "/api/similar/model/google/gemma-2b";
        }
        if (target == "/api/suggest") target += "?q=a";
        INFO(target);
        const auto r = get(target);
        CHECK(r.status != 404);
        CHECK(r.status != 405);
    }
}
