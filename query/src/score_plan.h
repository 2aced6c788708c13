#pragma once
// A relevance ranking's first page chosen outside Xapian's matcher, then ranked by Xapian
// (issue #15).
//
// Why: a ranking restricted to the documents the pass found (searcher.cpp) visits each of
// them through Xapian's matcher, about 0.7 µs a document at 1M cards even with every term
// cached (impacts.h): a four-word query is about sixteen posting sources (each word, its
// other forms, the boosts' bitmaps, the prior), each moved to the document and asked for its
// weight through virtual calls, under a tree of OR, AND and AND_MAYBE postlists. And the
// matcher cannot skip much of a query of several words: inside its AND each word is asked for
// the page's lowest weight minus every other part's bound (multiandpostlist.h), below zero
// unless one word alone could fill the page, so the per-term block maxima of ImpactSource
// prune nothing. A phrase's page is flat (no title boost lifts its best cards): measured at
// 1M cards, `"check out the"` ranked all 259,492 candidates, 27 ms.
//
// Here the same query is a flat tree over the same cached postings and bitmaps and the
// prior column, evaluated document by document, and skipped a window of documents at a
// time (block-max WAND over docid windows): a window's bound sums, over the whole tree, each
// term's highest block weight among the blocks of postings in the window, each bitmap's
// weight if it has a document there, and the prior's bound from the window's first
// document. A window whose bound cannot reach the page is skipped whole. Measured on the
// same query: 9.4 ms (with blocks of 64 postings and windows of 128 docids, 85,404 of the
// 259,492 candidates were scored, in 10.2 ms).
//
// Exactness: the sums here are Xapian's per-leaf weights added in another order, so they
// may differ from Xapian's in the last bits; the page is still Xapian's own. If every
// document's sum here is within eps of Xapian's (eps bounds the rounding of sums of at most
// a few hundred non-negative terms, with a wide margin), and theta is the k-th largest sum
// here among the accepted documents, then Xapian's top k are among the accepted documents
// whose sum here is at least theta - 2 eps: the k documents at or above theta have Xapian
// weights >= theta - eps, so each of Xapian's top k does too, and its sum here is
// >= theta - 2 eps. choose_documents keeps exactly those (near-ties included), and Xapian
// then ranks them as it would have ranked all of them (its weights, its tie order), so the
// page, the weights and the cursors are the same. A window's bound is at least the sum of
// each of its documents (the same tree of additions over parts each at least the
// document's: IEEE addition and multiplication by a non-negative factor are monotonic), so
// no skipped document could be kept (tests/query/score_plan_test.cpp against brute force;
// the ranking equivalence tests in tests/integration/ranking_test.cpp on the real cards).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <xapian.h>

#include "budget.h"
#include "columns.h"
#include "impacts.h"
#include "termsets.h"

namespace cardex::query {

/// The ranking chooses its documents here when it visits at least this many: below, the
/// plan costs more than the matcher's visits it saves.
inline constexpr std::size_t kChooseFrom = 256;

/// A ranked query as a flat tree of cached postings, bitmaps and the prior column.
/// Immutable once built; one query's, used by one thread.
struct ScorePlan {
    enum class Kind : std::uint8_t {
        And,       ///< every child matches; weight: their sum
        Or,        ///< some child matches; weight: the matching ones' sum
        AndMaybe,  ///< the first child matches; weight: it plus the other matching ones
        Filter,    ///< every child matches; weight: the first's
        AndNot,    ///< the first matches and no other; weight: the first's
        Scale,     ///< the child, its weight times `factor`
        Impact,    ///< a term's postings: BM25 with term weight `factor`
        Bitmap,    ///< a bitmap's documents, each weighing `factor`
        Prior,     ///< the prior column: documents with an entry >= 0, weighing it
        All,       ///< every document evaluated (the ranking's own restriction)
        None,      ///< no document
    };
    struct Node {
        Kind kind = Kind::None;
        double factor = 0;
        std::uint32_t first = 0;  ///< first child in `kids`
        std::uint32_t count = 0;  ///< children
        std::uint32_t leaf = 0;   ///< Impact: index in `impacts`; Bitmap: in `bitmaps`
    };
    std::vector<Node> nodes;  ///< children before parents; the root is the last
    std::vector<std::uint32_t> kids;
    std::vector<std::shared_ptr<const TermImpacts>> impacts;
    std::vector<DocSet> bitmaps;
    const ValueColumn* prior = nullptr;
    double prior_max = 0;  ///< the prior's bound (the value slot's upper bound)
    const DocLengths* lengths = nullptr;
    double len_factor = 0;

    /// Appends a node over `children` (already added) and returns its index.
    std::uint32_t add(Kind kind,
                      double factor,
                      std::uint32_t leaf,
                      const std::vector<std::uint32_t>& children);
};

/// The plan of ranked query `q` (QueryParts::ranked over FILTER(text, docid_set_source)),
/// for a ranking that visits `candidates` documents, built from `cache` and `sets` as
/// with_impacts would (the same admission of frequent terms; rare terms decoded here, not
/// cached) and `memo` (shared with the with_impacts of the same query). Nullopt when some
/// part cannot be evaluated here (a synonym, a wildcard, a term of wqf other than 1, a
/// frequent term not worth decoding for so few documents, an unknown posting source): the
/// caller lets Xapian rank. `prior` is the column the query's prior source reads. Cost: a
/// walk of the query, a cache lookup per term, decoding what is not cached.
std::optional<ScorePlan> plan_scores(const Xapian::Query& q,
                                     const Xapian::Database& db,
                                     ImpactCache& cache,
                                     TermSets& sets,
                                     const DocLengths& lengths,
                                     const ValueColumn* prior,
                                     std::uint32_t min_freq,
                                     std::size_t candidates,
                                     BudgetCheck& budget,
                                     BitmapMemo& memo);

/// What choose_documents did, for timings and tests.
struct ChooseStats {
    std::size_t scored = 0;    ///< documents whose weight was summed
    std::size_t accepted = 0;  ///< of those, `accept`ed (all of them without `accept`)
    bool stopped_early = false;
    std::size_t windows = 0;          ///< windows whose bound could reach the page
    std::size_t windows_skipped = 0;  ///< windows skipped whole
};

/// Fills `out` (ascending) with the documents among `docs` (ascending, each evaluated on
/// `plan`) that can be in the top `k` by Xapian's weights (see the header comment), among
/// those `accept` takes (null: all; it is asked only about documents whose weight could
/// enter the top k). With `prior_falls` (docids in descending prior order, as
/// QueryParts::prior_falls), stops once no later document can enter. Once k documents are
/// kept, skips each window of documents whose bound cannot reach the page. Cost: O(|docs| x
/// plan size) at most, a gallop or bitmap step per leaf; a window's bound costs about as
/// much as a document; checks `budget`. `plan` is read only (thread-safe on a shared plan).
ChooseStats choose_documents(const ScorePlan& plan,
                             const std::vector<std::uint32_t>& docs,
                             std::size_t k,
                             const std::function<bool(std::uint32_t)>* accept,
                             bool prior_falls,
                             std::vector<std::uint32_t>& out,
                             BudgetCheck& budget);

}  // namespace cardex::query
