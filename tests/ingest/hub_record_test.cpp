// The Hub's own records in ingest (docs/HUB-COMPAT.md): listing records merged into the card
// of the same id, the Hub's tags, pipeline_tag and library_name taken as they are, cardData
// objects read like front matter, YAML 1.2 numbers, every license, the README kept whole.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <fstream>

#include "cardex/ingest/sources.h"
#include "ingest_support.h"
#include "support.h"

using cardex::index::Card;
using cardex::index::CardType;
using cardex::index::Gated;
using namespace cardex::ingest;
using cardex::test::run;

namespace {

std::string write(const cardex::test::TempDir& tmp,
                  const std::string& name,
                  const std::string& text) {
    const std::string path = tmp.str() + "/" + name;
    std::ofstream f(path, std::ios::binary);
    f << text;
    return path;
}

// One card from one JSON record.
Card one(const std::string& record) {
    cardex::test::TempDir tmp;
    auto r = run({write(tmp, "cards.jsonl", record + "\n")});
    REQUIRE(r.cards.size() == 1);
    return r.cards.front();
}

bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("a listing record merges into the card of its id, before or after it", "[ingest][hub]") {
    cardex::test::TempDir tmp;
    // The card guesses "auto" from its gating form; the Hub's record says "manual".
    const std::string card =
        R"({"id": "https://huggingface.co/org/model", "type": "model", "downloads": 5,)"
        R"( "readme": "---\nlicense: mit\nextra_gated_prompt: Agree?\n---\n# Model\n"})"
        "\n"
        R"({"id": "org/other", "type": "model", "readme": "---\nextra_gated_prompt: x\n---\nno record"})"
        "\n";
    const std::string listing =
        R"({"id": "org/model", "downloads": 900, "likes": 7, "gated": "manual", "private": false,)"
        R"( "disabled": true, "usedStorage": 1234, "siblings_count": 4, "spaces_count": 2,)"
        R"( "safetensors": {"parameters": {"BF16": 7000000000}, "total": 7000000000},)"
        R"( "tags": ["transformers", "license:mit", "region:us"], "pipeline_tag": null})"
        "\n"
        R"({"id": "org/model", "likes": 8, "trendingScore": 3.5})"
        "\n";
    const std::string cards = write(tmp, "cards.jsonl", card);
    const std::string meta = write(tmp, "meta.jsonl", listing);
    for (const auto& order :
         {std::vector<std::string>{cards, meta}, std::vector<std::string>{meta, cards}}) {
        auto r = run(order);
        REQUIRE(r.cards.size() == 2);
        CHECK(r.report.read == 4);
        CHECK(r.report.accepted == 2);
        CHECK(r.report.merged == 2);
        CHECK(r.report.merged_by_reason.at("listing-into-card") == 1);
        CHECK(r.report.merged_by_reason.at("listing-merged") == 1);
        CHECK(r.report.rejected == 0);
        REQUIRE(r.find("org/model") != nullptr);
        const Card& c = *r.find("org/model");
        CHECK(c.downloads == 5);         // the card record's own value wins
        CHECK(c.likes == 7);             // the first listing record's
        CHECK(c.trending_score == 3.5);  // a later listing record fills what is left
        CHECK(c.gated == Gated::Manual);
        CHECK(c.disabled);
        CHECK(c.used_storage == 1234);
        CHECK(c.siblings_count == 4);
        CHECK(c.spaces_count == 2);
        CHECK(c.num_parameters == 7000000000);
        CHECK(c.safetensors_json == R"({"parameters": {"BF16": 7000000000}, "total": 7000000000})");
        CHECK(c.tags == std::vector<std::string>{"transformers", "license:mit", "region:us"});
        CHECK(c.license == "mit");  // from the card's front matter
        CHECK(c.has_readme);
        // Without a Hub record the guess from the gating form stays.
        REQUIRE(r.find("org/other") != nullptr);
        CHECK(r.find("org/other")->gated == Gated::Auto);
    }
}

TEST_CASE("a listing record without a card becomes one, its cardData object is read",
          "[ingest][hub]") {
    const Card c = one(
        R"({"id": "org/listed", "tags": ["a"], "pipeline_tag": "text2text-generation",)"
        R"( "library_name": "transformers", "gguf": {"total": 1500000000, "architecture": "llama"},)"
        R"( "cardData": {"license": ["apache-2.0", "MIT"], "language": ["nb", "en"], "co2": 5e-1,)"
        R"( "pipeline_tag": "text-generation", "tags": ["x"], "nested": {"a": [1, null, true]}}})");
    CHECK_FALSE(c.has_readme);
    CHECK(
        c.card_data_json ==
        R"({"license": ["apache-2.0", "MIT"], "language": ["nb", "en"], "co2": 5e-1,)"
        R"( "pipeline_tag": "text-generation", "tags": ["x"], "nested": {"a": [1, null, true]}})");
    CHECK(c.license == "apache-2.0");
    CHECK(c.licenses == std::vector<std::string>{"apache-2.0", "mit"});
    CHECK(c.languages == std::vector<std::string>{"nb", "en"});
    CHECK(has(c.language_groups, "no"));
    // The Hub's fields as they are: its pipeline_tag, its tags (not the card data's).
    CHECK(c.pipeline_tag == "text2text-generation");
    CHECK(has(c.tasks, "text-generation"));
    CHECK(c.tags == std::vector<std::string>{"a"});
    CHECK(c.library == "transformers");
    CHECK(c.num_parameters == 1500000000);
    CHECK(c.gguf_json == R"({"total": 1500000000, "architecture": "llama"})");
    CHECK(c.sha.size() == 40);

    // Card data that is no object is named, not read.
    cardex::test::TempDir tmp;
    auto r = run({write(tmp,
                        "l.jsonl",
                        R"({"id": "org/x", "cardData": ["license", "mit"]})"
                        "\n")});
    REQUIRE(r.cards.size() == 1);
    CHECK(r.cards[0].card_data_json == "{}");
    CHECK(r.cards[0].license.empty());
    REQUIRE(r.report.warnings.size() == 1);
    CHECK(r.report.warnings[0].reason == "wrong-type");
}

TEST_CASE("listing records without an id are each rejected, not folded together", "[ingest][hub]") {
    cardex::test::TempDir tmp;
    auto r = run({write(tmp,
                        "l.jsonl",
                        R"({"downloads": 1})"
                        "\n"
                        R"({"id": "", "likes": 2})"
                        "\n"
                        R"({"id": "o/a", "likes": 3})"
                        "\n")});
    CHECK(r.report.rejected_by_reason.at("missing-id") == 2);
    CHECK(r.report.merged == 0);
    REQUIRE(r.cards.size() == 1);
    CHECK(r.cards[0].likes == 3);
}

TEST_CASE("the Hub's tags, pipeline_tag and library_name are taken as they are", "[ingest][hub]") {
    const std::string readme =
        R"("---\nlicense: mit\nlanguage: [en]\nbase_model: [a/b, c/d]\npipeline_tag: text2text-generation\n)"
        R"(library_name: Bertopic\ndatasets: [e/f]\n---\nSee doi 10.1234/abcd and arXiv:2101.00001.\n")";
    const Card hub = one(R"({"id": "o/hub", "type": "model", "readme": )" + readme +
                         R"(, "api_tags": ["bertopic", "en", "base_model:a/b", "region:us"]})");
    CHECK(hub.tags == std::vector<std::string>{"bertopic", "en", "base_model:a/b", "region:us"});
    CHECK(hub.pipeline_tag.empty());           // the record has the Hub's tags but no pipeline_tag
    CHECK(hub.library.empty());                // nor a library_name: none is invented
    CHECK(has(hub.tasks, "text-generation"));  // the card's declared task still counts
    CHECK(has(hub.dois, "10.1234/abcd"));      // and its facets
    CHECK(hub.base_models.size() == 2);

    // Without the Hub's fields the rules derive them; the pipeline tag stays as written.
    const Card own = one(R"({"id": "o/own", "type": "model", "readme": )" + readme + "}");
    CHECK(own.pipeline_tag == "text2text-generation");
    CHECK(own.tasks == std::vector<std::string>{"text-generation"});
    CHECK(own.library == "bertopic");
    CHECK(has(own.tags, "license:mit"));
    CHECK(has(own.tags, "dataset:e/f"));
    CHECK(has(own.tags, "doi:10.1234/abcd"));
    CHECK(has(own.tags, "arxiv:2101.00001"));

    // A declared pipeline_tag that is no pipeline type is not one.
    const Card odd = one(
        R"({"id": "o/odd", "type": "model", "readme": "---\npipeline_tag: video-to-3d\n---\nx"})");
    CHECK(odd.pipeline_tag.empty());
    const Card cased = one(
        R"({"id": "o/cased", "type": "model", "readme": "---\npipeline_tag: Text-Generation\n---\nx"})");
    CHECK(cased.pipeline_tag.empty());
    CHECK(cased.tasks == std::vector<std::string>{"text-generation"});
    // Datasets have no pipeline_tag field on the Hub.
    const Card ds = one(
        R"({"id": "o/ds", "type": "dataset", "readme": "---\ntask_categories: [summarization]\n---\n"})");
    CHECK(ds.pipeline_tag.empty());
    CHECK(ds.tasks == std::vector<std::string>{"summarization"});
}

TEST_CASE("every license of a card is a facet value", "[ingest][hub]") {
    const Card c = one(
        R"({"id": "o/l", "type": "dataset", "readme": "---\nlicense: [cc-by-4.0, MIT, my-own-terms]\n---\n"})");
    CHECK(c.license == "cc-by-4.0");
    CHECK(c.licenses == std::vector<std::string>{"cc-by-4.0", "mit", "other"});
    CHECK(has(c.tags, "license:mit"));
    CHECK(has(c.tags, "license:my-own-terms"));
}

TEST_CASE("YAML 1.2 core-schema numbers are numbers in cardData", "[ingest][hub]") {
    const Card c = one(
        R"({"id": "o/n", "type": "model", "readme": "---\na: .646\nb: 110.\nc: .nan\nd: -.inf\n)"
        R"(e: +12\nf: 007\ng: 0o17\nh: 0x1F\ni: 1e3\nj: -.5E+3\nk: .Inf\nl: '.5'\nm: 1.2.3\n)"
        R"(n: .5a\no: 0x\np: 1_000\nq: 0.50\nr: -0\ns: +.5\n---\nbody"})");
    CHECK(c.card_data_json ==
          R"({"a":0.646,"b":110.0,"c":null,"d":null,"e":12,"f":7,"g":15,"h":31,"i":1e3,)"
          R"("j":-0.5E+3,"k":null,"l":".5","m":"1.2.3","n":".5a","o":"0x","p":"1_000",)"
          R"("q":0.50,"r":-0,"s":0.5})");
}

TEST_CASE("numbers no JSON reader can hold are written as their value", "[ingest][hub]") {
    // Exponents past three digits: Boost.JSON, which the server reads cardData with, refuses
    // them (found by fuzzing); their value is written instead, infinities as null.
    const Card c = one(
        R"({"id": "o/e", "type": "model", "readme": "---\na: 1E99999999999999999999\n)"
        R"(b: -0.5e-123456\nc: 1.5e300\nd: .5E0001000\ne: 25e-0003\nf: 2E0400\n)"
        R"(g: 1)" + std::string(400, '0') + R"(\n---\nbody"})");
    CHECK(c.card_data_json ==
          R"({"a":null,"b":-0,"c":1.5e300,"d":null,"e":25e-0003,"f":null,"g":null})");
    boost::system::error_code ec;
    boost::json::parse(c.card_data_json, ec);
    CHECK_FALSE(ec);
}

TEST_CASE("the README is kept whole: head and body, with a content hash", "[ingest][hub]") {
    // JSON-escaped, as it stands in the record.
    const std::string readme = R"(\n---\r\nlicense: mit\r\n---  \r\n# Title\r\nText \u00e9\n)";
    const Card a = one(R"({"id": "o/r", "type": "model", "readme": ")" + readme + R"("})");
    CHECK(a.has_readme);
    CHECK(a.readme_head == "\n---\r\nlicense: mit\r\n---  \r\n");
    CHECK(a.readme_head + a.markdown ==
          "\n---\r\nlicense: mit\r\n---  \r\n# Title\r\nText \xC3\xA9\n");
    REQUIRE(a.sha.size() == 40);
    CHECK(a.sha.find_first_not_of("0123456789abcdef") == std::string::npos);
    // The same README gives the same hash; another README, id or type another one.
    CHECK(one(R"({"id": "o/r", "type": "model", "readme": ")" + readme + R"("})").sha == a.sha);
    CHECK(one(R"({"id": "o/r", "type": "model", "readme": "x"})").sha != a.sha);
    CHECK(one(R"({"id": "o/r2", "type": "model", "readme": ")" + readme + R"("})").sha != a.sha);
    CHECK(one(R"({"id": "o/r", "type": "dataset", "readme": ")" + readme + R"("})").sha != a.sha);
    const Card none = one(R"({"id": "o/n", "type": "model", "readme": "no front matter"})");
    CHECK(none.readme_head.empty());
    CHECK(none.markdown == "no front matter");
}
