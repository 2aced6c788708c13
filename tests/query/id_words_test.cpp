// The id-words boost (understood_query.h id_word_alternatives): a card whose id holds every
// word of the query, as typed, joined or split where letters meet digits, ranks above one
// whose text only mentions them.
#include <catch2/catch.hpp>

#include <algorithm>

#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/query/searcher.h"
#include "fixture.h"
#include "understood_query.h"

using namespace cardex;
using cardex::index::Card;
using cardex::index::CardType;
using namespace cardex::query;

namespace {

using Alternatives = std::vector<std::vector<std::string>>;

const query::Hit& hit(const SearchResponse& r, const std::string& id) {
    const auto it = std::find_if(
        r.hits.begin(), r.hits.end(), [&](const query::Hit& h) { return h.card.id == id; });
    REQUIRE(it != r.hits.end());
    return *it;
}

}  // namespace

TEST_CASE("the words an id must hold: as typed, one pair joined, one word split", "[id-words]") {
    CHECK(id_word_alternatives({"llama", "3"}) ==
          Alternatives{{"XIDT3", "XIDTllama"}, {"XIDTllama3"}});
    CHECK(id_word_alternatives({"llama3"}) == Alternatives{{"XIDTllama3"}, {"XIDT3", "XIDTllama"}});
    CHECK(id_word_alternatives({"bert", "base"}) ==
          Alternatives{{"XIDTbase", "XIDTbert"}, {"XIDTbertbase"}});
    CHECK(id_word_alternatives({"llama", "2", "7b"}) ==
          Alternatives{{"XIDT2", "XIDT7b", "XIDTllama"},
                       {"XIDT7b", "XIDTllama2"},
                       {"XIDT27b", "XIDTllama"},
                       {"XIDT2", "XIDT7", "XIDTb", "XIDTllama"}});
    // A repeated word is one term.
    CHECK(id_word_alternatives({"bert", "bert"}) == Alternatives{{"XIDTbert"}, {"XIDTbertbert"}});
    // One word that does not split lifts nothing: every card with it in its id would rise.
    CHECK(id_word_alternatives({"summarization"}).empty());
    CHECK(id_word_alternatives({"2024"}).empty());
    CHECK(id_word_alternatives({}).empty());
    CHECK(id_word_alternatives({"a", "b", "c", "d", "e", "f", "g"}).empty());  // > kMaxIdWords
}

TEST_CASE("a card whose id holds the query's words gains the id-words boost",
          "[id-words][search]") {
    test::TempDir dir;
    Card meta = test::make_card(CardType::Model, "acme/Meta-Llama-3-8B");
    meta.body = "The 8B model of the third release.";
    Card joined = test::make_card(CardType::Model, "someone/DTA_llama3_8b");
    joined.body = "A fine-tune.";
    Card mentions = test::make_card(CardType::Model, "other/chat-model", 5'000'000);
    mentions.body = "Compared with Llama 3 and Llama 2 on every benchmark, Llama 3 wins.";
    Card two = test::make_card(CardType::Model, "acme/Llama-2-7b");
    two.body = "Llama 2 at 7B; not llama 3.";
    REQUIRE(index::build_index(dir.str(), {meta, joined, mentions, two}).has_value());
    auto s = Searcher::open(dir.str());
    REQUIRE(s.has_value());

    for (const std::string text : {"llama 3", "llama3"}) {
        INFO(text);
        const auto r = test::search_text(*s, text, false, true);
        REQUIRE(r.hits.size() >= 2);
        CHECK(hit(r, "acme/Meta-Llama-3-8B").explain->exact == Approx(2.0));
        CHECK(hit(r, "someone/DTA_llama3_8b").explain->exact == Approx(2.0));
        // Its id names Llama 2 ("llama" but no "3" or "llama3"); the text only mentions it.
        for (const auto& h : r.hits) {
            if (h.card.id == "acme/Llama-2-7b" || h.card.id == "other/chat-model") {
                CHECK(h.explain->exact == 0);
            }
        }
    }
    // The words joined or split match through the id: "llama 3" finds DTA_llama3_8b, whose
    // text writes neither word alone, and "llama3" the cards whose ids write "Llama-3". The
    // baseline matches words only.
    auto ids = [](const SearchResponse& r) {
        std::vector<std::string> out;
        for (const auto& h : r.hits) out.push_back(h.card.id);
        std::sort(out.begin(), out.end());
        return out;
    };
    using Ids = std::vector<std::string>;
    CHECK(ids(test::search_text(*s, "llama 3")) == Ids{"acme/Llama-2-7b",
                                                       "acme/Meta-Llama-3-8B",
                                                       "other/chat-model",
                                                       "someone/DTA_llama3_8b"});
    CHECK(ids(test::search_text(*s, "llama 3", true)) ==
          Ids{"acme/Llama-2-7b", "acme/Meta-Llama-3-8B", "other/chat-model"});
    CHECK(ids(test::search_text(*s, "llama3")) ==
          Ids{"acme/Meta-Llama-3-8B", "someone/DTA_llama3_8b"});
    CHECK(ids(test::search_text(*s, "llama3", true)) == Ids{"someone/DTA_llama3_8b"});
    // The joined id word adds no text weight: the boost is the whole difference.
    const auto r = test::search_text(*s, "llama3", false, true);
    CHECK(hit(r, "acme/Meta-Llama-3-8B").explain->text == Approx(0).margin(1e-9));
}
