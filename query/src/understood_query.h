#pragma once
// The Xapian side of query understanding (understand.h finds the phrases): the boost an
// understood facet value gives, the match an understood phrase widens to, and the author a
// whole query names. Used by build_query only; the query module's public headers show none
// of it. Stateless functions: thread-safe as the Database and QueryParser they are given.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xapian.h>

#include "understand.h"

namespace cardex::query {

// An understood phrase also matches through its facet value: "german summarization" then
// finds German summarization cards that never write "german" (language: de). This widens
// the match, it never narrows it; the plain BM25 baseline matches words only.
inline constexpr bool kUnderstoodAlsoMatches = true;

/// Each understood facet value as a constant weight on the cards that have it (OR of
/// FixedWeightPostingSource filters; empty when nothing new is understood); a language
/// weighs more on the cards about it (index::kPrefixMainLanguage). Appends
/// (term, weight) to `terms` (Hit::explain reads them) and skips terms already there.
Xapian::Query understood_boost(const std::vector<Understood>& understood,
                               std::vector<std::pair<std::string, double>>& terms);

/// The author a plain query names, whole ("meta llama" -> meta-llama), with its case as its
/// cards write it; nullopt when no card has that author. Cost: two term lookups, and one
/// card's term list when the author exists.
std::optional<Understood> understood_author(const Xapian::Database& db, std::string_view text);

/// The ways a card's id can hold every word of plain text (`words`): each
/// alternative a list of id-word terms (index::kPrefixIdToken) to hold together. The words
/// themselves, or one adjacent pair written as one word ("llama 3": llama3), or one word split
/// where letters meet digits ("llama3": llama, 3): "llama 3" names Meta-Llama-3-8B and
/// DTA_llama3_8b alike. Empty for more than kMaxIdWords words, and for one word that does
/// not split.
std::vector<std::vector<std::string>> id_word_alternatives(const std::vector<std::string>& words);
inline constexpr std::size_t kMaxIdWords = 6;

/// A constant weight on the cards whose id holds one of `alternatives` (id_word_alternatives);
/// empty when there are none.
Xapian::Query id_words_boost(const std::vector<std::vector<std::string>>& alternatives,
                             double weight);

/// The match of plain text with understood phrases: each phrase matches by its words OR by
/// the facet values it names; other words as the parser parses them alone. A phrase naming
/// only a license or reuse class is optional (AND_MAYBE) when other words remain. Cost: one
/// parse per word or phrase.
Xapian::Query understood_match(Xapian::QueryParser& qp,
                               std::string_view text,
                               const std::vector<Understood>& understood,
                               unsigned flags);

}  // namespace cardex::query
