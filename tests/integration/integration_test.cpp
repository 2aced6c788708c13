// End to end on the real cards of data/cards: every card indexed, specific real cards
// found by specific queries and filters; the cardex executable reports bad records.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "cardex/index/store.h"
#include "cardex/ingest/sources.h"
#include "cardex/query/searcher.h"
#include "process.h"
#include "support.h"

using namespace cardex;
using cardex::test::run_shell;

namespace {

// Built once per CTest run by the fixture test standalone:fresh-copy: scripts/demo, run in a
// fresh copy of the repository, indexes data/cards with the cardex executable.
std::string real_index() { return CARDEX_REAL_INDEX; }

query::Searcher searcher() {
    auto s = query::Searcher::open(real_index());
    REQUIRE(s.has_value());
    return std::move(s).value();
}

std::vector<std::string> top_ids(const query::SearchResponse& r) {
    std::vector<std::string> out;
    for (const auto& h : r.hits) out.push_back(h.card.id);
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("every real card is indexed by cardex reindex", "[integration][real]") {
    auto s = searcher();
    auto info = s.info();
    REQUIRE(info.has_value());
    CHECK(info->cards == 6634);
}

TEST_CASE("German named entity recognition finds German NER cards", "[integration][real]") {
    auto s = searcher();
    query::SearchRequest r;
    r.text = "named entity recognition";
    r.filters = {{"language", {"de"}, {}}};
    r.limit = 10;
    auto resp = s.search(r);
    REQUIRE(resp.has_value());
    auto ids = top_ids(*resp);
    CHECK(contains(ids, "germaner"));
    CHECK(contains(ids, "stefan-it/span-marker-gelectra-large-germeval14"));
    r.text = "legal entity recognition";
    auto legal = s.search(r);
    REQUIRE(legal.has_value());
    REQUIRE_FALSE(legal->hits.empty());
    CHECK(legal->hits.front().card.id == "german_legal_entity_recognition");
    for (const auto& h : resp->hits) {
        bool german = contains(h.card.languages, "de") || contains(h.card.language_groups, "de");
        CHECK(german);
    }
}

TEST_CASE("a Norwegian filter finds nb, nn and no cards", "[integration][real]") {
    auto s = searcher();
    query::SearchRequest r;
    r.filters = {{"language", {"no"}, {}}, {"type", {"dataset"}, {}}};
    r.limit = 100;
    auto resp = s.search(r);
    REQUIRE(resp.has_value());
    auto ids = top_ids(*resp);
    CHECK(contains(ids, "norec"));
    r.filters = {{"language", {"nn"}, {}}};
    resp = s.search(r);
    CHECK(contains(top_ids(*resp), "norec"));
}

TEST_CASE("an exact id comes first", "[integration][real]") {
    auto s = searcher();
    query::SearchRequest r;
    r.text = "openai/whisper-large-v3";
    auto resp = s.search(r);
    REQUIRE(resp.has_value());
    REQUIRE_FALSE(resp->hits.empty());
    CHECK(resp->hits.front().card.id == "openai/whisper-large-v3");
    r.text = "whisper large v3";
    resp = s.search(r);
    REQUIRE_FALSE(resp->hits.empty());
    CHECK(resp->hits.front().card.id == "openai/whisper-large-v3");
}

TEST_CASE("filter-only listings sort by downloads", "[integration][real]") {
    auto s = searcher();
    query::SearchRequest r;
    r.filters = {{"task", {"automatic-speech-recognition"}, {}}};
    r.limit = 10;
    auto resp = s.search(r);
    REQUIRE(resp.has_value());
    CHECK(resp->total > 10);
    for (std::size_t i = 1; i < resp->hits.size(); ++i) {
        CHECK(resp->hits[i - 1].card.downloads >= resp->hits[i].card.downloads);
    }
}

TEST_CASE("cardex reindex reports a malformed card and publishes only when allowed",
          "[integration][cli]") {
    test::TempDir tmp;
    const std::string src = tmp.str() + "/cards.jsonl";
    {
        std::ofstream f(src);
        f << R"({"id": "a/good", "type": "model", "readme": "---\nlicense: mit\n---\nGood card text"})"
          << "\n";
        f << R"({"id": "a/bad", "type": "model", "readme": 12)"
          << "\n";
        f << R"({"id": "a/also-good", "type": "dataset", "readme": "Another card"})" << "\n";
    }
    const std::string index = tmp.str() + "/index";
    const std::string exe = CARDEX_EXE;
    // Rejects stop the publication: exit 3, the file and line named, nothing published.
    auto [rc, out] = run_shell(exe + " reindex --index " + index + " " + src);
    CHECK(rc == 3);
    CHECK(out.find(src + ":2") != std::string::npos);
    CHECK(out.find("json") != std::string::npos);
    CHECK(out.find("nothing was published") != std::string::npos);
    CHECK(run_shell(exe + " search --index " + index + " --json good").first != 0);  // no index yet

    auto [rc2, out2] = run_shell(exe + " reindex --allow-rejects --index " + index + " " + src);
    CHECK(rc2 == 0);
    CHECK(out2.find("indexed 2") != std::string::npos);
    auto [rc3, out3] = run_shell(exe + " search --index " + index + " --json good");
    CHECK(rc3 == 0);
    CHECK(out3.find("\"a/good\"") != std::string::npos);

    // Rejects again, without --allow-rejects: the live index stays as it was.
    const std::string other = tmp.str() + "/other.jsonl";
    {
        std::ofstream f(other);
        f << R"({"id": "b/new", "type": "model", "readme": "New card"})" << "\n";
        f << R"({"id": "b/broken", "type": "model", "readme": [)" << "\n";
    }
    CHECK(run_shell(exe + " reindex --quiet --index " + index + " " + other).first == 3);
    CHECK(run_shell(exe + " search --index " + index + " --json good").second.find("\"a/good\"") !=
          std::string::npos);
}

TEST_CASE("a reindex of a missing or empty source never empties the live index",
          "[integration][cli]") {
    test::TempDir tmp;
    const std::string exe = CARDEX_EXE;
    const std::string src = tmp.str() + "/cards.jsonl";
    {
        std::ofstream f(src);
        f << R"({"id": "a/one", "type": "model", "readme": "Card one"})" << "\n";
        f << R"({"id": "a/two", "type": "model", "readme": "Card two"})" << "\n";
    }
    const std::string index = tmp.str() + "/index";
    REQUIRE(run_shell(exe + " reindex --quiet --index " + index + " " + src).first == 0);
    auto total = [&]() {
        const auto [rc, out] = run_shell(exe + " search --index " + index + " --json --limit 0");
        REQUIRE(rc == 0);
        return out.substr(out.find("\"total\":"), 10);
    };
    const std::string before = total();
    CHECK(before.find(":2") != std::string::npos);

    // The issue's reproducer: a missing source used to publish an empty generation.
    auto [rc, out] = run_shell(exe + " reindex --index " + index + " " + tmp.str() + "/missing.jsonl");
    CHECK(rc == 3);
    CHECK(out.find("missing.jsonl") != std::string::npos);
    CHECK(out.find("nothing was published") != std::string::npos);
    CHECK(total() == before);
    // --allow-rejects does not wave a whole missing source through.
    CHECK(run_shell(exe + " reindex --allow-rejects --index " + index + " " + src + " " + tmp.str() +
              "/missing.jsonl")
              .first == 3);
    CHECK(total() == before);

    const std::string empty = tmp.str() + "/empty.jsonl";
    std::ofstream(empty).close();
    auto [rc2, out2] = run_shell(exe + " reindex --index " + index + " " + empty);
    CHECK(rc2 != 0);
    CHECK(out2.find("--allow-empty") != std::string::npos);
    CHECK(total() == before);
    CHECK(run_shell(exe + " reindex --quiet --allow-empty --index " + index + " " + empty).first == 0);
    CHECK(total().find(":0") != std::string::npos);
    for (const auto& e : std::filesystem::directory_iterator(index)) {
        CHECK(e.path().filename().string().rfind("build-", 0) != 0);
    }
}

TEST_CASE("cardex prints card text and bad ids without terminal escapes", "[integration][cli]") {
    test::TempDir tmp;
    const std::string src = tmp.str() + "/cards.jsonl";
    {
        std::ofstream f(src);
        // A title with a colour escape and a right-to-left override (YAML escapes: YAML
        // refuses raw control characters); an id with an escape.
        f << R"({"id": "a/escapes", "readme": "---\npretty_name: \"Red \\e[31m title \\u202e gnp.exe\"\n---\nescapes here"})"
          << "\n";
        f << R"({"id": "a/\u001b[2Jwipe", "readme": "escapes in the id"})"
          << "\n";
    }
    const std::string index = tmp.str() + "/index";
    // Without --allow-rejects the rejected id publishes nothing (and says so, escaped).
    auto [rc0, out0] = run_shell(std::string(CARDEX_EXE) + " reindex --index " + index + " " + src);
    CHECK(rc0 == 3);
    CHECK(out0.find("bad id 'a/\\x1b[2Jwipe'") != std::string::npos);
    CHECK(out0.find('\x1b') == std::string::npos);
    auto [rc, out] =
        run_shell(std::string(CARDEX_EXE) + " reindex --allow-rejects --index " + index + " " + src);
    CHECK(rc == 0);
    CHECK(out.find(src + ":2: bad-id: bad id 'a/\\x1b[2Jwipe'") != std::string::npos);
    CHECK(out.find('\x1b') == std::string::npos);

    auto [rc2, out2] = run_shell(std::string(CARDEX_EXE) + " search --index " + index + " escapes");
    CHECK(rc2 == 0);
    CHECK(out2.find("a/escapes") != std::string::npos);
    CHECK(out2.find("Red \\x1b[31m title \\u202e gnp.exe") != std::string::npos);
    CHECK(out2.find('\x1b') == std::string::npos);
    CHECK(out2.find("\xE2\x80\xAE") == std::string::npos);
}
