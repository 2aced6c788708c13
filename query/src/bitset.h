#pragma once
// A plain dense bitset over docids: the match sets of exact facet counting. 1M docs take
// 128 KiB, and AND over whole words is what disjunctive counting needs.
#include <bit>
#include <cstdint>
#include <vector>

namespace cardex::query {

class Bitset {
public:
    void resize(std::uint32_t bits) { words_.assign((bits + 63) / 64, 0); }
    bool empty() const { return words_.empty(); }
    void set(std::uint32_t i) {
        if ((i >> 6) < words_.size()) words_[i >> 6] |= std::uint64_t{1} << (i & 63);
    }
    bool test(std::uint32_t i) const {
        return (i >> 6) < words_.size() && ((words_[i >> 6] >> (i & 63)) & 1u);
    }
    void and_with(const Bitset& o) {
        for (std::size_t w = 0; w < words_.size(); ++w) words_[w] &= w < o.words_.size() ? o.words_[w] : 0;
    }
    std::uint64_t count() const {
        std::uint64_t n = 0;
        for (auto w : words_) n += static_cast<std::uint64_t>(std::popcount(w));
        return n;
    }

private:
    std::vector<std::uint64_t> words_;
};

}  // namespace cardex::query
