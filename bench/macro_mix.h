#pragma once
// One query of cardex_bench_macro's mix, as every engine of the harness runs it.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/index/text.h"

namespace cardex::bench {

struct Query {
    std::string cls;  // text | text+filters | filters
    bool counts = false;
    std::vector<std::string> words;
    bool phrase = false;
    std::vector<std::pair<std::string, std::string>> filters;  // facet, value (lower-case)
};

/// Words of a card body that a user might type: alphabetic, 3-20 letters, from the first
/// 20,000 bytes. The harness draws its query words from them, and phrases from runs of them.
inline std::vector<std::string> body_words(const index::Card& c) {
    std::vector<std::string> out;
    index::tokenize(
        std::string_view(c.body).substr(0, 20000), [&](std::string_view t, std::size_t) {
            if (t.size() < 3 || t.size() > 20) return;
            if (!std::all_of(t.begin(), t.end(), [](char ch) { return ch >= 'a' && ch <= 'z'; }))
                return;
            out.emplace_back(t);
        });
    return out;
}

/// The facets whose exact counts the "+counts" classes ask for.
inline const std::vector<std::string> kCountFacets{"task", "language", "license", "author"};

/// The q-quantile of `v` (nearest rank; 0 for none): the harness's p50 / p99 / max.
inline double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto at = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(v.size() - 1, at)];
}

/// One engine's measured pass: per query of the mix, its time and total (-1 ms: not run).
struct Answers {
    std::string engine;
    std::vector<double> ms;
    std::vector<std::uint64_t> totals;
    bool ran() const { return !ms.empty(); }
};

}  // namespace cardex::bench
