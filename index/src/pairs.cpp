// The pair filter (pairs.h): written from a position store, read whole and checked.
#include "cardex/index/pairs.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "cardex/index/positions.h"
#include "positions_format.h"

namespace cardex::index {

namespace {

constexpr char kMagic[8] = {'C', 'D', 'X', 'P', 'A', 'I', 'R', '1'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kHeaderBytes = 64;
constexpr std::uint32_t kMaxBlockCards = 1u << 16;
// Blocks whose positions are gathered at once: 4,096 cards at 64 a block, about 10 MB of
// frequent positions for generated cards.
constexpr std::uint64_t kChunkBlocks = 64;
constexpr std::uint32_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();

using posfile::get_u32;
using posfile::get_u64;
using posfile::put_u32;
using posfile::put_u64;

// splitmix64's finaliser: the key's bits all depend on both words' names.
std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}
// FNV-1a over the name's bytes, then mixed: fixed, so every build and reader agree.
std::uint64_t name_hash(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return mix(h);
}
// Ordered: (a, b) and (b, a) are different pairs.
std::uint64_t key_of(std::uint64_t a, std::uint64_t b) {
    return mix(a ^ (b * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL));
}
std::uint64_t mask_of(std::uint64_t k) {
    return std::uint64_t{1} << (k & 63) | std::uint64_t{1} << ((k >> 6) & 63) |
           std::uint64_t{1} << ((k >> 12) & 63) | std::uint64_t{1} << ((k >> 18) & 63);
}
// Which of a block's `width` words holds key k's bits.
std::uint64_t row_of(std::uint64_t k, std::uint64_t width) {
    return ((k >> 32) * width) >> 32;
}

// The output file: created, written in order, its header last; removed unless finished.
class Out {
  public:
    explicit Out(std::string path) : path_(std::move(path)) {}
    ~Out() {
        if (f_ != nullptr) std::fclose(f_);
        if (created_ && !done_) {
            std::error_code ec;
            std::filesystem::remove(path_, ec);
        }
    }
    Status open() {
        f_ = std::fopen(path_.c_str(), "wb");
        if (f_ == nullptr) return failed("cannot create the pair filter");
        created_ = true;
        const std::string zero(kHeaderBytes, '\0');
        return write(zero.data(), zero.size(), false);
    }
    Status write(const void* p, std::size_t n, bool body = true) {
        if (n > 0 && std::fwrite(p, 1, n, f_) != n) return failed("cannot write the pair filter");
        if (body) crc_ = posfile::crc(crc_, p, n);
        offset_ += n;
        return Ok{};
    }
    std::uint64_t offset() const { return offset_; }
    std::uint32_t crc() const { return crc_; }
    Status finish(const std::string& header) {
        if (std::fseek(f_, 0, SEEK_SET) != 0 ||
            std::fwrite(header.data(), 1, header.size(), f_) != header.size() ||
            std::fflush(f_) != 0)
            return failed("cannot write the pair filter's header");
        const int rc = std::fclose(f_);
        f_ = nullptr;
        if (rc != 0) return failed("cannot close the pair filter");
        done_ = true;
        return Ok{};
    }

  private:
    Error failed(const std::string& what) const {
        return make_error(Errc::Internal, what + ": " + std::strerror(errno), path_);
    }
    std::string path_;
    std::FILE* f_ = nullptr;
    bool created_ = false, done_ = false;
    std::uint64_t offset_ = 0;
    std::uint32_t crc_ = 0;
};

// One chunk's frequent positions, card by card: (position << 32 | term index), each card's
// sorted, so that the terms at p + 1 follow those at p.
struct Chunk {
    std::vector<std::uint32_t> card_of;  // gathered: the card (from the chunk's first)
    std::vector<std::uint64_t> gathered;
    std::vector<std::uint64_t> sorted;
    std::vector<std::uint32_t> start;  // card -> its first index in sorted; one past the last

    void group(std::size_t cards) {
        start.assign(cards + 1, 0);
        for (const auto c : card_of) ++start[c + 1];
        for (std::size_t c = 0; c < cards; ++c) start[c + 1] += start[c];
        sorted.resize(gathered.size());
        std::vector<std::uint32_t> next(start.begin(), start.end() - 1);
        for (std::size_t i = 0; i < gathered.size(); ++i) sorted[next[card_of[i]]++] = gathered[i];
        for (std::size_t c = 0; c < cards; ++c)
            std::sort(sorted.begin() + start[c], sorted.begin() + start[c + 1]);
    }
};

// The keys of card [from, to) of `sorted`: every term at p with every term at p + 1.
void card_pairs(const std::uint64_t* from,
                const std::uint64_t* to,
                const std::vector<std::uint64_t>& hashes,
                std::vector<std::uint64_t>& keys) {
    for (const std::uint64_t* g = from; g < to;) {
        const std::uint64_t pos = *g >> 32;
        const std::uint64_t* g_end = g;
        while (g_end < to && (*g_end >> 32) == pos) ++g_end;
        const std::uint64_t* h_end = g_end;
        while (h_end < to && (*h_end >> 32) == pos + 1) ++h_end;
        for (const std::uint64_t* a = g; a < g_end; ++a) {
            for (const std::uint64_t* b = g_end; b < h_end; ++b)
                keys.push_back(key_of(hashes[*a & kMaxU32], hashes[*b & kMaxU32]));
        }
        g = g_end;
    }
}

}  // namespace

std::uint64_t PairFilter::pair_key(std::string_view first, std::string_view second) {
    return key_of(name_hash(first), name_hash(second));
}

Result<PairFilterStats> write_pair_filter(const PositionStore& store,
                                          const std::string& path,
                                          const PairFilterOptions& options) {
    const auto t0 = std::chrono::steady_clock::now();
    if (options.block_cards == 0 || options.block_cards > kMaxBlockCards ||
        options.bits_per_pair == 0 || options.bits_per_pair > 64) {
        return make_error(Errc::InvalidArgument,
                          "pair filter options out of range (cards a block 1-65536, bits a "
                          "pair 1-64)",
                          path);
    }
    const std::uint32_t first = store.first_docid(), last = store.last_docid();
    const std::uint64_t cards = last >= first ? std::uint64_t{last} - first + 1 : 0;
    const std::uint64_t block_cards = options.block_cards;
    const std::uint64_t blocks = (cards + block_cards - 1) / block_cards;
    std::uint32_t min_cards = options.min_cards;
    if (min_cards == 0) {
        min_cards = static_cast<std::uint32_t>(
            std::max<std::uint64_t>(PairFilterOptions::kMinFrequentCards, cards / 20));
    }
    auto listed = store.frequent_terms(min_cards);
    if (!listed) return std::move(listed).error();
    std::vector<std::string> terms = std::move(listed).value();
    std::sort(terms.begin(), terms.end());
    terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
    if (terms.size() >= kMaxU32)
        return make_error(Errc::InvalidArgument, "too many frequent terms for a pair filter", path);

    std::vector<std::uint64_t> hashes;
    std::vector<PositionStore::Cursor> cursors;
    hashes.reserve(terms.size());
    cursors.reserve(terms.size());
    for (const auto& t : terms) {
        hashes.push_back(name_hash(t));
        cursors.emplace_back(store, t);
    }
    // Each block's distinct keys, chunk by chunk: `each(block, keys)`.
    Chunk chunk;
    std::vector<std::uint32_t> positions;
    std::vector<std::uint64_t> keys;
    const std::uint64_t chunk_cards = block_cards * kChunkBlocks;
    const std::uint64_t chunks = (cards + chunk_cards - 1) / chunk_cards;
    auto gather = [&](std::uint64_t index, auto&& each) -> Status {
        const std::uint64_t c0 = first + index * chunk_cards;
        const std::uint64_t c1 = std::min<std::uint64_t>(last, c0 + chunk_cards - 1);
        chunk.card_of.clear();
        chunk.gathered.clear();
        for (std::size_t t = 0; t < terms.size(); ++t) {
            auto& c = cursors[t];
            bool on = c.seek(static_cast<std::uint32_t>(c0));
            while (on && c.card() <= c1) {
                if (!c.positions(positions)) break;
                for (const auto p : positions) {
                    chunk.card_of.push_back(static_cast<std::uint32_t>(c.card() - c0));
                    chunk.gathered.push_back(std::uint64_t{p} << 32 | t);
                }
                on = c.card() < kMaxU32 && c.seek(c.card() + 1);
            }
            if (c.corrupt() || (on && c.card() <= c1)) {
                return make_error(Errc::DataLoss,
                                  "the position store is corrupt: the stream of " + terms[t],
                                  path);
            }
        }
        const std::size_t n_cards = static_cast<std::size_t>(c1 - c0 + 1);
        chunk.group(n_cards);
        for (std::size_t b0 = 0; b0 < n_cards; b0 += block_cards) {
            keys.clear();
            const std::size_t b1 = std::min<std::size_t>(n_cards, b0 + block_cards);
            for (std::size_t card = b0; card < b1; ++card) {
                card_pairs(chunk.sorted.data() + chunk.start[card],
                           chunk.sorted.data() + chunk.start[card + 1],
                           hashes,
                           keys);
            }
            std::sort(keys.begin(), keys.end());
            keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
            each(index * kChunkBlocks + b0 / block_cards, keys);
        }
        return Ok{};
    };
    // Every block gets as many words as the mean block of a sample needs (up to eight
    // chunks spread over the docids): a fixed width lets a word of every block sit in one
    // row, so that a phrase's test of block after block reads each key's row in order.
    std::uint64_t sampled_blocks = 0, sampled_pairs = 0;
    const std::uint64_t samples = std::min<std::uint64_t>(chunks, 8);
    for (std::uint64_t i = 0; i < samples; ++i) {
        auto st = gather(i * chunks / samples, [&](std::uint64_t, const auto& k) {
            ++sampled_blocks;
            sampled_pairs += k.size();
        });
        if (!st) return std::move(st).error();
    }
    const std::uint64_t width =
        blocks == 0 ? 0
                    : std::max<std::uint64_t>(
                          1,
                          (sampled_pairs * options.bits_per_pair + 64 * sampled_blocks - 1) /
                              (64 * sampled_blocks));
    if (width * blocks > (std::uint64_t{1} << 31)) {
        return make_error(Errc::InvalidArgument, "too many pairs for one pair filter", path);
    }
    std::vector<std::uint64_t> words(width * blocks, 0);
    PairFilterStats stats;
    stats.frequent_terms = terms.size();
    for (std::uint64_t i = 0; i < chunks; ++i) {
        auto st = gather(i, [&](std::uint64_t b, const auto& k) {
            stats.pairs += k.size();
            for (const auto key : k) words[row_of(key, width) * blocks + b] |= mask_of(key);
        });
        if (!st) return std::move(st).error();
    }

    Out out(path);
    if (auto st = out.open(); !st) return std::move(st).error();
    std::string body;
    const std::string tag = store.tag();
    put_u32(body, static_cast<std::uint32_t>(tag.size()));
    body += tag;
    for (const auto& t : terms) {
        put_u32(body, static_cast<std::uint32_t>(t.size()));
        body += t;
    }
    if (auto st = out.write(body.data(), body.size()); !st) return std::move(st).error();
    const std::uint64_t words_offset = out.offset();
    body.clear();
    for (std::size_t w = 0; w < words.size(); ++w) {
        put_u64(body, words[w]);
        if (body.size() >= (1u << 20) || w + 1 == words.size()) {
            if (auto st = out.write(body.data(), body.size()); !st) return std::move(st).error();
            body.clear();
        }
    }
    const std::uint64_t size = out.offset();

    std::string h(kMagic, sizeof kMagic);
    put_u32(h, kVersion);
    put_u32(h, 0);  // the header's CRC, below
    put_u32(h, first);
    put_u32(h, last);
    put_u32(h, options.block_cards);
    put_u32(h, static_cast<std::uint32_t>(blocks));
    put_u32(h, static_cast<std::uint32_t>(terms.size()));
    put_u32(h, out.crc());
    put_u32(h, static_cast<std::uint32_t>(width));
    put_u32(h, 0);
    put_u64(h, words_offset);
    put_u64(h, size);
    const std::uint32_t hc = posfile::crc(0, h.data(), h.size());
    for (int i = 0; i < 4; ++i) h[12 + i] = static_cast<char>((hc >> (8 * i)) & 0xff);
    if (auto st = out.finish(h); !st) return std::move(st).error();
    stats.bytes = size;
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return stats;
}

Result<std::shared_ptr<const PairFilter>> PairFilter::open(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec) && !ec)
            return make_error(Errc::NotFound, "no pair filter", path);
        return make_error(Errc::Internal, "cannot open the pair filter", path);
    }
    std::shared_ptr<PairFilter> f(new PairFilter());
    in.seekg(0, std::ios::end);
    const std::streamoff length = in.tellg();
    in.seekg(0, std::ios::beg);
    if (length < 0 || !in) return make_error(Errc::Internal, "cannot read the pair filter", path);
    f->bytes_.resize(static_cast<std::size_t>(length));
    if (!in.read(f->bytes_.data(), length))
        return make_error(Errc::Internal, "cannot read the pair filter", path);
    auto corrupt = [&](const std::string& why) -> Error {
        return make_error(Errc::DataLoss, "the pair filter is corrupt: " + why, path);
    };
    const std::string& b = f->bytes_;
    const auto* base = reinterpret_cast<const unsigned char*>(b.data());
    const std::uint64_t size = b.size();
    if (size < kHeaderBytes) return corrupt("shorter than its header");
    if (std::memcmp(base, kMagic, sizeof kMagic) != 0) return corrupt("not a pair filter");
    if (get_u32(base + 8) != kVersion) {
        return corrupt("version " + std::to_string(get_u32(base + 8)) + ", this build reads " +
                       std::to_string(kVersion));
    }
    std::array<unsigned char, kHeaderBytes> copy{};
    std::memcpy(copy.data(), base, kHeaderBytes);
    std::memset(copy.data() + 12, 0, 4);
    if (posfile::crc(0, copy.data(), copy.size()) != get_u32(base + 12))
        return corrupt("header checksum");
    if (get_u64(base + 56) != size) return corrupt("its size is not the header's (truncated?)");
    if (posfile::crc(0, base + kHeaderBytes, size - kHeaderBytes) != get_u32(base + 36))
        return corrupt("checksum");
    f->first_ = get_u32(base + 16);
    f->last_ = get_u32(base + 20);
    f->block_cards_ = get_u32(base + 24);
    f->blocks_ = get_u32(base + 28);
    const std::uint32_t term_count = get_u32(base + 32);
    const std::uint64_t width = get_u32(base + 40);
    const std::uint64_t words_offset = get_u64(base + 48);
    if (f->block_cards_ == 0 || f->block_cards_ > kMaxBlockCards) return corrupt("cards a block");
    const std::uint64_t cards = f->last_ >= f->first_ ? std::uint64_t{f->last_} - f->first_ + 1 : 0;
    if (f->last_ + std::uint64_t{1} < f->first_ ||
        f->blocks_ != (cards + f->block_cards_ - 1) / f->block_cards_)
        return corrupt("docid range and blocks");
    if (get_u32(base + 44) != 0 || (width == 0) != (f->blocks_ == 0)) return corrupt("width");
    if (words_offset < kHeaderBytes || words_offset > size || (size - words_offset) % 8 != 0 ||
        (size - words_offset) / 8 != width * f->blocks_)
        return corrupt("sections out of bounds");
    // The tag and the terms fill what lies between the header and the words.
    std::uint64_t at = kHeaderBytes;
    auto next_string = [&](std::string_view& s) {
        if (words_offset - at < 4) return false;
        const std::uint32_t n = get_u32(base + at);
        at += 4;
        if (words_offset - at < n) return false;
        s = std::string_view(b.data() + at, n);
        at += n;
        return true;
    };
    std::string_view tag;
    if (!next_string(tag)) return corrupt("the store's tag");
    f->store_tag_ = std::string(tag);
    f->terms_.reserve(std::min<std::uint64_t>(term_count, words_offset - at));
    for (std::uint32_t i = 0; i < term_count; ++i) {
        std::string_view t;
        if (!next_string(t)) return corrupt("term " + std::to_string(i));
        if (!f->terms_.empty() && !(f->terms_.back() < t))
            return corrupt("terms out of order at " + std::to_string(i));
        f->terms_.push_back(t);
    }
    if (at != words_offset) return corrupt("bytes between the terms and the filters");
    f->words_ = base + words_offset;
    f->width_ = static_cast<std::uint32_t>(width);
    return std::shared_ptr<const PairFilter>(std::move(f));
}

bool PairFilter::frequent(std::string_view term) const {
    return std::binary_search(terms_.begin(), terms_.end(), term);
}

bool PairFilter::may_hold(std::uint32_t block, const std::vector<std::uint64_t>& keys) const {
    if (block >= blocks_) return true;
    for (const auto k : keys) {
        const std::uint64_t m = mask_of(k);
        const std::uint64_t w = get_u64(words_ + 8 * (row_of(k, width_) * blocks_ + block));
        if ((w & m) != m) return false;
    }
    return true;
}

}  // namespace cardex::index
