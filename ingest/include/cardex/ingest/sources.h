#pragma once
// Sources of records: files (JSON Lines of cards or listing items, a JSON array of listing
// items, CSV listings with a header row), directory trees of repositories
// (<namespace>/<name>/README.md, optional listing.json beside it), a lone README.md,
// standard input ("-"); gzip and zstd compressed files. The format is detected from the
// content (first non-blank byte '{' JSON Lines, '[' JSON array, a header line with commas
// CSV), not from the name.
//
// A record's type: its own `type` field, else what its fields say (modelId, a Hub URL, sdk,
// dataset tags, a models/ datasets/ spaces/ directory), else SourceOptions::default_type
// (--type), else what the file name says ("datasets" in it), else model.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/index/result.h"
#include "cardex/ingest/card_parser.h"

namespace cardex::ingest {

struct SourceOptions {
    /// Type for records that do not say (a directory without models/ datasets/ spaces/).
    std::optional<index::CardType> default_type;
    ParseLimits limits;
    /// Sources larger than this (bytes, decompressed) are mapped from the file rather than
    /// read into memory, and the pages parsed are dropped as the read goes on: a reindex of
    /// any size needs memory for a window of the source, not for all of it. Compressed
    /// sources and stdin above it are decompressed into an unlinked temporary file first
    /// ($TMPDIR, else /tmp), which needs that much disk for the duration of the read.
    std::size_t map_above = std::size_t{64} << 20;
    /// When set, read_cards checks it before each chunk of records (512) and each source and
    /// stops once it is true (IngestReport::stopped): a sink that cannot keep what it is given
    /// (a spill file that cannot be written) ends the read instead of having every remaining
    /// source parsed for nothing. Not owned; must outlive the read.
    const std::atomic<bool>* stop = nullptr;
};

/// Counts of a run, with every problem named. read = accepted + rejected + merged.
struct IngestReport {
    std::size_t read = 0;      ///< records (lines, array elements, CSV rows, READMEs)
    std::size_t accepted = 0;  ///< cards delivered to the sink
    std::size_t repaired = 0;  ///< accepted cards with at least one warning
    std::size_t rejected = 0;
    /// Records folded into another record of the same id on purpose (older snapshots of a
    /// history CSV; a README nested in another repository's directory). Not errors.
    std::size_t merged = 0;
    /// The read ended early because SourceOptions::stop was set: the counts are of what was
    /// read until then.
    bool stopped = false;
    std::vector<Issue> warnings;
    std::vector<Issue> rejections;
    std::vector<Issue> notes;  ///< one per source and kind of merge
    std::map<std::string, std::size_t> rejected_by_reason;
    std::map<std::string, std::size_t> warned_by_reason;  ///< warnings (not cards) by reason
    std::map<std::string, std::size_t> merged_by_reason;
};

/// Reads every source, parses every record, and calls `sink` with each accepted card (in
/// source order). Records with a duplicate id (same type) are rejected after the first
/// (reason "duplicate-id"), across sources too. Unreadable sources or sources of an unknown
/// format are reported as one rejection ("unreadable", "format") and the run goes on.
/// Uses up to `threads` threads for parsing. Returns the report.
IngestReport read_cards(const std::vector<std::string>& sources,
                        std::shared_ptr<const index::Vocabulary> vocab,
                        const SourceOptions& options,
                        const std::function<void(index::Card&&)>& sink,
                        unsigned threads = 2);

/// read_cards over one source held in memory: `content` is JSON Lines, a JSON array or CSV
/// (detected by content as for a file; not compressed), `name` names it in messages
/// ("name:3"). For callers that already hold the bytes (an HTTP body, tests, fuzzers).
/// Copies `content` once (simdjson needs padding after it).
IngestReport read_cards_from_text(std::string_view content,
                                  const std::string& name,
                                  std::shared_ptr<const index::Vocabulary> vocab,
                                  const SourceOptions& options,
                                  const std::function<void(index::Card&&)>& sink,
                                  unsigned threads = 2);

/// The content of one source file ("-": standard input), decompressed when it is gzip or
/// zstd (recognised by content, as read_cards does). For tools and tests that read records
/// themselves (benchmarks, the robustness test). Holds the whole content in memory; errors
/// name the path. Thread-safe.
Result<std::string> read_source_bytes(const std::string& path);

}  // namespace cardex::ingest
