#include "harvest_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <thread>

#include "cardex/ingest/sources.h"
#include "cardex/query/searcher.h"
#include "cardex/server/handler.h"
#include "fixture.h"
#include "harvest_http.h"

namespace cardex::test {

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The first "listing on http(s)://..." URL in `path`, waiting up to `patience`.
std::string wait_for_url(const std::string& path, pid_t pid, std::chrono::seconds patience) {
    const auto until = std::chrono::steady_clock::now() + patience;
    while (std::chrono::steady_clock::now() < until) {
        const std::string text = slurp(path);
        const auto at = text.find("listening on ");
        if (at != std::string::npos) {
            const auto start = at + 13;
            const auto end = text.find_first_of(" \n", start);
            return text.substr(start, end - start);
        }
        if (::kill(pid, 0) != 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("no 'listening on' in " << path << ":\n" << slurp(path));
    return {};
}

int proxies = 0;  // proxies started by this process, for their file names

// `sh -c script` (whose output goes where the script says), ended with SIGTERM when this
// process dies, however it dies: a test that aborts leaves no server or proxy behind.
Child spawn_tied(const std::string& script) {
    const pid_t parent = ::getpid();
    const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    const char* argv[] = {"/bin/sh", "-c", script.c_str(), nullptr};
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(1);  // the parent died before prctl
        ::dup2(devnull, 1);
        ::dup2(devnull, 2);
        ::execv(argv[0], const_cast<char* const*>(argv));
        ::_exit(127);
    }
    if (devnull >= 0) ::close(devnull);
    REQUIRE(pid > 0);
    return {pid, -1};
}

void stop(Child& child) {
    if (child.pid <= 0) return;
    ::kill(child.pid, SIGTERM);
    int status = 0;
    ::waitpid(child.pid, &status, 0);
    child.pid = -1;
}

}  // namespace

Served::Served(const std::string& index, const std::string& log, const std::string& tokens) {
    // The request deadline is raised: a sanitizer build on a loaded machine is slow, and the
    // harvest tests check what is answered, not how fast.
    child_ = spawn_tied("exec '" + std::string(CARDEX_EXE) + "' serve --index '" + index +
                        "' --listen 127.0.0.1:0 --threads 2 --deadline 60000" +
                        (tokens.empty() ? "" : " --tokens '" + tokens + "'") + " 2>'" + log + "'");
    url_ = wait_for_url(log, child_.pid, std::chrono::seconds(60));
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (http_get(url_ + "/readyz").first != 200) {
        if (std::chrono::steady_clock::now() > until) FAIL("cardex serve never became ready");
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

Served::~Served() {
    stop(child_);
}

Proxy::Proxy(const std::string& target,
             const std::string& config,
             const std::string& dir,
             const std::string& cert,
             const std::string& key)
    : log_(dir + "/proxy-" + std::to_string(++proxies) + "-requests.jsonl") {
    std::string cmd = "exec node '" + std::string(CARDEX_FAULT_PROXY) + "' --target '" + target +
                      "' --log '" + log_ + "' --config '" + config + "'";
    if (!cert.empty()) cmd += " --tls-cert '" + cert + "' --tls-key '" + key + "'";
    // A file of its own: a proxy started after another must not read the other's address.
    const std::string out = dir + "/proxy-" + std::to_string(proxies) + ".out";
    child_ = spawn_tied(cmd + " >'" + out + "' 2>&1");
    url_ = wait_for_url(out, child_.pid, std::chrono::seconds(30));
}

Proxy::~Proxy() {
    stop(child_);
}

std::vector<boost::json::object> Proxy::log() const {
    std::vector<boost::json::object> out;
    std::istringstream in(slurp(log_));
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) out.push_back(boost::json::parse(line).as_object());
    }
    return out;
}

bool have_node() {
    return run_shell("node --version >/dev/null 2>&1").first == 0;
}

ProcessResult run_cardex(const std::vector<std::string>& args) {
    std::vector<std::string> argv{CARDEX_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

std::string subset_index(const std::string& dir, std::size_t n) {
    auto bytes = ingest::read_source_bytes(real_data_file("cards/models.jsonl"));
    REQUIRE(bytes.has_value());
    std::istringstream in(bytes.value());
    const std::string cards = dir + "/subset.jsonl";
    {
        std::ofstream out(cards);
        std::string line;
        for (std::size_t i = 0; i < n && std::getline(in, line); ++i) out << line << "\n";
    }
    const std::string index = dir + "/origin";
    const auto r = run_cardex({"reindex", "--quiet", "--index", index, cards});
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    return index;
}

std::pair<unsigned, std::string> http_get(const std::string& url) {
    auto u = server::harvesting::parse_url(url);
    if (!u) return {0, {}};
    server::harvesting::HttpClient client(nullptr);
    auto res =
        client.get(u.value(), {}, std::chrono::steady_clock::now() + std::chrono::seconds(30));
    if (!res) return {0, {}};
    return {res->status, res->body};
}

namespace {

std::string normalized_body(const std::string& body) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(body, ec);
    if (ec || !v.is_object()) return body;  // arrays (Hub listings) byte for byte
    v.as_object().erase("took_ms");
    v.as_object().erase("next_cursor");
    return boost::json::serialize(v);
}

std::string link_without_cursor(const std::string& link) {
    const auto at = link.find("cursor=");
    return at == std::string::npos ? link : link.substr(0, at);
}

}  // namespace

std::size_t compare_answers(const std::string& origin_index,
                            const std::string& mirror_index,
                            const std::vector<std::string>& targets) {
    auto a = query::Searcher::open(origin_index);
    auto b = query::Searcher::open(mirror_index);
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    const server::Handler handler{server::HandlerConfig{}};
    std::size_t differ = 0;
    for (const auto& t : targets) {
        const auto ra = handle(handler, a.value(), "GET", t);
        const auto rb = handle(handler, b.value(), "GET", t);
        INFO(t);
        const bool same =
            ra.status == rb.status && normalized_body(ra.body) == normalized_body(rb.body) &&
            ra.header("X-Total-Count") == rb.header("X-Total-Count") &&
            link_without_cursor(ra.header("Link")) == link_without_cursor(rb.header("Link"));
        CHECK(ra.status == rb.status);
        CHECK(ra.header("X-Total-Count") == rb.header("X-Total-Count"));
        CHECK(link_without_cursor(ra.header("Link")) == link_without_cursor(rb.header("Link")));
        CHECK(normalized_body(ra.body) == normalized_body(rb.body));
        differ += !same;
    }
    return differ;
}

bool same_answer(const std::string& origin_index,
                 const std::string& mirror_index,
                 const std::string& target) {
    auto a = query::Searcher::open(origin_index);
    auto b = query::Searcher::open(mirror_index);
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    const server::Handler handler{server::HandlerConfig{}};
    const auto ra = handle(handler, a.value(), "GET", target);
    const auto rb = handle(handler, b.value(), "GET", target);
    return ra.status == rb.status && normalized_body(ra.body) == normalized_body(rb.body);
}

std::vector<std::string> listing_ids(const std::string& index, const std::string& first) {
    auto s = query::Searcher::open(index);
    REQUIRE(s.has_value());
    const server::Handler handler{server::HandlerConfig{}};
    std::vector<std::string> ids;
    std::string target = first;
    while (!target.empty()) {
        const auto res = handle(handler, s.value(), "GET", target);
        REQUIRE(res.status == 200);
        const boost::json::value page = boost::json::parse(res.body);
        for (const auto& item : page.as_array()) {
            ids.emplace_back(item.as_object().at("id").as_string());
        }
        const std::string link = res.header("Link");
        const std::string base = "<http://localhost";
        target = link.empty() ? "" : link.substr(base.size(), link.find('>') - base.size());
    }
    return ids;
}

long summary_count(const std::string& output, const std::string& key) {
    const auto line = output.find("summary: ");
    if (line == std::string::npos) return -1;
    const auto at = output.find(key + " ", line);
    if (at == std::string::npos) return -1;
    return std::stol(output.substr(at + key.size() + 1));
}

}  // namespace cardex::test
