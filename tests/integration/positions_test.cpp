// The position store (index/positions.h) as searches use it: a reindex writes one beside the
// generation, required phrases are checked on it (and agree with Xapian's own phrase
// matching, the exhaustive path), cards an IndexWriter rewrote since are checked through
// Xapian (the store's positions for their docids are stale), and a store that is missing,
// damaged or from another build never changes an answer. Phrases under OR and NOT, windows
// and NEAR run on the store too (query/src/positional.h), and agree with Xapian's own
// positions (the same index with its store taken away). A default build keeps its cards'
// positions in the store only: then a store that is missing, foreign or damaged is an error
// for phrases (DataLoss), never an answer without them, and a search with private databases
// reads the store for the public cards only. The store's pair filter (index/pairs.h) rules
// out cards unread, with Xapian's answers, and one missing, damaged or another store's is
// not used.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "cardex/index/pairs.h"
#include "cardex/index/positions.h"
#include "cardex/index/store.h"
#include "cardex/index/writer.h"
#include "cardex/query/searcher.h"
#include "fixture.h"
#include "positional.h"
#include "real_corpus.h"

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

query::SearchRequest request(const std::string& text, bool exhaustive) {
    query::SearchRequest req;
    req.text = text;
    req.limit = 200;
    req.exhaustive = exhaustive;
    return req;
}

query::SearchResponse run(query::Searcher& s, const query::SearchRequest& req) {
    auto r = s.search(req);
    INFO(req.text);
    REQUIRE(r.has_value());
    return std::move(r).value();
}

query::SearchResponse search(
    query::Searcher& s,
    const std::string& text,
    bool exhaustive = false,
    std::uint32_t phrase_limit = query::SearchRequest{}.phrase_check_limit) {
    auto req = request(text, exhaustive);
    req.phrase_check_limit = phrase_limit;
    return run(s, req);
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

TEST_CASE(
    "with Xapian's positions kept, a missing, damaged or foreign store never changes an answer",
    "[integration][positions]") {
    auto dir = test::build_fixture_index(phrase_cards(), true);
    const std::string path = store_path(dir->str());
    const std::string text = "\"harbour lighthouse keeper\"";
    std::string reference;
    {
        auto s = query::Searcher::open(dir->str());
        REQUIRE(s.has_value());
        reference = describe(search(*s, text, true));
        CHECK(describe(search(*s, text)) == reference);
    }
    const std::string good = test::read_bytes(path);
    REQUIRE(good.size() > 64);
    auto check_with = [&](const std::string& bytes, const char* what, bool trusted) {
        INFO(what);
        test::write_bytes(path, bytes);
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
    auto mine = test::build_fixture_index(phrase_cards(), true);
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

TEST_CASE("phrases under OR and NOT are checked on the store and rank as Xapian's exhaustive path",
          "[integration][positions]") {
    // The reference: a copy of the real cards' index built with Xapian's positions too
    // (CARDEX_REAL_XAPIAN_INDEX: `cardex reindex --xapian-positions` of the same cards),
    // without its store, where every phrase reads Xapian's position table (as before
    // positional.h), searched exhaustively. The index searched has its cards' positions in
    // its store only (the default build): no phrase can be answered but by the store. Not
    // its pruned ranking: for `"the model" OR "the the"` it left the weight of "the the"
    // out for a card holding it (docid 946), which its exhaustive path, the store, and the
    // same Xapian query run alone (pruned or not) all give. Not chased further: with a store
    // that path no longer reads Xapian's positions (docs/PERFORMANCE.md, session 19).
    test::TempDir copy;
    fs::copy(CARDEX_REAL_XAPIAN_INDEX, copy.path(), fs::copy_options::recursive);
    REQUIRE(fs::remove(store_path(copy.str())));
    auto on_store = query::Searcher::open(CARDEX_REAL_INDEX);
    auto on_xapian = query::Searcher::open(copy.str());
    REQUIRE(on_store.has_value());
    REQUIRE(on_xapian.has_value());
    for (const std::string text :
         {"\"named entity\" OR bert",
          "\"language model\" OR \"text generation\"",
          "bert -\"fill mask\"",
          "(\"of the\" OR translation) english",
          "\"the model\" OR \"the the\"",
          "transformers -(\"the model\" OR bert)",
          "(\"language model\" english) OR (\"text classification\" -bert)",
          "\"question answering\" squad"}) {
        INFO(text);
        for (const std::uint32_t limit : {std::uint32_t{0}, std::uint32_t{25000}}) {
            INFO("phrase_check_limit " << limit);
            const auto xapian = search(*on_xapian, text, true, limit);
            CHECK(xapian.timings.phrase_store_cards == 0);
            CHECK(xapian.total > 0);
            for (const bool exhaustive : {false, true}) {
                INFO("exhaustive " << exhaustive);
                const auto store = search(*on_store, text, exhaustive, limit);
                CHECK(store.timings.phrase_store_cards > 0);
                CHECK(store.timings.phrase_xapian_cards == 0);
                CHECK(describe(store) == describe(xapian));
            }
        }
    }
}

TEST_CASE("the store's phrase and NEAR sources match what Xapian's positional operators match",
          "[integration][positions]") {
    // Below the Searcher (whose parser makes exact phrases only: query_builder.cpp,
    // without_proximity_operators): Xapian queries on the real cards' generation, each
    // positional operator as Xapian evaluates it and rewritten onto the store (the index
    // built with Xapian's positions too, so that Xapian's operators have them).
    using Q = Xapian::Query;
    auto gen = index::live_generation(CARDEX_REAL_XAPIAN_INDEX);
    REQUIRE(gen.has_value());
    Xapian::Database db(gen.value());
    auto store = index::PositionStore::open(store_path(CARDEX_REAL_XAPIAN_INDEX));
    REQUIRE(store.has_value());
    auto ctx = query::positional_context(db, store.value().get(), nullptr);
    // Stemmed terms, as the index holds them.
    const std::vector<std::vector<std::string>> tuples = {{"name", "entiti"},
                                                          {"name", "entiti", "recognit"},
                                                          {"languag", "model"},
                                                          {"the", "model"},
                                                          {"model", "model"},
                                                          {"of", "the"},
                                                          {"fine", "tune"},
                                                          {"the", "the"},
                                                          {"train", "data", "set"}};
    auto docids = [&](const Q& q, bool ranked) {
        Xapian::Enquire e(db);
        e.set_query(q);
        if (!ranked) {
            e.set_weighting_scheme(Xapian::BoolWeight());
            e.set_docid_order(Xapian::Enquire::ASCENDING);
        }
        const auto m = e.get_mset(0, ranked ? 50 : db.get_doccount());
        std::string out = std::to_string(m.size()) + ":";
        for (auto it = m.begin(); it != m.end(); ++it)
            out +=
                " " + std::to_string(*it) + (ranked ? "/" + std::to_string(it.get_weight()) : "");
        return out;
    };
    std::size_t nonempty = 0;
    for (const auto& t : tuples) {
        std::vector<Q> words;
        for (std::size_t i = 0; i < t.size(); ++i)
            words.emplace_back(t[i], 1, static_cast<Xapian::termpos>(i + 1));
        const auto n = static_cast<Xapian::termcount>(t.size());
        for (const auto& [op, window] : std::vector<std::pair<Q::op, Xapian::termcount>>{
                 {Q::OP_PHRASE, n}, {Q::OP_PHRASE, n + 2}, {Q::OP_NEAR, n}, {Q::OP_NEAR, 10}}) {
            const Q positional(op, words.begin(), words.end(), window);
            for (const Q& q : {positional,
                               Q(Q::OP_OR, positional, Q("bert")),
                               Q(Q::OP_AND_NOT, Q("model"), positional),
                               Q(Q::OP_AND_MAYBE, Q("dataset"), positional)}) {
                INFO(q.get_description());
                const Q rewritten = query::on_store(q, ctx);
                CHECK(rewritten.get_description() != q.get_description());
                const std::string want = docids(q, false);
                CHECK(docids(rewritten, false) == want);
                CHECK(docids(rewritten, true) == docids(q, true));
                nonempty += want.rfind("0:", 0) == 0 ? 0 : 1;
            }
        }
    }
    CHECK(nonempty > 100);
    CHECK(ctx->store_checks > 0);
    CHECK(ctx->xapian_checks == 0);
}

TEST_CASE("with Xapian's positions kept, a query on a store found damaged mid-search finishes",
          "[integration][positions]") {
    auto dir = test::build_fixture_index(phrase_cards(), true);
    const std::string path = store_path(dir->str());
    const std::string text = "\"harbour lighthouse keeper\" OR ships NEAR/2 logs";
    std::string reference;
    {
        auto s = query::Searcher::open(dir->str());
        REQUIRE(s.has_value());
        const auto r = search(*s, text, true);
        CHECK(r.total == 100);
        CHECK(r.timings.phrase_store_cards > 0);
        reference = describe(r);
    }
    const std::string good = test::read_bytes(path);
    // Flips in the streams (which the header's checks do not see), 211 bytes apart (each
    // costs a searcher opened again, seconds under ASan): never a crash, never a card that
    // the words alone would not match.
    for (std::size_t at = 64; at < good.size(); at += 211) {
        std::string body = good;
        body[at] = static_cast<char>(body[at] ^ 0x5a);
        test::write_bytes(path, body);
        auto s = query::Searcher::open(dir->str());
        REQUIRE(s.has_value());
        for (const bool exhaustive : {false, true}) {
            const auto r = search(*s, text, exhaustive);
            CHECK(r.total <= 200);
        }
    }
    test::write_bytes(path, good);
    auto s = query::Searcher::open(dir->str());
    REQUIRE(s.has_value());
    CHECK(describe(search(*s, text, true)) == reference);
}

namespace {

query::SearchResponse search_as(query::Searcher& s,
                                const std::string& text,
                                const std::vector<std::string>& namespaces,
                                bool exhaustive) {
    auto req = request(text, exhaustive);
    req.private_namespaces = namespaces;
    return run(s, req);
}

}  // namespace

TEST_CASE("a store-only generation whose store is missing, foreign or damaged says so for phrases",
          "[integration][positions]") {
    auto dir = test::build_fixture_index(phrase_cards());
    {
        auto gen = index::live_generation(dir->str());
        REQUIRE(gen.has_value());
        Xapian::Database db(gen.value());
        CHECK(db.get_metadata(std::string(index::kMetaXapianPositions)) == "store");
        CHECK_FALSE(db.has_positions());
    }
    const std::string path = store_path(dir->str());
    const std::string phrase = "\"harbour lighthouse keeper\" OR ships NEAR/2 logs";
    std::string reference;
    {
        auto s = query::Searcher::open(dir->str());
        REQUIRE(s.has_value());
        const auto r = search(*s, phrase, true);
        CHECK(r.total == 100);
        CHECK(r.timings.phrase_xapian_cards == 0);
        reference = describe(r);
        CHECK(describe(search(*s, phrase)) == reference);
    }
    const std::string good = test::read_bytes(path);
    auto other_cards = phrase_cards();
    for (auto& c : other_cards) c.body = "harbour lighthouse keeper";
    auto other = test::build_fixture_index(std::move(other_cards));
    const std::string foreign = test::read_bytes(store_path(other->str()));
    // Each: phrases fail with DataLoss naming the store; words alone still answer.
    auto refused = [&](const std::string* bytes, const char* what) {
        INFO(what);
        if (bytes == nullptr) {
            fs::remove(path);
        } else {
            test::write_bytes(path, *bytes);
        }
        auto s = query::Searcher::open(dir->str());
        REQUIRE(s.has_value());
        for (const bool exhaustive : {false, true}) {
            auto r = s->search(request(phrase, exhaustive));
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().code == Errc::DataLoss);
            CHECK(r.error().detail.find(std::string(index::kPositionsFile)) != std::string::npos);
        }
        CHECK(search(*s, "harbour lighthouse keeper").total >= 200);
    };
    refused(nullptr, "missing");
    refused(&foreign, "another build's");
    const std::string truncated = good.substr(0, good.size() / 2);
    refused(&truncated, "truncated");
    // Flips inside the streams, which only verify() sees at open: each search either gives
    // an answer (the flip was not read, or read as other valid positions) or DataLoss when
    // a stream is found malformed; never a crash, never an answer from Xapian's empty table.
    // Besides single flips, runs of 0xff: a varint longer than 5 bytes wherever a read
    // stream meets one, which must read as malformed (version 2's entries have no byte
    // length to cross-check, so a flip alone is more often read as other valid positions).
    std::size_t lost = 0;
    for (std::size_t k = 0, at = 64; at < good.size(); at += 211, ++k) {
        std::string body = good;
        if (k % 2 == 0) {
            body[at] = static_cast<char>(body[at] ^ 0x5a);
        } else {
            body.replace(at,
                         std::min<std::size_t>(8, body.size() - at),
                         std::string(8, '\xff'),
                         0,
                         std::min<std::size_t>(8, body.size() - at));
        }
        test::write_bytes(path, body);
        auto s = query::Searcher::open(dir->str());
        REQUIRE(s.has_value());
        for (const bool exhaustive : {false, true}) {
            auto r = s->search(request(phrase, exhaustive));
            if (r.has_value()) {
                CHECK(r.value().total <= 200);
                CHECK(r.value().timings.phrase_xapian_cards == 0);
            } else {
                CHECK(r.error().code == Errc::DataLoss);
                ++lost;
            }
            // Words alone need no positions: the second stage (query/src/proximity.h) reads
            // the store for its window, and a stream found damaged there leaves the first
            // stage's order instead of failing the search.
            auto words = s->search(request("harbour lighthouse keeper", exhaustive));
            REQUIRE(words.has_value());
            CHECK(words.value().total >= 200);
        }
    }
    CHECK(lost > 0);
    test::write_bytes(path, good);
    auto s = query::Searcher::open(dir->str());
    REQUIRE(s.has_value());
    CHECK(describe(search(*s, phrase, true)) == reference);
}

TEST_CASE("a search with private databases reads the store for the public cards only",
          "[integration][positions]") {
    // Public cards with their positions in the store only, private ones (their own
    // databases, with Xapian's positions, docids from 1 as the public cards'): the same
    // answers as a build keeping Xapian's positions for every card, without a store.
    auto cards = phrase_cards();
    for (int i = 0; i < 30; ++i) {
        auto c =
            test::make_card(index::CardType::Model, "ns/private-" + std::to_string(i), 500 - i);
        c.is_private = true;
        c.body = i % 2 == 0 ? "a private harbour lighthouse keeper" : "private keeper harbour";
        cards.push_back(std::move(c));
    }
    auto store_only = test::build_fixture_index(cards);
    auto both = test::build_fixture_index(cards, true);
    // The reference reads Xapian's positions alone: with its store it would read the store
    // as the other does, and agree with it even where both read it wrongly.
    REQUIRE(fs::remove(store_path(both->str())));
    auto a = query::Searcher::open(store_only->str());
    auto b = query::Searcher::open(both->str());
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    for (const std::string text : {"\"harbour lighthouse keeper\"",
                                   "\"harbour lighthouse keeper\" OR private",
                                   "keeper -\"harbour lighthouse\"",
                                   "\"lighthouse keeper\" harbour -ships"}) {
        INFO(text);
        for (const bool exhaustive : {false, true}) {
            const auto got = search_as(*a, text, {"ns"}, exhaustive);
            CHECK(describe(got) == describe(search_as(*b, text, {"ns"}, exhaustive)));
            CHECK(got.timings.phrase_store_cards > 0);
            CHECK(search_as(*b, text, {"ns"}, exhaustive).timings.phrase_store_cards == 0);
            CHECK(describe(search_as(*a, text, {}, exhaustive)) ==
                  describe(search_as(*b, text, {}, exhaustive)));
        }
        CHECK(search_as(*a, text, {"ns"}, false).total > search_as(*a, text, {}, false).total);
    }
}

TEST_CASE("the pair filter rules cards out unread and never changes a phrase's answer",
          "[integration][positions]") {
    // The reference: Xapian's own positions (the copy built with them, its store taken away,
    // so its pair filter is never used), exhaustive.
    test::TempDir copy;
    fs::copy(CARDEX_REAL_XAPIAN_INDEX, copy.path(), fs::copy_options::recursive);
    REQUIRE(fs::remove(store_path(copy.str())));
    auto gen = index::live_generation(CARDEX_REAL_INDEX);
    REQUIRE(gen.has_value());
    auto filter = index::PairFilter::open((fs::path(gen.value()) / index::kPairsFile).string());
    REQUIRE(filter.has_value());
    auto store = index::PositionStore::open(store_path(CARDEX_REAL_INDEX));
    REQUIRE(store.has_value());
    CHECK(filter.value()->store_tag() == store.value()->tag());
    // Phrases of the most frequent words the filter holds pairs of: most are held by no card
    // (every word on hundreds of cards: the costly case), some by many.
    std::vector<std::string> words;
    {
        Xapian::Database db(gen.value());
        for (const auto& [n, w] : test::words_by_frequency(db)) {
            if (filter.value()->frequent(w)) words.push_back(w);
            if (words.size() == 40) break;
        }
    }
    REQUIRE(words.size() == 40);
    std::mt19937 rng(7);
    std::uniform_int_distribution<std::size_t> pick(0, words.size() - 1);
    std::vector<std::string> texts = {"\"of the\"",
                                      "\"the model\"",
                                      "\"named entity recognition\"",
                                      "\"language model\" bert",
                                      "\"of the\" \"the model\""};
    for (int i = 0; i < 60; ++i)
        texts.push_back("\"" + words[pick(rng)] + " " + words[pick(rng)] + "\"");
    for (int i = 0; i < 40; ++i) {
        texts.push_back("\"" + words[pick(rng)] + " " + words[pick(rng)] + " " + words[pick(rng)] +
                        "\"");
    }
    auto on_store = query::Searcher::open(CARDEX_REAL_INDEX);
    auto on_xapian = query::Searcher::open(copy.str());
    REQUIRE(on_store.has_value());
    REQUIRE(on_xapian.has_value());
    std::size_t held = 0, not_held = 0;
    std::uint64_t rejects = 0, reads = 0;  // over the phrases no card holds
    for (const auto& text : texts) {
        INFO(text);
        const auto xapian = search(*on_xapian, text, true, 0);
        const auto r = search(*on_store, text);
        CHECK(describe(r) == describe(xapian));
        CHECK(r.timings.phrase_xapian_cards == 0);
        if (xapian.total > 0) {
            ++held;
            continue;
        }
        ++not_held;
        rejects += r.timings.phrase_pair_rejects;
        reads += r.timings.phrase_store_cards;
    }
    INFO(held << " phrases held, " << not_held << " not; on those, " << rejects
              << " cards ruled out unread, " << reads << " read");
    CHECK(held >= 10);
    CHECK(not_held >= 20);
    // Most of their candidates (80% on the real cards) are ruled out by their blocks.
    CHECK(rejects > 2 * reads);
}

TEST_CASE("a pair filter that is missing, damaged or another store's never changes an answer",
          "[integration][positions]") {
    auto dir = test::build_fixture_index(phrase_cards());
    auto gen = index::live_generation(dir->str());
    REQUIRE(gen.has_value());
    const std::string path = (fs::path(gen.value()) / index::kPairsFile).string();
    // Held by 100 cards; by none, though every word is frequent (each block of 64 cards holds
    // all three bodies); by none, with a word no card has.
    const std::vector<std::string> texts = {"\"harbour lighthouse keeper\"",
                                            "\"harbour keeper\"",
                                            "\"keeper harbour ships\"",
                                            "\"harbour lighthouse\" keeper",
                                            "\"lighthouse harbour\"",
                                            "\"harbour nowhere\""};
    // Each state with a fresh searcher (a filter is read once per process and generation,
    // while a searcher holds it).
    auto answers = [&](std::uint64_t& rejects) {
        auto s = query::Searcher::open(dir->str());
        REQUIRE(s.has_value());
        std::string out;
        rejects = 0;
        for (const auto& text : texts) {
            const auto r = search(*s, text);
            out += text + " " + describe(r);
            rejects += r.timings.phrase_pair_rejects;
        }
        return out;
    };
    std::uint64_t rejects = 0;
    const std::string reference = answers(rejects);
    // The phrases no card holds have 500 candidates; a phrase's pair may pass by a false
    // positive, and then in every block (each holds the same three bodies): at least one
    // phrase's 200 are ruled out.
    CHECK(rejects >= 200);
    CHECK(reference.find("\"harbour lighthouse keeper\" 100\n") != std::string::npos);
    CHECK(reference.find("\"harbour keeper\" 0\n") != std::string::npos);
    const std::string good = test::read_bytes(path);
    REQUIRE(good.size() > 64);

    fs::remove(path);
    CHECK(answers(rejects) == reference);
    CHECK(rejects == 0);
    for (std::size_t at : {std::size_t{12}, std::size_t{30}, std::size_t{70}, good.size() - 3}) {
        INFO("byte " << at << " changed");
        std::string bad = good;
        bad[at] = static_cast<char>(bad[at] ^ 0x10);
        test::write_bytes(path, bad);
        CHECK(answers(rejects) == reference);
        CHECK(rejects == 0);
    }
    // Another build's filter, of as many cards, whose pairs differ: its tag is not this store's.
    auto cards = phrase_cards();
    for (auto& c : cards) c.body = "harbour keeper";
    auto other = test::build_fixture_index(std::move(cards));
    auto other_gen = index::live_generation(other->str());
    REQUIRE(other_gen.has_value());
    fs::copy_file((fs::path(other_gen.value()) / index::kPairsFile),
                  path,
                  fs::copy_options::overwrite_existing);
    CHECK(answers(rejects) == reference);
    CHECK(rejects == 0);
    test::write_bytes(path, good);
    CHECK(answers(rejects) == reference);
    CHECK(rejects >= 200);
}
