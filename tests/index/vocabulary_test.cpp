// The vocabulary: reading data/tables, normalizing values, living in the index it built.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/index/tsv.h"
#include "cardex/index/vocabulary.h"
#include "cardex/index/writer.h"
#include "fixture.h"

using namespace cardex;
using namespace cardex::index;
namespace fs = std::filesystem;

namespace {

using Values = std::vector<std::string>;

// A copy of data/tables in `dir`, with `line` appended to `file`.
void copy_tables(const fs::path& dir, const std::string& file, const std::string& line) {
    fs::create_directories(dir);
    for (const auto name : Vocabulary::kTables) {
        fs::copy_file(fs::path(test::tables_dir()) / name, dir / name);
    }
    std::ofstream(dir / file, std::ios::app) << line << "\n";
}

}  // namespace

TEST_CASE("the TSV reader skips comments and blank lines and keeps line numbers", "[vocab]") {
    std::vector<std::pair<std::size_t, std::vector<std::string>>> rows;
    for_each_tsv_row("#header\tx\n\na\tb\r\n# note\nc\t\td\nlast", [&](const TsvRow& r) {
        rows.push_back({r.line, Values(r.fields.begin(), r.fields.end())});
        CHECK(r[9].empty());  // past the last field: empty
    });
    REQUIRE(rows.size() == 3);
    CHECK(rows[0] == std::pair<std::size_t, Values>{3, {"a", "b"}});
    CHECK(rows[1] == std::pair<std::size_t, Values>{5, {"c", "", "d"}});
    CHECK(rows[2] == std::pair<std::size_t, Values>{6, {"last"}});
    CHECK(read_text_file("/nonexistent/cardex.tsv").error().code == Errc::NotFound);
}

TEST_CASE("filter values are read as cards are normalized", "[vocab]") {
    const Vocabulary& v = *test::vocabulary();
    CHECK(v.canonical(Facet::Language, "German") == Values{"de"});
    CHECK(v.canonical(Facet::Language, "deu") == Values{"de"});
    CHECK(v.canonical(Facet::Language, "de-DE") == Values{"de"});
    CHECK(v.canonical(Facet::Language, "nob") == Values{"nb"});
    CHECK(v.canonical(Facet::Language, "Norwegian") == Values{"no"});
    CHECK(v.canonical(Facet::Language, "Klingonish").empty());
    CHECK(v.canonical(Facet::Language, "multilingual").empty());  // a tag, not a language
    CHECK(v.canonical(Facet::License, "Apache 2.0") == Values{"apache-2.0"});
    CHECK(v.canonical(Facet::License, "MIT") == Values{"mit"});
    CHECK(v.canonical(Facet::License, "my own license").empty());
    CHECK(v.canonical(Facet::Task, "NER") == Values{"token-classification"});
    CHECK(v.canonical(Facet::Task, "named-entity-recognition") == Values{"token-classification"});
    CHECK(v.canonical(Facet::Task, "text2text-generation") == Values{"text-generation"});
    CHECK(v.canonical(Facet::Modality, "CV") == Values{"cv"});
    CHECK(v.canonical(Facet::Reuse, "non commercial") == Values{"non-commercial"});
    CHECK(v.canonical(Facet::Type, "Models") == Values{"model"});
    CHECK(v.canonical(Facet::Type, "checkpoint").empty());
    CHECK(v.canonical(Facet::Gated, "true") == Values{"auto", "manual"});
    CHECK(v.canonical(Facet::Gated, "no") == Values{"false"});
    // Open facets: values are only case-folded, as their terms are.
    CHECK(v.canonical(Facet::Author, "Facebook") == Values{"facebook"});
    CHECK(v.canonical(Facet::TagExact, "GGUF-Q4") == Values{"GGUF-Q4"});
    CHECK_FALSE(v.closed(Facet::Author));
    // Without a vocabulary only type and gated are closed sets.
    const auto none = Vocabulary::none();
    CHECK(none->empty());
    CHECK(none->canonical(Facet::Language, "German") == Values{"german"});
    CHECK(none->closed(Facet::Type));
    CHECK_FALSE(none->closed(Facet::Language));
}

TEST_CASE("a malformed table is refused with its file and line", "[vocab]") {
    test::TempDir dir;
    copy_tables(dir.path(), "licenses.tsv", "weird-1.0\tWeird-1.0\tsometimes\tWeird License");
    auto bad = Vocabulary::load(dir.str());
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == Errc::InvalidArgument);
    CHECK(bad.error().message.find("sometimes") != std::string::npos);
    CHECK(bad.error().detail.find("licenses.tsv:") != std::string::npos);
    fs::remove(dir.path() / "tasks.tsv");
    CHECK(Vocabulary::load(dir.str()).error().code == Errc::NotFound);
}

TEST_CASE("an index keeps the vocabulary it was built with, through upserts", "[vocab]") {
    test::TempDir tables, dir;
    // A license the repository's tables do not know.
    copy_tables(tables.path(), "licenses.tsv", "zorb-1.0\t\topen\tZorb Public License\tzorb");
    auto vocab = Vocabulary::load(tables.str());
    REQUIRE(vocab.has_value());
    REQUIRE(vocab.value()->license("Zorb Public License") != nullptr);

    Card c = test::make_card(CardType::Model, "org/a", 10);
    BuildOptions options;
    options.vocabulary = vocab.value();
    options.segment_docs = 1;  // several segments: the vocabulary survives their compaction
    std::vector<Card> cards{c,
                            test::make_card(CardType::Model, "org/b", 5),
                            test::make_card(CardType::Model, "org/c", 1)};
    REQUIRE(build_index(dir.str(), cards, options).has_value());
    auto stored = read_vocabulary(dir.str());
    REQUIRE(stored.has_value());
    CHECK(stored.value()->canonical(Facet::License, "zorb") == Values{"zorb-1.0"});
    CHECK(stored.value()->languages().size() == vocab.value()->languages().size());

    {
        auto writer = IndexWriter::open(dir.str());
        REQUIRE(writer.has_value());
        c.title = "changed";
        REQUIRE(writer->upsert({c}).has_value());
    }
    auto after = read_vocabulary(dir.str());
    REQUIRE(after.has_value());
    CHECK(after.value()->canonical(Facet::License, "zorb") == Values{"zorb-1.0"});

    // An index built without one has none: nothing is closed but type and gated.
    REQUIRE(build_index(dir.str(), cards, {}).has_value());
    auto without = read_vocabulary(dir.str());
    REQUIRE(without.has_value());
    CHECK(without.value()->empty());
}
