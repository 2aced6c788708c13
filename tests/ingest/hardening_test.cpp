// Ingest hardening (issue #13): a UTF-8 byte-order mark before the first record, repository
// ids checked against the Hub's rule with a clear rejection, and bounded, linear handling of
// cards with very many tags or list values.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "cardex/ingest/card_parser.h"
#include "cardex/ingest/sources.h"
#include "support.h"

using cardex::index::Card;
using namespace cardex::ingest;

namespace {

std::shared_ptr<const Tables> tables() {
    static auto t = [] {
        auto r = Tables::load(cardex::test::tables_dir());
        REQUIRE(r.has_value());
        return r.value();
    }();
    return t;
}

struct Run {
    IngestReport report;
    std::vector<Card> cards;
};

Run read_text(const std::string& text, const std::string& name = "mem.jsonl") {
    Run r;
    r.report = read_cards_from_text(
        text, name, tables(), {}, [&](Card&& c) { r.cards.push_back(std::move(c)); });
    CHECK(r.report.read == r.report.accepted + r.report.rejected + r.report.merged);
    return r;
}

Run read_file(const std::string& path) {
    Run r;
    r.report = read_cards({path}, tables(), {}, [&](Card&& c) { r.cards.push_back(std::move(c)); });
    return r;
}

void write(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary);
    f << text;
}

const std::string kBom = "\xEF\xBB\xBF";

}  // namespace

TEST_CASE("a byte-order mark before the first record is skipped in every format", "[ingest][bom]") {
    cardex::test::TempDir tmp;
    const std::string jsonl = kBom + R"({"id": "org/first", "readme": "# First"})"
                                     "\n"
                                     R"({"id": "org/second"})"
                                     "\n";
    const std::string array =
        kBom + R"([{"id": "org/first", "downloads": 3}, {"modelId": "org/second"}])";
    const std::string csv = kBom + "id,downloads\norg/first,3\norg/second,4\n";
    for (const auto& [name, text] : {std::pair{"cards.jsonl", jsonl},
                                     std::pair{"items.json", array},
                                     std::pair{"listing.csv", csv}}) {
        INFO(name);
        const std::string path = tmp.str() + "/" + name;
        write(path, text);
        for (const Run& r : {read_file(path), read_text(text, name)}) {
            CHECK(r.report.rejected == 0);
            REQUIRE(r.cards.size() == 2);
            CHECK(r.cards[0].id == "org/first");
            CHECK(r.cards[1].id == "org/second");
        }
    }
    // Line numbers still count from the file's first line.
    auto bad = read_text(kBom + R"({"id": "org/a"})"
                                "\n"
                                "not json\n");
    REQUIRE(bad.report.rejections.size() == 1);
    CHECK(bad.report.rejections[0].source == "mem.jsonl:2");
}

TEST_CASE("repository ids follow the Hub's rule", "[ingest][id]") {
    // Real ids of every shape: legacy bare names, '_' first, dots, the Hub's own
    // "-truncated-" names with "--", 96-character names.
    for (const std::string& id :
         std::vector<std::string>{"gpt2",
                                  "imdb",
                                  "google-bert/bert-base-uncased",
                                  "huggingtweets/_marfii",
                                  "LeroyDyer/_Spydaz_Web_AI_MistralStar",
                                  "Kaanjoa/Joa0.6",
                                  "0x6e676e/generate-context",
                                  "diegor2/"
                                  "translation-en-pt-t5-length-128-learning_rate-2e-05-weight_"
                                  "decay-0.01--truncated-1ab6b0",
                                  "org/" + std::string(96, 'a'),
                                  std::string(96, 'n') + "/x"}) {
        INFO(id);
        CHECK_FALSE(repo_id_problem(id).has_value());
    }
    for (const std::string& id : std::vector<std::string>{std::string("org/a\0b", 7),
                                                          "org/\x1b[31mred",
                                                          "org/\xE2\x80\xAE"
                                                          "evil",
                                                          "org/a\\b",
                                                          "a\\b",
                                                          "../etc/passwd",
                                                          "org/..",
                                                          "org/a..b",
                                                          "a/b/c",
                                                          "/x",
                                                          "x/",
                                                          "/",
                                                          "org/.x",
                                                          "org/x-",
                                                          "-org/x",
                                                          "org/x.git",
                                                          "org/" + std::string(97, 'a'),
                                                          std::string(97, 'n') + "/x",
                                                          "org/a b",
                                                          "org/caf\xC3\xA9",
                                                          "org/tab\t",
                                                          ""}) {
        INFO(id);
        CHECK(repo_id_problem(id).has_value());
    }
}

TEST_CASE("a record with a bad id is rejected with its place and the id escaped", "[ingest][id]") {
    auto r = read_text(R"({"id": "org/ok"})"
                       "\n"
                       R"({"id": "org/\u001b[31mred"})"
                       "\n"
                       R"({"id": "org/a\u0000b"})"
                       "\n"
                       R"({"id": "org/\u202eevil"})"
                       "\n"
                       R"({"id": "../../etc/passwd"})"
                       "\n"
                       R"({"id": "a\\b"})"
                       "\n"
                       R"({"id": "https://huggingface.co/datasets/org/from-url"})"
                       "\n");
    CHECK(r.report.accepted == 2);
    REQUIRE(r.report.rejections.size() == 5);
    for (std::size_t i = 0; i < r.report.rejections.size(); ++i) {
        const Issue& issue = r.report.rejections[i];
        INFO(issue.message);
        CHECK(issue.source == "mem.jsonl:" + std::to_string(i + 2));
        CHECK(issue.reason == "bad-id");
        CHECK(issue.message.rfind("bad id '", 0) == 0);
        for (const char ch : issue.message) {
            CHECK(static_cast<unsigned char>(ch) >= 0x20);
            CHECK(static_cast<unsigned char>(ch) < 0x7F);
        }
    }
    CHECK(r.report.rejections[0].message.find("org/\\x1b[31mred") != std::string::npos);
    CHECK(r.report.rejections[2].message.find("org/\\xe2\\x80\\xaeevil") != std::string::npos);
    REQUIRE(r.cards.size() == 2);
    CHECK(r.cards[1].id == "org/from-url");
}

TEST_CASE("a card with 100,000 tags keeps 1,000 and says how many were dropped",
          "[ingest][limits]") {
    std::string readme = "---\ntags:\n";
    for (int i = 0; i < 100000; ++i) readme += "- tag" + std::to_string(i) + "\n";
    readme += "---\nbody\n";
    CardParser parser(tables());
    RawRecord raw;
    raw.source = "big:1";
    raw.id = "org/many-tags";
    raw.readme = readme;
    for (int i = 0; i < 5000; ++i) raw.tags.push_back("api-tag" + std::to_string(i));
    std::vector<Issue> warnings;
    auto card = parser.parse(raw, warnings);
    REQUIRE(card.has_value());
    CHECK(card->tags.size() == 1000);
    CHECK(card->tags.front() == "tag0");
    CHECK(card->tags.back() == "tag999");
    const auto warned = [&](const std::string& reason, const std::string& text) {
        for (const auto& w : warnings) {
            if (w.reason == reason && w.message.find(text) != std::string::npos) return true;
        }
        return false;
    };
    CHECK(warned("too-many-values", "front matter 'tags' has 100000 values"));
    CHECK(warned("too-many-values", "99000 dropped"));
    CHECK(warned("too-many-values", "the listing has 5000 tags"));
    // The card's 1,000 and the listing's first 1,000 make 2,000 tags: 1,000 are dropped.
    CHECK(warned("too-many-tags", "1000 dropped"));
    for (const auto& w : warnings) CHECK(w.source == "big:1");
}

TEST_CASE("every front matter list is bounded, duplicates are dropped in order",
          "[ingest][limits]") {
    std::string readme = "---\nlanguage:\n";
    for (int i = 0; i < 3000; ++i) readme += i % 2 == 0 ? "- en\n" : "- nb\n";
    readme += "datasets:\n";
    for (int i = 0; i < 1500; ++i) readme += "- org/d" + std::to_string(i % 700) + "\n";
    readme += "---\n";
    CardParser parser(tables());
    RawRecord raw;
    raw.source = "lists:1";
    raw.id = "org/lists";
    raw.readme = readme;
    std::vector<Issue> warnings;
    auto card = parser.parse(raw, warnings);
    REQUIRE(card.has_value());
    CHECK(card->languages == std::vector<std::string>{"en", "nb"});
    CHECK(card->languages_raw.size() == 1000);
    CHECK(card->datasets.size() == 700);
    CHECK(card->datasets.front() == "org/d0");
    std::size_t bounded = 0;
    for (const auto& w : warnings) bounded += w.reason == "too-many-values" ? 1 : 0;
    CHECK(bounded == 2);  // language (3,000) and datasets (1,500)
}
