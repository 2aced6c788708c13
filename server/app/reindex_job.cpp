#include "reindex_job.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>

#include "cardex/index/schema.h"
#include "cardex/index/shards.h"
#include "cardex/index/writer_lock.h"
#include "commands.h"

namespace cardex::app {

namespace {

// Sources that could not be read at all: a missing file or a file of no known format loses
// every card it holds, which --allow-rejects (meant for a few bad records) must not wave
// through.
std::vector<const ingest::Issue*> unreadable_sources(const ingest::IngestReport& report) {
    std::vector<const ingest::Issue*> out;
    for (const auto& r : report.rejections) {
        if (r.reason == "unreadable" || r.reason == "format") out.push_back(&r);
    }
    return out;
}

}  // namespace

ReindexOutcome run_reindex_job(const ReindexJob& job) {
    ReindexOutcome out;
    auto stop = [&](int code, Errc errc, std::string message, std::string detail = {}) {
        out.exit_code = code;
        out.error = make_error(errc, std::move(message), std::move(detail));
        return out;
    };
    std::error_code ec;
    std::filesystem::create_directories(job.index, ec);
    if (ec) {
        return stop(kExitFailure, Errc::Internal, "cannot create index directory: " + ec.message(),
                    job.index);
    }
    // A directory that searches remote shards has no index of its own: a build would
    // replace its list of shards with a local generation.
    if (auto remote = index::remote_shards(job.index); !remote || !remote->empty()) {
        return stop(kExitUsage,
                    Errc::FailedPrecondition,
                    "this directory searches remote shards: reindex the sharded index they "
                    "serve (cardex reindex --shards K --index DIR)",
                    job.index);
    }
    auto had_shards = index::shard_count(job.index);
    if (!had_shards) {
        return stop(kExitFailure,
                    had_shards.error().code,
                    had_shards.error().message,
                    had_shards.error().detail);
    }
    if (job.shards > 0 && std::filesystem::exists(std::filesystem::path(job.index) / "XAPIANDB")) {
        return stop(kExitUsage,
                    Errc::InvalidArgument,
                    "this directory holds a single index; build the shards into another one",
                    job.index);
    }
    if (job.shards == 0 && had_shards.value() > 0) {
        return stop(kExitUsage,
                    Errc::InvalidArgument,
                    "this directory holds a sharded index of " +
                        std::to_string(had_shards.value()) + " shards; reindex it with --shards",
                    job.index);
    }
    // One build per shard (one in all for a single index), each into its own directory.
    const std::size_t parts = std::max<std::size_t>(1, job.shards);
    std::vector<std::string> dirs;
    for (std::size_t i = 0; i < parts; ++i)
        dirs.push_back(job.shards == 0 ? job.index : index::shard_dir(job.index, i));
    // The locks before the read: see writer_lock.h (an upsert acknowledged during our read
    // would otherwise be missing from what we publish). Taken in shard order, so two sharded
    // reindexes cannot each hold a part.
    std::vector<std::unique_ptr<index::WriterLock>> locks;
    std::vector<index::GenerationBuild> builds;
    for (std::size_t i = 0; i < parts; ++i) {
        std::filesystem::create_directories(dirs[i], ec);
        locks.push_back(std::make_unique<index::WriterLock>(dirs[i], job.wait_for_lock));
        if (!locks.back()->held()) {
            Error e = locks.back()->error();
            return stop(e.code == Errc::Unavailable ? kExitLocked : kExitFailure,
                        e.code,
                        std::move(e.message),
                        std::move(e.detail));
        }
        index::BuildOptions bo;
        bo.threads = job.threads;
        if (job.segment_cards > 0) bo.segment_docs = job.segment_cards;
        bo.allow_empty = job.allow_empty || job.shards > 0;  // a shard may get no card
        bo.held_lock = locks.back().get();
        bo.progress = job.progress;
        bo.vocabulary = job.vocabulary;
        bo.xapian_positions = job.xapian_positions;
        if (job.shards > 0) bo.shard = std::to_string(i) + "/" + std::to_string(job.shards);
        // Cards go to the build as they are read, spilled to its directory, never all in
        // memory (store.h, GenerationBuild); a run that may not publish abandons the build.
        auto build = index::GenerationBuild::start(dirs[i], bo);
        if (!build) {
            Error e = std::move(build).error();
            return stop(e.code == Errc::Unavailable ? kExitLocked : kExitFailure,
                        e.code,
                        std::move(e.message),
                        std::move(e.detail));
        }
        builds.push_back(std::move(build).value());
    }
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<Error> spill_error;
    // The read stops soon after the build refuses a card: nothing will be published, so the
    // remaining sources are not parsed for nothing.
    std::atomic<bool> stop_reading{false};
    ingest::SourceOptions source_options = job.source_options;
    source_options.stop = &stop_reading;
    out.report = ingest::read_cards(
        job.sources,
        job.vocabulary,
        source_options,
        [&](index::Card&& c) {
            if (spill_error) return;
            auto& build = builds[job.shards == 0 ? 0 : index::shard_of(c.type, c.id, job.shards)];
            if (auto st = build.add(std::move(c)); !st) {
                spill_error = std::move(st).error();
                stop_reading = true;
            }
        },
        job.threads);
    out.read_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (const auto& b : builds) out.accepted += b.size();
    if (spill_error) {
        return stop(kExitFailure,
                    spill_error->code,
                    "cannot keep the cards read: " + spill_error->message +
                        (out.report.stopped ? "; the read stopped after " +
                                                  std::to_string(out.report.read) + " records"
                                            : std::string()) +
                        "; nothing was published",
                    spill_error->detail);
    }
    if (const auto bad = unreadable_sources(out.report); !bad.empty()) {
        return stop(kExitRejects, Errc::InvalidArgument,
                    std::to_string(bad.size()) + " source(s) could not be read (" +
                        bad.front()->reason + ": " + bad.front()->message +
                        "); nothing was published",
                    bad.front()->source);
    }
    if (out.report.rejected > 0 && !job.allow_rejects) {
        return stop(kExitRejects, Errc::InvalidArgument,
                    std::to_string(out.report.rejected) +
                        " record(s) rejected; nothing was published (--allow-rejects publishes "
                        "the accepted ones)");
    }
    // (A single index's build refuses zero cards itself, in finish().)
    if (job.shards > 0 && out.accepted == 0 && !job.allow_empty) {
        return stop(kExitFailure,
                    Errc::FailedPrecondition,
                    "no cards to index; the live shards are left as they were (--allow-empty "
                    "publishes an empty index)",
                    job.index);
    }
    auto failed = [&](Error e) {
        out.exit_code = e.code == Errc::Unavailable ? kExitLocked : kExitFailure;
        out.error = std::move(e);
        return out;
    };
    if (job.shards == 0) {
        auto stats = builds[0].finish();
        if (!stats) return failed(std::move(stats).error());
        out.stats = std::move(stats).value();
    } else {
        // Every shard complete before any is published; the typo dictionary of them all
        // in each (shards.h).
        std::vector<std::string> staged;
        for (auto& b : builds) {
            auto path = b.stage();
            if (!path) return failed(std::move(path).error());
            staged.push_back(std::move(path).value());
        }
        if (auto st = index::share_typo_dictionary(staged); !st)
            return failed(std::move(st).error());
        index::BuildStats all;
        for (auto& b : builds) {
            auto stats = b.publish();
            if (!stats) return failed(std::move(stats).error());
            all.indexed += stats->indexed;
            all.bytes += stats->bytes;
            all.spill_bytes += stats->spill_bytes;
            all.read_seconds = std::max(all.read_seconds, stats->read_seconds);
            all.index_seconds += stats->index_seconds;
            all.compact_seconds += stats->compact_seconds;
            all.merge_seconds += stats->merge_seconds;
            all.publish_seconds += stats->publish_seconds;
        }
        if (auto st = index::write_shard_count(job.index, job.shards); !st)
            return failed(std::move(st).error());
        all.generation = job.index + " (" + std::to_string(job.shards) + " shards)";
        out.stats = std::move(all);
    }
    out.exit_code = out.report.rejected > 0 ? kExitRejects : kExitOk;
    if (job.allow_rejects) out.exit_code = kExitOk;
    return out;
}

}  // namespace cardex::app
