#pragma once
// Warming a generation before searchers move to it (issue #15).
//
// Everything searches read besides Xapian's own files (facet and value columns, kept counts,
// sort orders; columns.h) is built from a revision on first use. At 1M cards that is ~3.5 s
// for the four facets a results page counts: the first search after a server starts or after
// a reindex swaps generations paid it and ran past its deadline (503). A server therefore
// warms each new generation on a thread of its own (Searcher::warm) and, until that is done,
// keeps its searchers on the generation they have open (Searcher::refresh asks may_switch).
// The gate is process-wide and per index directory; without hold_until_warm nothing waits
// (the CLI, tests, embedders). Thread-safe.
#include <cstddef>
#include <string>

#include <xapian.h>

#include "columns.h"
#include "lexicon.h"

namespace cardex::query {

/// From now on Searchers of `dir` move to a new generation only once it is marked warm.
void hold_until_warm(const std::string& dir);

/// `generation` of `dir` is warm: Searchers may move to it.
void mark_warm(const std::string& dir, const std::string& generation);

/// Whether a Searcher of `dir` may move to `generation` (not held, or marked warm).
bool may_switch(const std::string& dir, const std::string& generation);

/// Builds every facet column with its kept counts, the model tree, the prior column and every
/// sort order of `db`'s snapshot in `cols`. Cost: O(cards × facets), seconds at 1M cards.
void warm_columns(const Xapian::Database& db, Columns& cols);

/// What warm_terms decoded.
struct TermWarmth {
    std::size_t words = 0;         ///< words whose searches' postings were decoded
    std::size_t bitmap_bytes = 0;  ///< the term bitmaps cache afterwards (termsets.h)
    std::size_t impact_bytes = 0;  ///< the ranking's postings cache afterwards (impacts.h)
};

/// The most words warm_terms decodes.
inline constexpr std::size_t kWarmWords = 1024;

/// Decodes what one-word searches of the most frequent words of `lexicon`'s spelling
/// vocabulary read besides the columns: the bitmaps of their match sets' terms and the
/// cached postings their rankings weigh (as a ranking over every card holding the word
/// would), most frequent word first, at most kWarmWords words, only words at least
/// TermSets::min_freq cards hold; each cache of `cols` is filled while it holds less than
/// `share` of its bound, and warming stops once neither does.
/// Why: those are the words most queries hold, and decoding one at 1M cards (0.5-0.9M
/// postings, about 20 ns each, into a bitmap and again with its wdfs) cost the first query
/// that held it about 15-35 ms; the warmer pays it before the generation is served instead. The
/// caches stay least-recently-used: words nobody searches are dropped as others come in.
/// `db` must be one database of the revision `cols` is for. Xapian errors propagate. Cost:
/// O(postings decoded), bounded by the caches' shares (at 1M cards 4.5 s: 989 words, 230 MB).
TermWarmth warm_terms(const Xapian::Database& db,
                      Columns& cols,
                      const Lexicon& lexicon,
                      double share = 0.5);

}  // namespace cardex::query
