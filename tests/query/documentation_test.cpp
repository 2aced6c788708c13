// The second stage's documentation part (query/src/proximity.h): among the first stage's top
// hits, a card gains the request's prior weight times kDocumentedPrior times the share of 100
// its quality score is, so a documented card comes before an empty one that BM25's length
// normalisation scores a little higher; words alone only. (One order across pages:
// proximity_test.cpp, whose window test weighs both parts.)
#include <catch2/catch.hpp>

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

// A card of the organisation "tallowmere": `quality` < 0 is a card never assessed (an
// empty scrape record), else a README of some length with that score.
Card org_card(const std::string& name, int quality, std::int64_t downloads = 0) {
    Card c = test::make_card(CardType::Model, "tallowmere/" + name, downloads);
    if (quality >= 0) {
        c.body =
            "A model fine-tuned on forum posts about candles, with notes on its training, "
            "its evaluation and its limits; see the paper for the recipe and the data.";
        c.quality_score = quality;
    }
    return c;
}

bool documented(const std::string& id) {
    return id.find("/doc") != std::string::npos;
}

}  // namespace

TEST_CASE(
    "among cards the first stage scores alike, the documented ones come first, each gaining "
    "its share of the prior weight",
    "[documentation][search]") {
    std::vector<Card> cards;
    for (int i = 0; i < 6; ++i) {
        cards.push_back(org_card("empty-" + std::to_string(i), -1));
        cards.push_back(org_card("doc-" + std::to_string(i), 40 + 10 * i));
    }
    auto dir = test::build_fixture_index(std::move(cards));
    auto s = Searcher::open(dir->str());
    REQUIRE(s.has_value());
    auto search = [&](const std::string& text, std::optional<double> prior) {
        SearchRequest r;
        r.text = text;
        r.limit = 20;
        r.explain = true;
        r.prior_weight = prior;
        auto res = s->search(r);
        REQUIRE(res.has_value());
        REQUIRE(res->hits.size() == 12);
        return std::move(res).value();
    };

    // The premise: without the prior (weight 0) the empty cards, shorter, come first.
    const auto bare = search("tallowmere", 0.0);
    for (std::size_t i = 0; i < 6; ++i) CHECK_FALSE(documented(bare.hits[i].card.id));
    for (const auto& h : bare.hits) CHECK(h.explain->documentation == 0);

    for (const double prior : {kDefaultPriorWeight, 1.5}) {
        INFO("prior " << prior);
        const auto r = search("tallowmere", prior);
        // Documented first, the best documented first among them (equal text otherwise).
        for (std::size_t i = 0; i < 6; ++i) {
            CHECK(documented(r.hits[i].card.id));
            CHECK(r.hits[i].card.id == "tallowmere/doc-" + std::to_string(5 - i));
        }
        for (const auto& h : r.hits) {
            INFO(h.card.id);
            const auto& e = *h.explain;
            const double want =
                documented(h.card.id)
                    ? prior * kDocumentedPrior * (40 + 10 * (h.card.id.back() - '0')) / 100.0
                    : 0.0;
            CHECK(e.documentation == Approx(want));
            CHECK(e.text + e.exact + e.understood + e.prior + e.proximity + e.documentation ==
                  Approx(h.score));
        }
    }

    // A quoted phrase asks for exactly that: no second stage.
    for (const auto& h : search("\"tallowmere\"", std::nullopt).hits)
        CHECK(h.explain->documentation == 0);
    // Nor plain BM25.
    SearchRequest plain;
    plain.text = "tallowmere";
    plain.plain_bm25 = true;
    plain.explain = true;
    auto p = s->search(plain);
    REQUIRE(p.has_value());
    for (const auto& h : p->hits) CHECK(h.explain->documentation == 0);
}
