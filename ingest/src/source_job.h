#pragma once
// What every source format produces: one Job per record, in source order, plus the counts
// of records it folded into others on purpose. Private to ingest.
#include <simdjson.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/index/result.h"
#include "cardex/ingest/card_parser.h"
#include "cardex/ingest/sources.h"

namespace cardex::ingest {

/// An optional value kept on the heap. A source has one Job per record, and most Jobs hold
/// neither a decoded record nor a rejection: they cost a pointer each, not the value's size
/// (a RawRecord is about 730 bytes; a million lines of a source would hold 0.7 GB of them).
template <typename T>
class Boxed {
  public:
    Boxed() = default;
    Boxed(const Boxed& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
    Boxed(Boxed&&) noexcept = default;
    Boxed& operator=(const Boxed& o) {
        p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
        return *this;
    }
    Boxed& operator=(Boxed&&) noexcept = default;
    Boxed& operator=(T v) {
        p_ = std::make_unique<T>(std::move(v));
        return *this;
    }
    explicit operator bool() const { return p_ != nullptr; }
    T& operator*() const { return *p_; }
    T* operator->() const { return p_.get(); }

  private:
    std::unique_ptr<T> p_;
};

/// A listing.json beside a tree's README, and its path.
struct TreeListing {
    std::string json;  ///< followed by SIMDJSON_PADDING zero bytes
    std::string source;
};

/// One record waiting to be parsed. Either `json` (an object still to be decoded, in a
/// buffer padded for simdjson) or `raw` (already decoded: a CSV row, a README of a tree).
struct Job {
    std::string source;
    std::string_view json;
    std::size_t padding = 0;  ///< readable bytes after `json` (simdjson reads ahead)
    Boxed<RawRecord> raw;
    std::optional<index::CardType> type_hint;  ///< what the format says (CSV header, tree dir)
    std::optional<index::CardType> path_hint;  ///< what the file name says, below --type
    std::vector<Issue> warnings;                ///< repairs made while reading the source
    Boxed<Issue> rejection;                     ///< the record could not be read at all
    /// A tree's listing.json beside the README: its fields fill what the README does not
    /// say. Boxed, as trees are the only sources that have one: a JSON Lines source lists a
    /// Job per line before reading any, so each byte here counts a million times at 1M.
    Boxed<TreeListing> listing;
};

/// The bytes of one source followed by SIMDJSON_PADDING zero bytes: held in memory when
/// small, else a read-only mapping of the file (or of an unlinked temporary file holding
/// the decompressed content), so a source of any size costs memory only for the part being
/// parsed: release() hands parsed pages back (they are read again from the file if a later
/// pass needs them). Move-only. Thread-safe for reading.
class SourceBytes {
  public:
    SourceBytes() = default;
    explicit SourceBytes(std::string bytes) : text_(std::move(bytes)) {}
    SourceBytes(SourceBytes&& o) noexcept;
    SourceBytes& operator=(SourceBytes&& o) noexcept;
    SourceBytes(const SourceBytes&) = delete;
    SourceBytes& operator=(const SourceBytes&) = delete;
    ~SourceBytes();

    /// Maps `size` bytes of `fd` (which it does not keep) with readable zero padding after
    /// them. Internal error when the mapping fails.
    static Result<SourceBytes> map(int fd, std::size_t size);

    const char* data() const { return map_ ? map_ : text_.data(); }
    /// Content and padding.
    std::size_t size() const { return map_ ? map_size_ : text_.size(); }
    bool mapped() const { return map_ != nullptr; }
    /// Drops the pages wholly before `offset` from memory (mapped bytes only; a no-op for
    /// bytes in memory). Reading them again later is allowed and reads the file.
    void release(std::size_t offset) const;

  private:
    std::string text_;
    char* map_ = nullptr;
    std::size_t map_size_ = 0;    // content + padding
    std::size_t map_length_ = 0;  // what munmap takes (whole pages)
};

/// A source read into jobs. `buffer` owns the bytes the jobs' `json` views point into.
/// Readers take the jobs batch by batch with next(). CSV, JSON arrays and trees are listed
/// whole in `jobs` when read (a CSV merges rows of one id, an array's extent needs a parse);
/// JSON Lines, the format of every large source, are split from `buffer` as next() is called:
/// a Job costs about 160 bytes with its name, and listing a million lines up front held
/// 160 MB before the first card was read (docs/PERFORMANCE.md, "Jobs listed batch by batch").
/// Move-only; one thread.
struct SourceJobs {
    SourceBytes buffer;
    std::vector<Job> jobs;   ///< every record, unless `lines`
    std::size_t merged = 0;  ///< rows folded into another row of the same id, deliberately
    std::string merged_reason;
    std::vector<Issue> notes;  ///< one line per deliberate merge, for the report

    /// JSON Lines in `buffer` from byte `lines_from` on (after a byte-order mark), named
    /// `path:line`: split by next(), never listed in `jobs`.
    bool lines = false;
    std::size_t lines_from = 0;
    std::string path;
    std::optional<index::CardType> path_hint;  ///< set on every job next() splits

    /// The next up to `max` jobs in source order, empty at the end. The span stays valid
    /// until the next call (the lines' jobs live in one reused batch). Cost: the batch's
    /// lines scanned once (memchr), a name formatted per record.
    std::span<Job> next(std::size_t max);
    /// Back to the first job (a kept source read by a later pass).
    void rewind();

  private:
    std::size_t cursor_ = 0;  // index into `jobs`, or byte offset into `buffer` for lines
    std::size_t line_no_ = 0;
    std::vector<Job> batch_;
};

/// Decompressed content of a file or of stdin, with SIMDJSON_PADDING zero bytes after
/// `size` bytes. Compression is recognised by magic bytes (gzip, zstd). Content larger than
/// `map_above` bytes is mapped (SourceBytes), not held: a plain file directly, compressed
/// input and stdin through an unlinked temporary file in $TMPDIR (or /tmp).
struct Loaded {
    SourceBytes bytes;
    std::size_t size = 0;
};
Result<Loaded> load_source(const std::string& path, std::size_t map_above);

/// The card type a path suggests: a `models/`, `datasets/`, `spaces/` component, or a file
/// name containing "dataset", "space" or "model" (the weakest hint; --type wins over it).
std::optional<index::CardType> type_from_path(std::string_view path);

// Formats. Each fills `out.jobs`; problems of single records become rejections or warnings
// of their job, never an error of the whole source.
void split_json(const std::string& path, SourceJobs& out);  // JSON Lines or array in buffer
void split_csv(const std::string& path, SourceJobs& out);
Status read_tree(const std::string& root, SourceJobs& out, const ParseLimits& limits);

/// Decodes a Job's JSON object into `raw`; wrong field types are repaired with warnings
/// (appended to `warnings`) or make the record rejected (the returned Issue).
std::optional<Issue> decode_json_record(simdjson::ondemand::parser& parser,
                                        const Job& job,
                                        RawRecord& raw,
                                        std::string& type_text,
                                        std::optional<index::CardType>& type_hint,
                                        std::vector<Issue>& warnings);

/// Fills what `into` lacks from `from` (another record of the same repository): every
/// listing field `into` has no value for. Tags, pipeline_tag and library_name travel with
/// hub_fields as one set (the Hub's own three, or none of them). The id, type, source and
/// README of `into` stay; so do its card data and description when it has any.
void fill_record(RawRecord& into, const RawRecord& from);

/// Shared helpers of the record readers.
std::optional<std::int64_t> parse_count(std::string_view text);  // "12", "1.2e3"; no junk
std::optional<index::CardType> type_from_url(std::string_view url);

}  // namespace cardex::ingest
