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
#include <map>
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

std::string facet_text(const query::FacetResult& f) {
    std::string out = f.facet + ":";
    for (const auto& v : f.values) out += " " + v.value + "=" + std::to_string(v.count);
    return out;
}

// The page `offset` of `text` under `filters`, ten hits with two facets' counts.
query::SearchRequest page_request(const std::string& text,
                                  const std::vector<query::FacetFilter>& filters,
                                  std::size_t offset) {
    query::SearchRequest req;
    req.text = text;
    req.filters = filters;
    req.limit = 10;
    req.offset = offset;
    req.snippets = false;
    req.facets = {{"license"}, {"task"}};
    return req;
}

// The page after `first`'s cursor searched as `req` asks must equal the page after
// `exhaustive`'s cursor searched exhaustively.
void check_next_page(query::Searcher& s,
                     query::SearchRequest req,
                     const query::SearchResponse& first,
                     const query::SearchResponse& exhaustive) {
    if (exhaustive.next_cursor.empty()) return;
    req.exhaustive = false;
    req.cursor = first.next_cursor;
    auto next = s.search(req);
    req.cursor = exhaustive.next_cursor;
    req.exhaustive = true;
    auto next_full = s.search(req);
    REQUIRE(next.has_value());
    REQUIRE(next_full.has_value());
    CHECK(describe(*next) == describe(*next_full));
}

// Searches `req` pruned and exhaustive; the pages must be identical. Returns how many
// queries had more matches than the page (where pruning can act).
std::size_t compare(query::Searcher& s,
                    const std::vector<std::string>& texts,
                    const std::vector<std::vector<query::FacetFilter>>& filter_sets,
                    std::size_t* matching_most = nullptr,
                    std::uint64_t corpus_size = 0) {
    std::size_t broad = 0, most = 0;
    for (const auto& text : texts) {
        for (const auto& filters : filter_sets) {
            for (std::size_t offset : {std::size_t{0}, std::size_t{30}}) {
                auto req = page_request(text, filters, offset);
                auto pruned = s.search(req);
                req.exhaustive = true;
                auto full = s.search(req);
                INFO("query '" << text << "', " << filters.size() << " filters, offset " << offset);
                REQUIRE(pruned.has_value() == full.has_value());
                if (!pruned) continue;
                CHECK(describe(*pruned) == describe(*full));
                CHECK(pruned->total == full->total);
                // Counts too: text matching most of the index is counted from the kept
                // public counts minus the cards it misses (run_complement_pass), the
                // exhaustive path by visiting every match.
                REQUIRE(pruned->facets.size() == full->facets.size());
                for (std::size_t f = 0; f < full->facets.size(); ++f) {
                    CHECK(facet_text(pruned->facets[f]) == facet_text(full->facets[f]));
                }
                most += pruned->total * 2 > corpus_size;
                broad += offset == 0 && full->total > 10;
                // The page after the first one's cursor.
                if (offset == 0) check_next_page(s, req, *pruned, *full);
            }
        }
    }
    if (matching_most) *matching_most = most;
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
    std::size_t most = 0;
    query::SearchRequest everything;
    everything.limit = 0;
    const auto all = s->search(everything);
    REQUIRE(all.has_value());
    const std::size_t broad =
        compare(*s,
                texts,
                {{}, {{"type", {"model"}, {}}}, {{"license", {"apache-2.0", "mit"}, {}}}},
                &most,
                all->total);
    CHECK(broad >= 150);  // most queries match more than a page: pruning had work to do
}

TEST_CASE("the pruned ranking gives the exhaustive ranking's pages on a generated corpus",
          "[integration][ranking]") {
    test::TempDir dir;
    auto cards = generated_cards(dir, 4000, 5);
    auto texts = sampled_queries(cards, 17, 150);
    texts.insert(texts.end(), {"the", "model", "and", "a"});
    index::BuildOptions o;
    o.vocabulary = test::vocabulary();
    REQUIRE(index::build_index(dir.str() + "/index", std::move(cards), o).has_value());
    auto s = query::Searcher::open(dir.str() + "/index");
    REQUIRE(s.has_value());
    REQUIRE(texts.size() >= 150);
    std::size_t most = 0;
    const std::size_t broad =
        compare(*s, texts, {{}, {{"task", {"text-generation"}, {}}}}, &most, 4000);
    CHECK(broad >= 75);
    CHECK(most >= 2);
}

TEST_CASE("the pruned ranking gives the exhaustive ranking's pages for a caller with private cards",
          "[integration][ranking]") {
    // A caller allowed namespaces searches the public database and their private ones as
    // one (several databases: docids interleave, and Xapian positions each sub-database's
    // posting sources by that database's own docids).
    test::TempDir dir;
    auto cards = generated_cards(dir, 3000, 9);
    auto texts = sampled_queries(cards, 29, 80);
    // Words on most cards: an anonymous search of them is ranked over the text's matches
    // with only public cards accepted (searcher.cpp, complement; score_plan.h).
    texts.insert(texts.end(), {"the", "model", "and", "a"});
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
    std::size_t broad = 0, compared = 0, anonymous_most = 0;
    query::SearchRequest public_only;
    public_only.limit = 0;
    const auto everything = s->search(public_only);
    REQUIRE(everything.has_value());
    REQUIRE(everything->total < 3000);  // the private cards are not counted
    for (const auto& text : texts) {
        // Signed in with namespaces (some or all private cards), and anonymous.
        for (int who = 0; who < 3; ++who) {
            query::SearchRequest req;
            req.text = text;
            req.limit = 10;
            req.snippets = false;
            if (who < 2) req.private_namespaces = namespaces;
            req.all_private = who == 1;
            auto pruned = s->search(req);
            req.exhaustive = true;
            auto full = s->search(req);
            INFO("query '" << text << "', caller " << who);
            REQUIRE(pruned.has_value());
            REQUIRE(full.has_value());
            CHECK(describe(*pruned) == describe(*full));
            CHECK(pruned->total == full->total);
            broad += full->total > 10;
            anonymous_most += who == 2 && full->total * 2 > everything->total;
            ++compared;
        }
    }
    CHECK(compared >= 240);
    CHECK(broad >= compared / 3);
    CHECK(anonymous_most >= 2);
}

namespace {

// Phrases whose words many cards hold are checked on part of those cards only
// (query/src/phrases.h). Searched with a small limit against the exhaustive path: the pages
// (first, deeper, after a cursor) are the same; the total is exact when total_exact says so
// and a lower bound otherwise, and so are the facet counts with counts_exact.
struct Bounded {
    std::size_t totals = 0;  ///< searches whose total was a lower bound
    std::size_t counts = 0;  ///< searches with an exact total and lower-bound counts
};

Bounded compare_bounded(query::Searcher& s,
                        const std::vector<std::string>& texts,
                        const std::vector<std::vector<query::FacetFilter>>& filter_sets,
                        std::size_t limit) {
    Bounded bounded;
    for (const auto& text : texts) {
        for (const auto& filters : filter_sets) {
            for (std::size_t offset : {std::size_t{0}, std::size_t{20}}) {
                auto req = page_request(text, filters, offset);
                req.phrase_check_limit = limit;
                auto part = s.search(req);
                req.exhaustive = true;
                auto full = s.search(req);
                INFO("query '" << text << "', " << filters.size() << " filters, offset " << offset
                               << ", limit " << limit);
                REQUIRE(part.has_value() == full.has_value());
                if (!part) continue;
                CHECK(describe(*part) == describe(*full));
                REQUIRE(full->total_exact);
                REQUIRE(full->counts_exact);
                CHECK(part->total_estimate >= part->total);
                REQUIRE(part->facets.size() == full->facets.size());
                if (part->total_exact) {
                    CHECK(part->total == full->total);
                    CHECK(part->total_estimate == part->total);
                    if (!part->counts_exact) ++bounded.counts;
                } else {
                    ++bounded.totals;
                    CHECK(part->total <= full->total);
                    CHECK_FALSE(part->counts_exact);
                }
                for (std::size_t f = 0; f < full->facets.size(); ++f) {
                    std::map<std::string, std::uint64_t> whole;
                    for (const auto& v : full->facets[f].values) whole[v.value] = v.count;
                    for (const auto& v : part->facets[f].values) {
                        INFO("facet " << full->facets[f].facet << " value " << v.value);
                        if (part->counts_exact) {
                            CHECK(whole[v.value] == v.count);
                        } else {
                            // A value among the full top 10 may be missing from the
                            // bounded top 10; one present counts no more than it should.
                            if (whole.count(v.value)) CHECK(v.count <= whole[v.value]);
                        }
                    }
                }
                if (offset == 0) check_next_page(s, req, *part, *full);
            }
        }
    }
    return bounded;
}

std::vector<std::string> phrases_of(const std::vector<std::string>& texts) {
    std::vector<std::string> out;
    for (const auto& t : texts)
        if (t.front() == '"') out.push_back(t);
    return out;
}

}  // namespace

TEST_CASE(
    "a phrase checked on part of its candidates keeps the exhaustive pages, and its "
    "total and counts are lower bounds",
    "[integration][ranking][phrases]") {
    const auto& cards = test::real_cards();
    auto s = query::Searcher::open(CARDEX_REAL_INDEX);
    REQUIRE(s.has_value());
    auto texts = phrases_of(sampled_queries(cards, 23, 240));
    texts.insert(texts.end(),
                 {"\"text classification\"",
                  "\"language model\" bert",
                  "\"fine tuned\" \"language model\"",
                  "\"the model\"",
                  "\"of the\" -gguf",
                  "title:\"language model\"",
                  "\"model card\""});
    REQUIRE(texts.size() >= 60);
    // cc-by-4.0 is selective: its cards are checked apart, the other licenses' counts in part.
    const std::vector<std::vector<query::FacetFilter>> filters = {
        {},
        {{"type", {"model"}, {}}},
        {{"license", {"apache-2.0", "mit"}, {}}},
        {{"license", {"cc-by-4.0"}, {}}}};
    Bounded bounded;
    for (std::size_t limit : {std::size_t{1}, std::size_t{37}, std::size_t{400}}) {
        const auto b = compare_bounded(*s, texts, filters, limit);
        bounded.totals += b.totals;
        bounded.counts += b.counts;
    }
    // Both bounded paths had work to do.
    CHECK(bounded.totals >= 100);
    CHECK(bounded.counts >= 20);

    // The default limit is above every candidate set of the real cards: exact everywhere.
    query::SearchRequest req;
    req.text = "\"the model\"";
    auto r = s->search(req);
    REQUIRE(r.has_value());
    CHECK(r->total_exact);
    CHECK(r->counts_exact);
    CHECK(r->total > 100);
    CHECK(r->total_estimate == r->total);
}

TEST_CASE("a phrase checked on part of its candidates: the generated corpus",
          "[integration][ranking][phrases]") {
    test::TempDir dir;
    auto cards = generated_cards(dir, 4000, 7);
    auto texts = phrases_of(sampled_queries(cards, 11, 300));
    // A license on 1-3% of the cards: checked apart, the other licenses counted in part.
    std::map<std::string, std::size_t> licenses;
    for (const auto& c : cards) ++licenses[c.license];
    std::string rare;
    for (const auto& [l, n] : licenses)
        if (!l.empty() && n >= cards.size() / 100 && n <= cards.size() * 3 / 100) rare = l;
    REQUIRE(!rare.empty());
    index::BuildOptions o;
    o.vocabulary = test::vocabulary();
    REQUIRE(index::build_index(dir.str() + "/index", std::move(cards), o).has_value());
    auto s = query::Searcher::open(dir.str() + "/index");
    REQUIRE(s.has_value());
    REQUIRE(texts.size() >= 60);
    const auto bounded = compare_bounded(
        *s, texts, {{}, {{"task", {"text-generation"}, {}}}, {{"license", {rare}, {}}}}, 50);
    CHECK(bounded.totals >= 20);
    CHECK(bounded.counts >= 5);
    // Exact totals asked for (0): every candidate checked on the position store, the
    // pages, totals and counts those of Xapian's own phrase matching.
    const auto exact = compare_bounded(
        *s, texts, {{}, {{"task", {"text-generation"}, {}}}, {{"license", {rare}, {}}}}, 0);
    CHECK(exact.totals == 0);
    CHECK(exact.counts == 0);
}
