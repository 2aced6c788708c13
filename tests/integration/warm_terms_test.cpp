// Warming a generation's most frequent words (query/src/warm.h, warm_terms): on the real-card
// index, the words warmed are the vocabulary's most frequent ones, a search of one of them
// then decodes nothing more, the caches' share bounds the warming, and a warmed Searcher
// answers exactly as a cold one.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include <xapian.h>

#include "budget.h"
#include "cardex/index/store.h"
#include "cardex/query/searcher.h"
#include "columns.h"
#include "impacts.h"
#include "lexicon.h"
#include "matchset.h"
#include "query_builder.h"
#include "real_corpus.h"
#include "warm.h"

using namespace cardex;

namespace {

Xapian::Database public_db() {
    auto gen = index::live_generation(CARDEX_REAL_INDEX);
    REQUIRE(gen.has_value());
    return Xapian::Database(gen.value());
}

// The spelling vocabulary's words that TermSets caches, most frequent first.
std::vector<std::string> frequent_words(const Xapian::Database& db, const query::Lexicon& lex) {
    std::vector<std::pair<std::uint32_t, std::string>> v;
    const auto& words = *lex.words;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (words.docs_at(i) >= query::TermSets::min_freq(db.get_lastdocid()))
            v.emplace_back(words.docs_at(i), std::string(words.word(i)));
    }
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<std::string> out;
    for (auto& [n, w] : v) out.push_back(std::move(w));
    return out;
}

// What a search of `text` decodes into `cols` (searcher.cpp): its match set's bitmaps, and
// the ranking's postings when it visits the cards that match.
void search_like(const Xapian::Database& db,
                 query::Columns& cols,
                 const query::Lexicon& lex,
                 const std::string& text) {
    const query::Budget unlimited;
    query::BudgetCheck budget(unlimited);
    query::SearchRequest req;
    req.text = text;
    auto q = query::build_query(db, req, lex, budget, query::TextPass{});
    REQUIRE(q.has_value());
    std::vector<std::uint32_t> matches;
    REQUIRE(query::direct_set(db, q->text, matches, cols.term_sets(), budget));
    query::with_impacts(q->ranked(q->text),
                        db,
                        cols.impacts(),
                        cols.term_sets(),
                        cols.doclengths(db),
                        query::TermSets::min_freq(db.get_lastdocid()),
                        matches.size(),
                        budget);
}

}  // namespace

TEST_CASE("warming decodes the most frequent words, so that searching them decodes nothing more",
          "[integration][warm]") {
    const auto db = public_db();
    auto lex = query::Lexicon::of(db);
    REQUIRE(lex.has_value());
    const auto words = frequent_words(db, *lex.value());
    REQUIRE(words.size() >= 100);  // the real cards: a few hundred words on 64 cards or more
    auto cols = query::Columns::of(db, "warm-terms-test:all");
    CHECK(cols->term_sets().cached_terms() == 0);
    const auto w = query::warm_terms(db, *cols, *lex.value());
    // The caches are far from half full at 6,634 cards: every frequent word is warmed.
    CHECK(w.words == std::min(words.size(), query::kWarmWords));
    CHECK(w.bitmap_bytes == cols->term_sets().cached_bytes());
    CHECK(w.impact_bytes == cols->impacts().cached_bytes());
    CHECK(w.impact_bytes > 0);
    const auto sets = cols->term_sets().cached_terms();
    const auto impacts = cols->impacts().cached_terms();
    CHECK(sets > 0);
    // Searches of the warmed words, alone and together, find everything decoded already.
    for (std::size_t i = 0; i < 20; ++i) {
        search_like(db, *cols, *lex.value(), words[i]);
        search_like(db, *cols, *lex.value(), words[i] + " " + words[i + 1]);
    }
    CHECK(cols->term_sets().cached_terms() == sets);
    CHECK(cols->impacts().cached_terms() == impacts);
    // Warming again decodes nothing either.
    const auto again = query::warm_terms(db, *cols, *lex.value());
    CHECK(again.words == w.words);
    CHECK(cols->term_sets().cached_terms() == sets);
    CHECK(cols->impacts().cached_terms() == impacts);

    // A cold cache decodes them on the first search (what warming spares).
    auto cold = query::Columns::of(db, "warm-terms-test:cold");
    search_like(db, *cold, *lex.value(), words[0]);
    CHECK(cold->term_sets().cached_terms() > 0);
    CHECK(cold->impacts().cached_terms() > 0);
}

TEST_CASE("warming stops once a cache holds its share of its bound", "[integration][warm]") {
    const auto db = public_db();
    auto lex = query::Lexicon::of(db);
    REQUIRE(lex.has_value());
    auto cols = query::Columns::of(db, "warm-terms-test:share");
    // A share below one word's bitmap: the first word fills it, and warming stops there
    // (the postings cache keeps room, so the loop goes on for bitmaps only until both are
    // full: a share this small fills both with the first word).
    const auto w = query::warm_terms(db, *cols, *lex.value(), 1e-9);
    CHECK(w.words == 1);
    CHECK(cols->term_sets().cached_terms() >= 1);
    // Nothing at all with a share of 0.
    auto none = query::Columns::of(db, "warm-terms-test:none");
    CHECK(query::warm_terms(db, *none, *lex.value(), 0).words == 0);
    CHECK(none->term_sets().cached_terms() == 0);
    CHECK(none->impacts().cached_terms() == 0);
}

TEST_CASE("a warmed searcher answers exactly as a cold one", "[integration][warm]") {
    // Searchers of one revision share its caches (columns.h): the cold answers come first,
    // from a searcher dropped before another one warms.
    const auto db = public_db();
    auto lex = query::Lexicon::of(db);
    REQUIRE(lex.has_value());
    const auto words = frequent_words(db, *lex.value());
    std::vector<query::SearchRequest> requests;
    for (std::size_t i = 0; i + 2 < 60; i += 3) {
        for (const std::string& text :
             {words[i], words[i] + " " + words[i + 2], words[i + 1] + " " + words[i + 40]}) {
            query::SearchRequest req;
            req.text = text;
            req.limit = 20;
            req.facets = {{"task", 10}, {"license", 10}};
            requests.push_back(std::move(req));
        }
    }
    std::vector<query::SearchResponse> cold;
    {
        auto s = query::Searcher::open(CARDEX_REAL_INDEX);
        REQUIRE(s.has_value());
        for (const auto& req : requests) {
            auto r = s->search(req);
            REQUIRE(r.has_value());
            cold.push_back(std::move(r).value());
        }
    }
    auto warm = query::Searcher::open(CARDEX_REAL_INDEX);
    REQUIRE(warm.has_value());
    auto stats = warm->warm();
    REQUIRE(stats.has_value());
    CHECK(stats->words > 100);
    CHECK(stats->word_bytes > 0);
    CHECK(stats->words_ms <= stats->ms);
    for (std::size_t i = 0; i < requests.size(); ++i) {
        auto b = warm->search(requests[i]);
        REQUIRE(b.has_value());
        const auto& a = cold[i];
        INFO(requests[i].text);
        CHECK(a.total == b->total);
        REQUIRE(a.hits.size() == b->hits.size());
        for (std::size_t h = 0; h < a.hits.size(); ++h) {
            CHECK(a.hits[h].card.id == b->hits[h].card.id);
            CHECK(a.hits[h].score == b->hits[h].score);
        }
        REQUIRE(a.facets.size() == b->facets.size());
        for (std::size_t f = 0; f < a.facets.size(); ++f) {
            REQUIRE(a.facets[f].values.size() == b->facets[f].values.size());
            for (std::size_t v = 0; v < a.facets[f].values.size(); ++v) {
                CHECK(a.facets[f].values[v].value == b->facets[f].values[v].value);
                CHECK(a.facets[f].values[v].count == b->facets[f].values[v].count);
            }
        }
    }
}
