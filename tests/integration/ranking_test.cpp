// The pruned ranking (issue #15): the popularity prior's bound falls along the docids (= the
// downloads order after a reindex), so Xapian's matcher may stop before scoring every match
// (query/src/query_builder.cpp, FallingPrior). Its top pages must be exactly those of the
// exhaustive ranking: compared here for hundreds of queries on the real cards and on a
// generated corpus, with and without filters, on the first page, a deeper page and the page
// after a cursor. The ranking is also restricted to the documents the pass found, with the
// query's required phrases ranked as plain words (query/src/searcher.cpp); the exhaustive
// path ranks the query as written, phrases and filters included: the pages must agree.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "cardex/index/store.h"
#include "cardex/ingest/sources.h"
#include "cardex/query/searcher.h"
#include "fixture.h"
#include "process.h"
#include "real_corpus.h"

using namespace cardex;

namespace {

// Words of the cards' titles and descriptions at their own frequencies (every `step`-th
// card's first words), alone and in pairs: common words (many matches, where pruning acts)
// and rare ones.
std::vector<std::string> sampled_queries(const std::vector<index::Card>& cards, std::size_t step,
                                         std::size_t want) {
    std::vector<std::string> words;
    for (std::size_t i = 0; i < cards.size() && words.size() < want; i += step) {
        std::stringstream ss(cards[i].description.empty() ? cards[i].title : cards[i].description);
        std::string w;
        for (int k = 0; k < 3 && ss >> w; ++k) {
            std::string clean;
            for (unsigned char c : w)
                if (std::isalnum(c)) clean += static_cast<char>(std::tolower(c));
            if (clean.size() >= 3) words.push_back(clean);
        }
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < words.size(); ++i) {
        out.push_back(words[i]);
        if (i + 1 < words.size() && i % 3 == 0) out.push_back(words[i] + " " + words[i + 1]);
        // Neighbours in a card's text: as a phrase they match (ranked as plain words
        // restricted to the matches).
        if (i + 1 < words.size() && i % 3 == 1) out.push_back("\"" + words[i] + " " + words[i + 1] + "\"");
    }
    return out;
}

std::string describe(const query::SearchResponse& r) {
    std::string out;
    for (const auto& h : r.hits) out += h.card.id + " " + std::to_string(h.score) + "\n";
    return out;
}

// Searches `req` pruned and exhaustive; the pages must be identical. Returns how many
// queries had more matches than the page (where pruning can act).
std::size_t compare(query::Searcher& s, const std::vector<std::string>& texts,
                    const std::vector<std::vector<query::FacetFilter>>& filter_sets) {
    std::size_t broad = 0;
    for (const auto& text : texts) {
        for (const auto& filters : filter_sets) {
            for (std::size_t offset : {std::size_t{0}, std::size_t{30}}) {
                query::SearchRequest req;
                req.text = text;
                req.filters = filters;
                req.limit = 10;
                req.offset = offset;
                req.snippets = false;
                auto pruned = s.search(req);
                req.exhaustive = true;
                auto full = s.search(req);
                INFO("query '" << text << "', " << filters.size() << " filters, offset " << offset);
                REQUIRE(pruned.has_value() == full.has_value());
                if (!pruned) continue;
                CHECK(describe(*pruned) == describe(*full));
                CHECK(pruned->total == full->total);
                broad += offset == 0 && full->total > 10;
                // The page after the first one's cursor, pruned both times.
                if (offset == 0 && !full->next_cursor.empty()) {
                    req.exhaustive = false;
                    req.cursor = pruned->next_cursor;
                    auto next_pruned = s.search(req);
                    req.cursor = full->next_cursor;
                    req.exhaustive = true;
                    auto next_full = s.search(req);
                    REQUIRE(next_pruned.has_value());
                    REQUIRE(next_full.has_value());
                    CHECK(describe(*next_pruned) == describe(*next_full));
                }
            }
        }
    }
    return broad;
}

// `count` cards from `cardex gen` (seed `seed`, the repository's profile) as ingest reads
// them; the corpus file is written into `dir`.
std::vector<index::Card> generated_cards(const test::TempDir& dir, std::size_t count,
                                         unsigned seed) {
    const std::string corpus = dir.str() + "/cards.jsonl";
    REQUIRE(test::run({CARDEX_EXE, "gen", "--count", std::to_string(count), "--seed",
                       std::to_string(seed), "--out", corpus, "--quiet", "--profile",
                       CARDEX_SOURCE_DIR "/data/synth"})
                .exit_code == 0);
    std::vector<index::Card> cards;
    ingest::read_cards({corpus}, test::vocabulary(), {},
                       [&](index::Card&& c) { cards.push_back(std::move(c)); });
    REQUIRE(cards.size() == count);
    return cards;
}

}  // namespace

TEST_CASE("the pruned ranking gives the exhaustive ranking's pages on the real cards",
          "[integration][ranking]") {
    const auto& cards = test::real_cards();
    auto s = query::Searcher::open(CARDEX_REAL_INDEX);
    REQUIRE(s.has_value());
    auto texts = test::judged_query_texts();
    const auto sampled = sampled_queries(cards, 23, 160);
    texts.insert(texts.end(), sampled.begin(), sampled.end());
    texts.insert(texts.end(), {"model", "the", "dataset", "bert", "\"text classification\"",
                               "llama -gguf", "trans*", "language model"});
    REQUIRE(texts.size() >= 250);
    const std::size_t broad =
        compare(*s, texts, {{}, {{"type", {"model"}, {}}}, {{"license", {"apache-2.0", "mit"}, {}}}});
    CHECK(broad >= 150);  // most queries match more than a page: pruning had work to do
}

TEST_CASE("the pruned ranking gives the exhaustive ranking's pages on a generated corpus",
          "[integration][ranking]") {
    test::TempDir dir;
    auto cards = generated_cards(dir, 4000, 5);
    const auto texts = sampled_queries(cards, 17, 150);
    index::BuildOptions o;
    o.vocabulary = test::vocabulary();
    REQUIRE(index::build_index(dir.str() + "/index", std::move(cards), o).has_value());
    auto s = query::Searcher::open(dir.str() + "/index");
    REQUIRE(s.has_value());
    REQUIRE(texts.size() >= 150);
    const std::size_t broad = compare(*s, texts, {{}, {{"task", {"text-generation"}, {}}}});
    CHECK(broad >= 75);
}

TEST_CASE("the pruned ranking gives the exhaustive ranking's pages for a caller with private cards",
          "[integration][ranking]") {
    // A caller allowed namespaces searches the public database and their private ones as
    // one (several databases: docids interleave, and Xapian positions each sub-database's
    // posting sources by that database's own docids).
    test::TempDir dir;
    auto cards = generated_cards(dir, 3000, 9);
    const auto texts = sampled_queries(cards, 29, 80);
    std::vector<std::string> namespaces;
    for (std::size_t i = 0; i < cards.size(); i += 7) {
        if (cards[i].author.empty()) continue;
        cards[i].is_private = true;
        if (namespaces.size() < 40) namespaces.push_back(cards[i].author);
    }
    REQUIRE(namespaces.size() == 40);
    index::BuildOptions o;
    o.vocabulary = test::vocabulary();
    REQUIRE(index::build_index(dir.str() + "/index", std::move(cards), o).has_value());
    auto s = query::Searcher::open(dir.str() + "/index");
    REQUIRE(s.has_value());
    std::size_t broad = 0, compared = 0;
    for (const auto& text : texts) {
        for (bool all : {false, true}) {
            query::SearchRequest req;
            req.text = text;
            req.limit = 10;
            req.snippets = false;
            req.private_namespaces = namespaces;
            req.all_private = all;
            auto pruned = s->search(req);
            req.exhaustive = true;
            auto full = s->search(req);
            INFO("query '" << text << "', all private " << all);
            REQUIRE(pruned.has_value());
            REQUIRE(full.has_value());
            CHECK(describe(*pruned) == describe(*full));
            CHECK(pruned->total == full->total);
            broad += full->total > 10;
            ++compared;
        }
    }
    CHECK(compared >= 160);
    CHECK(broad >= compared / 3);
}
