// cardex_bench_index: tokenization and document building (term generation) per card.
//
// BM_Tokenize: index::tokenize over the plain-text bodies of the real cards
//   (data/cards, parsed by ingest first, untimed); bytes/s and tokens/s.
// BM_StemCached: StemCache::stem over the same token stream (Zipf: mostly cache hits).
// BM_BuildDocument: DocumentBuilder::build (terms, positions, values, summary) per card,
//   over the real cards and over 5,000 synthetic ones (seed 1); items/s = cards/s.
// Run: build-bench/bench/cardex_bench_index
#include <benchmark/benchmark.h>

#include "cardex/index/store.h"
#include "cardex/index/text.h"
#include "cardex/ingest/sources.h"
#include "cardex/ingest/synth.h"

using namespace cardex;

namespace {

std::shared_ptr<const index::Vocabulary> tables() {
    static auto t = index::Vocabulary::load(std::string(CARDEX_SOURCE_DIR) + "/data/tables");
    return t.has_value() ? t.value() : nullptr;
}

std::vector<index::Card> load(const std::vector<std::string>& files) {
    std::vector<index::Card> cards;
    ingest::read_cards(files, tables(), {}, [&](index::Card&& c) { cards.push_back(std::move(c)); }, 2);
    return cards;
}

const std::vector<index::Card>& real_cards() {
    static const auto cards = load({std::string(CARDEX_DATA_DIR) + "/cards/models.jsonl.zst",
                                    std::string(CARDEX_DATA_DIR) + "/cards/datasets.jsonl.zst"});
    return cards;
}

const std::vector<index::Card>& synth_cards() {
    static const auto cards = [] {
        const std::string path = "/tmp/cardex_bench_index_synth.jsonl";
        auto p = ingest::SynthProfile::load(std::string(CARDEX_SOURCE_DIR) + "/data/synth");
        if (!p || !ingest::write_synth_cards(path, p.value(), {1, 5000})) return std::vector<index::Card>{};
        return load({path});
    }();
    return cards;
}

void BM_Tokenize(benchmark::State& state) {
    const auto& cards = real_cards();
    std::size_t bytes = 0, tokens = 0;
    for (auto _ : state) {
        for (const auto& c : cards) {
            index::tokenize(c.body, [&](std::string_view t, std::size_t) {
                benchmark::DoNotOptimize(t);
                ++tokens;
            });
            bytes += c.body.size();
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
    state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Tokenize)->Unit(benchmark::kMillisecond);

void BM_StemCached(benchmark::State& state) {
    std::vector<std::string> tokens;
    for (const auto& c : real_cards()) {
        index::tokenize(c.body, [&](std::string_view t, std::size_t) { tokens.emplace_back(t); });
    }
    index::StemCache stems;
    for (auto _ : state) {
        for (const auto& t : tokens) benchmark::DoNotOptimize(stems.stem(t));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * tokens.size()));
}
BENCHMARK(BM_StemCached)->Unit(benchmark::kMillisecond);

void BM_BuildDocument(benchmark::State& state) {
    const auto& cards = state.range(0) == 0 ? real_cards() : synth_cards();
    index::DocumentBuilder builder;
    for (auto _ : state) {
        for (const auto& c : cards) {
            auto doc = builder.build(c);
            benchmark::DoNotOptimize(doc);
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * cards.size()));
    state.SetLabel(state.range(0) == 0 ? "real cards" : "synthetic cards");
}
BENCHMARK(BM_BuildDocument)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
