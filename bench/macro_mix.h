#pragma once
// One query of cardex_bench_macro's mix, as every engine of the harness runs it.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cardex::bench {

struct Query {
    std::string cls;  // text | text+filters | filters
    bool counts = false;
    std::vector<std::string> words;
    bool phrase = false;
    std::vector<std::pair<std::string, std::string>> filters;  // facet, value (lower-case)
};

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
