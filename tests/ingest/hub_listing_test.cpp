// Hub listing pages as `cardex harvest` reads them (cardex/ingest/hub_listing.h): items split
// out of a page byte for byte, bad items rejected one by one with their position, and an
// item plus its README made into the very card `cardex reindex` makes of the same record.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <sstream>

#include "cardex/index/summary.h"
#include "cardex/ingest/hub_listing.h"
#include "cardex/ingest/sources.h"
#include "fixture.h"
#include "support.h"

using cardex::index::Card;
using cardex::index::CardType;
using namespace cardex::ingest;

namespace {

// The card read_cards makes of one JSON Lines record.
Card reindexed(const std::string& line) {
    std::vector<Card> cards;
    auto report =
        read_cards_from_text(line + "\n", "line", cardex::test::vocabulary(), {}, [&](Card&& c) {
            cards.push_back(std::move(c));
        });
    INFO(line.substr(0, 200));
    REQUIRE(cards.size() == 1);
    return cards.front();
}

Card harvested(const std::string& item_json, CardType type, std::optional<std::string> readme) {
    auto page = read_hub_listing("[" + item_json + "]", type, "page");
    REQUIRE(page.has_value());
    REQUIRE(page->size() == 1);
    CardParser parser(cardex::test::vocabulary());
    std::vector<Issue> warnings;
    auto card = hub_item_card(std::move(page->front()), std::move(readme), parser, warnings);
    REQUIRE(card.has_value());
    return std::move(card).value();
}

}  // namespace

TEST_CASE("an item and its README make the card reindex makes of the same record",
          "[ingest][harvest]") {
    // Real card records (the README and the Hub's fields of each), taken apart as a harvest
    // gets them: the record without its README as the listing item, the README fetched.
    auto bytes = read_source_bytes(cardex::test::real_data_file("cards/models.jsonl"));
    REQUIRE(bytes.has_value());
    std::istringstream in(bytes.value());
    std::string line;
    std::size_t compared = 0, with_front_matter = 0;
    while (compared < 300 && std::getline(in, line)) {
        boost::json::object record = boost::json::parse(line).as_object();
        if (!record.contains("readme")) continue;
        const std::string readme(record.at("readme").as_string());
        record.erase("readme");
        record.erase("type");
        const Card a = reindexed(line);
        const Card b = harvested(boost::json::serialize(record), CardType::Model, readme);
        INFO(a.id);
        CHECK(b.id == a.id);
        CHECK(b.body == a.body);
        // The summary holds every field a listing, a card page or a README download serves.
        CHECK(cardex::index::encode_summary(b) == cardex::index::encode_summary(a));
        with_front_matter += a.card_data_json != "{}";
        ++compared;
    }
    CHECK(compared == 300);
    CHECK(with_front_matter > 200);
}

TEST_CASE("a listing item without README keeps its cardData as written", "[ingest][harvest]") {
    // Numbers in card data keep their spelling (docs/HUB-COMPAT.md); a JSON round trip
    // through a DOM would write 1.50 as 1.5.
    const std::string item =
        R"({"_id": "x", "id": "org/data", "downloads": 12, "lastModified": )"
        R"("2024-04-20T03:49:51.000Z", "tags": ["license:mit"], "description": "About [it]",)"
        R"( "cardData": {"license": "mit", "score": 1.50, "odd": "a \"quoted\" ] }"}})";
    const Card a = reindexed(R"({"type": "dataset", )" + item.substr(1));
    const Card b = harvested(item, CardType::Dataset, std::nullopt);
    CHECK(b.card_data_json == R"({"license": "mit", "score": 1.50, "odd": "a \"quoted\" ] }"})");
    CHECK(cardex::index::encode_summary(b) == cardex::index::encode_summary(a));
    CHECK_FALSE(b.has_readme);
    CHECK(b.description == "About [it]");
    CHECK(b.type == CardType::Dataset);
}

TEST_CASE("bad items are rejected one by one, with their position", "[ingest][harvest]") {
    const std::string page = R"([
        {"id": "org/one", "lastModified": "2024-01-02T03:04:05.000Z", "tags": ["a,b", "]"]},
        42,
        {"id": "../../etc/passwd"},
        {"downloads": 5},
        {"id": ["not", "a", "string"]},
        "text, with [brackets]",
        {"id": "https://huggingface.co/datasets/org/two"},
        {"id": "org/three"}
    ])";
    auto items = read_hub_listing(page, CardType::Model, "http://origin/api/models?limit=8");
    REQUIRE(items.has_value());
    REQUIRE(items->size() == 8);
    const auto& v = items.value();
    CHECK(v[0].repo_id == "org/one");
    CHECK(v[0].last_modified == "2024-01-02T03:04:05.000Z");
    CHECK_FALSE(v[0].rejection);
    REQUIRE(v[1].rejection);
    CHECK(v[1].rejection->source == "http://origin/api/models?limit=8:record 2");
    CHECK(v[1].rejection->reason == "not-object");
    // An id that is no repository id never becomes a fetch path.
    REQUIRE(v[2].rejection);
    CHECK(v[2].rejection->reason == "bad-id");
    CHECK(v[2].repo_id.empty());
    REQUIRE(v[3].rejection);
    CHECK(v[3].rejection->reason == "missing-id");
    REQUIRE(v[4].rejection);
    CHECK(v[4].rejection->reason == "bad-id");
    REQUIRE(v[5].rejection);
    CHECK(v[5].rejection->source == "http://origin/api/models?limit=8:record 6");
    // A Hub URL as id names the repository, type included.
    CHECK(v[6].repo_id == "org/two");
    CHECK(v[6].type == CardType::Dataset);
    CHECK(v[7].repo_id == "org/three");
    CHECK(v[7].type == CardType::Model);
}

TEST_CASE("a page that is not one JSON array is an error of the page", "[ingest][harvest]") {
    for (const std::string page : {R"([{"id": "org/one"}, {"id": "org/tw)",
                                   R"({"id": "a"})",
                                   "",
                                   "<html>502 Bad Gateway</html>"}) {
        INFO(page);
        auto items = read_hub_listing(page, CardType::Model, "page 3");
        REQUIRE_FALSE(items.has_value());
        CHECK(items.error().detail == "page 3");
    }
    auto empty = read_hub_listing(" [ ] ", CardType::Model, "last page");
    REQUIRE(empty.has_value());
    CHECK(empty->empty());
}

TEST_CASE("a repo-info answer is read like a listing item", "[ingest][harvest]") {
    auto item = read_hub_item(R"({"id": "org/m", "likes": 3})", CardType::Space, "info");
    CHECK_FALSE(item.rejection);
    CHECK(item.repo_id == "org/m");
    CHECK(item.type == CardType::Space);
    auto bad = read_hub_item(R"(["org/m"])", CardType::Model, "info");
    REQUIRE(bad.rejection);
    CHECK(bad.rejection->source == "info");
}
