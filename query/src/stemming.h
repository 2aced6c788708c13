#pragma once
// Stemming in the languages of the cards (issue #18; docs/RELEVANCE.md, "Stemming per card
// language"). The index holds each word of a card declaring a few languages also under its
// stem in each of them (index/schema.h kPrefixLanguageStem), where that differs from the
// English stem; the query side makes a query word match those terms too, so `Zeitung` finds
// a German card that only writes "Zeitungen". Private to query/.
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <xapian.h>

#include "cardex/query/request.h"

namespace cardex::query {

struct Understood;

/// The stems of the query's words in one stem language, as they matched: for snippets.
struct LanguageStemSet {
    std::string code;  ///< stem language code (index::StemLanguage::code: "de", "no")
    std::unordered_set<std::string> stems;
};

/// The weight of a language stem match in a language the request does not name, relative
/// to the same match in a named one (and to the English term): nobody types "german" with a
/// German word, so every language of the index is tried, but below English and exact
/// matches. Tuned with `cardex eval` (docs/RELEVANCE.md).
inline constexpr double kOtherLanguageStemWeight = 0.5;

/// The stem languages a request names: the languages understood in its text (`understood`,
/// Dictionaries::understand: "german", "norwegian", or the language a task name is written
/// in) and its language filter values (canonical codes), as stem language codes.
std::vector<std::string> named_stem_languages(const std::vector<Understood>& understood,
                                              const SearchRequest& req);

class TermSets;

/// What with_language_stems makes of a query.
struct StemmedQuery {
    Xapian::Query text;   ///< the match: the text with its words' language stems
    Xapian::Query boost;  ///< their weight, for AND_MAYBE (empty when none)
};

/// Adds to query terms their words' stems in every stem language of a database (the rules:
/// with_language_stems). One per query, on the thread that builds it; borrows `db` and
/// `used`, which must outlive it. Constructing it costs one term frequency lookup per stem
/// language; with `batch` (a database of remote shards), one batch of them (term_freqs.h),
/// and the lookups of each expand() or expand_word() one batch too. `revision`, if set,
/// remembers term frequencies from query to query (TermSets::termfreq; a local database).
class LanguageStems {
  public:
    /// `named`: the languages the request names (named_stem_languages); appends the stems
    /// that matched to `used`.
    LanguageStems(const Xapian::Database& db,
                  const std::vector<std::string>& named,
                  std::vector<LanguageStemSet>& used,
                  bool batch,
                  TermSets* revision = nullptr);
    ~LanguageStems();
    LanguageStems(const LanguageStems&) = delete;
    LanguageStems& operator=(const LanguageStems&) = delete;

    /// `q`, parsed from `text`, with each unprefixed term outside phrases (and synonyms,
    /// wildcards and scaled parts) expanded as with_language_stems says.
    Xapian::Query expand(const Xapian::Query& q, std::string_view text);
    /// The unprefixed `term`, the parser's term for `word`, expanded the same way, its
    /// language stems' boost scaled by `weight` (a typo correction: kTypoCorrectionWeight).
    Xapian::Query expand_word(const std::string& term, const std::string& word, double weight);
    /// The boost of every language stem expanded so far (empty when none).
    Xapian::Query boost() const;

  private:
    struct Context;
    std::unique_ptr<Context> c_;
};

/// `q`, parsed from `text` with the English stemmer (STEM_ALL), with each unprefixed term
/// outside phrases (and synonyms, wildcards and scaled parts) also matching, on the cards
/// without that term, its query word's stem in every stem language of `db`: the language
/// stem term (kPrefixLanguageStem) where `db` holds it, and, where the language's stem
/// differs from the English one, that stem as an unprefixed term on the language's cards
/// (the builder leaves out language stems equal to the English stem). The match carries no
/// weight (language stem terms have wdf 0, so they leave every card's length as it was);
/// `boost` gives such a card a constant: the BM25 weight an average card with the word once
/// would get (its IDF over the word's English and language forms), in full for a language
/// in `named`, kOtherLanguageStemWeight of it for the others. Appends what matched to
/// `used`. Cost: per query word, a stem and one to three term frequency lookups per stem
/// language of `db` (with `batch`, one batch of them per query: term_freqs.h).
StemmedQuery with_language_stems(const Xapian::Database& db,
                                 const Xapian::Query& q,
                                 std::string_view text,
                                 const std::vector<std::string>& named,
                                 std::vector<LanguageStemSet>& used,
                                 bool batch = false,
                                 TermSets* revision = nullptr);

}  // namespace cardex::query
