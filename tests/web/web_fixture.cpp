#include "web_fixture.h"

#include <chrono>
#include <memory>

#include <catch2/catch.hpp>

#include "cardex/index/card.h"
#include "cardex/index/quality.h"
#include "fixture.h"

namespace cardex::test {
namespace {

using index::Card;
using index::CardType;

Card make(CardType type, std::string id, std::int64_t downloads) {
    Card c = make_card(type, std::move(id), downloads);
    c.source = "web-fixture";
    return c;
}

std::vector<Card> cards() {
    std::vector<Card> out;
    {
        Card c = make(CardType::Model, "ltg/norbert3-base", 50000);
        c.title = "NorBERT 3 base";
        c.tasks = {"fill-mask"};
        c.modalities = {"nlp"};
        c.languages = {"nb", "nn"};
        c.language_groups = {"no"};
        c.license = "apache-2.0";
        c.reuse = "open";
        c.library = "transformers";
        c.datasets = {"ltg/norec"};
        c.arxiv_ids = {"2305.03880"};
        c.description = "A Norwegian language model for Bokmål and Nynorsk.";
        c.body = c.description;
        c.markdown =
            "# NorBERT 3\n\nA **Norwegian** model. See [the "
            "paper](https://arxiv.org/abs/2305.03880).\n";
        // What ingest would find: all but uses, limitations, evaluation and citation.
        using index::Criterion;
        index::set_quality(c,
                           index::criterion_bit(Criterion::Description) |
                               index::criterion_bit(Criterion::License) |
                               index::criterion_bit(Criterion::Datasets) |
                               index::criterion_bit(Criterion::Task) |
                               index::criterion_bit(Criterion::Language));
        out.push_back(std::move(c));
    }
    {
        Card c = make(CardType::Model, "ltg/norbert3-ner", 9000);
        c.title = "NorBERT 3 NER";
        c.tasks = {"token-classification"};
        c.modalities = {"nlp"};
        c.languages = {"nb"};
        c.language_groups = {"no"};
        c.license = "cc-by-nc-4.0";
        c.reuse = "non-commercial";
        c.library = "transformers";
        c.base_models = {{"ltg/norbert3-base", "finetune"}};
        c.description = "Named entity recognition for Norwegian Bokmål.";
        c.body = c.description;
        c.markdown = "Named entity recognition.";
        using index::Criterion;
        index::set_quality(c,
                           index::criterion_bit(Criterion::License) |
                               index::criterion_bit(Criterion::Task) |
                               index::criterion_bit(Criterion::Language));
        out.push_back(std::move(c));
    }
    {
        Card c = make(CardType::Model, "giellatekno/sami-asr", 300);
        c.title = "Northern Sámi speech recognition";
        c.tasks = {"automatic-speech-recognition"};
        c.modalities = {"audio"};
        c.languages = {"se"};
        c.license = "mit";
        c.reuse = "open";
        c.library = "transformers";
        c.description = "Speech recognition for Northern Sámi.";
        c.body = c.description;
        c.markdown = "Speech recognition for Sámi.";
        out.push_back(std::move(c));
    }
    {
        Card c = make(CardType::Dataset, "ltg/norec", 1200);
        c.title = "NoReC";
        c.tasks = {"text-classification"};
        c.modalities = {"nlp"};
        c.languages = {"nb"};
        c.language_groups = {"no"};
        c.license = "cc-by-4.0";
        c.reuse = "open";
        c.dois = {"10.1000/norec.2018"};
        c.description = "Norwegian review corpus.";
        c.body = c.description;
        c.markdown = "Norwegian reviews.";
        out.push_back(std::move(c));
    }
    {
        // Hostile markdown and metadata: everything here must come out inert.
        Card c = make(CardType::Model, "evil/xss-card", 10);
        c.title = "<script>alert('title')</script>";
        c.tasks = {"text-generation"};
        c.modalities = {"nlp"};
        c.languages = {"en"};
        c.license = "mit";
        c.reuse = "open";
        c.description = "<img src=x onerror=alert(1)> hostile \"quotes\" & more";
        c.body = "hostile card body";
        c.markdown =
            "# Hello\n\n<script>alert('md')</script>\n\n"
            "<img src=\"https://evil.example/x.png\" onerror=\"alert(2)\" alt=\"logo\">\n\n"
            "[click](javascript:alert(3)) and [obfuscated](&#106;avascript:alert(4))\n\n"
            "<a href=\"jav&#x09;ascript:alert(5)\" onclick=\"alert(6)\">tabbed</a>\n\n"
            "<div onmouseover=\"alert(7)\" style=\"x:expression(alert(8))\">styled</div>\n\n"
            "<iframe src=\"https://evil.example\"></iframe>\n\n"
            "![badge](https://img.shields.io/badge/x.svg)\n\n"
            "[relative](./config.json) and ![rel](assets/pic.png)\n\n"
            "</main></body><svg><script>alert(9)</script></svg>\n";
        out.push_back(std::move(c));
    }
    {
        Card c = make(CardType::Model, "secretorg/private-model", 100000);
        c.is_private = true;
        c.tasks = {"fill-mask"};
        c.languages = {"nb"};
        c.language_groups = {"no"};
        c.description = "Private Norwegian model.";
        c.body = c.description;
        c.markdown = "private";
        out.push_back(std::move(c));
    }
    return out;
}

const std::string& index_dir() {
    static const auto dir = build_fixture_index(cards());
    static const std::string path = dir->str();
    return path;
}

}  // namespace

query::Searcher& web_searcher() {
    return thread_searcher(index_dir());
}

server::HttpResponse web_get(const std::string& target,
                             std::vector<std::pair<std::string, std::string>> headers) {
    // Tests check pages, not speed: no 2 s deadline for a sanitizer build on a busy machine.
    static const server::Handler handler([] {
        server::HandlerConfig config;
        config.request_deadline = std::chrono::milliseconds(60000);
        return config;
    }());
    return handle(handler, web_searcher(), "GET", target, std::move(headers));
}

server::HttpResponse web_request(const std::string& method,
                                 const std::string& target,
                                 std::vector<std::pair<std::string, std::string>> headers,
                                 std::string body) {
    static const server::Handler handler = [] {
        server::HandlerConfig config;
        auto store = server::TokenStore::parse(std::string(kSecretToken) + "\tsecretorg\n");
        if (!store) FAIL("token store: " << store.error().message);
        config.tokens = std::make_shared<const server::TokenStore>(std::move(store).value());
        config.request_deadline = std::chrono::milliseconds(60000);
        return server::Handler(std::move(config));
    }();
    return handle(handler, web_searcher(), method, target, std::move(headers), std::move(body));
}

std::size_t count_of(const std::string& hay, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = hay.find(needle); pos != std::string::npos;
         pos = hay.find(needle, pos + needle.size())) {
        ++n;
    }
    return n;
}

}  // namespace cardex::test
