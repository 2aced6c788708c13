// Typo tolerance on the real cards (query/src/typo.h, docs/RELEVANCE.md "Typos"): the typos
// the rules were tuned on find the cards the right spelling finds, with `corrected` and the
// respelling; no judged query (all spelled right) is changed.
#include <catch2/catch.hpp>

#include <algorithm>

#include "cardex/query/searcher.h"
#include "real_corpus.h"

using namespace cardex;

namespace {

query::SearchResponse search(query::Searcher& s, const std::string& text) {
    query::SearchRequest r;
    r.text = text;
    r.limit = 10;
    auto resp = s.search(r);
    REQUIRE(resp.has_value());
    return std::move(resp).value();
}

std::vector<std::string> ids(const query::SearchResponse& r) {
    std::vector<std::string> out;
    for (const auto& h : r.hits) out.push_back(h.card.id);
    return out;
}

}  // namespace

TEST_CASE("real typos find what the right spelling finds", "[typo]") {
    auto s = query::Searcher::open(CARDEX_REAL_INDEX);
    REQUIRE(s.has_value());
    struct Case {
        std::string typed, meant, from, to, card;
    };
    for (const Case& c : std::vector<Case>{
             // missing words: one edit up to 8 letters, two from 9
             {"tranformer", "transformer", "tranformer", "transformer", ""},
             {"wisper", "whisper", "wisper", "whisper", "distil-whisper/distil-large-v2"},
             {"gemmma", "gemma", "gemmma", "gemma", "google/gemma-7b-it"},
             {"falcom", "falcon", "falcom", "falcon", ""},
             // a word one card holds, far rarer than its neighbour
             {"stable difusion",
              "stable diffusion",
              "difusion",
              "diffusion",
              "stabilityai/stable-diffusion-2-1"},
         }) {
        INFO(c.typed);
        auto typed = search(*s, c.typed);
        auto meant = search(*s, c.meant);
        REQUIRE(typed.corrected.size() == 1);
        CHECK(typed.corrected[0].from == c.from);
        CHECK(typed.corrected[0].to.front() == c.to);
        CHECK(typed.suggestion == c.meant);
        CHECK(meant.corrected.empty());
        CHECK(meant.suggestion.empty());
        // Every card the right spelling finds, and no fewer.
        CHECK(typed.total >= meant.total);
        CHECK(typed.total > 0);
        if (!c.card.empty()) {
            const auto got = ids(typed);
            CHECK(std::find(got.begin(), got.end(), c.card) != got.end());
        }
    }
}

TEST_CASE("did you mean for a typo that has hits", "[typo]") {
    auto s = query::Searcher::open(CARDEX_REAL_INDEX);
    REQUIRE(s.has_value());
    // "bret" is held by a card; "bert" by a hundred times as many. Four letters: respelt,
    // never corrected in the match.
    auto r = search(*s, "bret");
    CHECK(r.total >= 1);
    CHECK(r.suggestion == "bert");
    CHECK(r.corrected.empty());
    // "lama" is a dataset's name: no typo of llama.
    auto lama = search(*s, "lama");
    CHECK(lama.suggestion.empty());
    CHECK(lama.corrected.empty());
    REQUIRE(!lama.hits.empty());
    CHECK(lama.hits[0].card.id == "lama");
    // "transformer" and "transformers" are one stem: nothing to respell.
    CHECK(search(*s, "transformer").suggestion.empty());
}

TEST_CASE("no judged query is corrected", "[typo]") {
    auto s = query::Searcher::open(CARDEX_REAL_INDEX);
    REQUIRE(s.has_value());
    for (const auto& text : test::judged_query_texts()) {
        INFO(text);
        auto r = search(*s, text);
        CHECK(r.corrected.empty());
        CHECK(r.suggestion.empty());
    }
}
