#pragma once
// The documents of one term as a compressed bitmap (CRoaring), cached per index revision for
// frequent terms, so that a text query's match set costs set operations on bitmaps instead of
// decoding every posting again (issue #15).
//
// Why: decoding a Xapian postlist costs about 20 ns per posting (measured at 1M cards: the
// 900k postings of "the" take 18 ms), and the most frequent words are the ones users type and
// the ones that recur. A bitmap of a frequent term is built once per revision, on first use,
// from its postlist, and then ANDed in microseconds (roaring containers: 8 KiB bitsets where a
// term is dense, sorted 16-bit arrays where it is not). Rare terms (document frequency below
// min_freq(): 1/256 of the documents, at least 64 and at most 4,096) cost little to decode
// but much to look up (below), and go to a cache of their own.
//
// Memory is bounded: least recently used bitmaps are dropped past kCacheBytes per revision
// (at 1M cards a dense term takes about 125 KiB, so the cache holds the ~2,000 most used
// frequent terms). Bitmaps are immutable once built and shared as shared_ptr<const>: a query
// keeps the ones it uses alive even if the cache drops them. Thread-safe.
//
// Rare terms are kept too, apart, in a smaller LRU (kRareCacheBytes), with every term's
// document frequency: a query word is expanded into its stem in each card language
// (stemming.h), about thirty rare terms a word, and each decode or frequency asked of
// glass is a B-tree seek through pread (a word's stems took 0.5-1.8 ms at 1M cards; in a
// profile of four-word queries 11% of the time was get_termfreq and 14% decoding rare
// postlists, docs/PERFORMANCE.md). Apart, rare terms never push a frequent term's bitmap out.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <xapian.h>
#include <roaring/roaring.hh>

#include "budget.h"
#include "term_lru.h"

namespace cardex::query {

using DocSet = std::shared_ptr<const Roaring>;

class TermSets {
  public:
    /// The default bound of one revision's cache, in bytes of bitmap.
    static constexpr std::size_t kCacheBytes = std::size_t{256} << 20;

    explicit TermSets(std::size_t cache_bytes = kCacheBytes,
                      std::size_t rare_cache_bytes = kRareCacheBytes)
        : lru_(cache_bytes), rare_(rare_cache_bytes) {}

    /// The bound of the rare terms' cache, in bytes of bitmap (a rare term's is at most
    /// about 8 KiB: 4,096 docids in 16-bit arrays).
    static constexpr std::size_t kRareCacheBytes = std::size_t{32} << 20;

    /// Terms with fewer documents than this are rare: kept in their own, smaller cache.
    static std::uint32_t min_freq(std::uint32_t lastdocid);

    /// The number of documents of `term` in `db` (this revision), remembered: at most
    /// kMaxFreqs terms, forgotten all at once past that. Thread-safe. Cost: a lookup, or a
    /// B-tree seek.
    Xapian::doccount termfreq(const Xapian::Database& db, const std::string& term);

    /// The docids of `term` in `db` (which must be the revision these sets were made for).
    /// Cost: a lookup if cached; else O(postings) decoding, checking `budget` as it goes.
    DocSet get(const Xapian::Database& db, const std::string& term, BudgetCheck& budget);

    /// Whether the bitmap of frequent `term` is cached now (no effect on the eviction
    /// order). Thread-safe.
    bool contains(const std::string& term) const { return lru_.contains(term); }

    /// For tests and the debug output: cached frequent terms and their bytes, rare ones.
    std::size_t cached_terms() const { return lru_.size(); }
    std::size_t cached_bytes() const { return lru_.bytes(); }
    std::size_t cached_rare_terms() const { return rare_.size(); }
    std::size_t cached_rare_bytes() const { return rare_.bytes(); }
    /// The bound of cached_bytes() (the least recently used are dropped past it).
    std::size_t capacity() const { return lru_.capacity(); }

  private:
    static constexpr std::size_t kMaxFreqs = std::size_t{1} << 16;

    TermLru<Roaring> lru_;
    TermLru<Roaring> rare_;
    std::mutex freqs_mu_;
    std::unordered_map<std::string, Xapian::doccount> freqs_;
};

/// Decodes `term`'s postlist into a bitmap (no cache). Cost: O(postings).
Roaring decode_postings(const Xapian::Database& db, const std::string& term, BudgetCheck& budget);

}  // namespace cardex::query
