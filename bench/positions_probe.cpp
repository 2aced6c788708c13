// cardex_bench_positions: what a position store of cardex's own would cost and save, measured
// before building it (issues #15 and #16; docs/PERFORMANCE.md, "A position store of our
// own, probed").
//
// Xapian's glass backend keeps one B-tree item per (term, card) in its position table: at 1M
// generated cards 4.0 of the index's 9.1 GB and 28% of the reindex's time. A phrase of common
// words is checked card by card through that table (0.55 µs a candidate in the matcher, on
// average at 1M). The probe builds, in memory, the layout Lucene uses instead:
// per term, one stream of (card delta, byte length, position deltas) in card order, with a
// skip entry every kSkipEvery cards, and then checks phrases over it the way a query would
// (a cursor per phrase word that skips to each candidate). It reports:
//   - the store's bytes and the time to fill it (beside the cost of building the Xapian
//     documents the positions are read from, which the real builder pays anyway);
//   - per phrase, the candidates (cards holding every word), the matches, and the time of
//     the position check; with --index, Xapian's exact phrase count and time on an index of
//     the same cards (`cardex reindex` of the same file), and whether the counts agree.
// Positions are taken from DocumentBuilder's own documents, so they are exactly what the
// index holds (field gaps, the kMaxPositions cap). Private cards are left out, as they are
// out of the main index.
//
// Usage: cardex_bench_positions --cards FILE [--count N] [--index DIR] [--phrases N]
//        [--seed S] [--threads T]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <xapian.h>

#include "cardex/index/store.h"
#include "cardex/index/text.h"
#include "cardex/ingest/sources.h"
#include "macro_mix.h"

namespace {

using namespace cardex;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

constexpr std::uint32_t kSkipEvery = 64;

void put_varint(std::string& out, std::uint32_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

std::uint32_t get_varint(const unsigned char*& p) {
    std::uint32_t v = 0;
    for (int shift = 0;; shift += 7) {
        const unsigned char b = *p++;
        v |= static_cast<std::uint32_t>(b & 0x7f) << shift;
        if (b < 0x80) return v;
    }
}

struct Skip {
    std::uint32_t first_card;  // the card of the block's first entry
    std::uint32_t before;      // the card of the entry before it (the delta's base)
    std::uint32_t offset;      // byte offset of the block's first entry
};

struct TermStream {
    std::string bytes;
    std::vector<Skip> skips;
    std::uint32_t cards = 0;
    std::uint32_t last = 0;
};

// Positions of one term in card order; advance_to() skips by the skip entries, then entry
// by entry (each entry's byte length lets it pass over the positions undecoded).
class Cursor {
  public:
    explicit Cursor(const TermStream& s)
        : s_(s),
          p_(reinterpret_cast<const unsigned char*>(s.bytes.data())),
          end_(p_ + s.bytes.size()) {}

    // Moves to the first entry whose card is >= target; false past the end.
    bool advance_to(std::uint32_t target) {
        if (have_ && card_ >= target) return true;
        // Jump to the last block that starts at or before the target, when it lies beyond
        // the block of the next entry to decode.
        const std::size_t from = next_ / kSkipEvery + 1;
        if (from < s_.skips.size() && s_.skips[from].first_card <= target) {
            auto it =
                std::upper_bound(s_.skips.begin() + static_cast<std::ptrdiff_t>(from),
                                 s_.skips.end(),
                                 target,
                                 [](std::uint32_t t, const Skip& k) { return t < k.first_card; });
            --it;
            p_ = reinterpret_cast<const unsigned char*>(s_.bytes.data()) + it->offset;
            card_ = it->before;
            next_ = static_cast<std::size_t>(it - s_.skips.begin()) * kSkipEvery;
            have_ = false;
        }
        if (have_) p_ = positions_ + length_;
        while (p_ < end_) {
            card_ += get_varint(p_);
            length_ = get_varint(p_);
            positions_ = p_;
            ++next_;
            if (card_ >= target) {
                have_ = true;
                return true;
            }
            p_ = positions_ + length_;
        }
        have_ = false;
        return false;
    }
    std::uint32_t card() const { return card_; }
    std::uint32_t length() const { return length_; }
    void positions(std::vector<std::uint32_t>& out) const {
        out.clear();
        const unsigned char* p = positions_;
        std::uint32_t pos = 0;
        while (p < positions_ + length_) {
            pos += get_varint(p);
            out.push_back(pos);
        }
    }

  private:
    const TermStream& s_;
    const unsigned char* p_;
    const unsigned char* end_;
    const unsigned char* positions_ = nullptr;
    std::uint32_t length_ = 0;
    std::uint32_t card_ = 0;
    std::size_t next_ = 0;  // ordinal of the next entry to decode
    bool have_ = false;
};

struct Store {
    std::unordered_map<std::string, TermStream> terms;
    std::string scratch;

    void add(std::uint32_t card,
             const std::string& term,
             const std::vector<std::uint32_t>& positions) {
        TermStream& s = terms[term];
        if (s.cards % kSkipEvery == 0)
            s.skips.push_back({card, s.last, static_cast<std::uint32_t>(s.bytes.size())});
        put_varint(s.bytes, card - s.last);
        scratch.clear();
        std::uint32_t prev = 0;
        for (const std::uint32_t p : positions) {
            put_varint(scratch, p - prev);
            prev = p;
        }
        put_varint(s.bytes, static_cast<std::uint32_t>(scratch.size()));
        s.bytes += scratch;
        s.last = card;
        ++s.cards;
    }
};

struct PhraseResult {
    std::size_t candidates = 0;
    std::size_t matches = 0;
    double intersect_ms = 0;
    double check_ms = 0;
};

// Cards holding every term (decoded from the streams themselves; the real query side takes
// them from its bitmaps), then the adjacency check over them.
PhraseResult check_phrase(const Store& store, const std::vector<std::string>& terms) {
    PhraseResult r;
    std::vector<const TermStream*> streams;
    for (const auto& t : terms) {
        auto it = store.terms.find(t);
        if (it == store.terms.end()) return r;
        streams.push_back(&it->second);
    }
    auto t0 = Clock::now();
    std::vector<std::uint32_t> candidates;
    {
        std::vector<Cursor> cs;
        for (const auto* s : streams) cs.emplace_back(*s);
        std::uint32_t target = 0;
        while (true) {
            bool all = true;
            bool done = false;
            for (auto& c : cs) {
                if (!c.advance_to(target)) {
                    done = true;
                    break;
                }
                if (c.card() != target) {
                    target = c.card();
                    all = false;
                }
            }
            if (done) break;
            if (all) candidates.push_back(target++);
        }
    }
    r.intersect_ms = since(t0) * 1e3;
    r.candidates = candidates.size();
    t0 = Clock::now();
    std::vector<Cursor> cs;
    for (const auto* s : streams) cs.emplace_back(*s);
    std::vector<std::uint32_t> first, other;
    std::vector<std::size_t> order(cs.size());
    for (const std::uint32_t card : candidates) {
        // The word with the fewest position bytes in this card anchors the check, as
        // Xapian's exact phrase check starts from its shortest position list.
        for (auto& c : cs) c.advance_to(card);
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return cs[a].length() < cs[b].length();
        });
        const std::size_t anchor = order[0];
        cs[anchor].positions(first);
        // Phrase starts the anchor allows (its position minus its place in the phrase).
        std::size_t out = 0;
        for (const std::uint32_t p : first)
            if (p > anchor) first[out++] = p - static_cast<std::uint32_t>(anchor);
        first.resize(out);
        for (std::size_t o = 1; o < order.size() && !first.empty(); ++o) {
            const std::size_t i = order[o];
            cs[i].positions(other);
            // Keep the starts p with p + i among term i's positions (both lists sorted).
            std::size_t k = 0;
            out = 0;
            for (const std::uint32_t p : first) {
                while (k < other.size() && other[k] < p + i) ++k;
                if (k < other.size() && other[k] == p + i) first[out++] = p;
            }
            first.resize(out);
        }
        if (!first.empty()) ++r.matches;
    }
    r.check_ms = since(t0) * 1e3;
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    std::string cards_path, index_dir;
    std::size_t count = 0, phrases = 200;
    std::uint64_t seed = 1;
    unsigned threads = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--cards")
            cards_path = argv[i + 1];
        else if (a == "--index")
            index_dir = argv[i + 1];
        else if (a == "--count")
            count = std::stoul(argv[i + 1]);
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
    if (cards_path.empty()) {
        std::fprintf(stderr,
                     "usage: cardex_bench_positions --cards FILE [--count N] [--index DIR] "
                     "[--phrases N] [--seed S] [--threads T]\n");
        return 2;
    }
    auto tables = index::Vocabulary::load(index::Vocabulary::default_dir());
    if (!tables) {
        std::fprintf(stderr, "tables: %s\n", tables.error().message.c_str());
        return 1;
    }
    // Cards are streamed, not held (a million of them would not fit beside the store): each
    // is built into a Xapian document and its positions appended as it arrives. The body
    // words of one card in kSampleEvery are kept to draw phrases from.
    constexpr std::uint32_t kSampleEvery = 64;
    std::vector<std::vector<std::string>> samples;
    index::DocumentBuilder builder;
    Store store;
    double documents_s = 0, extract_s = 0, store_s = 0;
    std::uint64_t positions = 0, entries = 0;
    std::uint32_t cards = 0;
    std::vector<std::uint32_t> pos;
    auto t0 = Clock::now();
    ingest::read_cards(
        {cards_path},
        tables.value(),
        {},
        [&](index::Card&& c) {
            if (c.is_private || (count != 0 && cards >= count)) return;
            const std::uint32_t card = ++cards;
            if (card % kSampleEvery == 0) samples.push_back(bench::body_words(c));
            auto t = Clock::now();
            const Xapian::Document doc = builder.build(c);
            documents_s += since(t);
            for (auto term = doc.termlist_begin(); term != doc.termlist_end(); ++term) {
                t = Clock::now();
                if (term.positionlist_count() == 0) continue;
                pos.assign(term.positionlist_begin(), term.positionlist_end());
                const std::string name = *term;
                const auto t1 = Clock::now();
                extract_s += std::chrono::duration<double>(t1 - t).count();
                positions += pos.size();
                ++entries;
                store.add(card, name, pos);
                store_s += since(t1);
            }
        },
        threads);
    std::fprintf(stderr, "read and stored %u cards in %.1f s\n", cards, since(t0));
    std::uint64_t bytes = 0, skip_bytes = 0, term_bytes = 0;
    for (const auto& [term, s] : store.terms) {
        bytes += s.bytes.size();
        skip_bytes += s.skips.size() * sizeof(Skip);
        term_bytes += term.size() + 16;  // a dictionary entry: the term, offset and counts
    }
    std::printf("cards %u, terms with positions %zu, (term, card) entries %llu, positions %llu\n",
                cards,
                store.terms.size(),
                static_cast<unsigned long long>(entries),
                static_cast<unsigned long long>(positions));
    std::printf(
        "store: streams %.1f MB, skips %.1f MB, dictionary %.1f MB, total %.1f MB "
        "(%.2f bytes a position)\n",
        bytes / 1e6,
        skip_bytes / 1e6,
        term_bytes / 1e6,
        (bytes + skip_bytes + term_bytes) / 1e6,
        static_cast<double>(bytes + skip_bytes + term_bytes) / static_cast<double>(positions));
    std::printf(
        "time: Xapian documents %.1f s (%.0f cards/s); positions read back from them "
        "%.1f s (the probe's cost only); store filled %.1f s (%.0f cards/s, %.1f%% of "
        "the documents' time)\n",
        documents_s,
        cards / documents_s,
        extract_s,
        store_s,
        cards / store_s,
        100 * store_s / documents_s);

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
    if (!index_dir.empty()) db.emplace(index_dir);
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
