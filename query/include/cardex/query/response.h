#pragma once
// What a search returns. Plain value types; no Xapian type appears here.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cardex/index/card.h"

namespace cardex::index {
class Vocabulary;  // cardex/index/vocabulary.h
}

namespace cardex::query {

/// How deep "the whole tree" of a model goes: derived counts take the models built on it,
/// the models built on those, and so on down to this many generations (the Hub's trees of
/// fine-tunes of quantizations of merges are rarely deeper than four).
inline constexpr unsigned kLineageDepth = 8;

/// What is built on one model: model cards naming it as a base model (`base_model:`), and
/// every model card below it in the tree of base models, each counted once, down to
/// kLineageDepth generations. Counted over the cards the caller may see.
struct DerivedCounts {
    std::uint64_t direct = 0;
    std::uint64_t total = 0;
    bool truncated = false;  ///< the tree goes on below kLineageDepth: `total` stops there
};

/// A hit's relevance score in parts (SearchRequest::explain); they add up to Hit::score.
struct ScoreParts {
    double text = 0;        ///< BM25 over the weighted fields (id, title, tags, text)
    /// the exact id or name boost (the query names the card), and the id-words boost (the
    /// card's id holds every word of the query: "llama 3" and Meta-Llama-3-8B)
    double exact = 0;
    double understood = 0;  ///< facet values the query's words name (UnderstoodPhrase)
    double prior = 0;       ///< popularity (downloads), times the request's prior weight
    /// The second stage: query words next to each other in the card (adjacent pairs held as
    /// phrases, among the first stage's top hits; query/src/proximity.h)
    double proximity = 0;
    /// The second stage: the card's documentation (its quality score, index/quality.h) among
    /// the first stage's top hits, times the request's prior weight (query/src/proximity.h)
    double documentation = 0;
};

struct Hit {
    index::Card card;     ///< the stored summary (body holds the snippet source text)
    double score = 0;     ///< relevance weight (0 for non-relevance sorts)
    std::string snippet;  ///< plain text with matched words wrapped in <mark>...</mark>;
                          ///< every other character HTML-escaped
    /// Models built on this one (SearchRequest::derived_counts; model hits only).
    std::optional<DerivedCounts> derived;
    /// The score's parts (SearchRequest::explain; relevance ranking only).
    std::optional<ScoreParts> explain{};
};

struct FacetValue {
    std::string value;
    std::uint64_t count = 0;
    /// The counts of the child facet's values under this one (FacetRequest::children),
    /// largest first: the tasks of a modality.
    std::vector<FacetValue> children{};
};

struct FacetResult {
    std::string facet;
    std::vector<FacetValue> values;  ///< largest counts first, ties by value
    std::string children{};          ///< the child facet counted under each value, or empty
};

/// How one filter value was read (SearchRequest::understand_filters).
struct UnderstoodFilter {
    std::string facet;  ///< as requested
    std::string value;  ///< as given
    bool excluded = false;
    /// The indexed values it filtered on ("de"; "auto" and "manual" for gated "true").
    /// Empty when unknown.
    std::vector<std::string> understood;
    /// The facet's values are a closed set (its vocabulary) that does not hold the value:
    /// no card can match it. `message` says why, for people.
    bool unknown = false;
    std::string message;
};

/// Words of the query text that name a facet value ("norwegian" -> language `no`): the
/// ranking favours cards with that value and the words also match through it. A client can
/// offer each as a filter.
struct UnderstoodPhrase {
    std::string
        text;  ///< the query's words, lower-cased and space-joined ("named entity recognition")
    std::string facet;  ///< language, task, license, reuse, type, or author (a query that
                        ///< is, whole, an author's name: "meta llama")
    std::string value;  ///< the facet value ("no", "token-classification"; an author as
                        ///< their cards write it: "meta-llama", "EleutherAI")
    /// A language the words are written in rather than name: "análisis de sentimientos"
    /// names the task text-classification and is written in Spanish (`es`). It ranks the
    /// language's cards first; the words do not match through it.
    bool implied = false;
};

/// A query word typo tolerance corrected: it matched as typed and as each word of `to`,
/// ranked below an exact match (docs/RELEVANCE.md, "Typos").
struct Correction {
    std::string from;             ///< the word as typed, lower-cased
    std::vector<std::string> to;  ///< the words it also matched, most common first
};

struct SearchResponse {
    /// The number of matching cards: exact, unless `total_exact` is false.
    std::uint64_t total = 0;
    /// False when a phrase was checked on part of its candidates only
    /// (SearchRequest::phrase_check_limit): `total` and the facet counts then count the
    /// matches among those candidates, a lower bound of the real figures ("gte").
    bool total_exact = true;
    /// `total` when exact; else `total` scaled by the share of the candidates checked (the
    /// phrase assumed as frequent among the others), never below `total`.
    std::uint64_t total_estimate = 0;
    /// False when the facet counts are lower bounds: always when `total_exact` is false, and
    /// when a selective filter kept the total exact but the cards only a filtered facet's
    /// disjunctive counts need were checked in part (phrases, as for `total_exact`).
    bool counts_exact = true;
    std::vector<Hit> hits;
    std::vector<FacetResult> facets;
    std::string next_cursor;  ///< empty on the last page
    std::string suggestion;   ///< "did you mean" text, empty if none
    /// The words typo tolerance corrected in the match (empty when none was).
    std::vector<Correction> corrected;
    /// The query's last words left out, in query order, because no card the caller may see
    /// holds every word (Meilisearch's "last" matching strategy): the hits hold the others.
    /// Empty when every word is required, as it is whenever anything matches them all.
    std::vector<std::string> dropped;
    double took_ms = 0;
    /// Where took_ms went, phase by phase (milliseconds of wall time).
    struct Timings {
        double parse_ms = 0;    ///< the request read: vocabulary, filters, query parsed
        double typo_ms = 0;     ///< of parse_ms: typo tolerance (query words looked up)
        double match_ms = 0;    ///< the text match set (or a listing's candidates)
        double count_ms = 0;    ///< the pass: filters, visibility, exact total, facet counts
        double rank_ms = 0;     ///< the page chosen: Xapian's ranking, or the sort
        double hits_ms = 0;     ///< the page's summaries decoded, snippets made
        double suggest_ms = 0;  ///< "did you mean" (the fallback on few matches)
        /// Cards whose required phrases were checked on the index's position store
        /// (index/positions.h), and through Xapian's position lists one card at a time
        /// (cards the store does not cover: written since the reindex, or no store).
        /// Xapian's matcher checks the others, when there is no store.
        std::uint64_t phrase_store_cards = 0;
        std::uint64_t phrase_xapian_cards = 0;
        /// Cards of the store ruled out by its pair filter without reading their positions
        /// (index/pairs.h): their block lacks an adjacent pair of the phrase's words.
        std::uint64_t phrase_pair_rejects = 0;
        /// Documents a relevance ranking weighed outside Xapian's matcher to choose its
        /// first page (query/src/score_plan.h), and of them those whose weight could enter
        /// the page and that were accepted (visible; past a phrase's checked prefix, holding
        /// the phrase); both 0 when Xapian's matcher ranked alone.
        std::uint64_t rank_scored = 0;
        std::uint64_t rank_accepted = 0;
    } timings;
    /// What the query text's words were understood to name, in query order (empty for plain
    /// BM25 and for text with quotes, operators or field:value).
    std::vector<UnderstoodPhrase> understood;
    /// With SearchRequest::understand_filters: every filter value, in request order.
    std::vector<UnderstoodFilter> filters;
    /// The vocabulary of the index that answered (display names of facet values, the
    /// macrolanguage of a language) when the request read through it (understand_filters or
    /// text), else the empty one (Searcher::vocabulary() has it always). Never null;
    /// immutable, share it freely.
    std::shared_ptr<const index::Vocabulary> vocabulary;
};

/// A stretch of the deletion records (index/history.h), in key order ("type/id").
struct DeletedScan {
    std::vector<index::Tombstone> items;  ///< those the caller may see
    std::string last;                     ///< the last key read: resume after it
    bool end = false;                     ///< no records after `last`
};

}  // namespace cardex::query
