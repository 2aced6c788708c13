#pragma once
// What a search asks for. Plain value types; no Xapian type appears here.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cardex::query {

/// `Key`: by the hash of each card's key (index/history.h), an order no reindex changes;
/// for harvesters, which page with a range on `key_hash` instead of a cursor. parse_sort
/// does not offer it. `Quality`: by documentation quality score, then downloads
/// (index/quality.h); cards never assessed come last.
enum class Sort : std::uint8_t {
    Relevance,
    Downloads,
    Likes,
    Trending,
    Created,
    Modified,
    Key,
    Quality,
};

/// Parses "relevance", "downloads", "likes", "trending" (or "trendingScore"), "created"
/// ("createdAt"), "modified" ("lastModified"), "quality".
std::optional<Sort> parse_sort(std::string_view text) noexcept;
const char* sort_name(Sort sort) noexcept;

/// Filter on one facet: a card matches if it has any of `values` (OR), and none of
/// `excluded`. Different facets are AND-ed. Facet names are those of the index schema:
/// type, task, modality, language, license, reuse, author, library, gated, base_model,
/// dataset, tag, size_category, doi, arxiv, pipeline_tag, quality; and tag_exact,
/// author_exact, whose values match with case (the Hub API's filter and author), as
/// pipeline_tag's do. One facet is conjunctive (index::FacetInfo::conjunctive): `has`, the
/// documentation criteria a card meets, whose values are AND-ed (a card must meet each) and
/// whose counts are of the cards that pass every filter.
struct FacetFilter {
    std::string facet;
    std::vector<std::string> values;
    std::vector<std::string> excluded;
};

/// Inclusive numeric range on downloads, likes, trending, created or modified (Unix seconds
/// for dates), num_parameters (-1 where unknown: give a minimum of 0 to leave those out),
/// datestamp (when cardex last changed the record) or key_hash (index/history.h). Either
/// bound may be absent.
struct RangeFilter {
    std::string field;
    std::optional<double> min;
    std::optional<double> max;
};

struct FacetRequest {
    std::string facet;
    std::size_t top = 10;  ///< how many values, largest counts first
    /// Every value, `top` ignored and kMaxFacetTop not applied: for a server's own lists that
    /// page the values themselves (OAI-PMH ListSets), never set from a request parameter.
    /// Counting costs the same as with a `top`; the answer grows with the facet's values.
    bool all_values = false;
    /// A facet whose values sit under this one's in the vocabulary's hierarchy, counted per
    /// value of `facet` (FacetValue::children): "task" under "modality" (each task's
    /// modality, data/tables/tasks.tsv), "license" under "reuse" (each license's reuse
    /// class). Empty: a flat facet. Any other pair is InvalidArgument (hierarchy_of).
    /// Cost: the child facet is counted as well, over all its values.
    std::string children{};
    std::size_t children_top = 10;  ///< how many child values per value, largest first
};

/// What one request may spend. A call that runs past `deadline`, or whose `cancelled` flag
/// is set (its client went away), stops where it is and answers DeadlineExceeded; the check
/// runs inside every loop the request's size decides, Xapian's matcher included. Not owned:
/// `cancelled` must outlive the call; another thread may set it.
struct Budget {
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    const std::atomic<bool>* cancelled = nullptr;
};

/// Limits on what one request may ask for (ResourceExhausted past them, naming the limit).
inline constexpr std::size_t kMaxQueryWords = 64;       ///< words and terms in `text`
inline constexpr std::size_t kMaxWildcards = 16;        ///< prefix* terms in `text`
inline constexpr unsigned kMaxWildcardExpansion = 1000; ///< terms all prefix* expand to, in all
inline constexpr std::size_t kMaxFilterValues = 256;    ///< values and exclusions, all filters
inline constexpr std::size_t kMaxFacets = 20;           ///< facets counted per request
inline constexpr std::size_t kMaxFacetTop = 1000;       ///< values per counted facet

struct SearchRequest {
    /// Free text in Xapian's query syntax: words, "phrases", AND/OR/NOT, prefix*, and
    /// field:value for author, task, language, license, tag, library, base_model, dataset,
    /// doi, title. Empty: every card (a listing).
    std::string text;
    std::vector<FacetFilter> filters;
    std::vector<RangeFilter> ranges;
    std::optional<Sort> sort;       ///< default: relevance with text, downloads without
    std::size_t offset = 0;
    std::size_t limit = 20;         ///< at most kMaxLimit
    std::string cursor;             ///< opaque, from a previous response; overrides offset
    std::vector<FacetRequest> facets;
    bool snippets = true;           ///< highlighted snippet per hit
    /// Namespaces whose private cards this caller may see; `all_private` for admins.
    std::vector<std::string> private_namespaces;
    bool all_private = false;
    /// Only match the repo id (the Hub listing API's `search` meaning).
    bool id_only = false;
    /// Rank by plain BM25 over the weighted fields: no popularity prior, no exact-match
    /// boost, no query understanding. The baseline `cardex eval --baseline` measures against.
    bool plain_bm25 = false;
    /// The weight of the popularity prior in relevance ranking, 0 (none) to kMaxPriorWeight;
    /// unset: kDefaultPriorWeight. InvalidArgument outside that range. Part of the cursor's
    /// query: a page and its next page rank alike.
    std::optional<double> prior_weight;
    /// Fill Hit::explain: each hit's score split into its parts. Cost: a few term lookups
    /// per hit.
    bool explain = false;
    /// Rank every match (no early termination of the ranking): the same top page, slower.
    /// For the equivalence tests and benchmarks of the pruned ranking.
    bool exhaustive = false;
    /// A query whose required phrases' words are all held by more cards than this (after
    /// the filters) checks the phrase on the first this many of them only, in docid order
    /// (the most downloaded first, in a reindexed index): the total and facet counts are
    /// then lower bounds (SearchResponse::total_exact false), as Elasticsearch's
    /// `track_total_hits`; the page stays exact. 0: check every card (exact totals, at
    /// about 0.1 µs a card on the index's position store, 0.5 through Xapian's matcher
    /// when it has none). `exhaustive` implies 0 (and Xapian's own phrase matching: the
    /// reference the tests compare with). Cost otherwise: at most about 0.5 µs × this per
    /// query for the positions (0.1 on the store).
    std::size_t phrase_check_limit = 25'000;
    /// Read filter values through the index's vocabulary, as cards were normalized:
    /// language "German", "deu" or "de-DE" is `de`, license "Apache 2.0" is `apache-2.0`,
    /// task "NER" is `token-classification`, type "models" is `model`, gated "true" is
    /// `auto` or `manual`; SearchResponse::filters says what each value was read as, and
    /// which the vocabulary does not know. Off: values are matched as given (case-folded
    /// where the facet folds case), as the Hub API's exact filters need.
    bool understand_filters = false;
    /// Fill Hit::derived of model hits (what is built on each). Cost: a lookup per hit, and
    /// once per snapshot the model tree (Searcher::derived), unless warm() built it.
    bool derived_counts = false;
    Budget budget;  ///< default: no deadline
};

inline constexpr std::size_t kMaxLimit = 1000;
/// The popularity prior's weight when a request does not say (tuned with `cardex eval`:
/// docs/RELEVANCE.md, "Popularity prior weight"), and the largest a request may give.
inline constexpr double kDefaultPriorWeight = 0.6;
inline constexpr double kMaxPriorWeight = 2.0;
/// Largest `offset` (deep pages: use cursors). Far past any index, and small enough that
/// offset + limit never overflows Xapian's 32-bit document counts.
inline constexpr std::size_t kMaxOffset = 100'000'000;
inline constexpr std::size_t kMaxQueryBytes = 2048;

}  // namespace cardex::query
