#pragma once
// Phrases and NEAR anywhere in a query, answered from the generation's position store.
//
// The phrase path (phrases.h) checks the phrases a query requires on the store. Everything
// else positional went through Xapian's positional postlists, which read Xapian's position
// table card by card (12 µs a card, against 0.1 µs on the store; docs/PERFORMANCE.md): a
// phrase under OR or NOT (`"new york" OR nyc`, `bert -"fill mask"`) in the rankings and in
// a match set the bitmaps cannot make (matchset.cpp makes the others' from the bitmaps), the
// exhaustive ranking, and windows and NEAR (which cardex's parser does not make:
// query_builder.cpp, without_proximity_operators; a Xapian query built otherwise may hold
// them). on_store rewrites each such node whose words are plain terms as
//
//     FILTER(AND(words), source)
//
// The AND weighs exactly what the phrase weighs (Xapian 1.4 builds a phrase as a select over
// the AND of its words, phrasepostlist.cc; query_builder.h, without_required_phrases, relies
// on the same fact), and the source, of weight 0, matches the cards whose positions hold the
// phrase: on the store for the cards it covers that no IndexWriter rewrote since the reindex
// (kTermLivePositions), through Xapian's position lists for the others, and for all of them
// once a stream of the store is found malformed. Inside Xapian's AND the source is asked
// card by card (PostingSource::check) only for cards holding every other part of the AND.
//
// This is also the half of issue #16's plan that a build without Xapian's positions needs:
// after the rewrite no query on a store-covered card reads Xapian's position table. Until
// then a node the rewrite cannot rebuild (a positional node under SCALE_WEIGHT or
// ELITE_SET, whose parameters Xapian 1.4's Query does not expose, or under SYNONYM, where a
// phrase's wdf is not its AND's) stays Xapian's.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <xapian.h>

#include "budget.h"
#include "cardex/index/pairs.h"
#include "cardex/index/positions.h"

namespace cardex::query {

/// Thrown from inside a search (a posting source, a match decider) when the position store
/// of a generation that keeps its cards' positions nowhere else (kMetaXapianPositions) is
/// found damaged: no answer can be given for a phrase. The searcher turns it into
/// Errc::DataLoss.
struct PositionsLost : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// What the positional sources of one search share. One thread: the counters are plain.
struct PositionalContext {
    const cardex::index::PositionStore* store = nullptr;  ///< null: Xapian's positions only
    /// The store's pair filter (index/pairs.h), or null: none, or not built from `store`.
    /// PhraseChecker rejects a card its block rules out without reading positions.
    const cardex::index::PairFilter* pairs = nullptr;
    /// The database the store belongs to (Database::get_uuid): in a search of several
    /// databases (the public one and private ones), Xapian initialises a source once per
    /// database with that database's own docids (queryinternal.cc, ExternalPostList), and
    /// only the store's reads it.
    std::string uuid;
    /// The store is the only place the cards it covers have positions: a damaged stream
    /// throws PositionsLost instead of falling back to Xapian.
    bool required = false;
    std::vector<std::uint32_t> rewritten;  ///< ascending: the kTermLivePositions docids
    const Budget* budget = nullptr;        ///< checked as cards are rejected; null: none
    std::uint64_t store_checks = 0;        ///< cards checked on the store
    std::uint64_t xapian_checks = 0;       ///< cards checked through Xapian
    std::uint64_t pair_rejects = 0;        ///< cards the pair filter ruled out (PhraseChecker)
};

/// Whether card `d`'s positions are read from `ctx`'s store: it has one, the store covers
/// `d`, and no IndexWriter rewrote `d` since the reindex (the others go through Xapian's
/// position lists). Shared by PositionalSource and PhraseChecker (phrases.h) so that both
/// read the same card from the same place. Cost: a binary search of `ctx.rewritten`.
bool reads_store(const PositionalContext& ctx, std::uint32_t d);

/// The pair filter at `path` when it was built from the store tagged `store_tag`, else null
/// (none, or damaged: phrases are then checked on the store alone, with the same answers).
/// One copy per file in the process, shared by every searcher while one holds it. Cost: the
/// first call for a file reads and checks it (a CRC of every byte: about 0.1 s at 1M
/// cards); later ones a map lookup. Thread-safe.
std::shared_ptr<const cardex::index::PairFilter> shared_pair_filter(const std::string& path,
                                                                    const std::string& store_tag);

/// The context for searching with `store` (may be null), the store of `db` (the
/// generation's public database), under `budget` (may be null). Cost: reading the
/// rewritten cards' docids (one postlist, empty after a reindex).
std::shared_ptr<PositionalContext> positional_context(const Xapian::Database& db,
                                                      const cardex::index::PositionStore* store,
                                                      const Budget* budget);

/// `q` with every PHRASE and NEAR of plain terms made FILTER(AND(words), source) (see the
/// header comment); the same query object when `q` holds none. For `ctx`'s database, alone
/// or with others (each source reads the store only inside the store's own database);
/// `ctx`, its store and its budget must outlive its use.
/// Cost: a walk of the query tree.
Xapian::Query on_store(const Xapian::Query& q, const std::shared_ptr<PositionalContext>& ctx);

/// Positional operators as Xapian 1.4 defines them (phrasepostlist.cc, nearpostlist.cc).
enum class Positional {
    InOrder,  ///< PHRASE: positions p0 < p1 < ... of the terms in order, p_last - p0 < window
    Near,     ///< NEAR: distinct positions of every term, any order, max - min < window
};

/// Whether a card with `pos[i]` the positions (ascending) of `terms[i]` matches. A term
/// listed twice needs two distinct positions. Cost: O(positions x terms).
bool positions_match(Positional kind,
                     std::uint32_t window,
                     const std::vector<std::string>& terms,
                     const std::vector<std::vector<std::uint32_t>>& pos);

}  // namespace cardex::query
