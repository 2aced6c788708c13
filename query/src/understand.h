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
};

class Dictionaries {
public:
    /// The phrases of a vocabulary's languages (those with a two-letter code), tasks (and
    /// the dataset task ids that map to one), licenses (but those whose names are model
    /// names) and reuse classes, and the words for card types; nothing for the empty
    /// vocabulary. Cost: a few milliseconds.
    static Dictionaries from(const index::Vocabulary& vocab);

    /// The phrases of `text`, longest match first, left to right, not overlapping. Words in
    /// quotes or after a field prefix ("language:no") are left alone.
    std::vector<Understood> understand(std::string_view text) const;

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

    struct Entry {
        index::Facet facet;
        std::string value;
    };
    // phrase -> what it names; one phrase may name a language and a task ("chinese" is
    // only a language, but keep the door open), so a vector.
    std::unordered_map<std::string, std::vector<Entry>> phrases_;
    std::size_t max_words_ = 1;
};

}  // namespace cardex::query
