// /healthz, /readyz, routing, and cardex's own /api/search, through Handler::handle.
#include <algorithm>
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "fixture_index.h"
#include "url.h"

using namespace cardex;
using cardex::test::body_json;
using cardex::test::get;

namespace {

std::set<std::string> hit_ids(const boost::json::value& v) {
    std::set<std::string> ids;
    for (const auto& h : v.at("hits").as_array()) ids.emplace(h.at("id").as_string());
    return ids;
}

}  // namespace

TEST_CASE("healthz and readyz answer", "[server][health]") {
    auto res = get("/healthz");
    CHECK(res.status == 200);
    CHECK(res.body == R"({"status":"ok"})");
    CHECK(res.content_type == "application/json; charset=utf-8");

    res = get("/readyz");
    CHECK(res.status == 200);
    // Internals (how many private cards exist, the revision, the generation: a server
    // path): admins only.
    CHECK(res.body == R"({"status":"ready"})");
    server::HandlerConfig config;
    config.tokens = test::fixture_tokens();
    res = test::request("GET", "/readyz", std::string(test::kAdminToken), config);
    CHECK(body_json(res).at("cards").as_int64() == 6);  // public; the private model apart
    CHECK(body_json(res).at("private_cards").as_int64() == 1);
    CHECK(body_json(res).at("private_namespaces").as_int64() == 1);
    CHECK(body_json(res).as_object().contains("generation"));
}

TEST_CASE("without an index only healthz is 200", "[server][health]") {
    const server::Handler handler({});
    server::HttpRequest req;
    req.method = "GET";
    const Error why = make_error(Errc::NotFound, "no index at /nope");
    req.target = "/healthz";
    CHECK(handler.handle_unavailable(req, why).status == 200);
    req.target = "/readyz";
    CHECK(handler.handle_unavailable(req, why).status == 503);
    req.target = "/api/models";
    CHECK(handler.handle_unavailable(req, why).status == 503);
}

TEST_CASE("only GET and HEAD are served", "[server][routing]") {
    const server::Handler handler({});
    server::HttpRequest req;
    req.method = "POST";
    req.target = "/api/search?q=bert";
    const auto res = handler.handle(req, test::fixture_searcher());
    CHECK(res.status == 405);
    CHECK(res.header("Allow") == "GET, HEAD");
    req.method = "HEAD";
    CHECK(handler.handle(req, test::fixture_searcher()).status == 200);
}

TEST_CASE("unknown routes and malformed targets", "[server][routing]") {
    CHECK(get("/nope").status == 404);
    CHECK(get("/api/modelsx").status == 404);
    CHECK(get("/api/search?q=%zz").status == 400);
    CHECK(get("*").status == 400);
    CHECK(get("http://evil.example/api/models").status == 400);
}

TEST_CASE("search finds cards by text and reports totals", "[server][search]") {
    const auto res = get("/api/search?q=danish");
    REQUIRE(res.status == 200);
    const auto v = body_json(res);
    CHECK(v.at("total").as_int64() == 1);
    const auto& hit = v.at("hits").at(0);
    CHECK(hit.at("id").as_string() == "flair/ner-danish-large");
    CHECK(hit.at("type").as_string() == "model");
    CHECK(hit.at("task").as_string() == "token-classification");
    CHECK(hit.at("license").as_string() == "mit");
    CHECK(hit.at("languages").at(0).as_string() == "da");
    CHECK(hit.at("author").as_string() == "flair");
    CHECK(hit.at("gated").as_bool() == false);
    CHECK(hit.as_object().contains("snippet"));
    CHECK(hit.as_object().contains("score"));
    CHECK(hit.as_object().contains("description"));
    CHECK(v.as_object().contains("took_ms"));
    CHECK(v.at("next_cursor").is_null());
    // The fixture's cards were made by hand, never assessed: no score rather than a 0.
    CHECK(hit.at("quality").is_null());
}

TEST_CASE("quality sorts and filters are accepted, unknown sorts name them", "[server][search]") {
    const auto bad = get("/api/search?sort=best");
    CHECK(bad.status == 400);
    CHECK(bad.body.find("quality") != std::string::npos);
    // No card of the fixture was assessed: sorting by quality keeps every card, filtering on
    // a band finds none.
    const auto all = body_json(get("/api/search?sort=quality"));
    CHECK(all.at("total").as_int64() == body_json(get("/api/search")).at("total").as_int64());
    CHECK(body_json(get("/api/search?quality=low")).at("total").as_int64() == 0);
}

TEST_CASE("search never shows private cards to anonymous callers", "[server][search]") {
    const auto v = body_json(get("/api/search?q=private"));
    CHECK(hit_ids(v).count("acme/secret-model") == 0);
    const auto all = body_json(get("/api/search?limit=100"));
    CHECK(hit_ids(all).count("acme/secret-model") == 0);
    CHECK(all.at("total").as_int64() == 6);
}

TEST_CASE("facet values of one facet are OR-ed, a leading - or ! excludes", "[server][search]") {
    auto ids = hit_ids(body_json(get("/api/search?language=de&language=fr")));
    CHECK(ids == std::set<std::string>{"meta-llama/Llama-3.1-8B-Instruct", "google/gemma-2b"});
    ids = hit_ids(body_json(get("/api/search?language=da,de")));
    CHECK(ids.size() == 3);
    ids = hit_ids(body_json(get("/api/search?type=model&license=-mit,!gemma")));
    CHECK(ids == std::set<std::string>{"google-bert/bert-base-uncased",
                                       "meta-llama/Llama-3.1-8B-Instruct"});
    ids = hit_ids(body_json(get("/api/search?type=datasets")));
    CHECK(ids == std::set<std::string>{"sgoel9/paul_graham_essays"});
    ids = hit_ids(body_json(get("/api/search?gated=true")));
    CHECK(ids == std::set<std::string>{"meta-llama/Llama-3.1-8B-Instruct", "google/gemma-2b"});
    ids = hit_ids(body_json(get("/api/search?pipeline_tag=text-generation&author=google")));
    CHECK(ids == std::set<std::string>{"google/gemma-2b"});
}

TEST_CASE("ranges filter numbers and ISO dates", "[server][search]") {
    auto ids = hit_ids(body_json(get("/api/search?downloads_min=200000")));
    CHECK(ids == std::set<std::string>{"google-bert/bert-base-uncased",
                                       "meta-llama/Llama-3.1-8B-Instruct", "google/gemma-2b"});
    ids = hit_ids(body_json(get("/api/search?likes_min=10&likes_max=1000")));
    CHECK(ids == std::set<std::string>{"flair/ner-danish-large", "google/gemma-2b",
                                       "acme/chat-demo"});
    ids = hit_ids(body_json(get("/api/search?created_after=2024-01-01&created_before=2024-07-01")));
    CHECK(ids == std::set<std::string>{"google/gemma-2b", "sgoel9/paul_graham_essays"});

    const auto bad = get("/api/search?created_after=last-week");
    CHECK(bad.status == 400);
    CHECK(bad.header("X-Error-Code") == "InvalidArgument");
    CHECK(body_json(bad).at("error").as_string().size() > 0);
    CHECK(get("/api/search?downloads_min=lots").status == 400);
}

TEST_CASE("search sorts, pages and counts facets", "[server][search]") {
    auto v = body_json(get("/api/search?sort=downloads&limit=2"));
    REQUIRE(v.at("hits").as_array().size() == 2);
    CHECK(v.at("hits").at(0).at("id").as_string() == "meta-llama/Llama-3.1-8B-Instruct");
    CHECK(v.at("hits").at(1).at("id").as_string() == "google-bert/bert-base-uncased");
    CHECK(v.at("total").as_int64() == 6);

    v = body_json(get("/api/search?sort=downloads&limit=2&offset=2"));
    CHECK(v.at("hits").at(0).at("id").as_string() == "google/gemma-2b");

    v = body_json(get("/api/search?type=model&facets=license,task&facet_limit=5"));
    const auto& facets = v.at("facets").as_object();
    REQUIRE(facets.contains("task"));
    REQUIRE(facets.contains("license"));
    std::uint64_t text_generation = 0;
    for (const auto& fv : facets.at("task").as_array()) {
        if (fv.at("value").as_string() == "text-generation") {
            text_generation = fv.at("count").to_number<std::uint64_t>();
        }
    }
    INFO(v.at("facets"));
    CHECK(text_generation == 2);  // the private model is not counted

    CHECK(get("/api/search?sort=sideways").status == 400);
    CHECK(get("/api/search?limit=ten").status == 400);
    CHECK(get("/api/search?facets=no_such_facet").status == 400);
    // An offset past 2^32 once wrapped to the first page; now it is refused, naming the limit.
    const auto deep = get("/api/search?q=bert&offset=4294967296&limit=1");
    CHECK(deep.status == 400);
    CHECK(deep.body.find("offset is at most 100000000") != std::string::npos);
    CHECK(get("/api/models?search=bert&skip=4294967296&limit=1").status == 400);
    v = body_json(get("/api/search?sort=downloads&offset=100000000"));
    CHECK(v.at("hits").as_array().empty());
}

TEST_CASE("search follows next_cursor to the end", "[server][search]") {
    std::set<std::string> seen;
    std::string target = "/api/search?sort=downloads&limit=2";
    for (int page = 0; page < 10; ++page) {
        const auto v = body_json(get(target));
        for (const auto& h : v.at("hits").as_array()) {
            CHECK(seen.emplace(h.at("id").as_string()).second);
        }
        if (v.at("next_cursor").is_null()) break;
        target = "/api/search?sort=downloads&limit=2&cursor=" +
                 server::percent_encode(v.at("next_cursor").as_string());
    }
    CHECK(seen.size() == 6);
}

TEST_CASE("/api/search lists the last words it left out", "[server][search][fewer]") {
    auto v = body_json(get("/api/search?q=gemma%20zzyzx"));
    CHECK(hit_ids(v) == std::set<std::string>{"google/gemma-2b"});
    REQUIRE(v.at("dropped").is_array());
    REQUIRE(v.at("dropped").as_array().size() == 1);
    CHECK(v.at("dropped").as_array()[0].as_string() == "zzyzx");
    // Every word matched: nothing left out, and the key is still there.
    auto all = body_json(get("/api/search?q=gemma"));
    CHECK(all.at("dropped").as_array().empty());
}

TEST_CASE("/api/search reads filter values through the vocabulary and says how",
          "[server][search][vocab]") {
    auto res = get("/api/search?language=German&facets=language");
    REQUIRE(res.status == 200);
    auto v = body_json(res);
    CHECK(hit_ids(v) == std::set<std::string>{"meta-llama/Llama-3.1-8B-Instruct", "google/gemma-2b"});
    const auto& filters = v.at("filters").as_array();
    REQUIRE(filters.size() == 1);
    CHECK(filters[0].at("facet").as_string() == "language");
    CHECK(filters[0].at("value").as_string() == "German");
    CHECK(filters[0].at("understood").as_string() == "de");
    CHECK(filters[0].at("unknown").as_bool() == false);
    CHECK(filters[0].at("excluded").as_bool() == false);

    v = body_json(get("/api/search?license=Apache%202.0&gated=true&type=-Datasets"));
    const auto& read = v.at("filters").as_array();
    REQUIRE(read.size() == 3);
    std::map<std::string, std::string> understood;
    for (const auto& f : read) {
        understood[std::string(f.at("facet").as_string())] = f.at("understood").as_string();
    }
    CHECK(understood == std::map<std::string, std::string>{
                            {"type", "dataset"}, {"license", "apache-2.0"}, {"gated", "auto,manual"}});
    CHECK(v.at("total").as_int64() == 0);  // bert is Apache but not gated

    // An unknown value matches nothing, and the response says so.
    v = body_json(get("/api/search?language=Klingonish"));
    CHECK(v.at("total").as_int64() == 0);
    const auto& unknown = v.at("filters").as_array().at(0);
    CHECK(unknown.at("unknown").as_bool());
    CHECK(unknown.at("understood").is_null());
    CHECK(std::string(unknown.at("message").as_string()).find("Klingonish") != std::string::npos);
}

TEST_CASE("debug=1 says where a search's time went, phase by phase", "[server][search]") {
    auto v = body_json(get("/api/search?q=model&debug=1&facets=task"));
    REQUIRE(v.as_object().contains("timings"));
    const auto& t = v.at("timings").as_object();
    double sum = 0;
    for (const char* k :
         {"parse_ms", "typo_ms", "match_ms", "count_ms", "rank_ms", "hits_ms", "suggest_ms"}) {
        INFO(k);
        REQUIRE(t.contains(k));
        CHECK(t.at(k).to_number<double>() >= 0);
        if (std::string_view(k) != "typo_ms") sum += t.at(k).to_number<double>();
    }
    // The phases are laps of one clock: they add up to no more than the whole. Typo
    // tolerance's time is a part of parsing.
    CHECK(sum <= v.at("took_ms").to_number<double>() + 0.01);
    CHECK(t.at("typo_ms").to_number<double>() <= t.at("parse_ms").to_number<double>());
    CHECK_FALSE(body_json(get("/api/search?q=model")).as_object().contains("timings"));
    CHECK(get("/api/search?q=model&debug=maybe").status == 400);
    // No phrase, no phrase checks; a quoted phrase is checked on the fixture's position store.
    CHECK(t.at("phrase_store_cards").to_number<std::uint64_t>() == 0);
    CHECK(t.at("phrase_xapian_cards").to_number<std::uint64_t>() == 0);
    auto p = body_json(get("/api/search?q=%22named+entity+recognition%22&debug=1"));
    const auto& pt = p.at("timings").as_object();
    CHECK(p.at("total").to_number<std::uint64_t>() >= 1);
    CHECK(pt.at("phrase_store_cards").to_number<std::uint64_t>() >= 1);
    CHECK(pt.at("phrase_xapian_cards").to_number<std::uint64_t>() == 0);
}

TEST_CASE("/api/search says what the query's words name, and explains scores on request",
          "[server][search][understood]") {
    // "german" names the language de: the fixture's German models, understood and boosted.
    auto v = body_json(get("/api/search?q=german+models&explain=1"));
    const auto& understood = v.at("understood").as_array();
    bool language = false;
    for (const auto& u : understood) {
        if (u.at("facet").as_string() == "language" && u.at("value").as_string() == "de") {
            language = u.at("text").as_string() == "german" && !u.at("implied").as_bool();
        }
    }
    INFO(v.at("understood"));
    CHECK(language);
    // A task name typed in German names the task and, implied, the language it is written in.
    {
        const auto written = body_json(get("/api/search?q=spracherkennung"));
        INFO(written.at("understood"));
        std::map<std::string, std::pair<std::string, bool>> named;
        for (const auto& u : written.at("understood").as_array()) {
            named[std::string(u.at("facet").as_string())] = {std::string(u.at("value").as_string()),
                                                             u.at("implied").as_bool()};
        }
        CHECK(named ==
              std::map<std::string, std::pair<std::string, bool>>{
                  {"task", {"automatic-speech-recognition", false}}, {"language", {"de", true}}});
    }
    REQUIRE_FALSE(v.at("hits").as_array().empty());
    for (const auto& h : v.at("hits").as_array()) {
        const auto& e = h.at("explain").as_object();
        const double parts = e.at("text").to_number<double>() + e.at("exact").to_number<double>() +
                             e.at("understood").to_number<double>() +
                             e.at("prior").to_number<double>() +
                             e.at("proximity").to_number<double>();
        CHECK(parts == Approx(h.at("score").to_number<double>()));
    }
    // Without explain, no parts; quoted words and operators name nothing.
    v = body_json(get("/api/search?q=german+models"));
    CHECK_FALSE(v.at("hits").at(0).as_object().contains("explain"));
    v = body_json(get("/api/search?q=%22german%22"));
    CHECK(v.at("understood").as_array().empty());
    CHECK(get("/api/search?q=bert&explain=perhaps").status == 400);
}

TEST_CASE("/api/search takes the prior's weight per request, within 0..2",
          "[server][search][prior]") {
    auto v = body_json(get("/api/search?q=bert&explain=1&prior=0"));
    REQUIRE_FALSE(v.at("hits").as_array().empty());
    for (const auto& h : v.at("hits").as_array())
        CHECK(h.at("explain").at("prior").to_number<double>() == 0);
    const auto weighted = body_json(get("/api/search?q=bert&explain=1&prior=2"));
    const auto normal = body_json(get("/api/search?q=bert&explain=1"));
    // bert-base-uncased has a million downloads: its prior part scales with the weight.
    const double p2 = weighted.at("hits").at(0).at("explain").at("prior").to_number<double>();
    const double p06 = normal.at("hits").at(0).at("explain").at("prior").to_number<double>();
    CHECK(p2 > 0);
    CHECK(p2 == Approx(p06 * 2 / 0.6));
    for (const char* bad : {"-1", "2.5", "nan", "heavy"}) {
        INFO(bad);
        CHECK(get(std::string("/api/search?q=bert&prior=") + bad).status == 400);
    }
    // The server's default (cardex serve --prior) applies where a request gives none.
    server::HandlerConfig config;
    config.prior_weight = 0;
    const auto res = test::request("GET", "/api/search?q=bert&explain=1", "", config);
    REQUIRE(res.status == 200);
    CHECK(body_json(res).at("hits").at(0).at("explain").at("prior").to_number<double>() == 0);
}

TEST_CASE("/api/search reads facets=parent>child and refuses what is no hierarchy",
          "[server][search][facets]") {
    // The counts themselves are checked on the real cards (integration: hierarchy); the
    // fixture's cards have no modality, so here: the shape and the refusals.
    const auto res = get("/api/search?facets=modality>task,type");
    REQUIRE(res.status == 200);
    const auto v = body_json(res);
    CHECK(v.at("facets").as_object().contains("modality"));
    CHECK(v.at("facets").at("type").at(0).as_object().size() == 2);  // value, count: flat
    CHECK(get("/api/search?facets=task>modality").status == 400);
    CHECK(get("/api/search?facets=modality>nothing").status == 400);
    CHECK(get("/api/search?facets=%3Etask").status == 400);
}

TEST_CASE("search hits carry the license's SPDX id", "[server][search]") {
    const auto v = body_json(get("/api/search?q=bert-base-uncased&limit=1"));
    const auto& hit = v.at("hits").at(0);
    REQUIRE(hit.at("id").as_string() == "google-bert/bert-base-uncased");
    CHECK(hit.at("license").as_string() == "apache-2.0");
    CHECK(hit.at("license_spdx").as_string() == "Apache-2.0");
    CHECK(hit.at("licenses").as_array().size() >= 1);
}

TEST_CASE("/api/search says when a phrase's total is a lower bound, and counts exactly on request",
          "[server][search][phrases]") {
    // The fixture is small: with the default limit every phrase is checked on every card.
    auto v = body_json(get("/api/search?q=%22language+model%22&facets=license"));
    CHECK(v.at("total_relation").as_string() == "eq");
    CHECK(v.at("facets_relation").as_string() == "eq");
    const auto exact_total = v.at("total").as_int64();
    CHECK(v.at("total_estimate").as_int64() == exact_total);
    REQUIRE(exact_total >= 1);
    // A server that checks phrases on one card at first (BERT's and Llama's cards hold both
    // words), and on twice as many while the page would not fill. Counts only (limit=0): one
    // card is enough, the total is a lower bound and said to be one.
    server::HandlerConfig config;
    config.phrase_check_limit = 1;
    auto res = test::request(
        "GET", "/api/search?q=%22language+model%22&facets=license&limit=0", "", config);
    REQUIRE(res.status == 200);
    v = body_json(res);
    CHECK(v.at("total_relation").as_string() == "gte");
    CHECK(v.at("facets_relation").as_string() == "gte");
    CHECK(v.at("total").as_int64() < exact_total);
    CHECK(v.at("total_estimate").as_int64() >= v.at("total").as_int64());
    // A page of 20: every candidate checked to fill it, so exact again, with every match.
    res = test::request("GET", "/api/search?q=%22language+model%22&facets=license", "", config);
    REQUIRE(res.status == 200);
    v = body_json(res);
    CHECK(v.at("total_relation").as_string() == "eq");
    CHECK(v.at("hits").as_array().size() == static_cast<std::size_t>(exact_total));
    // exact_total=1: every card checked.
    res = test::request("GET", "/api/search?q=%22language+model%22&exact_total=1", "", config);
    REQUIRE(res.status == 200);
    v = body_json(res);
    CHECK(v.at("total_relation").as_string() == "eq");
    CHECK(v.at("total").as_int64() == exact_total);
    CHECK(get("/api/search?q=bert&exact_total=always").status == 400);
    // Plain words never bound their total.
    res = test::request("GET", "/api/search?q=language+model", "", config);
    CHECK(body_json(res).at("total_relation").as_string() == "eq");
}
