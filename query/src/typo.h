#pragma once
// Typo tolerance (private to query/): plain query words no public card holds also match their
// nearest words of the index's typo dictionary (index/typo.h), weighted below an exact match,
// and a "did you mean" respelling is offered whenever a much more common spelling is one
// edit away. The rules and the cases they were tuned on: docs/RELEVANCE.md, "Typos".
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xapian.h>

#include "budget.h"
#include "cardex/index/typo.h"
#include "cardex/query/response.h"

namespace cardex::query {

/// Missing words shorter than this are not corrected in the match (too many near words).
inline constexpr std::size_t kTypoMinLetters = 5;
/// Missing words of at least this many letters may be 2 edits away, shorter ones 1.
inline constexpr std::size_t kTypoTwoEditsLetters = 9;
/// At most this many corrections of one word join the match: the most common at the
/// smallest distance found.
inline constexpr std::size_t kTypoMaxCorrections = 3;
/// The weight of a correction's match relative to the same word typed exactly. Below 1 so
/// that of two cards alike but for the spelling the exact one ranks first; 0.8 measured
/// better than 0.5 on misspelt judged queries (docs/RELEVANCE.md, "Typos").
inline constexpr double kTypoCorrectionWeight = 0.8;
/// "Did you mean" for a word that public cards hold: a word one edit away that at least
/// kSuggestRatio times as many cards hold (id, title, tag and description words), and at
/// least kSuggestMinDocs.
inline constexpr std::uint32_t kSuggestRatio = 20;
inline constexpr std::uint32_t kSuggestMinDocs = 10;
/// Words public cards hold in more than this many cards' id, title, tags or description are
/// taken as spelt right, and not looked up.
inline constexpr Xapian::doccount kTypoRareDocs = 5;
/// Words of 5+ letters whose stem more public cards' text holds are taken as spelt right
/// (kTypoRareDocs for shorter words, which must be rare in the text too).
inline constexpr Xapian::doccount kTypoCommonInText = 100;
/// At most this many words of one query are looked up (the rest stay as typed).
inline constexpr std::size_t kTypoMaxWords = 8;

/// What typo tolerance made of a query text.
struct TypoPlan {
    /// The words corrected in the match, and to what (SearchResponse::corrected).
    std::vector<Correction> corrected;
    /// For each corrected word, its query term and its corrections' query terms, each with
    /// the word it was made from (one word per term).
    std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> terms;
    /// The text with each word that has a better spelling respelt, or "" if none has.
    std::string suggestion;
    /// The text with each word corrected in the match replaced by its first correction, or
    /// "" if none is: what query understanding reads ("norwegain ner" names Norwegian).
    std::string corrected_text;
    /// A word was left as typed only because it is a public card's name, though a spelling
    /// held by far more cards is one edit away (`difusion` is a model's name): planned again
    /// with `names_too` when the query as typed matches nothing.
    bool held_back = false;
};

/// Whether a public card holds `term`. A word only private cards hold counts as missing:
/// answering differently for it and for a word nobody has would tell anyone which words
/// private cards contain. Stops at the first public posting; checks `budget` per posting.
bool publicly_has(const Xapian::Database& db, const std::string& term, BudgetCheck& budget);

/// How many public cards hold `term`, counted up to `cap` (the walk stops there). Cost: one
/// lookup without private cards, else a walk of the term's postings up to the cap-th public
/// one, checking `budget` per posting.
Xapian::doccount public_count(const Xapian::Database& db,
                              const std::string& term,
                              Xapian::doccount cap,
                              BudgetCheck& budget);

/// The plain words of `text` typo tolerance looks at, with their byte offsets: words of
/// ASCII letters only, outside quotes, not `field:value`, not a wildcard, not excluded or
/// required (-word, +word), not an operator. Lower-cased.
std::vector<std::pair<std::string, std::size_t>> typo_words(std::string_view text);

/// The corrections and the suggestion for `text` on `db` with the typo dictionary `dict`
/// and the spelling vocabulary `vocabulary` of its generation (index/typo.h). A word that
/// is a public card's name is taken as spelt right unless `names_too`. Cost: per plain word
/// of at least 4 letters, a term lookup or a walk of public postings (publicly_has), a
/// binary search of the vocabulary, and one TypoDictionary::nearest with a publicly_has per
/// correction kept.
TypoPlan plan_typos(const Xapian::Database& db,
                    const index::TypoDictionary& dict,
                    const index::TypoDictionary& vocabulary,
                    std::string_view text,
                    BudgetCheck& budget,
                    bool names_too = false);

/// The query a correction matches by: given its query term and the word it was made from.
using CorrectionQuery =
    std::function<Xapian::Query(const std::string& term, const std::string& word)>;

/// `q` with each leaf term of `plan.terms` that the query requires or ranks by (not inside a
/// phrase, not excluded, not a filter) replaced by OR(term, corrections scaled by
/// kTypoCorrectionWeight), each correction matched by `correction(term, word)` (by default
/// the term alone).
Xapian::Query with_corrections(const Xapian::Query& q,
                               const TypoPlan& plan,
                               const CorrectionQuery& correction = {});

}  // namespace cardex::query
