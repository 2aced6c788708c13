// Bounded cost per request: limits on what a query may ask for, and a budget (deadline,
// cancellation) checked inside every loop, Xapian's matcher included.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "budget.h"
#include "cardex/index/store.h"
#include "cardex/query/searcher.h"
#include "support.h"

using namespace cardex;
using cardex::index::Card;
using cardex::index::CardType;
using namespace cardex::query;

namespace {

struct Corpus {
    test::TempDir dir;
    Corpus() {
        std::vector<Card> cards;
        for (int i = 0; i < 3000; ++i) {
            Card c;
            c.id = "org/card-" + std::to_string(i);
            c.type = CardType::Model;
            c.author = "org";
            c.name = "card-" + std::to_string(i);
            c.title = c.name;
            // Every card has "alpha" and "beta", never next to each other: a phrase query on
            // them makes the matcher check positions of every card and accept none.
            c.body = "alpha words in between beta and more text about models " + std::to_string(i);
            c.downloads = i;
            cards.push_back(std::move(c));
        }
        REQUIRE(index::build_index(dir.str(), cards, {}).has_value());
    }
};

Corpus& corpus() {
    static Corpus c;
    return c;
}

Searcher open() {
    auto s = Searcher::open(corpus().dir.str());
    REQUIRE(s.has_value());
    return std::move(s).value();
}

}  // namespace

TEST_CASE("query texts past the limits are refused, naming the limit", "[query][limits]") {
    auto s = open();
    SearchRequest r;
    // The reproducer: "a*" 680 times ran for 53 s.
    std::string wild;
    for (int i = 0; i < 680; ++i) wild += "a* ";
    r.text = wild.substr(0, 2040);
    auto resp = s.search(r);
    REQUIRE_FALSE(resp.has_value());
    CHECK(resp.error().code == Errc::ResourceExhausted);
    CHECK(resp.error().message.find("at most 16") != std::string::npos);
    r.text.clear();
    for (int i = 0; i < 70; ++i) r.text += "word" + std::to_string(i) + " ";
    resp = s.search(r);
    REQUIRE_FALSE(resp.has_value());
    CHECK(resp.error().message.find("at most 64") != std::string::npos);
    // Operators are not words: 64 words joined by OR are fine.
    r.text.clear();
    for (int i = 0; i < 64; ++i) r.text += (i ? " OR word" : "word") + std::to_string(i);
    CHECK(s.search(r).has_value());

    std::string letters;
    for (int i = 0; i < 40; ++i) letters += std::string(1, static_cast<char>('a' + i % 26)) + "* OR ";
    r.text = letters + "z*";
    resp = s.search(r);
    REQUIRE_FALSE(resp.has_value());
    CHECK(resp.error().code == Errc::ResourceExhausted);
    CHECK(resp.error().message.find("wildcards") != std::string::npos);

    // Sixteen wildcards are fine: each gets a share of the expansion budget.
    letters.clear();
    for (int i = 0; i < 15; ++i) letters += std::string(1, static_cast<char>('a' + i)) + "* ";
    r.text = "alph* OR " + letters;
    CHECK(s.search(r).has_value());

    r = {};
    r.filters = {{"language", std::vector<std::string>(300, "de"), {}}};
    resp = s.search(r);
    REQUIRE_FALSE(resp.has_value());
    CHECK(resp.error().code == Errc::ResourceExhausted);
    r = {};
    for (int i = 0; i < 25; ++i) r.facets.push_back({"task", 10});
    CHECK(s.search(r).error().code == Errc::ResourceExhausted);
}

TEST_CASE("a request past its deadline, or whose client went away, stops", "[query][budget]") {
    auto s = open();
    SearchRequest r;
    r.text = "alpha beta";
    r.budget.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    auto resp = s.search(r);
    REQUIRE_FALSE(resp.has_value());
    CHECK(resp.error().code == Errc::DeadlineExceeded);

    std::atomic<bool> gone{true};
    r.budget = {};
    r.budget.cancelled = &gone;
    resp = s.search(r);
    REQUIRE_FALSE(resp.has_value());
    CHECK(resp.error().code == Errc::DeadlineExceeded);
    CHECK(resp.error().detail == "cancelled");

    // The budget a server sets for every call of a request applies when the request carries
    // none of its own; cleared, searches run again.
    Budget expired;
    expired.deadline = std::chrono::steady_clock::now();
    s.set_call_budget(expired);
    CHECK(s.search(SearchRequest{}).error().code == Errc::DeadlineExceeded);
    s.set_call_budget({});
    CHECK(s.search(SearchRequest{}).has_value());
}

TEST_CASE("the matcher itself stops when the budget runs out", "[query][budget]") {
    // A phrase every card contains, and no match spy: only the posting source sees the
    // matcher move from candidate to candidate, and stops it. (A phrase that rejects every
    // candidate loops inside Xapian's phrase postlist without calling the source: that loop
    // is bounded by the corpus, not by the query; see ARCHITECTURE.md.)
    auto db = index::open_reader(corpus().dir.str());
    REQUIRE(db.has_value());
    std::atomic<bool> gone{true};
    Budget b;
    b.cancelled = &gone;
    Xapian::Enquire e(*db);
    Xapian::QueryParser qp;
    qp.set_stemmer(Xapian::Stem("english"));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
    const Xapian::Query phrase = qp.parse_query("\"alpha words\"", Xapian::QueryParser::FLAG_PHRASE);
    auto* source = new BudgetSource(b, db->get_lastdocid());
    e.set_query(Xapian::Query(Xapian::Query::OP_FILTER, phrase, Xapian::Query(source->release())));
    CHECK_THROWS_AS(e.get_mset(0, 10, 3000), BudgetExceeded);
    // Without the flag the same query runs to the end.
    gone.store(false);
    Xapian::MSet m = e.get_mset(0, 10, 3000);
    CHECK(m.get_matches_estimated() == 3000);
}

TEST_CASE("every value of a facet only for a server's own paged lists", "[query][limits]") {
    test::TempDir dir;
    std::vector<Card> cards;
    const std::size_t n = kMaxFacetTop + 5;
    for (std::size_t i = 0; i < n; ++i) {
        Card c;
        c.author = "org" + std::to_string(i);
        c.name = "m";
        c.id = c.author + "/m";
        c.title = c.name;
        c.body = "text";
        cards.push_back(std::move(c));
    }
    REQUIRE(index::build_index(dir.str(), cards, {}).has_value());
    auto s = Searcher::open(dir.str());
    REQUIRE(s.has_value());
    SearchRequest r;
    r.limit = 0;
    r.facets = {{"author", kMaxFacetTop + 1}};
    auto refused = s->search(r);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == Errc::ResourceExhausted);
    r.facets = {{"author", kMaxFacetTop}};
    CHECK(s->search(r)->facets.at(0).values.size() == kMaxFacetTop);
    r.facets = {{"author", 0, true}};
    CHECK(s->search(r)->facets.at(0).values.size() == n);
}
