#pragma once
// A whole reindex, as `cardex reindex` and the admin endpoint run it: take the writer lock,
// read every source, decide whether the result may be published, build, switch.
//
// The publishing rule (ARCHITECTURE.md, "Readers and writers"): a source that cannot be read
// (missing, of no known format) stops the run; rejected records stop it unless
// allow_rejects; zero cards stop it unless allow_empty. A stopped run leaves the live
// generation exactly as it was.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cardex/index/store.h"
#include "cardex/ingest/sources.h"

namespace cardex::app {

struct ReindexJob {
    std::string index;
    std::vector<std::string> sources;
    /// What the cards are normalized with; stored in the new generation (vocabulary.h).
    std::shared_ptr<const index::Vocabulary> vocabulary;
    ingest::SourceOptions source_options;
    unsigned threads = 2;
    std::size_t segment_cards = 0;  ///< 0: BuildOptions' default
    bool allow_rejects = false;
    bool allow_empty = false;
    bool xapian_positions = false;  ///< BuildOptions::xapian_positions
    bool wait_for_lock = false;
    /// 0: one index in `index`. K >= 1: a sharded index of K shards (index/shards.h), each
    /// a complete index built from the cards shard_of assigns it, all staged before any is
    /// published. A directory that holds a single index cannot become sharded, nor the
    /// reverse: another directory is asked for.
    std::size_t shards = 0;
    std::function<void(const index::BuildProgress&)> progress;  ///< may be empty
};

struct ReindexOutcome {
    ingest::IngestReport report;
    double read_seconds = 0;
    std::size_t accepted = 0;
    std::optional<index::BuildStats> stats;  ///< set when a generation was published
    std::optional<Error> error;              ///< why nothing was published
    int exit_code = 0;                       ///< kExit* of commands.h
};

/// Runs a reindex; never throws. Cost: reading every source plus building the index.
ReindexOutcome run_reindex_job(const ReindexJob& job);

}  // namespace cardex::app
