// Text match sets (query/src/matchset.h) against Xapian's own matcher on the real-card index.
// The searcher computes the documents a text query matches with bitmaps of the terms'
// postings, frequent terms' bitmaps cached per revision (termsets.h); the set must be exactly
// what Xapian's matcher returns for the same query, whether the bitmaps come from the cache,
// were just evicted from a cache too small to hold them, or are read by several threads at once.
#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

#include <xapian.h>

#include "budget.h"
#include "cardex/index/store.h"
#include "matchset.h"
#include "real_corpus.h"
#include "termsets.h"

using namespace cardex;

namespace {

std::string public_db_path() {
    auto gen = index::live_generation(CARDEX_REAL_INDEX);
    REQUIRE(gen.has_value());
    return gen.value();
}

// The query texts: frequent words (the cached path), rare ones (decoded per query), and their
// combinations through every operator the direct path evaluates, plus phrases and wildcards
// (the matcher's path), all from the index's own vocabulary.
std::vector<std::string> query_texts(const Xapian::Database& db) {
    const auto words = test::words_by_frequency(db);
    REQUIRE(words.size() > 2000);
    const auto min_freq = query::TermSets::min_freq(db.get_lastdocid());
    std::vector<std::string> frequent, rare;
    for (std::size_t i = 0; i < words.size() && frequent.size() < 40; i += 3) {
        if (words[i].first >= min_freq) frequent.push_back(words[i].second);
    }
    for (std::size_t i = words.size() / 3; i < words.size() && rare.size() < 20; i += 97) {
        if (words[i].first < min_freq && words[i].first > 1) rare.push_back(words[i].second);
    }
    REQUIRE(frequent.size() == 40);
    REQUIRE(rare.size() == 20);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < frequent.size(); ++i) {
        const auto& a = frequent[i];
        const auto& b = frequent[(i * 7 + 3) % frequent.size()];
        const auto& c = frequent[(i * 13 + 5) % frequent.size()];
        const auto& r = rare[i % rare.size()];
        out.push_back(a);
        out.push_back(a + " " + b);
        out.push_back(a + " " + b + " " + c);
        out.push_back(a + " " + r);
        out.push_back(r);
        out.push_back(a + " OR " + b);
        out.push_back(a + " OR " + r + " OR " + c);
        out.push_back(a + " -" + b);
        out.push_back(a + " " + b + " NOT " + c);
        out.push_back("-" + a);
        out.push_back("(" + a + " OR " + r + ") " + b);
        out.push_back("title:" + a + " " + b);
        out.push_back("\"" + a + " " + b + "\"");
        out.push_back(a.substr(0, 3) + "*");
    }
    out.push_back("license:mit model");
    out.push_back("zzzznotaword");
    return out;
}

Xapian::Query parse(const Xapian::Database& db, const std::string& text) {
    // The searcher's settings for plain text (query/src/query_builder.cpp).
    Xapian::QueryParser qp;
    qp.set_database(db);
    qp.set_stemmer(Xapian::Stem("english"));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
    qp.set_default_op(Xapian::Query::OP_AND);
    qp.add_prefix("title", std::string(index::kPrefixTitle));
    qp.add_boolean_prefix("license", "L");
    return qp.parse_query(text,
                          Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_BOOLEAN |
                              Xapian::QueryParser::FLAG_LOVEHATE |
                              Xapian::QueryParser::FLAG_WILDCARD |
                              Xapian::QueryParser::FLAG_PURE_NOT);
}

std::vector<std::uint32_t> by_xapian(const Xapian::Database& db, const Xapian::Query& q) {
    Xapian::Enquire e(db);
    e.set_query(q);
    e.set_weighting_scheme(Xapian::BoolWeight());
    e.set_docid_order(Xapian::Enquire::ASCENDING);
    std::vector<std::uint32_t> out;
    auto m = e.get_mset(0, db.get_doccount());
    for (auto it = m.begin(); it != m.end(); ++it) out.push_back(*it);
    return out;
}

std::vector<std::uint32_t> by_match_set(const Xapian::Database& db,
                                        const Xapian::Query& q,
                                        query::TermSets& sets) {
    query::Budget unlimited;
    query::BudgetCheck check(unlimited);
    std::vector<std::uint32_t> out;
    query::match_set(db, {}, q, out, sets, check);
    return out;
}

}  // namespace

TEST_CASE("text match sets are Xapian's, from cached, evicted and fresh bitmaps",
          "[integration][matchset]") {
    Xapian::Database db(public_db_path());
    const auto texts = query_texts(db);
    std::vector<std::vector<std::uint32_t>> want;
    std::size_t nonempty = 0;
    for (const auto& t : texts) {
        want.push_back(by_xapian(db, parse(db, t)));
        nonempty += !want.back().empty();
    }
    // Most queries match something, or the comparison proves little.
    CHECK(nonempty > texts.size() * 3 / 4);

    query::TermSets roomy;  // holds every term of this index
    // A few bitmaps, frequent and rare: evicts all the time.
    query::TermSets cramped(64 << 10, 256);
    for (int round = 0; round < 2; ++round) {  // the second round reads from the caches
        for (std::size_t i = 0; i < texts.size(); ++i) {
            INFO(texts[i] << ", round " << round);
            const auto q = parse(db, texts[i]);
            CHECK(by_match_set(db, q, roomy) == want[i]);
            CHECK(by_match_set(db, q, cramped) == want[i]);
        }
    }
    CHECK(roomy.cached_terms() >= 40);
    CHECK(cramped.cached_bytes() <= (64 << 10) + 200 * 1024);
    CHECK(cramped.cached_terms() < roomy.cached_terms());
    // Rare terms are kept apart (the 20 rare words, and rarer stems of the frequent ones),
    // and the small rare cache holds fewer of them than it was given.
    CHECK(roomy.cached_rare_terms() >= 20);
    CHECK(cramped.cached_rare_bytes() <= 256 + 16 * 1024);
    CHECK(cramped.cached_rare_terms() < roomy.cached_rare_terms());
    // The frequencies the sets remember are the database's, for every term seen and for
    // terms the index does not hold.
    for (const auto& t : texts) {
        const auto q = parse(db, t);
        for (auto it = q.get_unique_terms_begin(); it != q.get_unique_terms_end(); ++it) {
            INFO(*it);
            CHECK(roomy.termfreq(db, *it) == db.get_termfreq(*it));
            CHECK(cramped.termfreq(db, *it) == db.get_termfreq(*it));
        }
    }
    CHECK(roomy.termfreq(db, "Zno-such-term") == 0);
}

TEST_CASE("threads sharing one revision's bitmap cache get the same sets",
          "[integration][matchset]") {
    const std::string path = public_db_path();
    Xapian::Database db(path);
    const auto texts = query_texts(db);
    std::vector<std::vector<std::uint32_t>> want;
    for (const auto& t : texts) want.push_back(by_xapian(db, parse(db, t)));
    query::TermSets shared(256 << 10, 32 << 10);  // small: threads evict each other's bitmaps
    std::vector<std::size_t> wrong(4, 0);
    std::vector<std::thread> threads;
    for (std::size_t k = 0; k < wrong.size(); ++k) {
        threads.emplace_back([&, k] {
            Xapian::Database mine(path);  // one Database per thread
            for (int round = 0; round < 3; ++round) {
                for (std::size_t i = k; i < texts.size() + k; ++i) {
                    const std::size_t j = i % texts.size();
                    if (by_match_set(mine, parse(mine, texts[j]), shared) != want[j]) ++wrong[k];
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    for (std::size_t k = 0; k < wrong.size(); ++k) CHECK(wrong[k] == 0);
}
