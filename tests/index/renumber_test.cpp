// renumber_index: a generation whose upserts appended cards out of order gets the docids a
// build of the same cards gives, and keeps every document, term and metadata key.
#include <catch2/catch.hpp>

#include <filesystem>

#include "cardex/index/history.h"
#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/index/summary.h"
#include "cardex/index/writer.h"
#include "fixture.h"
#include "support.h"

using namespace cardex::index;
using cardex::Errc;

namespace {

Card card(const std::string& id, std::int64_t downloads, bool is_private = false) {
    Card c = cardex::test::make_card(CardType::Model, id, downloads);
    c.body = "common words for every card";
    c.is_private = is_private;
    return c;
}

// The unique keys of `db` in docid order.
std::vector<std::string> keys_in_docid_order(const Xapian::Database& db) {
    std::vector<std::string> out;
    for (auto it = db.postlist_begin(std::string()); it != db.postlist_end(std::string()); ++it) {
        auto t = db.termlist_begin(*it);
        t.skip_to(std::string(kPrefixId));
        out.push_back(*t);
    }
    return out;
}

}  // namespace

TEST_CASE("renumbering gives upserted cards the docids of a build of the same cards",
          "[index][store][renumber]") {
    cardex::test::TempDir dir, reference;
    BuildOptions empty;
    empty.allow_empty = true;
    empty.vocabulary = cardex::test::vocabulary();
    REQUIRE(build_index(dir.str(), {}, empty).has_value());

    // A harvest's order: batches as the origin listed them, not by downloads; ties in
    // downloads (7) that a build orders by id; a card whose text is far past the 4 KB the
    // summary keeps; a card deleted (its tombstone must survive); private cards.
    std::vector<Card> all = {card("org/zeta", 7),
                             card("org/alpha", 7),
                             card("org/mid", 50),
                             card("big/one", 900),
                             card("org/gone", 3),
                             card("ns/secret", 40, true),
                             card("ns/hidden", 60, true)};
    all[2].body = std::string(20000, 'x') + " needleword";
    {
        auto w = IndexWriter::open(dir.str());
        REQUIRE(w.has_value());
        REQUIRE(w->upsert({all[0], all[1]}).has_value());
        REQUIRE(w->upsert({all[2], all[3], all[4]}).has_value());
        REQUIRE(w->upsert({all[5], all[6]}).has_value());
        REQUIRE(w->remove({{CardType::Model, "org/gone"}}).value() == 1);
    }
    const std::string before = live_generation(dir.str()).value();
    auto old_db = open_reader(dir.str());
    REQUIRE(old_db.has_value());
    CHECK(old_db->get_metadata(std::string(kMetaDocidOrder)).empty());
    const auto old_keys = keys_in_docid_order(old_db.value());
    CHECK(old_keys.front() == "Qmodel/org/zeta");  // upsert order

    auto stats = renumber_index(dir.str());
    REQUIRE(stats.has_value());
    CHECK(stats->indexed == 6);
    CHECK(live_generation(dir.str()).value() != before);

    // The same cards built from scratch: the order renumbering must give.
    std::vector<Card> kept;
    for (const auto& c : all) {
        if (c.id != "org/gone") kept.push_back(c);
    }
    BuildOptions ref;
    ref.vocabulary = cardex::test::vocabulary();
    REQUIRE(build_index(reference.str(), kept, ref).has_value());
    auto want = open_reader(reference.str());
    auto got = open_reader(dir.str());
    REQUIRE(got.has_value());
    CHECK(keys_in_docid_order(got.value()) == keys_in_docid_order(want.value()));
    CHECK(keys_in_docid_order(got.value()) ==
          std::vector<std::string>{
              "Qmodel/big/one", "Qmodel/org/mid", "Qmodel/org/alpha", "Qmodel/org/zeta"});
    CHECK(got->get_metadata(std::string(kMetaDocidOrder)) == "downloads");
    CHECK(got->get_metadata(std::string(kMetaFormat)) == std::to_string(kFormatVersion));

    // Every document as it was (data, values), the full text searchable, the vocabulary
    // and the deletion record kept.
    for (auto it = old_db->postlist_begin(std::string()); it != old_db->postlist_end(std::string());
         ++it) {
        const Xapian::Document a = old_db->get_document(*it);
        auto t = old_db->termlist_begin(*it);
        t.skip_to(std::string(kPrefixId));
        auto p = got->postlist_begin(*t);
        REQUIRE(p != got->postlist_end(*t));
        const Xapian::Document b = got->get_document(*p);
        CHECK(b.get_data() == a.get_data());
        CHECK(b.get_value(kSlotDatestamp) == a.get_value(kSlotDatestamp));
        CHECK(got->get_doclength(*p) == old_db->get_doclength(*it));
    }
    CHECK(got->get_termfreq("needleword") == 1);
    auto vocab = Vocabulary::read(got.value());
    REQUIRE(vocab.has_value());
    CHECK_FALSE(vocab.value()->empty());
    CHECK(find_tombstone(got.value(), CardType::Model, "org/gone").has_value());

    // Private cards stay in their namespace's database, renumbered the same way.
    const auto priv = private_databases(live_generation(dir.str()).value());
    REQUIRE(priv.size() == 1);
    CHECK(priv.front().ns == "ns");
    CHECK(keys_in_docid_order(Xapian::Database(priv.front().path)) ==
          std::vector<std::string>{"Qmodel/ns/hidden", "Qmodel/ns/secret"});
}

TEST_CASE("renumbering needs an index and the writer lock", "[index][store][renumber]") {
    cardex::test::TempDir dir;
    CHECK(renumber_index(dir.str() + "/none").error().code == Errc::NotFound);
    CHECK(renumber_index(dir.str()).error().code == Errc::NotFound);
    REQUIRE(build_index(dir.str(), {card("a/b", 1)}, {}).has_value());
    auto w = IndexWriter::open(dir.str());
    REQUIRE(w.has_value());
    CHECK(renumber_index(dir.str()).error().code == Errc::Unavailable);
}
