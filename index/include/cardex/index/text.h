#pragma once
// Tokenization and stemming shared by the indexer, the query side and snippets.
//
// Tokens are runs of letters and digits (Unicode-aware via Xapian's Unicode tables), lower-
// cased; an ASCII fast path handles most card text without decoding. Words joined by '_' or
// '-' or '.' split into parts (so "bert-base-german-cased" yields bert, base, german, cased).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xapian.h>

namespace cardex::index {

/// Longest token kept; longer runs (hashes, base64) are skipped: they never match a query
/// and Xapian's term length limit is 245 bytes.
inline constexpr std::size_t kMaxTokenBytes = 64;

/// Calls `fn(token, byte_offset)` for every token of `text`, lower-cased. `token` points into
/// an internal buffer valid only during the call. Cost: one pass over the text.
void tokenize(std::string_view text,
              const std::function<void(std::string_view token, std::size_t offset)>& fn);

/// A stemmer with a cache: card vocabularies are Zipfian, so most words hit the cache. The
/// cache is direct-mapped (a word's hash picks one slot; a miss overwrites it): no chains
/// to walk, bounded memory, and the frequent words stay. Not thread-safe: one per thread.
class StemCache {
public:
  /// `slots` (a power of two) bounds the memory: about 80 bytes a slot.
  explicit StemCache(std::string_view language = "english", std::size_t slots = kSlots);
  /// The stem of a lower-cased token. The reference is valid until the next call.
  const std::string& stem(std::string_view token) { return lookup(token).stem; }
  /// The stem, as stem(), and a number the caller may keep with it: 0 until the caller sets
  /// it, and 0 again once the slot is reused for another word or forget_numbers() is
  /// called. DocumentBuilder numbers the terms whose positions it records, so that a cache
  /// hit costs it no lookup of its own. Both pointers are valid until the next call.
  std::pair<const std::string*, std::uint32_t*> stem_numbered(std::string_view token);
  /// Every number set so far reads 0 again. Cost: O(1).
  void forget_numbers() noexcept { ++epoch_; }

private:
    static constexpr std::size_t kSlots = 1u << 16;
    struct Slot {
        std::string word;
        std::string stem;
        bool used = false;
        std::uint32_t number = 0;
        std::uint32_t epoch = 0;  // `number` holds for forget_numbers()'s epoch_ only
    };
    Slot& lookup(std::string_view token);

    Xapian::Stem stemmer_;
    std::vector<Slot> slots_;
    std::size_t mask_;
    std::uint32_t epoch_ = 1;
};

/// A card language with a Snowball stemmer of Xapian 1.4.22 other than English: its terms
/// are `language_stem_term(code, stem)` (schema.h). `code` is the ISO 639-1 code the terms
/// carry; several card languages may share one (nb, nn -> no).
struct StemLanguage {
    std::string_view code;
    std::string_view stemmer;  ///< Xapian::Stem's name
};

/// Every stem language, in code order. Greek, Polish, Chinese and most of the Hub's other
/// languages have no stemmer in Xapian 1.4.22 and are not here.
const std::vector<StemLanguage>& stem_languages();

/// The stem language of a canonical language code ("de", "nb"), or nullptr for English and
/// languages without a stemmer. Cost: a linear scan of ~25 entries.
const StemLanguage* stem_language(std::string_view code) noexcept;

/// Cards declaring more languages than this get no language stems: a multilingual model
/// lists 50-100 languages, and its text is English (docs/RELEVANCE.md, "Stemming per card
/// language").
inline constexpr std::size_t kMaxStemLanguages = 4;

}  // namespace cardex::index
