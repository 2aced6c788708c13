// The pair filter (index/pairs.h): written from a position store, it never rules out a block
// one of whose cards holds an adjacent pair of frequent words (checked against every card's
// pairs, with several terms at one position and gaps between positions), rules out most
// pairs a block lacks, says exactly which words were frequent, and files that are missing,
// damaged, truncated or unwritable give the documented errors, never a crash.
#include <catch2/catch.hpp>

#include <xapian.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cardex/index/pairs.h"
#include "cardex/index/positions.h"
#include "support.h"

using namespace cardex;
using namespace cardex::index;
namespace fs = std::filesystem;

namespace {

using Pair = std::pair<std::string, std::string>;

// Cards first..first + n - 1 of Zipf-like words "w0".."w39" (w0 the most frequent), and for
// each card the pairs a phrase check would find: term a at p, term b at p + 1.
struct Corpus {
    std::uint32_t first = 1;
    std::vector<Xapian::Document> docs;
    std::vector<std::set<Pair>> pairs;      // by card
    std::map<std::string, std::size_t> df;  // cards holding each term
};

Corpus random_corpus(std::uint32_t first, std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    Corpus c;
    c.first = first;
    std::vector<double> weights;
    for (int i = 0; i < 40; ++i) weights.push_back(1.0 / (i + 1));
    std::discrete_distribution<int> word(weights.begin(), weights.end());
    std::uniform_int_distribution<int> length(0, 30);
    std::bernoulli_distribution gap(0.1), second(0.15);
    for (std::size_t i = 0; i < n; ++i) {
        Xapian::Document doc;
        std::map<std::uint32_t, std::set<std::string>> at;  // position -> terms
        std::uint32_t pos = 1;
        const int len = length(rng);
        for (int k = 0; k < len; ++k) {
            at[pos].insert("w" + std::to_string(word(rng)));
            // A title word beside the plain one, as a prefixed term at the same position.
            if (second(rng)) at[pos].insert("Sw" + std::to_string(word(rng)));
            pos += gap(rng) ? 2 : 1;  // a field boundary: no pair across it
        }
        std::set<std::string> terms;
        std::set<Pair> pairs;
        for (const auto& [p, ts] : at) {
            for (const auto& t : ts) {
                doc.add_posting(t, p);
                terms.insert(t);
            }
            auto next = at.find(p + 1);
            if (next == at.end()) continue;
            for (const auto& a : ts) {
                for (const auto& b : next->second) pairs.emplace(a, b);
            }
        }
        for (const auto& t : terms) ++c.df[t];
        c.docs.push_back(std::move(doc));
        c.pairs.push_back(std::move(pairs));
    }
    return c;
}

std::string write_store(const Corpus& c, const fs::path& dir) {
    PositionCollector collector;
    collector.reset(c.first);
    for (std::size_t i = 0; i < c.docs.size(); ++i)
        collector.add(c.first + static_cast<std::uint32_t>(i), c.docs[i]);
    const std::string path = (dir / kPositionsFile).string();
    REQUIRE(collector.write(path).has_value());
    return path;
}

}  // namespace

TEST_CASE("pair filter: no block holding a pair is ruled out, most blocks lacking one are",
          "[pairs]") {
    test::TempDir tmp;
    const Corpus c = random_corpus(5, 700, 11);
    const std::string store_path = write_store(c, tmp.path());
    auto store = PositionStore::open(store_path);
    REQUIRE(store.has_value());
    const std::string path = (tmp.path() / kPairsFile).string();
    for (const auto& [block_cards, bits] :
         std::vector<std::pair<std::uint32_t, std::uint32_t>>{{1, 8}, {4, 8}, {16, 4}, {64, 8}}) {
        INFO("cards a block " << block_cards << ", bits a pair " << bits);
        PairFilterOptions options;
        options.block_cards = block_cards;
        options.bits_per_pair = bits;
        options.min_cards = 30;
        auto written = write_pair_filter(*store.value(), path, options);
        REQUIRE(written.has_value());
        auto f = PairFilter::open(path);
        REQUIRE(f.has_value());
        const PairFilter& filter = *f.value();
        CHECK(written.value().bytes == filter.file_bytes());
        CHECK(filter.store_tag() == store.value()->tag());
        CHECK(filter.first_docid() == 5);
        CHECK(filter.last_docid() == 704);
        CHECK(filter.block_of(4) == PairFilter::kNoBlock);
        CHECK(filter.block_of(705) == PairFilter::kNoBlock);
        CHECK(filter.may_hold(PairFilter::kNoBlock, {PairFilter::pair_key("w0", "w1")}));

        // Frequent: held by at least 30 cards, exactly.
        std::set<std::string> frequent;
        for (const auto& [t, n] : c.df) {
            INFO(t << " in " << n << " cards");
            CHECK(filter.frequent(t) == (n >= 30));
            if (n >= 30) frequent.insert(t);
        }
        CHECK(written.value().frequent_terms == frequent.size());
        CHECK(frequent.size() > 10);
        CHECK(frequent.size() < c.df.size());
        CHECK(!filter.frequent("absent"));

        std::size_t absent = 0, rejected = 0, held = 0;
        const std::size_t blocks = (c.docs.size() + block_cards - 1) / block_cards;
        for (std::size_t b = 0; b < blocks; ++b) {
            std::set<Pair> in_block;
            for (std::size_t i = b * block_cards;
                 i < std::min(c.docs.size(), (b + 1) * block_cards);
                 ++i) {
                CHECK(filter.block_of(c.first + static_cast<std::uint32_t>(i)) == b);
                std::vector<std::uint64_t> card_keys;
                for (const auto& [x, y] : c.pairs[i]) {
                    if (!frequent.count(x) || !frequent.count(y)) continue;
                    in_block.emplace(x, y);
                    card_keys.push_back(PairFilter::pair_key(x, y));
                }
                // Every pair of one card at once.
                CHECK(filter.may_hold(static_cast<std::uint32_t>(b), card_keys));
            }
            for (const auto& [x, y] : in_block) {
                INFO(x << " " << y << " in block " << b);
                CHECK(filter.may_hold(static_cast<std::uint32_t>(b), {PairFilter::pair_key(x, y)}));
                ++held;
            }
            for (const auto& x : frequent) {
                for (const auto& y : frequent) {
                    if (in_block.count({x, y})) continue;
                    ++absent;
                    rejected +=
                        filter.may_hold(static_cast<std::uint32_t>(b), {PairFilter::pair_key(x, y)})
                            ? 0
                            : 1;
                }
            }
        }
        CHECK(written.value().pairs == held);
        // Four bits of a word set a pair: at eight bits a pair a few percent of absent pairs
        // pass, at four about 15% (more in a block with more pairs than the mean).
        INFO(rejected << " of " << absent << " absent pairs rejected");
        CHECK(rejected >= absent * (bits == 8 ? 90 : 75) / 100);
    }
    // An order matters: (a, b) is not (b, a).
    CHECK(PairFilter::pair_key("w1", "w2") != PairFilter::pair_key("w2", "w1"));
    CHECK(PairFilter::pair_key("w1", "w2") == PairFilter::pair_key("w1", "w2"));
}

TEST_CASE("pair filter: the default frequency, an empty store, and bad options", "[pairs]") {
    test::TempDir tmp;
    const Corpus c = random_corpus(1, 300, 3);
    auto store = PositionStore::open(write_store(c, tmp.path()));
    REQUIRE(store.has_value());
    const std::string path = (tmp.path() / kPairsFile).string();
    // 1% of 300 cards is below the floor: at least kMinFrequentCards.
    REQUIRE(write_pair_filter(*store.value(), path).has_value());
    auto f = PairFilter::open(path);
    REQUIRE(f.has_value());
    for (const auto& [t, n] : c.df) {
        INFO(t << " in " << n << " cards");
        CHECK(f.value()->frequent(t) == (n >= PairFilterOptions::kMinFrequentCards));
    }
    CHECK(f.value()->block_cards() == 16);

    PairFilterOptions bad;
    bad.block_cards = 0;
    auto r = write_pair_filter(*store.value(), path, bad);
    REQUIRE(!r.has_value());
    CHECK(r.error().code == Errc::InvalidArgument);
    bad = {};
    bad.bits_per_pair = 65;
    CHECK(!write_pair_filter(*store.value(), path, bad).has_value());

    // A store of no cards: a filter of no blocks, which rules nothing out.
    PositionCollector empty;
    empty.reset(1);
    const std::string empty_store = (tmp.path() / "empty.pos").string();
    REQUIRE(empty.write(empty_store).has_value());
    auto e = PositionStore::open(empty_store);
    REQUIRE(e.has_value());
    const std::string empty_path = (tmp.path() / "empty.pairs").string();
    REQUIRE(write_pair_filter(*e.value(), empty_path).has_value());
    auto ef = PairFilter::open(empty_path);
    REQUIRE(ef.has_value());
    CHECK(ef.value()->block_of(1) == PairFilter::kNoBlock);
    CHECK(ef.value()->may_hold(ef.value()->block_of(1), {PairFilter::pair_key("a", "b")}));
}

TEST_CASE("pair filter: missing, damaged, truncated and unwritable files", "[pairs]") {
    test::TempDir tmp;
    const Corpus c = random_corpus(1, 200, 5);
    auto store = PositionStore::open(write_store(c, tmp.path()));
    REQUIRE(store.has_value());
    const std::string path = (tmp.path() / kPairsFile).string();
    PairFilterOptions options;
    options.min_cards = 10;
    options.block_cards = 8;
    REQUIRE(write_pair_filter(*store.value(), path, options).has_value());
    const std::string good = test::read_bytes(path);
    REQUIRE(good.size() > 64);

    auto missing = PairFilter::open((tmp.path() / "none.cdx").string());
    REQUIRE(!missing.has_value());
    CHECK(missing.error().code == Errc::NotFound);

    auto expect_loss = [&](const std::string& bytes, const std::string& what) {
        INFO(what);
        test::write_bytes(path, bytes);
        auto f = PairFilter::open(path);
        REQUIRE(!f.has_value());
        CHECK(f.error().code == Errc::DataLoss);
        CHECK(f.error().detail == path);
    };
    // Every byte changed on its own, header and body: the checksums see it.
    for (std::size_t at = 0; at < good.size(); at += at < 64 ? 1 : 13) {
        std::string bytes = good;
        bytes[at] = static_cast<char>(bytes[at] ^ 0x21);
        expect_loss(bytes, "byte " + std::to_string(at) + " changed");
    }
    for (const std::size_t cut :
         {std::size_t{0}, std::size_t{63}, std::size_t{64}, good.size() - 1})
        expect_loss(good.substr(0, cut), "cut at " + std::to_string(cut));
    expect_loss(std::string(200, 'x'), "not a filter");
    test::write_bytes(path, good);
    CHECK(PairFilter::open(path).has_value());

    const std::string nowhere = (tmp.path() / "no-such-dir" / "pairs.cdx").string();
    auto w = write_pair_filter(*store.value(), nowhere, options);
    REQUIRE(!w.has_value());
    CHECK(w.error().code == Errc::Internal);
    CHECK(w.error().detail == nowhere);
    CHECK(!fs::exists(nowhere));
}
