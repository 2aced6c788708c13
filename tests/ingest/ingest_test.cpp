// Ingest: front matter, markdown, normalization, sources and bad input, on small fixtures
// and on the real cards in data/cards.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "cardex/ingest/card_parser.h"
#include "cardex/ingest/sources.h"
#include "ingest_support.h"
#include "support.h"

using cardex::index::Card;
using cardex::index::CardType;
using namespace cardex::ingest;
using cardex::test::vocabulary;

namespace {

Card parse(const std::string& readme, CardType type = CardType::Model, std::string id = "org/x",
           std::vector<Issue>* warnings_out = nullptr) {
    CardParser p(vocabulary());
    RawRecord r;
    r.source = "test:1";
    r.id = std::move(id);
    r.type = type;
    r.readme = readme;
    std::vector<Issue> w;
    auto c = p.parse(r, w);
    REQUIRE(c.has_value());
    if (warnings_out) *warnings_out = w;
    return c.value();
}

bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

std::map<std::string, Card> real_cards() {
    static std::map<std::string, Card> cards = [] {
        std::map<std::string, Card> m;
        auto report = read_cards({cardex::test::real_data_file("cards/models.jsonl"),
                                  cardex::test::real_data_file("cards/datasets.jsonl")},
                                 vocabulary(),
                                 {},
                                 [&](Card&& c) {
                                     m[std::string(cardex::index::card_type_name(c.type)) + "/" + c.id] =
                                         std::move(c);
                                 });
        REQUIRE(report.rejected == 0);
        return m;
    }();
    return cards;
}

}  // namespace

TEST_CASE("front matter: scalars become lists, plural keys map to singular", "[ingest][yaml]") {
    Card c = parse("---\nlanguage: english\nlicenses:\n- apache-2.0\ntags: chat\n---\n# Hello\n");
    CHECK(c.languages == std::vector<std::string>{"en"});
    CHECK(c.license == "apache-2.0");
    CHECK(c.license_spdx == "Apache-2.0");
    CHECK(c.reuse == "open");
    CHECK(has(c.tags, "chat"));
    CHECK(has(c.tags, "license:apache-2.0"));
    CHECK(has(c.tags, "en"));  // models get bare language tags
    CHECK(c.title == "Hello");
}

TEST_CASE("macrolanguages: nb and nn cards are found under no", "[ingest][language]") {
    Card c = parse("---\nlanguage:\n- nb\n- nn\n---\ntext\n", CardType::Dataset);
    CHECK(has(c.languages, "nb"));
    CHECK(has(c.languages, "nn"));
    CHECK(has(c.language_groups, "no"));
    CHECK(has(c.tags, "language:nb"));  // datasets get language:xx tags
}

TEST_CASE("language names, locales and 639-2/3 codes collapse to one code", "[ingest][language]") {
    CHECK(parse("---\nlanguage: [English, eng, en-US]\n---\n").languages ==
          std::vector<std::string>{"en"});
    CHECK(parse("---\nlanguage: [zh-CN, cmn]\n---\n").languages ==
          std::vector<std::string>{"zh", "cmn"});
    Card m = parse("---\nlanguage: [multilingual, code]\n---\n");
    CHECK(m.languages.empty());
    CHECK(has(m.tags, "multilingual"));
}

TEST_CASE("unknown and custom licenses keep their text", "[ingest][license]") {
    Card other = parse("---\nlicense: other\nlicense_name: my-license\n---\n");
    CHECK(other.license == "other");
    CHECK(other.license_name == "my-license");
    Card nc = parse("---\nlicense: cc-by-nc-4.0\n---\n");
    CHECK(nc.reuse == "non-commercial");
    Card odd = parse("---\nlicense: Some Strange Terms v9\n---\n");
    CHECK(odd.license == "other");
    CHECK(odd.reuse == "unknown");
    CHECK(odd.license_name == "Some Strange Terms v9");
}

TEST_CASE("dataset task_ids map to their category", "[ingest][task]") {
    Card c = parse("---\ntask_ids:\n- named-entity-recognition\n---\n", CardType::Dataset);
    REQUIRE_FALSE(c.tasks.empty());
    CHECK(c.tasks.front() == "token-classification");
    CHECK(has(c.modalities, "nlp"));
    CHECK(has(c.tags, "task_ids:named-entity-recognition"));
}

TEST_CASE("markdown: HTML, images and badges are dropped, description is first prose", "[ingest][markdown]") {
    Card c = parse(
        "---\n---\n# Title here\n\n[![badge](https://img.shields.io/x.svg)](https://x)\n\n"
        "<div align=\"center\"><img src=\"a.png\"></div>\n\n"
        "This model recognises named entities in Norwegian news text and is small.\n\n"
        "| col | val |\n|---|---|\n| cell1 | cell2 |\n");
    CHECK(c.title == "Title here");
    CHECK(c.description == "This model recognises named entities in Norwegian news text and is small.");
    CHECK(c.body.find("img") == std::string::npos);
    CHECK(c.body.find("shields") == std::string::npos);
    CHECK(c.body.find("cell2") != std::string::npos);
}

TEST_CASE("DOIs and arXiv ids come from tags and text", "[ingest][doi]") {
    Card c = parse(
        "---\ntags:\n- doi:10.57967/hf/0123\n---\nSee https://arxiv.org/abs/2106.09685 and "
        "doi 10.1000/xyz123.\n");
    CHECK(has(c.dois, "10.57967/hf/0123"));
    CHECK(has(c.dois, "10.1000/xyz123"));
    CHECK(has(c.arxiv_ids, "2106.09685"));
    CHECK(has(c.tags, "arxiv:2106.09685"));
}

TEST_CASE("base models carry their relation into Hub tags", "[ingest][lineage]") {
    Card c = parse("---\nbase_model: meta-llama/Llama-3.1-8B\nbase_model_relation: adapter\n---\n");
    REQUIRE(c.base_models.size() == 1);
    CHECK(c.base_models[0].relation == "adapter");
    CHECK(has(c.tags, "base_model:adapter:meta-llama/Llama-3.1-8B"));
}

TEST_CASE("bad YAML is repaired with a warning, the body is still indexed", "[ingest][bad]") {
    std::vector<Issue> w;
    Card c = parse("---\nlanguage: [en\n---\nSome body text here\n", CardType::Model, "org/x", &w);
    REQUIRE(w.size() == 1);
    CHECK(w[0].reason == "yaml");
    CHECK(w[0].source == "test:1");
    CHECK(c.body.find("Some body text") != std::string::npos);
    CHECK(c.card_data_json == "{}");
}

TEST_CASE("an alias bomb is refused quickly", "[ingest][bad]") {
    std::string bomb = "---\na: &a [x, x, x, x, x, x, x, x, x]\n";
    char prev = 'a';
    for (char k = 'b'; k <= 'k'; ++k, ++prev) {
        bomb += std::string(1, k) + ": &" + k + " [";
        for (int i = 0; i < 9; ++i) bomb += std::string(i ? ", *" : "*") + prev;
        bomb += "]\n";
    }
    bomb += "---\nbody\n";
    std::vector<Issue> w;
    parse(bomb, CardType::Model, "org/x", &w);
    REQUIRE(w.size() == 1);
    CHECK(w[0].reason == "yaml-limit");
}

TEST_CASE("an alias bomb of long strings is refused by its bytes", "[ingest][bad]") {
    // Few nodes (about 1,100) but 10 MB of text once expanded: before the byte budget a
    // 6.7 KB card like this took 16 s and over 1 GB (found by tests/fuzz).
    std::string bomb = "---\na: &a \"" + std::string(10000, 'x') + "\"\n";
    bomb += "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n";
    bomb += "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
    bomb += "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n---\nbody\n";
    std::vector<Issue> w;
    const Card c = parse(bomb, CardType::Model, "org/x", &w);
    REQUIRE(w.size() == 1);
    CHECK(w[0].reason == "yaml-limit");
    CHECK(w[0].message.find("bytes") != std::string::npos);
    CHECK(c.card_data_json == "{}");
    CHECK(c.body.find("body") != std::string::npos);
}

TEST_CASE("invalid UTF-8 is replaced, missing ids are rejected", "[ingest][bad]") {
    std::vector<Issue> w;
    Card c = parse("---\n---\nbad \xff\xfe bytes\n", CardType::Model, "org/x", &w);
    CHECK(c.body.find("\xEF\xBF\xBD") != std::string::npos);
    REQUIRE_FALSE(w.empty());
    CHECK(w[0].reason == "utf8");

    CardParser p(vocabulary());
    RawRecord r;
    r.source = "f:3";
    auto missing = p.parse(r, w);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().detail == "missing-id");
}

TEST_CASE("a malformed line is rejected by source and line, the rest are read", "[ingest][sources]") {
    cardex::test::TempDir tmp;
    const std::string path = tmp.str() + "/cards.jsonl";
    {
        std::ofstream f(path);
        f << R"({"id": "a/one", "type": "model", "readme": "---\nlicense: mit\n---\nfirst"})" << "\n";
        f << R"({"id": "a/two", "type": "model", "readme": )" << "\n";  // truncated
        f << R"({"type": "model", "readme": "no id"})" << "\n";
        f << R"({"id": "a/one", "type": "model", "readme": "dup"})" << "\n";
        f << R"({"id": "b/three", "type": "dataset", "readme": "third", "downloads": 7})" << "\n";
    }
    std::vector<Card> got;
    auto report = read_cards({path}, vocabulary(), {}, [&](Card&& c) { got.push_back(std::move(c)); });
    CHECK(report.read == 5);
    CHECK(report.accepted == 2);
    CHECK(report.rejected == 3);
    REQUIRE(report.rejections.size() == 3);
    CHECK(report.rejections[0].source == path + ":2");
    CHECK(report.rejections[0].reason == "json");
    CHECK(report.rejections[1].reason == "missing-id");
    CHECK(report.rejections[2].reason == "duplicate-id");
    REQUIRE(got.size() == 2);
    CHECK(got[1].downloads == 7);
    CHECK(got[1].type == CardType::Dataset);
}

TEST_CASE("every real card is read and normalized", "[ingest][real]") {
    auto cards = real_cards();
    CHECK(cards.size() == 6634);

    const Card& norec = cards.at("dataset/norec");
    CHECK(has(norec.languages, "nb"));
    CHECK(has(norec.languages, "nn"));
    CHECK(has(norec.languages, "no"));
    CHECK(norec.license == "cc-by-nc-4.0");
    CHECK(norec.reuse == "non-commercial");
    CHECK(norec.tasks.front() == "token-classification");
    CHECK(norec.title == "NoReC");

    const Card& whisper = cards.at("model/openai/whisper-large-v3");
    CHECK(whisper.license == "apache-2.0");
    CHECK(whisper.license_spdx == "Apache-2.0");
    CHECK(whisper.reuse == "open");
    CHECK(whisper.tasks.front() == "automatic-speech-recognition");
    CHECK(has(whisper.languages, "en"));
    CHECK(has(whisper.languages, "no"));
}

TEST_CASE("real cards: the issue's normalization examples", "[ingest][real]") {
    auto cards = real_cards();

    // language: [nb, nn, no] is found under no, nb and nn (models get bare language tags).
    const Card& juan = cards.at("model/Juanfco/Juanpancho");
    for (const char* l : {"no", "nb", "nn"}) {
        CHECK(has(juan.languages, l));
        CHECK(has(juan.tags, l));
    }
    CHECK(has(juan.language_groups, "no"));
    // opus100 declares nb, nn and no too; a dataset's tags are language:xx.
    const Card& opus = cards.at("dataset/opus100");
    for (const char* l : {"language:no", "language:nb", "language:nn"}) CHECK(has(opus.tags, l));

    // Spellings that are not canonical codes collapse (no real card writes `english`; the
    // fixture test above covers it): lat, fra, spa; zhs (BLOOM); iw (retired code of he).
    const Card& medieval = cards.at("model/magistermilitum/roberta-multilingual-medieval-ner");
    CHECK(medieval.languages == std::vector<std::string>{"la", "fr", "es"});
    CHECK(has(medieval.tags, "multilingual"));
    CHECK(has(cards.at("model/bigscience/bloom-3b").languages, "zh"));
    CHECK(has(cards.at("dataset/mc4").languages, "he"));

    // Made-up two-letter codes are not read as language names (`pe`, `ge`, `tu` are names
    // of obscure languages); cz and gr are known misspellings of cs and el.
    const Card& ybel = cards.at("model/ybelkada/flan-t5-large-financial-phrasebank-lora");
    CHECK(has(ybel.languages_raw, "pe"));
    CHECK(has(ybel.languages, "cs"));
    CHECK(has(ybel.languages, "el"));
    CHECK(ybel.languages.size() < ybel.languages_raw.size());

    // language_bcp47 adds languages the language list lacks; sy-SE is not a language.
    const Card& xlsr = cards.at("model/voidful/wav2vec2-xlsr-multilingual-56");
    for (const char* l : {"fy", "ga", "pa", "rm", "zh"}) CHECK(has(xlsr.languages, l));
    CHECK(has(xlsr.languages_raw, "sy-SE"));

    // The `licence:` key is a template placeholder the Hub ignores; so does cardex.
    const Card& role = cards.at("model/AI8191/phi-2-role-play");
    CHECK(role.license.empty());
    CHECK(role.reuse == "unknown");
    CHECK_FALSE(has(role.tags, "license:license"));
    CHECK(role.card_data_json.find("\"licence\":\"license\"") != std::string::npos);

    // A doi: tag (here from the API's tags) is the card's DOI.
    const Card& bloom = cards.at("model/bigscience/bloom");
    CHECK(has(bloom.dois, "10.57967/hf/0003"));
    CHECK(has(bloom.tags, "doi:10.57967/hf/0003"));

    // Dataset task_ids map to their category, and both become Hub tags.
    const Card& norec = cards.at("dataset/norec");
    CHECK(has(norec.task_ids, "named-entity-recognition"));
    CHECK(has(norec.tags, "task_ids:named-entity-recognition"));
    CHECK(has(norec.tags, "task_categories:token-classification"));
}

TEST_CASE("wrong types in front matter are repaired with a warning", "[ingest][bad]") {
    std::vector<Issue> w;
    Card c = parse("---\nlanguage: 5\ntags: {a: b}\nlicense: [3, mit]\npipeline_tag: [fill-mask]\n---\nx\n",
                   CardType::Model, "org/x", &w);
    CHECK(c.languages.empty());
    CHECK(c.license == "mit");
    CHECK(c.tasks == std::vector<std::string>{"fill-mask"});
    REQUIRE(w.size() == 4);
    for (const auto& i : w) {
        CHECK(i.reason == "wrong-type");
        CHECK(i.source == "test:1");
    }
    CHECK(w[0].message.find("'language'") != std::string::npos);
    // The cardData keeps what the card said.
    CHECK(c.card_data_json == R"({"language":5,"tags":{"a":"b"},"license":[3,"mit"],"pipeline_tag":["fill-mask"]})");
}

TEST_CASE("Space cards: title, short_description, sdk, models, datasets", "[ingest][space]") {
    Card s = parse(
        "---\ntitle: Chat Demo\nemoji: 🤖\nsdk: streamlit\nshort_description: Talk to a model\n"
        "models:\n- org/m\ndatasets: org/d\nlicense: mit\n---\n# Heading\n\nA long first paragraph that "
        "describes the app in more words than the short one.\n",
        CardType::Space, "org/chat");
    CHECK(s.title == "Chat Demo");
    CHECK(s.description == "Talk to a model");
    CHECK(has(s.tags, "streamlit"));
    CHECK(s.sdk == "streamlit");
    CHECK(has(s.datasets, "org/d"));
    CHECK(s.models == std::vector<std::string>{"org/m"});
    CHECK_FALSE(has(s.tags, "dataset:org/d"));  // linked datasets are fields, not tags
    CHECK_FALSE(has(s.tags, "org/m"));
    CHECK(s.card_data_json.find(R"("models":["org/m"])") != std::string::npos);
    // Only a Space's `models` are linked models, and the SDK is read in any case.
    CHECK(parse("---\nmodels: [org/m]\nsdk: Gradio\n---\n").models.empty());
    CHECK(parse("---\nsdk: Gradio\n---\n", CardType::Space).sdk == "gradio");
}

TEST_CASE("a Space's listing record gives its SDK and linked repositories", "[ingest][space]") {
    // What /api/spaces?linked=true lists: the SDK and the links are fields of the item. A
    // card of the same Space that declares its own keeps them.
    std::ostringstream f;
    {
        f << R"({"id": "org/listed", "sdk": "Docker", "models": ["org/m1", "org/m2"], )"
             R"("datasets": ["org/d"], "likes": 4, "tags": ["docker", "region:us"]})"
          << "\n"
          << R"({"id": "org/carded", "sdk": "static", "models": ["org/listed-model"]})"
          << "\n"
          << R"({"id": "org/carded", "type": "space", "readme": "---\nsdk: gradio\nmodels: [org/own]\n---\n"})"
          << "\n";
    }
    std::map<std::string, Card> cards;
    auto report = read_cards_from_text(
        f.str(), "spaces.jsonl", vocabulary(), {}, [&](Card&& c) { cards[c.id] = std::move(c); });
    CHECK(report.rejected == 0);
    REQUIRE(cards.count("org/listed") == 1);
    const Card& listed = cards.at("org/listed");
    CHECK(listed.type == CardType::Space);
    CHECK(listed.sdk == "docker");
    CHECK(listed.models == std::vector<std::string>{"org/m1", "org/m2"});
    CHECK(listed.datasets == std::vector<std::string>{"org/d"});
    REQUIRE(cards.count("org/carded") == 1);
    CHECK(cards.at("org/carded").sdk == "gradio");
    CHECK(cards.at("org/carded").models == std::vector<std::string>{"org/own"});
}

TEST_CASE("aliases and merge keys take the tree path and give the same cardData", "[ingest][yaml]") {
    Card c = parse("---\nbase: &b\n  license: mit\n  language: [de]\nother:\n  <<: *b\n  x: 1\n"
                   "language: *lang\n---\n");
    // *lang has no anchor: malformed; the card is repaired without metadata.
    CHECK(c.card_data_json == "{}");
    Card d = parse("---\nlangs: &l [de, fr]\nlanguage: *l\ndataset_info:\n  features: [{name: a}]\n---\n");
    CHECK(d.languages == std::vector<std::string>{"de", "fr"});
    CHECK(d.card_data_json ==
          R"({"langs":["de","fr"],"language":["de","fr"],"dataset_info":{"features":[{"name":"a"}]}})");
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

TEST_CASE("a card with 40,000 tags keeps 1,000 and says how many were dropped",
          "[ingest][limits]") {
    std::string readme = "---\ntags:\n";
    for (int i = 0; i < 40000; ++i) readme += "- tag" + std::to_string(i) + "\n";
    readme += "---\nbody\n";
    CardParser parser(vocabulary());
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
    CHECK(warned("too-many-values", "front matter 'tags' has 40000 values"));
    CHECK(warned("too-many-values", "39000 dropped"));
    CHECK(warned("too-many-values", "the listing has 5000 tags"));
    // The card's 1,000 and the listing's first 1,000 make 2,000 tags: 1,000 are dropped.
    CHECK(warned("too-many-tags", "1000 dropped"));
    for (const auto& w : warnings) CHECK(w.source == "big:1");

    // 100,000 are past the YAML node budget (50,000): the front matter is dropped, said so.
    std::string huge = "---\ntags:\n";
    for (int i = 0; i < 100000; ++i) huge += "- tag" + std::to_string(i) + "\n";
    raw.readme = huge + "---\nbody\n";
    warnings.clear();
    card = parser.parse(raw, warnings);
    REQUIRE(card.has_value());
    CHECK(warned("yaml-limit", "50000 nodes"));
    CHECK(card->tags.front() == "api-tag0");  // the listing's own tags remain
}

TEST_CASE("every front matter list is bounded, duplicates are dropped in order",
          "[ingest][limits]") {
    std::string readme = "---\nlanguage:\n";
    for (int i = 0; i < 3000; ++i) readme += i % 2 == 0 ? "- en\n" : "- nb\n";
    readme += "datasets:\n";
    for (int i = 0; i < 1500; ++i) readme += "- org/d" + std::to_string(i % 700) + "\n";
    readme += "---\n";
    std::vector<Issue> warnings;
    const Card card = parse(readme, CardType::Model, "org/lists", &warnings);
    CHECK(card.languages == std::vector<std::string>{"en", "nb"});
    CHECK(card.languages_raw.size() == 1000);
    CHECK(card.datasets.size() == 700);
    CHECK(card.datasets.front() == "org/d0");
    std::size_t bounded = 0;
    for (const auto& w : warnings) bounded += w.reason == "too-many-values" ? 1 : 0;
    CHECK(bounded == 2);  // language (3,000) and datasets (1,500)
}
