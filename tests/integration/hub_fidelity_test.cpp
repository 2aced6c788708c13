// cardex as a faithful Hub mirror on the real data (docs/HUB-COMPAT.md): the Hub's own tags,
// pipeline_tag and library_name reproduced on every model whose Hub record the data carries;
// gated status and parameter counts merged from the Hub's records; and cardex's own Hub
// listing read back by `cardex reindex` into the same cards.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include <boost/json.hpp>

#include "cardex/ingest/sources.h"
#include "cardex/query/searcher.h"
#include "cardex/server/handler.h"
#include "fixture.h"
#include "process.h"

using namespace cardex;
using cardex::test::run_shell;
using index::Card;

namespace {

std::map<std::string, Card> read(const std::vector<std::string>& sources) {
    std::map<std::string, Card> out;
    ingest::read_cards(sources, test::vocabulary(), {}, [&](Card&& c) {
        out.emplace(std::string(index::card_type_name(c.type)) + "/" + c.id, std::move(c));
    });
    return out;
}

// The JSON records of a JSON Lines file, compressed or not (ingest decompresses).
std::vector<boost::json::object> records(const std::string& path) {
    std::vector<boost::json::object> out;
    auto bytes = ingest::read_source_bytes(path);
    REQUIRE(bytes.has_value());
    std::istringstream f(bytes.value());
    std::string line;
    while (std::getline(f, line)) {
        if (!line.empty()) out.push_back(boost::json::parse(line).as_object());
    }
    return out;
}

std::string str(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The repo id a card record names (some give the Hub URL; ingest takes the id out).
std::string repo_id(std::string id) {
    for (const std::string host : {"https://huggingface.co/", "http://huggingface.co/"}) {
        if (id.rfind(host, 0) == 0) id = id.substr(host.size());
    }
    while (!id.empty() && id.back() == '/') id.pop_back();
    return id;
}

std::vector<std::string> strings(const boost::json::value& v) {
    std::vector<std::string> out;
    for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
    return out;
}

}  // namespace

TEST_CASE("tags, pipeline_tag and library_name equal the Hub's on every model it recorded",
          "[integration][hub]") {
    const std::string file = test::real_data_file("cards/models.jsonl");
    const auto cards = read({file});
    std::size_t with_hub = 0, tag_mismatch = 0, pipeline_mismatch = 0, library_mismatch = 0;
    for (const auto& r : records(file)) {
        if (!r.contains("api_tags")) continue;
        ++with_hub;
        const std::string id = repo_id(str(r, "id"));
        const auto it = cards.find("model/" + id);
        REQUIRE(it != cards.end());
        const Card& c = it->second;
        if (c.tags != strings(r.at("api_tags"))) {
            ++tag_mismatch;
            UNSCOPED_INFO(id << " tags differ");
        }
        if (c.pipeline_tag != str(r, "api_pipeline_tag")) {
            ++pipeline_mismatch;
            UNSCOPED_INFO(id << " pipeline_tag '" << c.pipeline_tag << "'");
        }
        if (c.library != str(r, "api_library_name")) {
            ++library_mismatch;
            UNSCOPED_INFO(id << " library_name '" << c.library << "'");
        }
    }
    WARN("models with the Hub's tags in the data: " << with_hub);
    CHECK(with_hub > 1000);  // the data's 2025-04 records (1,817 when this was written)
    CHECK(tag_mismatch == 0);
    CHECK(pipeline_mismatch == 0);
    CHECK(library_mismatch == 0);
}

namespace {

// The relation of each base model the Hub's own tags give one: base_model:<rel>:<id>.
std::map<std::string, std::string> hub_relations(const boost::json::object& r) {
    std::map<std::string, std::string> out;
    for (const auto& t : strings(r.at("api_tags"))) {
        if (t.rfind("base_model:", 0) != 0) continue;
        const std::string rest = t.substr(11);
        const auto colon = rest.find(':');
        if (colon == std::string::npos) continue;
        const std::string rel = rest.substr(0, colon);
        if (rel == "finetune" || rel == "adapter" || rel == "quantized" || rel == "merge") {
            out[rest.substr(colon + 1)] = rel;
        }
    }
    return out;
}

}  // namespace

TEST_CASE("the lineage relation a card does not state is inferred as the Hub's own tags say",
          "[integration][hub][lineage]") {
    const std::string file = test::real_data_file("cards/models.jsonl");
    // The same records without the Hub's fields: cards alone, as a README harvest or a
    // directory of cards gives them. Their relations are inferred (docs/HUB-API.md §12).
    test::TempDir tmp;
    const std::string bare = tmp.str() + "/models.jsonl";
    std::map<std::string, std::map<std::string, std::string>> truth;  // id -> base -> relation
    {
        std::ofstream out(bare);
        for (auto r : records(file)) {
            if (!r.contains("api_tags")) continue;
            if (auto rel = hub_relations(r); !rel.empty()) truth[repo_id(str(r, "id"))] = rel;
            r.erase("api_tags");
            r.erase("api_pipeline_tag");
            r.erase("api_library_name");
            out << boost::json::serialize(r) << "\n";
        }
    }
    const auto with_hub = read({file});
    const auto alone = read({bare});
    std::size_t pairs = 0, named = 0, agree = 0;
    std::map<std::string, std::size_t> inferred;
    for (const auto& [id, bases] : truth) {
        INFO(id);
        const Card& hub = with_hub.at("model/" + id);
        const Card& card = alone.at("model/" + id);
        for (const auto& [base, rel] : bases) {
            ++pairs;
            // With the Hub's tags, the Hub's relation exactly.
            CHECK(std::any_of(hub.base_models.begin(), hub.base_models.end(), [&](auto& b) {
                return b.id == base && b.relation == rel;
            }));
            // Alone: the inferred one, where the card names that base model.
            for (const auto& b : card.base_models) {
                if (b.id != base) continue;
                ++named;
                ++inferred[b.relation];
                if (b.relation == rel) {
                    ++agree;
                } else {
                    UNSCOPED_INFO(id << ": " << base << " inferred " << b.relation << ", Hub "
                                     << rel);
                }
                break;
            }
        }
        // The Hub's tags lack a relation for a base model: none is added (the Hub's tags win).
        for (const auto& b : hub.base_models) {
            if (bases.count(b.id) == 0) CHECK(b.relation.empty());
        }
        // Every base model a card alone names has a relation, and its tag.
        for (const auto& b : card.base_models) {
            CHECK(!b.relation.empty());
            CHECK(std::count(card.tags.begin(),
                             card.tags.end(),
                             "base_model:" + b.relation + ":" + b.id) == 1);
        }
    }
    WARN("Hub relations " << pairs << ", named by the card " << named << ", inferred alike "
                          << agree << " (finetune " << inferred["finetune"] << ", adapter "
                          << inferred["adapter"] << ", quantized " << inferred["quantized"]
                          << ", merge " << inferred["merge"] << ")");
    // Measured when written: 1,802 relations, 1,799 named by the card, 1,798 alike (the one
    // miss: a `lora`-tagged card the Hub calls a fine-tune). docs/HUB-API.md §12.
    CHECK(pairs >= 1800);
    CHECK(named >= 1795);
    CHECK(agree >= 1795);
}

TEST_CASE("gated status and parameter counts come from the Hub's records", "[integration][hub]") {
    const std::string meta =
        test::real_data_file("metadata/hub_models_2025-04_finetune_trees.jsonl");
    const auto cards = read({test::real_data_file("cards/models.jsonl"), meta});
    std::size_t gated = 0, counted = 0, listing_only = 0;
    for (const auto& r : records(meta)) {
        std::string id = str(r, "id");
        if (id.empty()) id = str(r, "model_id");
        const auto it = cards.find("model/" + id);
        REQUIRE(it != cards.end());
        const Card& c = it->second;
        INFO(id);
        if (!c.has_readme) ++listing_only;
        if (const auto* g = r.if_contains("gated"); g && !g->is_null()) {
            const std::string want = g->is_string() ? std::string(g->as_string()) : "false";
            CHECK(index::gated_name(c.gated) == want);
            ++gated;
        }
        if (const auto* s = r.if_contains("safetensors"); s && s->is_object()) {
            CHECK(c.num_parameters == s->at("total").to_number<std::int64_t>());
            ++counted;
        }
        if (const auto* u = r.if_contains("usedStorage"); u && u->is_int64()) {
            CHECK(c.used_storage == u->as_int64());
        }
    }
    WARN(gated << " gated states and " << counted << " parameter counts compared; " << listing_only
               << " records had no card and became one");
    CHECK(gated > 1000);
    CHECK(counted > 100);
    CHECK(listing_only > 0);
}

TEST_CASE("cardex's own /api/models?full=true&cardData=true reindexes into the same cards",
          "[integration][hub]") {
    // Page through the listing of the real index as a Hub client would.
    auto searcher = query::Searcher::open(CARDEX_REAL_INDEX);
    REQUIRE(searcher.has_value());
    const server::Handler handler{server::HandlerConfig{}};
    test::TempDir tmp;
    const std::string dump = tmp.str() + "/models.jsonl";
    std::size_t items = 0;
    {
        std::ofstream out(dump);
        std::string target = "/api/models?full=true&cardData=true&limit=1000";
        while (!target.empty()) {
            server::HttpRequest req;
            req.method = "GET";
            req.target = target;
            req.host = "mirror.test";
            const auto res = handler.handle(req, searcher.value());
            REQUIRE(res.status == 200);
            const boost::json::value page = boost::json::parse(res.body);
            for (const auto& item : page.as_array()) {
                out << boost::json::serialize(item) << "\n";
                ++items;
            }
            const std::string link = res.header("Link");
            const std::string base = "<http://mirror.test";
            target = link.empty() ? "" : link.substr(base.size(), link.find('>') - base.size());
        }
    }
    const std::string index = tmp.str() + "/index";
    auto [rc, out] =
        run_shell(std::string(CARDEX_EXE) + " reindex --quiet --index " + index + " " + dump);
    INFO(out);
    REQUIRE(rc == 0);
    auto mirror = query::Searcher::open(index);
    REQUIRE(mirror.has_value());
    auto info = mirror->info();
    REQUIRE(info.has_value());
    CHECK(info->cards == items);

    // Every model, field by field.
    query::SearchRequest all;
    all.filters = {{"type", {"model"}, {}}};
    all.limit = query::kMaxLimit;
    all.snippets = false;
    std::size_t compared = 0;
    for (std::size_t offset = 0;; offset += all.limit) {
        all.offset = offset;
        auto page = searcher->search(all);
        REQUIRE(page.has_value());
        for (const auto& hit : page->hits) {
            const Card& a = hit.card;
            auto got = mirror->get(index::CardType::Model, a.id);
            REQUIRE(got.has_value());
            const Card& b = got.value();
            INFO(a.id);
            CHECK(b.tags == a.tags);
            CHECK(b.pipeline_tag == a.pipeline_tag);
            CHECK(b.library == a.library);
            CHECK(b.license == a.license);
            CHECK(b.licenses == a.licenses);
            CHECK(b.languages == a.languages);
            CHECK(b.tasks == a.tasks);
            CHECK(b.base_models.size() == a.base_models.size());
            CHECK(b.datasets == a.datasets);
            CHECK(b.gated == a.gated);
            CHECK(b.downloads == a.downloads);
            CHECK(b.likes == a.likes);
            CHECK(b.created_at == a.created_at);
            CHECK(b.last_modified == a.last_modified);
            CHECK(boost::json::parse(b.card_data_json) == boost::json::parse(a.card_data_json));
            ++compared;
        }
        if (page->hits.size() < all.limit) break;
    }
    CHECK(compared == items);
}
