// Stemming per card language on the real cards (fixture real_index): for German, Norwegian,
// French and Spanish, a card found by a form of a word it does not write, which the English
// stemmer alone could not find (the card holds no term of the word's English stem), and
// which its language's stem term (or the shared stem on a card of that language) does.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include <xapian.h>

#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/index/text.h"
#include "cardex/query/searcher.h"
#include "fixture.h"
#include "matchset.h"
#include "stemming.h"
#include "term_freqs.h"
#include "termsets.h"

using namespace cardex;

namespace {

struct Example {
    std::string language;  // stem language code
    std::string query;     // a form the card does not write
    std::string key;       // the card's unique term value: type/id
    std::string writes;    // the form it writes (a word of its text)
};

// Found on data/cards by listing each language's stem terms (docs/RELEVANCE.md).
const std::vector<Example>& examples() {
    static const std::vector<Example> all{
        {"de", "Zeitungen", "dataset/omp", "Zeitung"},
        {"de", "Geschäften", "dataset/x_stance", "Geschäfte"},
        {"no", "regjering", "dataset/norne", "regjeringen"},
        {"no", "befolkning", "dataset/geraldOslo/RadProtDataSet", "befolkningen"},
        {"fr", "décrites", "dataset/fquad", "décrits"},
        {"fr", "premier", "dataset/orange_sum", "première"},
        {"es", "pequeño", "dataset/muchocine", "pequeña"},
        {"es", "adicional", "model/jinaai/jina-embeddings-v2-base-es", "adicionalmente"},
    };
    return all;
}

std::string lower(std::string_view word) {
    std::string out;
    index::tokenize(word, [&](std::string_view t, std::size_t) { out = t; });
    return out;
}

}  // namespace

TEST_CASE("real cards in de, no, fr and es are found by a form they do not write",
          "[integration][stemming]") {
    auto gen = index::live_generation(CARDEX_REAL_INDEX);
    REQUIRE(gen.has_value());
    Xapian::Database db(gen.value());
    const Xapian::Stem english("english");
    auto& searcher = test::thread_searcher(CARDEX_REAL_INDEX);
    for (const auto& e : examples()) {
        CAPTURE(e.query, e.key);
        const std::string id_term =
            index::id_term(e.key.substr(0, e.key.find('/')), e.key.substr(e.key.find('/') + 1));
        auto p = db.postlist_begin(id_term);
        REQUIRE(p != db.postlist_end(id_term));
        const Xapian::docid doc = *p;
        auto holds = [&](const std::string& term) {
            auto t = db.termlist_begin(doc);
            t.skip_to(term);
            return t != db.termlist_end(doc) && *t == term;
        };
        const index::StemLanguage* language = index::stem_language(e.language);
        REQUIRE(language != nullptr);
        const Xapian::Stem stemmer{std::string(language->stemmer)};
        const std::string word = lower(e.query);
        // The English stemmer's term of the query word is not on the card: English-only
        // stemming cannot find it. The form it writes is.
        CHECK_FALSE(holds(english(word)));
        CHECK(holds(english(lower(e.writes))));
        // Both forms have one stem in the card's language, and the card holds it: as a
        // language stem term, or (equal to the English stem of its form) unprefixed on a
        // card of that language.
        const std::string stem = stemmer(word);
        CHECK(stemmer(lower(e.writes)) == stem);
        CHECK((holds(index::language_stem_term(language->code, stem)) ||
               (holds(stem) && holds(index::facet_term(index::Facet::Language, e.language)))));

        std::set<std::string> found, found_plain;
        query::SearchRequest req;
        req.text = e.query;
        req.limit = 50;
        req.snippets = false;
        auto r = searcher.search(req);
        REQUIRE(r.has_value());
        for (const auto& h : r->hits) {
            found.insert(std::string(index::card_type_name(h.card.type)) + "/" + h.card.id);
        }
        CHECK(found.count(e.key) == 1);
        // The plain BM25 baseline stems in English only: there the card is not found.
        req.plain_bm25 = true;
        auto plain = searcher.search(req);
        REQUIRE(plain.has_value());
        for (const auto& h : plain->hits) {
            found_plain.insert(std::string(index::card_type_name(h.card.type)) + "/" + h.card.id);
        }
        CHECK(found_plain.count(e.key) == 0);
    }
}

TEST_CASE("language stem queries: the bitmap match sets are Xapian's",
          "[integration][stemming][matchset]") {
    auto gen = index::live_generation(CARDEX_REAL_INDEX);
    REQUIRE(gen.has_value());
    Xapian::Database db(gen.value());
    Xapian::QueryParser qp;  // the searcher's settings for plain text
    qp.set_database(db);
    qp.set_stemmer(Xapian::Stem("english"));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
    qp.set_default_op(Xapian::Query::OP_AND);
    query::TermSets sets;
    for (const std::string text : {"Zeitungen",
                                   "pequeño reviews",
                                   "regjering OR befolkning",
                                   "translation dataset",
                                   "décrites -music",
                                   "Geschäften OR \"stance detection\""}) {
        for (const std::vector<std::string>& named :
             {std::vector<std::string>{}, std::vector<std::string>{"de", "es"}}) {
            CAPTURE(text, named.size());
            std::vector<query::LanguageStemSet> used;
            const auto stemmed =
                query::with_language_stems(db,
                                           qp.parse_query(text,
                                                          Xapian::QueryParser::FLAG_PHRASE |
                                                              Xapian::QueryParser::FLAG_BOOLEAN |
                                                              Xapian::QueryParser::FLAG_LOVEHATE),
                                           text,
                                           named,
                                           used);
            const Xapian::Query& q = stemmed.text;
            CHECK_FALSE(used.empty());  // every text has a word with language stems
            CHECK_FALSE(stemmed.boost.empty());
            Xapian::Enquire e(db);
            e.set_query(q);
            e.set_weighting_scheme(Xapian::BoolWeight());
            e.set_docid_order(Xapian::Enquire::ASCENDING);
            std::vector<std::uint32_t> want, got;
            auto m = e.get_mset(0, db.get_doccount());
            for (auto it = m.begin(); it != m.end(); ++it) want.push_back(*it);
            query::Budget unlimited;
            query::BudgetCheck check(unlimited);
            query::match_set(db, {}, q, got, sets, check);
            CHECK(got == want);
            CHECK_FALSE(want.empty());
        }
    }
}

// Over remote shards each term frequency is a round trip to every shard, so query building
// asks them in batches (term_freqs.h); on a local database the revision's term caches
// remember them from query to query (TermSets::termfreq). The queries must be exactly those
// of one lookup at a time, on one database and on a database of two parts (as shards are
// joined), the remembered ones read twice (the second time from memory).
TEST_CASE("language stems asked in batches make the same queries as one lookup at a time",
          "[integration][stemming]") {
    auto gen = index::live_generation(CARDEX_REAL_INDEX);
    REQUIRE(gen.has_value());
    Xapian::Database one(gen.value());
    Xapian::Database two(gen.value());
    two.add_database(Xapian::Database(gen.value()));
    for (const Xapian::Database* db : {&one, &two}) {
        query::TermSets revision;
        Xapian::QueryParser qp;
        qp.set_database(*db);
        qp.set_stemmer(Xapian::Stem("english"));
        qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
        qp.set_default_op(Xapian::Query::OP_AND);
        for (const std::string text : {"Zeitungen",
                                       "translation dataset",
                                       "regjering OR befolkning",
                                       "pequeño reviews ab",
                                       "nosuchwordxyz"}) {
            for (const std::vector<std::string>& named :
                 {std::vector<std::string>{}, std::vector<std::string>{"de", "no"}}) {
                CAPTURE(text, named.size(), db == &two);
                const Xapian::Query parsed =
                    qp.parse_query(text, Xapian::QueryParser::FLAG_BOOLEAN);
                std::vector<query::LanguageStemSet> used_one, used_batch;
                const auto lookups =
                    query::with_language_stems(*db, parsed, text, named, used_one, false);
                const auto batched =
                    query::with_language_stems(*db, parsed, text, named, used_batch, true);
                CHECK(batched.text.get_description() == lookups.text.get_description());
                CHECK(batched.boost.get_description() == lookups.boost.get_description());
                for (int round = 0; round < 2; ++round) {
                    std::vector<query::LanguageStemSet> used_remembered;
                    const auto remembered = query::with_language_stems(
                        *db, parsed, text, named, used_remembered, false, &revision);
                    CHECK(remembered.text.get_description() == lookups.text.get_description());
                    CHECK(remembered.boost.get_description() == lookups.boost.get_description());
                    CHECK(used_remembered.size() == used_one.size());
                }
                REQUIRE(used_batch.size() == used_one.size());
                for (std::size_t i = 0; i < used_one.size(); ++i) {
                    CHECK(used_batch[i].code == used_one[i].code);
                    CHECK(used_batch[i].stems == used_one[i].stems);
                }
            }
        }
    }
    // The batch's frequencies are the database's, for present, absent and repeated terms.
    query::TermFreqs batch(two, true);
    const std::vector<std::string> terms{
        "translat", "Lde", "XZde:zeitung", "nosuchterm", "translat", ""};
    batch.prefetch(terms);
    for (const auto& t : terms) {
        CAPTURE(t);
        CHECK(batch.get(t) == (t.empty() ? 0 : two.get_termfreq(t)));
    }
    CHECK(batch.get("translat") > 0);
    CHECK(batch.get("translat") == 2 * one.get_termfreq("translat"));
    // Remembered frequencies are the database's too, asked twice.
    query::TermSets revision;
    for (int round = 0; round < 2; ++round) {
        query::TermFreqs remembered(two, false, &revision);
        for (const auto& t : terms) {
            CAPTURE(t, round);
            CHECK(remembered.get(t) == (t.empty() ? 0 : two.get_termfreq(t)));
        }
    }
}
