// `cardex harvest` end to end on loopback: one `cardex serve` harvested by another `cardex`,
// directly and through a proxy that fails, rate-limits, drops, cuts and stalls requests; a
// harvest killed and run again; incremental harvests; cards that cannot be had; https.
// The mirror must answer the origin's listings exactly (compare_answers).
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cardex/ingest/sources.h"
#include "harvest_support.h"

using namespace cardex::test;

namespace {

// Requests about single repositories: info, tree, README.
std::vector<std::string> repo_queries(const std::string& type,
                                      const std::vector<std::string>& ids) {
    const std::string api = "/api/" + type + "s";
    const std::string resolve = type == "model" ? "/" : "/" + type + "s/";
    std::vector<std::string> q;
    for (const auto& id : ids) {
        q.push_back(api + "/" + id);
        q.push_back(api + "/" + id + "/tree/main");
        q.push_back(resolve + id + "/resolve/main/README.md");
    }
    return q;
}

// Listing and repository queries a mirror must answer as its origin does, for one type.
// `text`: also relevance-ranked text queries and suggestions, which depend on every card of
// the index (BM25 statistics, the spelling vocabulary): only when the mirror holds all the
// origin's types.
std::vector<std::string> queries(const std::string& type,
                                 const std::vector<std::string>& ids,
                                 bool text = true) {
    const std::string api = "/api/" + type + "s";
    std::vector<std::string> q = {
        api + "?limit=1000",
        api + "?limit=1000&skip=1000",
        api + "?full=true&cardData=true&limit=1000",
        api + "?full=true&cardData=true&limit=1000&skip=1000",
        api + "?sort=downloads&limit=300",
        api + "?sort=likes&limit=300",
        api + "?sort=createdAt&limit=300",
        api + "?sort=lastModified&limit=300",
        api + "?sort=trendingScore&limit=300&skip=100",
        api + "?expand=downloadsAllTime&expand=usedStorage&expand=gated&expand=private&limit=1000",
        api + "?filter=license:mit&sort=downloads&limit=200",
        api + "?license=apache-2.0&limit=200",
        api + "?language=en&sort=likes&limit=200",
        api + "?search=bert&limit=200",
        api + "?search=llama&sort=downloads&limit=200",
        api + "?gated=true&limit=200",
        "/api/search?type=" + type + "&facets=task,language,license,reuse,modality,author&limit=50",
        "/api/search?type=" + type + "&sort=downloads&facets=library,tag&limit=100",
        "/api/search?type=" + type + "&license=cc-by-4.0&sort=created&limit=100",
        "/api/search?type=" + type + "&language=de&sort=likes&facets=task,license&limit=100",
    };
    if (text) {
        q.push_back("/api/search?q=named+entity+recognition&type=" + type + "&facets=language");
        q.push_back("/api/search?q=sentiment&type=" + type + "&sort=likes");
        q.push_back("/api/search?q=translation&type=" + type + "&language=de&facets=task");
        q.push_back("/api/suggest?q=bert");
    }
    if (type == "model") {
        q.push_back(api + "?pipeline_tag=text-generation&sort=downloads&limit=300");
        q.push_back(api + "?library=transformers&limit=300");
        q.push_back(api + "?num_parameters=min:1B&limit=300");
        q.push_back(api + "?expand=safetensors&expand=gguf&expand=library_name&limit=1000");
        q.push_back("/api/models-tags-by-type");
    } else if (type == "dataset") {
        q.push_back(api + "?filter=task_categories:text-classification&limit=300");
        q.push_back(api + "?filter=language:en&filter=license:mit&sort=likes&limit=300");
        q.push_back(api + "?filter=size_categories:1K%3Cn%3C10K&sort=downloads&limit=300");
        q.push_back("/api/datasets-tags-by-type");
    }
    for (auto& r : repo_queries(type, ids)) q.push_back(std::move(r));
    return q;
}

// A few ids of `index` worth looking at one by one: the most downloaded, the newest.
std::vector<std::string> sample_ids(const std::string& index, const std::string& type) {
    std::vector<std::string> out;
    for (const std::string sort : {"downloads", "createdAt", "likes"}) {
        const auto ids = listing_ids(index, "/api/" + type + "s?sort=" + sort + "&limit=1000");
        for (std::size_t i = 0; i < ids.size() && i < 4; ++i) out.push_back(ids[i]);
    }
    return out;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The origin's answers and the mirror's, for the models of the subset.
void expect_mirror(const std::string& origin, const std::string& mirror) {
    CHECK(listing_ids(mirror, "/api/models?limit=1000&sort=downloads") ==
          listing_ids(origin, "/api/models?limit=1000&sort=downloads"));
    CHECK(compare_answers(origin, mirror, queries("model", sample_ids(origin, "model"))) == 0);
}

}  // namespace

TEST_CASE("a harvest of the real cards answers every listing as the origin does",
          "[harvest][real]") {
    TempDir tmp;
    Served origin(CARDEX_REAL_INDEX, tmp.str() + "/origin.log");
    const std::string mirror = tmp.str() + "/mirror";
    // All the real datasets: a whole type of the real data, through the Hub API alone.
    const auto r = run_cardex({"harvest",
                               "--from",
                               origin.url(),
                               "--index",
                               mirror,
                               "--type",
                               "dataset",
                               "--page-size",
                               "500",
                               "--concurrency",
                               "4"});
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(summary_count(r.out, "failed") == 0);
    CHECK(r.out.find("renumbered") != std::string::npos);

    const auto want = listing_ids(CARDEX_REAL_INDEX, "/api/datasets?limit=1000");
    CHECK(want.size() > 1800);  // 1,882 real dataset cards when this was written
    CHECK(summary_count(r.out, "upserted") == static_cast<long>(want.size()));
    CHECK(listing_ids(mirror, "/api/datasets?limit=1000") == want);
    // The origin also holds the models: text relevance and suggestions are left out.
    const auto sample = sample_ids(CARDEX_REAL_INDEX, "dataset");
    CHECK(sample.size() == 12);
    CHECK(compare_answers(CARDEX_REAL_INDEX, mirror, queries("dataset", sample, false)) == 0);
}

TEST_CASE("a harvest through a server that fails every few requests completes the same",
          "[harvest][fault]") {
    if (!have_node()) CARDEX_SKIP("node is not installed (scripts/bootstrap installs it)");
    TempDir tmp;
    const std::string origin_index = subset_index(tmp.str(), 240);
    // The origin knows the token the harvest sends (an unknown one is answered 401).
    const std::string tokens = tmp.str() + "/tokens";
    std::ofstream(tokens) << "hf_secret_token_1234\tsomeone\n";
    Served origin(origin_index, tmp.str() + "/origin.log", tokens);
    // Every 4th request misbehaves, in turn: 500, 429 with Retry-After: 1, a dropped
    // connection, a stall (no answer until the client's deadline), half a body, 503 with
    // Retry-After as an HTTP date, 429 with only a RateLimit header.
    Proxy proxy(origin.url(),
                R"({"every": 4, "faults": ["500", "429", "drop", "stall", "truncate", )"
                R"("503-date", "ratelimit"]})",
                tmp.str());
    const std::string token_file = tmp.str() + "/token";
    std::ofstream(token_file) << "hf_secret_token_1234\n";
    const std::string mirror = tmp.str() + "/mirror";
    const auto r = run_cardex({"harvest",
                               "--from",
                               proxy.url(),
                               "--index",
                               mirror,
                               "--type",
                               "model",
                               "--page-size",
                               "40",
                               "--timeout",
                               "2",
                               "--backoff",
                               "0.05",
                               "--max-wait",
                               "5",
                               "--token-file",
                               token_file});
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(summary_count(r.out, "failed") == 0);
    CHECK(summary_count(r.out, "upserted") == 240);
    // Each fault costs a retry: at least one request in four of the 240 READMEs and the
    // pages is one.
    CHECK(summary_count(r.out, "retried") >= 60);
    // The waits the server asked for were waited: 1 s, exactly, from both headers.
    CHECK(r.out.find("HTTP 429 (attempt 1 failed; waiting 1.0 s)") != std::string::npos);
    CHECK(r.out.find("HTTP 503 (attempt 1 failed; waiting ") != std::string::npos);
    CHECK(r.out.find("no answer before the request's deadline") != std::string::npos);
    expect_mirror(origin_index, mirror);

    // Every request carried the token; the token went nowhere else.
    const auto requests = proxy.log();
    CHECK(requests.size() > 300);
    std::size_t faults = 0;
    for (const auto& q : requests) {
        CHECK(q.at("auth").as_string() == "Bearer hf_secret_token_1234");
        faults += !q.at("fault").is_null();
    }
    CHECK(faults >= 60);
    CHECK(r.out.find("hf_secret_token_1234") == std::string::npos);
    CHECK(slurp(mirror + "/harvest-state.json").find("hf_secret") == std::string::npos);
}

TEST_CASE("a harvest killed mid-way resumes after its last committed batch", "[harvest][resume]") {
    if (!have_node()) CARDEX_SKIP("node is not installed (scripts/bootstrap installs it)");
    TempDir tmp;
    const std::string origin_index = subset_index(tmp.str(), 240);
    Served origin(origin_index, tmp.str() + "/origin.log");
    // Slow answers, so that the harvest is still running when it is killed.
    Proxy proxy(origin.url(), R"({"delay_ms": 15})", tmp.str());
    const std::string mirror = tmp.str() + "/mirror";
    const std::vector<std::string> args = {"harvest",
                                           "--from",
                                           proxy.url(),
                                           "--index",
                                           mirror,
                                           "--type",
                                           "model",
                                           "--page-size",
                                           "40"};
    const std::string out = tmp.str() + "/first.out";
    std::string cmd = "exec '" + std::string(CARDEX_EXE) + "'";
    for (const auto& a : args) cmd += " '" + a + "'";
    Child first = spawn({"/bin/sh", "-c", cmd + " >'" + out + "' 2>&1"});
    // Killed (SIGKILL: no chance to tidy up) once the second batch is committed.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (slurp(out).find("committed batch 2:") == std::string::npos &&
           std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(first.pid, SIGKILL);
    const auto killed = finish(first);
    INFO(slurp(out));
    REQUIRE(killed.signal == SIGKILL);
    CHECK(slurp(out).find("committed batch 6:") == std::string::npos);

    const auto second = run_cardex(args);
    INFO(second.out);
    REQUIRE(second.exit_code == 0);
    CHECK(second.out.find("model: resuming after page ") != std::string::npos);
    CHECK(summary_count(second.out, "upserted") < 240);
    expect_mirror(origin_index, mirror);

    // SIGINT: the batch in flight is dropped, the process says how to resume and exits 130.
    const std::string mirror2 = tmp.str() + "/mirror2";
    const std::string out2 = tmp.str() + "/sigint.out";
    std::string cmd2 = "exec '" + std::string(CARDEX_EXE) + "' harvest --from '" + proxy.url() +
                       "' --index '" + mirror2 + "' --type model --page-size 40";
    Child third = spawn({"/bin/sh", "-c", cmd2 + " >'" + out2 + "' 2>&1"});
    while (slurp(out2).find("committed batch 1:") == std::string::npos &&
           std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(third.pid, SIGINT);
    const auto interrupted = finish(third);
    INFO(slurp(out2));
    CHECK(interrupted.exit_code == 130);
    CHECK(slurp(out2).find("interrupted; run the same command again") != std::string::npos);
    const auto fourth = run_cardex({"harvest",
                                    "--from",
                                    proxy.url(),
                                    "--index",
                                    mirror2,
                                    "--type",
                                    "model",
                                    "--page-size",
                                    "40"});
    INFO(fourth.out);
    REQUIRE(fourth.exit_code == 0);
    expect_mirror(origin_index, mirror2);
}

TEST_CASE("an incremental harvest picks up exactly what changed since the last one",
          "[harvest][since]") {
    TempDir tmp;
    const std::string origin_index = subset_index(tmp.str(), 160);
    Served origin(origin_index, tmp.str() + "/origin.log");
    const std::string mirror = tmp.str() + "/mirror";
    const auto first = run_cardex({"harvest",
                                   "--from",
                                   origin.url(),
                                   "--index",
                                   mirror,
                                   "--type",
                                   "model",
                                   "--page-size",
                                   "50"});
    INFO(first.out);
    REQUIRE(first.exit_code == 0);

    // The origin changes: two cards modified and two added after the mark, in the order a
    // listing newest-first gives them (so both sides append the new ones alike), and one
    // card changed with an old lastModified, which an incremental harvest must not see.
    const auto ids = listing_ids(origin_index, "/api/models?sort=downloads&limit=1000");
    const std::string changes = tmp.str() + "/changes.jsonl";
    {
        std::ofstream f(changes);
        auto card = [&](const std::string& id,
                        const std::string& modified,
                        int downloads,
                        const std::string& text) {
            f << R"({"id": ")" << id << R"(", "type": "model", "downloads": )" << downloads
              << R"(, "likes": 3, "lastModified": ")" << modified
              << R"(", "createdAt": "2020-01-01T00:00:00.000Z", "readme": "---\nlicense: mit\n)"
              << R"(language: en\n---\n# )" << text << R"(\n\nChanged for the harvest test.\n"})"
              << "\n";
        };
        card("harvest-test/new-one", "2031-01-04T00:00:00.000Z", 777, "New one");
        card(ids[5], "2031-01-03T00:00:00.000Z", 123456, "Modified five");
        card("harvest-test/new-two", "2031-01-02T00:00:00.000Z", 5, "New two");
        card(ids[9], "2031-01-01T00:00:00.000Z", 99, "Modified nine");
        card(ids[20], "2001-01-01T00:00:00.000Z", 424242, "Changed in the past");
    }
    const auto ingest = run_cardex({"ingest", "--index", origin_index, changes});
    INFO(ingest.out);
    REQUIRE(ingest.exit_code == 0);

    const auto second = run_cardex({"harvest",
                                    "--from",
                                    origin.url(),
                                    "--index",
                                    mirror,
                                    "--type",
                                    "model",
                                    "--page-size",
                                    "50"});
    INFO(second.out);
    REQUIRE(second.exit_code == 0);
    CHECK(second.out.find("model: cards modified after ") != std::string::npos);
    CHECK(summary_count(second.out, "upserted") == 4);
    CHECK(summary_count(second.out, "fetched") == 4);
    // The four are the origin's now; the one changed in the past is the old one still.
    std::vector<std::string> changed = {
        "harvest-test/new-one", ids[5], "harvest-test/new-two", ids[9]};
    CHECK(compare_answers(origin_index, mirror, repo_queries("model", changed)) == 0);
    CHECK_FALSE(same_answer(origin_index, mirror, "/api/models/" + ids[20]));
    const auto newest = [](std::vector<std::string> v) {
        v.resize(std::min<std::size_t>(v.size(), 5));
        return v;
    };
    CHECK(newest(listing_ids(mirror, "/api/models?sort=lastModified&limit=5")) ==
          newest(listing_ids(origin_index, "/api/models?sort=lastModified&limit=5")));

    // Nothing changed since: nothing is fetched. An explicit --since reaches further back.
    const auto third = run_cardex({"harvest",
                                   "--from",
                                   origin.url(),
                                   "--index",
                                   mirror,
                                   "--type",
                                   "model",
                                   "--page-size",
                                   "50"});
    INFO(third.out);
    REQUIRE(third.exit_code == 0);
    CHECK(summary_count(third.out, "upserted") == 0);
    const auto fourth = run_cardex({"harvest",
                                    "--from",
                                    origin.url(),
                                    "--index",
                                    mirror,
                                    "--type",
                                    "model",
                                    "--since",
                                    "2000-01-01"});
    INFO(fourth.out);
    REQUIRE(fourth.exit_code == 0);
    // Every card modified after 2000: those the origin lists with a lastModified.
    long dated = 0;
    {
        auto page = http_get(origin.url() + "/api/models?expand=lastModified&limit=1000");
        REQUIRE(page.first == 200);
        const boost::json::value items = boost::json::parse(page.second);
        for (const auto& item : items.as_array()) {
            dated += item.as_object().contains("lastModified");
        }
    }
    CHECK(dated > 50);  // 63 of the 160 cards and the two new ones when this was written
    CHECK(summary_count(fourth.out, "upserted") == dated);
    // Now the mirror holds the origin's every card, the one changed in the past included.
    expect_mirror(origin_index, mirror);
}

TEST_CASE("a card that cannot be had fails alone, is reported, and is tried again",
          "[harvest][errors]") {
    if (!have_node()) CARDEX_SKIP("node is not installed (scripts/bootstrap installs it)");
    TempDir tmp;
    const std::string origin_index = subset_index(tmp.str(), 120);
    Served origin(origin_index, tmp.str() + "/origin.log");
    const auto ids = listing_ids(origin_index, "/api/models?sort=downloads&limit=1000");
    const std::string gated = ids[7];
    const std::string mirror = tmp.str() + "/mirror";
    // The README of one card answers 403, the first time it is asked for; the third item of
    // the first listing page has a number for an id.
    Proxy proxy(origin.url(),
                R"({"status": {"/)" + gated +
                    R"(/resolve/main/README.md": 403}, )"
                    R"("status_once": true, "corrupt": {"page": 1, "item": 2}})",
                tmp.str());
    const std::vector<std::string> args = {"harvest",
                                           "--from",
                                           proxy.url(),
                                           "--index",
                                           mirror,
                                           "--type",
                                           "model",
                                           "--page-size",
                                           "50"};
    const auto r = run_cardex(args);
    INFO(r.out);
    CHECK(r.exit_code == 3);
    CHECK(r.out.find("failed: model/" + gated +
                     ": README: HTTP 403 GatedRepo: Access to this "
                     "repository is restricted") != std::string::npos);
    CHECK(r.out.find(":record 3: bad-id: 'id' is a number, not a string") != std::string::npos);
    CHECK(summary_count(r.out, "failed") == 2);
    CHECK(summary_count(r.out, "upserted") == 118);  // 120 listed, 2 failed
    CHECK(r.out.find("1 card failed and will be tried again") != std::string::npos);
    CHECK(slurp(mirror + "/harvest-state.json").find(gated) != std::string::npos);
    CHECK_FALSE(same_answer(origin_index, mirror, "/api/models/" + gated));

    // Run again, the README now answered: the card is tried again first, and harvested.
    const auto again = run_cardex(args);
    INFO(again.out);
    CHECK(again.exit_code == 0);
    CHECK(again.out.find("model: trying again 1 card that failed before") != std::string::npos);
    CHECK(compare_answers(origin_index, mirror, repo_queries("model", {gated})) == 0);
    CHECK(slurp(mirror + "/harvest-state.json").find(gated) == std::string::npos);

    // Another origin with the same state is refused, by name: its cursors and high-water
    // marks would mean nothing there.
    const auto other = run_cardex({"harvest", "--from", origin.url(), "--index", mirror});
    CHECK(other.exit_code == 2);
    CHECK(other.out.find("this state file records a harvest of ") != std::string::npos);
}

TEST_CASE("https: verified against the trust store, and clear errors for what cannot work",
          "[harvest][tls]") {
    TempDir tmp;
    // Nothing listens there: a clear error, after the retries asked for.
    const auto refused = run_cardex({"harvest",
                                     "--from",
                                     "https://127.0.0.1:1",
                                     "--index",
                                     tmp.str() + "/m0",
                                     "--retries",
                                     "1",
                                     "--backoff",
                                     "0.01"});
    INFO(refused.out);
    CHECK(refused.exit_code == 1);
    CHECK(refused.out.find("cannot connect to 127.0.0.1:1") != std::string::npos);
    CHECK(refused.out.find("(after 2 attempts)") != std::string::npos);
    const auto bad =
        run_cardex({"harvest", "--from", "ftp://example.org", "--index", tmp.str() + "/m1"});
    CHECK(bad.exit_code == 2);
    CHECK(bad.out.find("scheme 'ftp'") != std::string::npos);
    const auto since = run_cardex({"harvest",
                                   "--from",
                                   "http://127.0.0.1:1",
                                   "--index",
                                   tmp.str() + "/m1",
                                   "--since",
                                   "last tuesday"});
    CHECK(since.exit_code == 2);
    CHECK(since.out.find("--since is not an ISO 8601 time") != std::string::npos);
    const std::string empty_token = tmp.str() + "/empty-token";
    std::ofstream(empty_token) << "\n";
    const auto token = run_cardex({"harvest",
                                   "--from",
                                   "http://127.0.0.1:1",
                                   "--index",
                                   tmp.str() + "/m1",
                                   "--token-file",
                                   empty_token});
    CHECK(token.exit_code == 2);
    CHECK(token.out.find("the token file is empty") != std::string::npos);

    if (!have_node()) CARDEX_SKIP("node is not installed (scripts/bootstrap installs it)");
    if (run_shell("openssl version >/dev/null 2>&1").first != 0) CARDEX_SKIP("no openssl command");
    // A TLS front (the proxy) with a certificate made here for 127.0.0.1.
    const std::string cert = tmp.str() + "/cert.pem", key = tmp.str() + "/key.pem";
    const auto made = run_shell(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "
        "/CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '" +
        key + "' -out '" + cert + "' 2>&1");
    INFO(made.second);
    REQUIRE(made.first == 0);
    const std::string origin_index = subset_index(tmp.str(), 60);
    Served origin(origin_index, tmp.str() + "/origin.log");
    Proxy proxy(origin.url(), "{}", tmp.str(), cert, key);
    REQUIRE(proxy.url().rfind("https://", 0) == 0);
    // Not trusted by the system: refused, and not retried.
    const std::string mirror = tmp.str() + "/mirror";
    const auto untrusted = run_cardex({"harvest", "--from", proxy.url(), "--index", mirror});
    INFO(untrusted.out);
    CHECK(untrusted.exit_code == 1);
    CHECK(untrusted.out.find("TLS handshake with 127.0.0.1 failed: certificate verify failed") !=
          std::string::npos);
    CHECK(untrusted.out.find("retry:") == std::string::npos);
    // Trusted through --ca-file: the harvest runs over https.
    const auto trusted = run_cardex({"harvest",
                                     "--from",
                                     proxy.url(),
                                     "--index",
                                     mirror,
                                     "--ca-file",
                                     cert,
                                     "--type",
                                     "model"});
    INFO(trusted.out);
    CHECK(trusted.exit_code == 0);
    CHECK(summary_count(trusted.out, "upserted") == 60);
    expect_mirror(origin_index, mirror);
}

TEST_CASE("a complete full pass deletes what the origin no longer has, a failed one never does",
          "[harvest][delete]") {
    if (!have_node()) CARDEX_SKIP("node is not installed (scripts/bootstrap installs it)");
    TempDir tmp;
    const std::string origin_index = subset_index(tmp.str(), 80);
    Served origin(origin_index, tmp.str() + "/origin.log");
    const std::string mirror = tmp.str() + "/mirror";
    const std::string state = mirror + "/harvest-state.json";
    auto harvest = [&](const std::string& from) {
        return run_cardex(
            {"harvest", "--from", from, "--index", mirror, "--type", "model", "--page-size", "30"});
    };
    const auto first = harvest(origin.url());
    INFO(first.out);
    REQUIRE(first.exit_code == 0);
    CHECK(summary_count(first.out, "deleted") == 0);
    const auto ids = listing_ids(origin_index, "/api/models?sort=downloads&limit=1000");
    REQUIRE(ids.size() == 80);

    // Two cards leave the origin.
    const auto del =
        run_cardex({"delete", "--index", origin_index, "--type", "model", ids[3], ids[40]});
    INFO(del.out);
    REQUIRE(del.exit_code == 0);

    // A full pass (no state: no high-water mark) in which one README fails (the first time
    // it is asked for): it deletes nothing, as what the origin lists is not known for sure.
    std::filesystem::remove(state);
    Proxy proxy(
        origin.url(),
        R"({"status": {"/)" + ids[10] + R"(/resolve/main/README.md": 403}, "status_once": true})",
        tmp.str());
    const auto failed = harvest(proxy.url());
    INFO(failed.out);
    CHECK(failed.exit_code == 3);
    CHECK(summary_count(failed.out, "deleted") == 0);
    CHECK(failed.out.find("nothing deleted: 1 card of this pass failed") != std::string::npos);
    CHECK(listing_ids(mirror, "/api/models?limit=1000").size() == 80);
    // An incremental pass (the failed card tried again and harvested) never deletes either.
    const auto incremental = harvest(proxy.url());
    INFO(incremental.out);
    CHECK(incremental.exit_code == 0);
    CHECK(summary_count(incremental.out, "deleted") == 0);
    CHECK(listing_ids(mirror, "/api/models?limit=1000").size() == 80);

    // A complete full pass without failures: the two are gone from the mirror too.
    std::filesystem::remove(state);
    const auto full = harvest(origin.url());
    INFO(full.out);
    REQUIRE(full.exit_code == 0);
    CHECK(summary_count(full.out, "deleted") == 2);
    CHECK(full.out.find("deleted 2 cards the origin no longer has") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(mirror + "/harvest-state.json.model-listed"));
    const auto left = listing_ids(mirror, "/api/models?limit=1000");
    CHECK(left.size() == 78);
    CHECK(std::find(left.begin(), left.end(), ids[3]) == left.end());
    CHECK(compare_answers(
              origin_index, mirror, {"/api/models/" + ids[3], "/api/models/" + ids[40]}) == 0);
    expect_mirror(origin_index, mirror);
}

TEST_CASE("an origin that refuses expand= is harvested with full=true&cardData=true",
          "[harvest][listing-form]") {
    if (!have_node()) CARDEX_SKIP("node is not installed (scripts/bootstrap installs it)");
    TempDir tmp;
    const std::string origin_index = subset_index(tmp.str(), 60);
    Served origin(origin_index, tmp.str() + "/origin.log");
    Proxy proxy(origin.url(), R"({"reject_query": "expand"})", tmp.str());
    const std::string mirror = tmp.str() + "/mirror";
    const auto r = run_cardex({"harvest",
                               "--from",
                               proxy.url(),
                               "--index",
                               mirror,
                               "--type",
                               "model,dataset",
                               "--page-size",
                               "25"});
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("refused the expand= listing (HTTP 400 unknown parameter (injected)); "
                     "listing with full=true&cardData=true instead") != std::string::npos);
    CHECK(r.out.find("listing form full=true&cardData=true") != std::string::npos);
    CHECK(summary_count(r.out, "upserted") == 60);
    // Every later listing request asked in the full form.
    std::size_t full = 0, expanded = 0;
    for (const auto& e : proxy.log()) {
        const std::string url(e.at("url").as_string());
        if (url.rfind("/api/", 0) != 0) continue;
        full += url.find("full=true&cardData=true") != std::string::npos;
        expanded += url.find("expand=") != std::string::npos;
    }
    CHECK(full >= 3);      // 60 cards in pages of 25
    CHECK(expanded <= 2);  // the refused first page of each type
    // The same cards, card data and READMEs as the origin's.
    CHECK(listing_ids(mirror, "/api/models?limit=1000&sort=downloads") ==
          listing_ids(origin_index, "/api/models?limit=1000&sort=downloads"));
    const auto ids = listing_ids(origin_index, "/api/models?sort=downloads&limit=5");
    std::vector<std::string> q = {"/api/models?full=true&cardData=true&limit=1000",
                                  "/api/models?filter=license:mit&limit=200"};
    for (const auto& id : ids) q.push_back("/" + id + "/resolve/main/README.md");
    CHECK(compare_answers(origin_index, mirror, q) == 0);
}
