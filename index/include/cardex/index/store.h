#pragma once
// Opening an index directory and building a new generation of it.
//
// Layout: DIR/XAPIANDB is a Xapian stub ("auto gen-000007") naming the live generation;
// DIR/gen-NNNNNN are complete, compacted Xapian databases; DIR/build-* are builds under way.
// A reindex builds a new generation beside the live one and switches the stub with an
// atomic rename, so readers never see a half-built index. Xapian tools (xapian-delve DIR)
// open DIR through the stub too.
//
// Threads: Xapian objects are not thread-safe. Open one Database per thread; at most one
// writer per index (Xapian's lock enforces it).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <xapian.h>

#include "cardex/index/card.h"
#include "cardex/index/result.h"

namespace cardex::index {

/// The path of the live generation of an index directory. NotFound if DIR has no index.
Result<std::string> live_generation(const std::string& dir);

/// Opens the live generation read-only and checks its format version. Errors: NotFound (no
/// index at DIR), FailedPrecondition (another format version: reindex), DataLoss, Internal.
Result<Xapian::Database> open_reader(const std::string& dir);

/// Checks the format version of an open database.
Status check_format(const Xapian::Database& db);

struct BuildProgress {
    std::size_t done = 0;
    std::size_t total = 0;
    double seconds = 0;
};

struct BuildOptions {
    unsigned threads = 2;  ///< segments built in parallel, merged by compaction
    /// Cards per segment: each segment is one in-memory batch committed once into a fresh
    /// database (see docs/PERFORMANCE.md for how the size was chosen).
    std::size_t segment_docs = 4000;
    bool wait_for_lock = false;  ///< wait for another writer instead of failing
    /// Called from the building threads, at most a few times a second; must be thread-safe.
    std::function<void(const BuildProgress&)> progress;
};

struct BuildStats {
    std::size_t indexed = 0;
    double seconds = 0;
    std::uint64_t bytes = 0;  ///< size of the new generation on disk
    std::string generation;   ///< its path
};

/// Builds a complete new generation from `cards` and makes it live atomically. Cards are
/// numbered in descending downloads order (docid 1 = most downloaded), so a top-k by
/// downloads is the first k matches in docid order. Ids must be unique (ingest guarantees
/// it). Cost: O(total text), using `threads` cores. Old generations are removed, keeping the
/// previous one for readers that still hold it.
Result<BuildStats> build_index(const std::string& dir,
                               std::vector<Card> cards,
                               const BuildOptions& options = {});

/// Builds the Xapian document of a card (terms, values, summary). Exposed for tests and
/// benchmarks. Not thread-safe across calls sharing a DocumentBuilder.
class DocumentBuilder {
public:
    DocumentBuilder();
    ~DocumentBuilder();
    DocumentBuilder(const DocumentBuilder&) = delete;
    DocumentBuilder& operator=(const DocumentBuilder&) = delete;
    Xapian::Document build(const Card& card);

private:
    struct Impl;
    Impl* impl_;
};

/// Size in bytes of all files below a directory.
std::uint64_t directory_bytes(const std::string& dir);

}  // namespace cardex::index
