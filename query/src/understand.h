#pragma once
// Query understanding: words in free text that name a language, a task or a license.
//
// "norwegian ner" names the language `no` and the task `token-classification`; the query
// builder then boosts cards with those facet values (boost, never filter). The dictionaries
// map lower-case phrases, tokenized like card text and joined by single spaces, to facet
// values. They are derived from the vocabulary of the index being searched (the one its
// cards were normalized with; see lexicon.h), with the relevance choices below.
//
// A Dictionaries object is immutable once made: share it between threads freely.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cardex/index/schema.h"
#include "cardex/index/vocabulary.h"

namespace cardex::query {

/// One understood phrase: the facet value it names and the query words it spans.
struct Understood {
    index::Facet facet;
    std::string value;   ///< facet value, e.g. "no", "token-classification", "apache-2.0"
    std::string phrase;  ///< the matched words, space-joined ("named entity recognition")
    std::size_t first_word = 0;  ///< index of its first word among the query's tokens
    std::size_t words = 0;       ///< how many words it spans
    /// The language a task name is written in ("análisis de sentimientos": Spanish), not a
    /// word naming it: it ranks the language's cards first, but the words do not match
    /// through it (understood_match).
    bool implied = false;
};

class Dictionaries {
public:
    /// The phrases of a vocabulary's languages (those with a two-letter code), tasks (and
    /// the dataset task ids that map to one), licenses (but those whose names are model
    /// names) and reuse classes, and the words for card types; nothing for the empty
    /// vocabulary. Cost: a few milliseconds.
    static Dictionaries from(const index::Vocabulary& vocab);

    /// The phrases of `text`, longest match first, left to right, not overlapping. Words in
    /// quotes or after a field prefix ("language:no") are left alone. A task name of
    /// task_names.tsv ("analyse des sentiments") is understood as the task and, when only
    /// one language writes it so, as that language, implied; an English phrase of the same
    /// length or longer wins. Cost: a hash lookup per word and phrase length, and for the
    /// task names one stemming per word and language (about 13 languages). `typed`, when
    /// given, is `text` before typo correction respelt some of its words: task names are
    /// looked for in it ("análise de sentimento", not "análise de sentiment").
    std::vector<Understood> understand(std::string_view text, std::string_view typed = {}) const;

    std::size_t size() const noexcept { return phrases_.size(); }

    /// True if `text` is plain words: no quotes, operators, field prefixes, exclusions or
    /// wildcards (so the query builder may build its match from words() itself).
    static bool is_plain(std::string_view text);
    /// True if `text` has words and nothing else: is_plain, but false for text without a
    /// plain word (a quoted phrase alone, `author:x`, `-bert`), which is_plain accepts.
    static bool only_words(std::string_view text);
    /// The words of `text` as the index tokenizes them (lower-cased, split at - _ .).
    static std::vector<std::string> words(std::string_view text);

private:
    void add(index::Facet facet, std::string_view phrase, std::string_view value);
    void add_written(const index::TaskName& row);
    /// The longest task name of another language starting at `words[i]`: its length in
    /// words (0 for none), its pipeline tag, and its language ("" when several write it so).
    struct WrittenMatch {
        std::size_t words = 0;
        std::string tag;
        std::string language;
        bool exact = false;  // the words as listed, not only their stems
    };
    WrittenMatch match_written(const std::vector<std::string>& words, std::size_t i) const;

    struct Entry {
        index::Facet facet;
        std::string value;
    };
    // phrase -> what it names; one phrase may name a language and a task ("chinese" is
    // only a language, but keep the door open), so a vector.
    std::unordered_map<std::string, std::vector<Entry>> phrases_;
    std::size_t max_words_ = 1;
    // Task names in other languages (task_names.tsv), per language. A name of several
    // content words is keyed by their stems in the language (diacritics folded first), a
    // name of one content word by the word itself, folded, marked with a leading '='.
    struct Written {
        std::string language;  // "es"
        std::string stemmer;   // Snowball name ("spanish"), or "" to key words as written
        std::unordered_map<std::string, std::string> names;  // key -> pipeline tag
        // The content words of each name as listed (folded, space-joined): of two languages
        // whose stems both match ("análise de sentimentos" is Italian "analisi del
        // sentimento" to the Italian stemmer), the one that lists the words wins.
        std::unordered_set<std::string> exact;
        std::size_t max_words = 1;  // the most words of a name, function words included
    };
    std::vector<Written> written_;
};

}  // namespace cardex::query
