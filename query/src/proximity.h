#pragma once
// The second stage of a relevance ranking: the words of the query next to each other.
//
// BM25 weighs words, not their order: "digital humanities" stems to digit AND human, and a
// card about humanities that mentions digits somewhere ranks with one about digital
// humanities; "code generation" found its judged cards at rank 150 (docs/RELEVANCE.md,
// "Words next to each other"). Lucene and Elasticsearch answer this with a phrase clause that
// adds to the score (`match_phrase` in a `should`) or a rescore of the top hits; Xapian's
// matcher checks positions for every candidate of a phrase. cardex rescores a window: each of
// the first kProximityWindow hits of the first stage gains kProximityWeight times the share
// of the query's adjacent word pairs it holds as phrases (QueryParts::proximity: "legal
// documents dataset" has two pairs, a card holding "legal documents" gains half), and the
// window is sorted again. Below the window the first stage's order stands, so pages by
// offset or cursor see one order: the window is a function of the first stage's top hits,
// rescored the same way on every page that reaches into it (resume.h, relevance_after).
//
// The window also weighs each card's documentation (its quality score, index/quality.h):
// among cards the first stage scores alike (an organisation's hundred repositories, twenty
// copies of one model) a card with a README beats an empty one, which BM25's length
// normalisation otherwise puts first (docs/RELEVANCE.md, "Documentation in the second
// stage"). Europeana ranks by metadata completeness the same way. It is a prior, so it is here
// rather than in the first stage's prior: a documentation part there would stop the prior's
// bound from falling along the docids (query_builder.cpp, PriorSource), which is what lets a
// common word's ranking stop early at 1M cards (text p99 14 -> 25-32 ms when tried).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <xapian.h>

#include "positional.h"

namespace cardex::query {

/// How many of the first stage's hits are rescored. 30: the judged set's nDCG@10 0.809
/// (20: 0.807, 50: 0.809, 100: 0.810, 200: 0.811); the first stage then picks 30 hits
/// instead of a page's 11, 5% more ranking time at 1M cards where 100 cost 35-65%
/// (docs/PERFORMANCE.md, "The second stage at 1M cards").
inline constexpr std::size_t kProximityWindow = 30;
/// What a card holding every adjacent pair gains; a card holding some, its share of it.
/// 3 (window 100: 2: 0.809, 3: 0.810, 4: 0.810, 5: 0.809; the pairs' BM25 weight: 0.804).
inline constexpr double kProximityWeight = 3.0;

/// What a card of the window with quality score 100 gains, in the popularity prior's units
/// (log10 of downloads, index::popularity_prior), times the request's prior weight
/// (QueryParts::documented): a fully documented card weighs as an empty one with ten times
/// its downloads. 1: the judged set's nDCG@10 0.829 (0: 0.823, 0.5: 0.827, 2: 0.829, 3 and 5:
/// 0.830; docs/RELEVANCE.md).
inline constexpr double kDocumentedPrior = 1.0;

/// A ranking, best first: (docid, weight).
using Ranked = std::vector<std::pair<Xapian::docid, double>>;

/// What the second stage adds to a card of the window: `documented` (QueryParts::documented)
/// times the share of 100 its quality score is (`quality` < 0: never assessed, none).
double documentation_gain(int quality, double documented) noexcept;

/// What the second stage added to the cards of the window that gained, by docid.
struct WindowGains {
    Ranked proximity;      ///< adjacent pairs held
    Ranked documentation;  ///< documentation_gain
};

/// The ranks of the first stage a page reads: [first, first + count).
struct WindowRead {
    bool rescored = false;  ///< the page starts inside the window: read it from rank 0
    std::size_t first = 0;
    std::size_t count = 0;
};
/// For a page of the ranks [offset, end) of a query with a second stage (`second`: pairs or
/// documentation to weigh): a page starting inside the top kProximityWindow reads the whole
/// window (and the page), to be rescored and then cut from rank `offset` on; any other page
/// reads its own ranks.
inline WindowRead window_read(bool second, std::size_t offset, std::size_t end) noexcept {
    const bool rescored = second && offset < kProximityWindow;
    const std::size_t first = rescored ? 0 : offset;
    const std::size_t last = rescored && end < kProximityWindow ? kProximityWindow : end;
    return {rescored, first, last > first ? last - first : 0};
}

/// Rescores the first min(kProximityWindow, ranked.size()) entries of `ranked` (rank 0 on)
/// and sorts them again by (weight descending, docid ascending); the entries below stay as
/// they are. `pairs` is QueryParts::proximity, `documented` QueryParts::documented (none
/// and 0: nothing changes). `parts` are the databases searched as one, in order (one: the
/// public database alone; Xapian interleaves the docids of several), each asked about its
/// own cards; `ctx` (may be null) reads the first part's positions from the generation's
/// store (PhraseChecker, phrases.h). `quality` holds the searched database's kSlotQuality
/// values by docid (Columns::value; needed when `documented` > 0). `added`, if given, gets
/// what each entry gained. A store found damaged (PositionsLost) adds no pairs.
/// Cost: one phrase check per pair and card of the window (0.1 µs on the store, 12 µs
/// through Xapian's position lists).
void rescore_window(const std::vector<const Xapian::Database*>& parts,
                    const std::vector<std::vector<std::string>>& pairs,
                    double documented,
                    const std::vector<double>* quality,
                    const PositionalContext* ctx,
                    Ranked& ranked,
                    WindowGains* added = nullptr);

/// The same over remote shards joined as `all` (sharded.h), where the shards check the
/// phrases: one query of the pairs, restricted to the window's cards by their id terms
/// (one term list read per card), and each card's quality read from its document. Cost: that
/// query, kProximityWindow term lists and, with `documented`, as many documents.
void rescore_window_remote(const Xapian::Database& all,
                           const std::vector<std::vector<std::string>>& pairs,
                           double documented,
                           Ranked& ranked);

}  // namespace cardex::query
