#pragma once
// The record history that harvesters need (OAI-PMH, docs/GLAM.md): when each card's record
// last changed, and which cards were removed, and when.
//
// - Datestamps: every document carries in slot kSlotDatestamp the time cardex last changed
//   its record (Card::datestamp). IndexWriter::upsert stamps a card with the time of the
//   upsert unless the live document of that key has the same sha (then the old datestamp
//   stays); build_index does the same against the previous generation, so an unchanged card
//   keeps its datestamp across any number of reindexes.
// - Tombstones: a card removed by IndexWriter::remove, or absent from a reindex that
//   replaces a generation holding it, leaves a Tombstone in the metadata (key
//   kMetaTombstonePrefix + "type/id") of the database it was in: the public one, or its
//   namespace's private one (store.h). build_index copies every tombstone into the new
//   generation, so deletions are remembered with no time limit ("persistent" in OAI-PMH);
//   a card that comes back loses its tombstone.
// - key_hash: a 53-bit hash of "type/id" in slot kSlotKeyHash, exact as a double. Listings
//   sorted by it keep their order across reindexes (docids do not), so a harvest can resume
//   after a reindex from the last hash it saw.
//
// Thread-safety: the functions take the database they work on; Xapian objects are not
// thread-safe, so call them on the thread that owns it. Writes happen inside the caller's
// transaction (they only set metadata and read documents).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

#include "cardex/index/card.h"
#include "cardex/index/result.h"

namespace cardex::index {

/// Metadata keys of tombstones: this prefix, then "type/id".
inline constexpr std::string_view kMetaTombstonePrefix = "cardex:deleted:";

// key_hash() and record_key() are in card.h (they need no Xapian).

/// What a deleted card leaves behind, taken from its stored summary.
Tombstone tombstone_of(const Card& card, std::int64_t deleted_at);

/// Records a tombstone (replacing one of the same key). Cost: one metadata write.
void record_tombstone(Xapian::WritableDatabase& db, const Tombstone& t);
/// Forgets the tombstone of a key, if any (the card is back). Cost: one metadata lookup.
void clear_tombstone(Xapian::WritableDatabase& db, CardType type, std::string_view id);

/// The tombstone of a key, if it was deleted and has not come back.
std::optional<Tombstone> find_tombstone(const Xapian::Database& db,
                                        CardType type,
                                        std::string_view id);

/// Tombstones in key order, strictly after the record key `after` ("" from the first).
/// Reads at most `max_scan` entries: `last` is the last key read (resume after it), `end`
/// whether the list is exhausted. Entries that do not decode are skipped (and counted in
/// `skipped`), never fatal. Cost: O(max_scan) metadata reads.
struct TombstoneScan {
    std::vector<Tombstone> items;
    std::string last;
    bool end = false;
    std::size_t skipped = 0;
};
TombstoneScan scan_tombstones(const Xapian::Database& db,
                              std::string_view after,
                              std::size_t max_scan);

/// The datestamp `card` gets when written into `db` at time `now`: its own when it has one
/// (>= 0), the live document's when that has the same key and sha, else `now`. Cost: one
/// term lookup and one document value read.
std::int64_t carried_datestamp(const Xapian::Database& db, const Card& card, std::int64_t now);

/// What a new generation inherits from the one it replaces.
struct HistoryCarry {
    std::vector<Tombstone> tombstones;  ///< to write into the new generation
    std::size_t carried = 0;            ///< cards that kept their datestamp
    std::size_t stamped = 0;            ///< cards stamped `now` (new or changed)
    std::size_t dropped = 0;            ///< cards of the old generation absent from the new one
    bool previous_read = false;         ///< false: no previous generation (or not of this format)
};

/// carry_history card by card, for a build that never holds every card at once (store.h,
/// GenerationBuild): open() the previous generation, stamp() each card as it arrives, then
/// finish() with the test of which record keys the new generation holds. Not thread-safe;
/// movable. Holds the previous generation's databases open until destroyed.
class HistoryCarrier {
  public:
    /// `previous`: a generation's path, or "" for none. A missing previous generation, or
    /// one of another format version, carries nothing.
    static Result<HistoryCarrier> open(const std::string& previous, std::int64_t now);
    /// Sets the datestamp of a card that has none (carried_datestamp). Cost: one term lookup.
    Status stamp(Card& card);
    /// The tombstones of the new generation: the previous generation's, minus the cards that
    /// are back, plus its cards that are not (`kept(record_key(type, id))` says which are).
    /// Cost: one pass over the previous generation's keys and tombstones, and a summary
    /// decode per dropped card.
    Result<HistoryCarry> finish(const std::function<bool(std::string_view record)>& kept);

  private:
    std::string previous_;
    std::int64_t now_ = 0;
    std::optional<Xapian::Database> old_;
    // Where tombstones are: the public database's metadata, and each private database's for
    // its namespace's cards (a multi-database reads metadata from its first part only).
    std::vector<Xapian::Database> tombstone_dbs_;
    HistoryCarry carry_;
};

/// Stamps every card without a datestamp (kept from `previous`, a generation's path, when
/// unchanged, else `now`) and collects the tombstones of the new generation: the previous
/// generation's, minus the cards that are back, plus its cards that `cards` lacks. A missing
/// previous generation, or one of another format version, carries nothing. Cost: one term
/// lookup per card, one pass over the previous generation's keys and tombstones, and a
/// summary decode per dropped card.
Result<HistoryCarry> carry_history(const std::string& previous,
                                   std::vector<Card>& cards,
                                   std::int64_t now);

/// Writes tombstones into a database being built (before its commit).
void write_tombstones(Xapian::WritableDatabase& db, const std::vector<Tombstone>& tombstones);

}  // namespace cardex::index
