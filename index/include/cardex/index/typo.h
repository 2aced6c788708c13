#pragma once
// The typo dictionary: the words typo tolerance corrects query words to, stored in the index.
//
// A build counts the spelling vocabulary (the id, title, tag and description words longer
// than 2 bytes of public cards, DocumentBuilder::set_word_counts) and stores all of it, with
// each word's document count, under kMetaWords. The dictionary is the part of it that at
// least kTypoMinDocs cards hold (words of one card are mostly hashes, file names and typos
// themselves), and the all-letter words of ids however few cards hold them (a known-item
// search names one card), under kMetaTypo. Both are stored alike: the magic line
// kTypoMagic, then one zstd frame of "word\tdocs\n" lines in byte order. Live upserts leave
// both alone: a word that an upserted card brings is counted at the next reindex.
//
// Until format 13 the vocabulary was kPrefixWord terms, one per word and card: 9.5% of the
// postings, for counts that one metadata entry of a few MB holds (docs/PERFORMANCE.md).
// read_words() still derives it from those terms for an index that has them.
//
// Immutable once made: share a std::shared_ptr<const TypoDictionary> between threads freely.
// Memory: the words' bytes plus 8 bytes a word. Lookups: docs() is a binary search; nearest()
// walks the sorted words as a trie (below).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <xapian.h>

#include "cardex/index/result.h"

namespace cardex::index {

/// The metadata key of the typo dictionary.
inline constexpr std::string_view kMetaTypo = "cardex:typo";
/// The metadata key of the spelling vocabulary (format 14 on).
inline constexpr std::string_view kMetaWords = "cardex:words";
/// The first bytes of a stored dictionary (its format version is the digit).
inline constexpr std::string_view kTypoMagic = "cardex-typo/1\n";
/// A word enters the dictionary when at least this many public cards hold it.
inline constexpr Xapian::doccount kTypoMinDocs = 2;
/// The longest word a dictionary holds (the tokenizer's limit, kMaxTokenBytes).
inline constexpr std::size_t kTypoMaxWordBytes = 64;

/// A spelling vocabulary being counted: word -> public cards holding it.
using WordCounts = std::unordered_map<std::string, std::uint32_t>;
/// Sorted (word, count) pairs, as encode() and collect() take them.
using WordList = std::vector<std::pair<std::string, std::uint32_t>>;

/// Adds `n` to `word`'s count in `into`, saturating at 2^32 - 1.
void add_word_count(WordCounts& into, std::string_view word, std::uint32_t n);
/// Adds `from`'s counts to `into`'s: the vocabulary of two disjoint sets of cards (two
/// threads' segments, two shards).
void add_word_counts(WordCounts& into, const WordCounts& from);
/// `counts` sorted by word (moved out of the map). Cost: a sort of the distinct words.
WordList sorted_words(WordCounts&& counts);

/// A word of the dictionary near a query word.
struct TypoMatch {
    std::string word;
    std::uint32_t docs = 0;  ///< public cards holding it when the index was built
    unsigned distance = 0;   ///< optimal string alignment distance (a transposition is 1)
};

class TypoDictionary {
  public:
    /// Parses stored bytes (what encode() makes). DataLoss, saying what is wrong, for
    /// anything else: a wrong magic, a corrupt or oversized frame, an unsorted or malformed
    /// line. Cost: decompressing and one pass over the words.
    static Result<std::shared_ptr<const TypoDictionary>> decode(std::string_view bytes,
                                                                std::string_view key = kMetaTypo);
    /// The stored form of `words` (word -> document count). Words are sorted and deduplicated
    /// here; empty words, words longer than kTypoMaxWordBytes, words with a byte below '!' and
    /// counts of 0 are left out.
    static std::string encode(WordList words);
    /// The dictionary of the spelling vocabulary `words` (sorted, of `db`'s cards) as
    /// encode() stores it: every word at least kTypoMinDocs cards hold, and every all-letter
    /// one that is also an id word of `db` (kPrefixIdToken). Cost: one pass over `words`
    /// beside a scan of the id words. Xapian errors propagate.
    static std::string collect(const Xapian::Database& db, const WordList& words);
    /// The dictionary stored in `db`; the empty one when the index has none (built before
    /// typo tolerance). DataLoss when the stored bytes do not decode. Xapian errors propagate.
    static Result<std::shared_ptr<const TypoDictionary>> read(const Xapian::Database& db);
    /// The spelling vocabulary of `db`: kMetaWords, or for an index without it (format 13
    /// and older, and renumbered copies of one) its kPrefixWord terms with their document
    /// counts; empty if it has neither. DataLoss, naming kMetaWords, when the stored bytes do
    /// not decode. Cost: decoding (about 0.1 s per million words), or one scan of the
    /// kPrefixWord terms. Xapian errors propagate.
    static Result<std::shared_ptr<const TypoDictionary>> read_words(const Xapian::Database& db);
    /// The empty dictionary.
    static std::shared_ptr<const TypoDictionary> none();

    std::size_t size() const noexcept { return docs_.size(); }
    bool empty() const noexcept { return docs_.empty(); }
    std::string_view word(std::size_t i) const noexcept {
        return std::string_view(blob_).substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
    }
    /// The document count of `word`, 0 if the dictionary does not hold it.
    std::uint32_t docs(std::string_view word) const noexcept;
    /// The document count of word(i).
    std::uint32_t docs_at(std::size_t i) const noexcept { return docs_[i]; }
    /// The index of the first word not below `w` in byte order (size() if none is): the
    /// words starting with a prefix are [lower_bound(prefix), the first that does not).
    std::size_t lower_bound(std::string_view w) const noexcept;

    /// The words other than `word` itself, starting with its first byte (a typo there is not
    /// looked for), at the smallest distance from it that is at most
    /// `max_distance` (optimal string alignment: insertions, deletions, substitutions and
    /// transpositions of adjacent bytes each cost 1), most documents first, at most `limit`.
    /// Empty if none is that near. Bytes are compared, so a non-ASCII letter counts as the
    /// bytes of its UTF-8 form. Cost: a walk of the sorted words as a trie that leaves a
    /// branch as soon as no word below it can be near enough, within the branch of the first
    /// byte: about 7 ms a word (20 at most) on 2.7M words, docs/PERFORMANCE.md.
    std::vector<TypoMatch> nearest(std::string_view word,
                                   unsigned max_distance,
                                   std::size_t limit) const;

  private:
    std::string blob_;                    // the words, concatenated in byte order
    std::vector<std::uint32_t> offsets_;  // word i is blob_[offsets_[i], offsets_[i + 1])
    std::vector<std::uint32_t> docs_;
};

}  // namespace cardex::index
