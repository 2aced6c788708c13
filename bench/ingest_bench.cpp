// cardex_bench_ingest: card parsing + normalization, and synthetic corpus generation.
//
// BM_ParseRealCards: CardParser::parse over the 6,634 real cards of data/cards
//   (front matter split, YAML, markdown to text, facet normalization), one thread. The JSON
//   Lines are decompressed and decoded into RawRecords before timing. items_per_second = cards/s
//   (issue 3 asks for >= 20,000 on one core).
// BM_ReadCardsFile: ingest::read_cards over the same files with 1 thread (file reading, zstd
//   and JSON included), the path `cardex reindex` takes.
// BM_SynthGenerate: SynthGenerator::next, seed 1 (issue 4 asks for >= 50,000 cards/s).
// Run: build-bench/bench/cardex_bench_ingest [--benchmark_filter=Parse]
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <sstream>

#include "cardex/index/vocabulary.h"
#include "cardex/ingest/card_parser.h"
#include "cardex/ingest/sources.h"
#include "cardex/ingest/synth.h"

using namespace cardex;

namespace {

const std::string kModels = std::string(CARDEX_DATA_DIR) + "/cards/models.jsonl.zst";
const std::string kDatasets = std::string(CARDEX_DATA_DIR) + "/cards/datasets.jsonl.zst";

std::shared_ptr<const index::Vocabulary> tables() {
    static auto t = index::Vocabulary::load(std::string(CARDEX_SOURCE_DIR) + "/data/tables");
    return t.has_value() ? t.value() : nullptr;
}

std::vector<ingest::RawRecord> real_records() {
    std::vector<ingest::RawRecord> out;
    simdjson::dom::parser parser;
    for (const std::string& f : {kModels, kDatasets}) {
        auto bytes = ingest::read_source_bytes(f);  // decompressed
        if (!bytes) return out;
        std::istringstream in(std::move(bytes).value());
        std::string line;
        while (std::getline(in, line)) {
            simdjson::dom::element doc;
            if (parser.parse(line).get(doc)) continue;
            ingest::RawRecord r;
            r.source = f;
            std::string_view s;
            std::int64_t n;
            if (!doc["id"].get_string().get(s)) r.id = s;
            if (!doc["type"].get_string().get(s)) r.type = index::parse_card_type(s);
            if (!doc["readme"].get_string().get(s)) r.readme = std::string(s);
            if (!doc["downloads"].get_int64().get(n)) r.downloads = n;
            if (!doc["likes"].get_int64().get(n)) r.likes = n;
            if (!doc["createdAt"].get_string().get(s)) r.created_at = std::string(s);
            if (!doc["lastModified"].get_string().get(s)) r.last_modified = std::string(s);
            out.push_back(std::move(r));
        }
    }
    return out;
}

void BM_ParseRealCards(benchmark::State& state) {
    static const auto raws = real_records();
    if (raws.empty()) {
        state.SkipWithError(("cannot read the real cards " + kModels).c_str());
        return;
    }
    ingest::CardParser parser(tables());
    std::vector<ingest::Issue> warnings;
    std::size_t bytes = 0;
    for (auto _ : state) {
        for (const auto& r : raws) {
            warnings.clear();
            auto c = parser.parse(r, warnings);
            benchmark::DoNotOptimize(c);
            bytes += r.readme ? r.readme->size() : 0;
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * raws.size()));
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_ParseRealCards)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_ReadCardsFile(benchmark::State& state) {
    std::size_t n = 0;
    for (auto _ : state) {
        auto report = ingest::read_cards(
            {kModels, kDatasets},
            tables(),
            {},
            [&](index::Card&& c) { benchmark::DoNotOptimize(c); },
            1);
        n += report.read;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(n));
}
BENCHMARK(BM_ReadCardsFile)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_SynthGenerate(benchmark::State& state) {
    auto profile = ingest::SynthProfile::load(std::string(CARDEX_SOURCE_DIR) + "/data/synth");
    if (!profile) {
        state.SkipWithError("no profile");
        return;
    }
    // The generator plans namespaces for its whole count up front (O(count) memory), so
    // the stream is sized like a 200k corpus and restarted, untimed, when it runs out.
    constexpr std::size_t kCount = 200000;
    auto gen = std::make_unique<ingest::SynthGenerator>(profile.value(), ingest::SynthOptions{1, kCount});
    std::string out;
    std::size_t bytes = 0;
    for (auto _ : state) {
        out.clear();
        if (!gen->next(out)) {
            state.PauseTiming();
            gen = std::make_unique<ingest::SynthGenerator>(profile.value(), ingest::SynthOptions{1, kCount});
            state.ResumeTiming();
            gen->next(out);
        }
        bytes += out.size();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_SynthGenerate)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
