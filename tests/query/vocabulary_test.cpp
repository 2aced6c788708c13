// The query side reads the vocabulary of the index it searches: filter values, field values in
// query text and understood words are read as that index's cards were normalized.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "cardex/index/store.h"
#include "cardex/index/vocabulary.h"
#include "cardex/query/searcher.h"
#include "fixture.h"

using namespace cardex;
using index::Card;
using index::CardType;
using query::SearchRequest;
namespace fs = std::filesystem;

namespace {

std::vector<Card> corpus() {
    Card nb = test::make_card(CardType::Model, "ltg/norbert", 100);
    nb.languages = {"nb"};
    nb.language_groups = {"no"};
    nb.tasks = {"token-classification"};
    nb.licenses = {"apache-2.0"};
    nb.body = "A model for Norwegian text.";
    Card de = test::make_card(CardType::Model, "dbmdz/german-bert", 50);
    de.languages = {"de"};
    de.tasks = {"summarization"};
    de.licenses = {"mit"};
    de.body = "A model for German text.";
    Card ds = test::make_card(CardType::Dataset, "org/corpus", 10);
    ds.languages = {"de", "nb"};
    ds.language_groups = {"no"};
    ds.licenses = {"apache-2.0"};
    return {nb, de, ds};
}

std::vector<std::string> ids(const query::SearchResponse& r) {
    std::vector<std::string> out;
    for (const auto& h : r.hits) out.push_back(h.card.id);
    return out;
}

query::SearchResponse search(query::Searcher& s, SearchRequest r) {
    auto res = s.search(r);
    REQUIRE(res.has_value());
    return std::move(res).value();
}

SearchRequest filter(std::string facet,
                     std::vector<std::string> values,
                     std::vector<std::string> excluded = {}) {
    SearchRequest r;
    r.filters = {{std::move(facet), std::move(values), std::move(excluded)}};
    r.understand_filters = true;
    return r;
}

}  // namespace

TEST_CASE("filter values are read through the index's vocabulary and echoed", "[query][vocab]") {
    const auto dir = test::build_fixture_index(corpus());
    auto& s = test::thread_searcher(dir->str());

    for (const std::string v : {"de", "German", "deu", "de-DE", "GERMAN"}) {
        auto r = search(s, filter("language", {v}));
        INFO(v);
        CHECK(ids(r) == std::vector<std::string>{"dbmdz/german-bert", "org/corpus"});
        REQUIRE(r.filters.size() == 1);
        CHECK(r.filters[0].facet == "language");
        CHECK(r.filters[0].value == v);
        CHECK(r.filters[0].understood == std::vector<std::string>{"de"});
        CHECK_FALSE(r.filters[0].unknown);
    }
    auto nob = search(s, filter("language", {"nob"}, {"dataset"}));
    CHECK(ids(nob) == std::vector<std::string>{"ltg/norbert", "org/corpus"});
    CHECK(search(s, filter("language", {"Norwegian"})).total == 2);  // the macrolanguage
    auto apache = search(s, filter("license", {"Apache 2.0"}));
    CHECK(apache.total == 2);
    CHECK(apache.filters[0].understood == std::vector<std::string>{"apache-2.0"});
    auto ner = search(s, filter("task", {"NER"}));
    CHECK(ids(ner) == std::vector<std::string>{"ltg/norbert"});
    auto plural = search(s, filter("type", {"datasets"}));
    CHECK(ids(plural) == std::vector<std::string>{"org/corpus"});
    // Exclusions are read too, and echoed as such.
    auto not_german = search(s, filter("language", {}, {"German"}));
    CHECK(ids(not_german) == std::vector<std::string>{"ltg/norbert"});
    CHECK(not_german.filters[0].excluded);
}

TEST_CASE("a value the vocabulary does not know is reported, never silently empty",
          "[query][vocab]") {
    const auto dir = test::build_fixture_index(corpus());
    auto& s = test::thread_searcher(dir->str());
    auto r = search(s, filter("language", {"Klingonish", "German"}));
    CHECK(r.total == 2);  // German still counts
    REQUIRE(r.filters.size() == 2);
    CHECK(r.filters[0].unknown);
    CHECK(r.filters[0].understood.empty());
    CHECK(r.filters[0].message.find("'Klingonish'") != std::string::npos);
    CHECK_FALSE(r.filters[1].unknown);
    auto multi = search(s, filter("language", {"multilingual"}));
    CHECK(multi.total == 0);
    REQUIRE(multi.filters.size() == 1);
    CHECK(multi.filters[0].unknown);
    CHECK(multi.filters[0].message.find("tag=multilingual") != std::string::npos);
    auto type = search(s, filter("type", {"checkpoint"}));
    CHECK(type.filters[0].unknown);
    // Open facets are only case-folded, never unknown: an author may have no cards yet.
    auto author = search(s, filter("author", {"LTG"}));
    CHECK(author.total == 1);
    CHECK_FALSE(author.filters[0].unknown);
    CHECK(author.filters[0].understood == std::vector<std::string>{"ltg"});
    // Without understand_filters values match as given and nothing is echoed (the Hub API).
    SearchRequest exact = filter("language", {"German"});
    exact.understand_filters = false;
    auto as_given = search(s, exact);
    CHECK(as_given.total == 0);
    CHECK(as_given.filters.empty());
}

TEST_CASE("field values in query text are read through the vocabulary", "[query][vocab]") {
    const auto dir = test::build_fixture_index(corpus());
    auto& s = test::thread_searcher(dir->str());
    SearchRequest r;
    r.text = "model language:German";
    CHECK(ids(search(s, r)) == std::vector<std::string>{"dbmdz/german-bert"});
    r.text = "model task:ner";
    CHECK(ids(search(s, r)) == std::vector<std::string>{"ltg/norbert"});
    r.text = "model license:Klingon";
    CHECK(search(s, r).total == 0);
}

TEST_CASE("the vocabulary is the index's, not data/tables'", "[query][vocab]") {
    // Tables where "zorbish" names German and "zorbify" summarization.
    test::TempDir tables;
    for (const auto name : index::Vocabulary::kTables) {
        fs::copy_file(fs::path(test::tables_dir()) / name, tables.path() / name);
    }
    {
        // An alias on the German row, and a task alias.
        std::ifstream in(tables.path() / "languages.tsv");
        std::string text((std::istreambuf_iterator<char>(in)), {});
        const auto row = text.find("\nde\t");
        REQUIRE(row != std::string::npos);
        const auto eol = text.find('\n', row + 1);
        text.insert(eol, "|zorbish");
        std::ofstream(tables.path() / "languages.tsv") << text;
    }
    std::ifstream tin(tables.path() / "tasks.tsv");
    std::string tasks((std::istreambuf_iterator<char>(tin)), {});
    const auto row = tasks.find("\nsummarization\t");
    REQUIRE(row != std::string::npos);
    tasks.insert(tasks.find('\n', row + 1), "|zorbify");
    std::ofstream(tables.path() / "tasks.tsv") << tasks;
    auto vocab = index::Vocabulary::load(tables.str());
    REQUIRE(vocab.has_value());

    test::TempDir dir;
    index::BuildOptions options;
    options.vocabulary = vocab.value();
    REQUIRE(index::build_index(dir.str(), corpus(), options).has_value());
    auto& s = test::thread_searcher(dir.str());
    auto r = search(s, filter("language", {"zorbish"}));
    CHECK(r.total == 2);
    CHECK(r.filters[0].understood == std::vector<std::string>{"de"});
    // Understood words too: "zorbify" names summarization, so the German card matches it.
    SearchRequest text;
    text.text = "zorbify";
    CHECK(ids(search(s, text)) == std::vector<std::string>{"dbmdz/german-bert"});
    auto names = s.vocabulary();
    REQUIRE(names.has_value());
    CHECK(names.value()->canonical(index::Facet::Task, "zorbify") ==
          std::vector<std::string>{"summarization"});

    // The repository's tables know neither word.
    const auto plain = test::build_fixture_index(corpus());
    auto& p = test::thread_searcher(plain->str());
    CHECK(search(p, filter("language", {"zorbish"})).filters[0].unknown);
    CHECK(search(p, text).total == 0);
}
