#pragma once
// Sources of records: files (JSON Lines of cards or listing items, a JSON array of listing
// items, CSV listings), directory trees of repositories, standard input ("-"); gzip and
// zstd compressed files. The format is detected from the content, not only the name.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/index/result.h"
#include "cardex/ingest/card_parser.h"

namespace cardex::ingest {

struct SourceOptions {
    /// Type for records that do not say (a directory without models/ datasets/ spaces/).
    std::optional<index::CardType> default_type;
    ParseLimits limits;
};

/// Counts of a run, with every problem named.
struct IngestReport {
    std::size_t read = 0;
    std::size_t accepted = 0;
    std::size_t repaired = 0;
    std::size_t rejected = 0;
    std::vector<Issue> warnings;
    std::vector<Issue> rejections;
    std::map<std::string, std::size_t> rejected_by_reason;
};

/// Reads every source, parses every record, and calls `sink` with each accepted card (in
/// source order). Records with a duplicate id are rejected after the first (reason
/// "duplicate-id"). Unreadable sources are reported as a rejection and the run goes on.
/// Uses up to `threads` threads for parsing. Returns the report.
IngestReport read_cards(const std::vector<std::string>& sources,
                        std::shared_ptr<const Tables> tables,
                        const SourceOptions& options,
                        const std::function<void(index::Card&&)>& sink,
                        unsigned threads = 2);

}  // namespace cardex::ingest
