// `cardex serve --index DIR [--listen HOST:PORT] [--threads N] [--heavy-threads N]
//  [--tokens FILE] [--reindex-source SRC]... [--prior W] [--phrase-check-limit N] ...`: the
//  HTTP server (`cardex serve --help` lists every option).
//
// The admin backend lives here, not in cardex::server: it parses cards with cardex::ingest,
// which the server library must not depend on (ARCHITECTURE.md), and hands the server a
// callback (server/include/cardex/server/admin.h).
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "cardex/index/store.h"
#include "cardex/index/writer.h"
#include "cardex/ingest/sources.h"
#include "cardex/query/searcher.h"
#include "cardex/server/server.h"
#include "commands.h"
#include "reindex_job.h"

namespace cardex::app {
namespace {

// Upserts, deletes and reindexes for the admin endpoints. Called from any server thread:
// writes are serialized by mu_ inside this process and by IndexWriter's lock across
// processes (a busy lock answers Unavailable, a 503, rather than blocking a worker).
class AdminBackendImpl {
public:
    AdminBackendImpl(std::string index_dir,
                     std::vector<std::string> sources,
                     std::string tables_dir)
        : index_dir_(std::move(index_dir)),
          sources_(std::move(sources)),
          tables_dir_(std::move(tables_dir)) {}

    ~AdminBackendImpl() {
        std::lock_guard lock(reindex_mu_);
        if (reindex_.joinable()) reindex_.join();
    }

    Result<server::AdminResult> operator()(const server::AdminRequest& req) {
        switch (req.op) {
            case server::AdminOp::Upsert: return upsert(req.body);
            case server::AdminOp::Delete: return remove(req.keys);
            case server::AdminOp::Reindex: return start_reindex();
            case server::AdminOp::ReindexStatus: return reindex_status();
        }
        return make_error(Errc::Internal, "unknown admin operation");
    }

private:
    // An admin write runs on a server thread, so it waits only briefly: for another writer
    // (an ingest batch commits in well under a second; a reindex answers Unavailable, 503
    // with Retry-After), and for searches still on the revision its commit recycles (they
    // re-run on a fresh snapshot if they outlast it).
    static index::WriterOptions writer_options() {
        index::WriterOptions o;
        o.lock_patience = std::chrono::milliseconds(500);
        o.reader_patience = std::chrono::milliseconds(200);
        return o;
    }

    Result<server::AdminResult> upsert(const std::string& body) {
        // ingest reads sources by name: the body goes through a private temporary file.
        std::string path = (std::filesystem::temp_directory_path() / "cardex-upsert-XXXXXX").string();
        const int fd = ::mkstemp(path.data());
        if (fd < 0) return make_error(Errc::Internal, "cannot create a temporary file");
        const bool written = ::write(fd, body.data(), body.size()) ==
                             static_cast<ssize_t>(body.size());
        ::close(fd);
        server::AdminResult out;
        std::vector<index::Card> cards;
        // Normalized with the index's own vocabulary, as every card before them was.
        auto vocab = index::read_vocabulary(index_dir_);
        if (written && vocab) {
            auto report = ingest::read_cards(
                {path},
                vocab.value(),
                {},
                [&](index::Card&& c) { cards.push_back(std::move(c)); },
                1);
            for (const auto& r : report.rejections) {
                // "FILE:LINE" -> "line LINE": the temporary name means nothing to the client.
                const std::size_t colon = r.source.rfind(':');
                out.rejected.push_back(
                    {colon == std::string::npos ? r.source : "line " + r.source.substr(colon + 1),
                     r.reason, r.message});
            }
        }
        std::filesystem::remove(path);
        if (!written) return make_error(Errc::Internal, "cannot write a temporary file");
        if (!vocab) return std::move(vocab).error();
        if (cards.empty()) return out;

        std::lock_guard lock(write_mu_);
        auto writer = index::IndexWriter::open(index_dir_, writer_options());
        if (!writer) return std::move(writer).error();
        auto n = writer->upsert(cards);
        if (!n) return std::move(n).error();
        out.upserted = n.value();
        out.revision = writer->revision();
        return out;
    }

    Result<server::AdminResult> remove(const std::vector<index::CardKey>& keys) {
        std::lock_guard lock(write_mu_);
        auto writer = index::IndexWriter::open(index_dir_, writer_options());
        if (!writer) return std::move(writer).error();
        auto n = writer->remove(keys);
        if (!n) return std::move(n).error();
        server::AdminResult out;
        out.deleted = n.value();
        out.revision = writer->revision();
        return out;
    }

    Result<server::AdminResult> start_reindex() {
        if (sources_.empty()) {
            return make_error(Errc::FailedPrecondition,
                              "no reindex sources: start the server with --reindex-source");
        }
        std::lock_guard lock(reindex_mu_);
        if (running_.load()) return make_error(Errc::Unavailable, "a reindex is already running");
        if (reindex_.joinable()) reindex_.join();
        running_.store(true);
        reindex_ = std::thread([this] { run_reindex(); });
        server::AdminResult out;
        out.reindex_running = true;
        out.message = "reindex started";
        return out;
    }

    Result<server::AdminResult> reindex_status() {
        server::AdminResult out;
        out.reindex_running = running_.load();
        std::lock_guard lock(message_mu_);
        out.message = last_message_;
        return out;
    }

    void run_reindex() {
        ReindexJob job;
        job.index = index_dir_;
        job.sources = sources_;
        // The tables as they are now: a reindex is how a changed vocabulary takes effect.
        ReindexOutcome out;
        if (auto vocab = index::Vocabulary::load(tables_dir_)) {
            job.vocabulary = std::move(vocab).value();
            out = run_reindex_job(job);
        } else {
            out.error = std::move(vocab).error();
        }
        std::string message;
        if (out.stats) {
            message = "reindexed " + std::to_string(out.accepted) + " cards (" +
                      std::to_string(out.report.rejected) + " rejected) into " +
                      out.stats->generation;
        } else {
            message = "reindex failed, nothing published: " + out.error->message;
        }
        std::cerr << "admin: " << message << "\n";
        {
            std::lock_guard lock(message_mu_);
            last_message_ = std::move(message);
        }
        running_.store(false);
    }

    std::string index_dir_;
    std::vector<std::string> sources_;
    std::string tables_dir_;
    std::mutex write_mu_;
    std::mutex reindex_mu_;
    std::thread reindex_;
    std::atomic<bool> running_{false};
    std::mutex message_mu_;
    std::string last_message_;
};

struct ServeArgs {
    server::ServeOptions opts;
    std::string tokens;
    std::vector<std::string> reindex_sources;
    std::string tables;
    unsigned deadline_ms = 2000;
    std::string log_format = "text";
};

int run_serve(ServeArgs& a) {
    if (!a.tokens.empty()) {
        auto store = server::TokenStore::load(a.tokens);
        if (!store) {
            std::cerr << "cardex serve: " << store.error().message << " (" << store.error().detail
                      << ")\n";
            return kExitUsage;
        }
        struct stat st {};
        if (::stat(a.tokens.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
            std::cerr << "cardex serve: warning: " << a.tokens
                      << " is readable by other users; chmod 600 it\n";
        }
        a.opts.handler.tokens =
            std::make_shared<const server::TokenStore>(std::move(store).value());
    }
    // Only an admin reindex reads the tables (upserts use the index's own vocabulary): a
    // directory that does not hold them is worth a warning now rather than a failed reindex.
    const std::string tables = a.tables.empty() ? index::Vocabulary::default_dir() : a.tables;
    if (!a.reindex_sources.empty()) {
        if (auto vocab = index::Vocabulary::load(tables); !vocab) {
            std::cerr << "cardex serve: warning: admin reindex will fail: " << vocab.error().message
                      << ": " << vocab.error().detail << "\n";
        }
    }
    auto backend = std::make_shared<AdminBackendImpl>(a.opts.index_dir, a.reindex_sources, tables);
    a.opts.handler.admin = [backend](const server::AdminRequest& req) { return (*backend)(req); };
    return server::serve(a.opts, std::cerr);
}

}  // namespace

void add_serve(CLI::App& app, int& rc) {
    auto args = std::make_shared<ServeArgs>();
    auto& opts = args->opts;
    auto* cmd = app.add_subcommand("serve", "Serve the HTTP API and the search page");
    cmd->add_option("--index", opts.index_dir, "Index directory")->required();
    cmd->add_option("--listen", opts.listen, "HOST:PORT (port 0: any free port)");
    cmd->add_option("--threads", opts.threads, "Search worker threads")->check(CLI::Range(1, 256));
    cmd->add_option("--heavy-threads",
                    opts.heavy_threads,
                    "Worker threads for searches with a phrase, wildcard or NEAR/ADJ in q, "
                    "which queue apart from the others (default: as many as --threads)")
        ->check(CLI::Range(1, 256));
    cmd->add_option("--heavy-nice",
                    opts.heavy_nice,
                    "Nice value added to the heavy-search workers (0-19; 0: the same priority "
                    "as the other searches)")
        ->check(CLI::Range(0, 19));
    cmd->add_option("--heavy-yield-at",
                    opts.heavy_yield_at,
                    "Phrase, wildcard or NEAR/ADJ searches in flight from which they pause "
                    "while plain searches want every core; one client sending them back to "
                    "back counts as this many (0: never; default: twice --heavy-threads)")
        ->check(CLI::Range(0, 1000000));
    cmd->add_option(
           "--heavy-share",
           opts.heavy_share,
           "While they flood and plain searches keep every core busy, the heavy "
           "searches' share in percent: one begins anyway every 2 ms * (100 - N) / N (0: none, "
           "shed at the deadline)")
        ->check(CLI::Range(0, 50));
    cmd->add_option("--cores",
                    opts.cores,
                    "Cores the searches share, for --heavy-yield-at (default: the machine's; "
                    "set it under a CPU quota)")
        ->check(CLI::Range(1, 4096));
    cmd->add_option("--max-connections", opts.max_connections,
                    "Connections at once (clamped to the open-file limit)")
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--max-connections-per-client", opts.max_connections_per_client,
                    "Connections one client address (IPv6: /64) may hold (0: no limit)");
    cmd->add_option("--rate-limit", opts.rate_limit,
                    "Requests per second per client, bursts of twice that (0: no limit)")
        ->check(CLI::Range(0.0, 1e6));
    cmd->add_option("--max-queued", opts.max_queued_requests,
                    "Requests waiting for a worker before new ones get 503")
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--log-format", args->log_format, "Log lines as 'text' or 'json'")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->add_option("--tokens", args->tokens,
                    "Tokens file: one 'TOKEN<TAB>ns1,ns2' or 'TOKEN<TAB>*admin*' per line")
        ->check(CLI::ExistingFile);
    cmd->add_flag("--unknown-token-anonymous", opts.handler.unknown_token_is_anonymous,
                  "Treat an unknown Bearer token as anonymous instead of answering 401");
    cmd->add_option("--reindex-source", args->reindex_sources,
                    "Card source that POST /api/admin/reindex rebuilds from (repeatable)");
    cmd->add_option("--tables",
                    args->tables,
                    "Normalization tables directory: the vocabulary of an admin reindex (upserts "
                    "use the index's own)");
    cmd->add_option("--deadline", args->deadline_ms,
                    "Milliseconds one request may compute before it is stopped (0: none)")
        ->check(CLI::Range(0, 600000));
    cmd->add_option("--prior",
                    opts.handler.prior_weight,
                    "Weight of the popularity prior in relevance ranking when a request gives no "
                    "'prior' (0: none, 0.6 default, at most 2)")
        ->check(CLI::Range(0.0, query::kMaxPriorWeight));
    cmd->add_option("--phrase-check-limit",
                    opts.handler.phrase_check_limit,
                    "Cards a quoted phrase is checked on before its total and facet counts become "
                    "lower bounds (total_relation \"gte\"; default 25000, 0: always exact)");
    cmd->callback([args, &rc]() {
        args->opts.handler.request_deadline = std::chrono::milliseconds(args->deadline_ms);
        // A shard that does not answer fails the request within its deadline.
        if (args->deadline_ms > 0)
            query::Searcher::set_shard_timeout(std::chrono::milliseconds(args->deadline_ms));
        args->opts.log_format =
            args->log_format == "json" ? server::LogFormat::Json : server::LogFormat::Text;
        rc = run_serve(*args);
    });
}

}  // namespace cardex::app
