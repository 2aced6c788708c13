#include "warm.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "budget.h"
#include "cardex/index/schema.h"
#include "impacts.h"
#include "matchset.h"
#include "plan.h"
#include "query_builder.h"

namespace cardex::query {

namespace idx = cardex::index;

namespace {

std::mutex g_mu;
// dir -> its warm generation ("" until the first is warmed), for held directories only.
std::map<std::string, std::string>& held() {
    static std::map<std::string, std::string> m;
    return m;
}

}  // namespace

void hold_until_warm(const std::string& dir) {
    std::lock_guard g(g_mu);
    held().emplace(dir, std::string());
}

void mark_warm(const std::string& dir, const std::string& generation) {
    std::lock_guard g(g_mu);
    auto it = held().find(dir);
    if (it != held().end()) it->second = generation;
}

bool may_switch(const std::string& dir, const std::string& generation) {
    std::lock_guard g(g_mu);
    auto it = held().find(dir);
    return it == held().end() || it->second == generation;
}

void warm_columns(const Xapian::Database& db, Columns& cols) {
    for (const auto& f : idx::kFacets) cols.public_counts(db, f.facet);  // builds the column too
    cols.lineage(db);
    cols.value(db, idx::kSlotPrior);
    cols.value(db, idx::kSlotParams);
    cols.doclengths(db);
    for (Sort s : {Sort::Downloads,
                   Sort::Likes,
                   Sort::Trending,
                   Sort::Created,
                   Sort::Modified,
                   Sort::Quality}) {
        cols.order(db, sort_slot(s));
    }
}

TermWarmth warm_terms(const Xapian::Database& db,
                      Columns& cols,
                      const Lexicon& lexicon,
                      double share) {
    TermWarmth out;
    const auto& words = *lexicon.words;
    const std::uint32_t min_freq = TermSets::min_freq(db.get_lastdocid());
    // The most frequent words, most frequent first (ties in byte order).
    std::vector<std::pair<std::uint32_t, std::size_t>> top;  // (cards, index)
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (words.docs_at(i) >= min_freq) top.emplace_back(words.docs_at(i), i);
    }
    const std::size_t n = std::min(top.size(), kWarmWords);
    std::partial_sort(top.begin(),
                      top.begin() + static_cast<std::ptrdiff_t>(n),
                      top.end(),
                      [](const auto& a, const auto& b) {
                          return a.first != b.first ? a.first > b.first : a.second < b.second;
                      });
    top.resize(n);
    const Budget unlimited;
    BudgetCheck budget(unlimited, 4096);
    TermSets& sets = cols.term_sets();
    ImpactCache& impacts = cols.impacts();
    auto below = [share](std::size_t bytes, std::size_t cap) {
        return static_cast<double>(bytes) < share * static_cast<double>(cap);
    };
    const DocLengths& lengths = cols.doclengths(db);
    std::vector<std::uint32_t> matches;
    for (const auto& [cards, i] : top) {
        // A word's bitmap takes at most two fifths of its cached postings' bytes (2 bytes a
        // card in a sparse container against 5), a twentieth for a word on half the cards:
        // the bitmaps go on for more words once the postings' share is full.
        const bool sets_room = below(sets.cached_bytes(), sets.capacity());
        const bool impacts_room = below(impacts.cached_bytes(), impacts.capacity());
        if (!sets_room && !impacts_room) break;
        SearchRequest req;
        req.text = std::string(words.word(i));
        TextPass pass;
        pass.revision = &sets;  // the words' stems' frequencies remembered too
        auto built = build_query(db, req, lexicon, budget, pass);
        if (!built || !built->has_text) continue;  // a word the parser reads as syntax
        // The match phase's bitmaps, and the ranking's postings as the restricted ranking
        // rewrites the query (searcher.cpp) when it visits every card holding the word.
        if (sets_room) {
            direct_set(db, built->text, matches, sets, budget);
            // The id-words boost of a query of several words reads each word's id term as a
            // bitmap (understood_query.h, id_word_alternatives).
            const Xapian::Query id_word(std::string(idx::kPrefixIdToken) +
                                        std::string(words.word(i)));
            direct_set(db, id_word, matches, sets, budget);
        }
        if (impacts_room) {
            with_impacts(built->ranked(built->text),
                         db,
                         impacts,
                         sets,
                         lengths,
                         min_freq,
                         db.get_lastdocid(),
                         budget);
        }
        ++out.words;
    }
    out.bitmap_bytes = sets.cached_bytes();
    out.impact_bytes = impacts.cached_bytes();
    return out;
}

}  // namespace cardex::query
