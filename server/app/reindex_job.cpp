#include "reindex_job.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>

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
    // The lock before the read: see writer_lock.h (an upsert acknowledged during our read
    // would otherwise be missing from what we publish).
    index::WriterLock lock(job.index, job.wait_for_lock);
    if (!lock.held()) {
        Error e = lock.error();
        return stop(e.code == Errc::Unavailable ? kExitLocked : kExitFailure, e.code,
                    std::move(e.message), std::move(e.detail));
    }
    index::BuildOptions bo;
    bo.threads = job.threads;
    bo.allow_empty = job.allow_empty;
    bo.held_lock = &lock;
    bo.progress = job.progress;
    bo.vocabulary = job.vocabulary;
    // Cards go to the build as they are read, spilled to its directory, never all in memory
    // (store.h, GenerationBuild); a run that may not publish abandons the build.
    auto build = index::GenerationBuild::start(job.index, bo);
    if (!build) {
        Error e = std::move(build).error();
        return stop(e.code == Errc::Unavailable ? kExitLocked : kExitFailure,
                    e.code,
                    std::move(e.message),
                    std::move(e.detail));
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
            if (auto st = build->add(std::move(c)); !st) {
                spill_error = std::move(st).error();
                stop_reading = true;
            }
        },
        job.threads);
    out.read_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.accepted = build->size();
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
    auto stats = build->finish();
    if (!stats) {
        out.exit_code = stats.error().code == Errc::Unavailable ? kExitLocked : kExitFailure;
        out.error = std::move(stats).error();
        return out;
    }
    out.stats = std::move(stats).value();
    out.exit_code = out.report.rejected > 0 ? kExitRejects : kExitOk;
    if (job.allow_rejects) out.exit_code = kExitOk;
    return out;
}

}  // namespace cardex::app
