#pragma once
// The pair filter: for each block of 16 consecutive cards, a Bloom filter of the adjacent
// pairs of frequent words its cards hold, in one file beside a generation's position store
// (kPairsFile). A phrase of frequent words no card holds (`"reference https huggingface"`)
// otherwise costs a position check on every card that holds all its words: 383,777 cards
// and 34 ms at 1M (docs/PERFORMANCE.md, "Phrases no card holds"). With the filter, a card
// whose block lacks one of the phrase's pairs is rejected without reading positions.
//
// Derived from the position store and nothing else: write_pair_filter reads the store (the
// streams of its frequent words, 64 blocks at a time), so a reindex and renumber_index write
// it after the store, and it never says less than the store does. Its header records the
// store's tag (PositionStore::tag): a reader uses it only beside that very store. A card a
// writer rewrote after the reindex is not read from the store (query/src/positional.h,
// reads_store), and so not from the filter either.
//
// Which words: those of the store held by at least PairFilterOptions::min_cards cards (5% of
// them by default). A phrase with a rarer word has at most that many candidates, whose
// positions are read as before. Which pairs: term a at position p and term b at p + 1 of one
// card, both frequent, every term at each position (the pairs a phrase check needs:
// index/positions.h, store_holds_phrase). A Bloom filter has false positives (about 15%, computed,
// of the pairs a block lacks at 4 bits a pair), never false negatives: a rejected card cannot hold
// the phrase.
//
// File layout (little-endian; ARCHITECTURE.md "What is on disk"):
//   header, 64 bytes: magic "CDXPAIR1", u32 version (1), u32 header CRC-32 (of the header
//     with this field zero), u32 first docid, u32 last docid, u32 cards a block, u32 block
//     count, u32 frequent term count, u32 CRC-32 of every byte after the header, u32 words a
//     block (the width: the mean block of a sample's distinct pairs times the bits a pair,
//     over 64; at least 1), u32 zero, u64 offset of the words, u64 file size;
//   the store's tag: u32 length, bytes;
//   the frequent terms, sorted: each u32 length, bytes;
//   the words, u64s, row by row: row r holds word r of block 0, of block 1, ... A pair's
//     key k (pair_key) lives in row (k >> 32) * width >> 32, bits k & 63, k >> 6 & 63,
//     k >> 12 & 63 and k >> 18 & 63 of its block's word there. Testing a key in block
//     after block reads its row in order (500 KB at 1M cards: 62,500 blocks), not a random word of
//     a 282 MB file per block (44% of a phrase's time with one filter per block, each of its own
//     width: docs/PERFORMANCE.md).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/result.h"

namespace cardex::index {

class PositionStore;

/// The filter's file name inside a generation directory.
inline constexpr std::string_view kPairsFile = "pairs.cdx";

struct PairFilterOptions {
    /// Cards a block: one filter each. Smaller blocks reject more precisely and take more
    /// tests; the file's size depends on the pairs, not on this.
    std::uint32_t block_cards = 16;
    /// A word is frequent when at least this many cards hold it; 0: 5% of the store's
    /// cards, at least kMinFrequentCards.
    std::uint32_t min_cards = 0;
    /// Filter bits a distinct pair of a block (false positives, computed: about 15% at 4, 3% at 8).
    std::uint32_t bits_per_pair = 4;
    static constexpr std::uint32_t kMinFrequentCards = 64;
};

/// What write_pair_filter wrote.
struct PairFilterStats {
    std::uint64_t frequent_terms = 0;
    std::uint64_t pairs = 0;  ///< distinct pairs summed over blocks
    std::uint64_t bytes = 0;  ///< the file's size
    double seconds = 0;
};

/// Writes the filter of `store` to `path` (replacing it). Memory: the filter (113 MB at 1M
/// generated cards), one chunk of 64 blocks' frequent positions (8 bytes each) and a cursor
/// per frequent term. Cost: one decoding of the frequent words' streams, and of up to eight
/// chunks before it (the sample that sets the width); 36 s at 1M cards. Errors: Errc::DataLoss when
/// a stream of the store is malformed, Errc::InvalidArgument for options out of range,
/// Errc::Internal naming `path` when it cannot be written; the file is removed then.
Result<PairFilterStats> write_pair_filter(const PositionStore& store,
                                          const std::string& path,
                                          const PairFilterOptions& options = {});

/// A filter file, read into memory whole and checked (both CRCs, every offset) when
/// opened. Immutable: any number of threads may use it at once.
class PairFilter {
  public:
    /// Opens `path`. Errors: Errc::NotFound when it does not exist; Errc::DataLoss (naming
    /// the path and what is wrong) when it is not a filter or fails a check. Cost: a read
    /// of the file and a CRC of it.
    static Result<std::shared_ptr<const PairFilter>> open(const std::string& path);

    /// The store it was built from (PositionStore::tag): use it only beside that store.
    const std::string& store_tag() const { return store_tag_; }
    std::uint32_t first_docid() const { return first_; }
    std::uint32_t last_docid() const { return last_; }
    std::uint32_t block_cards() const { return block_cards_; }
    std::uint64_t file_bytes() const { return bytes_.size(); }
    /// Whether `term` was frequent at the build (its pairs are in the filter). Cost: a
    /// binary search of the frequent terms.
    bool frequent(std::string_view term) const;

    /// The key of the pair `first` then `second` (the same in every build and process).
    static std::uint64_t pair_key(std::string_view first, std::string_view second);
    /// The block of `docid`, or kNoBlock outside the docids covered.
    std::uint32_t block_of(std::uint32_t docid) const {
        if (docid < first_ || docid > last_) return kNoBlock;
        return (docid - first_) / block_cards_;
    }
    static constexpr std::uint32_t kNoBlock = 0xffffffffu;
    /// Whether block `block` may hold every pair of `keys` (each in some card of it): false
    /// means no card of the block holds them all. True for kNoBlock. Cost: a word read a
    /// key.
    bool may_hold(std::uint32_t block, const std::vector<std::uint64_t>& keys) const;

  private:
    PairFilter() = default;
    std::string bytes_;  // the whole file
    std::string store_tag_;
    std::vector<std::string_view> terms_;  // into bytes_, sorted
    const unsigned char* words_ = nullptr;  // rows of blocks_ words: row r of every block
    std::uint32_t first_ = 1, last_ = 0, block_cards_ = 16, blocks_ = 0, width_ = 0;
};

}  // namespace cardex::index
