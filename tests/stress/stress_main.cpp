// cardex_stress: the server keeps answering while its index is rewritten.
//
// Starts `cardex serve` (normally a ThreadSanitizer build) on an index of real cards, then at
// once: N keep-alive clients requesting every endpoint (and following cursors), a writer
// committing upserts and deletes as fast as the lock allows (each commit acknowledged),
// `cardex reindex` cycles over the same cards, and admin upserts over HTTP; a third of the
// writer's upserts make a card private (it moves to its namespace's database) and the next
// may make it public again, while anonymous clients check they never see it. It fails on a
// server crash or exit, a sanitizer report in the server's log, any unexpected non-2xx
// answer, a request slower than --max-latency-ms, or an acknowledged card missing at the
// end. ARCHITECTURE.md ("Readers and writers") states what is promised; docs/RELIABILITY.md
// records the soak runs (--long).
//
//   cardex_stress --cardex EXE [--server EXE] --cards FILE [--connections 64]
//                 [--seconds 20] [--reindex-cycles 2] [--commits 300] [--long]
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "cardex/index/store.h"
#include "cardex/index/writer.h"

namespace fs = std::filesystem;
namespace cidx = cardex::index;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kAdminToken = "stress-admin-token";
constexpr const char* kNsToken = "stress-ns-token";
constexpr const char* kStormAuthor = "stress-storm";

struct Options {
    std::string cardex, server, work;
    std::vector<std::string> cards;
    std::size_t cards_limit = 0;  ///< first N records of each card file (0: all)
    unsigned connections = 64;
    double seconds = 20;
    unsigned reindex_cycles = 2;
    unsigned commits = 300;
    double max_latency_ms = 10000;
    unsigned threads = 2;
};

// ---- processes -----------------------------------------------------------------------------

// fork() in a process with running threads: the child may only make async-signal-safe
// calls before exec (another thread may hold the allocator's lock at the fork), so the log
// file and argv are prepared before it.
pid_t spawn(const std::vector<std::string>& args, const std::string& log_path) {
    const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (log_fd >= 0) {
            ::dup2(log_fd, 1);
            ::dup2(log_fd, 2);
        }
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    if (log_fd >= 0) ::close(log_fd);
    return pid;
}

int run_wait(const std::vector<std::string>& args, const std::string& log_path) {
    const pid_t pid = spawn(args, log_path);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The value of `"key": "..."` in one JSON Lines record as the shipped cards write it (ids and
// types hold no quotes or escapes); empty when absent.
std::string record_field(const std::string& line, const std::string& key) {
    const std::string pat = "\"" + key + "\": \"";
    const auto at = line.find(pat);
    if (at == std::string::npos) return {};
    const auto end = line.find('"', at + pat.size());
    return end == std::string::npos ? std::string()
                                    : line.substr(at + pat.size(), end - at - pat.size());
}

// Rewrites a JSON Lines file of cards with a listing record of the same id and type (no
// README: it only merges into the card) beside each record, after one and before the next, so
// that listing records sit at odd and even lines alike. Returns how many it wrote.
std::size_t add_listing_records(const std::string& path) {
    std::istringstream in(slurp(path));
    std::string out, line;
    std::size_t listed = 0;
    while (std::getline(in, line)) {
        const std::string id = record_field(line, "id"), type = record_field(line, "type");
        if (id.empty() || type.empty()) {
            out += line + "\n";
            continue;
        }
        const std::string listing = R"({"id": ")" + id + R"(", "type": ")" + type + "\"}\n";
        out += listed++ % 2 == 0 ? line + "\n" + listing : listing + line + "\n";
    }
    std::ofstream(path, std::ios::trunc) << out;
    return listed;
}

// ---- HTTP client ---------------------------------------------------------------------------

struct Reply {
    int status = 0;  ///< 0: the connection failed
    std::string body;
    std::string error_code;  ///< X-Error-Code
    double ms = 0;
};

class Client {
public:
    explicit Client(unsigned short port) : port_(port) {}

    Reply request(http::verb verb, const std::string& target, const std::string& token = {},
                  const std::string& body = {}) {
        Reply r;
        const auto t0 = Clock::now();
        for (int attempt = 0; attempt < 2; ++attempt) {
            try {
                if (!stream_) connect();
                http::request<http::string_body> req{verb, target, 11};
                req.set(http::field::host, "127.0.0.1");
                if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
                if (!body.empty()) {
                    req.set(http::field::content_type, "application/x-ndjson");
                    req.body() = body;
                    req.prepare_payload();
                }
                http::write(*stream_, req);
                http::response<http::string_body> res;
                http::read(*stream_, buffer_, res);
                r.status = static_cast<int>(res.result_int());
                r.body = std::move(res.body());
                if (auto it = res.find("X-Error-Code"); it != res.end()) {
                    r.error_code = std::string(it->value());
                }
                if (!res.keep_alive()) stream_.reset();
                break;
            } catch (const std::exception&) {
                // A keep-alive connection the server closed (request cap, idle timeout):
                // one reconnect, as any HTTP client does.
                stream_.reset();
                buffer_.clear();
                if (attempt == 1) r.status = 0;
            }
        }
        r.ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        return r;
    }

private:
    void connect() {
        stream_.emplace(ioc_);
        stream_->connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    }

    unsigned short port_;
    net::io_context ioc_;
    std::optional<beast::tcp_stream> stream_;
    beast::flat_buffer buffer_;
};

std::string json_string_field(const std::string& body, const std::string& key) {
    const std::string pat = "\"" + key + "\":\"";
    const auto at = body.find(pat);
    if (at == std::string::npos) return {};
    const auto end = body.find('"', at + pat.size());
    return end == std::string::npos ? std::string() : body.substr(at + pat.size(), end - at - pat.size());
}

std::string url_escape(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            char b[4];
            std::snprintf(b, sizeof b, "%%%02X", c);
            out += b;
        }
    }
    return out;
}

// ---- bookkeeping ---------------------------------------------------------------------------

struct Stats {
    std::mutex mu;
    std::map<std::string, std::uint64_t> by_status;  // "200", "404 expected", ...
    std::vector<std::string> failures;               // first few unexpected answers
    std::uint64_t requests = 0, failed = 0, slow = 0, expired_cursors = 0;
    std::vector<double> latencies;
    double max_ms = 0;
    std::string slowest;

    void record(const std::string& target, const Reply& r, bool expected_ok, double bound_ms) {
        std::lock_guard g(mu);
        ++requests;
        latencies.push_back(r.ms);
        if (r.ms > max_ms) {
            max_ms = r.ms;
            slowest = target;
        }
        if (r.ms > bound_ms) ++slow;
        ++by_status[std::to_string(r.status) + (expected_ok ? "" : " UNEXPECTED")];
        if (!expected_ok) {
            ++failed;
            if (failures.size() < 20) {
                failures.push_back(std::to_string(r.status) + " " + target + " " + r.error_code +
                                   " " + r.body.substr(0, 200));
            }
        }
    }
};

// Storm cards: what the writer has acknowledged and not deleted since the last generation
// switch (a reindex publishes only the sources, so it drops them all).
struct Ledger {
    std::mutex mu;
    std::string generation;
    std::map<std::string, bool> present;  // id -> acknowledged present
    std::uint64_t commits = 0, upserts = 0, deletes = 0, lock_waits = 0;
};

// The word only private storm cards hold: an anonymous search for it must find nothing,
// whatever the writer is doing (private cards live in their namespace's database).
constexpr const char* kPrivateWord = "privstormword";
constexpr const char* kPrivateProbe = "/api/search?q=privstormword&limit=50";

cidx::Card storm_card(int n, std::int64_t downloads, bool is_private) {
    cidx::Card c;
    c.name = "storm-" + std::to_string(n);
    c.author = kStormAuthor;
    c.id = c.author + "/" + c.name;
    c.type = cidx::CardType::Model;
    c.title = "Storm card " + std::to_string(n);
    c.description = "A card written by the stress test's writer while clients search.";
    c.body = c.description + " bert named entity recognition norwegian";
    c.card_data_json = "{}";
    c.tasks = {"token-classification"};
    c.languages = {"nb"};
    c.license = "mit";
    c.downloads = downloads;
    if (is_private) {
        c.is_private = true;
        c.description += std::string(" ") + kPrivateWord;
    }
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    bool long_run = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << "missing value for " << a << "\n";
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--cardex") o.cardex = next();
        else if (a == "--server") o.server = next();
        else if (a == "--cards") o.cards.push_back(next());
        else if (a == "--cards-limit") o.cards_limit = std::stoul(next());
        else if (a == "--work") o.work = next();
        else if (a == "--connections") o.connections = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--seconds") o.seconds = std::stod(next());
        else if (a == "--reindex-cycles") o.reindex_cycles = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--commits") o.commits = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--max-latency-ms") o.max_latency_ms = std::stod(next());
        else if (a == "--threads") o.threads = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--long") long_run = true;
        else {
            std::cerr << "unknown argument " << a << "\n";
            return 2;
        }
    }
    if (long_run) {
        o.reindex_cycles = std::max(o.reindex_cycles, 200u);
        o.commits = std::max(o.commits, 10000u);
    }
    if (o.cardex.empty() || o.cards.empty()) {
        std::cerr << "usage: cardex_stress --cardex EXE [--server EXE] --cards FILE ...\n";
        return 2;
    }
    if (o.server.empty()) o.server = o.cardex;
    if (!fs::exists(o.server)) {
        std::cout << "SKIP: server executable " << o.server << " not built\n";
        return 77;
    }
    const fs::path work = o.work.empty()
                              ? fs::temp_directory_path() / ("cardex-stress-" + std::to_string(::getpid()))
                              : fs::path(o.work);
    fs::remove_all(work);
    fs::create_directories(work);
    const std::string index_dir = (work / "index").string();
    const std::string log = (work / "server.log").string();
    const std::string writers_log = (work / "writers.log").string();
    {
        std::ofstream t(work / "tokens");
        t << kAdminToken << "\t*admin*\n" << kNsToken << "\t" << kStormAuthor << "\n";
    }
    // Small segments: a few groups of them are merged into parts on both building threads
    // while they go on building (index/src/build.cpp), under TSan when it is a TSan build.
    std::vector<std::string> reindex_cmd{o.cardex,
                                         "reindex",
                                         "--quiet",
                                         "--wait",
                                         "--threads",
                                         "2",
                                         "--segment-cards",
                                         "10",
                                         "--index",
                                         index_dir};
    for (std::size_t i = 0; i < o.cards.size(); ++i) {
        if (o.cards_limit == 0) {
            reindex_cmd.push_back(o.cards[i]);
            continue;
        }
        // The first N records of each file (zstd/gzip files through their command-line tools).
        const std::string out = (work / ("cards-" + std::to_string(i) + ".jsonl")).string();
        const std::string& in = o.cards[i];
        const std::string cat = in.ends_with(".zst") ? "zstd -dc " : in.ends_with(".gz") ? "gzip -dc " : "cat ";
        const std::string cmd = cat + "'" + in + "' | head -n " + std::to_string(o.cards_limit) +
                                " > '" + out + "'";
        if (std::system(cmd.c_str()) != 0 || fs::file_size(out) == 0) {
            std::cerr << "FAIL: cannot take the first records of " << in << "\n";
            return 1;
        }
        // A listing record of its id beside each card: the reader's passes then decode listing
        // records and READMEs of one file on both threads, side by side (a race on a shared
        // bit vector there duplicated a card about one run in thirty; TSan names it here).
        if (std::size_t listed = add_listing_records(out); listed < o.cards_limit / 2) {
            std::cerr << "FAIL: only " << listed << " listing records written for " << in << "\n";
            return 1;
        }
        reindex_cmd.push_back(out);
    }
    if (int rc = run_wait(reindex_cmd, writers_log); rc != 0) {
        std::cerr << "FAIL: initial reindex exited " << rc << "\n" << slurp(writers_log);
        return 1;
    }

    // The request deadline (2 s by default) is tested in tests/query and tests/server; here a
    // sanitizer build on a loaded machine may need longer, and a 503 for that would not be
    // an index change's doing.
    const pid_t server = spawn({o.server, "serve", "--index", index_dir, "--listen", "127.0.0.1:0",
                                "--threads", std::to_string(o.threads), "--tokens",
                                (work / "tokens").string(), "--deadline", "60000"},
                               log);
    unsigned short port = 0;
    for (int i = 0; i < 600 && port == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const std::string text = slurp(log);
        const auto at = text.find("listening on http://127.0.0.1:");
        if (at != std::string::npos) port = static_cast<unsigned short>(std::stoi(text.substr(at + 30)));
    }
    if (port == 0) {
        std::cerr << "FAIL: server did not start\n" << slurp(log);
        ::kill(server, SIGKILL);
        return 1;
    }

    // Ready once the index is warm (server/src/warmer.h), as a balancer would wait; from
    // then on /readyz must stay ready through every swap.
    {
        Client c(port);
        int status = 0;
        for (int i = 0; i < 600 && status != 200; ++i) {
            status = c.request(http::verb::get, "/readyz").status;
            if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (status != 200) {
            std::cerr << "FAIL: /readyz never answered 200 (last " << status << ")\n" << slurp(log);
            ::kill(server, SIGKILL);
            return 1;
        }
    }

    // Ids that every generation has (the sources never change): for the per-card endpoints.
    std::vector<std::string> models, datasets;
    {
        Client c(port);
        for (auto [type, out] : {std::pair<const char*, std::vector<std::string>*>{"models", &models},
                                 {"datasets", &datasets}}) {
            const Reply r = c.request(http::verb::get, std::string("/api/") + type + "?limit=40");
            for (std::size_t at = 0; (at = r.body.find("\"id\":\"", at)) != std::string::npos;) {
                at += 6;
                out->push_back(r.body.substr(at, r.body.find('"', at) - at));
            }
        }
    }
    if (models.empty() || datasets.empty()) {
        std::cerr << "FAIL: the index has no models or datasets to request\n";
        ::kill(server, SIGKILL);
        return 1;
    }

    // Every endpoint a client may call. {target, token}: 2xx expected from each.
    std::vector<std::pair<std::string, std::string>> targets = {
        {"/healthz", ""},
        {"/readyz", ""},
        {"/metrics", ""},
        {"/openapi.json", ""},
        {"/", ""},
        {"/?q=bert&language=de", ""},
        {"/search?q=named+entity+recognition", ""},
        {"/api/search?q=bert&facets=task,language,license", ""},
        {"/api/search?q=norwegian+ner&facets=task,language", ""},
        {"/api/search?q=-bert&limit=5", ""},
        {"/api/search?q=%22text+classification%22&facets=license", ""},
        // Phrases on the generation's position store while the writer rewrites cards under
        // it (their docids then go through Xapian) and reindexes swap the store.
        {"/api/search?q=%22the+model%22&facets=task,license&limit=5", ""},
        {"/api/search?q=%22language+model%22+bert&type=model&limit=5", ""},
        // ... and phrases under OR and NOT (query/src/positional.h), with an exact total.
        {"/api/search?q=%22named+entity%22+OR+bert+-%22fill+mask%22&facets=task&limit=5", ""},
        {"/api/search?q=model+-%22the+model%22&exact_total=1&limit=5", ""},
        {"/api/search?q=trans*&limit=5", ""},
        {"/api/search?type=dataset&license=cc-by-4.0&sort=downloads&limit=5&facets=language", ""},
        {"/api/search?q=bert&facets=task&limit=5", kNsToken},
        {"/api/search?q=storm&limit=5", kAdminToken},
        {kPrivateProbe, ""},
        {"/api/suggest?q=privstorm", ""},
        {"/api/search?q=privstormword&limit=50", kNsToken},
        {"/api/models?limit=10&sort=downloads", ""},
        {"/api/models?search=llama&limit=5", ""},
        {"/api/models?filter=text-classification&limit=5&full=true", ""},
        {"/api/datasets?limit=10&sort=likes", ""},
        {"/api/spaces?limit=5", ""},
        {"/api/suggest?q=deeps", ""},
        {"/api/suggest?q=be", ""},
        {"/api/search/full-text?q=bert&limit=5", ""},
        {"/api/models-tags-by-type", ""},
        {"/api/datasets-tags-by-type", ""},
        {"/static/app.css", ""},
    };
    for (std::size_t i = 0; i < 8; ++i) {
        const std::string& m = models[i % models.size()];
        const std::string& d = datasets[i % datasets.size()];
        targets.push_back({"/api/models/" + m, ""});
        targets.push_back({"/api/datasets/" + d, ""});
        targets.push_back({"/models/" + m, ""});
        targets.push_back({"/api/similar/model/" + url_escape(m), ""});
    }

    Stats stats;
    Ledger ledger;
    std::atomic<bool> stop{false};
    std::atomic<unsigned> reindexes_done{0};
    std::atomic<std::uint64_t> admin_ok{0}, admin_locked{0};
    std::vector<std::string> writer_errors;
    std::mutex writer_errors_mu;
    auto writer_error = [&](std::string e) {
        std::lock_guard g(writer_errors_mu);
        writer_errors.push_back(std::move(e));
    };

    // Clients.
    std::vector<std::thread> clients;
    for (unsigned k = 0; k < o.connections; ++k) {
        clients.emplace_back([&, k] {
            Client c(port);
            std::mt19937 rng(k * 7919u + 1);
            std::size_t i = rng() % targets.size();
            while (!stop.load()) {
                const auto& [target, token] = targets[i++ % targets.size()];
                const Reply r = c.request(http::verb::get, target, token);
                // Anonymous callers never see a private card, nor a count of them, while
                // cards move between the public and private databases.
                const bool leak = token.empty() && r.body.find(kPrivateWord) != std::string::npos &&
                                  r.body.find("\"total\":0") == std::string::npos;
                stats.record(
                    target, r, r.status >= 200 && r.status < 300 && !leak, o.max_latency_ms);
                // Page on with the cursor the answer gave, as a client paging through does.
                const std::string cursor = json_string_field(r.body, "next_cursor");
                if (r.status == 200 && !cursor.empty() && target.starts_with("/api/search?")) {
                    const std::string next = target + "&cursor=" + url_escape(cursor);
                    const Reply p = c.request(http::verb::get, next, token);
                    // A reindex between the two pages expires the cursor, by design (cursor.h).
                    const bool expired = p.status == 400 && p.body.find("cursor expired") != std::string::npos;
                    if (expired) {
                        std::lock_guard g(stats.mu);
                        ++stats.expired_cursors;
                    }
                    stats.record(next, p, (p.status >= 200 && p.status < 300) || expired,
                                 o.max_latency_ms);
                }
            }
        });
    }

    // The writer: one acknowledged commit after another, upserts and deletes of storm cards.
    std::thread writer([&] {
        std::mt19937 rng(42);
        std::uint64_t n = 0;
        while (!stop.load() && n < o.commits) {
            // An ingest feeding batches, not a loop holding the lock: other writers (the
            // admin endpoint, reindex) get their turn, as they would in production.
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            cidx::WriterOptions wo;
            wo.wait_for_lock = true;
            auto w = cidx::IndexWriter::open(index_dir, wo);
            if (!w) {
                writer_error("writer open: " + w.error().message);
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                continue;
            }
            std::lock_guard g(ledger.mu);
            const auto live = cidx::live_generation(index_dir);
            const std::string gen = live ? live.value() : std::string();
            if (gen != ledger.generation) {
                ledger.generation = gen;  // a reindex ran: it dropped every storm card
                ledger.present.clear();
            }
            const int id = static_cast<int>(rng() % 40);
            const std::string key = std::string(kStormAuthor) + "/storm-" + std::to_string(id);
            if (rng() % 3 == 0) {
                auto r = w->remove({{cidx::CardType::Model, key}});
                if (!r) {
                    writer_error("delete: " + r.error().message);
                    continue;
                }
                ledger.present[key] = false;
                ++ledger.deletes;
            } else {
                // A third of the upserts make the card private (it moves to its namespace's
                // database), the others public (it moves back).
                auto r = w->upsert(
                    {storm_card(id, static_cast<std::int64_t>(rng() % 100000), rng() % 3 == 0)});
                if (!r) {
                    writer_error("upsert: " + r.error().message);
                    continue;
                }
                ledger.present[key] = true;
                ++ledger.upserts;
            }
            ++ledger.commits;
            ++n;
        }
    });

    // Reindex cycles, each as its own process, waiting for the writer lock.
    std::thread reindexer([&] {
        for (unsigned i = 0; i < o.reindex_cycles && !stop.load(); ++i) {
            if (int rc = run_wait(reindex_cmd, writers_log); rc != 0) {
                writer_error("reindex cycle " + std::to_string(i) + " exited " + std::to_string(rc));
            }
            ++reindexes_done;
        }
    });

    // Admin upserts over HTTP: 200, or 503 while a reindex holds the writer lock.
    std::thread admin([&] {
        Client c(port);
        int n = 0;
        while (!stop.load()) {
            const std::string body = "{\"id\":\"" + std::string(kStormAuthor) + "/admin-" +
                                     std::to_string(n++ % 10) +
                                     "\",\"type\":\"model\",\"readme\":\"---\\nlicense: mit\\n---\\n# Admin card\\n\\nWritten over HTTP.\"}\n";
            const Reply r = c.request(http::verb::post, "/api/admin/cards", kAdminToken, body);
            const bool locked = r.status == 503 && r.body.find("locked") != std::string::npos;
            if (r.status == 200) ++admin_ok;
            if (locked) ++admin_locked;
            stats.record("POST /api/admin/cards", r, r.status == 200 || locked, o.max_latency_ms);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });

    // Until the time has passed and the writers are done, or the server dies.
    const auto t0 = Clock::now();
    bool server_died = false;
    int server_status = 0;
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (::waitpid(server, &server_status, WNOHANG) == server) {
            server_died = true;
            break;
        }
        const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
        bool writers_done;
        {
            std::lock_guard g(ledger.mu);
            writers_done = ledger.commits >= o.commits && reindexes_done.load() >= o.reindex_cycles;
        }
        if (elapsed >= o.seconds && writers_done) break;
        if (elapsed > std::max(o.seconds, 60.0) * 20) {
            writer_error("gave up waiting for the writers after " + std::to_string(elapsed) + " s");
            break;
        }
    }
    stop.store(true);
    writer.join();
    reindexer.join();
    admin.join();
    for (auto& t : clients) t.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();

    // Every acknowledged storm card is there; every deleted one is gone.
    std::uint64_t lost = 0, resurrected = 0;
    if (!server_died) {
        Client c(port);
        std::lock_guard g(ledger.mu);
        for (const auto& [key, present] : ledger.present) {
            const Reply r = c.request(http::verb::get, "/api/models/" + key, kAdminToken);
            if (present && r.status != 200) ++lost;
            if (!present && r.status == 200) ++resurrected;
        }
    }
    std::string retries = "?", held = "?";
    if (!server_died) {
        Client c(port);
        const Reply m = c.request(http::verb::get, "/metrics");
        auto sample = [&](const std::string& name) -> std::string {
            const std::string key = "\n" + name + " ";  // the sample line, not its # HELP
            const auto at = m.body.find(key);
            if (at == std::string::npos) return "?";
            const auto from = at + key.size();
            return m.body.substr(from, m.body.find('\n', from) - from);
        };
        retries = sample("cardex_search_snapshot_retries_total");
        held = sample("cardex_heavy_searches_held_total");
    }
    if (!server_died) {
        ::kill(server, SIGTERM);
        for (int i = 0; i < 300; ++i) {
            if (::waitpid(server, &server_status, WNOHANG) == server) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    const std::string server_log = slurp(log);
    const bool sanitizer = server_log.find("Sanitizer") != std::string::npos ||
                           server_log.find("runtime error:") != std::string::npos;
    const bool clean_exit = !server_died && WIFEXITED(server_status) && WEXITSTATUS(server_status) == 0;

    std::sort(stats.latencies.begin(), stats.latencies.end());
    auto pct = [&](double p) {
        return stats.latencies.empty()
                   ? 0.0
                   : stats.latencies[std::min(stats.latencies.size() - 1,
                                              static_cast<std::size_t>(p * stats.latencies.size()))];
    };
    std::printf("stress: %.1f s, %u connections, %llu requests (%.0f/s), p50 %.1f ms, p99 %.1f ms, "
                "max %.1f ms (%s)\n",
                elapsed, o.connections, static_cast<unsigned long long>(stats.requests),
                stats.requests / std::max(elapsed, 1e-9), pct(0.5), pct(0.99), stats.max_ms,
                stats.slowest.c_str());
    std::printf(
        "writers: %u reindex cycles, %llu commits (%llu upserts, %llu deletes), admin %llu ok "
        "/ %llu locked; %llu cursors expired by a reindex; %s searches re-run on a fresh "
        "snapshot; %s phrase searches paused for plain ones\n",
        reindexes_done.load(),
        static_cast<unsigned long long>(ledger.commits),
        static_cast<unsigned long long>(ledger.upserts),
        static_cast<unsigned long long>(ledger.deletes),
        static_cast<unsigned long long>(admin_ok.load()),
        static_cast<unsigned long long>(admin_locked.load()),
        static_cast<unsigned long long>(stats.expired_cursors),
        retries.c_str(),
        held.c_str());
    for (const auto& [status, n] : stats.by_status) {
        std::printf("  status %s: %llu\n", status.c_str(), static_cast<unsigned long long>(n));
    }

    bool ok = true;
    auto fail = [&](const std::string& why) {
        ok = false;
        std::printf("FAIL: %s\n", why.c_str());
    };
    if (server_died) fail("the server exited during the run (status " + std::to_string(server_status) + ")");
    if (!server_died && !clean_exit) fail("the server did not stop cleanly on SIGTERM");
    if (sanitizer) fail("a sanitizer reported in the server log " + log);
    if (stats.failed > 0) fail(std::to_string(stats.failed) + " unexpected answers");
    for (const auto& f : stats.failures) std::printf("  %s\n", f.c_str());
    if (stats.slow > 0) fail(std::to_string(stats.slow) + " requests slower than " + std::to_string(o.max_latency_ms) + " ms");
    if (lost > 0) fail(std::to_string(lost) + " acknowledged cards lost");
    if (resurrected > 0) fail(std::to_string(resurrected) + " deleted cards came back");
    for (const auto& e : writer_errors) fail("writer: " + e);
    if (reindexes_done.load() < o.reindex_cycles) fail("not every reindex cycle ran");
    if (ok) {
        std::printf("PASS\n");
        fs::remove_all(work);
    } else {
        std::printf("logs kept in %s\n", work.c_str());
        if (sanitizer || server_died) std::printf("%s\n", server_log.substr(server_log.size() > 20000 ? server_log.size() - 20000 : 0).c_str());
    }
    return ok ? 0 : 1;
}
