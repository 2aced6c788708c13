#include "cardex/index/writer.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include <xapian.h>

#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "internal.h"
#include "cardex/index/writer_lock.h"

namespace cardex::index {

struct IndexWriter::Impl {
    WriterLock lock;
    Xapian::WritableDatabase db;
    DocumentBuilder builder;
    std::string generation;
    WriterOptions options;

    // Before a commit: let readers of the revision it will recycle finish (store.h).
    void before_commit() {
        wait_for_readers(generation, db.get_revision(), options.reader_patience);
    }
};

IndexWriter::IndexWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IndexWriter::IndexWriter(IndexWriter&&) noexcept = default;
IndexWriter& IndexWriter::operator=(IndexWriter&&) noexcept = default;
IndexWriter::~IndexWriter() = default;

Result<IndexWriter> IndexWriter::open(const std::string& dir, const WriterOptions& options) {
    WriterLock lock(dir, options.wait_for_lock, options.lock_patience);
    if (!lock.held()) return lock.error();
    // Read the stub only once the lock is held: a reindex may have just switched it.
    auto gen = live_generation(dir);
    if (!gen) return std::move(gen).error();
    // Holding our lock, any holder of Xapian's own lock on the generation is a writer that
    // has just closed it: glass keeps its lock in a child process, which exits only when
    // every copy of its socket is closed, and a fork() elsewhere in the process (a test
    // spawning `cardex reindex`) holds a copy until its exec. So a lock error is retried
    // for a moment (measured once in 10,000 commits of the soak run, docs/RELIABILITY.md).
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (std::chrono::milliseconds pause{5};; pause = std::min(pause * 2, std::chrono::milliseconds(200))) {
        try {
            Xapian::WritableDatabase db(gen.value(), Xapian::DB_OPEN | Xapian::DB_BACKEND_GLASS);
            if (auto st = check_format(db); !st) return std::move(st).error();
            auto impl = std::unique_ptr<Impl>(
                new Impl{std::move(lock), std::move(db), {}, gen.value(), options});
            return IndexWriter(std::move(impl));
        } catch (const Xapian::DatabaseLockError& e) {
            if (std::chrono::steady_clock::now() >= give_up) {
                return error_from_xapian(e, "cannot open index for writing");
            }
            std::this_thread::sleep_for(pause);
        } catch (const Xapian::Error& e) {
            return error_from_xapian(e, "cannot open index for writing");
        }
    }
}

Result<std::size_t> IndexWriter::upsert(const std::vector<Card>& cards) {
    auto& db = impl_->db;
    try {
        db.begin_transaction();
        for (const auto& c : cards) {
            db.replace_document(id_term(card_type_name(c.type), c.id), impl_->builder.build(c));
        }
        db.set_metadata(std::string(kMetaDocidOrder), "");
        impl_->before_commit();
        db.commit_transaction();
        return cards.size();
    } catch (const Xapian::Error& e) {
        try {
            db.cancel_transaction();
        } catch (const Xapian::Error&) {
        }
        return error_from_xapian(e, "upsert failed; nothing of the batch was written");
    }
}

Result<std::size_t> IndexWriter::remove(const std::vector<CardKey>& keys) {
    auto& db = impl_->db;
    try {
        std::size_t existed = 0;
        db.begin_transaction();
        for (const auto& k : keys) {
            const std::string t = id_term(card_type_name(k.type), k.id);
            if (db.term_exists(t)) {
                ++existed;
                db.delete_document(t);
            }
        }
        impl_->before_commit();
        db.commit_transaction();
        return existed;
    } catch (const Xapian::Error& e) {
        try {
            db.cancel_transaction();
        } catch (const Xapian::Error&) {
        }
        return error_from_xapian(e, "delete failed; nothing of the batch was written");
    }
}

std::uint64_t IndexWriter::revision() const { return impl_->db.get_revision(); }

}  // namespace cardex::index
