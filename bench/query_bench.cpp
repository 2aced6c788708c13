// cardex_bench_query: each query class on an index of 20,000 synthetic cards (seed 1),
// built once into /tmp/cardex_bench_query (rebuilt on every run, a few seconds).
//
// Classes (one fixed query each, chosen to match many cards): a common word, a rare word,
// two words AND-ed, a phrase, text + two facet filters, a filter-only listing sorted by
// downloads, the empty query; each without and with exact counts of four facets (task,
// language, license, author). Times are per search() call, single thread, warm cache.
// Run: build-bench/bench/cardex_bench_query
#include <benchmark/benchmark.h>

#include <filesystem>

#include "cardex/index/store.h"
#include "cardex/ingest/sources.h"
#include "cardex/ingest/synth.h"
#include "cardex/query/searcher.h"

using namespace cardex;

namespace {

const std::string kDir = "/tmp/cardex_bench_query";

bool build_once() {
    static const bool ok = [] {
        std::filesystem::remove_all(kDir);
        std::filesystem::create_directories(kDir);
        auto p = ingest::SynthProfile::load(std::string(CARDEX_SOURCE_DIR) + "/data/synth");
        auto t = index::Vocabulary::load(std::string(CARDEX_SOURCE_DIR) + "/data/tables");
        if (!p || !t) return false;
        const std::string path = kDir + "/cards.jsonl";
        if (!ingest::write_synth_cards(path, p.value(), {1, 20000})) return false;
        std::vector<index::Card> cards;
        ingest::read_cards({path}, t.value(), {}, [&](index::Card&& c) { cards.push_back(std::move(c)); }, 2);
        index::BuildOptions options;
        options.vocabulary = t.value();
        return index::build_index(kDir + "/index", std::move(cards), options).has_value();
    }();
    return ok;
}

struct Case {
    const char* name;
    const char* text;
    std::vector<query::FacetFilter> filters;
    bool by_downloads;
};

const std::vector<Case>& cases() {
    static const std::vector<Case> c{
        {"common_word", "model", {}, false},
        {"rare_word", "protein", {}, false},
        {"two_words", "training data", {}, false},
        {"phrase", "\"text generation\"", {}, false},
        {"text_filters", "model", {{"license", {"apache-2.0"}, {}}, {"language", {"en"}, {}}}, false},
        {"filter_listing", "", {{"task", {"text-generation"}, {}}}, true},
        {"empty_query", "", {}, true},
    };
    return c;
}

void BM_Query(benchmark::State& state) {
    if (!build_once()) {
        state.SkipWithError("index build failed");
        return;
    }
    auto searcher = query::Searcher::open(kDir + "/index");
    if (!searcher) {
        state.SkipWithError("open failed");
        return;
    }
    const auto& c = cases()[static_cast<std::size_t>(state.range(0))];
    query::SearchRequest req;
    req.text = c.text;
    req.filters = c.filters;
    if (c.by_downloads) req.sort = query::Sort::Downloads;
    req.snippets = false;
    if (state.range(1)) {
        for (const char* f : {"task", "language", "license", "author"}) req.facets.push_back({f, 10});
    }
    std::uint64_t total = 0;
    for (auto _ : state) {
        auto r = searcher->search(req);
        if (!r) {
            state.SkipWithError(r.error().message.c_str());
            return;
        }
        total = r->total;
    }
    state.SetLabel(std::string(c.name) + (state.range(1) ? " +counts" : "") + " hits=" + std::to_string(total));
}
BENCHMARK(BM_Query)->ArgsProduct({{0, 1, 2, 3, 4, 5, 6}, {0, 1}})->ArgNames({"case", "counts"})
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
