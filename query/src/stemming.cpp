#include "stemming.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "cardex/index/schema.h"
#include "cardex/index/text.h"
#include "query_tree.h"
#include "term_freqs.h"
#include "understand.h"

namespace cardex::query {

namespace idx = cardex::index;

namespace {

// The stemmers of every stem language, made once per thread (a Xapian::Stem is not safe to
// share between threads), in the order of stem_languages().
const std::vector<Xapian::Stem>& stemmers() {
    thread_local const std::vector<Xapian::Stem> all = [] {
        std::vector<Xapian::Stem> out;
        for (const auto& l : idx::stem_languages()) out.emplace_back(std::string(l.stemmer));
        return out;
    }();
    return all;
}

}  // namespace

struct LanguageStems::Context {
    const Xapian::Database& db;
    TermFreqs freqs;  // each term asked of db once (over shards, in batches)
    // English stem (as the parser made it) -> the query words it came from.
    std::unordered_map<std::string, std::vector<std::string>> words;
    struct Language {
        const idx::StemLanguage* language;
        const Xapian::Stem* stemmer;
        std::string filter;  // its language facet term ("Lde")
        bool named;
    };
    std::vector<Language> languages;
    std::vector<LanguageStemSet>& used;
    std::vector<Xapian::Query> boosts;
    std::size_t expanded = 0;

    void record(std::string_view code, const std::string& stem) {
        auto it = std::find_if(
            used.begin(), used.end(), [&](const LanguageStemSet& s) { return s.code == code; });
        if (it == used.end()) it = used.insert(used.end(), LanguageStemSet{std::string(code), {}});
        it->stems.insert(stem);
    }

    // The terms expand_term looks up for `term` and the words that made it.
    void candidates(const std::string& term,
                    const std::vector<std::string>& typed,
                    std::vector<std::string>& out) const;
    Xapian::Query expand_leaf(const Xapian::Query& leaf);
    // `leaf`'s stems in every language, of `typed` (the words that made it), their boost
    // scaled by `weight`.
    Xapian::Query expand_term(const Xapian::Query& leaf,
                              const std::vector<std::string>& typed,
                              double weight);
    Xapian::Query expand(const Xapian::Query& q);
};

void LanguageStems::Context::candidates(const std::string& term,
                                        const std::vector<std::string>& typed,
                                        std::vector<std::string>& out) const {
    out.push_back(term);
    for (const auto& word : typed) {
        if (word.size() <= 2) continue;
        for (const auto& l : languages) {
            std::string stem = (*l.stemmer)(word);
            out.push_back(idx::language_stem_term(l.language->code, stem));
            if (stem != term) out.push_back(std::move(stem));
        }
    }
}

Xapian::Query LanguageStems::Context::expand_leaf(const Xapian::Query& leaf) {
    const std::string term = *leaf.get_unique_terms_begin();
    // Prefixed terms (title:, facets, exact names) are not words of a language.
    if (term.empty() || (term[0] >= 'A' && term[0] <= 'Z')) return leaf;
    const auto found = words.find(term);
    if (found == words.end()) return leaf;
    return expand_term(leaf, found->second, 1.0);
}

Xapian::Query LanguageStems::Context::expand_term(const Xapian::Query& leaf,
                                                  const std::vector<std::string>& typed,
                                                  double weight) {
    Context& c = *this;
    const std::string term = *leaf.get_unique_terms_begin();
    // The language stems of the word, of named languages and of the others apart.
    std::vector<Xapian::Query> named{leaf}, others{leaf};
    // An unprefixed stem shared by several languages (`referenc`: Catalan, Danish, German
    // and ten more) is one FILTER over their language terms together, not one a language:
    // the same cards, and no weight either way (the FILTER's right side weighs nothing and
    // the stems are scaled to 0 below), with one intersection instead of a dozen. A
    // dozen small array intersections a word, per match set and again per ranking plan,
    // were a third of a three-word query's time at 1M cards (docs/PERFORMANCE.md).
    struct StemLanguages {
        std::string stem;
        bool named = false;
        std::vector<Xapian::Query> filters;
    };
    std::vector<StemLanguages> stem_languages;
    std::unordered_set<std::string> seen;
    Xapian::doccount forms = c.freqs.get(term);  // cards with one of the word's forms
    for (const auto& word : typed) {
        if (word.size() <= 2) continue;  // as the index: short tokens are not stemmed
        for (const auto& l : c.languages) {
            const std::string stem = (*l.stemmer)(word);
            auto& alternatives = l.named ? named : others;
            std::string prefixed = idx::language_stem_term(l.language->code, stem);
            const Xapian::doccount prefixed_freq = c.freqs.get(prefixed);
            if (prefixed_freq > 0 && seen.insert(prefixed).second) {
                forms += prefixed_freq;
                alternatives.emplace_back(prefixed);
                c.record(l.language->code, stem);
            }
            // Where the language's stem of a card word equals its English stem, the card
            // has only the unprefixed term: "Zeitungen" finds a German card writing
            // "Zeitung" through `zeitung` on German cards.
            if (stem == term) continue;
            const Xapian::doccount stem_freq = c.freqs.get(stem);
            if (stem_freq == 0) continue;
            if (!seen.insert(stem + '\n' + std::string(l.language->code)).second) continue;
            forms += stem_freq;  // all its cards: an upper bound
            auto group =
                std::find_if(stem_languages.begin(), stem_languages.end(), [&](const auto& g) {
                    return g.stem == stem && g.named == l.named;
                });
            if (group == stem_languages.end())
                group = stem_languages.insert(stem_languages.end(), {stem, l.named, {}});
            group->filters.emplace_back(l.filter);
            c.record(l.language->code, stem);
        }
    }
    for (const auto& g : stem_languages) {
        (g.named ? named : others)
            .emplace_back(
                Xapian::Query::OP_FILTER,
                Xapian::Query(g.stem),
                g.filters.size() == 1
                    ? g.filters.front()
                    : Xapian::Query(Xapian::Query::OP_OR, g.filters.begin(), g.filters.end()));
    }
    if (named.size() == 1 && others.size() == 1) return leaf;
    ++c.expanded;
    // A card holding the English term weighs exactly what it weighed without language
    // stems: the language forms match, and weigh, only on cards without it. They weigh a
    // constant, the BM25 weight (Xapian's defaults k1 = 1, b = 0.5) of one occurrence in a
    // card of average length, with the IDF of the word's forms together: not the high IDF
    // of a rare language stem, which put German cards above English ones for English words
    // (docs/RELEVANCE.md), and no wdf, which would have lengthened the cards that have them.
    std::vector<Xapian::Query> all{leaf};
    all.insert(all.end(), named.begin() + 1, named.end());
    all.insert(all.end(), others.begin() + 1, others.end());
    const double n = std::min<double>(forms, c.db.get_doccount());
    const double idf =
        std::max(0.1, std::log((static_cast<double>(c.db.get_doccount()) - n + 0.5) / (n + 0.5)));
    auto without_leaf = [&](const std::vector<Xapian::Query>& alternatives) {
        Xapian::Query any(Xapian::Query::OP_OR, alternatives.begin() + 1, alternatives.end());
        return Xapian::Query(Xapian::Query::OP_AND_NOT, any, leaf);
    };
    auto add_boost = [&](const std::vector<Xapian::Query>& alternatives, double share) {
        if (alternatives.size() == 1) return;
        auto* fixed = new Xapian::FixedWeightPostingSource(idf * share * weight);
        c.boosts.emplace_back(
            Xapian::Query::OP_FILTER, Xapian::Query(fixed->release()), without_leaf(alternatives));
    };
    add_boost(named, 1.0);
    add_boost(others, kOtherLanguageStemWeight);
    // Scaled to 0: the unprefixed stems of FILTER(stem, L<code>) carry BM25 weight; the
    // boost above is the whole of what a language form adds.
    return Xapian::Query(Xapian::Query::OP_OR,
                         leaf,
                         Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, without_leaf(all), 0.0));
}

Xapian::Query LanguageStems::Context::expand(const Xapian::Query& q) {
    using Q = Xapian::Query;
    Context& c = *this;
    if (q.get_type() == Q::LEAF_TERM) return expand_leaf(q);
    // Rebuilt with their parts expanded. Phrases and NEAR stay as they are (positions are of
    // English terms only), and so do synonyms, wildcards and scaled parts (query_tree.h).
    if (!rebuildable(q.get_type())) return q;
    const std::size_t before = c.expanded;
    std::vector<Q> parts;
    for (std::size_t i = 0; i < q.get_num_subqueries(); ++i)
        parts.push_back(expand(q.get_subquery(i)));
    if (c.expanded == before) return q;
    return Q(q.get_type(), parts.begin(), parts.end());
}

std::vector<std::string> named_stem_languages(const std::vector<Understood>& understood,
                                              const SearchRequest& req) {
    std::vector<std::string> out;
    auto add = [&](std::string_view code) {
        const idx::StemLanguage* l = idx::stem_language(code);
        if (l == nullptr) return;
        if (std::find(out.begin(), out.end(), l->code) == out.end()) out.emplace_back(l->code);
    };
    for (const auto& u : understood) {
        if (u.facet == idx::Facet::Language) add(u.value);
    }
    for (const auto& f : req.filters) {
        if (idx::facet_by_name(f.facet) != idx::Facet::Language) continue;
        for (const auto& v : f.values) add(v);
    }
    return out;
}

LanguageStems::LanguageStems(const Xapian::Database& db,
                             const std::vector<std::string>& named,
                             std::vector<LanguageStemSet>& used,
                             bool batch,
                             TermSets* revision)
    : c_(std::make_unique<Context>(Context{db, TermFreqs(db, batch, revision), {}, {}, used, {}})) {
    const auto& all = idx::stem_languages();
    std::vector<std::string> filters;
    for (const auto& l : all) filters.push_back(idx::facet_term(idx::Facet::Language, l.code));
    c_->freqs.prefetch(filters);
    for (std::size_t i = 0; i < all.size(); ++i) {
        std::string& filter = filters[i];
        // Languages no card of this database declares cannot match: skipped for one lookup.
        if (c_->freqs.get(filter) == 0) continue;
        const bool is_named = std::find(named.begin(), named.end(), all[i].code) != named.end();
        c_->languages.push_back({&all[i], &stemmers()[i], std::move(filter), is_named});
    }
}

LanguageStems::~LanguageStems() = default;

Xapian::Query LanguageStems::expand(const Xapian::Query& q, std::string_view text) {
    if (c_->languages.empty()) return q;
    // Small: a query has at most 64 words (the 64K-slot default costs 4.7 MB a thread).
    thread_local idx::StemCache english("english", 256);
    c_->words.clear();
    idx::tokenize(text, [&](std::string_view token, std::size_t) {
        auto& words = c_->words[english.stem(token)];
        if (std::find(words.begin(), words.end(), token) == words.end()) words.emplace_back(token);
    });
    std::vector<std::string> lookups;
    for (const auto& [term, typed] : c_->words) c_->candidates(term, typed, lookups);
    c_->freqs.prefetch(lookups);
    return c_->expand(q);
}

Xapian::Query LanguageStems::expand_word(const std::string& term,
                                         const std::string& word,
                                         double weight) {
    if (c_->languages.empty()) return Xapian::Query(term);
    std::vector<std::string> lookups;
    c_->candidates(term, {word}, lookups);
    c_->freqs.prefetch(lookups);
    return c_->expand_term(Xapian::Query(term), {word}, weight);
}

Xapian::Query LanguageStems::boost() const {
    if (c_->boosts.empty()) return Xapian::Query();
    return Xapian::Query(Xapian::Query::OP_OR, c_->boosts.begin(), c_->boosts.end());
}

StemmedQuery with_language_stems(const Xapian::Database& db,
                                 const Xapian::Query& q,
                                 std::string_view text,
                                 const std::vector<std::string>& named,
                                 std::vector<LanguageStemSet>& used,
                                 bool batch,
                                 TermSets* revision) {
    LanguageStems stems(db, named, used, batch, revision);
    Xapian::Query expanded = stems.expand(q, text);
    return {std::move(expanded), stems.boost()};
}

}  // namespace cardex::query
