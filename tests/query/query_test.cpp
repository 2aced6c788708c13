// Query: filters, disjunctive facet counts (checked against counts computed here from the
// cards themselves), sorts, cursors, snippets, suggestions, similar cards, bad input.
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <set>

#include "cardex/index/store.h"
#include "cardex/index/writer.h"
#include "cardex/query/searcher.h"
#include "fixture.h"

using namespace cardex;
using cardex::index::Card;
using cardex::index::CardType;
using namespace cardex::query;

namespace {

struct Fixture {
    test::TempDir dir;
    std::vector<Card> cards;
};

Card make(std::string id,
          CardType type,
          std::vector<std::string> langs,
          std::string task,
          std::string license,
          std::int64_t downloads,
          std::string body) {
    Card c = test::make_card(type, std::move(id), downloads);
    c.languages = std::move(langs);
    for (const auto& l : c.languages) {
        if (l == "nb" || l == "nn") c.language_groups = {"no"};
    }
    c.tasks = {std::move(task)};
    c.license = std::move(license);
    c.likes = downloads / 10;
    c.body = std::move(body);
    return c;
}

Fixture& fixture() {
    static Fixture x;
    static const bool built = [] {
        x.cards = {
            make("nbailab/nb-bert-ner",
                 CardType::Model,
                 {"nb"},
                 "token-classification",
                 "apache-2.0",
                 5000,
                 "Named entity recognition for Norwegian Bokmål news text."),
            make("ltg/norbert-nn",
                 CardType::Model,
                 {"nn"},
                 "token-classification",
                 "mit",
                 300,
                 "Nynorsk named entity recognition model trained on NorNE."),
            make("dslim/bert-base-ner",
                 CardType::Model,
                 {"en"},
                 "token-classification",
                 "mit",
                 900000,
                 "English named entity recognition with BERT base."),
            make("deepset/gbert-ner",
                 CardType::Model,
                 {"de"},
                 "token-classification",
                 "mit",
                 12000,
                 "German named entity recognition, trained on GermEval."),
            make("org/summarizer-de",
                 CardType::Model,
                 {"de"},
                 "summarization",
                 "apache-2.0",
                 800,
                 "Summarization of German news articles."),
            make("org/whisper-small",
                 CardType::Model,
                 {"en", "de", "nb"},
                 "automatic-speech-recognition",
                 "apache-2.0",
                 400000,
                 "Speech recognition in many languages."),
            make("libraries/newspapers",
                 CardType::Dataset,
                 {"nb", "de"},
                 "text-classification",
                 "cc-by-4.0",
                 50,
                 "Digitised historical newspapers from a national library."),
            make("museum/paintings",
                 CardType::Dataset,
                 {"en"},
                 "image-classification",
                 "cc-by-4.0",
                 20,
                 "Images of paintings with artist labels."),
            make("private-org/secret",
                 CardType::Model,
                 {"en"},
                 "token-classification",
                 "mit",
                 1000000,
                 "Secret named entity recognition model."),
        };
        x.cards.back().is_private = true;
        REQUIRE(index::build_index(x.dir.str(), x.cards, {}).has_value());
        return true;
    }();
    (void)built;
    return x;
}

Searcher open() {
    auto s = Searcher::open(fixture().dir.str());
    REQUIRE(s.has_value());
    return std::move(s).value();
}

std::vector<std::string> ids(const SearchResponse& r) {
    std::vector<std::string> out;
    for (const auto& h : r.hits) out.push_back(h.card.id);
    return out;
}

std::set<std::string> idset(const SearchResponse& r) {
    auto v = ids(r);
    return {v.begin(), v.end()};
}

// Facet counts computed straight from the fixture cards, as the API defines them.
std::map<std::string, std::uint64_t> expected_language_counts(
    const std::function<bool(const Card&)>& match) {
    std::map<std::string, std::uint64_t> m;
    for (const auto& c : fixture().cards) {
        if (c.is_private || !match(c)) continue;
        std::set<std::string> langs(c.languages.begin(), c.languages.end());
        langs.insert(c.language_groups.begin(), c.language_groups.end());
        for (const auto& l : langs) ++m[l];
    }
    return m;
}

}  // namespace

TEST_CASE("free text ranks matching cards, private cards stay hidden", "[query][text]") {
    auto s = open();
    SearchRequest r;
    r.text = "named entity recognition";
    auto resp = s.search(r);
    REQUIRE(resp.has_value());
    CHECK(resp->total == 4);
    auto got = ids(*resp);
    CHECK(std::find(got.begin(), got.end(), "private-org/secret") == got.end());
    // With downloads as a prior, the most used matching model comes first.
    CHECK(got.front() == "dslim/bert-base-ner");
    for (const auto& h : resp->hits) CHECK(h.snippet.find("<mark>") != std::string::npos);

    r.private_namespaces = {"private-org"};
    auto mine = s.search(r);
    CHECK(mine->total == 5);
}

TEST_CASE("values of one facet are OR-ed, facets AND-ed, exclusions removed", "[query][filter]") {
    auto s = open();
    SearchRequest r;
    r.filters = {{"language", {"nb", "de"}, {}}, {"task", {"token-classification"}, {}}};
    auto resp = s.search(r);
    REQUIRE(resp.has_value());
    CHECK(idset(*resp) == std::set<std::string>{"nbailab/nb-bert-ner", "deepset/gbert-ner"});
    r.filters = {{"license", {}, {"mit"}}};
    resp = s.search(r);
    for (const auto& h : resp->hits) CHECK(h.card.license != "mit");
    CHECK(resp->total == 5);
}

TEST_CASE("a macrolanguage filter finds its members", "[query][language]") {
    auto s = open();
    SearchRequest r;
    r.filters = {{"language", {"no"}, {}}};
    auto resp = s.search(r);
    REQUIRE(resp.has_value());
    CHECK(idset(*resp) == std::set<std::string>{"nbailab/nb-bert-ner",
                                                "ltg/norbert-nn",
                                                "org/whisper-small",
                                                "libraries/newspapers"});
}

TEST_CASE("facet counts are exact and disjunctive", "[query][facets]") {
    auto s = open();
    SearchRequest r;
    r.filters = {{"language", {"de"}, {}}, {"license", {"apache-2.0"}, {}}};
    r.facets = {{"language", 50}, {"license", 50}};
    auto resp = s.search(r);
    REQUIRE(resp.has_value());
    CHECK(resp->total == 2);  // summarizer-de, whisper-small
    // Language counts ignore the language filter but keep the license filter.
    auto want = expected_language_counts([](const Card& c) { return c.license == "apache-2.0"; });
    std::map<std::string, std::uint64_t> got;
    for (const auto& v : resp->facets.at(0).values) got[v.value] = v.count;
    CHECK(got == want);
    // License counts keep the language filter only.
    std::map<std::string, std::uint64_t> lic;
    for (const auto& v : resp->facets.at(1).values) lic[v.value] = v.count;
    std::map<std::string, std::uint64_t> want_lic;
    for (const auto& c : fixture().cards) {
        if (!c.is_private && std::count(c.languages.begin(), c.languages.end(), "de"))
            ++want_lic[c.license];
    }
    CHECK(lic == want_lic);
}

TEST_CASE("text counts without filters: as the matching cards say, and as the filtered pass counts",
          "[query][facets]") {
    // Without filters or ranges the pass lists the matches, then counts one facet at a time
    // (single-valued columns by one array); any range sends it through the per-card loop.
    // Both must give the cards' own counts: one language or several, one author each.
    auto s = open();
    auto counts = [](const FacetResult& f) {
        std::map<std::string, std::uint64_t> m;
        for (const auto& v : f.values) m[v.value] = v.count;
        return m;
    };
    std::size_t compared = 0;
    for (const std::string text :
         {"recognition", "named entity", "speech", "news", "text", "model"}) {
        INFO(text);
        SearchRequest r;
        r.text = text;
        r.limit = 100;
        // base_model: no fixture card has one, so its column has no values (a facet like
        // that once crashed the unfiltered pass, which read a counter it did not have).
        r.facets = {
            {"task", 50}, {"language", 50}, {"license", 50}, {"author", 50}, {"base_model", 10}};
        auto resp = s.search(r);
        REQUIRE(resp.has_value());
        REQUIRE(resp->hits.size() == resp->total);  // every match on the page
        const auto matched = idset(*resp);
        auto want_languages =
            expected_language_counts([&](const Card& c) { return matched.count(c.id) != 0; });
        std::map<std::string, std::uint64_t> want_authors, want_licenses;
        for (const auto& c : fixture().cards) {
            if (c.is_private || !matched.count(c.id)) continue;
            ++want_authors[c.author];
            ++want_licenses[c.license];
        }
        CHECK(counts(resp->facets.at(1)) == want_languages);
        CHECK(counts(resp->facets.at(2)) == want_licenses);
        CHECK(counts(resp->facets.at(3)) == want_authors);
        CHECK(resp->facets.at(4).values.empty());
        // A range every card passes: the same total and counts from the per-card loop.
        SearchRequest ranged = r;
        ranged.ranges = {{"downloads", -1e18, std::nullopt}};
        auto via_loop = s.search(ranged);
        REQUIRE(via_loop.has_value());
        CHECK(via_loop->total == resp->total);
        REQUIRE(via_loop->facets.size() == 5);
        for (std::size_t f = 0; f < 5; ++f)
            CHECK(counts(via_loop->facets[f]) == counts(resp->facets[f]));
        compared += resp->total;
    }
    CHECK(compared >= 6);  // the texts match cards, or nothing was compared
}

TEST_CASE("filters on one counted facet: its counts ignore them, private cards stay out",
          "[query][facets]") {
    auto s = open();
    SearchRequest r;
    r.filters = {{"author", {"deepset"}, {}}};
    r.facets = {{"author", 50}, {"license", 50}};
    auto counts = [](const FacetResult& f) {
        std::map<std::string, std::uint64_t> m;
        for (const auto& v : f.values) m[v.value] = v.count;
        return m;
    };
    // Author counts as if there were no author filter: every card the caller may see.
    auto want_authors = [](bool see_private) {
        std::map<std::string, std::uint64_t> m;
        for (const auto& c : fixture().cards) {
            if (!c.is_private || see_private) ++m[c.author];
        }
        return m;
    };
    auto resp = s.search(r);
    REQUIRE(resp.has_value());
    CHECK(ids(*resp) == std::vector<std::string>{"deepset/gbert-ner"});
    CHECK(counts(resp->facets.at(0)) == want_authors(false));
    CHECK(counts(resp->facets.at(1)) == std::map<std::string, std::uint64_t>{{"mit", 1}});
    // A caller who may read private-org's cards counts them too.
    r.private_namespaces = {"private-org"};
    resp = s.search(r);
    REQUIRE(resp.has_value());
    CHECK(counts(resp->facets.at(0)) == want_authors(true));
}

TEST_CASE("sorts and cursors page through every card once", "[query][sort]") {
    auto s = open();
    SearchRequest r;
    r.limit = 3;
    std::vector<std::string> all;
    std::int64_t prev = INT64_MAX;
    for (int page = 0; page < 10; ++page) {
        auto resp = s.search(r);
        REQUIRE(resp.has_value());
        for (const auto& h : resp->hits) {
            CHECK(h.card.downloads <= prev);
            prev = h.card.downloads;
            all.push_back(h.card.id);
        }
        if (resp->next_cursor.empty()) break;
        r.cursor = resp->next_cursor;
    }
    CHECK(all.size() == 8);
    CHECK(std::set<std::string>(all.begin(), all.end()).size() == 8);

    SearchRequest likes;
    likes.sort = Sort::Likes;
    likes.text = "recognition";
    auto resp = s.search(likes);
    REQUIRE(resp.has_value());
    for (std::size_t i = 1; i < resp->hits.size(); ++i) {
        CHECK(resp->hits[i - 1].card.likes >= resp->hits[i].card.likes);
    }
}

TEST_CASE("ranges, prefixes and field syntax", "[query][syntax]") {
    auto s = open();
    SearchRequest r;
    r.ranges = {{"downloads", 1000, 100000}};
    auto resp = s.search(r);
    REQUIRE(resp.has_value());
    CHECK(idset(*resp) == std::set<std::string>{"nbailab/nb-bert-ner", "deepset/gbert-ner"});
    r = {};
    r.text = "author:DeepSet recogn*";
    resp = s.search(r);
    REQUIRE(resp.has_value());
    CHECK(ids(*resp) == std::vector<std::string>{"deepset/gbert-ner"});
    r.text = "\"news articles\"";
    resp = s.search(r);
    CHECK(ids(*resp) == std::vector<std::string>{"org/summarizer-de"});
}

TEST_CASE("bad input is InvalidArgument naming the fragment", "[query][bad]") {
    auto s = open();
    SearchRequest r;
    r.filters = {{"colour", {"red"}, {}}};
    auto resp = s.search(r);
    REQUIRE_FALSE(resp.has_value());
    CHECK(resp.error().code == Errc::InvalidArgument);
    CHECK(resp.error().detail == "colour");
    r = {};
    r.cursor = "garbage";
    CHECK(s.search(r).error().code == Errc::InvalidArgument);
    r = {};
    r.limit = 5000;
    CHECK(s.search(r).error().code == Errc::InvalidArgument);
    r = {};
    r.text = std::string(5000, 'a');
    CHECK(s.search(r).error().code == Errc::ResourceExhausted);
    r = {};
    r.ranges = {{"downloads", 10, 1}};
    CHECK(s.search(r).error().code == Errc::InvalidArgument);
}

TEST_CASE("a misspelt query suggests indexed words", "[query][suggest]") {
    auto s = open();
    SearchRequest r;
    r.text = "newspapres";
    auto resp = s.search(r);
    REQUIRE(resp.has_value());
    // An id word: in the typo dictionary, so the card is found too (query/typo.h).
    CHECK(resp->total == 1);
    REQUIRE(resp->corrected.size() == 1);
    CHECK(resp->corrected[0].to == std::vector<std::string>{"newspapers"});
    CHECK(resp->suggestion == "newspapers");
}

TEST_CASE("spelling suggestions never reveal a word only private cards hold", "[query][suggest][privacy]") {
    // Two indexes of the same public cards; the second adds private cards whose words
    // appear nowhere else. Anonymous callers must get the same suggestions, totals and hits
    // from both (scores still see private statistics: ARCHITECTURE.md).
    std::vector<Card> pub;
    for (const auto& c : fixture().cards) {
        if (!c.is_private) pub.push_back(c);
    }
    auto with_private = pub;
    with_private.push_back(make("SecretOrg/zqxquokkanator-ner", CardType::Model, {"en"},
                                "token-classification", "mit", 7, "The zqxquokkanator archive."));
    with_private.back().description = "zqxquokkanator newspapers";
    with_private.back().is_private = true;
    test::TempDir a, b;
    REQUIRE(index::build_index(a.str(), pub, {}).has_value());
    REQUIRE(index::build_index(b.str(), with_private, {}).has_value());
    auto sa = Searcher::open(a.str());
    auto sb = Searcher::open(b.str());
    REQUIRE(sa.has_value());
    REQUIRE(sb.has_value());
    for (const std::string text : {"zqxquokkanatr", "zqxquokkanator", "zqxquokkanators archive",
                                   "newspapres", "named entity recognitoin", "bert"}) {
        INFO(text);
        SearchRequest r;
        r.text = text;
        auto ra = sa->search(r);
        auto rb = sb->search(r);
        REQUIRE(ra.has_value());
        REQUIRE(rb.has_value());
        CHECK(ra->suggestion == rb->suggestion);
        CHECK(ra->total == rb->total);
        CHECK(ids(*ra) == ids(*rb));
        CHECK(rb->suggestion.find("zqxquokkanator") == std::string::npos);
    }
    // The namespace's own caller still finds its card; namespaces are case-sensitive, as on
    // the Hub, so a token of "secretorg" is not SecretOrg's.
    SearchRequest mine;
    mine.text = "zqxquokkanator";
    mine.private_namespaces = {"SecretOrg"};
    auto rm = sb->search(mine);
    REQUIRE(rm.has_value());
    CHECK(rm->total == 1);
    CHECK(sb->get(CardType::Model, "SecretOrg/zqxquokkanator-ner", {"SecretOrg"}, false).has_value());
    for (const std::string other : {"secretorg", "SECRETORG", "Secretorg"}) {
        INFO(other);
        mine.private_namespaces = {other};
        auto ro = sb->search(mine);
        REQUIRE(ro.has_value());
        CHECK(ro->total == 0);
        mine.text.clear();
        mine.filters = {{"author", {"secretorg"}, {}}};
        auto listing = sb->search(mine);
        REQUIRE(listing.has_value());
        CHECK(listing->total == 0);
        mine.filters.clear();
        mine.text = "zqxquokkanator";
        CHECK(!sb->get(CardType::Model, "SecretOrg/zqxquokkanator-ner", {other}, false).has_value());
    }
}

TEST_CASE("get and similar respect privacy", "[query][get]") {
    auto s = open();
    auto c = s.get(CardType::Model, "nbailab/nb-bert-ner");
    REQUIRE(c.has_value());
    CHECK(c->downloads == 5000);
    CHECK(s.get(CardType::Dataset, "nbailab/nb-bert-ner").error().code == Errc::NotFound);
    CHECK(s.get(CardType::Model, "private-org/secret").error().code == Errc::NotFound);
    CHECK(s.get(CardType::Model, "private-org/secret", {"private-org"}).has_value());
    // Namespaces are case-sensitive, as on the Hub.
    CHECK(s.get(CardType::Model, "private-org/secret", {"Private-Org"}).error().code == Errc::NotFound);
    auto sim = s.similar(CardType::Model, "ltg/norbert-nn", 5);
    REQUIRE(sim.has_value());
    REQUIRE_FALSE(sim->empty());
    for (const auto& h : *sim) {
        CHECK(h.card.id != "ltg/norbert-nn");
        CHECK(h.card.id != "private-org/secret");
    }
}

TEST_CASE("a searcher follows upserts, deletes and a reindex without reopening", "[query][live]") {
    test::TempDir dir;
    std::vector<Card> cards{
        make("a/one", CardType::Model, {"en"}, "fill-mask", "mit", 10, "alpha words"),
        make("a/two", CardType::Model, {"en"}, "fill-mask", "mit", 5, "beta words")};
    REQUIRE(index::build_index(dir.str(), cards, {}).has_value());
    auto s = Searcher::open(dir.str());
    REQUIRE(s.has_value());
    SearchRequest r;
    r.facets = {{"task", 10}};
    CHECK(s->search(r)->total == 2);
    {
        auto w = index::IndexWriter::open(dir.str());
        REQUIRE(w.has_value());
        REQUIRE(
            w->upsert(
                 {make("a/three", CardType::Model, {"de"}, "summarization", "mit", 50, "gamma")})
                .has_value());
        REQUIRE(w->remove({{CardType::Model, "a/one"}}).has_value());
    }
    auto resp = s->search(r);
    REQUIRE(resp.has_value());
    CHECK(resp->total == 2);
    // Downloads order holds even though the upserted card has the newest docid.
    CHECK(ids(*resp) == std::vector<std::string>{"a/three", "a/two"});
    std::map<std::string, std::uint64_t> tasks;
    for (const auto& v : resp->facets.at(0).values) tasks[v.value] = v.count;
    CHECK(tasks == std::map<std::string, std::uint64_t>{{"fill-mask", 1}, {"summarization", 1}});

    REQUIRE(index::build_index(dir.str(), {cards[0]}, {}).has_value());
    resp = s->search(r);
    REQUIRE(resp.has_value());
    CHECK(ids(*resp) == std::vector<std::string>{"a/one"});
}

TEST_CASE("pipeline_tag matches a card's own tag only, task matches every declared task",
          "[query][filter]") {
    test::TempDir dir;
    Card ds = make("org/multi", CardType::Dataset, {"en"}, "text-classification", "mit", 1, "text");
    ds.tasks.push_back("token-classification");
    ds.pipeline_tag = "text-classification";  // as ingest sets it: the card's own tag
    REQUIRE(index::build_index(dir.str(), {ds}, {}).has_value());
    auto s = Searcher::open(dir.str());
    REQUIRE(s.has_value());
    SearchRequest r;
    r.filters = {{"task", {"token-classification"}, {}}};
    CHECK(s->search(r)->total == 1);
    r.filters = {{"pipeline_tag", {"token-classification"}, {}}};
    CHECK(s->search(r)->total == 0);
    r.filters = {{"pipeline_tag", {"text-classification"}, {}}};
    CHECK(s->search(r)->total == 1);
}
