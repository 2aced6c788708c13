// `cardex reindex --index DIR SOURCE...`: read, normalize, build a new generation, swap.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "cardex/index/store.h"
#include "cardex/ingest/sources.h"
#include "commands.h"
#include "reindex_job.h"

namespace cardex::app {

namespace {

struct ReindexArgs {
    std::string index;
    std::vector<std::string> sources;
    std::string tables;
    std::string type;
    unsigned threads = 2;
    std::size_t segment_cards = 0;
    bool allow_rejects = false;
    bool allow_empty = false;
    bool xapian_positions = false;
    bool quiet = false;
    bool wait = false;
    std::size_t shards = 0;
};

void print_issues(const char* what, const std::vector<ingest::Issue>& issues, std::size_t max) {
    std::size_t n = 0;
    for (const auto& i : issues) {
        if (n++ == max) {
            std::cerr << "  ... and " << issues.size() - max << " more " << what << "\n";
            break;
        }
        std::cerr << what << ": " << terminal_text(i.source) << ": " << i.reason << ": "
                  << terminal_text(i.message) << "\n";
    }
}

// The progress line: cards indexed with a rate and an ETA while indexing, then the phases
// that follow (compacting, publishing) by name, since they have no card count to show.
void print_progress(bool tty, const index::BuildProgress& p) {
    const std::string_view phase(p.phase);
    if (phase == "reading") {  // the total is known once every source is read
        if (!tty && p.done % 50000 >= 1024) return;
        std::fprintf(
            stderr,
            tty ? "\rreading: %zu cards, %.0f cards/s " : "reading: %zu cards, %.0f cards/s\n",
            p.done,
            p.done / std::max(p.seconds, 1e-9));
        return;
    }
    if (phase != "indexing") {
        std::fprintf(stderr, tty ? "\r%-70s\r%s (%.0f s so far)..." : "%.0s%s (%.0f s so far)\n",
                     "", p.phase, p.seconds);
        return;
    }
    const double rate = p.done / std::max(p.seconds, 1e-9);
    const double eta = p.done ? (p.total - p.done) / std::max(rate, 1e-9) : 0;
    if (tty) {
        const int width = 30;
        const int filled = p.total ? static_cast<int>(width * p.done / p.total) : width;
        std::fprintf(stderr, "\rindexing [%.*s%*s] %zu/%zu  %.0f cards/s  ETA %.0f s ", filled,
                     "##############################", width - filled, "", p.done, p.total, rate,
                     eta);
    } else if (p.done == p.total || p.done % 50000 < 1024) {
        std::fprintf(stderr, "indexing: %zu/%zu cards, %.0f cards/s, ETA %.0f s\n", p.done, p.total,
                     rate, eta);
    }
}

int run_reindex(const ReindexArgs& a) {
    auto vocab =
        index::Vocabulary::load(a.tables.empty() ? index::Vocabulary::default_dir() : a.tables);
    if (!vocab) {
        std::cerr << "cardex reindex: " << vocab.error().message << ": " << vocab.error().detail
                  << "\n";
        return kExitFailure;
    }
    ReindexJob job;
    job.index = a.index;
    job.sources = a.sources;
    job.vocabulary = vocab.value();
    if (!a.type.empty()) {
        job.source_options.default_type = index::parse_card_type(a.type);
        if (!job.source_options.default_type) {
            std::cerr << "cardex reindex: unknown --type " << a.type << "\n";
            return kExitUsage;
        }
    }
    job.threads = a.threads;
    job.segment_cards = a.segment_cards;
    job.allow_rejects = a.allow_rejects;
    job.allow_empty = a.allow_empty;
    job.xapian_positions = a.xapian_positions;
    job.wait_for_lock = a.wait;
    job.shards = a.shards;
    const bool tty = ::isatty(2);
    if (!a.quiet) job.progress = [tty](const index::BuildProgress& p) { print_progress(tty, p); };

    const auto t0 = std::chrono::steady_clock::now();
    const ReindexOutcome out = run_reindex_job(job);
    const auto& report = out.report;
    if (tty && !a.quiet && out.stats) std::fputc('\n', stderr);
    print_issues("warning", report.warnings, a.quiet ? 0 : 20);
    print_issues("rejected", report.rejections, 50);
    print_issues("merged", report.notes, 20);
    if (!a.quiet && out.exit_code != kExitLocked) {
        std::fprintf(stderr,
                     "read %zu records in %.1f s (%.0f/s): %zu accepted, %zu repaired, %zu "
                     "rejected\n",
                     report.read, out.read_seconds, report.read / std::max(out.read_seconds, 1e-9),
                     report.accepted, report.repaired, report.rejected);
    }
    if (!out.stats) {
        const Error& e = *out.error;
        std::cerr << "cardex reindex: " << e.message;
        if (!e.detail.empty()) std::cerr << " (" << e.detail << ")";
        std::cerr << "\n";
        return out.exit_code;
    }
    const double total_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr,
                 "summary: read %zu, indexed %zu, repaired %zu, rejected %zu; %.1f s, %.0f cards/s; "
                 "index %.1f MB at %s\n",
                 report.read, out.accepted, report.repaired, report.rejected, total_s,
                 out.accepted / std::max(total_s, 1e-9), out.stats->bytes / 1e6,
                 out.stats->generation.c_str());
    const auto& st = *out.stats;
    std::fprintf(stderr,
                 "phases: reading %.1f s (cards spilled: %.1f MB), indexing %.1f s (%zu "
                 "segments of %zu cards; of which "
                 "the summary dictionary %.1f s, %.0f KB; merging segments meanwhile: %.1f "
                 "thread s), compacting %.1f s (of which the position store %.1f s, %.1f MB, "
                 "its pair filter %.1f s, %.1f MB), publishing %.1f s\n",
                 st.read_seconds,
                 st.spill_bytes / 1e6,
                 st.index_seconds,
                 st.segments,
                 st.segment_cards,
                 st.summary_dictionary_seconds,
                 st.summary_dictionary_bytes / 1e3,
                 st.merge_seconds,
                 st.compact_seconds,
                 st.positions_seconds,
                 st.positions_bytes / 1e6,
                 st.pairs_seconds,
                 st.pairs_bytes / 1e6,
                 st.publish_seconds);
    for (const auto& [reason, n] : report.rejected_by_reason) {
        std::fprintf(stderr, "  rejected (%s): %zu\n", reason.c_str(), n);
    }
    for (const auto& [reason, n] : report.merged_by_reason) {
        std::fprintf(stderr, "  merged (%s): %zu\n", reason.c_str(), n);
    }
    return out.exit_code;
}

}  // namespace

void add_reindex(CLI::App& app, int& rc) {
    auto args = std::make_shared<ReindexArgs>();
    auto* cmd = app.add_subcommand("reindex", "Build a new index from sources and switch to it atomically");
    cmd->add_option("--index", args->index, "Index directory")->required();
    cmd->add_option("sources", args->sources, "Card sources (files, directories, - for stdin)")->required();
    cmd->add_option("--tables", args->tables,
                    "Normalization tables directory: the new index's vocabulary");
    cmd->add_option("--type", args->type, "Card type for records that do not say (model|dataset|space)");
    cmd->add_option("--threads", args->threads, "Threads for parsing and indexing")->check(CLI::Range(1, 64));
    cmd->add_option("--segment-cards",
                    args->segment_cards,
                    "Cards per segment (default: a quarter of each thread's share, 4000 to 20000; "
                    "larger past 256 segments): each is a fresh "
                    "database, merged 16 at a time; smaller ones mean more merging")
        ->check(CLI::Range(1, 10000000));
    cmd->add_flag("--allow-rejects", args->allow_rejects,
                  "Publish the accepted cards even when records were rejected (exit 0)");
    cmd->add_flag("--allow-empty", args->allow_empty, "Publish an index of zero cards");
    cmd->add_flag("--quiet", args->quiet, "Only the summary and rejections");
    cmd->add_flag("--wait", args->wait, "Wait for another writer instead of failing");
    cmd->add_flag("--xapian-positions",
                  args->xapian_positions,
                  "Keep the cards' positions in Xapian's position table too, not only in the "
                  "position store (for an index that read replicas follow: xapian-replicate "
                  "copies Xapian's tables only)");
    cmd->add_option("--shards",
                    args->shards,
                    "Build K shard indexes DIR/shard-000... (cards by a hash of type and id), "
                    "each servable by xapian-tcpsrv")
        ->check(CLI::Range(1, 1024));
    cmd->callback([args, &rc]() { rc = run_reindex(*args); });
}

}  // namespace cardex::app
