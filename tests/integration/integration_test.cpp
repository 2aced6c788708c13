// End to end on the real cards of ../shared/data: every card indexed, specific real cards
// found by specific queries and filters; the cardex executable reports bad records.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <set>

#include "cardex/index/store.h"
#include "cardex/ingest/sources.h"
#include "cardex/query/searcher.h"
#include "support.h"

using namespace cardex;

namespace {

// Built once per CTest run by the fixture test integration:reindex-real-cards, through the
// cardex executable (see CMakeLists.txt).
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

std::pair<int, std::string> run(const std::string& cmd) {
    std::array<char, 4096> buf;
    std::string out;
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    REQUIRE(p != nullptr);
    while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
    int status = ::pclose(p);
    return {WEXITSTATUS(status), out};
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

TEST_CASE("cardex reindex reports a malformed card and indexes the rest", "[integration][cli]") {
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
    auto [rc, out] = run(std::string(CARDEX_EXE) + " reindex --index " + index + " " + src);
    CHECK(rc == 3);
    CHECK(out.find(src + ":2") != std::string::npos);
    CHECK(out.find("json") != std::string::npos);
    CHECK(out.find("indexed 2") != std::string::npos);

    auto [rc2, out2] = run(std::string(CARDEX_EXE) + " search --index " + index + " --json good");
    CHECK(rc2 == 0);
    CHECK(out2.find("\"a/good\"") != std::string::npos);

    auto [rc3, out3] = run(std::string(CARDEX_EXE) + " reindex --allow-rejects --quiet --index " +
                           index + " " + src);
    CHECK(rc3 == 0);
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
    auto [rc, out] = run(std::string(CARDEX_EXE) + " reindex --index " + index + " " + src);
    CHECK(rc == 3);
    CHECK(out.find(src + ":2: bad-id: bad id 'a/\\x1b[2Jwipe'") != std::string::npos);
    CHECK(out.find('\x1b') == std::string::npos);

    auto [rc2, out2] = run(std::string(CARDEX_EXE) + " search --index " + index + " escapes");
    CHECK(rc2 == 0);
    CHECK(out2.find("a/escapes") != std::string::npos);
    CHECK(out2.find("Red \\x1b[31m title \\u202e gnp.exe") != std::string::npos);
    CHECK(out2.find('\x1b') == std::string::npos);
    CHECK(out2.find("\xE2\x80\xAE") == std::string::npos);
}
