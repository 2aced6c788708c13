// cardex_bench_positions: phrases checked on a generation's position store
// (index/positions.h) against Xapian's own exact phrases on the same generation (issues #15
// and #16; docs/PERFORMANCE.md, "A position store of our own").
//
// Xapian's glass backend keeps one B-tree item per (term, card) in its position table, and
// a phrase of common words is checked card by card through it (0.55 µs a candidate in the
// matcher, on average at 1M generated cards). The store keeps, per term, one stream of
// (card delta, byte length, position deltas) in card order with a skip entry every 64 cards;
// a phrase is checked with a cursor per word that skips to each candidate. The probe draws
// phrases from the body words of one card in 64 of FILE (the harness's way, bench/macro.cpp)
// plus the phrases the 1M runs found slowest, and reports per phrase the candidates (cards
// holding every word, by intersecting the store's own streams), the matches, the time of the
// position check, Xapian's exact phrase count and time, and whether the counts agree.
// It exits 1 if any count disagrees.
//
// Usage: cardex_bench_positions --cards FILE --index GENERATION_DIR [--phrases N] [--seed S]
//        [--threads T]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <xapian.h>

#include "cardex/index/positions.h"
#include "cardex/index/store.h"
#include "cardex/index/text.h"
#include "cardex/ingest/sources.h"
#include "macro_mix.h"

namespace {

using namespace cardex;
using Clock = std::chrono::steady_clock;
using Cursor = index::PositionStore::Cursor;

double since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct PhraseResult {
    std::size_t candidates = 0;
    std::size_t matches = 0;
    double intersect_ms = 0;
    double check_ms = 0;
};

// Cards holding every term (intersected on the store's streams; the query side takes them
// from its bitmaps), then the adjacency check over them, as PhraseChecker does.
PhraseResult check_phrase(const index::PositionStore& store,
                          const std::vector<std::string>& terms) {
    PhraseResult r;
    auto t0 = Clock::now();
    std::vector<std::uint32_t> candidates;
    {
        std::vector<Cursor> cs;
        for (const auto& t : terms) cs.emplace_back(store, t);
        std::uint32_t target = 1;
        for (bool done = false; !done;) {
            bool all = true;
            for (auto& c : cs) {
                if (!c.seek(target)) {
                    done = true;
                    break;
                }
                if (c.card() != target) {
                    target = c.card();
                    all = false;
                }
            }
            if (!done && all) candidates.push_back(target++);
        }
    }
    r.intersect_ms = since(t0) * 1e3;
    r.candidates = candidates.size();
    t0 = Clock::now();
    std::vector<Cursor> cs;
    for (const auto& t : terms) cs.emplace_back(store, t);
    std::vector<std::uint32_t> a;
    index::PhraseOrder order;
    bool corrupt = false;
    for (const std::uint32_t card : candidates) {
        if (index::store_holds_phrase(cs, card, a, corrupt, order)) ++r.matches;
    }
    if (corrupt) std::fprintf(stderr, "the store is malformed\n");
    r.check_ms = since(t0) * 1e3;
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    std::string cards_path, index_dir;
    std::size_t phrases = 200;
    std::uint64_t seed = 1;
    unsigned threads = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--cards")
            cards_path = argv[i + 1];
        else if (a == "--index")
            index_dir = argv[i + 1];
        else if (a == "--phrases")
            phrases = std::stoul(argv[i + 1]);
        else if (a == "--seed")
            seed = std::stoull(argv[i + 1]);
        else if (a == "--threads")
            threads = static_cast<unsigned>(std::stoul(argv[i + 1]));
        else {
            std::fprintf(stderr, "unknown argument %s\n", a.c_str());
            return 2;
        }
    }
    if (cards_path.empty() || index_dir.empty()) {
        std::fprintf(stderr,
                     "usage: cardex_bench_positions --cards FILE --index GENERATION_DIR "
                     "[--phrases N] [--seed S] [--threads T]\n");
        return 2;
    }
    auto tables = index::Vocabulary::load(index::Vocabulary::default_dir());
    if (!tables) {
        std::fprintf(stderr, "tables: %s\n", tables.error().message.c_str());
        return 1;
    }
    auto opened = index::PositionStore::open(index_dir + "/" + std::string(index::kPositionsFile));
    if (!opened) {
        std::fprintf(
            stderr, "%s: %s\n", opened.error().detail.c_str(), opened.error().message.c_str());
        return 1;
    }
    const index::PositionStore& store = *opened.value();
    // Cards are streamed, not held: the body words of one card in kSampleEvery are kept to
    // draw phrases from.
    constexpr std::uint32_t kSampleEvery = 64;
    std::vector<std::vector<std::string>> samples;
    std::uint32_t cards = 0;
    auto t0 = Clock::now();
    ingest::read_cards(
        {cards_path},
        tables.value(),
        {},
        [&](index::Card&& c) {
            if (c.is_private) return;
            if (++cards % kSampleEvery == 0) samples.push_back(bench::body_words(c));
        },
        threads);
    std::fprintf(stderr, "read %u cards in %.1f s\n", cards, since(t0));
    std::printf("store: docids %u-%u, %llu terms, %.1f MB\n",
                store.first_docid(),
                store.last_docid(),
                static_cast<unsigned long long>(store.term_count()),
                static_cast<double>(store.file_bytes()) / 1e6);

    // Phrases as the harness draws them (bench/macro.cpp make_queries), then those the 1M
    // runs found slowest.
    std::vector<std::vector<std::string>> mix;
    std::mt19937_64 rng(seed);
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    for (std::size_t tries = 0; mix.size() < phrases && tries < phrases * 50; ++tries) {
        if (samples.empty()) break;
        const auto& words = samples[pick(samples.size())];
        if (words.size() < 8) continue;
        const std::size_t n = 2 + pick(3);
        const std::size_t at = pick(words.size() - n);
        mix.emplace_back(words.begin() + static_cast<std::ptrdiff_t>(at),
                         words.begin() + static_cast<std::ptrdiff_t>(at + n));
    }
    for (const char* fixed : {"https huggingface",
                              "reference https huggingface",
                              "huggingface docs hub spaces",
                              "check out the",
                              "from importance from",
                              "the model",
                              "of the"}) {
        std::vector<std::string> words;
        index::tokenize(fixed, [&](std::string_view t, std::size_t) { words.emplace_back(t); });
        mix.push_back(words);
    }

    std::optional<Xapian::Database> db;
    db.emplace(index_dir);
    index::StemCache stems;
    std::vector<double> ours, xapians;
    std::size_t disagree = 0;
    for (const auto& words : mix) {
        std::vector<std::string> terms;
        std::string text;
        for (const auto& w : words) {
            terms.push_back(stems.stem(w));
            text += (text.empty() ? "" : " ") + w;
        }
        const PhraseResult r = check_phrase(store, terms);
        ours.push_back(r.intersect_ms + r.check_ms);
        std::printf(
            "\"%s\": candidates %zu, matches %zu, intersect %.2f ms, check %.2f ms "
            "(%.3f µs a candidate)",
            text.c_str(),
            r.candidates,
            r.matches,
            r.intersect_ms,
            r.check_ms,
            r.candidates ? r.check_ms * 1e3 / static_cast<double>(r.candidates) : 0.0);
        if (db) {
            Xapian::Enquire enquire(*db);
            enquire.set_query(Xapian::Query(Xapian::Query::OP_PHRASE,
                                            terms.begin(),
                                            terms.end(),
                                            static_cast<Xapian::termcount>(terms.size())));
            enquire.set_weighting_scheme(Xapian::BoolWeight());
            t0 = Clock::now();
            const Xapian::MSet m = enquire.get_mset(0, 10, db->get_doccount());
            const double ms = since(t0) * 1e3;
            xapians.push_back(ms);
            const auto total = m.get_matches_estimated();
            if (total != r.matches) ++disagree;
            std::printf("; Xapian %llu matches in %.2f ms%s",
                        static_cast<unsigned long long>(total),
                        ms,
                        total == r.matches ? "" : " DISAGREES");
        }
        std::printf("\n");
    }
    std::printf("\nphrases %zu: own store p50 %.2f / p99 %.2f / max %.2f ms",
                ours.size(),
                bench::percentile(ours, 0.5),
                bench::percentile(ours, 0.99),
                bench::percentile(ours, 1.0));
    if (db) {
        std::printf("; Xapian p50 %.2f / p99 %.2f / max %.2f ms; counts disagree on %zu",
                    bench::percentile(xapians, 0.5),
                    bench::percentile(xapians, 0.99),
                    bench::percentile(xapians, 1.0),
                    disagree);
    }
    std::printf("\n");
    return disagree == 0 ? 0 : 1;
}
