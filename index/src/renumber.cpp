// Renumbering a live generation in build_index's docid order, by copying its documents.
//
// Why copy Xapian documents rather than rebuild from cards: the stored summary keeps only
// the first 4 KB of a card's plain text (summary.h), so the cards cannot be rebuilt from the
// index, and a harvested mirror has no sources to reindex from. A document copied from
// another database carries all its terms with positions and wdf, its values and its data,
// so the new generation answers every query exactly as the old one did, except that ties
// come out in downloads-then-id order, as after a reindex.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <tuple>

#include "cardex/index/pairs.h"
#include "cardex/index/positions.h"
#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/index/writer_lock.h"
#include "generations.h"
#include "internal.h"

namespace fs = std::filesystem;

namespace cardex::index {

namespace {

constexpr std::size_t kCommitDocs = 500;

struct Entry {
    double downloads = 0;
    std::string id;
    std::string type;
    Xapian::docid docid = 0;
};

// Every document of `db` in build_index's order: descending downloads, ties by id, then
// type. The id and type come from the unique key term, Q<type>/<id> (schema.h).
std::vector<Entry> downloads_order(const Xapian::Database& db) {
    std::vector<Entry> out;
    out.reserve(db.get_doccount());
    for (auto it = db.postlist_begin(std::string()); it != db.postlist_end(std::string()); ++it) {
        Entry e;
        e.docid = *it;
        const std::string v = db.get_document(e.docid).get_value(kSlotDownloads);
        e.downloads = v.empty() ? 0 : Xapian::sortable_unserialise(v);
        auto t = db.termlist_begin(e.docid);
        t.skip_to(std::string(kPrefixId));
        if (t != db.termlist_end(e.docid)) {
            const std::string key = *t;
            if (key.compare(0, kPrefixId.size(), kPrefixId) == 0) {
                const std::size_t slash = key.find('/');
                e.type = key.substr(kPrefixId.size(), slash - kPrefixId.size());
                if (slash != std::string::npos) e.id = key.substr(slash + 1);
            }
        }
        out.push_back(std::move(e));
    }
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
        return std::tie(b.downloads, a.id, a.type) < std::tie(a.downloads, b.id, b.type);
    });
    return out;
}

// The position store of a generation whose cards have their positions there only
// (kMetaXapianPositions): a copy must carry them into a store for the new docids.
struct SourcePositions {
    std::shared_ptr<const PositionStore> store;
    std::vector<Xapian::docid> rewritten;  // ascending: kTermLivePositions, Xapian has theirs
};

// `src`'s positions store, when its cards' positions are only there; null when Xapian
// holds them (then copying documents copies them). Errors: DataLoss when the store the
// generation needs is missing, damaged or not its own.
Result<std::optional<SourcePositions>> source_positions(const Xapian::Database& src,
                                                        const fs::path& gen) {
    if (src.get_metadata(std::string(kMetaXapianPositions)) != "store")
        return std::optional<SourcePositions>();
    const std::string path = (gen / kPositionsFile).string();
    auto store = PositionStore::open(path);
    if (!store || src.get_metadata(std::string(kMetaPositions)) != store.value()->tag() ||
        !store.value()->verify()) {
        return make_error(Errc::DataLoss,
                          "the generation keeps its cards' positions in its position store, "
                          "which is missing, damaged or another generation's: reindex instead",
                          path);
    }
    SourcePositions out;
    out.store = std::move(store).value();
    const std::string live(kTermLivePositions);
    for (auto p = src.postlist_begin(live); p != src.postlist_end(live); ++p)
        out.rewritten.push_back(*p);
    return std::optional<SourcePositions>(std::move(out));
}

// Document `old` of `src` without Xapian positions: its terms (wdf kept, kTermLivePositions
// dropped: the new store holds every card), values and data; its positions go to `sorted`
// (by term, then position), from the store, or from Xapian for a card a writer rewrote.
Xapian::Document copy_to_store(const Xapian::Database& src,
                               Xapian::docid old,
                               const SourcePositions& from,
                               std::vector<TermPosition>& sorted,
                               std::size_t& count,
                               std::vector<std::uint32_t>& scratch) {
    const Xapian::Document in = src.get_document(old);
    const bool rewritten = std::binary_search(from.rewritten.begin(), from.rewritten.end(), old);
    Xapian::Document out;
    count = 0;
    auto put = [&](const std::string& term, std::uint32_t pos) {
        if (count == sorted.size()) sorted.emplace_back();
        sorted[count].term.assign(term);
        sorted[count++].pos = pos;
    };
    for (auto t = in.termlist_begin(); t != in.termlist_end(); ++t) {
        const std::string term = *t;
        if (term == kTermLivePositions) continue;
        const Xapian::termcount wdf = t.get_wdf();
        out.add_term(term, wdf);
        if (wdf == 0) continue;  // boolean terms have no positions
        if (rewritten) {
            for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) put(term, *p);
            continue;
        }
        PositionStore::Cursor c(*from.store, term);
        if (!c.seek(old) || c.card() != old) {
            if (c.corrupt()) throw std::runtime_error("the position store is corrupt at " + term);
            continue;
        }
        if (!c.positions(scratch))
            throw std::runtime_error("the position store is corrupt at " + term);
        for (const auto p : scratch) put(term, p);
    }
    for (auto v = in.values_begin(); v != in.values_end(); ++v) out.add_value(v.get_valueno(), *v);
    out.set_data(in.get_data());
    return out;
}

// Copies `src` into a fresh database at `dst` in downloads order, with its metadata. With
// `from`, the documents are copied without positions, which go into a new store at
// `store_path` for the new docids, named in the copy's metadata. The positions are
// collected `part_docs` cards at a time, each part written beside the store and the parts
// merged into it at the end, as a build's segments are: memory holds one part's positions
// (about 1.4 KB a card of the generated corpus), not the whole generation's.
void copy_renumbered(const Xapian::Database& src,
                     const std::string& dst,
                     const SourcePositions* from = nullptr,
                     const std::string& store_path = {},
                     std::size_t part_docs = 0) {
    Xapian::WritableDatabase out(
        dst, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC | Xapian::DB_BACKEND_GLASS);
    PositionCollector positions;
    positions.reset(1);
    std::vector<std::string> parts;
    auto write_part = [&](std::size_t next_docid) {
        parts.push_back(store_path + ".part-" + std::to_string(parts.size()));
        if (auto st = positions.write(parts.back()); !st)
            throw std::runtime_error(st.error().message + " (" + st.error().detail + ")");
        positions.reset(static_cast<std::uint32_t>(next_docid));
    };
    std::vector<TermPosition> sorted;
    std::vector<std::uint32_t> scratch;
    std::size_t n = 0;
    for (const Entry& e : downloads_order(src)) {
        if (from == nullptr) {
            out.add_document(src.get_document(e.docid));
        } else {
            std::size_t count = 0;
            out.add_document(copy_to_store(src, e.docid, *from, sorted, count, scratch));
            positions.add(static_cast<std::uint32_t>(n + 1), sorted, count);
        }
        ++n;
        if (n % kCommitDocs == 0) out.commit();
        if (from != nullptr && n % std::max<std::size_t>(1, part_docs) == 0) write_part(n + 1);
    }
    for (auto k = src.metadata_keys_begin(); k != src.metadata_keys_end(); ++k) {
        out.set_metadata(*k, src.get_metadata(*k));
    }
    if (from != nullptr) {
        // The cards after the last full part (or none: an empty store of no docids).
        if (parts.empty() || n % std::max<std::size_t>(1, part_docs) != 0) write_part(n + 1);
        auto merged = merge_position_files(parts, store_path);
        std::error_code ec;
        for (const auto& p : parts) fs::remove(p, ec);
        if (!merged)
            throw std::runtime_error(merged.error().message + " (" + merged.error().detail + ")");
        auto made = PositionStore::open(store_path);
        if (!made) throw std::runtime_error(made.error().message + " (" + store_path + ")");
        out.set_metadata(std::string(kMetaPositions), made.value()->tag());
    }
    set_format_metadata(out, true);
    out.commit();
    out.close();
}

}  // namespace

Result<BuildStats> renumber_index(const std::string& dir, const BuildOptions& options) {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    const fs::path root(dir);
    std::optional<WriterLock> own;
    if (options.held_lock != nullptr && !options.held_lock->held()) {
        return make_error(Errc::Internal, "renumber_index: the lock given is not held", dir);
    }
    if (options.held_lock == nullptr) {
        std::error_code ec;
        if (!fs::is_directory(root, ec)) return make_error(Errc::NotFound, "no index", dir);
        own.emplace(dir, options.wait_for_lock);
        if (!own->held()) return own->error();
    }
    const std::string previous = read_stub(root);
    if (previous.empty()) return make_error(Errc::NotFound, "no index", dir);
    remove_unpinned_generations(dir, previous);

    const std::string gen_name = next_generation_name(root);
    const fs::path build = root / (std::string(kBuildPrefix) + std::to_string(::getpid()));
    const fs::path staged = build / gen_name;
    std::error_code ec;
    fs::create_directories(build, ec);
    if (ec) {
        return make_error(
            Errc::Internal, "cannot create build directory: " + ec.message(), build.string());
    }
    std::size_t documents = 0;
    try {
        const std::string live = (root / previous).string();
        Xapian::Database src(live);
        if (auto st = check_format(src); !st) {
            fs::remove_all(build, ec);
            return std::move(st).error();
        }
        documents = src.get_doccount();
        if (options.progress) {
            options.progress({"renumbering",
                              0,
                              documents,
                              std::chrono::duration<double>(Clock::now() - t0).count()});
        }
        auto from = source_positions(src, root / previous);
        if (!from) {
            fs::remove_all(build, ec);
            return std::move(from).error();
        }
        // One copy in the new order, then a compaction: full blocks, as a build leaves them.
        const std::string copy = (build / "renumbered").string();
        const std::string store = (build / "renumbered.pos").string();
        // Positions in parts of a build's group of segments (of its smallest automatic
        // segments by default: 64,000 cards).
        const std::size_t segment =
            options.segment_docs > 0 ? options.segment_docs : kAutoSegmentMin;
        const std::size_t part_docs =
            segment * std::clamp<std::size_t>(options.merge_fan_in, 2, 64);
        copy_renumbered(src, copy, from.value() ? &*from.value() : nullptr, store, part_docs);
        if (options.progress) {
            options.progress({"compacting",
                              documents,
                              documents,
                              std::chrono::duration<double>(Clock::now() - t0).count()});
        }
        Xapian::Database(copy).compact(staged.string(), Xapian::DBCOMPACT_MULTIPASS);
        fs::remove_all(copy, ec);
        // Compacting one database keeps its docids 1..n: the store stays the generation's.
        if (from.value()) {
            fs::rename(store, staged / kPositionsFile);
            auto moved = PositionStore::open((staged / kPositionsFile).string());
            if (!moved)
                throw std::runtime_error(moved.error().message + " (" + moved.error().detail + ")");
            auto pairs = write_pair_filter(*moved.value(), (staged / kPairsFile).string());
            if (!pairs) {
                throw std::runtime_error("building the pair filter failed: " +
                                         pairs.error().message + " (" + pairs.error().detail + ")");
            }
        }
        for (const auto& p : private_databases(live)) {
            Xapian::Database priv(p.path);
            documents += priv.get_doccount();
            const fs::path to = private_db_path(staged.string(), p.ns);
            fs::create_directories(to.parent_path(), ec);
            copy_renumbered(priv, to.string());
        }
    } catch (const Xapian::Error& e) {
        fs::remove_all(build, ec);
        return error_from_xapian(e, "renumbering the index failed");
    } catch (const std::exception& e) {  // bad_alloc, filesystem errors
        fs::remove_all(build, ec);
        return make_error(
            Errc::Internal, std::string("renumbering the index failed: ") + e.what(), dir);
    }
    if (options.progress) {
        options.progress({"publishing",
                          documents,
                          documents,
                          std::chrono::duration<double>(Clock::now() - t0).count()});
    }
    if (auto st = publish_generation(root, build, gen_name); !st) return std::move(st).error();
    BuildStats stats;
    stats.indexed = documents;
    stats.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    stats.generation = (root / gen_name).string();
    stats.bytes = directory_bytes(stats.generation);
    return stats;
}

}  // namespace cardex::index
