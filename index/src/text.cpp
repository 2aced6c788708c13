#include "cardex/index/text.h"

#include <xapian/unicode.h>

namespace cardex::index {

namespace {

inline bool ascii_word_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

}  // namespace

void tokenize(std::string_view text,
              const std::function<void(std::string_view, std::size_t)>& fn) {
    std::string token;
    token.reserve(kMaxTokenBytes * 2);
    std::size_t start = 0;
    bool too_long = false;
    auto flush = [&]() {
        if (!token.empty() && !too_long) fn(token, start);
        token.clear();
        too_long = false;
    };
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            // ASCII fast path: most card text.
            if (ascii_word_char(c)) {
                if (token.empty()) start = i;
                if (token.size() < kMaxTokenBytes) {
                    token.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
                } else {
                    too_long = true;
                }
            } else {
                flush();
            }
            ++i;
            continue;
        }
        // Multi-byte UTF-8: decode one character with Xapian's tables.
        Xapian::Utf8Iterator it(text.data() + i, n - i);
        unsigned ch = *it;
        const std::size_t before = it.left();
        ++it;
        std::size_t len = before - it.left();
        if (len == 0) len = 1;
        if (Xapian::Unicode::is_wordchar(ch)) {
            if (token.empty()) start = i;
            if (token.size() < kMaxTokenBytes) {
                Xapian::Unicode::append_utf8(token, Xapian::Unicode::tolower(ch));
            } else {
                too_long = true;
            }
        } else {
            flush();
        }
        i += len;
    }
    flush();
}

StemCache::StemCache(std::string_view language, std::size_t slots)
    : stemmer_(std::string(language)), slots_(slots), mask_(slots - 1) {}

StemCache::Slot& StemCache::lookup(std::string_view token) {
    Slot& slot = slots_[std::hash<std::string_view>{}(token)&mask_];
    if (slot.used && slot.word == token) return slot;
    slot.word.assign(token);
    // Digits and very short tokens are left alone: stemming "v2" or "7b" only hurts.
    slot.stem = token.size() <= 2 ? slot.word : stemmer_(slot.word);
    slot.used = true;
    slot.number = 0;
    return slot;
}

std::pair<const std::string*, std::uint32_t*> StemCache::stem_numbered(std::string_view token) {
    Slot& slot = lookup(token);
    if (slot.epoch != epoch_) {
        slot.epoch = epoch_;
        slot.number = 0;
    }
    return {&slot.stem, &slot.number};
}

const std::vector<StemLanguage>& stem_languages() {
    // Xapian::Stem::get_available_languages() of 1.4.22, less English and its variants
    // (porter, lovins, earlyenglish) and the alternatives for one language (german2,
    // kraaij_pohlmann): one stemmer per language, so one term per word and language.
    static const std::vector<StemLanguage> all{
        {"ar", "arabic"},    {"ca", "catalan"},    {"da", "danish"},   {"de", "german"},
        {"es", "spanish"},   {"eu", "basque"},     {"fi", "finnish"},  {"fr", "french"},
        {"ga", "irish"},     {"hu", "hungarian"},  {"hy", "armenian"}, {"id", "indonesian"},
        {"it", "italian"},   {"lt", "lithuanian"}, {"ne", "nepali"},   {"nl", "dutch"},
        {"no", "norwegian"}, {"pt", "portuguese"}, {"ro", "romanian"}, {"ru", "russian"},
        {"sv", "swedish"},   {"ta", "tamil"},      {"tr", "turkish"},
    };
    return all;
}

const StemLanguage* stem_language(std::string_view code) noexcept {
    // Norwegian Bokmål and Nynorsk share the Norwegian stemmer (Snowball's is for both).
    if (code == "nb" || code == "nn") code = "no";
    for (const auto& l : stem_languages()) {
        if (l.code == code) return &l;
    }
    return nullptr;
}

}  // namespace cardex::index
