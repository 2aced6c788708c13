#include "cardex/index/writer.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>

#include <xapian.h>

#include <ctime>

#include "cardex/index/history.h"
#include "cardex/index/schema.h"
#include "cardex/index/shards.h"
#include "cardex/index/store.h"
#include "cardex/index/summary.h"
#include "cardex/index/writer_lock.h"
#include "generations.h"
#include "internal.h"

namespace cardex::index {

struct IndexWriter::Impl {
    WriterLock lock;
    Xapian::WritableDatabase db;  // the public database
    DocumentBuilder builder;
    // The public database's summary dictionary (summary.h), null if it has none: its new
    // documents are compressed with it; private databases have none.
    std::shared_ptr<const SummaryDictionary> summaries;
    std::string generation;
    WriterOptions options;
    // Private databases (store.h) by namespace, opened on first use; null: none exists yet.
    std::map<std::string, std::unique_ptr<Xapian::WritableDatabase>> private_dbs;

    // Before a commit of the public database: let readers of the revision it will recycle
    // finish (store.h). Private databases have no holds: a reader that a private commit
    // overtakes re-runs on a fresh snapshot (DatabaseModifiedError), which costs a retry,
    // never a wrong answer.
    void before_commit() {
        wait_for_readers(generation, db.get_revision(), options.reader_patience);
    }

    // Namespace `ns`'s private database; created (complete, then renamed into place, so a
    // reader never opens half of one) when `create`, else null when there is none.
    Xapian::WritableDatabase* private_db(const std::string& ns, bool create);
};

namespace {

// Opens an existing database for writing while holding the index's writer lock. Any holder of
// Xapian's own lock on it is then a writer that has just closed it: glass keeps its lock in a
// child process, which exits only when every copy of its socket is closed, and a fork()
// elsewhere in the process (a test spawning `cardex reindex`) holds a copy until its exec. So
// a lock error is retried for up to 2 s (measured once in 10,000 commits of the soak run,
// docs/RELIABILITY.md; the stress test met it once on a private database too). Throws
// Xapian errors, the lock error after 2 s.
Xapian::WritableDatabase open_writable(const std::string& path) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (std::chrono::milliseconds pause{5};; pause = std::min(pause * 2, std::chrono::milliseconds(200))) {
        try {
            return Xapian::WritableDatabase(path, Xapian::DB_OPEN | Xapian::DB_BACKEND_GLASS);
        } catch (const Xapian::DatabaseLockError&) {
            if (std::chrono::steady_clock::now() >= give_up) throw;
            std::this_thread::sleep_for(pause);
        }
    }
}

}  // namespace

Xapian::WritableDatabase* IndexWriter::Impl::private_db(const std::string& ns, bool create) {
    namespace fs = std::filesystem;
    auto& slot = private_dbs[ns];
    if (slot) return slot.get();
    const fs::path path = private_db_path(generation, ns);
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
        if (!create) return nullptr;
        const fs::path dir = path.parent_path();
        const fs::path tmp = dir / (std::string(kPrivateTempPrefix) + path.filename().string());
        fs::create_directories(dir, ec);
        fs::remove_all(tmp, ec);  // a writer killed while creating it
        {
            Xapian::WritableDatabase fresh(
                tmp.string(), Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_BACKEND_GLASS);
            set_format_metadata(fresh, false);
            fresh.commit();
            fresh.close();
        }
        fs::rename(tmp, path, ec);
        if (ec) {
            throw Xapian::DatabaseCreateError("cannot move the private database of '" + ns +
                                              "' into place: " + ec.message());
        }
        if (auto st = fsync_path(dir, true); !st) {
            throw Xapian::DatabaseCreateError(st.error().message);
        }
    }
    slot = std::make_unique<Xapian::WritableDatabase>(open_writable(path.string()));
    return slot.get();
}

IndexWriter::IndexWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IndexWriter::IndexWriter(IndexWriter&&) noexcept = default;
IndexWriter& IndexWriter::operator=(IndexWriter&&) noexcept = default;
IndexWriter::~IndexWriter() = default;

Result<IndexWriter> IndexWriter::open(const std::string& dir, const WriterOptions& options) {
    // A directory that searches remote shards holds no database to write (shards.h).
    if (auto remote = remote_shards(dir); !remote || !remote->empty()) {
        return make_error(Errc::FailedPrecondition,
                          "this directory searches remote shards: write to the sharded index "
                          "they serve (cardex ingest --index DIR, which routes each card to its "
                          "shard)",
                          dir);
    }
    WriterLock lock(dir, options.wait_for_lock, options.lock_patience);
    if (!lock.held()) return lock.error();
    // Read the stub only once the lock is held: a reindex may have just switched it.
    auto gen = live_generation(dir);
    if (!gen) return std::move(gen).error();
    try {
        Xapian::WritableDatabase db = open_writable(gen.value());
        if (auto st = check_format(db); !st) return std::move(st).error();
        // A shard's documents carry the shard slots, upserted ones too (schema.h).
        const bool shard = !db.get_metadata(std::string(kMetaShard)).empty();
        auto dict = summary_dictionary(db);
        if (!dict) return std::move(dict).error();
        auto impl = std::unique_ptr<Impl>(new Impl{
            std::move(lock), std::move(db), {}, std::move(dict).value(), gen.value(), options, {}});
        impl->builder.set_shard_slots(shard);
        return IndexWriter(std::move(impl));
    } catch (const Xapian::Error& e) {
        return error_from_xapian(e, "cannot open index for writing");
    }
}

namespace {

// The namespace of an id ("" for a bare id).
std::string id_namespace(const std::string& id) {
    const auto slash = id.find('/');
    return slash == std::string::npos ? std::string() : id.substr(0, slash);
}

bool holds(const Xapian::Database& db, const std::string& term) {
    return db.postlist_begin(term) != db.postlist_end(term);
}

// The databases of one batch, each in a transaction begun on first touch, committed
// together (the public one after its readers' holds), or cancelled together.
class Batch {
  public:
    explicit Batch(std::function<void()> before_public_commit, Xapian::WritableDatabase& pub)
        : before_public_(std::move(before_public_commit)), pub_(pub) {}
    ~Batch() { cancel(); }
    Xapian::WritableDatabase& touch(Xapian::WritableDatabase& db) {
        if (std::find(open_.begin(), open_.end(), &db) == open_.end()) {
            db.begin_transaction();
            open_.push_back(&db);
        }
        return db;
    }
    void commit() {
        while (!open_.empty()) {
            Xapian::WritableDatabase* db = open_.front();
            if (db == &pub_) before_public_();
            db->commit_transaction();
            open_.erase(open_.begin());
        }
    }
    void cancel() noexcept {
        for (auto* db : open_) {
            try {
                db->cancel_transaction();
            } catch (const Xapian::Error&) {
            }
        }
        open_.clear();
    }

  private:
    std::function<void()> before_public_;
    Xapian::WritableDatabase& pub_;
    std::vector<Xapian::WritableDatabase*> open_;
};

}  // namespace

// A card lives in the public database or in its namespace's private one (store.h). A card
// that changes sides is written where it now belongs first (all of the batch, committed),
// and only then deleted where it was: a crash in between leaves it in both (shown to whoever
// may see either, until the batch is retried), never in neither. Each database commits
// atomically; a batch over several databases is acknowledged once all have committed.
Result<std::size_t> IndexWriter::upsert(const std::vector<Card>& cards) {
    auto& im = *impl_;
    auto& pub = im.db;
    Batch batch([&] { im.before_commit(); }, pub);
    try {
        const auto now = static_cast<std::int64_t>(std::time(nullptr));
        std::vector<std::pair<Xapian::WritableDatabase*, std::string>> moved;
        for (const auto& card : cards) {
            Card c = card;
            const std::string key = id_term(card_type_name(c.type), c.id);
            Xapian::WritableDatabase& target = c.is_private ? *im.private_db(c.author, true) : pub;
            // Where the card may be now, other than its target: a private card in the public
            // database; a public one in the private database of its namespace (by author,
            // and by id for a bare id whose author changed).
            std::vector<Xapian::WritableDatabase*> elsewhere;
            if (c.is_private) {
                elsewhere.push_back(&pub);
            } else {
                for (const auto& ns : {c.author, id_namespace(c.id)}) {
                    auto* p = im.private_db(ns, false);
                    if (p && std::find(elsewhere.begin(), elsewhere.end(), p) == elsewhere.end())
                        elsewhere.push_back(p);
                }
            }
            // The record history (history.h): an unchanged card keeps its datestamp, and a
            // card that comes back is no longer deleted.
            c.datestamp = carried_datestamp(target, c, now);
            for (auto* other : elsewhere) {
                if (!holds(*other, key)) continue;
                if (c.datestamp == now) c.datestamp = carried_datestamp(*other, c, now);
                moved.emplace_back(other, key);
            }
            im.builder.set_summary_dictionary(c.is_private ? nullptr : im.summaries);
            Xapian::Document doc = im.builder.build(c);
            // The generation's position store (positions.h) is not rewritten: readers take
            // this card's positions from Xapian.
            doc.add_boolean_term(std::string(kTermLivePositions));
            batch.touch(target).replace_document(key, doc);
            // Its deletion record, if it was deleted: in the database it was deleted from.
            for (auto* db : elsewhere) {
                if (find_tombstone(*db, c.type, c.id))
                    clear_tombstone(batch.touch(*db), c.type, c.id);
            }
            if (find_tombstone(target, c.type, c.id))
                clear_tombstone(batch.touch(target), c.type, c.id);
            // Upserts do not keep docids in downloads order (writer.h).
            if (!target.get_metadata(std::string(kMetaDocidOrder)).empty())
                target.set_metadata(std::string(kMetaDocidOrder), "");
        }
        batch.commit();
        // Only now, with every card where it belongs: out of where they were.
        if (!moved.empty()) {
            for (auto& [db, key] : moved) batch.touch(*db).delete_document(key);
            batch.commit();
        }
        return cards.size();
    } catch (const Xapian::Error& e) {
        batch.cancel();
        return error_from_xapian(e,
                                 "upsert failed; the batch was not acknowledged (retrying it "
                                 "is safe: a card is written where it belongs before it "
                                 "leaves where it was)");
    } catch (const std::exception& e) {
        batch.cancel();
        return make_error(Errc::Internal, std::string("upsert failed: ") + e.what());
    }
}

Result<std::size_t> IndexWriter::remove(const std::vector<CardKey>& keys) {
    auto& im = *impl_;
    auto& pub = im.db;
    Batch batch([&] { im.before_commit(); }, pub);
    try {
        std::size_t existed = 0;
        const auto now = static_cast<std::int64_t>(std::time(nullptr));
        for (const auto& k : keys) {
            const std::string t = id_term(card_type_name(k.type), k.id);
            // The public database, then the private one of the id's namespace, then (a bare
            // id's card may name its author elsewhere) every private one.
            Xapian::WritableDatabase* where = holds(pub, t) ? &pub : nullptr;
            if (!where) {
                auto* p = im.private_db(id_namespace(k.id), false);
                if (p && holds(*p, t)) where = p;
            }
            if (!where && id_namespace(k.id).empty()) {
                for (const auto& pd : private_databases(im.generation)) {
                    auto* p = im.private_db(pd.ns, false);
                    if (p && holds(*p, t)) {
                        where = p;
                        break;
                    }
                }
            }
            if (!where) continue;
            ++existed;
            // A harvester learns of the deletion from its tombstone (history.h), kept in the
            // metadata of the database the card was in (never in its statistics): a private
            // card's only where its namespace's callers look. One whose summary cannot be
            // read is marked private (shown to admins only) wherever it was.
            auto p = where->postlist_begin(t);
            auto card = decode_summary(
                where->get_document(*p).get_data(), SummaryParts::Listing, im.summaries.get());
            record_tombstone(
                batch.touch(*where),
                card ? tombstone_of(*card, now) : Tombstone{k.type, k.id, {}, now, true, {}, {}});
            batch.touch(*where).delete_document(t);
        }
        batch.commit();
        return existed;
    } catch (const Xapian::Error& e) {
        batch.cancel();
        return error_from_xapian(e, "delete failed; the batch was not acknowledged");
    } catch (const std::exception& e) {
        batch.cancel();
        return make_error(Errc::Internal, std::string("delete failed: ") + e.what());
    }
}

std::uint64_t IndexWriter::revision() const { return impl_->db.get_revision(); }

}  // namespace cardex::index
