// cardex_bench_pairs: the pair filter (index/pairs.h) of a generation's position store
// written with other options, to weigh its size and build time against what it rules out
// (docs/PERFORMANCE.md, "Phrases no card holds"). Writes OUT (default GENERATION/pairs.cdx,
// which a search of the generation then reads) and prints the frequent terms, the distinct
// pairs summed over blocks, the file's size and the seconds it took.
//
// Usage: cardex_bench_pairs --index GENERATION_DIR [--out FILE] [--min-cards N]
//        [--block-cards N] [--bits N]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cardex/index/pairs.h"
#include "cardex/index/positions.h"

int main(int argc, char** argv) {
    using namespace cardex;
    std::string gen, out;
    index::PairFilterOptions options;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const char* v = argv[i + 1];
        if (a == "--index") {
            gen = v;
        } else if (a == "--out") {
            out = v;
        } else if (a == "--min-cards") {
            options.min_cards = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
        } else if (a == "--block-cards") {
            options.block_cards = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
        } else if (a == "--bits") {
            options.bits_per_pair = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
        } else {
            std::fprintf(stderr, "unknown option %s\n", a.c_str());
            return 2;
        }
    }
    if (gen.empty()) {
        std::fprintf(stderr,
                     "usage: cardex_bench_pairs --index GENERATION_DIR [--out FILE] "
                     "[--min-cards N] [--block-cards N] [--bits N]\n");
        return 2;
    }
    if (out.empty()) out = gen + "/" + std::string(index::kPairsFile);
    auto store = index::PositionStore::open(gen + "/" + std::string(index::kPositionsFile));
    if (!store) {
        std::fprintf(
            stderr, "%s (%s)\n", store.error().message.c_str(), store.error().detail.c_str());
        return 1;
    }
    auto st = index::write_pair_filter(*store.value(), out, options);
    if (!st) {
        std::fprintf(stderr, "%s (%s)\n", st.error().message.c_str(), st.error().detail.c_str());
        return 1;
    }
    std::printf("frequent terms %llu, pairs %llu, %.1f MB, %.1f s\n",
                static_cast<unsigned long long>(st.value().frequent_terms),
                static_cast<unsigned long long>(st.value().pairs),
                static_cast<double>(st.value().bytes) / 1e6,
                st.value().seconds);
    return 0;
}
