// What the response says about a query on the real cards (issue #18): the words it
// understood, each hit's score in parts, hierarchical facet counts, and titles that are
// the card's own rather than a section heading.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "cardex/query/searcher.h"
#include "fixture.h"
#include "proximity.h"
#include "real_corpus.h"

using namespace cardex;

namespace {

query::Searcher searcher() {
    auto s = query::Searcher::open(CARDEX_REAL_INDEX);
    REQUIRE(s.has_value());
    return std::move(s).value();
}

}  // namespace

TEST_CASE("the response lists what the query's words name", "[integration][real][understood]") {
    auto s = searcher();
    query::SearchRequest r;
    r.text = "norwegian named entity recognition";
    auto resp = s.search(r);
    REQUIRE(resp.has_value());
    std::map<std::string, std::string> named;
    for (const auto& u : resp->understood) named[u.facet] = u.value + " <- " + u.text;
    CHECK(named["language"] == "no <- norwegian");
    CHECK(named["task"] == "token-classification <- named entity recognition");

    // A query that is, whole, an author's name: understood as that author, as the cards
    // write it, and the author's own cards first (judged set, o11: meta-llama's Llama 2).
    r.text = "meta llama";
    resp = s.search(r);
    REQUIRE(resp.has_value());
    named.clear();
    for (const auto& u : resp->understood) named[u.facet] = u.value + " <- " + u.text;
    CHECK(named["author"] == "meta-llama <- meta llama");
    REQUIRE(!resp->hits.empty());
    CHECK(resp->hits[0].card.author == "meta-llama");
    r.text = "eleutherai";
    resp = s.search(r);
    REQUIRE(resp.has_value());
    named.clear();
    for (const auto& u : resp->understood) named[u.facet] = u.value + " <- " + u.text;
    CHECK(named["author"] == "EleutherAI <- eleutherai");

    r.text = "\"norwegian\" bert";  // quoted: taken literally, nothing understood from it
    resp = s.search(r);
    REQUIRE(resp.has_value());
    for (const auto& u : resp->understood) CHECK(u.facet != "language");
    r.text = "norwegian ner";
    r.plain_bm25 = true;  // the baseline understands nothing
    resp = s.search(r);
    REQUIRE(resp.has_value());
    CHECK(resp->understood.empty());
}

TEST_CASE("explain splits each hit's score into parts that add up",
          "[integration][real][explain]") {
    auto s = searcher();
    std::size_t with_prior = 0, with_exact = 0, with_understood = 0, with_proximity = 0;
    for (const auto& text : test::judged_query_texts()) {
        query::SearchRequest r;
        r.text = text;
        r.limit = 10;
        r.explain = true;
        r.snippets = false;
        auto resp = s.search(r);
        REQUIRE(resp.has_value());
        for (const auto& h : resp->hits) {
            INFO(text << " " << h.card.id);
            REQUIRE(h.explain.has_value());
            const auto& e = *h.explain;
            CHECK(e.text + e.exact + e.understood + e.prior + e.proximity + e.documentation ==
                  Approx(h.score));
            // The second stage adds a share of its weight, never more (query/src/proximity.h).
            CHECK(e.proximity >= 0);
            CHECK(e.proximity <= query::kProximityWeight + 1e-9);
            CHECK(e.text >= -1e-9);
            // The prior part is the card's popularity: none without downloads.
            if (h.card.downloads <= 0) CHECK(e.prior == 0);
            with_prior += e.prior > 0;
            with_exact += e.exact > 0;
            with_understood += e.understood > 0;
            with_proximity += e.proximity > 0;
        }
    }
    // Every part occurs on the judged set (known items hit the exact boost, language
    // queries the understood one, topical ones of two words and more the proximity one).
    CHECK(with_prior > 0);
    CHECK(with_exact > 0);
    CHECK(with_understood > 0);
    CHECK(with_proximity > 0);

    query::SearchRequest sorted;
    sorted.text = "bert";
    sorted.explain = true;
    sorted.sort = query::Sort::Downloads;  // no relevance score: nothing to explain
    auto resp = s.search(sorted);
    REQUIRE(resp.has_value());
    for (const auto& h : resp->hits) CHECK_FALSE(h.explain.has_value());
}

TEST_CASE("the prior's weight is the request's", "[integration][real][prior]") {
    auto s = searcher();
    query::SearchRequest r;
    r.text = "llama";
    r.limit = 20;
    r.explain = true;
    for (double w : {0.0, 0.6, 2.0}) {
        r.prior_weight = w;
        auto resp = s.search(r);
        REQUIRE(resp.has_value());
        for (const auto& h : resp->hits) {
            if (w == 0) CHECK(h.explain->prior == 0);
        }
        INFO(w);
        // A heavier prior never ranks a less downloaded card above a more downloaded one
        // with the same text weight and boosts: checked as the first hit's downloads.
        if (w == 2.0) CHECK(resp->hits.front().card.downloads > 100000);
    }
    r.prior_weight = 2.5;
    CHECK_FALSE(s.search(r).has_value());
    r.prior_weight = -0.1;
    CHECK_FALSE(s.search(r).has_value());
}

TEST_CASE("modality>task counts each task under its modality, as the flat counts",
          "[integration][real][hierarchy]") {
    auto s = searcher();
    auto vocab = test::vocabulary();
    for (const char* text : {"", "speech", "german"}) {
        INFO(text);
        query::SearchRequest r;
        r.text = text;
        r.limit = 0;
        query::FacetRequest nested{"modality", 50};
        nested.children = "task";
        nested.children_top = 1000;
        r.facets = {nested, {"task", 1000}, {"modality", 50}};
        auto resp = s.search(r);
        REQUIRE(resp.has_value());
        REQUIRE(resp->facets.size() == 3);
        const auto& tree = resp->facets[0];
        CHECK(tree.children == "task");
        std::map<std::string, std::uint64_t> flat_tasks, flat_modalities, nested_tasks;
        for (const auto& v : resp->facets[1].values) flat_tasks[v.value] = v.count;
        for (const auto& v : resp->facets[2].values) flat_modalities[v.value] = v.count;
        for (const auto& m : tree.values) {
            CHECK(m.count == flat_modalities[m.value]);
            std::uint64_t last = UINT64_MAX;
            for (const auto& t : m.children) {
                const auto* task = vocab->resolve_task(t.value);
                REQUIRE(task != nullptr);
                CHECK(task->modality == m.value);
                CHECK(t.count <= m.count);  // a task's cards are cards of its modality
                CHECK(t.count <= last);     // largest first
                last = t.count;
                nested_tasks[t.value] = t.count;
            }
        }
        CHECK(nested_tasks == flat_tasks);
        CHECK_FALSE(tree.values.empty());
    }
    query::SearchRequest bad;
    query::FacetRequest upside{"task", 10};
    upside.children = "modality";
    bad.facets = {upside};
    CHECK_FALSE(s.search(bad).has_value());
}

TEST_CASE("titles are the card's own, not a section heading", "[integration][real][titles]") {
    std::size_t generic = 0;
    std::map<std::string, std::string> title;
    for (const auto& c : test::real_cards()) {
        title[c.id] = c.title;
        for (const char* g : {"Model Card for Model ID",
                              "1. Introduction",
                              "About",
                              "Uploaded  model",
                              "Introduction",
                              "Model Card",
                              "Model description",
                              "Description"}) {
            if (c.title == g) {
                ++generic;
                FAIL_CHECK(c.id << " is titled " << g);
            }
        }
    }
    CHECK(generic == 0);
    CHECK(title["deepseek-ai/DeepSeek-V3"] == "DeepSeek-V3");  // "1. Introduction" before
    CHECK(title["deepseek-ai/Janus-Pro-7B"] == "Janus-Pro-7B");
    CHECK(title["google/flan-t5-xxl"] == "FLAN-T5 XXL");  // "Model Card for FLAN-T5 XXL"
    // A fine-tune that copied its base model's card is not titled as the base model.
    CHECK(title["silviasapora/gemma-7b-silvia-basic-5e-5-05-v95"] ==
          "gemma-7b-silvia-basic-5e-5-05-v95");
    // A heading that is the card's own title stays.
    CHECK(title["inarikami/DeepSeek-V3-int4-TensorRT"] == "DeepSeek V3 - INT4 (TensorRT-LLM)");
}
