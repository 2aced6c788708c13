#pragma once
// The stored summary: a FlatBuffers table (schema/summary.fbs) in each document's data.
//
// It holds everything a search hit, a Hub listing item (with cardData) or a card page needs,
// so no search re-reads a card. The whole buffer is stored as one zstd frame: Xapian would
// otherwise deflate every record with zlib at commit and inflate it for every hit it
// returns (half the time of a filter-only listing, measured: docs/PERFORMANCE.md); zstd
// decompresses several times faster, and its output is incompressible, so Xapian stores it
// as is. One frame also lets the plain text and the markdown, near copies, share a window.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/index/result.h"

namespace Xapian {
class Database;
}

namespace cardex::index {

/// Longest plain-text body kept for snippets (bytes); the full text is indexed regardless.
inline constexpr std::size_t kSummaryTextBytes = 4 * 1024;

/// A zstd dictionary trained on a sample of a generation's own summaries, stored in its
/// metadata (schema.h kMetaSummaryDict). A summary is a few KB and alone shares nothing
/// with its neighbours; with the dictionary, the boilerplate every card repeats (YAML keys,
/// template headings, license text) is compressed once: the summaries came out 31% smaller
/// on generated cards and 33% on the real ones (docs/PERFORMANCE.md).
///
/// Immutable once made: share it between threads freely (zstd's CDict and DDict are
/// read-only; each thread compresses with its own context). Holds the dictionary's bytes
/// and their digested tables, about three times the dictionary's size.
class SummaryDictionary {
  public:
    /// Trains a dictionary of at most `capacity` bytes on `samples` (summary_bytes of
    /// cards; a few thousand spread over the corpus suffice). NotFound when the samples are
    /// too few or too small for zstd to find anything worth a dictionary (a small index
    /// simply has none). Cost: about a second for 4,000 samples.
    static Result<std::shared_ptr<const SummaryDictionary>> train(
        const std::vector<std::string>& samples, std::size_t capacity);
    /// A dictionary from its stored bytes. DataLoss when they are not a zstd dictionary
    /// with an id (ours always have one). Cost: digesting the tables (a few milliseconds).
    static Result<std::shared_ptr<const SummaryDictionary>> load(std::string_view bytes);

    SummaryDictionary(const SummaryDictionary&) = delete;
    SummaryDictionary& operator=(const SummaryDictionary&) = delete;
    ~SummaryDictionary();

    /// zstd's id of the dictionary, written into every frame compressed with it.
    std::uint32_t id() const noexcept { return id_; }
    /// The bytes to store (kMetaSummaryDict).
    const std::string& bytes() const noexcept { return bytes_; }

    /// zstd's digested tables (summary.cpp).
    struct Tables;
    Tables& tables() const noexcept { return *tables_; }  // a cache: made on first use

  private:
    SummaryDictionary(std::string bytes, std::uint32_t id, std::unique_ptr<Tables> tables);
    std::string bytes_;
    std::uint32_t id_ = 0;
    std::unique_ptr<Tables> tables_;
};

/// The dictionary of a database (kMetaSummaryDict): null when it has none (a small build,
/// a shard, a private database, an index built before dictionaries). DataLoss when the
/// stored bytes are damaged. Cost: one metadata read and load().
Result<std::shared_ptr<const SummaryDictionary>> summary_dictionary(const Xapian::Database& db);

/// A card's summary uncompressed (the FlatBuffers table): what a dictionary is trained on.
std::string summary_bytes(const Card& card);

/// Serializes a card's summary: zstd of the FlatBuffers table, level 1 without a
/// dictionary, level 5 with one (measured: 35% smaller than level 1 alone, for 32 us more a
/// card). Cost: one FlatBuffers build plus the compression.
std::string encode_summary(const Card& card, const SummaryDictionary* dict = nullptr);

/// What to decode: the markdown body (and the README head before it) is the largest part,
/// and only card pages and README downloads need it.
enum class SummaryParts { Listing, WithMarkdown };

/// Decodes a summary written by encode_summary. Fields not stored (the full body) stay
/// empty; `body` holds the first kSummaryTextBytes of the plain text. DataLoss when the
/// bytes are not a valid summary, or when they were compressed with a dictionary other than
/// `dict` (the frame names its dictionary's id; a frame without one needs none, so the
/// documents of private databases, which have no dictionary, decode beside the public
/// ones). Cost: one zstd decompression of the stored bytes and a copy of the fields.
/// Thread-safe.
Result<Card> decode_summary(std::string_view data,
                            SummaryParts parts = SummaryParts::Listing,
                            const SummaryDictionary* dict = nullptr);

}  // namespace cardex::index
