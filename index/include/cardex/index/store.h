#pragma once
// Opening an index directory and building a new generation of it.
//
// Layout: DIR/XAPIANDB is a Xapian stub ("auto gen-000007") naming the live generation;
// DIR/gen-NNNNNN are complete, compacted Xapian databases of the public cards, each with
// gen-NNNNNN/private/<name>/ beside its tables: one Xapian database per namespace that has
// private cards (<name> is the namespace's bytes in hex, "_" for the empty namespace).
// DIR/build-* are builds under way.
//
// Private cards live apart so that what a caller may not see never shapes an answer: an
// anonymous search opens the public database alone, so its BM25 statistics, spelling and
// counts are public ones by construction; a caller allowed namespace N searches the public
// database together with N's (Xapian sums the statistics of the databases searched).
// A reindex builds a new generation beside the live one and switches the stub with an
// atomic rename, so readers never see a half-built index. Xapian tools (xapian-delve DIR)
// open DIR through the stub too.
//
// Threads: Xapian objects are not thread-safe. Open one Database per thread; at most one
// writer per index (Xapian's lock enforces it).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <xapian.h>

#include "cardex/index/card.h"
#include "cardex/index/positions.h"
#include "cardex/index/result.h"
#include "cardex/index/summary.h"
#include "cardex/index/typo.h"
#include "cardex/index/vocabulary.h"
#include "cardex/index/writer_lock.h"

namespace cardex::index {

/// The path of the live generation of an index directory. NotFound if DIR has no index.
Result<std::string> live_generation(const std::string& dir);

/// A reader's pin on one generation: a shared flock on `gen-N/reader.lock`. While any
/// reader (in any process) pins a generation, no writer deletes it; a writer removes only the
/// generations it can lock exclusively (see remove_unpinned_generations). The kernel drops
/// the pin when the process dies. Move-only; releasing is closing the descriptor.
///
/// The same file also carries revision holds. Glass keeps the revision before the newest
/// readable through one more commit only: the commit after that reuses its blocks and a
/// reader still on it gets DatabaseModifiedError. So while a reader runs a request on
/// revision R it holds a read lock (an OFD byte-range lock, one per open file description)
/// on byte R % kRevisionSlots of the file, and a writer about to make the commit that
/// recycles R's blocks waits for those holds to end (wait_for_readers). Holds last one
/// request; a reader that waits longer than the writer's patience still gets
/// DatabaseModifiedError and re-runs on a fresh snapshot.
class GenerationPin {
public:
    static constexpr std::uint64_t kRevisionSlots = 64;

    GenerationPin() = default;
    explicit GenerationPin(int fd) : fd_(fd) {}
    GenerationPin(GenerationPin&& o) noexcept : fd_(o.fd_), held_revision_(o.held_revision_) {
        o.fd_ = -1;
        o.held_revision_ = kNone;
    }
    GenerationPin& operator=(GenerationPin&& o) noexcept;
    GenerationPin(const GenerationPin&) = delete;
    GenerationPin& operator=(const GenerationPin&) = delete;
    ~GenerationPin();
    /// False for a generation built before pins existed (it has no reader.lock).
    bool held() const { return fd_ >= 0; }

    /// Holds revision `rev` (see above) until release_revision() or another hold. No-op
    /// without a pin. Cost: one fcntl.
    void hold_revision(std::uint64_t rev) noexcept;
    void release_revision() noexcept;

private:
    static constexpr std::uint64_t kNone = ~std::uint64_t{0};
    int fd_ = -1;
    std::uint64_t held_revision_ = kNone;
};

/// Called by a writer of generation `generation` (a path) before the commit that makes
/// revision `committed + 1`: waits until no reader holds revision `committed - 1`, whose
/// blocks that commit may reuse, or until `patience` has passed. Returns whether readers
/// were still holding it when the patience ran out (they will re-run; nothing breaks).
bool wait_for_readers(const std::string& generation, std::uint64_t committed,
                      std::chrono::milliseconds patience);

/// The live generation, open read-only and pinned. Owns its Database: use it on one thread
/// at a time (Xapian objects are not thread-safe) and destroy it on any thread.
struct LiveReader {
    Xapian::Database db;
    std::string generation;  ///< path of the pinned generation
    GenerationPin pin;
};

/// Opens the live generation read-only, pinned, and checks its format version. A reindex
/// that switches the stub between our reading it and pinning is detected (the generation's
/// lock file is gone or replaced) and the open starts again from the new stub. Works on a
/// read-only index directory. Errors: NotFound (no index at DIR), FailedPrecondition (another
/// format version: reindex), DataLoss, Unavailable (the stub kept changing), Internal.
/// Cost: a stub read, an open and a flock, and opening the Xapian tables.
Result<LiveReader> open_live(const std::string& dir);

/// The name of namespace `ns`'s private database under gen-N/private/: the namespace's
/// bytes in lower-case hex (so any byte, and any case, maps to a distinct, safe file name),
/// "_" for the empty namespace (legacy bare ids).
std::string private_db_name(std::string_view ns);
/// The path of namespace `ns`'s private database in `generation` (it may not exist).
std::string private_db_path(const std::string& generation, std::string_view ns);

struct PrivateDatabase {
    std::string ns;    ///< the namespace, exactly as cards spell it
    std::string path;  ///< gen-N/private/<name>
};
/// Every complete private database of `generation`, sorted by namespace. Directories whose
/// name is not a private database name (a writer's temporary ".new-*") are skipped.
/// Cost: one directory listing.
std::vector<PrivateDatabase> private_databases(const std::string& generation);

/// open_live() without the pin, for tools and tests that read briefly. A long-lived reader
/// must use open_live(), or a later reindex may delete the generation under it.
Result<Xapian::Database> open_reader(const std::string& dir);

/// Checks the format version of an open database.
Status check_format(const Xapian::Database& db);

/// Removes every generation of DIR other than `keep` (a generation name such as
/// "gen-000007") that no reader pins, and every build directory ("build-*"). The caller must
/// hold the writer lock. Returns the generations kept because a reader pins them.
std::vector<std::string> remove_unpinned_generations(const std::string& dir,
                                                     const std::string& keep);

struct BuildProgress {
    /// "reading" (total unknown: 0), "indexing", then "compacting", then "publishing"
    /// ("renumbering" instead of "reading" and "indexing" for renumber_index)
    const char* phase = "indexing";
    std::size_t done = 0;            ///< cards indexed (the whole total once compacting)
    std::size_t total = 0;
    double seconds = 0;              ///< since the build started
};

struct BuildOptions {
    unsigned threads = 2;  ///< segments built in parallel, merged by compaction
    /// Cards per segment: each segment is a fresh database, committed every 500 cards. 0
    /// (the default): a quarter of each thread's share of the cards, within 4,000 to 20,000.
    /// Fewer, larger segments leave fewer posting chunks (compaction copies each segment's
    /// chunks as they are: 13% of the postlist table at 100k cards), and a small build still
    /// gives every thread segments (docs/PERFORMANCE.md, "Larger segments").
    std::size_t segment_docs = 0;
    /// Segments merged into one part (as soon as the last of them is built, while the other
    /// threads build on), and at most that many parts merged into the generation at the
    /// end; a build of at most that many segments merges them straight into place. At most
    /// merge_fan_in^2 segments are built (larger ones past that), 2..64.
    std::size_t merge_fan_in = 16;
    bool wait_for_lock = false;  ///< wait for another writer instead of failing
    /// Publish a build of zero cards. Off by default: an empty build is almost always a
    /// mistake (a wrong path, a filter that dropped everything) and would empty a live index.
    bool allow_empty = false;
    /// The writer lock of the index, when the caller took it already (it must be held for
    /// the same directory); else build_index takes it (see wait_for_lock). Not owned.
    const WriterLock* held_lock = nullptr;
    /// Called from the building threads, at most a few times a second; must be thread-safe.
    std::function<void(const BuildProgress&)> progress;
    /// The vocabulary the cards were normalized with, stored into the new generation
    /// (vocabulary.h): readers normalize filter values and understand queries with it, and
    /// live upserts normalize cards with it. Null: an index without one (filter values are
    /// only case-folded, query words name no facet value).
    std::shared_ptr<const Vocabulary> vocabulary;
    /// "<shard>/<shards>" when the build is one shard of a sharded index (`cardex reindex
    /// --shards`): stored as kMetaShard, and every document gets the shard slots (schema.h).
    std::string shard;
    /// Keep every card's positions in Xapian's position table as well as in the position
    /// store. Off by default: the store answers every phrase (query/src/positional.h), and
    /// Xapian's table was 39% of a 1M generation (docs/PERFORMANCE.md). On for an index
    /// that read replicas follow (xapian-replicate copies Xapian's tables, not the store);
    /// always on for a shard (searched through Xapian's remote protocol).
    bool xapian_positions = false;
};

struct BuildStats {
    std::size_t indexed = 0;
    double seconds = 0;
    std::uint64_t bytes = 0;  ///< size of the new generation on disk
    std::string generation;   ///< its path
    // The phases, in seconds: reading (from start() to finish(): the caller's parsing and
    // the spilling), indexing the segments, compacting them (and the private databases),
    // publishing (sync, rename, switch).
    double read_seconds = 0;
    double index_seconds = 0;
    double compact_seconds = 0;
    /// Thread seconds spent merging segments into parts, within index_seconds (the other
    /// threads go on building meanwhile); 0 when the segments were merged in one step.
    double merge_seconds = 0;
    double publish_seconds = 0;
    std::uint64_t spill_bytes = 0;  ///< the cards as spilled (compressed), removed after
    /// The position store (positions.h): its size, part of `bytes`, and the seconds its
    /// final merge took, part of compact_seconds.
    std::uint64_t positions_bytes = 0;
    double positions_seconds = 0;
    /// The pair filter written from the store (pairs.h): its size, part of `bytes`, and its
    /// seconds, part of compact_seconds.
    std::uint64_t pairs_bytes = 0;
    double pairs_seconds = 0;
    /// The summaries' dictionary (summary.h): its size (0: none, too few cards) and the
    /// seconds taken to sample and train it, part of index_seconds.
    std::uint64_t summary_dictionary_bytes = 0;
    double summary_dictionary_seconds = 0;
    /// The segments built and the cards in each (the last may hold fewer): segment_cards().
    std::size_t segments = 0;
    std::size_t segment_cards = 0;
};

/// The cards per segment a build of `cards` cards with `options` uses: segment_docs, or the
/// automatic size when it is 0, raised so that at most merge_fan_in^2 segments are built.
/// Cost: O(1).
std::size_t segment_cards(const BuildOptions& options, std::size_t cards);

/// A new generation built from cards fed one at a time, in bounded memory: each card is
/// encoded into a spill file in the build directory (card_codec.h: less than half of its
/// text), and only its sort key (downloads, type, id: about 70 bytes) stays in memory.
/// finish() sorts the keys and reads the cards back in downloads order into the segments,
/// so peak memory does not grow with the cards' text, only with their count. Disk: the
/// build directory holds the spill, then the merged parts and a few groups of segments
/// (BuildOptions::merge_fan_in), then, once the spill is removed, the parts beside the new
/// generation: about twice the generation's size at the end.
///
/// start() takes the writer lock (or checks options.held_lock) and reads what the previous
/// generation hands on (history.h); add() stamps and spills one card; finish() builds and
/// publishes as build_index describes. Destroying an unfinished build (the caller found a
/// reason not to publish) removes its build directory and leaves the live index as it was.
/// Not thread-safe: one thread feeds it. Movable, not copyable.
class GenerationBuild {
  public:
    static Result<GenerationBuild> start(const std::string& dir, BuildOptions options);
    GenerationBuild(GenerationBuild&&) noexcept;
    GenerationBuild& operator=(GenerationBuild&&) noexcept;
    ~GenerationBuild();

    /// Adds a card (ids must be unique per type: ingest guarantees it). Errors: the spill
    /// file cannot be written (ResourceExhausted on a full disk), the previous generation
    /// cannot be read. After an error the build should be abandoned. Cost: one term lookup
    /// in the previous generation, one encode_card, a buffered write.
    Status add(Card card);
    /// Cards added so far.
    std::size_t size() const;
    /// Builds, publishes and reports; see build_index for the errors. Call once.
    Result<BuildStats> finish();
    /// finish() in two steps, for builds that publish together (the shards of one index):
    /// stage() builds the new generation completely and returns its path (a Xapian
    /// database nobody reads yet, which the caller may still change, e.g. its metadata);
    /// publish() makes it live. Destroying a staged build removes it. Call each once, in order.
    Result<std::string> stage();
    Result<BuildStats> publish();

    struct Impl;

  private:
    explicit GenerationBuild(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// Builds a complete new generation from `cards` and makes it live atomically (a
/// GenerationBuild fed with `cards`). Cards are
/// numbered in descending downloads order, ties by id then type (docid 1 = most
/// downloaded), so a top-k by downloads is the first k matches in docid order. Ids must be
/// unique (ingest guarantees it). Cost: O(total text), using `threads` cores.
///
/// Nothing is published unless the whole build succeeded: the generation is built under
/// DIR/build-<pid>, synced to disk, moved into place, and only then named by the stub (an
/// atomic rename). A failure or a crash at any step leaves the live generation as it was;
/// the next build removes what a crashed one left. Errors: FailedPrecondition (no cards and
/// not allow_empty), Unavailable (another writer), Internal/DataLoss (disk full, I/O).
/// Old generations no reader pins are removed after the switch.
Result<BuildStats> build_index(const std::string& dir,
                               std::vector<Card> cards,
                               const BuildOptions& options = {});

/// Renumbers the documents of the live generation in build_index's order (descending
/// downloads, ties by id then type) into a new generation, published as a build is: a writer
/// whose upserts appended cards in another order (a harvest, `cardex harvest`) gets the
/// docids, so the listing ties and the downloads docid order, of a reindex of the same cards,
/// without their sources. Documents are copied as they are (terms, positions, values,
/// summary, datestamps), with every metadata key (format, vocabulary, deletion records);
/// each private database likewise. A generation whose cards' positions are in its store
/// only (kMetaXapianPositions) gets a new store for the new docids, filled from the old
/// one (and from Xapian for the cards a writer rewrote, which lose kTermLivePositions).
/// Uses options.wait_for_lock, held_lock and progress. Errors as build_index, NotFound
/// when DIR has no index, and DataLoss when such a generation's store is missing, damaged
/// or not its own (checked whole: verify()). Cost: reading and writing every document
/// once, a position store lookup per text term of each, then a compaction.
Result<BuildStats> renumber_index(const std::string& dir, const BuildOptions& options = {});

/// Builds the Xapian document of a card (terms, values, summary). Exposed for tests and
/// benchmarks. Not thread-safe across calls sharing a DocumentBuilder.
class DocumentBuilder {
public:
    DocumentBuilder();
    ~DocumentBuilder();
    DocumentBuilder(const DocumentBuilder&) = delete;
    DocumentBuilder& operator=(const DocumentBuilder&) = delete;
    Xapian::Document build(const Card& card);
    /// With `on`, documents also get the shard slots (schema.h kSlotOrderKey,
    /// kSlotFacetBase): a shard build, or a writer of a shard index. Cost: one walk of the
    /// document's facet terms per card.
    void set_shard_slots(bool on) noexcept;
    /// With `on` (the default), text positions go into the document (add_posting), as
    /// IndexWriter, private databases and shards keep them; with `off`, each word gets its
    /// term and wdf only (the same weights and lengths) and its position only in
    /// positions(), for a position store.
    void set_xapian_positions(bool on) noexcept;
    /// With `on`, build() records every text position it gives the card (up to the first
    /// 20,000 words, as Xapian gets them) into positions(), sorted by term number then
    /// position; the first positions_count() entries are the last card's. Terms are
    /// numbered from 0 in the order they are first recorded (term_name); every call
    /// restarts the numbering (a new term_numbering()), so a build calls it per segment
    /// and the names held stay a segment's. Cost: a sort of 8-byte entries per card, and a
    /// hash lookup per word the stem cache does not hold a number for.
    void set_collect_positions(bool on);
    /// Summaries are compressed with `dict` (summary.h), or without a dictionary when null
    /// (the default): a database's documents use its own dictionary or none.
    void set_summary_dictionary(std::shared_ptr<const SummaryDictionary> dict);
    /// With `counts` (not owned; null, the default, turns counting off), build() adds 1 to
    /// the count of each distinct spelling word of a public card (its id, title, tag and
    /// description words longer than 2 bytes, unstemmed): the vocabulary a build stores as
    /// kMetaWords (typo.h). Documents carry no term for it either way. Cost: a word copy
    /// per such word, a sort and a hash lookup per distinct word of the card.
    void set_word_counts(WordCounts* counts) noexcept;
    const std::vector<NumberedPosition>& positions() const noexcept;
    std::size_t positions_count() const noexcept;
    /// The term of number `n` of the current numbering (n < the numbers given so far).
    const std::string& term_name(std::uint32_t n) const;
    /// Which numbering positions() uses: unique in the process, new at every
    /// set_collect_positions() call.
    std::uint64_t term_numbering() const noexcept;

  private:
    struct Impl;
    Impl* impl_;
};

/// Size in bytes of all files below a directory.
std::uint64_t directory_bytes(const std::string& dir);

}  // namespace cardex::index
