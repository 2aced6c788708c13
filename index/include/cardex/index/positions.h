#pragma once
// The position store: every positional term's positions, per term in docid order, in one
// file beside a generation's Xapian tables (kPositionsFile). A phrase of common words is
// checked on it with one cursor per word that skips to each candidate, instead of one
// B-tree lookup per (term, card) in glass's position table: 0.09 against 0.55 µs a
// candidate at 1M cards, in a third of the bytes (docs/PERFORMANCE.md, "A position store of
// our own"). Xapian keeps its own positions too: the store is what the required-phrase path
// reads (query/src/phrases.h) and every positional query of the generation
// (query/src/positional.h). A reindex writes positions to the store only
// (kMetaXapianPositions): Xapian's position table then holds only what IndexWriter adds
// later, unless BuildOptions::xapian_positions keeps both (read replicas, which
// xapian-replicate fills with Xapian's tables alone).
//
// Built by a reindex, where each segment writes a file for its docids (PositionCollector)
// and the two-level merge concatenates them (merge_position_files), and by renumber_index
// (store.h), which writes one for the new docids of a store-only generation. Documents written
// later by IndexWriter carry kTermLivePositions: their docids may be ones the store has stale
// positions for (replace_document keeps a docid), so readers never use the store for them.
//
// File layout (little-endian; docs/ARCHITECTURE.md "What is on disk"):
//   header, 64 bytes: magic "CDXPOSv1" (the same in every version), u32 version (2; 1 is
//     still read and merged), u32 header CRC-32 (of the header with this field zero), u32
//     first docid, u32 last docid (the docids covered, inclusive), u64 term count, u64
//     offset of the term entries, u64 offset of the term names, u64 file size, u32 CRC-32
//     of every byte after the header, u32 zero;
//   term sections, each: u32 skip count, u32 cards, u32 last card, then the skips (u32
//     first card, u32 card before it, u32 byte offset in the stream), then the stream: per
//     card, a varint of (card delta << 1 | 1 if it has more than one position), for more
//     than one a varint of their byte length, then the position deltas as varints.
//     (Version 1: varint card delta, varint byte length of the positions, the deltas.)
//   term entries, sorted by name: u64 name offset (from the names' offset), u64 section
//     offset, u32 name length, u32 section length;
//   term names, back to back.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/result.h"

namespace Xapian {
class Document;
}

namespace cardex::index {
class DocumentBuilder;
}

namespace cardex::index {

/// The store's file name inside a generation directory.
inline constexpr std::string_view kPositionsFile = "positions.cdx";

/// One word's position in a card's text, its term by name: what renumber_index reads back
/// from a store to write another.
struct TermPosition {
    std::string term;
    std::uint32_t pos = 0;
};

/// One word's position in a card's text as DocumentBuilder records it for a store
/// (DocumentBuilder::set_collect_positions): its term by the number the builder gave it
/// (DocumentBuilder::term_name), so that a card's positions sort and group by a number and
/// the collector finds a term's stream by index, where strings cost about 7% of a reindex
/// (docs/PERFORMANCE.md, "Positions collected by term number").
struct NumberedPosition {
    std::uint32_t term = 0;
    std::uint32_t pos = 0;
};

/// One segment's positions, collected in memory as its documents are built, then written.
/// Memory: the encoded streams (about 1.3 KB a generated card) plus a map entry per term.
/// One thread.
class PositionCollector {
  public:
    PositionCollector();
    ~PositionCollector();
    PositionCollector(PositionCollector&&) noexcept;
    PositionCollector& operator=(PositionCollector&&) noexcept;

    /// Starts a new file's worth: nothing collected, docids from `first_docid` on.
    void reset(std::uint32_t first_docid);
    /// Adds the positions of every term of `doc` that has some, as docid `docid`: the next
    /// docid after the previous call's (or first_docid). Cost: one walk of the document's
    /// terms and positions.
    void add(std::uint32_t docid, const Xapian::Document& doc);
    /// The same from the first `count` of `sorted`, a card's positions sorted by term, then
    /// position, for a document that holds none of its own. Cost: one walk of `sorted`, a
    /// hash lookup per term.
    void add(std::uint32_t docid, const std::vector<TermPosition>& sorted, std::size_t count);
    /// The same from the card `builder` built last (its positions() and term names), for a
    /// document that holds none of its own. Cost: one walk of the positions, an array
    /// lookup per term, and a hash lookup per term met first since reset() or since the
    /// builder's numbering restarted.
    void add(std::uint32_t docid, const DocumentBuilder& builder);
    /// Writes the file (the docids from first_docid to the last added, or none) and clears
    /// the collection. Errors: Errc::Internal naming `path` when it cannot be written.
    Status write(const std::string& path);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Merges store files whose docid ranges follow one another, in `inputs`' order, into
/// `output`: each term's streams are concatenated (only the first card's delta of each is
/// rewritten), and so are their skip entries: the same cards split into other files merge
/// into a store of the same content, not of the same bytes. The output has the inputs'
/// version. Memory: one term's section at a time, and at most 4 MB of each input's mapping
/// behind the reading point (the pages read are dropped as it goes: the page cache keeps them).
/// Every input's CRC is checked first (streams are copied undecoded, and the output's CRC
/// covers what was copied). Errors: an input that cannot be read, is malformed or fails its
/// CRC (Errc::DataLoss naming it), ranges that do not follow one another,
/// inputs of different versions, an output that is one of the inputs, or an output that cannot
/// be written; an output it created is removed then.
Status merge_position_files(const std::vector<std::string>& inputs, const std::string& output);

/// A store file, mapped read-only. Immutable once open: any number of threads may read it
/// at once (cursors are per thread). Opening checks the header (its CRC, the file's size,
/// that the entry table lies inside the file): cost O(1). Each entry is checked when it is
/// used, the streams as they are decoded (a malformed one reads as corrupt, never past its
/// section); verify() checks every byte.
class PositionStore {
  public:
    struct Impl;
    /// Opens `path`. Errors: Errc::NotFound when it does not exist; Errc::DataLoss (naming
    /// the path and what is wrong) when its header or entries are not a store's.
    static Result<std::shared_ptr<const PositionStore>> open(const std::string& path);
    ~PositionStore();

    /// Docids covered: every card from first to last docid had its positions collected.
    std::uint32_t first_docid() const;
    std::uint32_t last_docid() const;
    bool covers(std::uint32_t docid) const {
        return docid >= first_docid() && docid <= last_docid();
    }
    std::uint64_t term_count() const;
    /// Names of the terms at least `min_cards` cards hold, in byte order (what the pair
    /// filter counts as frequent: pairs.h). Cost: a walk of the term entries and a read of
    /// each section's head. Errors: Errc::DataLoss naming the store when an entry or a
    /// section head lies outside the file.
    Result<std::vector<std::string>> frequent_terms(std::uint32_t min_cards) const;
    std::uint64_t file_bytes() const;
    /// Checks the CRC of the whole file. Cost: a read of every byte; the pages read are
    /// dropped from the process as it goes (the page cache keeps them).
    Status verify() const;
    /// What the build records in the generation's metadata (kMetaPositions): the file's
    /// size and body CRC as the header gives them. A reader compares the two before using
    /// the store, so a store copied from another generation is never trusted.
    std::string tag() const;

    /// Positions of one term, card by card. Not thread-safe; the store must outlive it.
    class Cursor {
      public:
        /// A cursor on `term`'s stream; one that finds no card when the store has no such
        /// term. Cost: a binary search of the term entries.
        Cursor(const PositionStore& store, std::string_view term);
        /// Moves to the first card >= `docid` (backwards too); false past the last card.
        /// Cost: a galloping search of the skips ahead of the cursor (none when the card is
        /// within the current 64), then at most 64 entries' headers.
        bool seek(std::uint32_t docid);
        /// The card the cursor is on (after a seek that returned true).
        std::uint32_t card() const { return card_; }
        /// The bytes of its positions (a cheap proxy for how many there are).
        std::uint32_t length() const { return length_; }
        /// Its positions, ascending. False when they are malformed.
        bool positions(std::vector<std::uint32_t>& out) const;
        /// Keeps the `starts` s (ascending) with s + `offset` among its positions, decoding
        /// them only as far as the last start needs. False when what was read is malformed
        /// (a malformation past that point goes unseen). Cost: O(starts + positions read).
        bool keep_followed(std::vector<std::uint32_t>& starts, std::uint32_t offset) const;
        /// The term's stream bytes per card it is in (0 for a term the store lacks): what a
        /// card's positions cost to decode on average, to choose which word of a phrase to
        /// decode first (store_holds_phrase).
        double bytes_per_card() const;
        /// A decoding error was met: what was read may be wrong.
        bool corrupt() const { return corrupt_; }

      private:
        const unsigned char* skips_ = nullptr;  // skip entries, 12 bytes each
        std::uint32_t skip_count_ = 0;
        std::uint32_t cards_ = 0;               // cards in the stream
        std::uint32_t skip_next_ = 0;           // skips before it start at or before p_'s card
        const unsigned char* begin_ = nullptr;  // the stream
        const unsigned char* end_ = nullptr;
        const unsigned char* p_ = nullptr;  // the next entry to decode
        const unsigned char* positions_ = nullptr;
        std::uint32_t length_ = 0;
        std::uint32_t card_ = 0;  // the card of the last entry decoded
        std::uint32_t prev_ = 0;  // the card before it
        bool have_ = false;       // the cursor is on an entry (the last decoded)
        bool corrupt_ = false;
        bool lengths_ = false;  // a version-1 store: entries give their positions' length

        bool next_v1(std::uint32_t& delta, std::uint32_t& length);
        bool next_v2(std::uint32_t& delta, std::uint32_t& length);
    };

  private:
    friend Status merge_position_files(const std::vector<std::string>&, const std::string&);
    explicit PositionStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// The order store_holds_phrase checks a phrase's words in on one card after another,
/// learnt as it goes. The word whose cards cost the fewest bytes comes first: its positions
/// give the phrase's possible starts. The others follow by how many cards each rejected
/// (halved every kResortEvery cards, so the order follows the docids' stretch), and a
/// word after the one that rejects a card is not sought for that card at all: its cursor
/// stays behind and skips ahead when next needed. A phrase such as `"reference https
/// huggingface"` on cards where `reference` is never just before `https` then never walks
/// the stream of `huggingface` (750,000 cards at 1M; docs/PERFORMANCE.md, "Phrase words
/// checked in a learnt order"). One per phrase, with its cursors; empty until the first
/// call. Any order gives the same answers: it only moves work.
struct PhraseOrder {
    static constexpr std::uint32_t kResortEvery = 64;
    std::vector<std::uint32_t> terms;    ///< indexes into the cursors, in the order checked
    std::vector<std::uint32_t> rejects;  ///< by cursor index: cards it rejected lately
    std::uint32_t until_resort = 0;
};

/// Whether docid `docid`'s positions of `phrase` (terms in order) hold the phrase: some
/// position p >= 1 of the first term with p + i a position of term i (cardex documents
/// number positions from 1). `cursors` holds one cursor per term, reused across calls in
/// ascending docid order (seek also goes back), checked in `order` (see PhraseOrder: only
/// as many cursors are moved as it takes to reject the card). `a` is scratch.
/// Returns false when a term has no positions in that card; sets `corrupt` when a stream
/// read is malformed (the answer is then not to be trusted). Cost: the seeks and decoding
/// of the words checked, about 0.1 µs a card for three common words at 1M cards.
bool store_holds_phrase(std::vector<PositionStore::Cursor>& cursors,
                        std::uint32_t docid,
                        std::vector<std::uint32_t>& a,
                        bool& corrupt,
                        PhraseOrder& order);

/// The same with an order of its own for this one card (the cheapest word first).
bool store_holds_phrase(std::vector<PositionStore::Cursor>& cursors,
                        std::uint32_t docid,
                        std::vector<std::uint32_t>& a,
                        bool& corrupt);

}  // namespace cardex::index
