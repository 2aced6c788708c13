// Card quality on the index of the real cards (fixture real_index): the `quality` and `has`
// facet counts against a recount over the cards ingest reads from data/cards, the filters,
// the quality sort, and what /api/search and a card page show.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <boost/json.hpp>

#include "cardex/index/quality.h"
#include "cardex/query/searcher.h"
#include "cardex/server/handler.h"
#include "fixture.h"
#include "real_corpus.h"

using namespace cardex;
using Counts = std::map<std::string, std::uint64_t>;

namespace {

query::Searcher& searcher() {
    return test::thread_searcher(CARDEX_REAL_INDEX);
}

// The request's counts of `facet`, every value.
Counts counts_of(const query::SearchResponse& r, const std::string& facet) {
    Counts out;
    for (const auto& f : r.facets) {
        if (f.facet != facet) continue;
        for (const auto& v : f.values) out[v.value] = v.count;
    }
    return out;
}

query::SearchResponse run(query::SearchRequest req) {
    req.facets = {{"quality", 10}, {"has", 20}};
    req.snippets = false;
    auto r = searcher().search(req);
    REQUIRE(r.has_value());
    return std::move(r).value();
}

bool has(const index::Card& c, std::string_view criterion) {
    return (c.quality_present & index::criterion_bit(*index::criterion_by_name(criterion))) != 0;
}

// What the two facets should count over the cards `keep` accepts, recounted from the cards.
struct Recount {
    std::uint64_t total = 0;
    Counts quality, has;
};
template <class Keep>
Recount recount(Keep keep) {
    Recount r;
    for (const auto& c : test::real_cards()) {
        if (!keep(c)) continue;
        ++r.total;
        ++r.quality[std::string(index::quality_band(c.quality_score))];
        for (const auto name : index::criterion_names(c.quality_present))
            ++r.has[std::string(name)];
    }
    return r;
}

boost::json::value get_json(const std::string& target) {
    const server::Handler handler{server::HandlerConfig{}};
    const auto res = test::handle(handler, searcher(), "GET", target);
    INFO(target << " -> " << res.body.substr(0, 500));
    REQUIRE(res.status == 200);
    return boost::json::parse(res.body);
}

std::vector<std::string> strings(const boost::json::value& v) {
    std::vector<std::string> out;
    for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
    return out;
}

}  // namespace

TEST_CASE("quality and has counts equal a recount over the real cards", "[integration][quality]") {
    REQUIRE(test::real_cards().size() == 6634);
    // Every real card was assessed: its band is counted once.
    for (const auto& c : test::real_cards()) REQUIRE(c.quality_score >= 0);

    SECTION("the whole index") {
        const auto r = run({});
        const auto want = recount([](const index::Card&) { return true; });
        CHECK(r.total == want.total);
        CHECK(counts_of(r, "quality") == want.quality);
        CHECK(counts_of(r, "has") == want.has);
    }
    SECTION("datasets only") {
        query::SearchRequest req;
        req.filters = {{"type", {"dataset"}, {}}};
        const auto r = run(req);
        const auto want =
            recount([](const index::Card& c) { return c.type == index::CardType::Dataset; });
        CHECK(r.total == want.total);
        CHECK(counts_of(r, "quality") == want.quality);
        CHECK(counts_of(r, "has") == want.has);
        CHECK(counts_of(r, "has").count("evaluation") == 0);  // never asked of a dataset
    }
    SECTION("quality=high: its own counts stay disjunctive") {
        query::SearchRequest req;
        req.filters = {{"quality", {"high"}, {}}};
        const auto r = run(req);
        const auto all = recount([](const index::Card&) { return true; });
        const auto high = recount(
            [](const index::Card& c) { return index::quality_band(c.quality_score) == "high"; });
        CHECK(r.total == high.total);
        CHECK(counts_of(r, "quality") == all.quality);
        CHECK(counts_of(r, "has") == high.has);
    }
    SECTION("has=license,citation: both required, counts of the cards that pass") {
        query::SearchRequest req;
        req.filters = {{"has", {"license", "citation"}, {}}};
        const auto r = run(req);
        const auto both =
            recount([](const index::Card& c) { return has(c, "license") && has(c, "citation"); });
        const auto either =
            recount([](const index::Card& c) { return has(c, "license") || has(c, "citation"); });
        REQUIRE(both.total < either.total);  // else AND and OR could not be told apart
        CHECK(r.total == both.total);
        CHECK(counts_of(r, "has") == both.has);
        CHECK(counts_of(r, "quality") == both.quality);
    }
    SECTION("has=-citation and a second facet") {
        query::SearchRequest req;
        req.filters = {{"has", {}, {"citation"}}, {"type", {"model"}, {}}};
        const auto r = run(req);
        const auto want = recount([](const index::Card& c) {
            return c.type == index::CardType::Model && !has(c, "citation");
        });
        CHECK(r.total == want.total);
        CHECK(counts_of(r, "has") == want.has);
        CHECK(counts_of(r, "quality") == want.quality);
    }
    SECTION("a text query: the counts are those of its matches") {
        query::SearchRequest req;
        req.text = "named entity recognition";
        req.limit = 1000;
        const auto r = run(req);
        REQUIRE(r.total > 20);
        REQUIRE(r.total == r.hits.size());  // all of them, to recount from their summaries
        Counts quality, criteria;
        for (const auto& h : r.hits) {
            ++quality[std::string(index::quality_band(h.card.quality_score))];
            for (const auto n : index::criterion_names(h.card.quality_present))
                ++criteria[std::string(n)];
        }
        CHECK(counts_of(r, "quality") == quality);
        CHECK(counts_of(r, "has") == criteria);
    }
}

TEST_CASE("sort=quality: highest score first, ties by downloads, every card once",
          "[integration][quality]") {
    using Key = std::tuple<int, std::int64_t>;  // score, downloads
    std::vector<Key> want;
    for (const auto& c : test::real_cards()) want.emplace_back(c.quality_score, c.downloads);
    std::sort(want.begin(), want.end(), std::greater<>());

    // The whole listing, page by page through cursors.
    std::vector<Key> got;
    std::vector<std::string> ids;
    query::SearchRequest req;
    req.sort = query::Sort::Quality;
    req.limit = 1000;
    req.snippets = false;
    for (int page = 0; page < 20; ++page) {
        auto r = searcher().search(req);
        REQUIRE(r.has_value());
        for (const auto& h : r->hits) {
            got.emplace_back(h.card.quality_score, h.card.downloads);
            ids.push_back(std::string(index::card_type_name(h.card.type)) + "/" + h.card.id);
        }
        if (r->next_cursor.empty()) break;
        req.cursor = r->next_cursor;
    }
    CHECK(got == want);
    std::sort(ids.begin(), ids.end());
    CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());

    // With text and a filter: the collected matches are sorted the same way.
    query::SearchRequest text;
    text.text = "translation";
    text.filters = {{"type", {"model"}, {}}};
    text.sort = query::Sort::Quality;
    text.limit = 200;
    auto r = searcher().search(text);
    REQUIRE(r.has_value());
    REQUIRE(r->hits.size() > 20);
    for (std::size_t i = 1; i < r->hits.size(); ++i) {
        const auto& a = r->hits[i - 1].card;
        const auto& b = r->hits[i].card;
        INFO(a.id << " before " << b.id);
        CHECK(Key{a.quality_score, a.downloads} >= Key{b.quality_score, b.downloads});
    }
}

TEST_CASE("/api/search filters, counts and sorts by quality and shows it in hits",
          "[integration][quality][api]") {
    const auto body = get_json(
        "/api/search?type=dataset&has=license,citation&facets=quality,has&sort=quality&limit=50");
    const auto& o = body.as_object();
    const auto want = recount([](const index::Card& c) {
        return c.type == index::CardType::Dataset && has(c, "license") && has(c, "citation");
    });
    CHECK(o.at("total").as_int64() == static_cast<std::int64_t>(want.total));
    int previous = 101;
    for (const auto& hit : o.at("hits").as_array()) {
        const auto& q = hit.at("quality").as_object();
        const auto present = strings(q.at("present"));
        CHECK(std::count(present.begin(), present.end(), "license") == 1);
        CHECK(std::count(present.begin(), present.end(), "citation") == 1);
        const int score = static_cast<int>(q.at("score").as_int64());
        CHECK(score <= previous);
        previous = score;
        CHECK(q.at("band").as_string() == index::quality_band(score));
    }
    Counts has_counts;
    for (const auto& v : o.at("facets").at("has").as_array()) {
        has_counts[std::string(v.at("value").as_string())] =
            static_cast<std::uint64_t>(v.at("count").as_int64());
    }
    CHECK(has_counts == want.has);

    // Values are read as the criteria and bands are named; an unknown one says so.
    const auto read = get_json("/api/search?has=Intended%20use&quality=hgh&limit=0");
    const auto& filters = read.at("filters").as_array();
    REQUIRE(filters.size() == 2);
    for (const auto& f : filters) {
        if (f.at("facet").as_string() == "has") {
            CHECK(f.at("understood").as_string() == "intended_use");
        } else {
            CHECK(f.at("unknown").as_bool());
            CHECK(std::string(f.at("message").as_string()).find("high, medium, low") !=
                  std::string::npos);
        }
    }
}

TEST_CASE("a real card's JSON and page show its score and what it misses",
          "[integration][quality][web]") {
    // qa_zre, checked by hand (docs/QUALITY.md): its licence is "unknown", its Supported
    // Tasks and limitations sections hold the template's placeholders.
    const auto body = get_json("/api/search?q=qa_zre&type=dataset&limit=5");
    const boost::json::value* hit = nullptr;
    for (const auto& h : body.at("hits").as_array()) {
        if (h.at("id").as_string() == "qa_zre") hit = &h;
    }
    REQUIRE(hit != nullptr);
    const auto& q = hit->at("quality");
    CHECK(strings(q.at("missing")) ==
          std::vector<std::string>{"license", "intended_use", "limitations"});
    CHECK(strings(q.at("present")) ==
          std::vector<std::string>{"description", "citation", "datasets", "task", "language"});
    CHECK(q.at("score").as_int64() == 56);  // 50 of the 90 points a dataset is scored on

    const server::Handler handler{server::HandlerConfig{}};
    const auto page = test::handle(handler, searcher(), "GET", "/datasets/qa_zre");
    REQUIRE(page.status == 200);
    const auto& html = page.body;
    const auto missing_at = html.find("<ul class=\"quality-missing\">");
    REQUIRE(missing_at != std::string::npos);
    const auto missing_end = html.find("</ul>", missing_at);
    const std::string missing = html.substr(missing_at, missing_end - missing_at);
    CHECK(missing.find("data-criterion=\"license\"") != std::string::npos);
    CHECK(missing.find("data-criterion=\"limitations\"") != std::string::npos);
    CHECK(missing.find("data-criterion=\"citation\"") == std::string::npos);
    CHECK(html.find("56 of 100") != std::string::npos);
    CHECK(html.find("href=\"/?quality=medium\"") != std::string::npos);
}
