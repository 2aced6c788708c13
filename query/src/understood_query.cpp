#include "understood_query.h"

#include <algorithm>

#include "cardex/index/schema.h"

namespace cardex::query {

namespace idx = cardex::index;

namespace {

// Query understanding: the weight a card gets for having the facet value a query word names
// ("norwegian" -> language no). Facet terms are boolean (no wdf), so the weight is a
// constant (FixedWeightPostingSource) on the cards that have the term. Tuned with
// `cardex eval` (docs/RELEVANCE.md).
constexpr double kUnderstoodLanguage = 4.0;
// And on a card about the language (kPrefixMainLanguage: it declares at most
// kMaxMainLanguages), over a collection that lists it among dozens: "japanese llm" wants
// Japanese models before mC4. 2 lifts the language class from nDCG@10 0.786 to 0.806 (1:
// 0.800, 3: 0.807 with MRR 0.941 against 0.950; docs/RELEVANCE.md, "A card about the
// language").
constexpr double kUnderstoodMainLanguage = 2.0;
// The language a task name is written in (Understood::implied: "análisis de sentimientos"
// ranks Spanish sentiment cards first): as a named language. Multilingual queries measure
// nDCG@10 0.789 with 4 or 6, 0.787 with 2 (docs/RELEVANCE.md, "Task names in other
// languages").
constexpr double kUnderstoodWrittenIn = 4.0;
constexpr double kUnderstoodTask = 4.0;
// A license word no longer narrows the match (understood_match), so its boost is what
// puts the license's cards first: 2, as a card type (1 to 4 move two queries of the set:
// "mit license english text classification" 0.732 to 0.812, "german summarization apache"
// 0.621 to 0.580).
constexpr double kUnderstoodLicense = 2.0;
constexpr double kUnderstoodType = 2.0;  // "dataset", "model", "llm"
// A query that is an author's name: 3 lifts org queries from nDCG@10 0.790 to 0.909 and
// changes no other query of the judged set (1: 0.882, 5: 0.924 with single words too;
// docs/RELEVANCE.md, "Authors named by the query").
constexpr double kUnderstoodAuthor = 3.0;

// A word split where letters meet digits: "llama3" -> llama, 3; "gpt4o" -> gpt, 4, o. None
// when the word is all letters or all digits.
std::vector<std::string> letter_digit_parts(const std::string& word) {
    std::vector<std::string> parts;
    auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    std::size_t from = 0;
    for (std::size_t i = 1; i <= word.size(); ++i) {
        if (i == word.size() || is_digit(word[i]) != is_digit(word[i - 1])) {
            parts.push_back(word.substr(from, i - from));
            from = i;
        }
    }
    if (parts.size() < 2) parts.clear();
    return parts;
}

}  // namespace

std::vector<std::vector<std::string>> id_word_alternatives(const std::vector<std::string>& words) {
    std::vector<std::vector<std::string>> out;
    if (words.empty() || words.size() > kMaxIdWords) return out;
    // One word only when it splits: its own id word alone would lift every card that has
    // it in its id over the cards about it ("summarization").
    if (words.size() == 1 && letter_digit_parts(words[0]).empty()) return out;
    const std::string prefix(idx::kPrefixIdToken);
    auto add = [&](std::vector<std::string> terms) {
        std::sort(terms.begin(), terms.end());
        terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
        if (std::find(out.begin(), out.end(), terms) == out.end()) out.push_back(std::move(terms));
    };
    std::vector<std::string> all;
    for (const auto& w : words) all.push_back(prefix + w);
    add(all);
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
        std::vector<std::string> joined;
        for (std::size_t j = 0; j < words.size(); ++j) {
            if (j == i + 1) continue;
            joined.push_back(prefix + (j == i ? words[i] + words[i + 1] : words[j]));
        }
        add(std::move(joined));
    }
    for (std::size_t i = 0; i < words.size(); ++i) {
        const auto parts = letter_digit_parts(words[i]);
        if (parts.empty()) continue;
        std::vector<std::string> split;
        for (std::size_t j = 0; j < words.size(); ++j) {
            if (j != i) split.push_back(prefix + words[j]);
        }
        for (const auto& part : parts) split.push_back(prefix + part);
        add(std::move(split));
    }
    return out;
}

Xapian::Query id_words_boost(const std::vector<std::vector<std::string>>& alternatives,
                             double weight) {
    std::vector<Xapian::Query> any;
    for (const auto& terms : alternatives) {
        any.emplace_back(Xapian::Query::OP_AND, terms.begin(), terms.end());
    }
    if (any.empty()) return Xapian::Query();
    auto* fixed = new Xapian::FixedWeightPostingSource(weight);
    return Xapian::Query(Xapian::Query::OP_FILTER,
                         Xapian::Query(fixed->release()),
                         Xapian::Query(Xapian::Query::OP_OR, any.begin(), any.end()));
}

// Words of the free text that name a language, task, license or reuse class: each named
// facet value adds a constant weight to the cards that have it (inside AND_MAYBE, so the
// match set is unchanged: a boost, never a filter). The terms and weights go to `terms`
// (Hit::explain reads them).
Xapian::Query understood_boost(const std::vector<Understood>& understood,
                               std::vector<std::pair<std::string, double>>& terms) {
    std::vector<Xapian::Query> parts;
    for (const auto& u : understood) {
        const std::string term = idx::facet_term(u.facet, u.value);
        if (std::any_of(terms.begin(), terms.end(), [&](const auto& t) { return t.first == term; }))
            continue;
        double weight = kUnderstoodLicense;
        if (u.facet == idx::Facet::Language) {
            weight = u.implied ? kUnderstoodWrittenIn : kUnderstoodLanguage;
        }
        if (u.facet == idx::Facet::Task) weight = kUnderstoodTask;
        if (u.facet == idx::Facet::Type) weight = kUnderstoodType;
        if (u.facet == idx::Facet::Author) weight = kUnderstoodAuthor;
        auto add = [&](std::string t, double w) {
            auto* fixed = new Xapian::FixedWeightPostingSource(w);
            parts.emplace_back(
                Xapian::Query::OP_FILTER, Xapian::Query(fixed->release()), Xapian::Query(t));
            terms.emplace_back(std::move(t), w);
        };
        add(term, weight);
        // An index of format 14 has no such terms: every card then gets the same boost.
        if (u.facet == idx::Facet::Language) {
            add(idx::term(idx::kPrefixMainLanguage, idx::facet_key(u.facet, u.value)),
                kUnderstoodMainLanguage);
        }
    }
    if (parts.empty()) return Xapian::Query();
    return Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
}

// A plain query that is, whole, the name of an author of the index: "qwen", "eleutherai",
// "meta llama" or "meta-llama" (meta-llama), "eleuther ai" (EleutherAI). Understood as that
// author (a boost, and a chip on the page), named as the author's cards write it. Only the
// whole query: on the Hub many common words are some account's name ("music", "bert"), and a
// word of a longer query would lift that account's cards above the topic's. Cost: two term
// lookups, and one card's term list when the author exists.
std::optional<Understood> understood_author(const Xapian::Database& db, std::string_view text) {
    const auto words = Dictionaries::words(text);
    if (words.empty() || text.size() > 96) return std::nullopt;
    std::string dashed, joined;
    for (const auto& w : words) {
        dashed.append(dashed.empty() ? "" : "-").append(w);
        joined.append(w);
    }
    for (const std::string* name : {&dashed, &joined}) {
        const std::string term = idx::facet_term(idx::Facet::Author, *name);
        auto post = db.postlist_begin(term);
        if (post == db.postlist_end(term)) continue;
        // The name as written (AuthorExact keeps its case): "EleutherAI", not "eleutherai".
        std::string value = *name;
        const std::string exact_prefix(idx::facet_info(idx::Facet::AuthorExact).prefix);
        auto t = db.termlist_begin(*post);
        t.skip_to(exact_prefix);
        const std::string found = t != db.termlist_end(*post) ? *t : std::string();
        if (found.compare(0, exact_prefix.size(), exact_prefix) == 0) {
            const std::string_view exact = idx::facet_value(idx::Facet::AuthorExact, found);
            if (idx::facet_key(idx::Facet::Author, exact) == *name) value = std::string(exact);
        }
        std::string phrase;
        for (const auto& w : words) phrase.append(phrase.empty() ? "" : " ").append(w);
        return Understood{idx::Facet::Author, std::move(value), std::move(phrase), 0, words.size()};
    }
    return std::nullopt;
}

// The match of plain text with understood phrases: each phrase matches by its words OR by
// the facet values it names; other words match as the parser would parse them alone. A
// phrase that names only a license or a reuse class ("apache", "non commercial") is
// optional when other words remain: "german summarization apache" asks for German
// summarization cards, Apache-licensed first (the boost), not for those alone (the language
// class: nDCG@10 0.810 to 0.817, "german summarization apache" 0.171 to 0.621;
// docs/RELEVANCE.md, "A card about the language, "llm", license words"). Not when the other
// words only name a card type: "apache model" asks for Apache models. A card type stays
// required: "... dataset" keeps the models out, which measured no worse. The language a task
// name is written in (Understood::implied) is no alternative: "analyse de sentiments" asks
// for sentiment cards, the French first, not for every French card.
Xapian::Query understood_match(Xapian::QueryParser& qp,
                               std::string_view text,
                               const std::vector<Understood>& understood,
                               unsigned flags) {
    const auto words = Dictionaries::words(text);
    std::vector<Xapian::Query> parts, optional;
    bool only_types = true;  // every required part names a card type
    for (std::size_t i = 0; i < words.size();) {
        std::vector<Xapian::Query> alternatives;
        std::size_t span = 1;
        bool only_license = true;
        bool only_type = true;
        for (const auto& u : understood) {
            // The language a task name is written in ranks; it matches nothing by itself.
            if (u.first_word != i || u.implied) continue;
            if (alternatives.empty()) alternatives.push_back(qp.parse_query(u.phrase, flags));
            alternatives.emplace_back(idx::facet_term(u.facet, u.value));
            span = u.words;
            only_license =
                only_license && (u.facet == idx::Facet::License || u.facet == idx::Facet::Reuse);
            only_type = only_type && u.facet == idx::Facet::Type;
        }
        Xapian::Query part =
            alternatives.empty()
                ? qp.parse_query(words[i], flags)
                : Xapian::Query(Xapian::Query::OP_OR, alternatives.begin(), alternatives.end());
        if (!part.empty()) {
            const bool is_optional = !alternatives.empty() && only_license;
            if (!is_optional) only_types = only_types && !alternatives.empty() && only_type;
            (is_optional ? optional : parts).push_back(std::move(part));
        }
        i += span;
    }
    // "apache" alone, or "apache model": the license is what the query asks for.
    if (only_types) {
        parts.insert(parts.end(), optional.begin(), optional.end());
        optional.clear();
    }
    if (parts.empty()) return Xapian::Query::MatchNothing;
    Xapian::Query all(Xapian::Query::OP_AND, parts.begin(), parts.end());
    if (optional.empty()) return all;
    return Xapian::Query(Xapian::Query::OP_AND_MAYBE,
                         all,
                         Xapian::Query(Xapian::Query::OP_OR, optional.begin(), optional.end()));
}

}  // namespace cardex::query
