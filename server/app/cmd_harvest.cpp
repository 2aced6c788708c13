// `cardex harvest --from URL --index DIR`: mirror a Hub-compatible server into an index
// (server/include/cardex/server/harvest.h).
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cardex/server/harvest.h"
#include "commands.h"

namespace cardex::app {

namespace {

// Set by SIGINT/SIGTERM: the harvest stops before committing another batch. The handler is
// installed with SA_RESETHAND, so a second signal ends the process at once.
std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) {
    g_stop.store(true);
}

struct HarvestArgs {
    std::string from;
    std::string index;
    std::string types;
    std::string since;
    std::string token_file;
    std::string state;
    std::string ca_file;
    std::string tables;
    unsigned concurrency = 4;
    std::size_t page_size = 100;
    double timeout = 60;
    unsigned retries = 6;
    double backoff = 0.5;
    double max_wait = 60;
    bool wait = false;
    bool quiet = false;
};

// The token: the file's first line, without surrounding blanks. Never printed.
Result<std::string> read_token(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::InvalidArgument, "cannot read the token file", path);
    std::string line;
    std::getline(in, line);
    const auto b = line.find_first_not_of(" \t\r\n");
    const auto e = line.find_last_not_of(" \t\r\n");
    if (b == std::string::npos) {
        return make_error(Errc::InvalidArgument, "the token file is empty", path);
    }
    std::string token = line.substr(b, e - b + 1);
    // It goes into a header line: no blanks or control characters (a stray CR would start
    // another header).
    for (const char c : token) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            return make_error(Errc::InvalidArgument,
                              "the token file's first line has a blank or control character",
                              path);
        }
    }
    return token;
}

std::chrono::milliseconds ms(double seconds) {
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

int run_harvest(const HarvestArgs& a) {
    server::HarvestOptions o;
    o.origin = a.from;
    o.index = a.index;
    o.state_file = a.state;
    o.since = a.since;
    o.ca_file = a.ca_file;
    o.tables = a.tables;
    o.concurrency = a.concurrency;
    o.page_size = a.page_size;
    o.timeout = ms(a.timeout);
    o.retries = a.retries;
    o.backoff = ms(a.backoff);
    o.max_backoff = ms(a.max_wait);
    o.wait_for_lock = a.wait;
    if (!a.types.empty()) {
        o.types.clear();
        std::stringstream list(a.types);
        for (std::string t; std::getline(list, t, ',');) {
            auto type = index::parse_card_type(t);
            if (!type) {
                std::cerr << "cardex harvest: unknown --type '" << terminal_text(t)
                          << "' (model, dataset, space)\n";
                return kExitUsage;
            }
            if (std::find(o.types.begin(), o.types.end(), *type) == o.types.end()) {
                o.types.push_back(*type);
            }
        }
    }
    if (!a.token_file.empty()) {
        auto token = read_token(a.token_file);
        if (!token) {
            std::cerr << "cardex harvest: " << token.error().message << " (" << a.token_file
                      << ")\n";
            return kExitUsage;
        }
        o.token = std::move(token).value();
    }
    o.stop = &g_stop;
    const bool quiet = a.quiet;
    o.on_event = [quiet](const server::HarvestEvent& e) {
        using Kind = server::HarvestEvent::Kind;
        const std::string type(index::card_type_name(e.type));
        switch (e.kind) {
            case Kind::Batch:
                // This line is the acknowledgement: the batch is committed when it is printed.
                std::printf("%s\n", e.message.c_str());
                std::fflush(stdout);
                break;
            case Kind::Failed:
                std::cerr << "failed: " << type << "/" << terminal_text(e.id) << ": "
                          << terminal_text(e.message) << "\n";
                break;
            case Kind::Rejected:
                std::cerr << "rejected: " << terminal_text(e.message) << "\n";
                break;
            case Kind::Retry:
                if (!quiet) std::cerr << "retry: " << terminal_text(e.message) << "\n";
                break;
            case Kind::Note:
                if (!quiet) std::cerr << "harvest: " << terminal_text(e.message) << "\n";
                break;
        }
    };

    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    auto result = server::harvest(o);
    if (!result) {
        const Error& e = result.error();
        std::cerr << "cardex harvest: " << terminal_text(e.message);
        if (!e.detail.empty()) std::cerr << " (" << terminal_text(e.detail) << ")";
        std::cerr << "\n";
        if (e.code == Errc::Unavailable && e.message == "index is locked by another writer") {
            return kExitLocked;
        }
        if (e.code == Errc::InvalidArgument) return kExitUsage;
        std::cerr << "cardex harvest: what was committed stays; run the same command again to "
                     "resume after the last committed batch\n";
        return kExitFailure;
    }
    const server::HarvestSummary& s = result.value();
    std::fprintf(stderr,
                 "summary: listed %zu, fetched %zu (%zu without README), upserted %zu, repaired "
                 "%zu, failed %zu, deleted %zu, retried %zu, in %zu batches; listing form %s; "
                 "elapsed %.1f s%s\n",
                 s.listed,
                 s.fetched,
                 s.no_readme,
                 s.upserted,
                 s.repaired,
                 s.failed,
                 s.deleted,
                 s.retried,
                 s.batches,
                 s.listing_form.c_str(),
                 s.seconds,
                 s.renumbered ? "; renumbered" : "");
    if (s.pending > 0) {
        std::fprintf(stderr,
                     "%zu %s and will be tried again by the next harvest\n",
                     s.pending,
                     s.pending == 1 ? "card failed" : "cards failed");
    }
    if (s.interrupted) {
        std::cerr << "cardex harvest: interrupted; run the same command again to resume after "
                     "the last committed batch\n";
        return 130;
    }
    return s.failed > 0 ? kExitRejects : kExitOk;
}

}  // namespace

void add_harvest(CLI::App& app, int& rc) {
    auto a = std::make_shared<HarvestArgs>();
    auto* cmd = app.add_subcommand(
        "harvest",
        "Mirror a Hub-compatible server (the Hugging Face Hub, cardex serve) into an index");
    cmd->add_option("--from", a->from, "Base URL of the server (https://huggingface.co)")
        ->required();
    cmd->add_option("--index", a->index, "Index directory (created when there is none)")
        ->required();
    cmd->add_option(
        "--type", a->types, "Card types, comma-separated (default model,dataset,space)");
    cmd->add_option("--since",
                    a->since,
                    "ISO 8601 time: only cards modified after it (default: after the last "
                    "complete harvest)");
    cmd->add_option("--token-file", a->token_file, "File holding a token, sent as Bearer");
    cmd->add_option("--state", a->state, "Checkpoint file (default INDEX/harvest-state.json)");
    cmd->add_option("--concurrency", a->concurrency, "README downloads at once")
        ->check(CLI::Range(1, 64));
    cmd->add_option("--page-size", a->page_size, "Items per listing page and committed batch")
        ->check(CLI::Range(1, 1000));
    cmd->add_option("--timeout", a->timeout, "Seconds a request may take")
        ->check(CLI::Range(0.1, 3600.0));
    cmd->add_option("--retries", a->retries, "Attempts after the first, per request")
        ->check(CLI::Range(0, 100));
    cmd->add_option("--backoff", a->backoff, "Seconds before the first retry (doubled each time)")
        ->check(CLI::Range(0.0, 3600.0));
    cmd->add_option("--max-wait",
                    a->max_wait,
                    "Longest wait between attempts in seconds; a longer Retry-After fails")
        ->check(CLI::Range(0.0, 86400.0));
    cmd->add_option("--ca-file", a->ca_file, "PEM certificates for https (default: the system's)");
    cmd->add_option("--tables", a->tables, "Normalization tables of an index created here");
    cmd->add_flag("--wait", a->wait, "Wait for another writer instead of failing");
    cmd->add_flag("--quiet", a->quiet, "No progress or retry lines");
    cmd->callback([a, &rc]() { rc = run_harvest(*a); });
}

}  // namespace cardex::app
