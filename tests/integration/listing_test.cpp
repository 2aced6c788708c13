// Listings (no text) on the real-card index, checked against a brute-force evaluation of the
// same request over the cards as ingest reads them. The searcher answers listings in several
// ways (kept counts for an unfiltered anonymous listing, the postings of a selective filter,
// a walk along a sort order, a full pass); every one of them must give the same page, total
// and counts as the plain definition.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <map>

#include "cardex/query/searcher.h"
#include "fixture.h"
#include "real_corpus.h"

using namespace cardex;
using index::Card;
using query::SearchRequest;
using query::Sort;

namespace {

const std::vector<Card>& cards() { return test::real_cards(); }

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::any_of(v.begin(), v.end(), [&](const std::string& s) { return lower(s) == x; });
}

double sort_key(const Card& c, Sort s) {
    switch (s) {
        case Sort::Likes:
            return static_cast<double>(c.likes);
        case Sort::Trending:
            return c.trending_score;
        case Sort::Created:
            return static_cast<double>(c.created_at);
        case Sort::Modified:
            return static_cast<double>(c.last_modified);
        default:
            return static_cast<double>(c.downloads);
    }
}

// The definition: cards passing `keep`, by descending sort key; ties in docid order, which
// a reindex makes descending downloads, then id.
std::vector<const Card*> expected(const std::function<bool(const Card&)>& keep, Sort s) {
    std::vector<const Card*> out;
    for (const auto& c : cards()) {
        if (!c.is_private && keep(c)) out.push_back(&c);
    }
    std::sort(out.begin(), out.end(), [&](const Card* a, const Card* b) {
        if (sort_key(*a, s) != sort_key(*b, s)) return sort_key(*a, s) > sort_key(*b, s);
        if (a->downloads != b->downloads) return a->downloads > b->downloads;
        return a->id < b->id;
    });
    return out;
}

struct Case {
    const char* name;
    std::vector<query::FacetFilter> filters;
    std::vector<query::RangeFilter> ranges;
    std::function<bool(const Card&)> keep;
};

std::vector<Case> cases() {
    return {
        {"no filter", {}, {}, [](const Card&) { return true; }},
        {"a common language",
         {{"language", {"en"}, {}}},
         {},
         [](const Card& c) { return has(c.languages, "en") || has(c.language_groups, "en"); }},
        {"a selective license",
         {{"license", {"mit"}, {}}},
         {},
         [](const Card& c) { return has(c.licenses, "mit"); }},  // any of a card's licenses
        {"two facets",
         {{"task", {"token-classification", "text-classification"}, {}}, {"type", {"model"}, {}}},
         {},
         [](const Card& c) {
             return (has(c.tasks, "token-classification") || has(c.tasks, "text-classification")) &&
                    c.type == index::CardType::Model;
         }},
        {"an exclusion only",
         {{"language", {}, {"en"}}},
         {},
         [](const Card& c) { return !has(c.languages, "en") && !has(c.language_groups, "en"); }},
        {"a range",
         {},
         {{"downloads", 1000, std::nullopt}},
         [](const Card& c) { return c.downloads >= 1000; }},
    };
}

}  // namespace

TEST_CASE("listings agree with a brute-force evaluation on every sort and page",
          "[integration][listing]") {
    auto s = query::Searcher::open(CARDEX_REAL_INDEX);
    REQUIRE(s.has_value());
    REQUIRE(cards().size() == 6634);
    for (const auto& c : cases()) {
        for (Sort sort :
             {Sort::Downloads, Sort::Likes, Sort::Trending, Sort::Created, Sort::Modified}) {
            const auto want = expected(c.keep, sort);
            for (std::size_t offset : {std::size_t{0},
                                       std::size_t{40},
                                       want.size() - std::min<std::size_t>(want.size(), 5)}) {
                INFO(c.name << ", sort " << static_cast<int>(sort) << ", offset " << offset);
                SearchRequest r;
                r.filters = c.filters;
                r.ranges = c.ranges;
                r.sort = sort;
                r.offset = offset;
                r.limit = 20;
                r.snippets = false;
                auto resp = s->search(r);
                REQUIRE(resp.has_value());
                CHECK(resp->total == want.size());
                std::vector<std::string> got, exp;
                for (const auto& h : resp->hits) got.push_back(h.card.id);
                for (std::size_t i = offset; i < std::min(want.size(), offset + 20); ++i)
                    exp.push_back(want[i]->id);
                CHECK(got == exp);
            }
        }
    }
}

TEST_CASE("listing counts agree with a brute-force count, with and without filters",
          "[integration][listing]") {
    auto s = query::Searcher::open(CARDEX_REAL_INDEX);
    REQUIRE(s.has_value());
    // Language counts are disjunctive: they ignore the language filter and keep the others.
    for (const auto& c : cases()) {
        INFO(c.name);
        SearchRequest r;
        r.filters = c.filters;
        r.ranges = c.ranges;
        r.limit = 0;
        r.facets = {{"license", 1000}, {"language", 1000}};
        auto resp = s->search(r);
        REQUIRE(resp.has_value());
        std::map<std::string, std::uint64_t> lic, lang;
        auto others_pass = [&](const Card& card, const char* facet) {
            // The case's predicate with this facet's filters dropped, through a request
            // without them evaluated by the same definition.
            std::vector<query::FacetFilter> rest;
            for (const auto& f : c.filters) {
                if (f.facet != facet) rest.push_back(f);
            }
            if (rest.size() == c.filters.size()) return c.keep(card);
            for (const auto& f : rest) {
                if (f.facet == "type" &&
                    !has(f.values, std::string(index::card_type_name(card.type))))
                    return false;
                if (f.facet == "task") {
                    bool any = false;
                    for (const auto& v : f.values) any = any || has(card.tasks, v);
                    if (!any) return false;
                }
                if (f.facet == "license") {
                    bool any = false;
                    for (const auto& v : f.values) any = any || has(card.licenses, v);
                    if (!any) return false;
                }
            }
            for (const auto& rg : c.ranges) {
                if (rg.min && card.downloads < *rg.min) return false;
            }
            return true;
        };
        for (const auto& card : cards()) {
            if (card.is_private) continue;
            if (others_pass(card, "license")) {
                for (const auto& l : card.licenses) ++lic[l];  // unique per card
            }
            if (others_pass(card, "language")) {
                std::vector<std::string> seen;
                for (const auto& l : card.languages) seen.push_back(lower(l));
                for (const auto& l : card.language_groups) seen.push_back(lower(l));
                std::sort(seen.begin(), seen.end());
                seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
                for (const auto& l : seen) ++lang[l];
            }
        }
        std::map<std::string, std::uint64_t> got_lic, got_lang;
        for (const auto& v : resp->facets.at(0).values) got_lic[v.value] = v.count;
        for (const auto& v : resp->facets.at(1).values) got_lang[v.value] = v.count;
        CHECK(got_lic == lic);
        CHECK(got_lang == lang);
    }
}
