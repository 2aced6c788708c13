#pragma once
// Live updates: upserts and deletes by id in the live generation of an index.
//
// One writer at a time per index directory (an advisory lock on DIR/writer.lock, shared
// with reindex). Each batch is one Xapian commit: a reader sees all of it or none of it,
// and a batch is acknowledged only once committed. A kill -9 at any moment leaves the
// index at its last committed revision. A commit first waits (bounded) for readers still on
// the revision it would make unreadable, so commits never fail a search in progress.
//
// Upserts do not keep docids in downloads order, so the index's docid-order flag is cleared
// and downloads sorting falls back to reading values until the next reindex.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/index/result.h"

namespace cardex::index {

struct WriterOptions {
    bool wait_for_lock = false;  ///< block until the other writer is done instead of failing
    /// With wait_for_lock false: how long to try for the lock before answering Unavailable
    /// (zero: fail at once).
    std::chrono::milliseconds lock_patience{0};
    /// How long a commit waits for readers still on the revision it recycles (store.h,
    /// wait_for_readers) before committing anyway (those readers then re-run).
    std::chrono::milliseconds reader_patience{2000};
};

struct CardKey {
    CardType type = CardType::Model;
    std::string id;
};

class IndexWriter {
public:
    /// Opens the live generation for writing. Unavailable ("index is locked by another
    /// writer") when another writer holds the lock and !wait_for_lock; NotFound if there is
    /// no index yet (run reindex first).
    static Result<IndexWriter> open(const std::string& dir, const WriterOptions& options = {});

    IndexWriter(IndexWriter&&) noexcept;
    IndexWriter& operator=(IndexWriter&&) noexcept;
    ~IndexWriter();

    /// Adds or replaces cards (by type and id) and commits them as one transaction.
    /// Returns the number written. Cost: one document build per card plus one commit.
    Result<std::size_t> upsert(const std::vector<Card>& cards);
    /// Deletes cards by type and id in one transaction; returns how many existed.
    Result<std::size_t> remove(const std::vector<CardKey>& keys);
    /// The revision of the last commit.
    std::uint64_t revision() const;

private:
    struct Impl;
    explicit IndexWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace cardex::index
