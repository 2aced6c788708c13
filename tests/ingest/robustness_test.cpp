// Robustness: random byte mutations of real cards never crash the parser and always give
// valid JSON cardData and valid UTF-8 text; the streaming front matter converter gives the
// same cardData as the tree on every real card.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "cardex/ingest/card_parser.h"
#include "cardex/ingest/sources.h"
#include "ingest_support.h"
#include "support.h"
#include "yaml_tree.h"  // ingest/src: the converter is private to ingest

using cardex::index::Card;
using cardex::index::CardType;
using namespace cardex::ingest;
using cardex::test::vocabulary;

namespace {

struct RealCard {
    std::string id;
    CardType type;
    std::string readme;
};

// Every `step`-th real card, in file order.
std::vector<RealCard> real_cards(std::size_t step) {
    std::vector<RealCard> out;
    simdjson::dom::parser parser;
    for (const char* f : {"cards/models.jsonl", "cards/datasets.jsonl"}) {
        auto bytes = read_source_bytes(cardex::test::real_data_file(f));  // the .zst, decompressed
        REQUIRE(bytes.has_value());
        std::istringstream in(std::move(bytes).value());
        std::string line;
        std::size_t n = 0;
        while (std::getline(in, line)) {
            if (n++ % step != 0) continue;
            simdjson::dom::element doc;
            REQUIRE_FALSE(parser.parse(line).get(doc));
            std::string_view id, type, readme;
            REQUIRE_FALSE(doc["id"].get_string().get(id));
            REQUIRE_FALSE(doc["type"].get_string().get(type));
            REQUIRE_FALSE(doc["readme"].get_string().get(readme));
            out.push_back({std::string(id), type == "dataset" ? CardType::Dataset : CardType::Model,
                           std::string(readme)});
        }
    }
    return out;
}

// One random edit: flip, insert a YAML/markdown/UTF-8 troublemaker, delete, duplicate or
// truncate. Two thirds of the edits land in the first 2 KB, where the front matter is.
void mutate(std::string& s, std::mt19937_64& rng) {
    static const char* kBits[] = {":", "-", "\n", "---\n", "[", "]", "{", "}", "&a ", "*a",
                                  "<<: *a\n", "\"", "'", "\t", "\xff", "\xc3", "" /* NUL */,
                                  "!!binary ", "? ", "|\n", "  - ", "<div>", "![x](", "`", "\\"};
    if (s.empty()) s = "---\n";
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    const std::size_t limit = pick(3) < 2 ? std::min<std::size_t>(s.size(), 2048) : s.size();
    const std::size_t at = pick(limit);
    switch (pick(5)) {
        case 0: s[at] = static_cast<char>(rng()); break;
        case 1: {
            const char* b = kBits[pick(std::size(kBits))];
            s.insert(at, b[0] ? std::string(b) : std::string(1, '\0'));
            break;
        }
        case 2: s.erase(at, 1 + pick(16)); break;
        case 3: s.insert(at, s.substr(pick(s.size()), 1 + pick(64))); break;
        case 4: s.resize(at); break;
    }
}

}  // namespace

TEST_CASE("random mutations of real cards never crash the parser", "[ingest][fuzz]") {
    const auto cards = real_cards(17);  // 391 cards of both types
    REQUIRE(cards.size() > 300);
    std::mt19937_64 rng(20240601);
    CardParser parser(vocabulary());
    simdjson::dom::parser json;
    std::size_t parsed = 0, rejected = 0, warned = 0;
    for (const auto& rc : cards) {
        if (rc.readme.size() > 32768) continue;  // bound the run time under sanitizers
        for (int round = 0; round < 8; ++round) {
            RawRecord r;
            r.source = rc.id + ":mutation " + std::to_string(round);
            r.id = rc.id;
            r.type = rc.type;
            std::string text = rc.readme;
            const int edits = 1 + static_cast<int>(rng() % 8);
            for (int e = 0; e < edits; ++e) mutate(text, rng);
            r.readme = std::move(text);
            std::vector<Issue> warnings;
            auto c = parser.parse(r, warnings);
            ++parsed;
            if (!c) {
                ++rejected;
                continue;
            }
            warned += warnings.empty() ? 0 : 1;
            for (const auto& w : warnings) CHECK(w.source == r.source);
            simdjson::dom::element doc;
            INFO(r.source);
            CHECK_FALSE(json.parse(c->card_data_json).get(doc));
            CHECK(simdjson::validate_utf8(c->body));
            CHECK(simdjson::validate_utf8(c->title));
            CHECK(simdjson::validate_utf8(c->description));
            CHECK(simdjson::validate_utf8(c->markdown));
        }
    }
    CHECK(parsed > 2500);
    CHECK(rejected == 0);  // a card with an id is repaired, never rejected, whatever its text
    CHECK(warned > 0);
}

TEST_CASE("mutated JSON Lines and CSV sources are read without losing count", "[ingest][fuzz]") {
    cardex::test::TempDir tmp;
    std::mt19937_64 rng(7);
    std::string jsonl, csv = "id,downloads,likes,tags,card_data\n";
    const auto cards = real_cards(97);
    for (const auto& rc : cards) {
        std::string line = "{\"id\": \"" + rc.id + "\", \"readme\": \"";
        for (char ch : rc.readme.substr(0, 3000)) {
            if (ch == '"' || ch == '\\') line.push_back('\\');
            if (ch == '\n') {
                line += "\\n";
                continue;
            }
            if (static_cast<unsigned char>(ch) < 0x20) continue;
            line.push_back(ch);
        }
        line += "\"}";
        std::string row = rc.id + ",12,3,\"a,b\",\"language: en\"";
        for (int e = 0; e < 3; ++e) {
            mutate(line, rng);
            mutate(row, rng);
        }
        // Mutations may add line breaks: count records as the readers will.
        jsonl += line + "\n";
        csv += row + "\n";
    }
    std::ofstream(tmp.str() + "/m.jsonl", std::ios::binary) << jsonl;
    std::ofstream(tmp.str() + "/m.csv", std::ios::binary) << csv;
    for (const char* f : {"/m.jsonl", "/m.csv"}) {
        std::size_t n = 0;
        auto report = read_cards({tmp.str() + f}, vocabulary(), {}, [&](Card&&) { ++n; });
        CHECK(report.read > 0);
        CHECK(report.read == report.accepted + report.rejected + report.merged);
        CHECK(n == report.accepted);
    }
}

TEST_CASE("streamed cardData equals the tree's on every real card", "[ingest][yaml]") {
    const auto cards = real_cards(1);
    REQUIRE(cards.size() == 6634);
    const YamlLimits limits;
    std::size_t compared = 0;
    for (const auto& rc : cards) {
        // The front matter as the parser splits it: between the first two --- lines.
        const auto start = rc.readme.find("---");
        if (start == std::string::npos) continue;
        const auto end = rc.readme.find("\n---", start + 3);
        if (end == std::string::npos) continue;
        const std::string yaml = rc.readme.substr(start + 4, end - start - 4 + 1);
        auto tree = parse_yaml(yaml, limits);
        auto fm = parse_front_matter(yaml, limits, [](std::string_view k) { return k == "language"; });
        INFO(rc.id);
        if (!tree || tree.value().kind != YamlNode::Kind::Mapping) {
            CHECK_FALSE(fm.has_value());
            continue;
        }
        REQUIRE(fm.has_value());
        std::string expect;
        yaml_to_json(tree.value(), expect);
        CHECK(fm.value().json == expect);
        CHECK((fm.value().meta.find("language") != nullptr) == (tree.value().find("language") != nullptr));
        ++compared;
    }
    CHECK(compared > 6000);
}
