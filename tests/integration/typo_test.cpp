// Typo tolerance on the real cards (query/src/typo.h, docs/RELEVANCE.md "Typos"): the typos
// the rules were tuned on find the cards the right spelling finds, with `corrected` and the
// respelling; the judged queries the rules were tuned on are not changed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>

#include "cardex/query/eval.h"
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
        // The cards the right spelling finds. Not quite all: the right spelling also matches
        // its stems in the cards' other languages (query/src/stemming.h), and a correction,
        // added after that expansion (searcher.cpp), does not yet (issue #18's note):
        // "transformer" 3,141 against "tranformer" 3,140, "gemma" 478 against "gemmma" 461.
        CHECK(typed.total * 100 >= meant.total * 95);
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
    // The first 76 judged queries, English and spelled right, that the rules were tuned on
    // (k01-k25, t01-t20, l01-l23, o01-o08). The set grown since has false positives, listed
    // in docs/RELEVANCE.md ("Typos"): "luke conll 2003" suggests "like", "danish bert tone"
    // "tune", Portuguese "filme" is corrected to "file".
    auto judged = query::load_judgments(CARDEX_JUDGMENTS);
    REQUIRE(judged.has_value());
    auto s = query::Searcher::open(CARDEX_REAL_INDEX);
    REQUIRE(s.has_value());
    const std::map<char, int> first_76{{'k', 25}, {'t', 20}, {'l', 23}, {'o', 8}};
    std::size_t checked = 0;
    for (const auto& q : *judged) {
        const auto last = first_76.find(q.id.front());
        if (last == first_76.end() || std::stoi(q.id.substr(1)) > last->second) continue;
        INFO(q.id << " " << q.text);
        auto r = search(*s, q.text);
        CHECK(r.corrected.empty());
        CHECK(r.suggestion.empty());
        ++checked;
    }
    CHECK(checked == 76);
}
