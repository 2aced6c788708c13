#pragma once
// Frequent terms' postings with their wdf in memory, weighed by BM25 exactly as Xapian does,
// so that the ranking of a text query does not decode glass postlists again (issue #15).
//
// Why: the pruned ranking visits the documents the pass found (a posting source over them)
// and Xapian's matcher moves every query term's postlist to each of them. Glass decodes a
// postlist chunk linearly on skip_to, so a term of 600,000 postings costs its whole decode
// (about 20 ns a posting, termsets.h) however few documents the ranking visits: at 1M cards
// "badge within information using" (15,864 matches) spent 60 ms ranking, 3.8 µs a match.
// Here a frequent term's docids and wdfs are decoded once per revision into arrays; the
// ranking reaches a document by a galloping search and weighs it with the document's length
// from a per-revision column.
//
// Exactness: ImpactSource returns, bit for bit, what Xapian's default BM25Weight returns for
// the same leaf (the formula of xapian-core 1.4.22's weight/bm25weight.cc, evaluated in the
// same order, compiled without floating-point contraction), so pages, scores and cursors are
// the same as through Xapian's own postlists (tests/integration/impacts_test.cpp). Only leaves
// whose weight is BM25 with factor 1 and wqf 1 are replaced; everything else (scaled or
// boolean subqueries, phrases, synonyms, wildcards, rare terms) is left to Xapian.
//
// Block-max: the postings are grouped in blocks of kBlock with the highest weight of each;
// when the matcher asks for a minimum weight (next/skip_to's min_wt: what the term must add
// for a document to still enter the page), whole blocks below it are skipped, and
// score_plan.h sums the blocks' bounds over a query's terms per window of documents. 32
// rather than 64: a phrase of common words ranked at 1M cards in 9.4 ms rather than 10.4
// (tighter windows), for a quarter byte a posting more.
//
// Memory is bounded per revision: 5.25 bytes a posting (docid, wdf capped into a byte with an
// overflow list, a block's best shape per 32 postings), least recently used terms dropped past
// kCacheBytes. Thread-safe; TermImpacts are immutable once built and shared.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <xapian.h>

#include "budget.h"
#include "term_lru.h"
#include "termsets.h"

namespace cardex::query {

/// Document lengths by docid (0 for docids without a document).
using DocLengths = std::vector<std::uint32_t>;

/// One term's postings: ascending docids and their wdfs.
struct TermImpacts {
    static constexpr std::size_t kBlock = 32;

    std::vector<std::uint32_t> docids;
    std::vector<std::uint8_t> wdf;                             ///< 255: look up `big`
    std::vector<std::pair<std::uint32_t, std::uint32_t>> big;  ///< (index, wdf), ascending
    /// The highest BM25 length shape (wdf / (k1 (normlen b + 1 - b) + wdf)) of each block
    /// and of the whole list: weights are the term's weight times the shape.
    std::vector<double> block_max;
    double max_shape = 0;

    std::uint32_t wdf_at(std::size_t i) const;
    std::size_t bytes() const;
};

/// The first index at or after `at` of ascending `ds` whose docid is at least `d`, galloping
/// from `at` (the documents a ranking visits are usually close together). Cost: O(log of the
/// distance moved).
inline std::size_t gallop(const std::vector<std::uint32_t>& ds, std::size_t at, std::uint32_t d) {
    if (at >= ds.size() || ds[at] >= d) return at;
    std::size_t lo = at, step = 1, hi = at + 1;
    while (hi < ds.size() && ds[hi] < d) {
        lo = hi;
        step *= 2;
        hi = lo + step;
    }
    hi = std::min(hi, ds.size());
    return static_cast<std::size_t>(
        std::lower_bound(ds.begin() + static_cast<std::ptrdiff_t>(lo + 1),
                         ds.begin() + static_cast<std::ptrdiff_t>(hi),
                         d) -
        ds.begin());
}

/// The BM25 length shape of a posting, as BM25Weight::get_sumpart computes it before
/// multiplying by the term weight.
double bm25_shape(std::uint32_t wdf, std::uint32_t doclength, double len_factor);

/// Decodes `term`'s postlist with the shapes its blocks need (no cache). Cost: O(postings),
/// checking `budget` as it goes.
TermImpacts decode_impacts(const Xapian::Database& db,
                           const std::string& term,
                           const DocLengths& lengths,
                           BudgetCheck& budget);

/// The document lengths of `db` by docid. Cost: one pass over the length list.
DocLengths read_doclengths(const Xapian::Database& db);

class ImpactCache {
  public:
    /// The default bound of one revision's cache, in bytes.
    static constexpr std::size_t kCacheBytes = std::size_t{256} << 20;

    explicit ImpactCache(std::size_t cache_bytes = kCacheBytes) : lru_(cache_bytes) {}

    /// `term`'s postings in `db` (the revision this cache is for), decoded now if not cached.
    /// Thread-safe. Cost: a lookup, or O(postings).
    std::shared_ptr<const TermImpacts> get(const Xapian::Database& db,
                                           const std::string& term,
                                           const DocLengths& lengths,
                                           BudgetCheck& budget) {
        return lru_.get(
            term,
            [&] { return decode_impacts(db, term, lengths, budget); },
            [](const TermImpacts& t) { return t.bytes(); });
    }

    /// Whether `term` is cached now (no effect on the eviction order).
    bool contains(const std::string& term) const { return lru_.contains(term); }
    std::size_t cached_terms() const { return lru_.size(); }
    std::size_t cached_bytes() const { return lru_.bytes(); }
    /// The bound of cached_bytes() (the least recently used are dropped past it).
    std::size_t capacity() const { return lru_.capacity(); }

  private:
    TermLru<TermImpacts> lru_;
};

/// A frequent term not yet decoded is decoded for a ranking when it has at most this many
/// postings per document the ranking visits. Glass moves a postlist to a document by its
/// chunk index and decodes from the chunk's start (a chunk holds a few hundred postings at 1M
/// cards), so with fewer visits than this Xapian decodes only part of the list, and a decode
/// here would cost more than it saves on this query. The same bound applies to the term
/// bitmaps a boolean subquery needs (boolean_bitmap).
inline constexpr std::uint64_t kImpactDecodeRatio = 64;

/// Whether a ranking that visits `candidates` documents weighs frequent `term` (`postings`
/// of them) from `cache`: cached already, or worth decoding now (kImpactDecodeRatio). The
/// one rule with_impacts and plan_scores (score_plan.h) share. Cost: a lookup.
inline bool weigh_from_cache(const ImpactCache& cache,
                             const std::string& term,
                             std::uint64_t postings,
                             std::uint64_t candidates) {
    return cache.contains(term) || postings <= kImpactDecodeRatio * candidates;
}

/// BM25Weight::init's term weight for a term of `termfreq` documents among `collection_size`,
/// of `wqf` in the query, scaled by `factor`, without a relevance set: bit for bit Xapian's.
double bm25_termweight(Xapian::doccount collection_size,
                       Xapian::doccount termfreq,
                       Xapian::termcount wqf,
                       double factor);

/// The weight of a FixedWeightPostingSource leaf, read from its description (Xapian 1.4 has
/// no accessor); nullopt for any other query.
std::optional<double> fixed_weight(const Xapian::Query& q);
/// Whether `q` is OP_SCALE_WEIGHT by 0: a subquery that matches and does not weigh.
bool scaled_to_zero(const Xapian::Query& q);
/// The factor of an OP_SCALE_WEIGHT, read from its description; nullopt for anything else.
std::optional<double> scale_factor(const Xapian::Query& q);
/// The term of a LEAF_TERM whose wqf is 1 (with or without a position); nullopt otherwise.
std::optional<std::string> plain_leaf(const Xapian::Query& q);

/// Boolean subqueries' documents computed in one query, by description (they recur: a word's
/// other forms in the text and again in a boost).
using BitmapMemo = std::unordered_map<std::string, std::optional<DocSet>>;

/// The documents of boolean subquery `q` from the term bitmaps (direct_bitmap, memoized in
/// `memo`), for a ranking that visits `candidates` documents: nullopt when `q` needs the
/// matcher, or when the frequent terms it would decode (not in `sets`) have more than
/// kImpactDecodeRatio postings per candidate. Cost: a cache lookup per term, and the set
/// operations (decoding what is not cached).
std::optional<DocSet> boolean_bitmap(const Xapian::Database& db,
                                     const Xapian::Query& q,
                                     TermSets& sets,
                                     std::uint32_t min_freq,
                                     std::uint64_t candidates,
                                     BudgetCheck& budget,
                                     BitmapMemo& memo);

/// `q` for a ranking that visits `candidates` documents, with
/// - each BM25 leaf of factor 1 and wqf 1 whose term is frequent (at least `min_freq`
///   documents) replaced by a posting source over its cached impacts, weighing exactly as the
///   leaf did;
/// - each subquery that only matches (the boolean side of FILTER and AND_NOT, a subquery
///   scaled by 0) or weighs a constant (FILTER(FixedWeightPostingSource, X)) replaced by a
///   source over its documents from the term bitmaps (matchset.h), weighing the same;
/// each only when its terms are cached or their postings are few beside `candidates`.
/// `db` must be one database (not several searched as one) of the revision `cache`, `sets`
/// and `lengths` are for, and the query must be weighed with Xapian's default BM25Weight.
/// `memo`, if given, is shared with other rewrites of the same query (plan_scores).
/// Cost: a cache lookup per term, and decoding what is replaced and not cached.
Xapian::Query with_impacts(const Xapian::Query& q,
                           const Xapian::Database& db,
                           ImpactCache& cache,
                           TermSets& sets,
                           const DocLengths& lengths,
                           std::uint32_t min_freq,
                           std::size_t candidates,
                           BudgetCheck& budget,
                           BitmapMemo* memo = nullptr);

}  // namespace cardex::query
