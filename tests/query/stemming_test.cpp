// Stemming per card language (query/src/stemming.h, index/schema.h kPrefixLanguageStem) on
// a small fixture: a German card found by the singular of a plural it writes, through a
// named language (text or filter) and without one, an English card with the same word left
// as it was, the cap on a card's languages, and snippets.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include <xapian.h>

#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/index/text.h"
#include "cardex/query/searcher.h"
#include "fixture.h"

using namespace cardex;
using cardex::index::Card;
using cardex::index::CardType;

namespace {

Card card(std::string id, std::vector<std::string> languages, std::string body) {
    Card c = test::make_card(CardType::Dataset, std::move(id), 100);
    c.languages = std::move(languages);
    for (const auto& l : c.languages) {
        if (l == "nb" || l == "nn") c.language_groups = {"no"};
    }
    c.body = std::move(body);
    return c;
}

const std::string& dir() {
    static const auto built = test::build_fixture_index({
        card("lib/zeitungen-de", {"de"}, "Eine Sammlung historischer Zeitungen aus Bayern."),
        // English text with the same German word: no language stems, so `Zeitung` does not
        // find it (its English stem is "zeitungen").
        card("lib/papers-en", {"en"}, "Scans of Zeitungen, German newspapers, in English."),
        card("lib/aviser-no", {"nb"}, "Anmeldelsene av bøker fra norske aviser."),
        // More languages than kMaxStemLanguages: its text gets no language stems.
        card("lib/many", {"de", "fr", "es", "it", "nl", "sv"}, "Viele Bibliotheken und Archive."),
        card("lib/bibliothek-de", {"de"}, "Eine Bibliothek."),
    });
    static const std::string path = built->str();
    return path;
}

query::FacetFilter language(std::string code) {
    query::FacetFilter f;
    f.facet = "language";
    f.values = {std::move(code)};
    return f;
}

query::SearchResponse search(std::string text,
                             std::vector<query::FacetFilter> filters = {},
                             bool plain = false) {
    query::SearchRequest req;
    req.text = std::move(text);
    req.filters = std::move(filters);
    req.plain_bm25 = plain;
    auto r = test::thread_searcher(dir()).search(req);
    REQUIRE(r.has_value());
    return std::move(r).value();
}

std::set<std::string> ids(const query::SearchResponse& r) {
    std::set<std::string> out;
    for (const auto& h : r.hits) out.insert(h.card.id);
    return out;
}

// The terms of the card `id` that start with `prefix`.
std::vector<std::string> terms_of(const std::string& id, const std::string& prefix) {
    auto gen = index::live_generation(dir());
    REQUIRE(gen.has_value());
    Xapian::Database db(gen.value());
    auto p = db.postlist_begin(index::id_term("dataset", id));
    REQUIRE(p != db.postlist_end(index::id_term("dataset", id)));
    std::vector<std::string> out;
    for (auto t = db.termlist_begin(*p); t != db.termlist_end(*p); ++t) {
        if ((*t).rfind(prefix, 0) == 0) out.push_back(*t);
    }
    return out;
}

}  // namespace

TEST_CASE("language stems: the terms written, only where they differ from English",
          "[query][stemming]") {
    const auto de = terms_of("lib/zeitungen-de", "XZ");
    // "zeitungen": English stem zeitungen, German zeitung.
    CHECK(std::count(de.begin(), de.end(), "XZde:zeitung") == 1);
    CHECK(std::count(de.begin(), de.end(), index::language_stem_term("de", "zeitung")) == 1);
    // "sammlung": the German stem is the English one (the word itself): no term.
    CHECK(std::none_of(
        de.begin(), de.end(), [](const std::string& t) { return t.rfind("XZde:samml", 0) == 0; }));
    for (const auto& t : de) CHECK(t.rfind("XZde:", 0) == 0);
    CHECK(terms_of("lib/papers-en", "XZ").empty());
    // nb is stemmed as Norwegian, under the code "no".
    const auto no = terms_of("lib/aviser-no", "XZ");
    CHECK(std::count(no.begin(), no.end(), "XZno:anmeld") == 1);
    CHECK(terms_of("lib/many", "XZ").empty());
    CHECK(index::stem_language("nn")->code == "no");
    CHECK(index::stem_language("en") == nullptr);
    CHECK(index::stem_language("el") == nullptr);  // no Greek stemmer in Xapian 1.4.22
}

TEST_CASE("a German card is found by a form it does not write", "[query][stemming]") {
    // Without a language named: every language of the index is tried.
    CHECK(ids(search("Zeitung")) == std::set<std::string>{"lib/zeitungen-de"});
    // The English card has the plural only, in English text: `Zeitung` never finds it.
    CHECK(ids(search("Zeitungen")) == std::set<std::string>{"lib/zeitungen-de", "lib/papers-en"});
    // Named in the text, and as a filter.
    CHECK(ids(search("german Zeitung")).count("lib/zeitungen-de") == 1);
    CHECK(ids(search("Zeitung", {language("de")})) == std::set<std::string>{"lib/zeitungen-de"});
    // A word of the card whose German stem equals its English stem: the singular finds the
    // card through the unprefixed stem on German cards ("Bibliothek" -> bibliothek).
    CHECK(ids(search("Bibliotheken")).count("lib/bibliothek-de") == 1);
    // Norwegian: the Bokmål card, by two forms it does not write.
    CHECK(ids(search("anmeldelse")) == std::set<std::string>{"lib/aviser-no"});
    CHECK(ids(search("anmeldelser", {language("no")})) == std::set<std::string>{"lib/aviser-no"});
    // An English word no German card has a stem of is left as it was.
    CHECK(ids(search("newspapers")) == std::set<std::string>{"lib/papers-en"});
    // The plain BM25 baseline stems in English only.
    CHECK(search("Zeitung", {}, true).hits.empty());
    // Phrases keep to the words as written.
    CHECK(search("\"historischer Zeitung\"").hits.empty());
    CHECK(ids(search("\"historischer Zeitungen\"")) == std::set<std::string>{"lib/zeitungen-de"});
}

TEST_CASE("snippets mark the word a language stem matched", "[query][stemming]") {
    const auto r = search("Zeitung");
    REQUIRE(r.hits.size() == 1);
    CHECK(r.hits[0].snippet.find("<mark>Zeitungen</mark>") != std::string::npos);
    const auto n = search("anmeldelse");
    REQUIRE(n.hits.size() == 1);
    CHECK(n.hits[0].snippet.find("<mark>Anmeldelsene</mark>") != std::string::npos);
}
