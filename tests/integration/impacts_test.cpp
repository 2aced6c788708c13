// The ranking's rewrite of a query onto cached postings (query/src/impacts.h) on the real-card
// index: frequent terms weighed by ImpactSource, matching-only and constant-weight subqueries
// by bitmap sources. Every match must come back with the same docid and exactly the same
// weight (bit for bit) as through Xapian's own postlists, in the full ranking and in a top
// page, where the matcher's minimum weights make the sources skip whole blocks; from a fresh
// cache, an evicting one, and several threads sharing one.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <thread>

#include <xapian.h>

#include "budget.h"
#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "impacts.h"
#include "real_corpus.h"
#include "termsets.h"

using namespace cardex;

namespace {

using Q = Xapian::Query;

std::string public_db_path() {
    auto gen = index::live_generation(CARDEX_REAL_INDEX);
    REQUIRE(gen.has_value());
    return gen.value();
}

Q parse(const Xapian::Database& db, const std::string& text) {
    // The searcher's settings for plain text (query/src/query_builder.cpp).
    Xapian::QueryParser qp;
    qp.set_database(db);
    qp.set_stemmer(Xapian::Stem("english"));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
    qp.set_default_op(Q::OP_AND);
    qp.add_prefix("title", std::string(index::kPrefixTitle));
    return qp.parse_query(text,
                          Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_BOOLEAN |
                              Xapian::QueryParser::FLAG_LOVEHATE);
}

Q fixed(double w, const Q& over) {
    return Q(Q::OP_FILTER, Q((new Xapian::FixedWeightPostingSource(w))->release()), over);
}

// Queries of the shapes the searcher ranks (query_builder.cpp, stemming.cpp): words joined by
// AND and OR, excluded words, a word's other forms scaled to 0 beside it, constant boosts
// over other forms and over facet terms under AND_MAYBE, and leaves the rewrite must leave
// alone (a wqf of 2, a scaled word, a phrase). kQueries of them; no Catch2 macros here, since
// threads call it (Xapian's query objects are not shared between threads).
constexpr std::size_t kQueries = 30 * 11;
std::vector<Q> queries(const Xapian::Database& db) {
    const auto words = test::words_by_frequency(db);
    const auto min_freq = query::TermSets::min_freq(db.get_lastdocid());
    std::vector<std::string> frequent, rare;
    for (std::size_t i = 0; i < words.size() && frequent.size() < 30; i += 5) {
        if (words[i].first >= min_freq) frequent.push_back(words[i].second);
    }
    for (std::size_t i = words.size() / 4; i < words.size() && rare.size() < 10; i += 71) {
        if (words[i].first < min_freq && words[i].first > 1) rare.push_back(words[i].second);
    }
    std::vector<Q> out;
    if (frequent.size() != 30 || rare.size() != 10) return out;
    const Q license("Lapache-2.0");
    for (std::size_t i = 0; i < frequent.size(); ++i) {
        const auto& a = frequent[i];
        const auto& b = frequent[(i * 7 + 3) % frequent.size()];
        const auto& c = frequent[(i * 11 + 5) % frequent.size()];
        const auto& r = rare[i % rare.size()];
        out.push_back(parse(db, a));
        out.push_back(parse(db, a + " " + b));
        out.push_back(parse(db, a + " " + b + " " + c));
        out.push_back(parse(db, a + " OR " + b + " OR " + r));
        out.push_back(parse(db, a + " " + b + " -" + c));
        out.push_back(parse(db, "title:" + a + " " + b));
        out.push_back(parse(db, "\"" + a + " " + b + "\" " + c));
        // A word with its other forms: they match without weighing, and weigh a constant.
        const Q forms(Q::OP_AND_NOT, Q(Q::OP_OR, Q(b), Q(Q::OP_FILTER, Q(r), license)), Q(a));
        const Q word(Q::OP_OR, Q(a), Q(Q::OP_SCALE_WEIGHT, forms, 0.0));
        const Q text(Q::OP_AND, word, Q(c));
        const Q boosts(Q::OP_OR,
                       fixed(3, Q(Q::OP_OR, Q("XID" + a), Q("XNAME" + a))),
                       Q(Q::OP_OR, fixed(1.1415824312824776, forms), fixed(0.05, license)));
        out.push_back(Q(Q::OP_AND_MAYBE, text, boosts));
        out.push_back(Q(Q::OP_FILTER, Q(Q::OP_AND_MAYBE, Q(a), boosts), Q(b)));
        // Left to Xapian: wqf 2, a scaled word. The rest of the query is still rewritten.
        out.push_back(Q(Q::OP_AND, Q(a, 2), Q(b)));
        out.push_back(Q(Q::OP_OR, Q(Q::OP_SCALE_WEIGHT, Q(a), 2.5), Q(c)));
    }
    return out;
}

struct Hit {
    Xapian::docid docid;
    double weight;
    bool operator==(const Hit& o) const {
        // Bit for bit: a last-place difference would reorder near ties.
        return docid == o.docid && std::memcmp(&weight, &o.weight, sizeof weight) == 0;
    }
};

std::vector<Hit> rank(const Xapian::Database& db, const Q& q, Xapian::doccount size) {
    Xapian::Enquire e(db);
    e.set_query(q);
    std::vector<Hit> out;
    auto m = e.get_mset(0, size);
    for (auto it = m.begin(); it != m.end(); ++it) out.push_back({*it, it.get_weight()});
    return out;
}

std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

struct Ranker {
    const Xapian::Database& db;
    query::ImpactCache& impacts;
    query::TermSets& sets;
    const query::DocLengths& lengths;

    Q rewrite(const Q& q, std::size_t candidates) {
        query::Budget unlimited;
        query::BudgetCheck check(unlimited);
        return query::with_impacts(q,
                                   db,
                                   impacts,
                                   sets,
                                   lengths,
                                   query::TermSets::min_freq(db.get_lastdocid()),
                                   candidates,
                                   check);
    }
};

}  // namespace

TEST_CASE("ranking on cached postings weighs every match exactly as Xapian",
          "[integration][impacts]") {
    Xapian::Database db(public_db_path());
    const auto lengths = query::read_doclengths(db);
    REQUIRE(lengths.size() == db.get_lastdocid() + 2);
    const auto qs = queries(db);
    REQUIRE(qs.size() == kQueries);
    std::vector<std::vector<Hit>> want;
    std::size_t broad = 0;
    for (const auto& q : qs) {
        want.push_back(rank(db, q, db.get_doccount()));
        broad += want.back().size() > 10;
    }
    CHECK(broad > qs.size() / 2);  // most rankings have more than a page to choose from

    query::ImpactCache roomy;
    query::ImpactCache cramped(64 << 10);  // a few terms: evicts all the time
    query::TermSets sets;
    std::size_t impact_sources = 0, bitmap_sources = 0;
    for (int round = 0; round < 2; ++round) {  // the second round reads from the caches
        for (std::size_t i = 0; i < qs.size(); ++i) {
            INFO(qs[i].get_description() << ", round " << round);
            for (query::ImpactCache* cache : {&roomy, &cramped}) {
                Ranker r{db, *cache, sets, lengths};
                const Q q = r.rewrite(qs[i], db.get_doccount());
                const std::string desc = q.get_description();
                impact_sources += count(desc, "cardex::ImpactSource");
                bitmap_sources += count(desc, "cardex::BitmapSource");
                CHECK(rank(db, q, db.get_doccount()) == want[i]);
                // A top page: the matcher passes minimum weights, and blocks are skipped.
                const auto page = rank(db, q, 10);
                const std::vector<Hit> first(
                    want[i].begin(),
                    want[i].begin() + std::min<std::ptrdiff_t>(10, want[i].size()));
                CHECK(page == first);
            }
        }
    }
    // The rewrite had work to do: most words and every boost were replaced.
    CHECK(impact_sources > qs.size() * 2);
    CHECK(bitmap_sources > qs.size());
    CHECK(roomy.cached_terms() >= 30);
    CHECK(cramped.cached_terms() < roomy.cached_terms());
}

TEST_CASE("ranking leaves long postlists to Xapian when it visits few documents",
          "[integration][impacts]") {
    Xapian::Database db(public_db_path());
    const auto lengths = query::read_doclengths(db);
    const auto qs = queries(db);
    REQUIRE(qs.size() == kQueries);
    query::ImpactCache impacts;
    query::TermSets sets;
    Ranker r{db, impacts, sets, lengths};
    for (const auto& q : qs) {
        // One document visited: no frequent term is worth decoding for it.
        const std::string desc = r.rewrite(q, 1).get_description();
        CHECK(count(desc, "cardex::ImpactSource") == 0);
    }
    CHECK(impacts.cached_terms() == 0);
    // Once a term is cached, it serves every ranking, however few documents it visits.
    const Q word = qs.front();
    r.rewrite(word, db.get_doccount());
    REQUIRE(impacts.cached_terms() == 1);
    CHECK(count(r.rewrite(word, 1).get_description(), "cardex::ImpactSource") == 1);
}

TEST_CASE("threads sharing one revision's postings cache weigh alike", "[integration][impacts]") {
    const std::string path = public_db_path();
    Xapian::Database db(path);
    const auto lengths = query::read_doclengths(db);
    const auto qs = queries(db);
    REQUIRE(qs.size() == kQueries);
    std::vector<std::vector<Hit>> want;
    for (const auto& q : qs) want.push_back(rank(db, q, 10));
    query::ImpactCache shared(256 << 10);  // small: threads evict each other's terms
    query::TermSets sets(256 << 10);
    std::vector<std::size_t> wrong(4, 0);
    std::vector<std::thread> threads;
    for (std::size_t k = 0; k < wrong.size(); ++k) {
        threads.emplace_back([&, k] {
            Xapian::Database mine(path);  // one Database and its queries per thread
            const auto own = queries(mine);
            if (own.size() != kQueries) {
                wrong[k] = own.size() + 1;
                return;
            }
            Ranker r{mine, shared, sets, lengths};
            for (int round = 0; round < 2; ++round) {
                for (std::size_t i = k; i < own.size() + k; ++i) {
                    const std::size_t j = i % own.size();
                    if (!(rank(mine, r.rewrite(own[j], mine.get_doccount()), 10) == want[j]))
                        ++wrong[k];
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    for (std::size_t k = 0; k < wrong.size(); ++k) CHECK(wrong[k] == 0);
}
