// renumber_index: a generation whose upserts appended cards out of order gets the docids a
// build of the same cards gives, and keeps every document, term and metadata key.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cardex/index/history.h"
#include "cardex/index/pairs.h"
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

namespace {

// Card `key`'s positions of every term, read as a reader would: from the generation's store
// when it covers the card and no writer rewrote it, else from Xapian. "term:p,p,...;" each.
std::string positions_of(const std::string& gen, const std::string& key) {
    Xapian::Database db(gen);
    auto p = db.postlist_begin(key);
    REQUIRE(p != db.postlist_end(key));
    const Xapian::docid d = *p;
    auto store = PositionStore::open((std::filesystem::path(gen) / kPositionsFile).string());
    const std::string live(kTermLivePositions);
    bool rewritten = false;
    for (auto l = db.postlist_begin(live); l != db.postlist_end(live); ++l) rewritten |= *l == d;
    const bool from_store = store.has_value() && store.value()->covers(d) && !rewritten;
    std::string out;
    std::vector<std::uint32_t> pos;
    for (auto t = db.termlist_begin(d); t != db.termlist_end(d); ++t) {
        pos.clear();
        if (from_store) {
            PositionStore::Cursor c(*store.value(), *t);
            if (c.seek(d) && c.card() == d) REQUIRE(c.positions(pos));
        } else {
            for (auto x = t.positionlist_begin(); x != t.positionlist_end(); ++x) pos.push_back(*x);
        }
        if (pos.empty()) continue;
        out += *t + ":";
        for (auto x : pos) out += std::to_string(x) + ",";
        out += ";";
    }
    return out;
}

}  // namespace

TEST_CASE("renumbering a generation whose positions are in its store only carries them over",
          "[index][store][renumber][positions]") {
    cardex::test::TempDir dir;
    BuildOptions options;
    options.vocabulary = cardex::test::vocabulary();
    std::vector<Card> cards = {card("org/a", 10), card("org/b", 20), card("org/c", 30)};
    cards[0].body = "the harbour lighthouse keeper logs the ships";
    cards[1].body = "keeper of the lighthouse, by the harbour";
    REQUIRE(build_index(dir.str(), cards, options).has_value());
    const std::string built = live_generation(dir.str()).value();
    {
        Xapian::Database db(built);
        CHECK(db.get_metadata(std::string(kMetaXapianPositions)) == "store");
        CHECK_FALSE(db.has_positions());  // nothing in Xapian's position table
    }
    // A writer rewrites org/b (its positions in Xapian only, the store's stale) and adds
    // org/d with more downloads than all: renumbering moves it first.
    Card b = card("org/b", 20);
    b.body = "a harbour lighthouse keeper rewritten";
    Card d = card("org/d", 90);
    d.body = "lighthouse keeper of the harbour";
    {
        auto w = IndexWriter::open(dir.str());
        REQUIRE(w.has_value());
        REQUIRE(w->upsert({b, d}).has_value());
    }
    const std::string before = live_generation(dir.str()).value();
    std::vector<std::string> want;
    for (const char* key : {"Qmodel/org/a", "Qmodel/org/b", "Qmodel/org/c", "Qmodel/org/d"})
        want.push_back(positions_of(before, key));
    CHECK(want[1].find("rewritten") != std::string::npos);  // the writer's, not the stale ones
    CHECK(want[0].find("lighthous") != std::string::npos);

    // Positions collected in parts (BuildOptions: segment_docs x merge_fan_in cards) and
    // merged: one part, parts that divide the 4 cards, and a short last part.
    BuildOptions renumber;
    const auto [segment_docs, fan_in] = GENERATE(std::pair<std::size_t, std::size_t>{4000, 16},
                                                 std::pair<std::size_t, std::size_t>{1, 2},
                                                 std::pair<std::size_t, std::size_t>{1, 3});
    renumber.segment_docs = segment_docs;
    renumber.merge_fan_in = fan_in;
    INFO("parts of " << segment_docs * fan_in << " cards");
    REQUIRE(renumber_index(dir.str(), renumber).has_value());
    const std::string after = live_generation(dir.str()).value();
    REQUIRE(after != before);
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
        CHECK(e.path().filename().string().rfind("build-", 0) != 0);  // no part left behind
    }
    Xapian::Database got(after);
    CHECK(got.get_metadata(std::string(kMetaXapianPositions)) == "store");
    CHECK(got.get_termfreq(std::string(kTermLivePositions)) == 0);  // all in the new store
    CHECK_FALSE(got.has_positions());
    auto store = PositionStore::open((std::filesystem::path(after) / kPositionsFile).string());
    REQUIRE(store.has_value());
    CHECK(got.get_metadata(std::string(kMetaPositions)) == store.value()->tag());
    CHECK(store.value()->last_docid() == got.get_lastdocid());
    REQUIRE(store.value()->verify().has_value());
    CHECK(keys_in_docid_order(got).front() == "Qmodel/org/d");
    std::size_t i = 0;
    for (const char* key : {"Qmodel/org/a", "Qmodel/org/b", "Qmodel/org/c", "Qmodel/org/d"}) {
        INFO(key);
        CHECK(positions_of(after, key) == want[i++]);
    }
}

TEST_CASE("renumbering refuses a store-only generation whose store is gone",
          "[index][store][renumber][positions]") {
    cardex::test::TempDir dir;
    BuildOptions options;
    options.vocabulary = cardex::test::vocabulary();
    REQUIRE(build_index(dir.str(), {card("org/a", 10), card("org/b", 20)}, options).has_value());
    const std::string gen = live_generation(dir.str()).value();
    std::filesystem::remove(std::filesystem::path(gen) / kPositionsFile);
    auto r = renumber_index(dir.str());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Errc::DataLoss);
    CHECK(r.error().detail.find(std::string(kPositionsFile)) != std::string::npos);
    CHECK(live_generation(dir.str()).value() == gen);  // nothing published
}

namespace {

// Card `d`'s adjacent pairs of terms the filter holds as frequent (term a at p, term b at
// p + 1), read from the generation's store.
std::set<std::pair<std::string, std::string>> frequent_pairs(const Xapian::Database& db,
                                                             const PositionStore& store,
                                                             const PairFilter& filter,
                                                             Xapian::docid d) {
    std::map<std::uint32_t, std::vector<std::string>> at;  // position -> terms
    std::vector<std::uint32_t> pos;
    for (auto t = db.termlist_begin(d); t != db.termlist_end(d); ++t) {
        if (!filter.frequent(*t)) continue;
        PositionStore::Cursor c(store, *t);
        pos.clear();
        if (c.seek(d) && c.card() == d) REQUIRE(c.positions(pos));
        for (auto p : pos) at[p].push_back(*t);
    }
    std::set<std::pair<std::string, std::string>> out;
    for (const auto& [p, terms] : at) {
        auto next = at.find(p + 1);
        if (next == at.end()) continue;
        for (const auto& a : terms) {
            for (const auto& b : next->second) out.emplace(a, b);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("renumbering writes the pair filter of the new store, holding every card's pairs",
          "[index][store][renumber][positions][pairs]") {
    cardex::test::TempDir dir;
    BuildOptions options;
    options.vocabulary = cardex::test::vocabulary();
    // 80 cards: the words every card holds are frequent (at least 64 cards, the filter's
    // floor), so their pairs are in the filter; two bodies, so that some frequent pairs are
    // in half of the cards only.
    std::vector<Card> cards;
    for (int i = 0; i < 80; ++i) {
        cards.push_back(card("org/c" + std::to_string(i), 1000 - i));
        cards.back().body = i % 2 == 0 ? "the harbour lighthouse keeper logs the ships"
                                       : "keeper of the lighthouse, by the harbour";
    }
    REQUIRE(build_index(dir.str(), cards, options).has_value());
    const std::string built = live_generation(dir.str()).value();
    auto built_store =
        PositionStore::open((std::filesystem::path(built) / kPositionsFile).string());
    REQUIRE(built_store.has_value());
    // Upserts out of downloads order: a card that renumbering moves first, and a card
    // rewritten with the second body's words in another order.
    Card top = card("org/top", 5000);
    top.body = "the harbour keeper, lighthouse of the ships";
    Card rewritten = card("org/c10", 990);
    rewritten.body = "ships of the harbour keeper";
    {
        auto w = IndexWriter::open(dir.str());
        REQUIRE(w.has_value());
        REQUIRE(w->upsert({top, rewritten}).has_value());
    }
    REQUIRE(renumber_index(dir.str()).has_value());
    const std::filesystem::path after = live_generation(dir.str()).value();
    auto store = PositionStore::open((after / kPositionsFile).string());
    REQUIRE(store.has_value());
    auto opened = PairFilter::open((after / kPairsFile).string());
    REQUIRE(opened.has_value());
    const PairFilter& filter = *opened.value();
    // The new store's filter, not a copy of the build's (a reader would refuse that one).
    CHECK(filter.store_tag() == store.value()->tag());
    CHECK(filter.store_tag() != built_store.value()->tag());
    CHECK(filter.first_docid() == store.value()->first_docid());
    CHECK(filter.last_docid() == store.value()->last_docid());
    Xapian::Database db(after.string());
    CHECK(filter.last_docid() == db.get_lastdocid());
    REQUIRE(filter.frequent("harbour"));
    REQUIRE(filter.frequent("keeper"));

    // No card's block is ruled out for a pair the card holds (the moved and rewritten ones
    // included), and a frequent pair no card holds is ruled out of some block.
    std::set<std::pair<std::string, std::string>> held;
    std::size_t tested = 0;
    for (auto it = db.postlist_begin(std::string()); it != db.postlist_end(std::string()); ++it) {
        for (const auto& [a, b] : frequent_pairs(db, *store.value(), filter, *it)) {
            INFO("card " << *it << ": " << a << " " << b);
            CHECK(filter.may_hold(filter.block_of(*it), {PairFilter::pair_key(a, b)}));
            held.emplace(a, b);
            ++tested;
        }
    }
    CHECK(tested > 80);
    REQUIRE(held.count({"harbour", "keeper"}) == 1);  // the moved card's
    REQUIRE(held.count({"keeper", "harbour"}) == 0);
    const std::uint64_t absent = PairFilter::pair_key("keeper", "harbour");
    std::size_t ruled_out = 0;
    for (std::uint32_t block = 0; block <= filter.block_of(filter.last_docid()); ++block)
        ruled_out += filter.may_hold(block, {absent}) ? 0 : 1;
    CHECK(ruled_out > 0);
}
