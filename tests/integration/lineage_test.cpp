// Lineage on the real cards (the Hub's fine-tune trees of 2025-04 are in data/cards): the
// derived counts of every base model the cards name, against a brute-force walk of the same
// cards done here; and the Hub's base_model filters against the cards' own tags.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include <boost/json.hpp>

#include "cardex/ingest/sources.h"
#include "cardex/query/searcher.h"
#include "cardex/server/handler.h"
#include "fixture.h"

using namespace cardex;
using index::Card;
using index::CardType;

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// The cards the real index was built from (scripts/demo: both card files).
const std::vector<Card>& real_cards() {
    static const auto cards = [] {
        std::vector<Card> out;
        ingest::read_cards({test::real_data_file("cards/models.jsonl"),
                            test::real_data_file("cards/datasets.jsonl")},
                           test::vocabulary(),
                           {},
                           [&](Card&& c) { out.push_back(std::move(c)); });
        return out;
    }();
    return cards;
}

// The same counts as query::Searcher::derived, the slow way: per base model, the model cards
// naming it (each once), then breadth first through the models named by id, never counting
// a card twice nor the base model's own card, down to kLineageDepth generations.
struct Tree {
    std::map<std::string, std::set<std::size_t>> children;  // lower-case base id -> cards
    std::map<std::string, std::size_t> card_of;             // lower-case model id -> card

    explicit Tree(const std::vector<Card>& cards) {
        for (std::size_t i = 0; i < cards.size(); ++i) {
            if (cards[i].type != CardType::Model || cards[i].is_private) continue;
            card_of[lower(cards[i].id)] = i;
            for (const auto& b : cards[i].base_models) children[lower(b.id)].insert(i);
        }
    }

    query::DerivedCounts count(const std::vector<Card>& cards, const std::string& base) const {
        query::DerivedCounts out;
        const auto it = children.find(base);
        if (it == children.end()) return out;
        out.direct = it->second.size();
        std::set<std::size_t> seen;
        if (auto own = card_of.find(base); own != card_of.end()) seen.insert(own->second);
        std::set<std::string> expanded{base};
        std::vector<std::string> frontier{base};
        for (unsigned depth = 1; depth <= query::kLineageDepth && !frontier.empty(); ++depth) {
            std::vector<std::string> next;
            for (const auto& b : frontier) {
                const auto c = children.find(b);
                if (c == children.end()) continue;
                for (const std::size_t i : c->second) {
                    if (!seen.insert(i).second) continue;
                    ++out.total;
                    const std::string id = lower(cards[i].id);
                    if (children.count(id) && expanded.insert(id).second) next.push_back(id);
                }
            }
            frontier = std::move(next);
        }
        for (const auto& b : frontier) {
            for (const std::size_t i : children.at(b)) out.truncated |= !seen.count(i);
        }
        return out;
    }
};

// Every id of a Hub listing, following its Link pages.
std::set<std::string> hub_ids(query::Searcher& searcher, std::string target) {
    const server::Handler handler{server::HandlerConfig{}};
    std::set<std::string> out;
    while (!target.empty()) {
        server::HttpRequest req;
        req.method = "GET";
        req.target = target;
        req.host = "mirror.test";
        const auto res = handler.handle(req, searcher);
        REQUIRE(res.status == 200);
        const boost::json::value page = boost::json::parse(res.body);
        for (const auto& item : page.as_array()) out.emplace(item.at("id").as_string());
        const std::string link = res.header("Link");
        const std::string base = "<http://mirror.test";
        target = link.empty() ? "" : link.substr(base.size(), link.find('>') - base.size());
    }
    return out;
}

}  // namespace

TEST_CASE("derived counts of every base model equal a brute-force walk of the real cards",
          "[integration][lineage]") {
    auto searcher = query::Searcher::open(CARDEX_REAL_INDEX);
    REQUIRE(searcher.has_value());
    const auto& cards = real_cards();
    const Tree tree(cards);
    std::size_t deep = 0, compared = 0;
    for (const auto& [base, kids] : tree.children) {
        INFO(base);
        const auto want = tree.count(cards, base);
        auto got = searcher->derived(base);
        REQUIRE(got.has_value());
        CHECK(got->direct == want.direct);
        CHECK(got->total == want.total);
        CHECK(got->truncated == want.truncated);
        deep += want.total > want.direct;
        ++compared;
    }
    WARN(compared << " base models compared, " << deep << " with more than one generation");
    // The data holds the Hub's fine-tune trees: dozens of base models, and trees deeper than
    // one generation (a base model of the 2025-04 scrape is itself a fine-tune of another).
    CHECK(compared > 40);
    CHECK(deep > 0);
}

TEST_CASE("the Hub's filter=base_model:<relation>:<id> and base_model:<id> on the real cards",
          "[integration][lineage][hub]") {
    auto searcher = query::Searcher::open(CARDEX_REAL_INDEX);
    REQUIRE(searcher.has_value());
    // The base_model tags the cards carry, most common first.
    std::map<std::string, std::set<std::string>> tagged;
    for (const auto& c : real_cards()) {
        if (c.type != CardType::Model) continue;
        for (const auto& t : c.tags) {
            if (t.rfind("base_model:", 0) == 0) tagged[t].insert(c.id);
        }
    }
    std::vector<std::pair<std::size_t, std::string>> by_size;
    for (const auto& [t, ids] : tagged) by_size.emplace_back(ids.size(), t);
    std::sort(by_size.rbegin(), by_size.rend());
    // The commonest tags, and the commonest of each relation the cards carry.
    std::vector<std::string> sample;
    std::set<std::string> relations;
    for (const auto& [n, tag] : by_size) {
        const std::string rest = tag.substr(11);
        const auto colon = rest.find(':');
        const std::string relation = colon == std::string::npos ? "" : rest.substr(0, colon);
        if (sample.size() < 8 || (!relation.empty() && relations.count(relation) == 0)) {
            sample.push_back(tag);
        }
        if (!relation.empty()) relations.insert(relation);
    }
    for (const auto& tag : sample) {
        INFO(tag);
        CHECK(hub_ids(*searcher, "/api/models?filter=" + tag) == tagged.at(tag));
    }
    // The Hub's own tags of the 2025-04 trees say `finetune` for every one of their models.
    CHECK(relations.count("finetune") == 1);
    // Exact, as the Hub's filter: another case of a relation is another tag.
    const auto& [n0, top] = by_size.front();
    std::string upper = top;
    upper[0] = 'B';
    CHECK(hub_ids(*searcher, "/api/models?filter=" + upper).empty());
}
