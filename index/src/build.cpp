// Building a new generation: segments on every core, merged in two levels, sync, publish.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "cardex/index/history.h"
#include "cardex/index/pairs.h"
#include "cardex/index/positions.h"
#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/index/typo.h"
#include "cardex/index/writer_lock.h"
#include "generations.h"
#include "internal.h"
#include "spill.h"

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

std::size_t segment_cards(const BuildOptions& options, std::size_t cards) {
    const std::size_t fan_in = std::clamp<std::size_t>(options.merge_fan_in, 2, 64);
    const std::size_t threads = std::clamp<unsigned>(options.threads, 1, 64);
    // At most fan_in^2 segments: each merge opens at most fan_in databases (a few files each).
    const std::size_t max_segments = fan_in * fan_in;
    const std::size_t wanted =
        options.segment_docs > 0
            ? options.segment_docs
            : std::clamp<std::size_t>(cards / (4 * threads), kAutoSegmentMin, kAutoSegmentMax);
    return std::max<std::size_t>({1, wanted, (cards + max_segments - 1) / max_segments});
}

namespace {

constexpr std::size_t kBatchDocs = 500;

// The summaries' dictionary (summary.h): trained only from this many cards up (below, the
// bytes it would save are less than its own), on up to kDictionarySamples of them (about
// 25 MB of summaries, one second of training), into at most kDictionaryBytes. Measured on
// generated and real cards (docs/PERFORMANCE.md): 256 KB took 5% off 112 KB's size.
constexpr std::size_t kDictionaryMinCards = 1000;
constexpr std::size_t kDictionarySamples = 4000;
constexpr std::size_t kDictionaryBytes = 256 * 1024;

// The private cards of a build, one database per namespace under gen/private/ (store.h),
// in the order given (downloads order, so docids are too), with the deletion records of the
// namespace's private cards (a namespace whose private cards were all deleted keeps a
// database for them). `by_ns` holds each namespace's cards as spill references.
Status build_private(const fs::path& gen,
                     std::map<std::string, std::vector<SpillFile::Ref>> by_ns,
                     const SpillFile& spill,
                     const std::vector<Tombstone>& tombstones) {
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
                auto card = spill.read(list[i]);
                if (!card) return std::move(card).error();
                db.add_document(builder.build(*card));
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

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// What stays in memory per card until the build sorts: its sort key and where the spill
// file holds it (about 40 bytes plus the record key's text).
struct SpillKey {
    std::int64_t downloads = 0;
    SpillFile::Ref ref;
    std::uint32_t text = 0;    // offset of record_key(type, id) in the arena
    std::uint16_t id_at = 0;   // where the id starts inside the record key
    std::uint16_t length = 0;  // record key length (ids are at most 96 bytes: ingest's rule)
    CardType type = CardType::Model;
    bool is_private = false;
};

}  // namespace

struct GenerationBuild::Impl {
    std::string dir;
    fs::path root;
    BuildOptions options;
    std::optional<WriterLock> own_lock;
    Clock::time_point t0 = Clock::now();
    Clock::time_point last_report = t0;
    fs::path build;
    std::string previous;
    std::optional<HistoryCarrier> history;
    SpillFile spill;
    std::vector<SpillKey> keys;
    std::string arena;  // record keys, back to back
    // Namespaces of private cards (an index into keys each): few, so kept apart.
    std::vector<std::pair<std::string, std::uint32_t>> private_authors;
    bool finished = false;  // published, or failed: nothing left to remove
    bool is_staged = false;
    BuildStats stats;      // of the staged generation
    std::string gen_name;  // the staged generation's name

    std::string_view record(const SpillKey& k) const {
        return std::string_view(arena).substr(k.text, k.length);
    }
    std::string_view id(const SpillKey& k) const { return record(k).substr(k.id_at); }
    void report(const char* phase, std::size_t done, std::size_t total) const {
        if (options.progress) options.progress({phase, done, total, seconds_since(t0)});
    }
    Result<std::string> stage();
    Result<BuildStats> publish();
};

GenerationBuild::GenerationBuild(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GenerationBuild::GenerationBuild(GenerationBuild&&) noexcept = default;
GenerationBuild& GenerationBuild::operator=(GenerationBuild&&) noexcept = default;

GenerationBuild::~GenerationBuild() {
    // An abandoned build (the caller stopped, or finish failed) leaves nothing behind.
    if (impl_ && !impl_->finished && !impl_->build.empty()) {
        std::error_code ec;
        fs::remove_all(impl_->build, ec);
    }
}

std::size_t GenerationBuild::size() const {
    return impl_->keys.size();
}

Result<GenerationBuild> GenerationBuild::start(const std::string& dir, BuildOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->dir = dir;
    impl->root = fs::path(dir);
    std::error_code ec;
    fs::create_directories(impl->root, ec);
    if (ec)
        return make_error(Errc::Internal, "cannot create index directory: " + ec.message(), dir);
    // The caller may hold the lock already (a reindex takes it before reading its sources).
    if (options.held_lock == nullptr) {
        impl->own_lock.emplace(dir, options.wait_for_lock);
        if (!impl->own_lock->held()) return impl->own_lock->error();
    } else if (!options.held_lock->held() || fs::weakly_canonical(options.held_lock->dir(), ec) !=
                                                 fs::weakly_canonical(impl->root, ec)) {
        return make_error(Errc::Internal, "build_index: the lock given is not this index's", dir);
    }
    impl->options = std::move(options);
    // Leftovers of a build that was killed (build directories, a generation moved into place
    // whose stub switch never happened) and old generations nobody reads: we hold the lock,
    // so nobody else is building.
    impl->previous = read_stub(impl->root);
    remove_unpinned_generations(dir, impl->previous);
    // Datestamps of unchanged cards and the deletion records come from the generation this
    // one replaces (history.h); the tombstones go into the first segment.
    auto history = HistoryCarrier::open(
        impl->previous.empty() ? std::string() : (impl->root / impl->previous).string(),
        static_cast<std::int64_t>(std::time(nullptr)));
    if (!history) return std::move(history).error();
    impl->history.emplace(std::move(history).value());

    impl->build = impl->root / (std::string(kBuildPrefix) + std::to_string(::getpid()));
    fs::create_directories(impl->build, ec);
    if (ec) {
        return make_error(
            Errc::Internal, "cannot create build directory: " + ec.message(), impl->build.string());
    }
    auto spill = SpillFile::create((impl->build / "cards.spill").string());
    if (!spill) {
        fs::remove_all(impl->build, ec);
        return std::move(spill).error();
    }
    impl->spill = std::move(spill).value();
    return GenerationBuild(std::move(impl));
}

Status GenerationBuild::add(Card card) {
    Impl& m = *impl_;
    if (m.finished) return make_error(Errc::FailedPrecondition, "the build is finished", m.dir);
    if (m.keys.size() >= std::numeric_limits<std::uint32_t>::max() ||
        m.arena.size() > std::numeric_limits<std::uint32_t>::max() - 1024)
        return make_error(Errc::ResourceExhausted, "too many cards for one build", m.dir);
    // The key is sorted from a 16-bit length: a longer one is refused, never cut (ingest's
    // id rule keeps ids under 100 bytes; this guards the library's other callers).
    const std::string key = record_key(card.type, card.id);
    if (key.size() > std::numeric_limits<std::uint16_t>::max()) {
        return make_error(Errc::InvalidArgument,
                          "the card's id is " + std::to_string(card.id.size()) +
                              " bytes; a build sorts a type and id of at most 65,535 together",
                          card.id.substr(0, 64));
    }
    if (auto st = m.history->stamp(card); !st) return st;
    auto ref = m.spill.append(card);
    if (!ref) return std::move(ref).error();
    SpillKey k;
    k.downloads = card.downloads;
    k.ref = *ref;
    k.type = card.type;
    k.is_private = card.is_private;
    k.text = static_cast<std::uint32_t>(m.arena.size());
    k.id_at = static_cast<std::uint16_t>(card_type_name(card.type).size() + 1);
    k.length = static_cast<std::uint16_t>(key.size());
    m.arena.append(key);
    if (card.is_private) {
        m.private_authors.emplace_back(card.author, static_cast<std::uint32_t>(m.keys.size()));
    }
    m.keys.push_back(k);
    if (m.options.progress && (m.keys.size() % 1024) == 0) {
        const auto now = Clock::now();
        if (now - m.last_report > std::chrono::milliseconds(250)) {
            m.last_report = now;
            m.report("reading", m.keys.size(), 0);
        }
    }
    return Ok{};
}

Result<BuildStats> GenerationBuild::finish() {
    if (auto st = stage(); !st) return std::move(st).error();
    return publish();
}

Result<std::string> GenerationBuild::stage() {
    if (impl_->finished || impl_->is_staged)
        return make_error(Errc::FailedPrecondition, "the build is staged already");
    auto path = impl_->stage();
    impl_->is_staged = true;
    if (!path) impl_->finished = true;  // a failed stage removed the build directory
    return path;
}

Result<BuildStats> GenerationBuild::publish() {
    if (impl_->finished || !impl_->is_staged)
        return make_error(Errc::FailedPrecondition, "the build is not staged, or is finished");
    auto stats = impl_->publish();
    impl_->finished = true;  // either way: a failed publish removed the build directory
    return stats;
}

Result<std::string> GenerationBuild::Impl::stage() {
    std::error_code ec;
    auto fail = [&](Error e) -> Result<std::string> {
        fs::remove_all(build, ec);
        return e;
    };
    if (keys.empty() && !options.allow_empty) {
        return fail(make_error(Errc::FailedPrecondition,
                               "no cards to index; the live index is left as it was (an empty "
                               "index is published only when asked for: --allow-empty)",
                               dir));
    }
    if (auto st = spill.flush(); !st) return fail(std::move(st).error());
    stats.read_seconds = seconds_since(t0);
    stats.spill_bytes = spill.size();

    // Which cards the new generation holds, for the record history: a sorted list of record
    // keys searched by bisection (4 bytes a card, where a hash set would take ten times that).
    std::vector<std::uint32_t> by_record(keys.size());
    for (std::uint32_t i = 0; i < by_record.size(); ++i) by_record[i] = i;
    std::sort(by_record.begin(), by_record.end(), [&](std::uint32_t a, std::uint32_t b) {
        return record(keys[a]) < record(keys[b]);
    });
    auto history_carry = history->finish([&](std::string_view r) {
        auto it = std::lower_bound(
            by_record.begin(), by_record.end(), r, [&](std::uint32_t i, std::string_view x) {
                return record(keys[i]) < x;
            });
        return it != by_record.end() && record(keys[*it]) == r;
    });
    if (!history_carry) return fail(std::move(history_carry).error());
    history.reset();  // closes the previous generation
    by_record = {};

    // Descending downloads, ties by id (then type: a few ids name both a model and a
    // dataset): docid 1 is the most downloaded card, and a rebuild of the same input numbers
    // documents identically. Private cards go to their namespaces' databases (store.h),
    // never into the public one.
    std::vector<std::uint32_t> order;
    order.reserve(keys.size());
    for (std::uint32_t i = 0; i < keys.size(); ++i) {
        if (!keys[i].is_private) order.push_back(i);
    }
    auto before = [&](std::uint32_t ia, std::uint32_t ib) {
        const SpillKey &a = keys[ia], &b = keys[ib];
        if (a.downloads != b.downloads) return a.downloads > b.downloads;
        if (id(a) != id(b)) return id(a) < id(b);
        return card_type_name(a.type) < card_type_name(b.type);
    };
    std::sort(order.begin(), order.end(), before);
    std::sort(private_authors.begin(), private_authors.end(), [&](const auto& a, const auto& b) {
        if (a.first != b.first) return a.first < b.first;
        return before(a.second, b.second);
    });
    std::map<std::string, std::vector<SpillFile::Ref>> private_by_ns;
    for (const auto& [author, i] : private_authors) private_by_ns[author].push_back(keys[i].ref);
    const std::size_t private_count = private_authors.size();
    private_authors = {};

    // Deletion records go where the card was: a private card's to its namespace's database.
    std::vector<Tombstone> public_tombstones;
    for (const auto& t : history_carry->tombstones) {
        if (!t.is_private) public_tombstones.push_back(t);
    }

    gen_name = next_generation_name(root);

    // Many small segments, merged in two levels: each segment is a fresh database filled with
    // in-memory batches, so Xapian never merges a batch into a large B-tree (the cost that
    // makes its default indexing slow). Each run of `fan_in` consecutive segments is merged
    // into a part as soon as its last segment is built, by the thread that built it, while
    // the other threads go on building; the parts are merged once at the end. Merging a
    // group frees its segments, so the disk holds the parts and a few groups' segments at a
    // time rather than every segment (1.8 times the compacted size) beside the result.
    const auto t_index = Clock::now();
    const std::size_t n = order.size();
    const std::size_t fan_in = std::clamp<std::size_t>(options.merge_fan_in, 2, 64);
    const unsigned threads = std::max(1u, std::min<unsigned>(options.threads, 64));
    const std::size_t per_segment = segment_cards(options, n);
    const std::size_t segments = std::max<std::size_t>(1, (n + per_segment - 1) / per_segment);
    const std::size_t groups = (segments + fan_in - 1) / fan_in;
    const bool two_levels = groups > 1;  // else the segments are merged straight into place
    std::vector<std::string> shard_paths(segments);
    std::vector<std::string> errors(segments);
    std::vector<std::string> part_paths(two_levels ? groups : 0);
    std::vector<std::string> part_errors(groups);
    // Segments built per group: the thread whose increment completes a group merges it
    // (the increment orders every segment's writes, errors included, before the merge).
    std::unique_ptr<std::atomic<std::size_t>[]> built(new std::atomic<std::size_t>[groups]);
    for (std::size_t g = 0; g < groups; ++g) built[g] = 0;
    std::atomic<std::size_t> next_segment{0};
    std::atomic<std::size_t> done{0};
    std::atomic<bool> failed{false};  // stop taking segments: a full disk fails fast
    std::atomic<std::int64_t> merge_micros{0};
    std::mutex progress_mu;
    auto last = Clock::now();

    // Each segment's position store (positions.h) is beside it, `<segment>.pos`, for the
    // docids its cards get in the generation: compaction numbers every input's documents on
    // from the previous one's, so segment s's card i is docid i + 1 of the whole order.
    auto positions_of = [](const std::string& db) { return db + ".pos"; };
    // Xapian's position table too only where the store cannot serve (BuildOptions): a
    // shard is searched through Xapian's remote protocol.
    const bool xapian_positions = options.xapian_positions || !options.shard.empty();
    // The summaries' dictionary (summary.h), trained on cards spread evenly over the whole
    // order, so that rarely downloaded cards' templates are in it too. Shards have none:
    // their summaries reach the searcher through Xapian's remote protocol, where no
    // generation's dictionary is at hand.
    std::shared_ptr<const SummaryDictionary> summaries;
    if (options.shard.empty() && n >= kDictionaryMinCards) {
        const auto t_dict = Clock::now();
        const std::size_t take = std::min(n, kDictionarySamples);
        std::vector<std::string> samples;
        samples.reserve(take);
        std::size_t sampled = 0;
        for (std::size_t k = 0; k < take; ++k) {
            auto card = spill.read(keys[order[k * n / take]].ref);
            if (!card) return fail(std::move(card).error());
            samples.push_back(summary_bytes(*card));
            sampled += samples.back().size();
        }
        // zstd's advice: a dictionary about a hundredth of what it is trained on.
        auto trained = SummaryDictionary::train(
            samples, std::clamp<std::size_t>(sampled / 100, 4096, kDictionaryBytes));
        if (trained) summaries = std::move(trained).value();  // else: no dictionary, as small
        stats.summary_dictionary_bytes = summaries ? summaries->bytes().size() : 0;
        stats.summary_dictionary_seconds = seconds_since(t_dict);
    }
    auto build_segment = [&](std::size_t s,
                             DocumentBuilder& builder,
                             PositionCollector& positions) {
        const std::size_t lo = s * per_segment, hi = std::min(n, lo + per_segment);
        char name[32];
        std::snprintf(name, sizeof name, "seg-%06zu", s);
        shard_paths[s] = (build / name).string();
        positions.reset(static_cast<std::uint32_t>(lo + 1));
        try {
            // The builder's term numbers restart with the segment: the names it holds are
            // the segment's, as the collector's are, not the whole build's vocabulary.
            builder.set_collect_positions(true);
            Xapian::WritableDatabase db(shard_paths[s],
                                        Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC |
                                            Xapian::DB_BACKEND_GLASS);
            for (std::size_t i = lo; i < hi; ++i) {
                auto card = spill.read(keys[order[i]].ref);
                if (!card) {
                    errors[s] = card.error().message + " (" + card.error().detail + ")";
                    return;
                }
                Xapian::Document doc = builder.build(*card);
                positions.add(static_cast<std::uint32_t>(i + 1), builder);
                db.add_document(doc);
                // Xapian's in-memory batch costs more than linearly as it grows; small
                // batches measured fastest (docs/PERFORMANCE.md).
                if ((i - lo + 1) % kBatchDocs == 0) db.commit();
                std::size_t d = ++done;
                if (options.progress && (d % 1024) == 0) {
                    std::lock_guard g(progress_mu);
                    auto now = Clock::now();
                    if (now - last > std::chrono::milliseconds(250)) {
                        last = now;
                        report("indexing", d, n);
                    }
                }
            }
            set_format_metadata(db, true);
            if (!options.shard.empty()) db.set_metadata(std::string(kMetaShard), options.shard);
            if (s == 0) write_tombstones(db, public_tombstones);
            // Into the first segment only: merging copies a key that one source has.
            if (s == 0 && options.vocabulary) options.vocabulary->write(db);
            if (s == 0 && summaries)
                db.set_metadata(std::string(kMetaSummaryDict), summaries->bytes());
            db.commit();
            if (auto st = positions.write(positions_of(shard_paths[s])); !st)
                errors[s] = st.error().message + " (" + st.error().detail + ")";
        } catch (const Xapian::Error& e) {
            errors[s] = e.get_description();
        } catch (const std::exception& e) {  // bad_alloc, filesystem errors
            errors[s] = e.what();
        }
    };
    // Merges group g's segments, in order, into its part and removes them. A group with a
    // failed segment is left alone: the build fails with the segment's error.
    auto merge_group = [&](std::size_t g) {
        const std::size_t lo = g * fan_in, hi = std::min(segments, lo + fan_in);
        for (std::size_t s = lo; s < hi; ++s) {
            if (!errors[s].empty()) return;
        }
        const auto t = Clock::now();
        char name[32];
        std::snprintf(name, sizeof name, "part-%06zu", g);
        part_paths[g] = (build / name).string();
        std::vector<std::string> stores;
        for (std::size_t s = lo; s < hi; ++s) stores.push_back(positions_of(shard_paths[s]));
        try {
            Xapian::Database in;
            for (std::size_t s = lo; s < hi; ++s) in.add_database(Xapian::Database(shard_paths[s]));
            in.compact(part_paths[g], Xapian::DBCOMPACT_MULTIPASS);
        } catch (const Xapian::Error& e) {
            part_errors[g] = e.get_description();
            failed = true;
            return;
        }
        if (auto st = merge_position_files(stores, positions_of(part_paths[g])); !st) {
            part_errors[g] = st.error().message + " (" + st.error().detail + ")";
            failed = true;
            return;
        }
        std::error_code rm;
        for (std::size_t s = lo; s < hi; ++s) {
            fs::remove_all(shard_paths[s], rm);
            fs::remove(stores[s - lo], rm);
        }
        merge_micros +=
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t).count();
    };
    // Each thread counts its cards' spelling words (typo.h), summed after the last segment:
    // the vocabulary is far smaller than the cards (212,000 words at 1M generated cards).
    std::vector<WordCounts> word_counts(threads);
    auto worker = [&](unsigned t) {
        DocumentBuilder builder;
        builder.set_word_counts(&word_counts[t]);
        builder.set_shard_slots(!options.shard.empty());
        builder.set_collect_positions(true);
        builder.set_xapian_positions(xapian_positions);
        builder.set_summary_dictionary(summaries);
        PositionCollector positions;
        for (std::size_t s; !failed && (s = next_segment++) < segments;) {
            build_segment(s, builder, positions);
            if (!errors[s].empty()) failed = true;
            const std::size_t g = s / fan_in;
            const std::size_t in_group = std::min(segments, (g + 1) * fan_in) - g * fan_in;
            if (two_levels && ++built[g] == in_group && !failed) merge_group(g);
        }
    };
    std::vector<std::thread> workers;
    for (unsigned t = 1; t < threads && t < segments; ++t) workers.emplace_back(worker, t);
    worker(0);
    for (auto& w : workers) w.join();
    for (const auto& e : errors) {
        if (!e.empty()) return fail(make_error(Errc::Internal, "building index failed: " + e, dir));
    }
    for (const auto& e : part_errors) {
        if (!e.empty())
            return fail(make_error(Errc::Internal, "merging segments failed: " + e, dir));
    }
    stats.index_seconds = seconds_since(t_index);
    stats.segments = segments;
    stats.segment_cards = per_segment;
    stats.merge_seconds = static_cast<double>(merge_micros.load()) / 1e6;
    const std::vector<std::string>& inputs = two_levels ? part_paths : shard_paths;
    // The spelling vocabulary and the typo dictionary (typo.h), which needs the id words of
    // every card: stored in the first input, whose metadata merging copies like the
    // vocabulary's.
    for (std::size_t t = 1; t < word_counts.size(); ++t) {
        add_word_counts(word_counts[0], word_counts[t]);
        WordCounts().swap(word_counts[t]);
    }
    const WordList words = sorted_words(std::move(word_counts[0]));
    try {
        Xapian::Database all;
        for (const auto& p : inputs) all.add_database(Xapian::Database(p));
        const std::string typo = TypoDictionary::collect(all, words);
        Xapian::WritableDatabase first(
            inputs.front(), Xapian::DB_OPEN | Xapian::DB_NO_SYNC | Xapian::DB_BACKEND_GLASS);
        first.set_metadata(std::string(kMetaWords), TypoDictionary::encode(words));
        first.set_metadata(std::string(kMetaTypo), typo);
        first.commit();
    } catch (const Xapian::Error& e) {
        return fail(error_from_xapian(e, "building the typo dictionary failed"));
    }
    report("compacting", n, n);

    // The private databases are built before the final merge, beside it, so that the spill
    // (the last reader of the cards) is gone when the merge needs the disk.
    const auto t_compact = Clock::now();
    const fs::path private_gen = build / "private-gen";
    if (auto st =
            build_private(private_gen, std::move(private_by_ns), spill, history_carry->tombstones);
        !st) {
        return fail(std::move(st).error());
    }
    spill = SpillFile{};
    fs::remove(build / "cards.spill", ec);

    // Merge in order: compaction renumbers docids contiguously, input by input, so the
    // downloads order survives, and fills every block.
    const fs::path staged = build / gen_name;
    try {
        Xapian::Database all;
        for (const auto& p : inputs) all.add_database(Xapian::Database(p));
        // User metadata (format version, docid order) is identical in every input and
        // carried over by compaction; the tombstones, the vocabulary and the typo dictionary
        // are in the first input only (compaction copies a key that one source has).
        all.compact(staged.string(), Xapian::DBCOMPACT_MULTIPASS);
    } catch (const Xapian::Error& e) {
        return fail(error_from_xapian(e, "compacting index failed"));
    }
    // The position store: the inputs' stores concatenated, checked against the compacted
    // database (the same docids, or the store would answer for the wrong cards).
    {
        const auto t_positions = Clock::now();
        std::vector<std::string> stores;
        for (const auto& p : inputs) stores.push_back(positions_of(p));
        const std::string store = (staged / kPositionsFile).string();
        if (auto st = merge_position_files(stores, store); !st) {
            return fail(make_error(Errc::Internal,
                                   "building the position store failed: " + st.error().message,
                                   st.error().detail));
        }
        for (const auto& p : stores) fs::remove(p, ec);
        auto opened = PositionStore::open(store);
        if (!opened) return fail(std::move(opened).error());
        try {
            Xapian::WritableDatabase made(
                staged.string(), Xapian::DB_OPEN | Xapian::DB_NO_SYNC | Xapian::DB_BACKEND_GLASS);
            if (opened.value()->first_docid() != 1 ||
                opened.value()->last_docid() != made.get_lastdocid() ||
                made.get_doccount() != made.get_lastdocid()) {
                return fail(make_error(Errc::Internal,
                                       "the position store covers docids " +
                                           std::to_string(opened.value()->first_docid()) + "-" +
                                           std::to_string(opened.value()->last_docid()) +
                                           ", the index 1-" + std::to_string(made.get_lastdocid()),
                                       store));
            }
            made.set_metadata(std::string(kMetaPositions), opened.value()->tag());
            if (!xapian_positions) made.set_metadata(std::string(kMetaXapianPositions), "store");
            made.commit();
            stats.positions_bytes = opened.value()->file_bytes();
            stats.positions_seconds = seconds_since(t_positions);
        } catch (const Xapian::Error& e) {
            return fail(error_from_xapian(e, "recording the position store failed"));
        }
        // Readers use the filter only beside the store whose tag it records (pairs.h).
        auto pairs = write_pair_filter(*opened.value(), (staged / kPairsFile).string());
        if (!pairs) {
            return fail(make_error(pairs.error().code,
                                   "building the pair filter failed: " + pairs.error().message,
                                   pairs.error().detail));
        }
        stats.pairs_bytes = pairs.value().bytes;
        stats.pairs_seconds = pairs.value().seconds;
    }
    // The inputs are copied: their disk space is needed more than they are.
    for (const auto& p : inputs) fs::remove_all(p, ec);
    // An error here must fail the build: a skipped move would publish without private cards.
    const bool has_private = fs::exists(private_gen / kPrivateDir, ec);
    if (!ec && has_private) fs::rename(private_gen / kPrivateDir, staged / kPrivateDir, ec);
    if (ec) {
        return fail(make_error(Errc::Internal,
                               "cannot move the private databases into place: " + ec.message(),
                               (staged / kPrivateDir).string()));
    }
    fs::remove_all(private_gen, ec);
    stats.compact_seconds = seconds_since(t_compact);
    stats.indexed = n + private_count;
    return staged.string();
}

Result<BuildStats> GenerationBuild::Impl::publish() {
    report("publishing", stats.indexed, stats.indexed);
    const auto t_publish = Clock::now();
    if (auto st = publish_generation(root, build, gen_name); !st) return std::move(st).error();
    stats.publish_seconds = seconds_since(t_publish);
    stats.seconds = seconds_since(t0);
    stats.generation = (root / gen_name).string();
    stats.bytes = directory_bytes(stats.generation);
    return stats;
}

Result<BuildStats> build_index(const std::string& dir,
                               std::vector<Card> cards,
                               const BuildOptions& options) {
    auto b = GenerationBuild::start(dir, options);
    if (!b) return std::move(b).error();
    for (auto& c : cards) {
        if (auto st = b->add(std::move(c)); !st) return std::move(st).error();
    }
    cards = {};
    return b->finish();
}

}  // namespace cardex::index
