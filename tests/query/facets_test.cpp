// The top values of a counted facet (plan.cpp, top_values) against a full sort of its
// counts: largest counts first, ties by ordinal (the values are sorted, so ties by value).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "plan.h"

using namespace cardex::query;

TEST_CASE("top_values: the largest counts first, ties by value, for every top", "[facets]") {
    std::mt19937 rng(20261206);
    for (int round = 0; round < 60; ++round) {
        INFO("round " << round);
        FacetColumn col;
        const std::size_t n = std::uniform_int_distribution<std::size_t>(0, 3000)(rng);
        for (std::size_t i = 0; i < n; ++i) col.values.push_back("v" + std::to_string(100000 + i));
        CountedFacet cf;
        cf.column = &col;
        // Few distinct counts and many zeros: ties everywhere, values never counted.
        const std::uint64_t most = round % 3 == 0 ? 2 : 40;
        std::uniform_int_distribution<std::uint64_t> count(0, most);
        for (std::size_t i = 0; i < n; ++i) cf.counts.push_back(i % 3 == 0 ? 0 : count(rng));
        std::vector<std::uint32_t> want;
        for (std::uint32_t o = 0; o < n; ++o)
            if (cf.counts[o] != 0) want.push_back(o);
        std::sort(want.begin(), want.end(), [&](std::uint32_t a, std::uint32_t b) {
            return cf.counts[a] != cf.counts[b] ? cf.counts[a] > cf.counts[b] : a < b;
        });
        auto check = [&](const FacetResult& got, std::size_t top) {
            INFO("top " << top);
            CHECK(got.facet == "license");
            REQUIRE(got.values.size() == std::min(top, want.size()));
            for (std::size_t i = 0; i < got.values.size(); ++i) {
                CHECK(got.values[i].value == col.values[want[i]]);
                CHECK(got.values[i].count == cf.counts[want[i]]);
            }
        };
        for (const std::size_t top : {std::size_t{0},
                                      std::size_t{1},
                                      std::size_t{2},
                                      std::size_t{10},
                                      want.size(),
                                      want.size() + 7}) {
            FacetRequest fr;
            fr.facet = "license";
            fr.top = top;
            check(top_values(fr, cf), top);
        }
        FacetRequest all;
        all.facet = "license";
        all.top = 1;
        all.all_values = true;
        check(top_values(all, cf), want.size());
    }
}
