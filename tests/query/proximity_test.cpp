// The second stage of a relevance ranking (query/src/proximity.h): the first stage's top hits
// gain when they hold the query's words next to each other, and pages by offset or cursor
// read one order across the rescored window and below it.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "cardex/query/searcher.h"
#include "fixture.h"
#include "proximity.h"

using namespace cardex;
using cardex::index::Card;
using cardex::index::CardType;
using namespace cardex::query;

namespace {

Card card(std::string id, std::string body, std::int64_t downloads = 0) {
    Card c = test::make_card(CardType::Dataset, std::move(id), downloads);
    c.body = std::move(body);
    return c;
}

std::vector<std::string> ids(const SearchResponse& r) {
    std::vector<std::string> out;
    for (const auto& h : r.hits) out.push_back(h.card.id);
    return out;
}

const Hit& hit(const SearchResponse& r, const std::string& id) {
    for (const auto& h : r.hits) {
        if (h.card.id == id) return h;
    }
    FAIL("no hit " << id);
    return r.hits.front();
}

}  // namespace

TEST_CASE(
    "a card holding the query's words next to each other comes before one holding them "
    "apart, by the share of pairs it holds",
    "[proximity][search]") {
    auto dir = test::build_fixture_index({
        card("lab/scattered",
             "Digital scans of letters. Digital maps of towns. Humanities, humanities and "
             "more humanities from the archive."),
        card("lab/adjacent",
             "A corpus for digital humanities research on old newspapers and letters kept in "
             "a regional archive of the coast."),
        card("lab/unrelated", "Weather records of the coast."),
    });
    auto s = Searcher::open(dir->str());
    REQUIRE(s.has_value());
    auto search = [&](const std::string& text, bool plain = false) {
        return test::search_text(*s, text, plain, /*explain=*/true);
    };

    // The premise: BM25 alone puts the card repeating the words apart first.
    CHECK(ids(search("digital humanities", true)) ==
          std::vector<std::string>{"lab/scattered", "lab/adjacent"});
    const auto two = search("digital humanities");
    CHECK(ids(two) == std::vector<std::string>{"lab/adjacent", "lab/scattered"});
    CHECK(hit(two, "lab/adjacent").explain->proximity == Approx(kProximityWeight));
    CHECK(hit(two, "lab/scattered").explain->proximity == 0);
    // Three words, two pairs: the card holding one of them gains half.
    const auto three = search("digital humanities archive");
    CHECK(hit(three, "lab/adjacent").explain->proximity == Approx(kProximityWeight / 2));
    CHECK(hit(three, "lab/scattered").explain->proximity == 0);
    // The parts still add up to the score.
    for (const auto* r : {&two, &three}) {
        for (const auto& h : r->hits) {
            const auto& e = *h.explain;
            CHECK(e.text + e.exact + e.understood + e.prior + e.proximity + e.documentation ==
                  Approx(h.score));
        }
    }
    // Words in the other order are not the phrase; one word has no pair.
    CHECK(hit(search("humanities digital"), "lab/adjacent").explain->proximity == 0);
    CHECK(hit(search("humanities"), "lab/adjacent").explain->proximity == 0);
}

TEST_CASE(
    "pages by offset and by cursor read the rescored window and the first stage below "
    "it as one order",
    "[proximity][search][cursor]") {
    // More matches than the window, the words adjacent in every third card, every other card
    // documented (its quality score, the second stage's other part), and downloads that
    // disagree with both so that the rescore moves cards inside the window.
    std::vector<Card> cards;
    const std::size_t n = kProximityWindow + 40;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string filler(i % 7 * 6, 'x');
        const std::string body = i % 3 == 0
                                     ? "Notes on digital humanities " + std::to_string(i)
                                     : "Digital notes " + std::to_string(i) +
                                           " on the humanities, page " + std::to_string(i % 11);
        cards.push_back(card("lab/c" + std::to_string(i),
                             body + (filler.empty() ? "" : " " + filler),
                             static_cast<std::int64_t>((n - i) * 37 % 1000)));
        if (i % 2 == 0) cards.back().quality_score = static_cast<int>(30 + i % 70);
    }
    auto dir = test::build_fixture_index(std::move(cards));
    auto s = Searcher::open(dir->str());
    REQUIRE(s.has_value());
    SearchRequest whole;
    whole.text = "digital humanities";
    whole.limit = 1000;
    whole.explain = true;
    auto all = s->search(whole);
    REQUIRE(all.has_value());
    REQUIRE(all->hits.size() == n);
    // The window's cards holding the phrase gained, the ones below it did not, and the
    // first hit is one of them.
    std::size_t gained = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto& h = all->hits[i];
        INFO(i << " " << h.card.id);
        const bool holds = h.card.body.find("digital humanities") != std::string::npos;
        CHECK(h.explain->proximity ==
              Approx(i < kProximityWindow && holds ? kProximityWeight : 0.0));
        gained += h.explain->proximity > 0;
    }
    CHECK(gained >= kProximityWindow / 5);  // a third of the cards hold it
    CHECK(all->hits[0].explain->proximity == kProximityWeight);

    // One word has no pairs but its window weighs documentation: the documented cards of the
    // window gained, none below it.
    SearchRequest one = whole;
    one.text = "humanities";
    auto words = s->search(one);
    REQUIRE(words.has_value());
    REQUIRE(words->hits.size() == n);
    std::size_t documented = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto& h = words->hits[i];
        INFO(i << " " << h.card.id);
        CHECK(h.explain->proximity == 0);
        if (i >= kProximityWindow) CHECK(h.explain->documentation == 0);
        documented += h.explain->documentation > 0;
    }
    CHECK(documented >= kProximityWindow / 3);

    for (const auto* r : {&whole, &one}) {
        const SearchResponse& every = r == &whole ? *all : *words;
        for (std::size_t limit : {7u, 10u, 33u}) {
            INFO(r->text << ", limit " << limit);
            const auto [by_offset, by_cursor] = test::read_pages(*s, *r, limit);
            CHECK(by_offset == ids(every));
            CHECK(by_cursor == ids(every));
        }
    }
}
