#pragma once
// Request -> Xapian queries, facet counting and spelling suggestions (private to query/).
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <xapian.h>

#include "budget.h"
#include "cardex/index/result.h"
#include "cardex/index/schema.h"
#include "cardex/query/request.h"
#include "cardex/query/response.h"
#include "columns.h"
#include "stemming.h"
#include "typo.h"
#include "understand.h"

namespace cardex::query {

/// A query matching every document. Always a fresh object: Xapian::Query::MatchAll is a
/// process-wide static whose reference count is not atomic, so copying it on two threads at
/// once corrupts it (Xapian's query.h says so; it crashed the server under load, issue #12).
/// Xapian::Query::MatchNothing has no internals and is safe. tests/lint bans MatchAll.
inline Xapian::Query match_all() { return Xapian::Query(std::string()); }

struct FacetClause {
    index::Facet facet;
    Xapian::Query query;  ///< the filter of this facet (OR of its values, minus exclusions)
};

struct QueryParts {
    bool has_text = false;
    Xapian::Query text;                     ///< the parsed free text (MatchAll if none)
    Xapian::Query boost;                    ///< optional: exact id/name and understood words
    std::vector<FacetClause> facet_filters;
    Xapian::Query other_filter;             ///< ranges and visibility (MatchAll if none)
    std::unordered_set<std::string> stems;  ///< query words, stemmed, for snippets
    std::vector<LanguageStemSet> language_stems;  ///< their card language stems that matter
    TypoPlan typos;      ///< the words corrected or respelt (typo.h), none for plain BM25
    std::vector<std::string> dropped;  ///< the text's last words left out (TextPass)
    double typo_ms = 0;  ///< the time plan_typos took (SearchResponse::Timings::typo_ms)
    bool plain = false;                     ///< plain BM25: no prior (SearchRequest::plain_bm25)
    double prior_weight = kDefaultPriorWeight;  ///< SearchRequest::prior_weight, checked
    /// What the text's words name (query understanding), and the boost's parts: the exact
    /// id/name terms (a card holding any gains exact_weight, once) and the understood facet terms
    /// with their weights. Read by Hit::explain.
    std::vector<Understood> understood;
    std::vector<std::string> exact_terms;
    double exact_weight = 0;
    std::vector<std::pair<std::string, double>> understood_terms;
    /// The id-words boost: a card whose id holds every term of one of these lists gains
    /// id_words_weight (id_word_alternatives, understood_query.h). Read by Hit::explain.
    std::vector<std::vector<std::string>> id_words;
    double id_words_weight = 0;
    /// The second stage (proximity.h): each pair of adjacent words of plain text, as the
    /// terms an exact phrase of them checks; none for one word, other text, or plain BM25.
    std::vector<std::vector<std::string>> proximity;
    /// The second stage's documentation part (proximity.h): what a card of quality 100 gains,
    /// prior_weight * kDocumentedPrior for words alone ranked by relevance (as `proximity`);
    /// 0 for plain BM25, other text (a phrase, syntax), no text or a prior weight of 0.
    double documented = 0;
    /// Docids are in descending downloads order (a reindexed public database), so the
    /// prior's bound may fall as the matcher advances and the ranking stop early.
    bool prior_falls = false;
    /// The prior column of the searched revision (Columns::value(db, kSlotPrior)), read by
    /// the prior's posting source; null: Xapian's value stream. Must outlive the ranking.
    const ValueColumn* prior_column = nullptr;

    /// Text AND every filter.
    Xapian::Query filtered() const;
    /// Text AND every filter, except the facet filter at `skip` (disjunctive counts).
    Xapian::Query filtered_except(std::size_t skip) const;
    /// The ranked query: filtered text, plus the popularity prior and boosts as
    /// AND_MAYBE so they reorder but never widen the match.
    Xapian::Query ranked(const Xapian::Query& filtered) const;
};

/// A hit's snippet (SearchRequest::snippets): its body, else its description, around the
/// words of `q` (make_snippet, 200 bytes).
std::string hit_snippet(const index::Card& card, const QueryParts& q);

struct Lexicon;

/// `q` with every phrase that it requires (the root, or a conjunct of ANDs and FILTERs from
/// the root) made a plain AND of its words. A phrase weighs what the AND of its words weighs
/// (Xapian 1.4: a phrase postlist is a select over that AND), so restricted to documents
/// known to hold the phrase, the ranking is the same without reading positions again.
/// Phrases elsewhere (under OR, AND_NOT, AND_MAYBE) stay.
Xapian::Query without_required_phrases(const Xapian::Query& q);

/// The descriptions of the prior's posting source (QueryParts::ranked, over a prior column)
/// and of docid_set_source's: plan_scores (score_plan.h) recognises them by these.
inline constexpr std::string_view kPriorSourceName = "cardex::PriorSource";
inline constexpr std::string_view kDocidSetSourceName = "cardex::DocidSetSource";

/// A sorted docid list as a posting source of weight 0, for OP_FILTER: restricts a ranked
/// query to a set already computed (the pass's passing documents), so the matcher re-checks
/// neither filters nor phrase positions. The list must outlive the query's use, and the
/// database must be one database (a multi-database gives each part its own docids).
Xapian::PostingSource* docid_set_source(const std::vector<std::uint32_t>& docids);

/// At most this many passes leave out one more of the text's last words (TextPass).
inline constexpr std::size_t kMaxDroppedWords = 8;

/// How a search reads its text when the text as typed shows the caller nothing
/// (Searcher::Impl::run): the first pass has both at their defaults.
struct TextPass {
    bool typo_names_too = false;  ///< plan_typos corrects words that are cards' names too
    std::size_t drop_words = 0;   ///< this many last words of a plain text are left out
    /// The database is remote shards: term statistics are asked for in batches
    /// (term_freqs.h), each lookup being a round trip to every shard.
    bool batch_lookups = false;
    /// The searched revision's term caches (termsets.h), which remember term frequencies
    /// from query to query; null: each query asks the database (remote shards batch).
    TermSets* revision = nullptr;
};

/// The queries of `req` on `db`; `lexicon` is the vocabulary of `db`'s generation (field
/// values in query text are read through it, understood words boost, typos are corrected
/// by its dictionary). `pass` says how the text is read. Checks `budget` while it reads
/// postings.
Result<QueryParts> build_query(const Xapian::Database& db,
                               const SearchRequest& req,
                               const Lexicon& lexicon,
                               BudgetCheck& budget,
                               const TextPass& pass = {});

/// The whitespace-separated words of a text as typed, for leaving its last ones out; empty
/// when the text has query syntax (quotes, parentheses, `field:`, `*`, a leading - or +,
/// AND, OR, NOT, XOR).
std::vector<std::string_view> droppable_words(std::string_view text);

/// The namespaces of `requested` spelled exactly as a card of the index spells its
/// namespace. The Hub's namespaces are case-sensitive, while the author facet terms (and the
/// visibility built on them) are lower-case: a token of "secretorg" must not read the private
/// cards of "SecretOrg". One spelling per namespace is assumed, as on the Hub, where names
/// differing only in case cannot both exist. Cost: three term-dictionary seeks per namespace.
std::vector<std::string> exact_namespaces(const Xapian::Database& db,
                                          const std::vector<std::string>& requested);

/// Excludes private cards the caller may not see.
Xapian::Query apply_visibility(const Xapian::Query& q,
                               const std::vector<std::string>& private_namespaces,
                               bool all_private);

/// A respelling of `text` whose words exist in the index, or "": each word no public card
/// holds becomes the word of `words` (the generation's spelling vocabulary) within 2 edits
/// that shares its first two letters, most cards first, that a public card's text holds now.
/// Checks `budget` per vocabulary word it compares.
std::string suggest(const Xapian::Database& db,
                    const index::TypoDictionary& words,
                    const std::string& text,
                    BudgetCheck& budget);

}  // namespace cardex::query
