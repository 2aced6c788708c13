// Sharded indexes (shards.h, schema.h's shard slots): the packing of facet values, the order
// keys, the shard a card goes to, a shard build's slots and metadata, the staged build, the
// typo dictionary shared by the shards, and the files that name shards.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <tuple>

#include <xapian.h>

#include "cardex/index/schema.h"
#include "cardex/index/shards.h"
#include "cardex/index/store.h"
#include "cardex/index/typo.h"
#include "cardex/index/writer.h"
#include "support.h"

using namespace cardex::index;
using cardex::Errc;

namespace {

Card card(const std::string& id, std::int64_t downloads) {
    Card c;
    c.id = id;
    c.author = id.substr(0, id.find('/'));
    c.name = id.substr(id.find('/') + 1);
    c.title = c.name;
    c.description = "a card about shards";
    c.downloads = downloads;
    c.likes = downloads % 7;
    c.languages = {"en", "nb"};
    c.language_groups = {"no"};
    c.licenses = {"mit", "apache-2.0"};
    c.license = "mit";
    c.tags = {"Shard", "test"};
    return c;
}

// The values of a facet as the query side's columns read them: every term under its prefix
// (columns.cpp), except capitals under a one-letter prefix.
std::vector<std::string> facet_terms(const Xapian::Document& doc, const FacetInfo& f) {
    std::vector<std::string> out;
    const std::string prefix(f.prefix);
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        const std::string term = *t;
        if (term.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string_view v = facet_value(f.facet, term);
        if (prefix.size() == 1 && !v.empty() && v[0] >= 'A' && v[0] <= 'Z') continue;
        out.emplace_back(v);
    }
    return out;
}

}  // namespace

TEST_CASE("facet values pack and unpack, and a damaged packing is refused", "[index][shards]") {
    const std::string long_value(300, 'x');
    const std::vector<std::string_view> values{"en", "", long_value, "no"};
    const std::string packed = pack_facet_values(values);
    std::vector<std::string_view> back;
    REQUIRE(unpack_facet_values(packed, back));
    CHECK(back == values);
    CHECK(pack_facet_values({}).empty());
    back.clear();
    CHECK_FALSE(unpack_facet_values(packed.substr(0, packed.size() - 1), back));
    back.clear();
    CHECK_FALSE(unpack_facet_values(std::string(1, '\x85'), back));  // a length cut short
}

TEST_CASE("shard order keys sort as value, downloads and id do", "[index][shards]") {
    std::mt19937 rng(7);
    const std::vector<double> numbers{-1e9, -2.5, -1, 0, 0.5, 1, 3, 1e6, 4e12};
    const std::vector<std::string> ids{"a", "ab", "b/x", "B/x", "a\x7f", "zz"};
    struct Item {
        double value, downloads;
        CardType type;
        std::string id;
    };
    auto pick = [&]() {
        return Item{numbers[rng() % numbers.size()],
                    numbers[rng() % numbers.size()],
                    rng() % 2 ? CardType::Model : CardType::Dataset,
                    ids[rng() % ids.size()]};
    };
    for (int i = 0; i < 2000; ++i) {
        const Item a = pick(), b = pick();
        // A single index's listing order: value descending, downloads descending, then the
        // build's id-then-type order.
        const auto ta = std::make_tuple(-a.value, -a.downloads, a.id, card_type_name(a.type));
        const auto tb = std::make_tuple(-b.value, -b.downloads, b.id, card_type_name(b.type));
        const std::string ka = shard_order_key(a.value, a.downloads, a.type, a.id);
        const std::string kb = shard_order_key(b.value, b.downloads, b.type, b.id);
        CHECK((ta < tb) == (ka < kb));
        const std::string da = shard_order_key(std::nullopt, a.downloads, a.type, a.id);
        const std::string db = shard_order_key(std::nullopt, b.downloads, b.type, b.id);
        CHECK((std::make_tuple(-a.downloads, a.id, card_type_name(a.type)) <
               std::make_tuple(-b.downloads, b.id, card_type_name(b.type))) == (da < db));
        CHECK(shard_order_id(da) == a.id);
    }
}

TEST_CASE("cards spread over shards by a stable hash", "[index][shards]") {
    std::vector<int> per(3, 0);
    for (int i = 0; i < 3000; ++i) {
        const std::string id = "org" + std::to_string(i % 17) + "/m" + std::to_string(i);
        const std::size_t s = shard_of(CardType::Model, id, 3);
        REQUIRE(s < 3);
        CHECK(s == key_hash(CardType::Model, id) % 3);
        ++per[s];
    }
    for (int n : per) CHECK((n > 850 && n < 1150));
    CHECK(shard_of(CardType::Dataset, "x/y", 1) == 0);
}

TEST_CASE("a shard build carries the shard slots, and a writer of a shard keeps them",
          "[index][shards]") {
    cardex::test::TempDir tmp;
    const std::string dir = tmp.str() + "/shard";
    BuildOptions o;
    o.shard = "1/4";
    REQUIRE(build_index(dir, {card("a/one", 10), card("b/two", 3)}, o).has_value());
    {
        IndexWriter w = IndexWriter::open(dir).value();
        REQUIRE(w.upsert({card("c/three", 5)}).has_value());
    }
    Xapian::Database db(live_generation(dir).value());
    CHECK(db.get_metadata(std::string(kMetaShard)) == "1/4");
    CHECK(db.get_doccount() == 3);
    for (Xapian::docid d = 1; d <= db.get_lastdocid(); ++d) {
        const Xapian::Document doc = db.get_document(d);
        const std::string id = doc.get_value(shard_order_slot(kSlotDownloads)).substr(8);
        INFO(id);
        for (const FacetInfo& f : kFacets) {
            const std::string packed = doc.get_value(facet_slot(f.facet));
            std::vector<std::string_view> values;
            REQUIRE(unpack_facet_values(packed, values));
            const auto terms = facet_terms(doc, f);
            CHECK(std::vector<std::string>(values.begin(), values.end()) == terms);
        }
        for (const Xapian::valueno slot : kShardOrderedSlots) {
            CHECK_FALSE(doc.get_value(shard_order_slot(slot)).empty());
        }
    }
    // The language facet holds the macrolanguage too, as its terms do.
    const std::string packed = db.get_document(1).get_value(facet_slot(Facet::Language));
    std::vector<std::string_view> langs;
    REQUIRE(unpack_facet_values(packed, langs));
    CHECK(langs == std::vector<std::string_view>{"en", "nb", "no"});

    // An index that is no shard has no shard slots, written or upserted.
    const std::string plain = tmp.str() + "/plain";
    REQUIRE(build_index(plain, {card("a/one", 10)}, {}).has_value());
    {
        IndexWriter w = IndexWriter::open(plain).value();
        REQUIRE(w.upsert({card("c/three", 5)}).has_value());
    }
    Xapian::Database pdb(live_generation(plain).value());
    for (Xapian::docid d = 1; d <= pdb.get_lastdocid(); ++d) {
        CHECK(pdb.get_document(d).get_value(facet_slot(Facet::Language)).empty());
        CHECK(pdb.get_document(d).get_value(shard_order_slot(kSlotDownloads)).empty());
    }
}

TEST_CASE("shards built together share one typo dictionary, published after staging",
          "[index][shards]") {
    cardex::test::TempDir tmp;
    // Two ids that land in different shards of 2, each holding a word no other card has.
    std::vector<std::string> ids;
    for (int i = 0; ids.size() < 2; ++i) {
        const std::string id = "org/card" + std::to_string(i);
        if (shard_of(CardType::Model, id, 2) == ids.size()) ids.push_back(id);
    }
    std::vector<GenerationBuild> builds;
    std::vector<std::string> staged;
    for (std::size_t s = 0; s < 2; ++s) {
        BuildOptions o;
        o.shard = std::to_string(s) + "/2";
        builds.push_back(GenerationBuild::start(shard_dir(tmp.str(), s), o).value());
        Card c = card(ids[s], 1);
        c.description = "a quixotrical card";
        REQUIRE(builds.back().add(c).has_value());
        auto path = builds.back().stage();
        REQUIRE(path.has_value());
        staged.push_back(*path);
        // Staged is not published: the shard has no live generation yet.
        CHECK_FALSE(live_generation(shard_dir(tmp.str(), s)).has_value());
        // Alone, one card's word is no correction target.
        CHECK(TypoDictionary::read(Xapian::Database(*path)).value()->docs("quixotrical") == 0);
    }
    REQUIRE(share_typo_dictionary(staged).has_value());
    for (std::size_t s = 0; s < 2; ++s) {
        REQUIRE(builds[s].publish().has_value());
        Xapian::Database db(live_generation(shard_dir(tmp.str(), s)).value());
        CHECK(TypoDictionary::read(db).value()->docs("quixotrical") == 2);
        // The vocabulary of both shards: the word of one card in each is a word of two.
        CHECK(TypoDictionary::read_words(db).value()->docs("quixotrical") == 2);
    }
    CHECK_FALSE(builds[0].publish().has_value());  // once only
}

TEST_CASE("a staged build that is dropped leaves nothing", "[index][shards]") {
    cardex::test::TempDir tmp;
    const std::string dir = tmp.str() + "/idx";
    {
        auto b = GenerationBuild::start(dir, {}).value();
        REQUIRE(b.add(card("a/one", 1)).has_value());
        REQUIRE(b.stage().has_value());
    }
    CHECK_FALSE(live_generation(dir).has_value());
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        CHECK(e.path().filename().string().rfind("build-", 0) != 0);
    }
}

TEST_CASE("the shard count and the remote shards of a stub are read, bad ones named",
          "[index][shards]") {
    cardex::test::TempDir tmp;
    const std::string dir = tmp.str();
    CHECK(shard_count(dir).value() == 0);
    REQUIRE(write_shard_count(dir, 3).has_value());
    CHECK(shard_count(dir).value() == 3);
    CHECK(shard_dir(dir, 2) == dir + "/shard-002");
    std::ofstream(dir + "/SHARDS") << "cardex-shards zero\n";
    CHECK(shard_count(dir).error().code == Errc::DataLoss);

    CHECK(remote_shards(dir).value().empty());  // no stub: no remote shard
    std::ofstream(dir + "/XAPIANDB") << "# shards\nremote 127.0.0.1:7101\nremote db.example:7102\n";
    auto r = remote_shards(dir).value();
    REQUIRE(r.size() == 2);
    CHECK(r[0].host == "127.0.0.1");
    CHECK(r[0].port == 7101);
    CHECK(r[1].host == "db.example");
    for (const char* bad : {"remote 127.0.0.1\n",
                            "remote :7101\n",
                            "remote h:0\n",
                            "remote h:70000\n",
                            "remote h:12x\n"}) {
        std::ofstream(dir + "/XAPIANDB") << bad;
        auto e = remote_shards(dir);
        REQUIRE_FALSE(e.has_value());
        CHECK(e.error().code == Errc::InvalidArgument);
        CHECK(e.error().detail.find("line 1") != std::string::npos);
    }
    std::ofstream(dir + "/XAPIANDB") << "remote h:1\nauto gen-000001\n";
    CHECK(remote_shards(dir).error().code == Errc::InvalidArgument);
    std::ofstream(dir + "/XAPIANDB") << "auto gen-000001\n";
    CHECK(remote_shards(dir).value().empty());
}
