// The record history harvesters read (index/history.h): datestamps carried across writes,
// tombstones of deleted and dropped cards, and DOI normalization (index/doi.h).
#include <catch2/catch.hpp>

#include <ctime>

#include "cardex/index/doi.h"
#include "cardex/index/history.h"
#include "cardex/index/store.h"
#include "cardex/index/writer.h"
#include "support.h"

using namespace cardex::index;

namespace {

Card card(const std::string& id, const std::string& sha, std::int64_t datestamp = -1) {
    Card c;
    c.id = id;
    c.author = id.substr(0, id.find('/'));
    c.name = id.substr(id.find('/') + 1);
    c.title = c.name;
    c.body = "text";
    c.sha = sha;
    c.tasks = {"fill-mask"};
    c.reuse = "open";
    c.datestamp = datestamp;
    return c;
}

// The datestamp the live document of `c`'s key has, if it has `c`'s sha: carried_datestamp
// with an impossible "now" tells a carried stamp from a fresh one.
std::int64_t live_datestamp(const std::string& dir, Card c) {
    auto db = open_reader(dir);
    REQUIRE(db.has_value());
    c.datestamp = -1;
    return carried_datestamp(*db, c, -7);
}

}  // namespace

TEST_CASE("DOIs are normalized once: case, resolver prefixes, punctuation around them",
          "[index][doi]") {
    CHECK(normalize_doi("10.57967/HF/1234") == "10.57967/hf/1234");
    CHECK(normalize_doi(" https://doi.org/10.1234/ABC. ") == "10.1234/abc");
    CHECK(normalize_doi("https://dx.doi.org/10.1234/x") == "10.1234/x");
    CHECK(normalize_doi("doi:10.1234/x") == "10.1234/x");
    CHECK(normalize_doi("info:doi/10.1234/x") == "10.1234/x");
    CHECK(normalize_doi("https:/doi.org/10.1234/x") == "10.1234/x");  // a collapsed path
    // Brackets: kept when the DOI opened them, cut when it did not.
    CHECK(normalize_doi("10.1016/S0140-6736(20)30183-5") == "10.1016/s0140-6736(20)30183-5");
    CHECK(normalize_doi("10.1234/abc)") == "10.1234/abc");
    CHECK(normalize_doi("10.1234/abc],") == "10.1234/abc");
    // bioRxiv and medRxiv versions and page suffixes are part of the URL, not the DOI.
    CHECK(normalize_doi("10.1101/2023.01.11.523679v1") == "10.1101/2023.01.11.523679");
    CHECK(normalize_doi("10.1101/2022.05.27.493774v2.full.pdf") == "10.1101/2022.05.27.493774");
    CHECK(normalize_doi("10.1234/abcv1") == "10.1234/abcv1");  // other registrants keep it
    // Not DOIs.
    CHECK(normalize_doi("").empty());
    CHECK(normalize_doi("10.12/x").empty());      // registrant too short
    CHECK(normalize_doi("10.abcd/x").empty());    // registrant not digits
    CHECK(normalize_doi("10.1234/").empty());     // no suffix
    CHECK(normalize_doi("10.1234/a b").empty());  // white space inside
    CHECK(normalize_doi("11.1234/x").empty());
    CHECK(normalize_doi("10.1234/" + std::string(200, 'a')).empty());
}

TEST_CASE("a reindex keeps the datestamps of unchanged cards and remembers dropped ones",
          "[index][history]") {
    cardex::test::TempDir dir;
    REQUIRE(build_index(dir.str(),
                        {card("a/kept", "s1", 1000),
                         card("a/changed", "s2", 1000),
                         card("a/dropped", "s3", 1000)})
                .has_value());
    CHECK(live_datestamp(dir.str(), card("a/kept", "s1")) == 1000);

    const auto before = static_cast<std::int64_t>(std::time(nullptr));
    REQUIRE(build_index(dir.str(),
                        {card("a/kept", "s1"), card("a/changed", "s2b"), card("b/new", "s4")})
                .has_value());
    CHECK(live_datestamp(dir.str(), card("a/kept", "s1")) == 1000);
    CHECK(live_datestamp(dir.str(), card("a/changed", "s2b")) >= before);
    CHECK(live_datestamp(dir.str(), card("b/new", "s4")) >= before);

    auto db = open_reader(dir.str());
    REQUIRE(db.has_value());
    const auto gone = find_tombstone(*db, CardType::Model, "a/dropped");
    REQUIRE(gone.has_value());
    CHECK(gone->author == "a");
    CHECK(gone->deleted_at >= before);
    CHECK(gone->reuse == "open");
    CHECK(gone->tasks == std::vector<std::string>{"fill-mask"});
    CHECK_FALSE(find_tombstone(*db, CardType::Model, "a/kept").has_value());
    CHECK_FALSE(find_tombstone(*db, CardType::Dataset, "a/dropped").has_value());

    // The tombstone outlives further reindexes, and goes when the card comes back.
    REQUIRE(build_index(dir.str(), {card("a/kept", "s1")}).has_value());
    db = open_reader(dir.str());
    REQUIRE(db.has_value());
    CHECK(find_tombstone(*db, CardType::Model, "a/dropped").has_value());
    CHECK(find_tombstone(*db, CardType::Model, "b/new").has_value());
    REQUIRE(build_index(dir.str(), {card("a/kept", "s1"), card("a/dropped", "s3")}).has_value());
    db = open_reader(dir.str());
    REQUIRE(db.has_value());
    CHECK_FALSE(find_tombstone(*db, CardType::Model, "a/dropped").has_value());
    CHECK(find_tombstone(*db, CardType::Model, "b/new").has_value());
}

TEST_CASE("a deleted card leaves a tombstone and an upsert of it clears it", "[index][history]") {
    cardex::test::TempDir dir;
    REQUIRE(build_index(dir.str(), {card("a/x", "s1", 1000), card("a/y", "s2", 1000)}).has_value());
    {
        auto w = IndexWriter::open(dir.str());
        REQUIRE(w.has_value());
        auto removed = w->remove({{CardType::Model, "a/x"}, {CardType::Model, "a/none"}});
        REQUIRE(removed.has_value());
        CHECK(*removed == 1);
        // An upsert of an unchanged card keeps its datestamp.
        REQUIRE(w->upsert({card("a/y", "s2")}).has_value());
    }
    CHECK(live_datestamp(dir.str(), card("a/y", "s2")) == 1000);
    auto db = open_reader(dir.str());
    REQUIRE(db.has_value());
    REQUIRE(find_tombstone(*db, CardType::Model, "a/x").has_value());
    CHECK_FALSE(find_tombstone(*db, CardType::Model, "a/none").has_value());
    {
        auto w = IndexWriter::open(dir.str());
        REQUIRE(w.has_value());
        REQUIRE(w->upsert({card("a/x", "s1")}).has_value());
    }
    db = open_reader(dir.str());
    REQUIRE(db.has_value());
    CHECK_FALSE(find_tombstone(*db, CardType::Model, "a/x").has_value());
}

TEST_CASE("tombstones are scanned in key order, a bounded number at a time", "[index][history]") {
    cardex::test::TempDir dir;
    std::vector<Card> all;
    for (int i = 0; i < 7; ++i) all.push_back(card("o/c" + std::to_string(i), "s"));
    REQUIRE(build_index(dir.str(), all).has_value());
    REQUIRE(build_index(dir.str(), {card("o/keep", "s")}).has_value());
    auto db = open_reader(dir.str());
    REQUIRE(db.has_value());
    std::vector<std::string> keys;
    std::string after;
    int scans = 0;
    for (;; ++scans) {
        REQUIRE(scans < 10);
        auto scan = scan_tombstones(*db, after, 3);
        CHECK(scan.items.size() <= 3);
        CHECK(scan.skipped == 0);
        for (const auto& t : scan.items) keys.push_back(record_key(t.type, t.id));
        if (scan.end) break;
        after = scan.last;
    }
    CHECK(scans >= 2);
    std::vector<std::string> want;
    for (int i = 0; i < 7; ++i) want.push_back("model/o/c" + std::to_string(i));
    CHECK(keys == want);
}

TEST_CASE("key hashes are stable, 53-bit and tell keys apart", "[index][history]") {
    CHECK(key_hash(CardType::Model, "a/b") == key_hash(CardType::Model, "a/b"));
    CHECK(key_hash(CardType::Model, "a/b") != key_hash(CardType::Dataset, "a/b"));
    CHECK(key_hash(CardType::Model, "a/b") < (std::uint64_t{1} << 53));
    CHECK(record_key(CardType::Dataset, "a/b") == "dataset/a/b");
}
