// The typo dictionary's stored form (index/typo.h): any bytes decode to a dictionary or to
// DataLoss, never a crash or an unbounded allocation; what decodes re-encodes to a dictionary
// of the same words, and nearest() on it agrees with the textbook distance (over the words
// with the query's first letter, the only ones it looks at). The fuzzer also
// wraps its input in the magic line and a valid zstd frame, so that the line parser, not only
// zstd's checks, sees mutated bytes.
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "cardex/index/typo.h"
#include "edit_distance.h"

using cardex::test::osa_distance;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cardex::index;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    auto check = [](std::string_view bytes) {
        auto d = TypoDictionary::decode(bytes);
        if (!d) return;
        const TypoDictionary& dict = **d;
        std::vector<std::pair<std::string, std::uint32_t>> words;
        for (std::size_t i = 0; i < dict.size(); ++i) {
            words.emplace_back(std::string(dict.word(i)), dict.docs(dict.word(i)));
            if (words.back().second == 0) std::abort();  // every stored word is found
            // ... at its own index, by the binary search the suggestion scan starts from.
            if (dict.lower_bound(dict.word(i)) != i || dict.docs_at(i) != words.back().second)
                std::abort();
        }
        auto again = TypoDictionary::decode(TypoDictionary::encode(words));
        if (!again || (*again)->size() != dict.size()) std::abort();
        // Each stored word, a letter shorter, as a query: the nearest words are exactly those
        // at the smallest distance (1 or 2) the textbook table finds.
        for (std::size_t i = 0; i < dict.size() && i < 4; ++i) {
            const std::string q(dict.word(i).substr(1));
            const auto got = dict.nearest(q, 2, dict.size());
            unsigned best = 3;
            std::size_t at_best = 0;
            for (std::size_t j = 0; j < dict.size(); ++j) {
                if (q.empty() || dict.word(j)[0] != q[0]) continue;  // same first letter only
                const unsigned dist = osa_distance(q, dict.word(j));
                if (dist == 0) continue;
                if (dist < best) {
                    best = dist;
                    at_best = 0;
                }
                if (dist == best) ++at_best;
            }
            if (q.empty()) continue;
            if (best > 2) at_best = 0;
            if (got.size() != at_best) std::abort();
            for (const auto& m : got) {
                if (m.distance != best || osa_distance(q, m.word) != best || m.word[0] != q[0])
                    std::abort();
            }
        }
    };
    check(in);
    std::string framed(kTypoMagic);
    std::string z(ZSTD_compressBound(size), '\0');
    z.resize(ZSTD_compress(z.data(), z.size(), data, size, 1));
    check(framed + z);
    return 0;
}
