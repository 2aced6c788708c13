// Building a new generation: segments on every core, one compaction, sync, publish.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "cardex/index/history.h"
#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "generations.h"
#include "internal.h"
#include "cardex/index/writer_lock.h"

namespace fs = std::filesystem;

namespace cardex::index {

void set_format_metadata(Xapian::WritableDatabase& db, bool docid_order) {
    db.set_metadata(std::string(kMetaFormat), std::to_string(kFormatVersion));
    db.set_metadata(std::string(kMetaDocidOrder), docid_order ? "downloads" : "");
}

namespace {

// Makes a finished generation durable before the stub names it: every file and the
// directory itself. Compaction writes through the page cache; without this a power cut
// right after the switch could leave the stub naming a generation whose blocks never
// reached the disk.
Status make_durable(const fs::path& gen) {
    const fs::path lock = gen / kReaderLock;
    const int fd = ::open(lock.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return make_error(Errc::Internal, "cannot create the reader lock", lock.string());
    ::close(fd);
    std::error_code ec;
    // Files first, then their directories (the private databases are below gen/private/).
    std::vector<fs::path> dirs;
    for (fs::recursive_directory_iterator it(gen, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_directory(ec)) {
            dirs.push_back(it->path());
        } else if (it->is_regular_file(ec)) {
            if (auto st = fsync_path(it->path(), false); !st) return st;
        }
    }
    if (ec) return make_error(Errc::Internal, "cannot list the new generation", gen.string());
    for (auto d = dirs.rbegin(); d != dirs.rend(); ++d) {
        if (auto st = fsync_path(*d, true); !st) return st;
    }
    return fsync_path(gen, true);
}

}  // namespace

std::string next_generation_name(const fs::path& root) {
    int next_gen = 1;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root, ec)) {
        next_gen = std::max(next_gen, generation_number(e.path().filename().string()) + 1);
    }
    char gen_name[32];
    std::snprintf(gen_name, sizeof gen_name, "%s%06d", std::string(kGenPrefix).c_str(), next_gen);
    return gen_name;
}

Status publish_generation(const fs::path& root,
                          const fs::path& build,
                          const std::string& gen_name) {
    std::error_code ec;
    const fs::path staged = build / gen_name;
    if (auto st = make_durable(staged); !st) {
        fs::remove_all(build, ec);
        return std::move(st).error();
    }
    fs::rename(staged, root / gen_name, ec);
    if (ec) {
        fs::remove_all(build, ec);
        return make_error(Errc::Internal,
                          "cannot move new generation into place: " + ec.message(),
                          root.string());
    }
    fs::remove_all(build, ec);
    // The switch. A crash before it leaves the previous generation live and the new one an
    // orphan that the next build removes; after it, the new one is live.
    if (auto st = write_stub(root, gen_name); !st) {
        // Only a stub that does not name it yet may lose the new generation (the rename may
        // have happened and the directory sync failed after it).
        if (read_stub(root) != gen_name) fs::remove_all(root / gen_name, ec);
        return std::move(st).error();
    }
    // Generations a reader still pins stay until a later writer finds them unpinned.
    remove_unpinned_generations(root.string(), gen_name);
    return Ok{};
}

namespace {

constexpr std::size_t kBatchDocs = 500;

// The private cards of a build, one database per namespace under gen/private/ (store.h),
// in the order given (downloads order, so docids are too), with the deletion records of the
// namespace's private cards (a namespace whose private cards were all deleted keeps a
// database for them).
Status build_private(const fs::path& gen,
                     const std::vector<Card>& cards,
                     const std::vector<Tombstone>& tombstones) {
    std::map<std::string, std::vector<const Card*>> by_ns;
    for (const auto& c : cards) by_ns[c.author].push_back(&c);
    std::map<std::string, std::vector<Tombstone>> deleted;
    for (const auto& t : tombstones) {
        if (!t.is_private) continue;
        deleted[t.author].push_back(t);
        by_ns[t.author];
    }
    std::error_code ec;
    if (!by_ns.empty()) fs::create_directories(gen / kPrivateDir, ec);
    if (ec)
        return make_error(Errc::Internal,
                          "cannot create " + std::string(kPrivateDir) + ": " + ec.message(),
                          gen.string());
    DocumentBuilder builder;
    for (const auto& [ns, list] : by_ns) {
        const std::string path = private_db_path(gen.string(), ns);
        try {
            Xapian::WritableDatabase db(
                path,
                Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC | Xapian::DB_BACKEND_GLASS);
            for (std::size_t i = 0; i < list.size(); ++i) {
                db.add_document(builder.build(*list[i]));
                if ((i + 1) % kBatchDocs == 0) db.commit();
            }
            set_format_metadata(db, true);
            write_tombstones(db, deleted[ns]);
            db.commit();
        } catch (const Xapian::Error& e) {
            return error_from_xapian(e,
                                     "building the private cards of namespace '" + ns + "' failed");
        }
    }
    return Ok{};
}

}  // namespace

Result<BuildStats> build_index(const std::string& dir,
                               std::vector<Card> cards,
                               const BuildOptions& options) {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    const fs::path root(dir);
    std::error_code ec;
    fs::create_directories(root, ec);
    if (ec) return make_error(Errc::Internal, "cannot create index directory: " + ec.message(), dir);

    if (cards.empty() && !options.allow_empty) {
        return make_error(Errc::FailedPrecondition,
                          "no cards to index; the live index is left as it was (an empty "
                          "index is published only when asked for: --allow-empty)",
                          dir);
    }
    // The caller may hold the lock already (a reindex takes it before reading its sources).
    std::optional<WriterLock> own;
    if (options.held_lock == nullptr) {
        own.emplace(dir, options.wait_for_lock);
        if (!own->held()) return own->error();
    } else if (!options.held_lock->held() ||
               fs::weakly_canonical(options.held_lock->dir(), ec) != fs::weakly_canonical(root, ec)) {
        return make_error(Errc::Internal, "build_index: the lock given is not this index's", dir);
    }
    // Leftovers of a build that was killed (build directories, a generation moved into place
    // whose stub switch never happened) and old generations nobody reads: we hold the lock,
    // so nobody else is building.
    const std::string previous = read_stub(root);
    remove_unpinned_generations(dir, previous);
    // Datestamps of unchanged cards and the deletion records come from the generation this
    // one replaces (history.h); the tombstones go into the first segment.
    auto history = carry_history(previous.empty() ? std::string() : (root / previous).string(),
                                 cards, static_cast<std::int64_t>(std::time(nullptr)));
    if (!history) return std::move(history).error();

    // Descending downloads, ties by id (then type: a few ids name both a model and a
    // dataset): docid 1 is the most downloaded card, and a rebuild of the same input numbers
    // documents identically.
    std::sort(cards.begin(), cards.end(), [](const Card& a, const Card& b) {
        if (a.downloads != b.downloads) return a.downloads > b.downloads;
        if (a.id != b.id) return a.id < b.id;
        return card_type_name(a.type) < card_type_name(b.type);
    });

    // Private cards go to their namespaces' databases (store.h), never into the public one.
    const auto first_private = std::stable_partition(
        cards.begin(), cards.end(), [](const Card& c) { return !c.is_private; });
    std::vector<Card> private_cards(std::make_move_iterator(first_private),
                                    std::make_move_iterator(cards.end()));
    cards.erase(first_private, cards.end());

    // Deletion records go where the card was: a private card's to its namespace's database.
    std::vector<Tombstone> public_tombstones;
    for (const auto& t : history->tombstones) {
        if (!t.is_private) public_tombstones.push_back(t);
    }

    const std::string gen_name = next_generation_name(root);
    const fs::path build = root / (std::string(kBuildPrefix) + std::to_string(::getpid()));
    fs::create_directories(build, ec);
    if (ec) {
        return make_error(Errc::Internal, "cannot create build directory: " + ec.message(),
                          build.string());
    }

    // Many small segments, merged once: each segment is a fresh database filled with one
    // in-memory batch and committed once, so Xapian never merges a batch into a large
    // B-tree (the cost that makes its default indexing slow); compaction then merges the
    // sorted segments in one streaming pass. Workers take segments in turn.
    const std::size_t n = cards.size();
    // At most kMaxSegments: compaction opens every segment at once (a few files each).
    constexpr std::size_t kMaxSegments = 128;
    const std::size_t per_segment = std::max<std::size_t>(
        {std::size_t{1}, options.segment_docs, (n + kMaxSegments - 1) / kMaxSegments});
    const std::size_t segments = std::max<std::size_t>(1, (n + per_segment - 1) / per_segment);
    const unsigned threads = std::max(1u, std::min<unsigned>(options.threads, 64));
    std::vector<std::string> shard_paths(segments);
    std::vector<std::string> errors(segments);
    std::atomic<std::size_t> next_segment{0};
    std::atomic<std::size_t> done{0};
    std::mutex progress_mu;
    auto last_report = Clock::now();

    auto build_segment = [&](std::size_t s, DocumentBuilder& builder) {
        const std::size_t lo = s * per_segment, hi = std::min(n, lo + per_segment);
        char name[32];
        std::snprintf(name, sizeof name, "seg-%06zu", s);
        shard_paths[s] = (build / name).string();
        try {
            Xapian::WritableDatabase db(shard_paths[s],
                                        Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC |
                                            Xapian::DB_BACKEND_GLASS);
            for (std::size_t i = lo; i < hi; ++i) {
                db.add_document(builder.build(cards[i]));
                // Xapian's in-memory batch costs more than linearly as it grows; small
                // batches measured fastest (docs/PERFORMANCE.md).
                if ((i - lo + 1) % kBatchDocs == 0) db.commit();
                std::size_t d = ++done;
                if (options.progress && (d % 1024) == 0) {
                    std::lock_guard g(progress_mu);
                    auto now = Clock::now();
                    if (now - last_report > std::chrono::milliseconds(250)) {
                        last_report = now;
                        options.progress(
                            {"indexing", d, n, std::chrono::duration<double>(now - t0).count()});
                    }
                }
            }
            set_format_metadata(db, true);
            if (s == 0) write_tombstones(db, public_tombstones);
            // Into the first segment only: compaction copies a key that one source has.
            if (s == 0 && options.vocabulary) options.vocabulary->write(db);
            db.commit();
        } catch (const Xapian::Error& e) {
            errors[s] = e.get_description();
        } catch (const std::exception& e) {  // bad_alloc, filesystem errors
            errors[s] = e.what();
        }
    };
    auto worker = [&]() {
        DocumentBuilder builder;
        for (std::size_t s; (s = next_segment++) < segments;) build_segment(s, builder);
    };
    std::vector<std::thread> workers;
    for (unsigned t = 1; t < threads && t < segments; ++t) workers.emplace_back(worker);
    worker();
    for (auto& w : workers) w.join();
    for (const auto& e : errors) {
        if (!e.empty()) {
            fs::remove_all(build, ec);
            return make_error(Errc::Internal, "building index failed: " + e, dir);
        }
    }
    auto report_phase = [&](const char* phase) {
        if (options.progress) {
            options.progress({phase, n, n, std::chrono::duration<double>(Clock::now() - t0).count()});
        }
    };
    report_phase("compacting");

    // Merge the shards in order: compaction renumbers docids contiguously, shard by shard,
    // so the downloads order survives, and fills every block.
    const fs::path staged = build / gen_name;
    try {
        Xapian::Database all;
        for (const auto& p : shard_paths) all.add_database(Xapian::Database(p));
        // User metadata (format version, docid order) is identical in every shard and
        // carried over by compaction; the tombstones and the vocabulary are in the first
        // shard only (compaction copies a key that one source has).
        all.compact(staged.string(), Xapian::DBCOMPACT_MULTIPASS);
    } catch (const Xapian::Error& e) {
        fs::remove_all(build, ec);
        return error_from_xapian(e, "compacting index failed");
    }
    if (auto st = build_private(staged, private_cards, history->tombstones); !st) {
        fs::remove_all(build, ec);
        return std::move(st).error();
    }
    report_phase("publishing");
    if (auto st = publish_generation(root, build, gen_name); !st) return std::move(st).error();

    BuildStats stats;
    stats.indexed = n + private_cards.size();
    stats.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    stats.generation = (root / gen_name).string();
    stats.bytes = directory_bytes(stats.generation);
    return stats;
}

}  // namespace cardex::index
