// `cardex reindex --index DIR SOURCE...`: read, normalize, build a new generation, swap.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "cardex/index/store.h"
#include "cardex/ingest/sources.h"
#include "commands.h"

namespace cardex::app {

namespace {

struct ReindexArgs {
    std::string index;
    std::vector<std::string> sources;
    std::string tables;
    std::string type;
    unsigned threads = 2;
    bool allow_rejects = false;
    bool quiet = false;
    bool wait = false;
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

int run_reindex(const ReindexArgs& a) {
    auto tables = ingest::Tables::load(a.tables.empty() ? ingest::Tables::default_dir() : a.tables);
    if (!tables) {
        std::cerr << "cardex reindex: " << tables.error().message << ": " << tables.error().detail
                  << "\n";
        return kExitFailure;
    }
    ingest::SourceOptions opts;
    if (!a.type.empty()) {
        opts.default_type = index::parse_card_type(a.type);
        if (!opts.default_type) {
            std::cerr << "cardex reindex: unknown --type " << a.type << "\n";
            return kExitUsage;
        }
    }
    const bool tty = ::isatty(2);
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<index::Card> cards;
    auto report = ingest::read_cards(a.sources, tables.value(), opts,
                                     [&](index::Card&& c) { cards.push_back(std::move(c)); },
                                     a.threads);
    const double read_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    print_issues("warning", report.warnings, a.quiet ? 0 : 20);
    print_issues("rejected", report.rejections, 50);
    print_issues("merged", report.notes, 20);
    if (!a.quiet) {
        std::fprintf(stderr, "read %zu records in %.1f s (%.0f/s): %zu accepted, %zu repaired, %zu rejected\n",
                     report.read, read_s, report.read / std::max(read_s, 1e-9), report.accepted,
                     report.repaired, report.rejected);
    }

    index::BuildOptions bo;
    bo.threads = a.threads;
    bo.wait_for_lock = a.wait;
    if (!a.quiet) {
        bo.progress = [tty](const index::BuildProgress& p) {
            const double rate = p.done / std::max(p.seconds, 1e-9);
            const double eta = p.done ? (p.total - p.done) / std::max(rate, 1e-9) : 0;
            if (tty) {
                const int width = 30;
                const int filled = p.total ? static_cast<int>(width * p.done / p.total) : width;
                std::fprintf(stderr, "\rindexing [%.*s%*s] %zu/%zu  %.0f cards/s  ETA %.0f s ",
                             filled, "##############################", width - filled, "",
                             p.done, p.total, rate, eta);
                if (p.done == p.total) std::fputc('\n', stderr);
            } else if (p.done == p.total || p.done % 50000 < 1024) {
                std::fprintf(stderr, "indexing: %zu/%zu cards, %.0f cards/s, ETA %.0f s\n", p.done,
                             p.total, rate, eta);
            }
        };
    }
    const std::size_t accepted = cards.size();
    auto stats = index::build_index(a.index, std::move(cards), bo);
    if (!stats) {
        std::cerr << "cardex reindex: " << stats.error().message;
        if (!stats.error().detail.empty()) std::cerr << " (" << stats.error().detail << ")";
        std::cerr << "\n";
        return stats.error().code == Errc::Unavailable ? kExitLocked : kExitFailure;
    }
    const double total_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr,
                 "summary: read %zu, indexed %zu, repaired %zu, rejected %zu; %.1f s, %.0f cards/s; "
                 "index %.1f MB at %s\n",
                 report.read, accepted, report.repaired, report.rejected, total_s,
                 accepted / std::max(total_s, 1e-9), stats->bytes / 1e6, stats->generation.c_str());
    for (const auto& [reason, n] : report.rejected_by_reason) {
        std::fprintf(stderr, "  rejected (%s): %zu\n", reason.c_str(), n);
    }
    for (const auto& [reason, n] : report.merged_by_reason) {
        std::fprintf(stderr, "  merged (%s): %zu\n", reason.c_str(), n);
    }
    if (report.rejected > 0 && !a.allow_rejects) {
        std::fprintf(stderr, "cardex reindex: %zu records rejected (use --allow-rejects to accept)\n",
                     report.rejected);
        return kExitRejects;
    }
    return kExitOk;
}

}  // namespace

void add_reindex(CLI::App& app, int& rc) {
    auto args = std::make_shared<ReindexArgs>();
    auto* cmd = app.add_subcommand("reindex", "Build a new index from sources and switch to it atomically");
    cmd->add_option("--index", args->index, "Index directory")->required();
    cmd->add_option("sources", args->sources, "Card sources (files, directories, - for stdin)")->required();
    cmd->add_option("--tables", args->tables, "Normalization tables directory");
    cmd->add_option("--type", args->type, "Card type for records that do not say (model|dataset|space)");
    cmd->add_option("--threads", args->threads, "Threads for parsing and indexing")->check(CLI::Range(1, 64));
    cmd->add_flag("--allow-rejects", args->allow_rejects, "Exit 0 even when records were rejected");
    cmd->add_flag("--quiet", args->quiet, "Only the summary and rejections");
    cmd->add_flag("--wait", args->wait, "Wait for another writer instead of failing");
    cmd->callback([args, &rc]() { rc = run_reindex(*args); });
}

}  // namespace cardex::app
