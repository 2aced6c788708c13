// The position store's file (index/positions.h): any bytes open as a store or fail with
// DataLoss naming the path, never a crash; on what opens, cursors (walks, jumps both ways,
// positions) and phrase checks stay inside the file whatever its sections hold, a seek that
// finds a card finds one at or after its target, and positions decode ascending. A merge
// of the file alone gives a store that opens and verifies with the same docids (or fails
// cleanly, leaving no output); a merge of the file with itself is refused unless its range
// is empty. Most mutations of a valid store break its header's checksum or size, so each
// input is also tried with the header repaired (magic, version, size and both checksums made
// right), once as version 2 and once as version 1: the entries, sections and streams of
// either encoding then see the mutated bytes.
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "cardex/index/pairs.h"
#include "cardex/index/positions.h"
#include "fuzz_support.h"

namespace {

using cardex::Errc;
using cardex::index::PositionStore;

constexpr std::size_t kHeader = 64;

std::uint32_t get_u32(const std::string& b, std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
        v = v << 8 | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
    return v;
}
std::uint64_t get_u64(const std::string& b, std::size_t at) {
    return get_u32(b, at) | static_cast<std::uint64_t>(get_u32(b, at + 4)) << 32;
}
// One directory per process, removed at exit.
const std::string& temp_dir() {
    static const struct Dir {
        std::string path;
        Dir() {
            path = (std::filesystem::temp_directory_path() /
                    ("cardex-fuzz-positions-" + std::to_string(::getpid())))
                       .string();
            std::filesystem::create_directories(path);
        }
        ~Dir() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    } dir;
    return dir.path;
}

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    out.close();
    if (!out) cardex::fuzz::fail("cannot write the input to", path);
}

// Term names worth a cursor: a fixed list, and the first entries' names when the header's
// offsets (read as the layout has them) put them inside the bytes.
std::vector<std::string> names_of(const std::string& b) {
    std::vector<std::string> out = {"a", "b", "the", "model", "from", "x", "", "common"};
    if (b.size() < kHeader) return out;
    const std::uint64_t terms = get_u64(b, 24), entries = get_u64(b, 32), names = get_u64(b, 40);
    if (entries > b.size() || names > b.size()) return out;
    for (std::uint64_t i = 0; i < terms && i < 12; ++i) {
        const std::uint64_t e = entries + i * 24;
        if (e > b.size() || b.size() - e < 24) break;
        const std::uint64_t off = get_u64(b, e);
        const std::uint64_t len = get_u32(b, e + 16);
        if (off > b.size() - names || len > b.size() - names - off || len > 256) continue;
        out.push_back(b.substr(names + off, len));
    }
    return out;
}

// Seeks in every direction on one cursor; checks what holds whatever the file holds.
// Returns the cards a forward walk met (the first few).
std::vector<std::uint32_t> exercise_cursor(const PositionStore& store, const std::string& term) {
    using Cursor = PositionStore::Cursor;
    std::vector<std::uint32_t> pos, cards;
    auto check = [&](Cursor& c, std::uint32_t target) {
        if (!c.seek(target)) return;
        if (c.card() < target) cardex::fuzz::fail("seek landed before its target", term);
        if (c.positions(pos)) {
            for (std::size_t i = 1; i < pos.size(); ++i)
                if (pos[i] < pos[i - 1]) cardex::fuzz::fail("positions not ascending", term);
        }
    };
    Cursor c(store, term);
    // Forward walk, card by card.
    std::uint32_t target = 0;
    for (int k = 0; k < 4096 && c.seek(target); ++k) {
        if (c.card() < target) cardex::fuzz::fail("seek landed before its target", term);
        (void)c.positions(pos);
        if (cards.size() < 16) cards.push_back(c.card());
        if (c.card() == 0xffffffffu) break;
        target = c.card() + 1;
    }
    // Small docids up, then down; the store's range; the ends of the docid space.
    Cursor d(store, term);
    for (std::uint32_t t = 1; t <= 80; ++t) check(d, t);
    for (int t = 80; t >= 1; t -= 3) check(d, static_cast<std::uint32_t>(t));
    const std::uint32_t lo = store.first_docid(), hi = store.last_docid();
    for (const std::uint32_t t : {hi, lo, hi, 0u, 0xffffffffu, lo + 1, hi - 1, lo + 64, hi / 2})
        check(d, t);
    for (std::size_t i = cards.size(); i-- > 0;) check(d, cards[i]);
    for (const std::uint32_t t : cards) check(d, t + 1);
    // A cursor reused after it ran past the end.
    Cursor e(store, term);
    check(e, 0xffffffffu);
    check(e, 0);
    return cards;
}

void exercise(const PositionStore& store, const std::string& bytes) {
    (void)store.verify();
    (void)store.tag();
    const std::vector<std::string> names = names_of(bytes);
    std::vector<std::uint32_t> docids;
    for (const auto& n : names) {
        const auto cards = exercise_cursor(store, n);
        docids.insert(docids.end(), cards.begin(), cards.end());
    }
    for (std::uint32_t d = store.first_docid(), k = 0; k < 8; ++d, ++k) docids.push_back(d);
    // Phrases of stored names (some repeated), over the cards met, ascending then backwards.
    std::vector<std::uint32_t> a;
    const std::size_t m = names.size();
    const std::vector<std::vector<std::size_t>> phrases = {
        {m - 1, m - 1}, {0, 1}, {4, 5, 4}, {m - 1, m > 9 ? m - 2 : 0, m - 1}, {m - 1}, {}};
    for (const auto& p : phrases) {
        std::vector<PositionStore::Cursor> cursors;
        for (const std::size_t i : p) cursors.emplace_back(store, names[i]);
        bool corrupt = false;
        cardex::index::PhraseOrder order;  // learnt across the cards, as the searcher does
        for (const std::uint32_t d : docids)
            (void)cardex::index::store_holds_phrase(cursors, d, a, corrupt, order);
        for (std::size_t i = docids.size(); i-- > 0;)
            (void)cardex::index::store_holds_phrase(cursors, docids[i], a, corrupt);
    }
}

// Opens the file at `path` (holding `bytes`) and exercises it and its merges. `repaired`:
// the header was made consistent, so what opens must verify.
void check(const std::string& path, const std::string& bytes, bool repaired) {
    using cardex::index::merge_position_files;
    write_file(path, bytes);
    auto opened = PositionStore::open(path);
    if (!opened) {
        if (opened.error().code != Errc::DataLoss || opened.error().detail != path)
            cardex::fuzz::fail("open: not DataLoss naming the path", opened.error().message);
        return;
    }
    const std::shared_ptr<const PositionStore> store = opened.value();
    if (store->file_bytes() != bytes.size()) cardex::fuzz::fail("file_bytes");
    if (repaired && !store->verify()) cardex::fuzz::fail("a repaired store does not verify");
    exercise(*store, bytes);

    // Its pair filter (index/pairs.h), every word frequent, when its range is small enough
    // to walk: a filter that opens beside the store, or a clean failure that leaves no file.
    if (store->last_docid() - std::uint64_t{store->first_docid()} < 100000 ||
        store->last_docid() < store->first_docid()) {
        const std::string pairs = temp_dir() + "/pairs";
        cardex::index::PairFilterOptions options;
        options.min_cards = 1;
        options.block_cards = 4;
        auto w = cardex::index::write_pair_filter(*store, pairs, options);
        if (w) {
            auto f = cardex::index::PairFilter::open(pairs);
            if (!f) cardex::fuzz::fail("a written pair filter does not open", f.error().message);
            if ((*f)->store_tag() != store->tag()) cardex::fuzz::fail("the pair filter's tag");
            for (std::uint32_t d = store->first_docid(), k = 0; k < 64; ++d, ++k)
                (void)(*f)->may_hold((*f)->block_of(d),
                                     {cardex::index::PairFilter::pair_key("a", "b")});
        } else {
            if (std::filesystem::exists(pairs)) cardex::fuzz::fail("a failed filter left its file");
            if (w.error().code != Errc::DataLoss && w.error().code != Errc::InvalidArgument)
                cardex::fuzz::fail("pair filter: unexpected error", w.error().message);
        }
        std::error_code rm;
        std::filesystem::remove(pairs, rm);
    }

    // The file alone: a store of the same docids that verifies, or a clean failure.
    const std::string out = temp_dir() + "/merged";
    auto st = merge_position_files({path}, out);
    if (st) {
        auto m = PositionStore::open(out);
        if (!m) cardex::fuzz::fail("a merge output does not open", m.error().message);
        if (!(*m)->verify()) cardex::fuzz::fail("a merge output does not verify");
        if ((*m)->first_docid() != store->first_docid() ||
            (*m)->last_docid() != store->last_docid())
            cardex::fuzz::fail("a merge output's docids");
        std::string merged_bytes;
        {
            std::ifstream in(out, std::ios::binary);
            merged_bytes.assign(std::istreambuf_iterator<char>(in), {});
        }
        exercise(**m, merged_bytes);
    } else {
        if (std::filesystem::exists(out)) cardex::fuzz::fail("a failed merge left its output");
        if (st.error().code != Errc::DataLoss && st.error().code != Errc::ResourceExhausted)
            cardex::fuzz::fail("merge of one file: unexpected error", st.error().message);
    }
    std::error_code ec;
    std::filesystem::remove(out, ec);

    // The file twice: its range follows itself only when it is empty.
    st = merge_position_files({path, path}, out);
    const bool follows =
        static_cast<std::uint32_t>(store->last_docid() + 1) == store->first_docid();
    if (st) {
        if (!follows) cardex::fuzz::fail("a merge of overlapping ranges succeeded");
        auto m = PositionStore::open(out);
        if (!m || !(*m)->verify()) cardex::fuzz::fail("a merge output does not open or verify");
    } else {
        if (std::filesystem::exists(out)) cardex::fuzz::fail("a failed merge left its output");
        if (!follows && st.error().code != Errc::InvalidArgument)
            cardex::fuzz::fail("merge of overlapping ranges: not InvalidArgument",
                               st.error().message);
    }
    std::filesystem::remove(out, ec);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string in(reinterpret_cast<const char*>(data), size);
    const std::string path = temp_dir() + "/input";
    check(path, in, false);
    // The same bytes with the header made right, read as each version's entries.
    if (size >= kHeader) {
        for (const std::uint32_t version : {2u, 1u}) {
            std::string fixed = in;
            std::memcpy(fixed.data(), "CDXPOSv1", 8);
            cardex::fuzz::set_u32(fixed, 8, version);
            cardex::fuzz::set_u64(fixed, 48, fixed.size());
            cardex::fuzz::set_u32(
                fixed, 56, cardex::fuzz::crc32_of(fixed.data() + kHeader, fixed.size() - kHeader));
            cardex::fuzz::set_u32(fixed, 12, 0);
            cardex::fuzz::set_u32(fixed, 12, cardex::fuzz::crc32_of(fixed.data(), kHeader));
            if (fixed != in) check(path, fixed, true);
        }
    }
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return 0;
}
