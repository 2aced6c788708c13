// Links between cards both ways (server/src/links.h): the model tree's derived counts, the
// models trained on a dataset, Spaces and the models and datasets they declare, through the
// Hub API (/api/spaces?models=, linked, expand=spaces), the native API (/api/search hits,
// /api/cards/{type}/{id}) and card pages. A small world of its own, whose counts follow from
// how its cards name each other (each expectation says why).
#include <set>

#include <catch2/catch.hpp>

#include "fixture.h"
#include "fixture_index.h"

using namespace cardex;
using cardex::test::body_json;
using index::Card;
using index::CardType;

namespace {

Card model(std::string id, std::int64_t downloads, std::vector<index::BaseModel> bases = {}) {
    Card c = test::make_card(CardType::Model, std::move(id), downloads);
    c.base_models = std::move(bases);
    return c;
}

Card space(std::string id,
           std::int64_t likes,
           std::string sdk,
           std::vector<std::string> models,
           std::vector<std::string> datasets = {}) {
    Card c = test::make_card(CardType::Space, std::move(id), 0);
    c.likes = likes;
    c.sdk = sdk;
    c.tags = {sdk};
    c.models = std::move(models);
    c.datasets = std::move(datasets);
    return c;
}

// The world:
//   base/root <- a/ft1 (finetune) <- b/ft2 (finetune) <- c/q1 (quantized)
//   base/root <- d/adapter (adapter); e/merge merges a/ft1 and d/adapter;
//   base/root <- acme/secret (private, finetune);
//   x/cyc1 and x/cyc2 name each other; z/m0 <- z/m1 <- ... <- z/m9, a chain of ten;
//   a/ft1 is trained on data/set1, and so (oddly) names a dataset card as base: data/set1
//   itself names base/root as a base model, which must not count (not a model);
//   Spaces: s/app1 (gradio) uses base/root and a/ft1 and data/set1, s/app2 (streamlit) uses
//   base/root, acme/private-app (private) uses base/root.
std::vector<Card> world() {
    std::vector<Card> cards;
    cards.push_back(model("base/root", 1000));
    cards.push_back(model("a/ft1", 500, {{"base/root", "finetune"}}));
    cards.back().datasets = {"data/set1"};
    cards.push_back(model("b/ft2", 400, {{"a/ft1", "finetune"}}));
    cards.push_back(model("c/q1", 300, {{"b/ft2", "quantized"}}));
    cards.push_back(model("d/adapter", 200, {{"base/root", "adapter"}}));
    cards.push_back(model("e/merge", 100, {{"a/ft1", "merge"}, {"d/adapter", "merge"}}));
    cards.push_back(model("acme/secret", 50, {{"base/root", "finetune"}}));
    cards.back().is_private = true;
    cards.push_back(model("x/cyc1", 10, {{"x/cyc2", ""}}));
    cards.push_back(model("x/cyc2", 10, {{"X/Cyc1", ""}}));  // ids match in any case
    cards.push_back(model("z/m0", 5));
    for (int i = 1; i < 10; ++i) {
        cards.push_back(model("z/m" + std::to_string(i), 5, {{"z/m" + std::to_string(i - 1), ""}}));
    }
    Card ds = test::make_card(CardType::Dataset, "data/set1", 70);
    ds.base_models = {{"base/root", ""}};
    cards.push_back(std::move(ds));
    cards.push_back(space("s/app1", 30, "gradio", {"base/root", "a/ft1"}, {"data/set1"}));
    cards.push_back(space("s/app2", 20, "streamlit", {"Base/Root"}));
    cards.push_back(space("acme/private-app", 90, "docker", {"base/root"}));
    cards.back().is_private = true;
    return cards;
}

const std::string& world_dir() {
    static const auto dir = test::build_fixture_index(world());
    static const std::string path = dir->str();
    return path;
}

server::HttpResponse get(const std::string& target, std::string_view token = {}) {
    server::HandlerConfig config;
    config.tokens = test::fixture_tokens();
    std::vector<std::pair<std::string, std::string>> headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + std::string(token));
    return test::handle(server::Handler(test::patient(config)),
                        test::thread_searcher(world_dir()),
                        "GET",
                        target,
                        std::move(headers));
}

std::set<std::string> strings(const boost::json::value& v) {
    std::set<std::string> out;
    for (const auto& s : v.as_array()) out.emplace(s.as_string());
    return out;
}

std::set<std::string> ids(const server::HttpResponse& res) {
    REQUIRE(res.status == 200);
    std::set<std::string> out;
    const auto v = body_json(res);
    for (const auto& item : v.as_array()) out.emplace(item.at("id").as_string());
    return out;
}

bool has(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("derived counts: direct, the whole tree, cycles, the depth limit", "[server][lineage]") {
    auto& searcher = test::thread_searcher(world_dir());
    auto counts = [&](const std::string& id, bool acme = false) {
        const std::vector<std::string> ns{"acme"};
        auto d = searcher.derived(id, acme ? ns : std::vector<std::string>{});
        REQUIRE(d.has_value());
        return d.value();
    };
    // a/ft1 and d/adapter name it (the private acme/secret only for acme; the dataset that
    // names it is no model); below them b/ft2, e/merge (once, though it has two parents) and
    // c/q1.
    auto root = counts("base/root");
    CHECK(root.direct == 2);
    CHECK(root.total == 5);
    CHECK_FALSE(root.truncated);
    root = counts("BASE/ROOT", true);
    CHECK(root.direct == 3);
    CHECK(root.total == 6);
    CHECK(counts("a/ft1").direct == 2);  // b/ft2, e/merge
    CHECK(counts("a/ft1").total == 3);   // and c/q1
    CHECK(counts("c/q1").total == 0);
    CHECK(counts("nobody/names-this").total == 0);
    // Each names the other: one descendant each, the walk ends at the card it started from.
    CHECK(counts("x/cyc1").direct == 1);
    CHECK(counts("x/cyc1").total == 1);
    CHECK(counts("x/cyc2").total == 1);
    // Nine generations below z/m0: the first eight are counted, and the cut is said.
    const auto chain = counts("z/m0");
    CHECK(chain.direct == 1);
    CHECK(chain.total == query::kLineageDepth);
    CHECK(chain.truncated);
    CHECK(counts("z/m1").total == 8);
    CHECK_FALSE(counts("z/m1").truncated);
}

TEST_CASE("the Hub's list_spaces(models=, datasets=, linked=True)", "[server][lineage][hub]") {
    // Spaces declaring the model, any case of its id; each item has the linked fields.
    CHECK(ids(get("/api/spaces?models=base/root")) == std::set<std::string>{"s/app1", "s/app2"});
    CHECK(ids(get("/api/spaces?models=BASE/root")) == std::set<std::string>{"s/app1", "s/app2"});
    CHECK(ids(get("/api/spaces?models=base/root", test::kAcmeToken)) ==
          std::set<std::string>{"s/app1", "s/app2", "acme/private-app"});
    // Several models: Spaces declaring all of them, as several filters do.
    CHECK(ids(get("/api/spaces?models=base/root&models=a/ft1")) == std::set<std::string>{"s/app1"});
    CHECK(ids(get("/api/spaces?models=base/root,a/ft1")) == std::set<std::string>{"s/app1"});
    CHECK(ids(get("/api/spaces?datasets=data/set1")) == std::set<std::string>{"s/app1"});
    CHECK(ids(get("/api/spaces?models=c/q1")).empty());

    auto v = body_json(get("/api/spaces?models=a/ft1"));
    REQUIRE(v.as_array().size() == 1);
    CHECK(strings(v.at(0).at("models")) == std::set<std::string>{"base/root", "a/ft1"});
    CHECK(strings(v.at(0).at("datasets")) == std::set<std::string>{"data/set1"});

    // Without linked, no linked fields; with it, every Space has them (empty when none).
    v = body_json(get("/api/spaces"));
    for (const auto& s : v.as_array()) CHECK_FALSE(s.as_object().contains("models"));
    v = body_json(get("/api/spaces?linked=true"));
    REQUIRE(v.as_array().size() == 2);
    for (const auto& s : v.as_array()) {
        CHECK(s.at("models").as_array().size() >= 1);
        CHECK(s.as_object().contains("datasets"));
    }
    CHECK(get("/api/spaces?linked=maybe").status == 400);
    // expand=models: only _id, id and the models.
    v = body_json(get("/api/spaces?expand=models&search=app2"));
    REQUIRE(v.as_array().size() == 1);
    CHECK(v.at(0).as_object().size() == 3);
    CHECK(strings(v.at(0).at("models")) == std::set<std::string>{"Base/Root"});  // as declared
    // The SDK: a tag (filter=) and the website's facet name (sdk=).
    CHECK(ids(get("/api/spaces?sdk=streamlit")) == std::set<std::string>{"s/app2"});
    CHECK(ids(get("/api/spaces?filter=gradio")) == std::set<std::string>{"s/app1"});
    CHECK(body_json(get("/api/spaces/s/app2")).at("sdk").as_string() == "streamlit");
    // On models and datasets these are no parameters of the Hub's: ignored, not refused.
    CHECK(ids(get("/api/models?models=nothing&linked=true")).size() == 18);
    // What cardex cannot answer is still refused.
    CHECK(get("/api/models?apps=ollama").status == 400);
}

TEST_CASE("the Hub's model_info(expand=['spaces']) and a Space's info", "[server][lineage][hub]") {
    auto v = body_json(get("/api/models/base/root?expand=spaces"));
    CHECK(v.as_object().size() == 3);
    // Most liked first.
    REQUIRE(v.at("spaces").as_array().size() == 2);
    CHECK(v.at("spaces").at(0).as_string() == "s/app1");
    CHECK(strings(body_json(get("/api/models/base/root?expand[]=spaces", test::kAcmeToken))
                      .at("spaces")) ==
          std::set<std::string>{"s/app1", "s/app2", "acme/private-app"});
    // The repo endpoint's full answer has them too; a model no Space uses has an empty list.
    CHECK(strings(body_json(get("/api/models/a/ft1")).at("spaces")) ==
          std::set<std::string>{"s/app1"});
    CHECK(body_json(get("/api/models/c/q1")).at("spaces").as_array().empty());
    CHECK(strings(body_json(get("/api/datasets/data/set1?expand=spaces")).at("spaces")) ==
          std::set<std::string>{"s/app1"});
    // In a listing, each item's own.
    v = body_json(get("/api/models?search=root&expand=spaces"));
    REQUIRE(v.as_array().size() == 1);
    CHECK(v.at(0).at("spaces").as_array().size() == 2);

    v = body_json(get("/api/spaces/s/app1"));
    CHECK(strings(v.at("models")) == std::set<std::string>{"base/root", "a/ft1"});
    CHECK(strings(v.at("datasets")) == std::set<std::string>{"data/set1"});
    CHECK(v.at("sdk").as_string() == "gradio");
}

TEST_CASE("the Hub's expand baseModels and childrenModelCount", "[server][lineage][hub]") {
    // The Hub's shape: one relation per repository, the base models as objects with their id.
    auto v = body_json(get("/api/models/e/merge?expand=baseModels&expand=childrenModelCount"));
    CHECK(v.as_object().size() == 4);
    CHECK(v.at("baseModels").at("relation").as_string() == "merge");
    const auto& models = v.at("baseModels").at("models").as_array();
    REQUIRE(models.size() == 2);
    CHECK(models.at(0).at("id").as_string() == "a/ft1");
    CHECK(models.at(1).at("id").as_string() == "d/adapter");
    CHECK(v.at("childrenModelCount").as_int64() == 0);
    // Direct children only, as the caller may see them: a/ft1 and d/adapter (and for acme its
    // private fine-tune); not the grandchildren nor the dataset naming it. No base models: no
    // baseModels property.
    v = body_json(get("/api/models/base/root?expand[]=childrenModelCount&expand[]=baseModels"));
    CHECK(v.at("childrenModelCount").as_int64() == 2);
    CHECK_FALSE(v.as_object().contains("baseModels"));
    v = body_json(get("/api/models/base/root?expand=childrenModelCount", test::kAcmeToken));
    CHECK(v.at("childrenModelCount").as_int64() == 3);
    // A relation nobody stated or inferred is left out; the base model is still listed.
    v = body_json(get("/api/models/x/cyc1?expand=baseModels"));
    CHECK_FALSE(v.at("baseModels").as_object().contains("relation"));
    CHECK(v.at("baseModels").at("models").at(0).at("id").as_string() == "x/cyc2");
    // In a listing, each item's own.
    v = body_json(get("/api/models?search=ft1&expand=childrenModelCount&expand=baseModels"));
    REQUIRE(v.as_array().size() == 1);
    CHECK(v.at(0).at("childrenModelCount").as_int64() == 2);  // b/ft2, e/merge
    CHECK(v.at(0).at("baseModels").at("relation").as_string() == "finetune");
    // Not the default info answer, and only models expand them.
    CHECK_FALSE(body_json(get("/api/models/a/ft1")).as_object().contains("childrenModelCount"));
    CHECK(get("/api/datasets/data/set1?expand=childrenModelCount").status == 400);
}

TEST_CASE("native API: derived counts in hits and the card's links", "[server][lineage][native]") {
    auto v = body_json(get("/api/search?type=model&base_model=base/root"));
    CHECK(v.at("total").as_int64() == 2);
    for (const auto& hit : v.at("hits").as_array()) {
        if (hit.at("id").as_string() == "a/ft1") {
            CHECK(hit.at("derived_models").at("direct").as_int64() == 2);
            CHECK(hit.at("derived_models").at("total").as_int64() == 3);
            CHECK(hit.at("base_models").at(0).at("relation").as_string() == "finetune");
            CHECK(strings(hit.at("datasets")) == std::set<std::string>{"data/set1"});
        }
    }
    v = body_json(get("/api/search?type=space&facets=sdk,model"));
    CHECK(v.at("total").as_int64() == 2);
    CHECK(v.at("facets").at("sdk").as_array().size() == 2);
    CHECK_FALSE(v.at("hits").at(0).as_object().contains("derived_models"));  // Spaces have none

    v = body_json(get("/api/cards/model/base/root"));
    CHECK(v.at("id").as_string() == "base/root");
    CHECK(v.at("derived_models").at("direct").as_int64() == 2);
    CHECK(v.at("derived_models").at("total").as_int64() == 5);
    CHECK(v.at("derived_models").at("depth_limit").as_int64() == query::kLineageDepth);
    // The direct ones, most downloaded first.
    REQUIRE(v.at("derived_models").at("top").as_array().size() == 2);
    CHECK(v.at("derived_models").at("top").at(0).at("id").as_string() == "a/ft1");
    CHECK(v.at("spaces").at("count").as_int64() == 2);
    v = body_json(get("/api/cards/model/base/root?top=1", test::kAcmeToken));
    CHECK(v.at("derived_models").at("direct").as_int64() == 3);
    CHECK(v.at("derived_models").at("top").as_array().size() == 1);
    CHECK(v.at("spaces").at("count").as_int64() == 3);

    v = body_json(get("/api/cards/dataset/data/set1"));
    CHECK(v.at("trained_models").at("count").as_int64() == 1);  // a/ft1; not the Space
    CHECK(v.at("trained_models").at("top").at(0).at("id").as_string() == "a/ft1");
    CHECK(v.at("spaces").at("count").as_int64() == 1);
    CHECK_FALSE(v.as_object().contains("derived_models"));

    v = body_json(get("/api/cards/space/s/app1"));
    CHECK(strings(v.at("models")) == std::set<std::string>{"base/root", "a/ft1"});
    CHECK(v.at("sdk").as_string() == "gradio");

    // A private card is answered as a missing one; a bad type is a 400.
    const auto hidden = get("/api/cards/model/acme/secret");
    const auto missing = get("/api/cards/model/acme/nothing");
    CHECK(hidden.status == 401);
    CHECK(hidden.body == missing.body);
    CHECK(get("/api/cards/model/acme/secret", test::kAcmeToken).status == 200);
    CHECK(get("/api/cards/widget/a/ft1").status == 400);
}

TEST_CASE("card pages show the tree's counts and the Spaces both ways", "[server][lineage][web]") {
    auto page = get("/models/base/root");
    REQUIRE(page.status == 200);
    CHECK(has(page.body, "2 built on it directly, 5 in its whole tree (down to 8 generations)"));
    CHECK(has(page.body, "Spaces using this model"));
    CHECK(has(page.body, "href=\"/spaces/s/app1\""));
    CHECK_FALSE(has(page.body, "acme/private-app"));
    page = get("/models/z/m0");
    CHECK(has(page.body,
              "1 built on it directly, 8 in its first 8 generations (the tree goes deeper)"));
    page = get("/datasets/data/set1");
    CHECK(has(page.body, "Models trained on this dataset"));
    CHECK(has(page.body, "href=\"/models/a/ft1\""));
    CHECK(has(page.body, "Spaces using this dataset"));
    page = get("/spaces/s/app1");
    CHECK(has(page.body, "Models used"));
    CHECK(has(page.body, "href=\"/models/a/ft1\""));
    CHECK(has(page.body, "Datasets used"));
    CHECK(has(page.body, "href=\"/datasets/data/set1\""));
    CHECK(has(page.body, "href=\"/?sdk=gradio\""));
}
