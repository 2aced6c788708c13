// The position store (index/positions.h) as searches use it: a reindex writes one beside the
// generation, required phrases are checked on it (and agree with Xapian's own phrase
// matching, the exhaustive path), cards an IndexWriter rewrote since are checked through
// Xapian (the store's positions for their docids are stale), and a store that is missing,
// damaged or from another build never changes an answer.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "cardex/index/positions.h"
#include "cardex/index/store.h"
#include "cardex/index/writer.h"
#include "cardex/query/searcher.h"
#include "fixture.h"

using namespace cardex;
namespace fs = std::filesystem;

namespace {

std::string store_path(const std::string& index) {
    auto gen = index::live_generation(index);
    REQUIRE(gen.has_value());
    return (fs::path(gen.value()) / index::kPositionsFile).string();
}

std::set<std::string> ids(const query::SearchResponse& r) {
    std::set<std::string> out;
    for (const auto& h : r.hits) out.insert(h.card.id);
    return out;
}

query::SearchResponse search(query::Searcher& s, const std::string& text, bool exhaustive = false) {
    query::SearchRequest req;
    req.text = text;
    req.limit = 200;
    req.exhaustive = exhaustive;
    auto r = s.search(req);
    INFO(text);
    REQUIRE(r.has_value());
    return std::move(r).value();
}

// Cards whose bodies hold known phrases: "harbour lighthouse keeper" in some, the same words
// in another order in others.
std::vector<index::Card> phrase_cards() {
    std::vector<index::Card> cards;
    for (int i = 0; i < 300; ++i) {
        auto c = test::make_card(index::CardType::Model, "org/card-" + std::to_string(i), 1000 - i);
        c.body = i % 3 == 0   ? "the harbour lighthouse keeper logs ships"
                 : i % 3 == 1 ? "the keeper of the lighthouse by the harbour"
                              : "ships and harbour records";
        cards.push_back(std::move(c));
    }
    return cards;
}

std::string describe(const query::SearchResponse& r) {
    std::string out = std::to_string(r.total) + (r.total_exact ? "" : "+") + "\n";
    for (const auto& h : r.hits) out += h.card.id + " " + std::to_string(h.score) + "\n";
    return out;
}

}  // namespace

TEST_CASE("a reindex of the real cards writes a position store that phrases are checked on",
          "[integration][positions]") {
    auto store = index::PositionStore::open(store_path(CARDEX_REAL_INDEX));
    REQUIRE(store.has_value());
    CHECK(store.value()->first_docid() == 1);
    CHECK(store.value()->term_count() > 10000);
    REQUIRE(store.value()->verify().has_value());
    auto s = query::Searcher::open(CARDEX_REAL_INDEX);
    REQUIRE(s.has_value());
    for (const std::string text : {"\"named entity recognition\"",
                                   "\"the model\"",
                                   "\"fine tuned\" bert",
                                   "\"language model\" bert",
                                   "\"from the\" \"of the\""}) {
        const auto fast = search(*s, text);
        const auto full = search(*s, text, true);
        INFO(text);
        CHECK(fast.timings.phrase_store_cards > 0);
        CHECK(fast.timings.phrase_xapian_cards == 0);
        CHECK(fast.total > 0);
        CHECK(describe(fast) == describe(full));
    }
}

TEST_CASE("cards rewritten after the reindex are checked through Xapian, not the stale store",
          "[integration][positions]") {
    auto dir = test::build_fixture_index(phrase_cards());
    REQUIRE(index::PositionStore::open(store_path(dir->str())).has_value());
    auto s = query::Searcher::open(dir->str());
    REQUIRE(s.has_value());
    const auto before = search(*s, "\"harbour lighthouse keeper\"");
    CHECK(before.total == 100);
    CHECK(before.timings.phrase_store_cards > 0);
    CHECK(before.timings.phrase_xapian_cards == 0);

    // Card 0 loses the phrase, card 1 gains it, both keeping their docids (replace_document).
    auto c0 = test::make_card(index::CardType::Model, "org/card-0", 1000);
    c0.body = "the keeper of the lighthouse by the harbour";
    auto c1 = test::make_card(index::CardType::Model, "org/card-1", 999);
    c1.body = "a harbour lighthouse keeper";
    {
        auto w = index::IndexWriter::open(dir->str());
        REQUIRE(w.has_value());
        REQUIRE(w->upsert({c0, c1}).has_value());
    }
    const auto after = search(*s, "\"harbour lighthouse keeper\"");
    const auto hits = ids(after);
    CHECK(after.total == 100);
    CHECK_FALSE(hits.count("org/card-0"));
    CHECK(hits.count("org/card-1"));
    CHECK(after.timings.phrase_xapian_cards >= 1);
    CHECK(describe(after) == describe(search(*s, "\"harbour lighthouse keeper\"", true)));
    // A new card (a docid past the store's range) is found too.
    auto fresh = test::make_card(index::CardType::Model, "org/new", 5);
    fresh.body = "harbour lighthouse keeper";
    {
        auto w = index::IndexWriter::open(dir->str());
        REQUIRE(w.has_value());
        REQUIRE(w->upsert({fresh}).has_value());
    }
    const auto later = search(*s, "\"harbour lighthouse keeper\"");
    CHECK(later.total == 101);
    CHECK(ids(later).count("org/new"));
}

TEST_CASE("a missing, damaged or foreign position store never changes an answer",
          "[integration][positions]") {
    auto dir = test::build_fixture_index(phrase_cards());
    const std::string path = store_path(dir->str());
    const std::string text = "\"harbour lighthouse keeper\"";
    std::string reference;
    {
        auto s = query::Searcher::open(dir->str());
        REQUIRE(s.has_value());
        reference = describe(search(*s, text, true));
        CHECK(describe(search(*s, text)) == reference);
    }
    std::string good;
    {
        std::ifstream in(path, std::ios::binary);
        good.assign(std::istreambuf_iterator<char>(in), {});
    }
    REQUIRE(good.size() > 64);
    auto check_with = [&](const std::string& bytes, const char* what, bool trusted) {
        INFO(what);
        {
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out << bytes;
        }
        // A fresh searcher: the store is opened once per generation.
        auto s = query::Searcher::open(dir->str());
        REQUIRE(s.has_value());
        const auto r = search(*s, text);
        if (trusted) CHECK(describe(r) == reference);
        return r;
    };
    // Refused at open: phrases go through Xapian, as without a store.
    for (std::size_t cut : {std::size_t{0}, std::size_t{10}, std::size_t{64}, good.size() - 1}) {
        const auto r = check_with(good.substr(0, cut), "truncated", true);
        CHECK(r.timings.phrase_store_cards == 0);
    }
    std::string header = good;
    header[20] ^= 0x01;  // the last docid: the header's checksum no longer holds
    CHECK(check_with(header, "header changed", true).timings.phrase_store_cards == 0);
    check_with("not a position store at all, but long enough to hold a header's bytes......",
               "garbage",
               true);
    fs::remove(path);
    {
        auto s = query::Searcher::open(dir->str());
        REQUIRE(s.has_value());
        CHECK(search(*s, text).timings.phrase_store_cards == 0);
    }
    // Damage inside the streams, which only verify() sees: searches never crash, and a
    // stream found malformed hands the rest of the search to Xapian.
    for (std::size_t at = 64; at < good.size(); at += 97) {
        std::string body = good;
        body[at] = static_cast<char>(body[at] ^ 0x5a);
        check_with(body, "body changed", false);
    }
    // Put back, it is used again.
    CHECK(check_with(good, "restored", true).timings.phrase_store_cards > 0);
}

TEST_CASE("a store from another build is refused rather than trusted", "[integration][positions]") {
    // Two builds of as many cards, whose bodies differ: the other's store covers the same
    // docids, and would answer wrongly for every card.
    auto mine = test::build_fixture_index(phrase_cards());
    auto cards = phrase_cards();
    for (auto& c : cards) c.body = "harbour lighthouse keeper";
    auto other = test::build_fixture_index(std::move(cards));
    fs::copy_file(
        store_path(other->str()), store_path(mine->str()), fs::copy_options::overwrite_existing);
    auto s = query::Searcher::open(mine->str());
    REQUIRE(s.has_value());
    const std::string text = "\"harbour lighthouse keeper\"";
    const auto r = search(*s, text);
    CHECK(r.total == 100);
    CHECK(describe(r) == describe(search(*s, text, true)));
    CHECK(r.timings.phrase_store_cards == 0);
}
