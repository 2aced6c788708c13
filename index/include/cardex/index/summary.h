#pragma once
// The stored summary: a FlatBuffers table (schema/summary.fbs) in each document's data.
//
// It holds everything a search hit, a Hub listing item (with cardData) or a card page needs,
// so no search re-reads a card. The whole buffer is stored as one zstd frame: Xapian would
// otherwise deflate every record with zlib at commit and inflate it for every hit it
// returns (half the time of a filter-only listing, measured: docs/PERFORMANCE.md); zstd
// decompresses several times faster, and its output is incompressible, so Xapian stores it
// as is. One frame also lets the plain text and the markdown, near copies, share a window.
#include <string>
#include <string_view>

#include "cardex/index/card.h"
#include "cardex/index/result.h"

namespace cardex::index {

/// Longest plain-text body kept for snippets (bytes); the full text is indexed regardless.
inline constexpr std::size_t kSummaryTextBytes = 4 * 1024;

/// Serializes a card's summary. Cost: one FlatBuffers build plus zstd (level 1) of it.
std::string encode_summary(const Card& card);

/// What to decode: the markdown body (and the README head before it) is the largest part,
/// and only card pages and README downloads need it.
enum class SummaryParts { Listing, WithMarkdown };

/// Decodes a summary written by encode_summary. Fields not stored (the full body) stay
/// empty; `body` holds the first kSummaryTextBytes of the plain text. DataLoss when the
/// bytes are not a valid summary. Cost: one zstd decompression of the stored bytes and a
/// copy of the fields. Thread-safe.
Result<Card> decode_summary(std::string_view data, SummaryParts parts = SummaryParts::Listing);

}  // namespace cardex::index
