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
constexpr double kUnderstoodTask = 4.0;
constexpr double kUnderstoodLicense = 1.0;  // no measurable effect on the set: kept small
constexpr double kUnderstoodType = 2.0;     // "dataset", "model"
// A query that is an author's name: 3 lifts org queries from nDCG@10 0.790 to 0.909 and
// changes no other query of the judged set (1: 0.882, 5: 0.924 with single words too;
// docs/RELEVANCE.md, "Authors named by the query").
constexpr double kUnderstoodAuthor = 3.0;

}  // namespace

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
        if (u.facet == idx::Facet::Language) weight = kUnderstoodLanguage;
        if (u.facet == idx::Facet::Task) weight = kUnderstoodTask;
        if (u.facet == idx::Facet::Type) weight = kUnderstoodType;
        if (u.facet == idx::Facet::Author) weight = kUnderstoodAuthor;
        terms.emplace_back(term, weight);
        auto* fixed = new Xapian::FixedWeightPostingSource(weight);
        parts.emplace_back(
            Xapian::Query::OP_FILTER, Xapian::Query(fixed->release()), Xapian::Query(term));
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
// the facet values it names; other words match as the parser would parse them alone.
Xapian::Query understood_match(Xapian::QueryParser& qp,
                               std::string_view text,
                               const std::vector<Understood>& understood,
                               unsigned flags) {
    const auto words = Dictionaries::words(text);
    std::vector<Xapian::Query> parts;
    auto add = [&](Xapian::Query part) {
        if (!part.empty()) parts.push_back(std::move(part));
    };
    for (std::size_t i = 0; i < words.size();) {
        std::vector<Xapian::Query> alternatives;
        std::size_t span = 1;
        for (const auto& u : understood) {
            if (u.first_word != i) continue;
            if (alternatives.empty()) alternatives.push_back(qp.parse_query(u.phrase, flags));
            alternatives.emplace_back(idx::facet_term(u.facet, u.value));
            span = u.words;
        }
        if (alternatives.empty()) {
            add(qp.parse_query(words[i], flags));
        } else {
            add(Xapian::Query(Xapian::Query::OP_OR, alternatives.begin(), alternatives.end()));
        }
        i += span;
    }
    if (parts.empty()) return Xapian::Query::MatchNothing;
    return Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
}

}  // namespace cardex::query
