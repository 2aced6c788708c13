#include "fixture_index.h"

#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include "cardex/index/card.h"
#include "fixture.h"

namespace cardex::test {
namespace {

using index::Card;
using index::CardType;

Card make(
    CardType type, std::string id, std::int64_t downloads, std::int64_t likes, double trending) {
    Card c = make_card(type, std::move(id), downloads);
    c.likes = likes;
    c.trending_score = trending;
    return c;
}

std::vector<Card> fixture_cards() {
    std::vector<Card> cards;
    {
        Card c = make(CardType::Model, "google-bert/bert-base-uncased", 1000000, 2000, 50);
        c.tasks = {"fill-mask"};
        c.library = "transformers";
        c.languages = {"en"};
        c.license = "apache-2.0";
        c.license_spdx = "Apache-2.0";
        c.licenses = {"apache-2.0"};
        c.datasets = {"bookcorpus"};
        c.tags = {"transformers",
                  "pytorch",
                  "bert",
                  "fill-mask",
                  "en",
                  "dataset:bookcorpus",
                  "license:apache-2.0",
                  "region:us"};
        c.description =
            "BERT base model (uncased), pretrained on English with masked language "
            "modeling.";
        c.body = c.description;
        c.card_data_json =
            R"({"license":"apache-2.0","language":["en"],"datasets":["bookcorpus"],"co2":0.5})";
        // The README as read: front matter block, then the markdown body.
        c.has_readme = true;
        c.readme_head = "---\nlicense: apache-2.0\nlanguage: en\n---\n";
        c.markdown = "# BERT base model (uncased)\n\nPretrained on English. Zürich \xE2\x9C\x93\n";
        c.sha = "0123456789abcdef0123456789abcdef01234567";
        c.created_at = 1646263744;
        c.last_modified = 1708506000;
        cards.push_back(std::move(c));
    }
    {
        Card c = make(CardType::Model, "meta-llama/Llama-3.1-8B-Instruct", 6375575, 6675, 300);
        c.tasks = {"text-generation"};
        c.library = "transformers";
        c.languages = {"en", "de", "fr"};
        c.license = "llama3.1";
        c.gated = index::Gated::Manual;
        c.tags = {"transformers",
                  "safetensors",
                  "llama",
                  "text-generation",
                  "conversational",
                  "en",
                  "de",
                  "fr",
                  "license:llama3.1",
                  "region:us"};
        c.safetensors_json = R"({"parameters":{"BF16":8030261248},"total":8030261248})";
        c.num_parameters = 8030261248;
        c.used_storage = 16060556376;
        c.description = "Llama 3.1 instruction tuned multilingual large language model.";
        c.body = c.description;
        c.card_data_json = R"({"license":"llama3.1","language":["en","de","fr"]})";
        c.created_at = 1721292960;
        c.last_modified = 1727283657;
        cards.push_back(std::move(c));
    }
    {
        Card c = make(CardType::Model, "flair/ner-danish-large", 500, 10, 1);
        c.tasks = {"token-classification"};
        c.library = "flair";
        c.languages = {"da"};
        c.license = "mit";
        c.tags = {"flair", "token-classification", "da", "license:mit"};
        c.dois = {"10.57967/hf/0042", "10.18653/v1/n19-4010"};  // its own, and a paper's
        c.description = "Danish named entity recognition with Flair.";
        c.body = c.description;
        c.created_at = 1621382400;
        cards.push_back(std::move(c));
    }
    {
        Card c = make(CardType::Model, "google/gemma-2b", 200000, 900, 120);
        c.tasks = {"text-generation"};
        c.library = "transformers";
        c.languages = {"de", "fr"};
        c.license = "gemma";
        c.gated = index::Gated::Auto;
        c.tags = {
            "transformers", "gguf", "text-generation", "de", "fr", "license:gemma", "GGUF-Q4"};
        c.gguf_json = R"({"total":2506172416,"architecture":"gemma","context_length":8192})";
        c.num_parameters = 2506172416;
        c.description = "Gemma is a family of lightweight open models.";
        c.body = c.description;
        c.created_at = 1708506000;
        cards.push_back(std::move(c));
    }
    {
        Card c = make(CardType::Model, "acme/secret-model", 5, 1, 999);
        c.tasks = {"text-generation"};
        c.is_private = true;
        // A library and a base model only this card has: their facet values must not
        // surface to callers who may not see the card.
        c.library = "secretlib";
        c.base_models = {{"acme/secret-base", "finetune"}};
        c.dois = {"10.5555/secret"};
        c.tags = {"text-generation", "secretlib"};
        c.description = "A private model nobody else may see.";
        c.body = c.description;
        cards.push_back(std::move(c));
    }
    {
        Card c = make(CardType::Dataset, "sgoel9/paul_graham_essays", 415, 5, 2);
        c.tasks = {"question-answering"};
        c.languages = {"en"};
        c.license = "mit";
        c.tags = {"task_categories:question-answering",
                  "language:en",
                  "license:mit",
                  "library:pandas",
                  "region:us"};
        c.title = "Paul Graham Essay Collection";
        c.has_readme = true;
        c.markdown = "Essays by Paul Graham.\n";  // no front matter: an empty head
        c.description = "Essays by Paul Graham, for question answering and summarization.";
        c.body = c.description;
        c.card_data_json = R"({"license":"mit","pretty_name":"Paul Graham Essay Collection"})";
        c.created_at = 1712820561;
        c.last_modified = 1713584991;
        cards.push_back(std::move(c));
    }
    {
        Card c = make(CardType::Space, "acme/chat-demo", 0, 42, 7);
        c.tags = {"gradio", "region:us"};
        c.title = "Chat demo";
        c.description = "A gradio chat demo.";
        c.body = c.description;
        c.sdk = "gradio";  // ingest reads it from the card data
        c.card_data_json = R"({"sdk":"gradio","title":"Chat demo","emoji":"\ud83d\udcac"})";
        c.created_at = 1698840000;
        cards.push_back(std::move(c));
    }
    // Ingest gives a model its pipeline_tag (the Hub's field) beside its tasks.
    for (auto& c : cards) {
        if (c.type == CardType::Model && !c.tasks.empty()) c.pipeline_tag = c.tasks.front();
    }
    return cards;
}

}  // namespace

const std::string& fixture_index_dir() {
    static const auto dir = build_fixture_index(fixture_cards());
    static const std::string path = dir->str();
    return path;
}

query::Searcher& fixture_searcher() {
    return thread_searcher(fixture_index_dir());
}

// These tests check answers, not speed: a sanitizer build on a loaded machine must not meet
// the default 2 s request deadline, which tests/server/limits_test.cpp tests on its own.
server::HandlerConfig patient(server::HandlerConfig config) {
    if (config.request_deadline == server::HandlerConfig{}.request_deadline) {
        config.request_deadline = std::chrono::milliseconds(60000);
    }
    return config;
}

server::HttpResponse get(const std::string& target, const server::HandlerConfig& config) {
    return request("GET", target, "", config);
}

server::HttpResponse request(const std::string& method,
                             const std::string& target,
                             const std::string& token,
                             const server::HandlerConfig& config,
                             const std::string& body) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    return handle(server::Handler(patient(config)),
                  fixture_searcher(),
                  method,
                  target,
                  std::move(headers),
                  body,
                  "cardex.test:8080");
}

std::shared_ptr<const server::TokenStore> fixture_tokens() {
    static const auto store = [] {
        auto parsed = server::TokenStore::parse(std::string(kAcmeToken) + "\tacme\n" +
                                                std::string(kOtherToken) + "\tother,google\n" +
                                                std::string(kAdminToken) + "\t*admin*\n");
        if (!parsed) FAIL("fixture tokens: " << parsed.error().message);
        return std::make_shared<const server::TokenStore>(std::move(parsed).value());
    }();
    return store;
}

boost::json::value body_json(const server::HttpResponse& res) {
    boost::system::error_code ec;
    auto v = boost::json::parse(res.body, ec);
    INFO("body: " << res.body);
    REQUIRE_FALSE(ec);
    return v;
}

}  // namespace cardex::test
