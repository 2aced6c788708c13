// The position store (index/positions.h): what PositionCollector writes reads back through
// cursors exactly as added (checked against a plain map of every term's positions, card by
// card, and against the file layout the header documents), phrases agree with a brute-force
// check, merged files read as the single file of the same cards, and files that are missing,
// damaged or unwritable give the documented errors, never a crash.
#include <catch2/catch.hpp>

#include <xapian.h>
#include <zlib.h>

#include <algorithm>
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

#include "cardex/index/positions.h"
#include "cardex/index/store.h"
#include "support.h"

using namespace cardex;
using namespace cardex::index;
namespace fs = std::filesystem;

namespace {

// term -> docid -> positions (ascending): what the store must give back.
using Model = std::map<std::string, std::map<std::uint32_t, std::vector<std::uint32_t>>>;

// Documents for docids first..last, and the model of their positional terms.
struct Corpus {
    std::uint32_t first = 1;
    std::vector<Xapian::Document> docs;  // docs[i] is docid first + i
    Model model;
    std::uint32_t last() const { return first + static_cast<std::uint32_t>(docs.size()) - 1; }
};

// A sorted set of `n` distinct positions, from `lowest` on, some far apart (multi-byte
// varint deltas).
std::vector<std::uint32_t> random_positions(std::mt19937& rng,
                                            std::size_t n,
                                            std::uint32_t lowest) {
    std::set<std::uint32_t> s;
    std::uniform_int_distribution<std::uint32_t> small(lowest, lowest + 300);
    std::uniform_int_distribution<std::uint32_t> big(lowest, 5'000'000);
    std::bernoulli_distribution far(0.05);
    while (s.size() < n) s.insert(far(rng) ? big(rng) : small(rng));
    return {s.begin(), s.end()};
}

// Random documents with a mix of terms: "common" in every card (700 of them, so skips are
// used), "often" in about half, "rare*" in a few, a Zipf-like vocabulary, terms only some
// documents give positions ("mixed", added with add_term elsewhere) and terms that never
// have positions ("nopos*"), plus some cards with no positional term at all.
Corpus random_corpus(std::uint32_t first, std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    Corpus c;
    c.first = first;
    std::bernoulli_distribution half(0.5), tenth(0.1), hundredth(0.01);
    std::uniform_int_distribution<std::size_t> few(1, 4), many(1, 40);
    std::uniform_real_distribution<double> unit(0, 1);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint32_t docid = first + static_cast<std::uint32_t>(i);
        Xapian::Document doc;
        doc.add_term("nopos");  // never positional
        doc.add_boolean_term("Knopos" + std::to_string(i % 7));
        auto add = [&](const std::string& term, std::vector<std::uint32_t> pos) {
            for (const std::uint32_t p : pos) doc.add_posting(term, p);
            auto& mine = c.model[term][docid];
            std::vector<std::uint32_t> merged;
            std::set_union(
                mine.begin(), mine.end(), pos.begin(), pos.end(), std::back_inserter(merged));
            mine = std::move(merged);
        };
        if (i % 37 == 5) {  // a card with no positions at all
            doc.add_term("mixed");
            c.docs.push_back(std::move(doc));
            continue;
        }
        add("common", random_positions(rng, few(rng), 1));
        if (half(rng)) add("often", random_positions(rng, many(rng), 1));
        if (hundredth(rng)) add("rare" + std::to_string(i % 3), random_positions(rng, 1, 1));
        if (tenth(rng)) {
            add("mixed", random_positions(rng, few(rng), 1));
        } else {
            doc.add_term("mixed", 3);
        }
        if (i % 101 == 0) add("long", random_positions(rng, 300, 1));  // length > 127 bytes
        if (i == 3) add("zero", {0, 1, 7});                            // position 0 is stored
        for (int w = 0; w < 30; ++w) {
            if (unit(rng) < 0.6 / (w + 1))
                add("w" + std::to_string(w), random_positions(rng, few(rng), 1));
        }
        c.docs.push_back(std::move(doc));
    }
    return c;
}

std::string write_range(PositionCollector& col,
                        const Corpus& c,
                        std::uint32_t lo,
                        std::uint32_t hi,
                        const std::string& path) {
    col.reset(lo);
    for (std::uint32_t d = lo; d <= hi; ++d) col.add(d, c.docs[d - c.first]);
    auto st = col.write(path);
    INFO(path);
    REQUIRE(st.has_value());
    return path;
}

std::shared_ptr<const PositionStore> open_ok(const std::string& path) {
    auto s = PositionStore::open(path);
    INFO(path << ": " << (s ? std::string() : s.error().message));
    REQUIRE(s.has_value());
    return s.value();
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    REQUIRE(out.good());
}

std::uint32_t u32(const std::string& b, std::size_t at) {
    REQUIRE(at + 4 <= b.size());
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(b[at + i]);
    return v;
}
std::uint64_t u64(const std::string& b, std::size_t at) {
    return u32(b, at) | static_cast<std::uint64_t>(u32(b, at + 4)) << 32;
}
std::uint32_t varint(const std::string& b, std::size_t& at, std::size_t end) {
    std::uint32_t v = 0;
    for (int shift = 0;; shift += 7) {
        REQUIRE(at < end);
        REQUIRE(shift <= 28);
        const auto x = static_cast<unsigned char>(b[at++]);
        v |= static_cast<std::uint32_t>(x & 0x7f) << shift;
        if (x < 0x80) return v;
    }
}
std::uint64_t varint64(const std::string& b, std::size_t& at, std::size_t end) {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
        REQUIRE(at < end);
        REQUIRE(shift <= 63);
        const auto x = static_cast<unsigned char>(b[at++]);
        v |= static_cast<std::uint64_t>(x & 0x7f) << shift;
        if (x < 0x80) return v;
    }
}
// One entry's card delta, as the given version encodes it at `at`; leaves `at` on the byte
// length (version 1, and version 2 when `several`, its flag) or the one position.
std::uint32_t entry_delta(
    const std::string& b, std::size_t& at, std::size_t end, std::uint32_t version, bool& several) {
    if (version == 1) return varint(b, at, end);
    const std::uint64_t head = varint64(b, at, end);
    REQUIRE((head >> 1) <= 0xffffffffu);
    several = (head & 1) != 0;
    return static_cast<std::uint32_t>(head >> 1);
}

// Reads the file as the header comment of positions.h lays it out and checks it against the
// model: header fields, entries sorted by name, each section's card count, last card, stream
// decoding to the model's cards, and every skip entry pointing at the entry of its card.
// `skip_every`: when set, the skip count a collector writes (one every 64 cards).
void check_layout(const std::string& path,
                  const Model& model,
                  std::uint32_t first,
                  std::uint32_t last,
                  bool skip_every,
                  std::uint32_t version = 2) {
    const std::string b = slurp(path);
    INFO(path);
    REQUIRE(b.size() >= 64);
    CHECK(b.compare(0, 8, "CDXPOSv1") == 0);
    CHECK(u32(b, 8) == version);
    CHECK(u32(b, 16) == first);
    CHECK(u32(b, 20) == last);
    const std::uint64_t terms = u64(b, 24), entries = u64(b, 32), names = u64(b, 40);
    CHECK(terms == model.size());
    CHECK(u64(b, 48) == b.size());
    CHECK(u32(b, 60) == 0);
    REQUIRE(entries + terms * 24 == names);
    REQUIRE(names <= b.size());
    std::string prev;
    auto it = model.begin();
    for (std::uint64_t i = 0; i < terms; ++i, ++it) {
        const std::size_t e = entries + i * 24;
        const std::string name = b.substr(names + u64(b, e), u32(b, e + 16));
        INFO(name);
        if (i > 0) CHECK(prev < name);
        prev = name;
        REQUIRE(it != model.end());
        REQUIRE(name == it->first);
        const auto& cards = it->second;
        const std::size_t sec = u64(b, e + 8), len = u32(b, e + 20);
        REQUIRE(sec >= 64);
        REQUIRE(sec + len <= entries);
        const std::uint32_t skip_count = u32(b, sec);
        CHECK(u32(b, sec + 4) == cards.size());
        CHECK(u32(b, sec + 8) == cards.rbegin()->first);
        if (skip_every) CHECK(skip_count == (cards.size() + 63) / 64);
        const std::size_t stream = sec + 12 + std::size_t{skip_count} * 12, end = sec + len;
        REQUIRE(stream <= end);
        // The stream, card by card.
        std::size_t at = stream;
        std::uint32_t card = 0;
        std::map<std::size_t, std::uint32_t> card_at;  // entry offset -> its card
        for (const auto& [docid, pos] : cards) {
            card_at[at - stream] = card;
            bool several = false;
            card += entry_delta(b, at, end, version, several);
            CHECK(card == docid);
            std::vector<std::uint32_t> got;
            std::uint32_t p = 0;
            if (version == 1) {
                const std::uint32_t n = varint(b, at, end);
                const std::size_t stop = at + n;
                REQUIRE(stop <= end);
                while (at < stop) got.push_back(p += varint(b, at, stop));
            } else if (several) {  // a byte length, as version 1 has for every entry
                const std::uint32_t n = varint(b, at, end);
                const std::size_t stop = at + n;
                REQUIRE(stop <= end);
                while (at < stop) got.push_back(p += varint(b, at, stop));
                CHECK(got.size() > 1);
            } else {  // one position, no length
                got.push_back(varint(b, at, end));
            }
            CHECK(got == pos);
        }
        CHECK(at == end);
        // Skips: ascending first cards, each the card at its offset, `before` the card ahead.
        std::uint32_t prev_first = 0;
        for (std::uint32_t k = 0; k < skip_count; ++k) {
            const std::size_t s = sec + 12 + std::size_t{k} * 12;
            const std::uint32_t first_card = u32(b, s), before = u32(b, s + 4), off = u32(b, s + 8);
            CHECK(first_card > prev_first);
            prev_first = first_card;
            REQUIRE(card_at.count(off) == 1);
            CHECK(card_at[off] == before);
            std::size_t at2 = stream + off;
            bool several = false;
            CHECK(before + entry_delta(b, at2, end, version, several) == first_card);
            CHECK(cards.count(first_card) == 1);
            // A collector's skips: the first card and every 64th after it.
            if (skip_every) {
                REQUIRE(std::size_t{64} * k < cards.size());
                CHECK(first_card == std::next(cards.begin(), 64 * k)->first);
            }
        }
        if (skip_count > 0) {
            CHECK(u32(b, sec + 12) == cards.begin()->first);
            CHECK(u32(b, sec + 20) == 0);
        }
    }
}

// Walks every term of the model with seek(card + 1) and checks the cards and positions.
void check_walk(const PositionStore& store, const Model& model) {
    std::vector<std::uint32_t> pos;
    for (const auto& [term, cards] : model) {
        INFO(term);
        PositionStore::Cursor c(store, term);
        std::uint32_t target = 0;
        for (const auto& [docid, want] : cards) {
            REQUIRE(c.seek(target));
            REQUIRE(c.card() == docid);
            CHECK(c.length() > 0);
            REQUIRE(c.positions(pos));
            CHECK(pos == want);
            target = docid + 1;
        }
        CHECK_FALSE(c.seek(target));
        CHECK_FALSE(c.corrupt());
    }
}

// Random seeks, forwards and backwards, on one cursor per term (and a fresh one now and
// then), against the model's lower_bound.
void check_seeks(const PositionStore& store, const Model& model, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<std::uint32_t> pos;
    const std::uint32_t lo = store.first_docid(), hi = store.last_docid();
    std::uniform_int_distribution<std::uint32_t> any(lo > 3 ? lo - 3 : 0, hi + 3);
    std::uniform_int_distribution<int> step(-70, 200);
    for (const auto& [term, cards] : model) {
        INFO(term);
        PositionStore::Cursor c(store, term);
        std::uint32_t target = any(rng);
        for (int i = 0; i < 300; ++i) {
            if (i % 50 == 49) c = PositionStore::Cursor(store, term);
            // Mostly near the last target (either way), sometimes anywhere.
            if (i % 4 == 0) {
                target = any(rng);
            } else {
                const int s = step(rng);
                target = s < 0 && static_cast<std::uint32_t>(-s) > target ? 0 : target + s;
            }
            INFO("seek " << target);
            const auto want = cards.lower_bound(target);
            if (want == cards.end()) {
                CHECK_FALSE(c.seek(target));
                continue;
            }
            REQUIRE(c.seek(target));
            REQUIRE(c.card() == want->first);
            REQUIRE(c.positions(pos));
            CHECK(pos == want->second);
        }
        CHECK_FALSE(c.corrupt());
    }
}

// Whether `docid` holds the phrase, by brute force over the model: a start s >= 1 (cards'
// positions start at 1) with s + i a position of term i.
bool model_holds(const Model& model, const std::vector<std::string>& phrase, std::uint32_t docid) {
    std::vector<const std::vector<std::uint32_t>*> pos;
    for (const auto& t : phrase) {
        auto it = model.find(t);
        if (it == model.end()) return false;
        auto d = it->second.find(docid);
        if (d == it->second.end()) return false;
        pos.push_back(&d->second);
    }
    for (const std::uint32_t s : *pos[0]) {
        bool all = s >= 1;
        for (std::size_t i = 1; i < pos.size() && all; ++i)
            all = std::binary_search(pos[i]->begin(), pos[i]->end(), s + i);
        if (all) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("position store: collected positions read back card by card", "[positions]") {
    test::TempDir tmp;
    // Docids from 1, and from a large first docid (a long first delta).
    for (const std::uint32_t first : {1u, 1'000'003u}) {
        INFO("first docid " << first);
        const Corpus c = random_corpus(first, 700, 7 + first);
        REQUIRE(c.model.count("common") == 1);
        REQUIRE(c.model.at("common").size() > 600);  // > 200 cards: skips
        REQUIRE(c.model.count("mixed") == 1);
        REQUIRE(c.model.count("zero") == 1);
        REQUIRE(c.model.count("nopos") == 0);
        PositionCollector col;
        const std::string path = write_range(
            col, c, first, c.last(), (tmp.path() / ("p" + std::to_string(first))).string());
        auto store = open_ok(path);
        CHECK(store->first_docid() == first);
        CHECK(store->last_docid() == c.last());
        CHECK(store->covers(first));
        CHECK(store->covers(c.last()));
        CHECK(store->covers(first + 5));  // a card with no positions is still covered
        CHECK_FALSE(store->covers(first - 1));
        CHECK_FALSE(store->covers(c.last() + 1));
        CHECK(store->term_count() == c.model.size());
        CHECK(store->file_bytes() == fs::file_size(path));
        CHECK(store->tag().rfind(std::to_string(fs::file_size(path)) + " ", 0) == 0);
        CHECK(store->verify().has_value());
        check_layout(path, c.model, first, c.last(), true);
        check_walk(*store, c.model);
        check_seeks(*store, c.model, first);

        // "mixed": only the cards where it had positions, not those with add_term.
        PositionStore::Cursor mixed(*store, "mixed");
        std::vector<std::uint32_t> seen;
        for (std::uint32_t t = 0; mixed.seek(t); t = mixed.card() + 1) seen.push_back(mixed.card());
        std::vector<std::uint32_t> want;
        for (const auto& [d, p] : c.model.at("mixed")) want.push_back(d);
        CHECK(seen == want);
        CHECK(seen.size() < c.docs.size() / 4);

        // Terms without positions, and names around the stored ones, find no card.
        for (const char* t :
             {"nopos", "Knopos1", "", "a", "commo", "commonx", "w", "zzzz", "\xff"}) {
            INFO(t);
            PositionStore::Cursor none(*store, t);
            CHECK_FALSE(none.seek(0));
            CHECK_FALSE(none.seek(first));
            CHECK_FALSE(none.corrupt());
        }

        // Far jumps and back on the term in every card (11 skips).
        const auto& common = c.model.at("common");
        PositionStore::Cursor k(*store, "common");
        std::vector<std::uint32_t> pos;
        REQUIRE(k.seek(c.last()));
        CHECK(k.card() == common.rbegin()->first);
        REQUIRE(k.positions(pos));
        CHECK(pos == common.rbegin()->second);
        REQUIRE(k.seek(first));  // all the way back
        CHECK(k.card() == first);
        REQUIRE(k.positions(pos));
        CHECK(pos == common.begin()->second);
        REQUIRE(k.seek(first + 64 * 7 + 3));  // forwards over several skips
        CHECK(k.card() == common.lower_bound(first + 64 * 7 + 3)->first);
        REQUIRE(k.seek(first + 64 * 7 + 2));  // back by one
        CHECK(k.card() == common.lower_bound(first + 64 * 7 + 2)->first);
        REQUIRE(k.seek(first + 64));  // back to a skip's own card
        CHECK(k.card() == common.lower_bound(first + 64)->first);
        REQUIRE(k.seek(first + 5));  // a card "common" is not in: the next one
        CHECK(k.card() == first + 6);
        REQUIRE(k.positions(pos));
        CHECK(pos == common.at(first + 6));
        CHECK(k.seek(first + 6));  // the card it is on
        CHECK(k.card() == first + 6);
        CHECK_FALSE(k.seek(c.last() + 1));  // past the end
        CHECK_FALSE(k.seek(0xffffffffu));
        REQUIRE(k.seek(c.last()));  // and back from past the end
        CHECK(k.card() == c.last());
        REQUIRE(k.seek(0));
        CHECK(k.card() == first);

        // A rare term: a seek between its cards lands on the next one.
        const auto& often = c.model.at("often");
        PositionStore::Cursor o(*store, "often");
        for (std::uint32_t d = first; d <= c.last() + 1; d += 13) {
            auto w = often.lower_bound(d);
            if (w == often.end()) {
                CHECK_FALSE(o.seek(d));
            } else {
                REQUIRE(o.seek(d));
                CHECK(o.card() == w->first);
            }
        }
    }
}

TEST_CASE("position store: positions collected by term number make the Xapian documents' store",
          "[positions]") {
    // DocumentBuilder numbers the terms it records (and keeps a word's number in its stem
    // cache, whose slots are reused as words collide); the collector finds a number's stream
    // by index. The same cards collected that way and from the Xapian documents the builder
    // made (their own positions kept) must give the same file, byte for byte: across a
    // numbering restart in the middle of a collection, with more distinct words than the
    // stem cache has slots (65,536), stems shared by several words, and German stems
    // (boolean terms, never positional) beside them.
    test::TempDir tmp;
    DocumentBuilder builder;  // Xapian positions kept, the default
    builder.set_collect_positions(true);
    PositionCollector by_number, by_doc;
    by_number.reset(1);
    by_doc.reset(1);
    std::mt19937 rng(20261205);
    const std::vector<std::string> stemmed = {
        "running", "runs", "run", "connection", "connected", "connecting", "zeitungen", "zeitung"};
    auto word = [&] {
        const std::uint32_t r = rng() % 100;
        if (r < 10) return stemmed[rng() % stemmed.size()];
        return "w" + std::to_string(rng() % 120000);
    };
    constexpr std::uint32_t kCards = 400;
    for (std::uint32_t d = 1; d <= kCards; ++d) {
        if (d == 201) builder.set_collect_positions(true);  // a new numbering, same collection
        Card c;
        c.type = CardType::Model;
        c.id = "org/m" + std::to_string(d);
        c.title = word() + " " + word();
        c.description = word() + " " + word() + " " + word();
        for (int i = 0; i < 450; ++i) c.body += word() + (i % 17 == 0 ? ". " : " ");
        if (d % 3 == 0) c.languages = {"de"};
        const Xapian::Document doc = builder.build(c);
        by_number.add(d, builder);
        by_doc.add(d, doc);
    }
    const std::string a = (tmp.path() / "by-number").string();
    const std::string b = (tmp.path() / "by-doc").string();
    REQUIRE(by_number.write(a).has_value());
    REQUIRE(by_doc.write(b).has_value());
    auto store = open_ok(a);
    CHECK(store->term_count() > 65536);
    CHECK(store->last_docid() == kCards);
    CHECK(slurp(a) == slurp(b));
    // One stem for the words that share it, in the cards that hold any of them.
    PositionStore::Cursor run(*store, "run");
    REQUIRE(run.seek(1));
    std::uint32_t cards = 0;
    for (std::uint32_t t = 1; run.seek(t); t = run.card() + 1) ++cards;
    CHECK(cards > kCards / 2);
    PositionStore::Cursor running(*store, "running");
    CHECK_FALSE(running.seek(1));
}

TEST_CASE("position store: an empty collection writes a store covering nothing", "[positions]") {
    test::TempDir tmp;
    PositionCollector col;
    col.reset(41);
    const std::string path = (tmp.path() / "empty").string();
    REQUIRE(col.write(path).has_value());
    auto store = open_ok(path);
    CHECK(store->first_docid() == 41);
    CHECK(store->last_docid() == 40);
    CHECK_FALSE(store->covers(40));
    CHECK_FALSE(store->covers(41));
    CHECK(store->term_count() == 0);
    CHECK(store->file_bytes() == 64);
    CHECK(store->verify().has_value());
    PositionStore::Cursor c(*store, "a");
    CHECK_FALSE(c.seek(0));
    CHECK_FALSE(c.seek(41));

    // Documents with no positional term: the range is covered, no term is stored.
    col.reset(7);
    Xapian::Document d;
    d.add_term("plain");
    col.add(7, d);
    col.add(8, d);
    REQUIRE(col.write(path).has_value());
    store = open_ok(path);
    CHECK(store->first_docid() == 7);
    CHECK(store->last_docid() == 8);
    CHECK(store->covers(8));
    CHECK(store->term_count() == 0);
}

TEST_CASE("position store: phrases agree with a brute-force check", "[positions]") {
    test::TempDir tmp;
    // Texts of a small vocabulary, so that phrases match often: position i + 1 holds word i,
    // and now and then a second term at the same position (as a stem beside its word).
    const std::vector<std::string> vocab = {"from", "x", "the", "model", "a", "b"};
    std::mt19937 rng(20240611);
    std::uniform_int_distribution<std::size_t> word(0, vocab.size() - 1), len(0, 40);
    std::bernoulli_distribution extra(0.1);
    Corpus c;
    c.first = 3;
    for (std::uint32_t i = 0; i < 800; ++i) {
        Xapian::Document doc;
        const std::size_t n = len(rng);
        for (std::uint32_t p = 1; p <= n; ++p) {
            const std::string& w = vocab[word(rng)];
            doc.add_posting(w, p);
            c.model[w][c.first + i].push_back(p);
            if (extra(rng)) {
                doc.add_posting("Z" + w, p);
                c.model["Z" + w][c.first + i].push_back(p);
            }
        }
        c.docs.push_back(std::move(doc));
    }
    PositionCollector col;
    auto store = open_ok(write_range(col, c, c.first, c.last(), (tmp.path() / "p").string()));
    check_walk(*store, c.model);

    std::vector<std::vector<std::string>> phrases = {{"from", "x", "from"},
                                                     {"the", "the"},
                                                     {"a", "b", "a", "b"},
                                                     {"model", "model", "model"},
                                                     {"x", "Zx"},
                                                     {"from", "absent"},
                                                     {"absent", "from"}};
    std::uniform_int_distribution<std::size_t> plen(2, 4);
    for (int i = 0; i < 40; ++i) {
        std::vector<std::string> p;
        for (std::size_t k = plen(rng); k > 0; --k) p.push_back(vocab[word(rng)]);
        phrases.push_back(std::move(p));
    }
    std::size_t held_total = 0, checked = 0;
    std::vector<std::uint32_t> a;
    for (const auto& phrase : phrases) {
        std::string text;
        for (const auto& t : phrase) text += t + " ";
        INFO("phrase: " << text);
        std::vector<PositionStore::Cursor> cursors;
        for (const auto& t : phrase) cursors.emplace_back(*store, t);
        bool corrupt = false;
        // Every docid ascending, from before the first to past the last, in the order the
        // check learns (some cursors left behind, to catch up later).
        PhraseOrder order;
        for (std::uint32_t d = c.first - 2; d <= c.last() + 2; ++d) {
            INFO("docid " << d);
            const bool want = model_holds(c.model, phrase, d);
            CHECK(store_holds_phrase(cursors, d, a, corrupt, order) == want);
            held_total += want;
            ++checked;
        }
        CHECK_FALSE(corrupt);
        // The same cursors, in a shuffled order (seeks go back).
        std::vector<std::uint32_t> shuffled;
        for (std::uint32_t d = c.first; d <= c.last(); ++d) shuffled.push_back(d);
        std::shuffle(shuffled.begin(), shuffled.end(), rng);
        for (const std::uint32_t d : shuffled) {
            INFO("docid " << d << " (shuffled)");
            CHECK(store_holds_phrase(cursors, d, a, corrupt) == model_holds(c.model, phrase, d));
            CHECK(store_holds_phrase(cursors, d, a, corrupt, order) ==
                  model_holds(c.model, phrase, d));
        }
        CHECK_FALSE(corrupt);
    }
    // Both answers were exercised.
    CHECK(held_total > checked / 50);
    CHECK(held_total < checked / 2);
    // "from x from" at positions 1-3, "x" alone elsewhere: a hand-made case.
    Xapian::Document d;
    d.add_posting("from", 1);
    d.add_posting("x", 2);
    d.add_posting("from", 3);
    d.add_posting("x", 9);
    col.reset(1);
    col.add(1, d);
    const std::string path = (tmp.path() / "one").string();
    REQUIRE(col.write(path).has_value());
    store = open_ok(path);
    auto holds = [&](std::vector<std::string> phrase) {
        std::vector<PositionStore::Cursor> cursors;
        for (const auto& t : phrase) cursors.emplace_back(*store, t);
        bool corrupt = false;
        const bool r = store_holds_phrase(cursors, 1, a, corrupt);
        CHECK_FALSE(corrupt);
        return r;
    };
    CHECK(holds({"from", "x", "from"}));
    CHECK(holds({"x", "from"}));
    CHECK(holds({"from", "x"}));
    CHECK_FALSE(holds({"x", "x"}));
    CHECK_FALSE(holds({"from", "from"}));
    CHECK_FALSE(holds({"x", "from", "x"}));
    CHECK_FALSE(holds({"from", "x", "from", "x"}));
}

TEST_CASE("position store: a phrase's words are sought only as far as a card needs",
          "[positions]") {
    // Every card holds "alpha x beta gamma gamma gamma": alpha is never just before beta, so
    // beta (checked after alpha, the cheapest word) rejects every card of "alpha beta gamma"
    // and gamma's cursor is never moved; "beta gamma" holds everywhere.
    test::TempDir tmp;
    Corpus c;
    c.first = 1;
    for (std::uint32_t i = 0; i < 300; ++i) {
        Xapian::Document doc;
        const std::vector<std::string> words = {"alpha", "x", "beta", "gamma", "gamma", "gamma"};
        for (std::uint32_t p = 1; p <= words.size(); ++p) {
            doc.add_posting(words[p - 1], p);
            c.model[words[p - 1]][c.first + i].push_back(p);
        }
        c.docs.push_back(std::move(doc));
    }
    PositionCollector col;
    auto store = open_ok(write_range(col, c, c.first, c.last(), (tmp.path() / "p").string()));
    auto cursors_of = [&](const std::vector<std::string>& phrase) {
        std::vector<PositionStore::Cursor> out;
        for (const auto& t : phrase) out.emplace_back(*store, t);
        return out;
    };
    std::vector<std::uint32_t> a;
    bool corrupt = false;
    auto none = cursors_of({"alpha", "beta", "gamma"});
    PhraseOrder order;
    for (std::uint32_t d = c.first; d <= c.last(); ++d)
        CHECK_FALSE(store_holds_phrase(none, d, a, corrupt, order));
    CHECK(none[0].card() == c.last());
    CHECK(none[1].card() == c.last());
    CHECK(none[2].card() == 0);  // never sought
    REQUIRE(order.terms.size() == 3);
    CHECK(order.terms[1] == 1);
    // The order is learnt: in "alpha gamma beta" beta (cheaper than gamma, so sought second
    // at first) is where it should be, and gamma rejects every card; after the first resort
    // gamma is sought second and beta is left behind.
    auto reversed = cursors_of({"alpha", "gamma", "beta"});
    PhraseOrder learnt;
    std::size_t held = 0;
    for (std::uint32_t d = c.first; d <= c.last(); ++d)
        held += store_holds_phrase(reversed, d, a, corrupt, learnt);
    CHECK(held == 0);
    CHECK(learnt.terms == std::vector<std::uint32_t>{0, 1, 2});
    CHECK(reversed[1].card() == c.last());
    CHECK(reversed[2].card() > 0);
    CHECK(reversed[2].card() <= PhraseOrder::kResortEvery + 1);
    auto all = cursors_of({"beta", "gamma", "gamma"});
    PhraseOrder any;
    for (std::uint32_t d = c.last(); d >= c.first; --d)
        CHECK(store_holds_phrase(all, d, a, corrupt, any));
    CHECK_FALSE(corrupt);
}

TEST_CASE("position store: merged files read as the single file of the same cards", "[positions]") {
    test::TempDir tmp;
    const Corpus c = random_corpus(1, 900, 99);
    PositionCollector col;
    const std::string single = write_range(col, c, 1, c.last(), (tmp.path() / "single").string());
    auto one = open_ok(single);

    // Compares a merged store with the single file, term by term, card by card.
    auto same_as_single = [&](const std::string& path) {
        INFO(path);
        auto m = open_ok(path);
        CHECK(m->verify().has_value());
        CHECK(m->first_docid() == one->first_docid());
        CHECK(m->last_docid() == one->last_docid());
        CHECK(m->term_count() == one->term_count());
        check_layout(path, c.model, 1, c.last(), false);
        std::vector<std::uint32_t> p1, p2;
        for (const auto& [term, cards] : c.model) {
            INFO(term);
            PositionStore::Cursor x(*one, term), y(*m, term);
            std::uint32_t target = 0;
            std::size_t n = 0;
            for (; x.seek(target); target = x.card() + 1, ++n) {
                REQUIRE(y.seek(target));
                REQUIRE(y.card() == x.card());
                CHECK(y.length() == x.length());
                REQUIRE(x.positions(p1));
                REQUIRE(y.positions(p2));
                CHECK(p1 == p2);
            }
            CHECK(n == cards.size());
            CHECK_FALSE(y.seek(target));
        }
        check_walk(*m, c.model);
        check_seeks(*m, c.model, 5);
    };

    // Ranges of 3 to 5 files, one of them empty (first then last = first - 1), at the start,
    // in the middle or at the end; the skips of each part are kept.
    const std::vector<std::vector<std::uint32_t>> splits = {
        {1, 300, 301, 600, 601, 900},
        {1, 0, 1, 130, 131, 700, 701, 900},            // empty first
        {1, 64, 65, 64, 65, 500, 501, 899, 900, 900},  // empty second, one-card last
        {1, 450, 451, 899, 900, 900, 901, 900},        // empty last
        {1, 250, 251, 251, 252, 520, 521, 521, 522, 900},
    };
    int n = 0;
    for (const auto& split : splits) {
        std::vector<std::string> parts;
        for (std::size_t i = 0; i < split.size(); i += 2) {
            parts.push_back(write_range(
                col,
                c,
                split[i],
                split[i + 1],
                (tmp.path() / ("part" + std::to_string(n) + "-" + std::to_string(i))).string()));
            if (split[i + 1] < split[i]) {
                auto e = open_ok(parts.back());
                CHECK(e->first_docid() == split[i]);
                CHECK(e->last_docid() == split[i] - 1);
                CHECK(e->term_count() == 0);
            }
        }
        const std::string merged = (tmp.path() / ("merged" + std::to_string(n))).string();
        auto st = merge_position_files(parts, merged);
        INFO((st ? std::string() : st.error().message + " " + st.error().detail));
        REQUIRE(st.has_value());
        same_as_single(merged);

        // Two levels: the first parts merged, then that with the rest.
        if (parts.size() >= 3) {
            const std::string left = (tmp.path() / ("left" + std::to_string(n))).string();
            const std::string right = (tmp.path() / ("right" + std::to_string(n))).string();
            const std::string both = (tmp.path() / ("both" + std::to_string(n))).string();
            REQUIRE(merge_position_files({parts[0], parts[1]}, left).has_value());
            const std::vector<std::string> rest(parts.begin() + 2, parts.end());
            REQUIRE(merge_position_files(rest, right).has_value());
            REQUIRE(merge_position_files({left, right}, both).has_value());
            same_as_single(both);
            // A merged file with plain ones.
            const std::string mixed = (tmp.path() / ("mixed" + std::to_string(n))).string();
            std::vector<std::string> in = {left};
            in.insert(in.end(), parts.begin() + 2, parts.end());
            REQUIRE(merge_position_files(in, mixed).has_value());
            same_as_single(mixed);
        }
        // One file merged alone reads as itself.
        const std::string alone = (tmp.path() / ("alone" + std::to_string(n))).string();
        REQUIRE(merge_position_files({merged}, alone).has_value());
        same_as_single(alone);
        ++n;
    }

    // Ranges that do not follow one another: out of order, a gap, an overlap, the same file
    // twice. Nothing is left at the output.
    const std::string a = write_range(col, c, 1, 300, (tmp.path() / "a").string());
    const std::string b = write_range(col, c, 301, 600, (tmp.path() / "b").string());
    const std::string cc = write_range(col, c, 601, 900, (tmp.path() / "c").string());
    const std::string overlap = write_range(col, c, 300, 600, (tmp.path() / "o").string());
    const std::string out = (tmp.path() / "out").string();
    for (const auto& in : std::vector<std::vector<std::string>>{
             {b, a}, {a, cc}, {a, overlap}, {a, a}, {a, b, b}, {cc, a, b}, {a, cc, b}}) {
        INFO(in.size() << " inputs");
        auto st = merge_position_files(in, out);
        REQUIRE_FALSE(st.has_value());
        CHECK(st.error().code == Errc::InvalidArgument);
        CHECK_FALSE(st.error().message.empty());
        CHECK_FALSE(fs::exists(out));
    }
    // No inputs; an input that is missing or not a store.
    {
        auto st = merge_position_files({}, out);
        REQUIRE_FALSE(st.has_value());
        CHECK(st.error().code == Errc::InvalidArgument);
        CHECK_FALSE(fs::exists(out));
        const std::string missing = (tmp.path() / "missing").string();
        st = merge_position_files({a, missing}, out);
        REQUIRE_FALSE(st.has_value());
        CHECK(st.error().code == Errc::NotFound);
        CHECK(st.error().detail == missing);
        CHECK_FALSE(fs::exists(out));
        const std::string junk = (tmp.path() / "junk").string();
        spit(junk, std::string(500, 'j'));
        st = merge_position_files({a, junk}, out);
        REQUIRE_FALSE(st.has_value());
        CHECK(st.error().code == Errc::DataLoss);
        CHECK(st.error().detail == junk);
        CHECK_FALSE(fs::exists(out));
    }
    // A part whose first skip is damaged (its offset not 0): the merge fails with DataLoss,
    // and the output it had begun is removed.
    {
        std::string bytes = slurp(b);
        const std::uint64_t entries = u64(bytes, 32);
        const std::size_t sec = u64(bytes, entries + 8);  // the first term's section
        REQUIRE(u32(bytes, sec) > 0);
        bytes[sec + 12 + 8] = 5;
        const std::string bad = (tmp.path() / "bad-skip").string();
        spit(bad, bytes);
        auto st = merge_position_files({a, bad, cc}, out);
        REQUIRE_FALSE(st.has_value());
        CHECK(st.error().code == Errc::DataLoss);
        CHECK(st.error().detail == bad);
        CHECK_FALSE(fs::exists(out));
    }
    // A part with one byte of a stream changed, its header and entries intact: the merge
    // copies streams without decoding them, so only the CRC can tell; it must, or the
    // output's new CRC would make the damage verify.
    {
        std::string bytes = slurp(b);
        const std::uint64_t entries = u64(bytes, 32);
        const std::size_t sec = u64(bytes, entries + 8);
        const std::size_t stream = sec + 12 + std::size_t{u32(bytes, sec)} * 12;
        REQUIRE(stream + 1 < entries);
        bytes[stream + 1] = static_cast<char>(bytes[stream + 1] ^ 0x40);
        const std::string flipped = (tmp.path() / "flipped").string();
        spit(flipped, bytes);
        REQUIRE(PositionStore::open(flipped).has_value());  // the header cannot tell
        auto st = merge_position_files({a, flipped, cc}, out);
        REQUIRE_FALSE(st.has_value());
        CHECK(st.error().code == Errc::DataLoss);
        CHECK(st.error().detail == flipped);
        CHECK(st.error().message.find("checksum") != std::string::npos);
        CHECK_FALSE(fs::exists(out));
    }
    // An output that cannot be written.
    {
        const std::string nowhere = (tmp.path() / "no-such-dir" / "out").string();
        auto st = merge_position_files({a, b}, nowhere);
        REQUIRE_FALSE(st.has_value());
        CHECK(st.error().code == Errc::Internal);
        CHECK(st.error().detail == nowhere);
        CHECK_FALSE(fs::exists(nowhere));
    }
}

TEST_CASE("position store: missing, damaged and unwritable files", "[positions]") {
    test::TempDir tmp;
    const Corpus c = random_corpus(1, 260, 3);
    PositionCollector col;
    const std::string good = write_range(col, c, 1, c.last(), (tmp.path() / "good").string());
    const std::string bytes = slurp(good);
    REQUIRE(bytes.size() > 2000);
    const std::string tag = open_ok(good)->tag();
    const std::string path = (tmp.path() / "bad").string();

    auto data_loss = [&](const std::string& what) {
        INFO(what);
        auto s = PositionStore::open(path);
        REQUIRE_FALSE(s.has_value());
        CHECK(s.error().code == Errc::DataLoss);
        CHECK(s.error().detail == path);
        CHECK_FALSE(s.error().message.empty());
    };

    SECTION("a missing file") {
        auto s = PositionStore::open((tmp.path() / "missing").string());
        REQUIRE_FALSE(s.has_value());
        CHECK(s.error().code == Errc::NotFound);
        CHECK(s.error().detail == (tmp.path() / "missing").string());
    }
    SECTION("garbage, an empty file, a bare header") {
        std::mt19937 rng(1);
        std::string junk(3000, '\0');
        for (auto& ch : junk) ch = static_cast<char>(rng());
        spit(path, junk);
        data_loss("garbage");
        spit(path, "");
        data_loss("empty");
        spit(path, "CDXPOSv1");
        data_loss("magic only");
        spit(path, bytes.substr(0, 64));
        data_loss("the header alone");
        // Another magic of the same length, then another version.
        std::string other = bytes;
        other[7] = '2';
        spit(path, other);
        data_loss("magic CDXPOSv2");
        other = bytes;
        other[8] = 3;
        spit(path, other);
        data_loss("version 3");
        other[8] = 0;
        spit(path, other);
        data_loss("version 0");
    }
    SECTION("truncated or extended") {
        for (const std::size_t cut : {std::size_t{1},
                                      std::size_t{32},
                                      std::size_t{63},
                                      std::size_t{65},
                                      std::size_t{200},
                                      bytes.size() / 2,
                                      bytes.size() - 100,
                                      bytes.size() - 1}) {
            spit(path, bytes.substr(0, cut));
            data_loss("cut at " + std::to_string(cut));
        }
        spit(path, bytes + "x");
        data_loss("a byte more");
    }
    SECTION("a flipped byte in the header") {
        for (std::size_t i = 0; i < 64; ++i) {
            for (const int bit : {0x01, 0x80}) {
                std::string b = bytes;
                b[i] = static_cast<char>(b[i] ^ bit);
                spit(path, b);
                data_loss("header byte " + std::to_string(i) + " ^ " + std::to_string(bit));
            }
        }
    }
    SECTION("a flipped byte in the body: opens, fails verify, never crashes a cursor") {
        const std::uint64_t entries = u64(bytes, 32);
        std::vector<std::size_t> where;
        // Every byte of the term entries and names, the section heads and skips of the first
        // terms, and a spread of stream bytes.
        for (std::size_t i = entries; i < bytes.size(); ++i) where.push_back(i);
        for (std::size_t i = 64; i < 64 + 200; ++i) where.push_back(i);
        std::mt19937 rng(11);
        std::uniform_int_distribution<std::size_t> any(64, bytes.size() - 1);
        for (int i = 0; i < 400; ++i) where.push_back(any(rng));
        std::uniform_int_distribution<int> mask(1, 255);
        std::uniform_int_distribution<std::uint32_t> target(0, c.last() + 5);
        std::vector<std::string> terms;
        for (const auto& [t, cards] : c.model) terms.push_back(t);
        terms.push_back("nopos");
        std::size_t corrupt_seen = 0, wrong_seen = 0;
        std::vector<std::uint32_t> pos, a;
        for (const std::size_t at : where) {
            INFO("body byte " << at);
            std::string flipped = bytes;
            flipped[at] = static_cast<char>(flipped[at] ^ mask(rng));
            spit(path, flipped);
            auto s = PositionStore::open(path);
            REQUIRE(s.has_value());
            const PositionStore& store = **s;
            CHECK(store.tag() == tag);  // the header's size and CRC
            auto v = store.verify();
            REQUIRE_FALSE(v.has_value());
            CHECK(v.error().code == Errc::DataLoss);
            CHECK(v.error().detail == path);
            // Cursors over every term: walks, jumps both ways, positions, phrases.
            for (const auto& t : terms) {
                PositionStore::Cursor cur(store, t);
                std::uint32_t from = 0;
                for (int k = 0; k < 2000 && cur.seek(from); ++k) {
                    CHECK(cur.card() >= from);
                    if (!cur.positions(pos)) ++wrong_seen;
                    if (c.model.count(t) == 0 || c.model.at(t).count(cur.card()) == 0) ++wrong_seen;
                    from = cur.card() + 1;
                }
                for (int k = 0; k < 20; ++k) {
                    const std::uint32_t to = target(rng);
                    if (cur.seek(to)) {
                        CHECK(cur.card() >= to);
                        (void)cur.positions(pos);
                    }
                }
                corrupt_seen += cur.corrupt();
            }
            std::vector<PositionStore::Cursor> cursors;
            for (const char* t : {"common", "often", "common", "w0"})
                cursors.emplace_back(store, t);
            bool corrupt = false;
            for (std::uint32_t d = 0; d <= c.last() + 1; d += 3)
                (void)store_holds_phrase(cursors, d, a, corrupt);
            for (int d = static_cast<int>(c.last()) + 1; d > 0; d -= 7)
                (void)store_holds_phrase(cursors, static_cast<std::uint32_t>(d), a, corrupt);
        }
        // Damage was seen by the cursors at least sometimes (a flipped stream byte).
        CHECK(corrupt_seen + wrong_seen > 0);
        // The good file itself still verifies.
        CHECK(open_ok(good)->verify().has_value());
    }
    SECTION("an unwritable path") {
        const std::string nowhere = (tmp.path() / "no-such-dir" / "positions.cdx").string();
        col.reset(1);
        col.add(1, c.docs[0]);
        auto st = col.write(nowhere);
        REQUIRE_FALSE(st.has_value());
        CHECK(st.error().code == Errc::Internal);
        CHECK(st.error().detail == nowhere);
        CHECK(st.error().message.find("position store") != std::string::npos);
        CHECK_FALSE(fs::exists(nowhere));
        // The collector is still usable after the failure.
        const std::string ok = (tmp.path() / "after").string();
        col.reset(1);
        col.add(1, c.docs[0]);
        REQUIRE(col.write(ok).has_value());
        CHECK(open_ok(ok)->verify().has_value());
    }
    SECTION("a path that cannot be opened for writing is left as it was") {
        const fs::path taken = tmp.path() / "a-directory";
        fs::create_directories(taken);
        col.reset(1);
        col.add(1, c.docs[0]);
        auto st = col.write(taken.string());
        REQUIRE_FALSE(st.has_value());
        CHECK(st.error().code == Errc::Internal);
        CHECK(fs::is_directory(taken));
    }
    SECTION("a merge never writes over one of its inputs") {
        const std::string one = (tmp.path() / "one").string();
        col.reset(1);
        col.add(1, c.docs[0]);
        REQUIRE(col.write(one).has_value());
        const std::string before = slurp(one);
        for (const std::string& out : {one, (tmp.path() / "." / "one").string()}) {
            auto st = merge_position_files({one}, out);
            REQUIRE_FALSE(st.has_value());
            CHECK(st.error().code == Errc::InvalidArgument);
            CHECK(slurp(one) == before);
        }
        CHECK(open_ok(one)->verify().has_value());
    }
}

namespace {

void put32(std::string& b, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put64(std::string& b, std::uint64_t v) {
    put32(b, static_cast<std::uint32_t>(v));
    put32(b, static_cast<std::uint32_t>(v >> 32));
}
void putvar(std::string& b, std::uint32_t v) {
    for (; v >= 0x80; v >>= 7) b.push_back(static_cast<char>((v & 0x7f) | 0x80));
    b.push_back(static_cast<char>(v));
}
void set32(std::string& b, std::size_t at, std::uint32_t v) {
    for (std::size_t i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint32_t crc_of(const std::string& b, std::size_t from, std::size_t to) {
    return static_cast<std::uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(b.data() + from), static_cast<uInt>(to - from)));
}

// The model as a version-1 store (what format-11 and -12 indexes hold), written here from
// the layout positions.h documents rather than by the library, which writes version 2 only.
std::string v1_store(const Model& model, std::uint32_t first, std::uint32_t last) {
    std::string b(64, '\0'), entries, names;
    for (const auto& [term, cards] : model) {
        std::string skips, stream;
        std::uint32_t prev = 0, k = 0;
        for (const auto& [docid, pos] : cards) {
            if (k++ % 64 == 0) {
                put32(skips, docid);
                put32(skips, prev);
                put32(skips, static_cast<std::uint32_t>(stream.size()));
            }
            std::string deltas;
            std::uint32_t p = 0;
            for (const std::uint32_t x : pos) putvar(deltas, x - std::exchange(p, x));
            putvar(stream, docid - std::exchange(prev, docid));
            putvar(stream, static_cast<std::uint32_t>(deltas.size()));
            stream += deltas;
        }
        put64(entries, names.size());
        put64(entries, b.size());
        put32(entries, static_cast<std::uint32_t>(term.size()));
        put32(entries, static_cast<std::uint32_t>(12 + skips.size() + stream.size()));
        names += term;
        put32(b, (static_cast<std::uint32_t>(cards.size()) + 63) / 64);
        put32(b, static_cast<std::uint32_t>(cards.size()));
        put32(b, cards.rbegin()->first);
        b += skips + stream;
    }
    const std::uint64_t entries_at = b.size(), names_at = entries_at + entries.size();
    b += entries + names;
    std::string h = "CDXPOSv1";
    put32(h, 1);
    put32(h, 0);
    put32(h, first);
    put32(h, last);
    put64(h, model.size());
    put64(h, entries_at);
    put64(h, names_at);
    put64(h, b.size());
    put32(h, crc_of(b, 64, b.size()));
    put32(h, 0);
    set32(h, 12, crc_of(h, 0, h.size()));
    b.replace(0, 64, h);
    return b;
}

Model slice(const Model& m, std::uint32_t lo, std::uint32_t hi) {
    Model out;
    for (const auto& [term, cards] : m) {
        for (auto it = cards.lower_bound(lo); it != cards.end() && it->first <= hi; ++it)
            out[term].insert(*it);
    }
    return out;
}

}  // namespace

TEST_CASE("position store: version 1 (format 11 and 12 indexes) reads and merges as before",
          "[positions]") {
    test::TempDir tmp;
    const Corpus c = random_corpus(1, 700, 31);
    const std::string v1 = (tmp.path() / "v1").string(), v2 = (tmp.path() / "v2").string();
    spit(v1, v1_store(c.model, 1, c.last()));
    check_layout(v1, c.model, 1, c.last(), true, 1);
    PositionCollector col;
    write_range(col, c, 1, c.last(), v2);
    check_layout(v2, c.model, 1, c.last(), true, 2);
    // Version 2 drops the byte length of the seven in ten entries with one position.
    CHECK(fs::file_size(v2) < fs::file_size(v1));

    auto old = open_ok(v1), now = open_ok(v2);
    CHECK(old->verify().has_value());
    check_walk(*old, c.model);
    check_seeks(*old, c.model, 77);
    // Phrases give the same answers on both, over every card.
    std::vector<std::uint32_t> a;
    for (const std::vector<std::string>& phrase : std::vector<std::vector<std::string>>{
             {"common", "often"}, {"often", "common"}, {"w0", "w1"}, {"common", "w0", "often"}}) {
        std::vector<PositionStore::Cursor> x, y;
        for (const auto& t : phrase) {
            x.emplace_back(*old, t);
            y.emplace_back(*now, t);
        }
        bool bad_x = false, bad_y = false;
        std::size_t held = 0;
        for (std::uint32_t d = 1; d <= c.last(); ++d) {
            const bool want = model_holds(c.model, phrase, d);
            CHECK(store_holds_phrase(x, d, a, bad_x) == want);
            CHECK(store_holds_phrase(y, d, a, bad_y) == want);
            held += want;
        }
        CHECK_FALSE(bad_x);
        CHECK_FALSE(bad_y);
        if (phrase.size() == 2 && phrase[0] == "common") CHECK(held > 0);
    }

    // Version-1 halves merge into a version-1 store of the whole.
    const std::string h1 = (tmp.path() / "h1").string(), h2 = (tmp.path() / "h2").string();
    spit(h1, v1_store(slice(c.model, 1, 350), 1, 350));
    spit(h2, v1_store(slice(c.model, 351, c.last()), 351, c.last()));
    const std::string merged = (tmp.path() / "merged").string();
    REQUIRE(merge_position_files({h1, h2}, merged).has_value());
    check_layout(merged, c.model, 1, c.last(), false, 1);
    auto m = open_ok(merged);
    CHECK(m->verify().has_value());
    check_walk(*m, c.model);

    // A version-1 half and a version-2 half do not merge: their streams differ.
    const std::string h2new = (tmp.path() / "h2new").string();
    write_range(col, c, 351, c.last(), h2new);
    const std::string mixed = (tmp.path() / "mixed").string();
    auto st = merge_position_files({h1, h2new}, mixed);
    REQUIRE_FALSE(st.has_value());
    CHECK(st.error().code == Errc::InvalidArgument);
    CHECK(st.error().detail == h2new);
    CHECK_FALSE(fs::exists(mixed));

    // Versions this build does not know are refused, naming the file.
    std::string future = slurp(v2);
    set32(future, 8, 3);
    set32(future, 12, 0);
    set32(future, 12, crc_of(future, 0, 64));
    const std::string fpath = (tmp.path() / "future").string();
    spit(fpath, future);
    auto f = PositionStore::open(fpath);
    REQUIRE_FALSE(f.has_value());
    CHECK(f.error().code == Errc::DataLoss);
    CHECK(f.error().message.find("version 3") != std::string::npos);
}
