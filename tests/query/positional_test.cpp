// The positional check of query/src/positional.h against brute force, and the rewrite's
// shape: which nodes it takes over, which it leaves to Xapian.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "positional.h"

using namespace cardex::query;

namespace {

// Every choice of one position per term: a phrase needs them strictly increasing in term
// order, NEAR pairwise distinct in any order; both need max - min < window.
bool brute(Positional kind,
           std::uint32_t window,
           const std::vector<std::vector<std::uint32_t>>& pos,
           std::size_t i,
           std::vector<std::uint32_t>& chosen) {
    if (i == pos.size()) {
        const auto [lo, hi] = std::minmax_element(chosen.begin(), chosen.end());
        return *hi - *lo < window;
    }
    for (const auto p : pos[i]) {
        if (kind == Positional::InOrder && i > 0 && p <= chosen.back()) continue;
        if (kind == Positional::Near && std::find(chosen.begin(), chosen.end(), p) != chosen.end())
            continue;
        chosen.push_back(p);
        const bool ok = brute(kind, window, pos, i + 1, chosen);
        chosen.pop_back();
        if (ok) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("positions_match agrees with brute force, repeated terms included",
          "[query][positional]") {
    std::mt19937 rng(20261204);
    const std::vector<std::string> words = {"a", "b", "c"};
    std::size_t matched[2] = {0, 0};
    for (int round = 0; round < 20000; ++round) {
        const std::size_t n = 2 + rng() % 3;
        std::vector<std::string> terms;
        for (std::size_t i = 0; i < n; ++i) terms.push_back(words[rng() % words.size()]);
        // One word a position, as in a card: distinct terms never share one.
        std::map<std::string, std::vector<std::uint32_t>> at;
        for (std::uint32_t p = 1; p <= 14; ++p) {
            if (rng() % 3 == 0) at[words[rng() % words.size()]].push_back(p);
        }
        std::vector<std::vector<std::uint32_t>> pos;
        for (const auto& t : terms) pos.push_back(at[t]);
        const auto window = static_cast<std::uint32_t>(1 + rng() % 8);
        for (const auto kind : {Positional::InOrder, Positional::Near}) {
            std::vector<std::uint32_t> chosen;
            const bool want = brute(kind, window, pos, 0, chosen);
            INFO("round " << round << " kind " << static_cast<int>(kind) << " window " << window);
            REQUIRE(positions_match(kind, window, terms, pos) == want);
            matched[kind == Positional::InOrder ? 0 : 1] += want ? 1 : 0;
        }
    }
    // Both answers occur often enough for the comparison to mean something.
    CHECK(matched[0] > 1000);
    CHECK(matched[1] > 1000);
}

TEST_CASE("an exact phrase is consecutive positions, a window allows gaps", "[query][positional]") {
    const std::vector<std::string> t = {"new", "york"};
    CHECK(positions_match(Positional::InOrder, 2, t, {{3}, {4}}));
    CHECK_FALSE(positions_match(Positional::InOrder, 2, t, {{4}, {3}}));
    CHECK_FALSE(positions_match(Positional::InOrder, 2, t, {{3}, {5}}));
    CHECK(positions_match(Positional::InOrder, 3, t, {{3}, {5}}));
    CHECK(positions_match(Positional::Near, 2, t, {{4}, {3}}));
    CHECK_FALSE(positions_match(Positional::Near, 2, t, {{5}, {3}}));
    // The same word twice needs two of its positions.
    const std::vector<std::string> twice = {"model", "model"};
    CHECK_FALSE(positions_match(Positional::Near, 10, twice, {{7}, {7}}));
    CHECK(positions_match(Positional::Near, 10, twice, {{7, 12}, {7, 12}}));
    CHECK_FALSE(positions_match(Positional::Near, 5, twice, {{7, 12}, {7, 12}}));
    CHECK_FALSE(positions_match(Positional::InOrder, 2, t, {{}, {4}}));
}

TEST_CASE("the rewrite takes phrases and NEAR of terms, and leaves the rest alone",
          "[query][positional]") {
    using Q = Xapian::Query;
    auto ctx = std::make_shared<PositionalContext>();
    const std::vector<Q> words = {Q("new"), Q("york")};
    const Q phrase(Q::OP_PHRASE, words.begin(), words.end());
    const Q near(Q::OP_NEAR, words.begin(), words.end(), 5);
    const Q plain(Q::OP_OR, Q("a"), Q(Q::OP_AND_NOT, Q("b"), Q("c")));
    // Nothing positional: the very same query.
    CHECK(on_store(plain, ctx).get_description() == plain.get_description());
    const auto described = [&](const Q& q) { return on_store(q, ctx).get_description(); };
    const std::string p = described(phrase);
    CHECK(p.find("(new AND york)") != std::string::npos);
    CHECK(p.find("FILTER") != std::string::npos);
    CHECK(p.find("StorePhrase(new york 2)") != std::string::npos);
    CHECK(p.find(" PHRASE ") == std::string::npos);
    // Under OR and NOT, inside the tree; the window is read from Xapian's own description.
    const std::string d = described(Q(Q::OP_AND_NOT, Q("city"), Q(Q::OP_OR, near, Q("nyc"))));
    CHECK(d.find("StoreNear(new york 5)") != std::string::npos);
    CHECK(d.find(" NEAR ") == std::string::npos);
    // A synonym's wdf is its phrase's (the least of its words'), not the AND's: left alone.
    const Q syn(Q::OP_SYNONYM, phrase, Q("nyc"));
    CHECK(described(syn) == syn.get_description());
    // A scaled phrase cannot be rebuilt with Xapian 1.4's public API: left alone.
    const Q scaled(Q::OP_SCALE_WEIGHT, phrase, 2.0);
    CHECK(described(scaled) == scaled.get_description());
}
