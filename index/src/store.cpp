// Index generations: the stub that names the live one, opening, and building a new one.
#include "cardex/index/store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "cardex/index/schema.h"
#include "internal.h"
#include "lock.h"

namespace fs = std::filesystem;

namespace cardex::index {

Error error_from_xapian(const Xapian::Error& e, std::string_view what) {
    Errc code = Errc::Internal;
    const std::string type = e.get_type();
    if (type == "InvalidArgumentError" || type == "QueryParserError" || type == "RangeError" ||
        type == "WildcardError") {
        code = Errc::InvalidArgument;
    } else if (type == "DocNotFoundError") {
        code = Errc::NotFound;
    } else if (type == "DatabaseLockError") {
        code = Errc::Unavailable;
    } else if (type == "DatabaseCorruptError") {
        code = Errc::DataLoss;
    } else if (type == "DatabaseOpeningError" || type == "DatabaseVersionError") {
        code = Errc::FailedPrecondition;
    } else if (type == "DatabaseModifiedError") {
        code = Errc::Unavailable;
    }
    return make_error(code, std::string(what) + ": " + e.get_description());
}

namespace {

constexpr const char* kStubName = "XAPIANDB";
constexpr const char* kGenPrefix = "gen-";
constexpr const char* kBuildPrefix = "build-";
constexpr std::size_t kBatchDocs = 500;

// The generation a stub names, or "" if there is no stub.
std::string read_stub(const fs::path& dir) {
    std::ifstream in(dir / kStubName);
    std::string kind, name;
    if (!(in >> kind >> name) || kind != "auto") return {};
    return name;
}

Status write_stub(const fs::path& dir, const std::string& generation) {
    const fs::path tmp = dir / (std::string(kStubName) + ".tmp");
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return make_error(Errc::Internal, "cannot write index stub", tmp.string());
    const std::string text = "auto " + generation + "\n";
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ok = ::fsync(fd) == 0 && ok;
    ::close(fd);
    if (!ok) return make_error(Errc::Internal, "cannot write index stub", tmp.string());
    // rename() is atomic: a reader sees the old stub or the new one, never a mix.
    if (::rename(tmp.c_str(), (dir / kStubName).c_str()) != 0) {
        return make_error(Errc::Internal, "cannot switch index stub", dir.string());
    }
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return Ok{};
}

int generation_number(const std::string& name) {
    if (name.rfind(kGenPrefix, 0) != 0) return -1;
    try {
        return std::stoi(name.substr(4));
    } catch (...) {
        return -1;
    }
}

void set_format_metadata(Xapian::WritableDatabase& db, bool docid_order) {
    db.set_metadata(std::string(kMetaFormat), std::to_string(kFormatVersion));
    db.set_metadata(std::string(kMetaDocidOrder), docid_order ? "downloads" : "");
}

}  // namespace

std::uint64_t directory_bytes(const std::string& dir) {
    std::uint64_t total = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec)) total += it->file_size(ec);
    }
    return total;
}

Result<std::string> live_generation(const std::string& dir) {
    const fs::path d(dir);
    std::string gen = read_stub(d);
    if (gen.empty()) {
        return make_error(Errc::NotFound,
                          "no cardex index here (run `cardex reindex --index DIR SOURCE...`)", dir);
    }
    return (d / gen).string();
}

Status check_format(const Xapian::Database& db) {
    const std::string v = db.get_metadata(std::string(kMetaFormat));
    if (v != std::to_string(kFormatVersion)) {
        return make_error(Errc::FailedPrecondition,
                          "index format version " + (v.empty() ? std::string("unknown") : v) +
                              " is not " + std::to_string(kFormatVersion) +
                              "; rebuild it with `cardex reindex`",
                          v);
    }
    return Ok{};
}

Result<Xapian::Database> open_reader(const std::string& dir) {
    auto gen = live_generation(dir);
    if (!gen) return std::move(gen).error();
    try {
        Xapian::Database db(gen.value(), Xapian::DB_OPEN);
        if (auto st = check_format(db); !st) return std::move(st).error();
        return db;
    } catch (const Xapian::Error& e) {
        return error_from_xapian(e, "cannot open index " + gen.value());
    }
}

Result<BuildStats> build_index(const std::string& dir,
                               std::vector<Card> cards,
                               const BuildOptions& options) {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    const fs::path root(dir);
    std::error_code ec;
    fs::create_directories(root, ec);
    if (ec) return make_error(Errc::Internal, "cannot create index directory: " + ec.message(), dir);

    WriterLock lock(dir, options.wait_for_lock);
    if (!lock.held()) {
        return make_error(Errc::Unavailable, "index is locked by another writer", dir);
    }
    // Leftovers of a build that was killed: nobody else can be building (we hold the lock).
    for (const auto& e : fs::directory_iterator(root, ec)) {
        if (e.path().filename().string().rfind(kBuildPrefix, 0) == 0) fs::remove_all(e.path(), ec);
    }

    // Descending downloads, ties by id: docid 1 is the most downloaded card, and a rebuild
    // of the same input numbers documents identically.
    std::sort(cards.begin(), cards.end(), [](const Card& a, const Card& b) {
        if (a.downloads != b.downloads) return a.downloads > b.downloads;
        return a.id < b.id;
    });

    int next_gen = 1;
    for (const auto& e : fs::directory_iterator(root, ec)) {
        next_gen = std::max(next_gen, generation_number(e.path().filename().string()) + 1);
    }
    char gen_name[32];
    std::snprintf(gen_name, sizeof gen_name, "%s%06d", kGenPrefix, next_gen);
    const fs::path build = root / (std::string(kBuildPrefix) + std::to_string(::getpid()));
    fs::create_directories(build, ec);

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
                        options.progress({d, n, std::chrono::duration<double>(now - t0).count()});
                    }
                }
            }
            set_format_metadata(db, true);
            db.commit();
        } catch (const Xapian::Error& e) {
            errors[s] = e.get_description();
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
    if (options.progress) {
        options.progress({n, n, std::chrono::duration<double>(Clock::now() - t0).count()});
    }

    // Merge the shards in order: compaction renumbers docids contiguously, shard by shard,
    // so the downloads order survives, and fills every block.
    const fs::path staged = build / gen_name;
    try {
        Xapian::Database all;
        for (const auto& p : shard_paths) all.add_database(Xapian::Database(p));
        // User metadata (format version, docid order) is identical in every shard and
        // carried over by compaction.
        all.compact(staged.string(), Xapian::DBCOMPACT_MULTIPASS);
    } catch (const Xapian::Error& e) {
        fs::remove_all(build, ec);
        return error_from_xapian(e, "compacting index failed");
    }
    fs::rename(staged, root / gen_name, ec);
    if (ec) {
        fs::remove_all(build, ec);
        return make_error(Errc::Internal, "cannot move new generation into place", dir);
    }
    fs::remove_all(build, ec);

    const std::string previous = read_stub(root);
    if (auto st = write_stub(root, gen_name); !st) return std::move(st).error();

    // Keep the previous generation for readers that opened it before the switch; older ones
    // have been unread for a whole reindex and go.
    for (const auto& e : fs::directory_iterator(root, ec)) {
        const std::string name = e.path().filename().string();
        if (generation_number(name) >= 0 && name != gen_name && name != previous) {
            fs::remove_all(e.path(), ec);
        }
    }

    BuildStats stats;
    stats.indexed = n;
    stats.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    stats.generation = (root / gen_name).string();
    stats.bytes = directory_bytes(stats.generation);
    return stats;
}

}  // namespace cardex::index
