#pragma once
// Phrase queries whose words are common: a total that stops at a bound, and an exact top page.
//
// Xapian checks a phrase by reading positions for every card that holds all its words
// (0.34-0.54 µs a card, docs/PERFORMANCE.md), so `"https huggingface"` at 1M cards (707,000
// cards with both words) took 0.4 s for its exact total and facet counts alone. Elasticsearch
// stops counting at `track_total_hits` (10,000) and says `"relation": "gte"`; cardex does the
// same for phrases only (docs/PERFORMANCE.md, "Phrases with a bounded total"):
//
// - the cards holding every word come from the bitmaps (matchset.h), filtered on the columns;
// - if there are at most SearchRequest::phrase_check_limit of them, the phrase is checked on
//   each (exact, as before);
// - if at most `limit` of them pass the filters, the phrase is checked on all of those (the
//   total and the page exact) and on at most `limit` of the others, which only a filtered
//   facet's disjunctive counts need (then SearchResponse::counts_exact may be false);
// - else on the first `limit` in docid order (= the most downloaded ones in a reindexed
//   index), doubled until the page would fill, and the total and facet counts are those of
//   that prefix: lower bounds, with SearchResponse::total_exact false and an estimate scaled
//   up (check_phrases);
// - the page stays exact: the ranking runs over every candidate with the phrase made an AND of
//   its words (the same weights: query_builder.h, without_required_phrases), and a match
//   decider accepts a card from the prefix if the pass kept it, and a later one if it passes
//   the filters and holds the phrase. Xapian calls the decider only for a card whose weight
//   can enter the page (multimatch.cc: the weight check comes first), so positions are read
//   for a few cards past the prefix, not for all of them.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <xapian.h>

#include "budget.h"
#include "cardex/index/positions.h"
#include "pass.h"
#include "positional.h"

namespace cardex::query {

/// One exact phrase: its terms in order (prefixed terms as indexed, unstemmed).
using Phrase = std::vector<std::string>;

/// The phrases `q` requires (those without_required_phrases makes ANDs), when every phrase
/// `q` holds is required, exact (window = its length) and made of plain terms, and nothing
/// else in `q` needs positions (NEAR, a phrase under OR or NOT); nullopt otherwise, and an
/// empty list when `q` holds no phrase. Cost: a walk of the query tree.
std::optional<std::vector<Phrase>> required_phrases(const Xapian::Query& q);

/// Whether document `d` holds every phrase. Cost: one position list read per term and
/// phrase (about 12 µs a card through Xapian's public API, measured at 100k cards; reading
/// them through posting iterators kept from card to card costs the same, 9-13 µs at 1M).
bool holds_phrases(const Xapian::Database& db, Xapian::docid d, const std::vector<Phrase>& phrases);

/// Checks phrases card by card: on the generation's position store (index/positions.h) for
/// the cards `ctx` says it holds (reads_store: covered, and not rewritten by an IndexWriter
/// since the reindex), through Xapian's position lists for the others (holds_phrases). A
/// store found malformed is left for Xapian from then on. `ctx` null: no store, every card
/// through Xapian. With the store's pair filter (ctx->pairs), a store card whose block
/// lacks a pair of adjacent frequent words of a phrase is rejected unread: the answers are
/// the same, without the positions of cards that cannot hold the phrase. Cost: about 0.1 µs
/// a card on the store (a cursor per word, moving forward), one filter test per block of
/// cards, 12 µs a card through Xapian. One thread; `db`, `ctx` and `phrases` must outlive it.
class PhraseChecker {
  public:
    PhraseChecker(const Xapian::Database& db,
                  const PositionalContext* ctx,
                  const std::vector<Phrase>& phrases);
    /// Whether card `d` holds every phrase. Fastest with ascending docids.
    bool holds(Xapian::docid d);
    /// Whether a store is in use (else every card goes through Xapian).
    bool has_store() const { return ctx_ != nullptr; }
    /// Cards checked on the store and through Xapian (for timings and tests).
    std::uint64_t store_checks() const { return store_checks_; }
    std::uint64_t xapian_checks() const { return xapian_checks_; }
    /// Cards of the store the pair filter ruled out (no positions read), and the phrase
    /// pairs it tests (both words frequent; none: the filter is not used).
    std::uint64_t pair_rejects() const { return pair_rejects_; }
    std::size_t pair_keys() const { return pair_keys_.size(); }

  private:
    const Xapian::Database& db_;
    const PositionalContext* ctx_;  // null once the store is found malformed
    const std::vector<Phrase>& phrases_;
    std::vector<std::vector<cardex::index::PositionStore::Cursor>> cursors_;  // per phrase
    std::vector<std::uint32_t> a_;
    std::vector<cardex::index::PhraseOrder> orders_;  // per phrase: its words' order, learnt
    std::uint64_t store_checks_ = 0, xapian_checks_ = 0, pair_rejects_ = 0;
    // The pair filter's keys of every phrase's adjacent frequent words, and its answer for
    // the block of the last card asked about (cards come in ascending order, a block's
    // together).
    std::vector<std::uint64_t> pair_keys_;
    std::uint32_t block_ = cardex::index::PairFilter::kNoBlock;
    bool block_known_ = false, block_may_ = true;
};

/// What check_phrases checked.
struct PhraseCheck {
    /// How many of the candidates, from the first, were checked; all of them when the
    /// passing ones were checked apart (the selective-filter case).
    std::size_t checked = 0;
    /// Every card that passes the filters was checked: the total and the page are exact.
    bool total_exact = false;
    /// Every candidate was checked: the facet counts are exact too.
    bool counts_exact = false;
};

/// Checks `q` (with its phrases) on some of `candidates` (ascending) through Xapian's
/// matcher, and puts the holders in `holders` (ascending). `passes` says whether a card
/// passes every filter (the other candidates count only in a filtered facet's other values).
/// - Few passing cards (at most `limit`, a selective filter): all of them, and at most
///   `limit` of the others (those only the disjunctive counts of a filtered facet need),
///   most downloaded first. The total and the page are exact; the counts may not be.
/// - Else a prefix: `limit` cards, doubled while fewer than `wanted` of its holders pass
///   (the page would not fill, and PhraseDecider would read positions for every later
///   candidate, at 24 times the matcher's cost a card), up to every candidate: a phrase few
///   cards hold costs what the exact path costs, never more.
/// `a` and `b` are scratch. With a `checker` on a store, cards are checked by it (the
/// candidates hold every word already, so the phrases are all that is left of `q`); without,
/// through Xapian's matcher on `q`. Cost: O(cards checked) position checks, plus
/// O(candidates) calls of `passes`; checks `budget`.
PhraseCheck check_phrases(const Xapian::Database& db,
                          PhraseChecker* checker,
                          const Xapian::Query& q,
                          const std::vector<std::uint32_t>& candidates,
                          std::size_t limit,
                          std::size_t wanted,
                          const std::function<bool(std::uint32_t)>& passes,
                          std::vector<std::uint32_t>& holders,
                          std::vector<std::uint32_t>& a,
                          std::vector<std::uint32_t>& b,
                          BudgetCheck& budget);

/// The decider of the ranking over every candidate (see the header comment). Docids up to
/// `checked_to` were checked by the pass: accepted if in `passing` (ascending). Later ones
/// are accepted if they pass `in`'s filters and hold the phrases (`checker`). Every
/// reference must outlive the get_mset calls it is given to. One thread.
class PhraseDecider : public Xapian::MatchDecider {
  public:
    PhraseDecider(PhraseChecker& checker,
                  const Columns& cols,
                  const PassInput& in,
                  const std::vector<std::uint32_t>& passing,
                  std::uint32_t checked_to)
        : checker_(checker), cols_(cols), in_(in), passing_(passing), checked_to_(checked_to) {}
    bool operator()(const Xapian::Document& doc) const override;
    /// The same decision for docid `d`.
    bool accepts(std::uint32_t d) const;
    /// Cards past the prefix whose positions were read (for timings and tests).
    std::uint64_t position_checks() const { return position_checks_; }

  private:
    PhraseChecker& checker_;
    const Columns& cols_;
    const PassInput& in_;
    const std::vector<std::uint32_t>& passing_;
    std::uint32_t checked_to_;
    mutable std::uint64_t position_checks_ = 0;
};

}  // namespace cardex::query
