#pragma once
// The reference edit distance the typo dictionary's search is checked against, by the index
// tests and the typo_dict fuzz target: optimal string alignment (Levenshtein plus a
// transposition of two adjacent letters, index/include/cardex/index/typo.h), the textbook
// table. O(|a| × |b|) time and memory: for tests only.
#include <algorithm>
#include <string_view>
#include <vector>

namespace cardex::test {

inline unsigned osa_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<unsigned>> d(a.size() + 1, std::vector<unsigned>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = static_cast<unsigned>(i);
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = static_cast<unsigned>(j);
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            d[i][j] = std::min({d[i - 1][j] + 1,
                                d[i][j - 1] + 1,
                                d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0u : 1u)});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

}  // namespace cardex::test
