#include "typo.h"

#include <algorithm>

#include "cardex/index/schema.h"
#include "cardex/index/text.h"

namespace cardex::query {

namespace idx = cardex::index;

namespace {

bool ascii_letters(std::string_view w) {
    return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return out;
}

// The dictionary's words near `word` whose stem public cards hold now: the dictionary is of
// the build, and a card upserted since may have gone private or been deleted. Most cards
// first (as the build counted them).
std::vector<idx::TypoMatch> live_nearest(const Xapian::Database& db,
                                         const idx::TypoDictionary& dict,
                                         idx::StemCache& stems,
                                         std::string_view word,
                                         unsigned max_distance,
                                         std::size_t limit,
                                         BudgetCheck& budget) {
    auto near = dict.nearest(word, max_distance, limit * 4);
    std::vector<idx::TypoMatch> out;
    for (auto& m : near) {
        if (out.size() == limit) break;
        if (!publicly_has(db, stems.stem(m.word), budget)) continue;
        out.push_back(std::move(m));
    }
    std::stable_sort(
        out.begin(), out.end(), [](const auto& a, const auto& b) { return a.docs > b.docs; });
    return out;
}

}  // namespace

Xapian::doccount public_count(const Xapian::Database& db,
                              const std::string& term,
                              Xapian::doccount cap,
                              BudgetCheck& budget) {
    const Xapian::doccount all = db.get_termfreq(term);
    const std::string hidden(idx::kTermPrivate);
    if (all == 0 || db.get_termfreq(hidden) == 0) return std::min(all, cap);
    Xapian::doccount n = 0;
    auto priv = db.postlist_begin(hidden);
    const auto priv_end = db.postlist_end(hidden);
    for (auto p = db.postlist_begin(term); p != db.postlist_end(term) && n < cap; ++p) {
        budget();
        if (priv != priv_end) priv.skip_to(*p);
        if (priv == priv_end || *priv != *p) ++n;
    }
    return n;
}

bool publicly_has(const Xapian::Database& db, const std::string& term, BudgetCheck& budget) {
    return public_count(db, term, 1, budget) > 0;
}

std::vector<std::pair<std::string, std::size_t>> typo_words(std::string_view text) {
    std::vector<std::pair<std::string, std::size_t>> out;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            ++i;
            continue;
        }
        std::size_t j = i;
        bool has_quote = false;
        while (j < text.size() && text[j] != ' ' && text[j] != '\t' && text[j] != '\r' &&
               text[j] != '\n') {
            if (text[j] == '"') has_quote = true;
            ++j;
        }
        std::string_view tok = text.substr(i, j - i);
        std::size_t at = i;
        i = j;
        if (has_quote) {
            // A phrase's words must be matched as written; count the quotes to know where
            // the phrase ends.
            quoted ^= (std::count(tok.begin(), tok.end(), '"') % 2) == 1;
            continue;
        }
        if (quoted) continue;
        while (!tok.empty() && tok.front() == '(') {
            tok.remove_prefix(1);
            ++at;
        }
        while (!tok.empty() && (tok.back() == ')' || tok.back() == ',' || tok.back() == '.' ||
                                tok.back() == ';' || tok.back() == '!' || tok.back() == '?')) {
            tok.remove_suffix(1);
        }
        if (!ascii_letters(tok)) continue;  // -word, +word, field:value, prefix*, digits
        if (tok == "AND" || tok == "OR" || tok == "NOT" || tok == "XOR") continue;
        out.emplace_back(lower(tok), at);
    }
    return out;
}

TypoPlan plan_typos(const Xapian::Database& db,
                    const idx::TypoDictionary& dict,
                    const idx::TypoDictionary& vocabulary,
                    std::string_view text,
                    BudgetCheck& budget,
                    bool names_too) {
    TypoPlan plan;
    if (dict.empty()) return plan;
    // One cache per thread, as for snippets: a StemCache is 64K slots, too much per search.
    thread_local idx::StemCache stems;
    std::vector<std::pair<std::size_t, std::string>> respelt;  // word at, length -> better
    std::vector<std::size_t> lengths;
    std::vector<std::size_t> fixed;  // the respelt words also corrected in the match
    auto words = typo_words(text);
    if (words.size() > kTypoMaxWords) words.resize(kTypoMaxWords);
    for (const auto& [word, at] : words) {
        if (word.size() < 4) continue;
        // The parser's term for the word (STEM_ALL: every word stemmed, no prefix).
        const std::string term = stems.stem(word);
        const bool present = publicly_has(db, term, budget);
        // A common word is no typo (and is not looked up: the walk costs milliseconds at a
        // million cards): counted in the id, title, tag and description words, and in the
        // whole text. A short word must be rare in both, for many real words are one edit
        // from another (`luke` is one card's word but 115 texts', `tone` 21 texts').
        if (present && vocabulary.docs(word) > kTypoRareDocs) continue;
        const Xapian::doccount in_text =
            present ? public_count(db, term, kTypoCommonInText + 1, budget) : 0;
        if (in_text > (word.size() < kTypoMinLetters ? kTypoRareDocs : kTypoCommonInText)) continue;
        // Nor is a card's own name ("lama" is a dataset, not a misspelt llama).
        const bool a_name =
            present && !names_too && publicly_has(db, std::string(idx::kPrefixName) + word, budget);
        std::vector<idx::TypoMatch> near;
        if (!present) {
            const unsigned max_distance = word.size() >= kTypoTwoEditsLetters ? 2 : 1;
            near = live_nearest(db, dict, stems, word, max_distance, kTypoMaxCorrections, budget);
        } else if (const std::uint32_t in_fields = vocabulary.docs(word); in_fields > 0) {
            // Public cards hold the word, but far fewer than a spelling one edit away
            // (difusion, mistrall): compared on the same fields (the spelling vocabulary).
            const std::uint64_t typed = in_fields;
            near = live_nearest(db, dict, stems, word, 1, kTypoMaxCorrections, budget);
            std::erase_if(near, [&](const idx::TypoMatch& m) {
                return m.docs < kSuggestMinDocs || m.docs < typed * kSuggestRatio;
            });
        } else {
            // Only the text of some cards holds the word, none in its id, title, tags or
            // description (`finacial`: financial is in 7 descriptions but 43 texts; `tunning`
            // is in 11 texts, tuning in 2,139): compared on the whole text, the word's stem
            // against each spelling's. `filme` (Portuguese) is respelt `file` by this rule.
            near = live_nearest(db, dict, stems, word, 1, kTypoMaxCorrections, budget);
            const Xapian::doccount need = std::max<Xapian::doccount>(
                kSuggestMinDocs, std::max<Xapian::doccount>(1, in_text) * kSuggestRatio);
            std::erase_if(near, [&](const idx::TypoMatch& m) {
                return public_count(db, stems.stem(m.word), need, budget) < need;
            });
        }
        // A spelling with the word's own stem changes nothing (transformer, transformers).
        std::erase_if(near, [&](const idx::TypoMatch& m) { return stems.stem(m.word) == term; });
        if (near.empty()) continue;
        if (a_name) {
            plan.held_back = true;
            continue;
        }
        respelt.emplace_back(at, near.front().word);
        lengths.push_back(word.size());
        // Short words are respelt only: too many words are one edit from them.
        if (word.size() < kTypoMinLetters) continue;
        Correction c{word, {}};
        std::vector<std::pair<std::string, std::string>> terms;
        for (const auto& m : near) {
            c.to.push_back(m.word);
            std::string t = stems.stem(m.word);
            if (std::none_of(
                    terms.begin(), terms.end(), [&](const auto& x) { return x.first == t; }))
                terms.emplace_back(std::move(t), m.word);
        }
        plan.terms.emplace_back(term, std::move(terms));
        plan.corrected.push_back(std::move(c));
        fixed.push_back(respelt.size() - 1);
    }
    // The text as typed, the chosen respelt words replaced in place (offsets ascending).
    auto respell = [&](auto&& chosen) {
        std::string out;
        std::size_t from = 0;
        for (std::size_t i = 0; i < respelt.size(); ++i) {
            if (!chosen(i)) continue;
            out.append(text.substr(from, respelt[i].first - from)).append(respelt[i].second);
            from = respelt[i].first + lengths[i];
        }
        out.append(text.substr(from));
        return out;
    };
    if (!respelt.empty()) plan.suggestion = respell([](std::size_t) { return true; });
    if (!fixed.empty()) {
        plan.corrected_text = respell(
            [&](std::size_t i) { return std::find(fixed.begin(), fixed.end(), i) != fixed.end(); });
    }
    return plan;
}

Xapian::Query with_corrections(const Xapian::Query& q,
                               const TypoPlan& plan,
                               const CorrectionQuery& correction) {
    using Q = Xapian::Query;
    if (plan.terms.empty()) return q;
    const auto type = q.get_type();
    if (type == Q::LEAF_TERM) {
        const std::string term = *q.get_terms_begin();
        for (const auto& [typed, corrections] : plan.terms) {
            if (typed != term || corrections.empty()) continue;
            std::vector<Q> each;
            for (const auto& [t, word] : corrections)
                each.push_back(correction ? correction(t, word) : Q(t));
            Q any(Q::OP_OR, each.begin(), each.end());
            return Q(Q::OP_OR, q, Q(Q::OP_SCALE_WEIGHT, any, kTypoCorrectionWeight));
        }
        return q;
    }
    // Only where a word requires or ranks: AND, OR, AND_MAYBE, and the first (positive) part
    // of AND_NOT and FILTER. Phrases, NEAR, wildcards and weight scaling stay as they are.
    std::size_t rewritten = 0;
    if (type == Q::OP_AND || type == Q::OP_OR || type == Q::OP_AND_MAYBE) {
        rewritten = q.get_num_subqueries();
    } else if (type == Q::OP_AND_NOT || type == Q::OP_FILTER) {
        rewritten = 1;
    } else {
        return q;
    }
    std::vector<Q> parts;
    for (std::size_t i = 0; i < q.get_num_subqueries(); ++i) {
        parts.push_back(i < rewritten ? with_corrections(q.get_subquery(i), plan, correction)
                                      : q.get_subquery(i));
    }
    return Q(type, parts.begin(), parts.end());
}

}  // namespace cardex::query
