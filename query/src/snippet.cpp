#include "snippet.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "cardex/index/text.h"

namespace cardex::query {

void html_escape(std::string_view s, std::string& out) {
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            case '\n':
            case '\r':
            case '\t': out.push_back(' '); break;
            default: out.push_back(c);
        }
    }
}

namespace {

std::size_t utf8_floor(std::string_view s, std::size_t i) {
    while (i > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
    return i;
}

}  // namespace

std::string make_snippet(std::string_view text,
                         const std::unordered_set<std::string>& stems,
                         std::size_t length,
                         const std::vector<LanguageStemSet>& languages,
                         const std::vector<std::string>& card_languages) {
    struct Match {
        std::size_t begin, end;
    };
    std::vector<Match> matches;
    // One cache per thread, kept between calls: hits share most of their vocabulary.
    thread_local index::StemCache stemmer;
    // Only the first 64 KiB are scanned: summaries keep 4 KiB anyway.
    std::string_view scan = text.substr(0, 64 * 1024);
    // A stem nearly always shares its first two bytes with the word, so only tokens that
    // start like some query stem are stemmed: most of a card's words are skipped cheaply.
    std::vector<std::uint16_t> leads;
    for (const auto& st : stems) {
        if (st.size() >= 2) leads.push_back(static_cast<std::uint16_t>((static_cast<unsigned char>(st[0]) << 8) | static_cast<unsigned char>(st[1])));
    }
    // The stemmers of the languages that matched, small caches kept per thread like the
    // English one (a card's words in one language are few).
    thread_local std::map<std::string, index::StemCache, std::less<>> language_stemmers;
    std::vector<std::pair<index::StemCache*, const std::unordered_set<std::string>*>> others;
    for (const auto& l : languages) {
        const index::StemLanguage* language = index::stem_language(l.code);
        if (language == nullptr || l.stems.empty()) continue;
        const bool declared =
            std::any_of(card_languages.begin(), card_languages.end(), [&](const std::string& c) {
                const index::StemLanguage* of = index::stem_language(c);
                return of != nullptr && of->code == l.code;
            });
        if (!declared) continue;
        auto it = language_stemmers.find(l.code);
        if (it == language_stemmers.end()) {
            it = language_stemmers.try_emplace(l.code, language->stemmer, std::size_t{1} << 12)
                     .first;
        }
        others.emplace_back(&it->second, &l.stems);
        for (const auto& st : l.stems) {
            if (st.size() >= 2)
                leads.push_back(static_cast<std::uint16_t>(
                    (static_cast<unsigned char>(st[0]) << 8) | static_cast<unsigned char>(st[1])));
        }
    }
    auto in_language = [&](std::string_view token) {
        for (auto& [language_stemmer, set] : others) {
            if (set->count(language_stemmer->stem(token))) return true;
        }
        return false;
    };
    auto may_match = [&](std::string_view token) {
        if (token.size() < 2) return stems.count(std::string(token)) > 0;
        const auto lead = static_cast<std::uint16_t>((static_cast<unsigned char>(token[0]) << 8) | static_cast<unsigned char>(token[1]));
        return std::find(leads.begin(), leads.end(), lead) != leads.end();
    };
    index::tokenize(scan, [&](std::string_view token, std::size_t offset) {
        if (may_match(token) && (stems.count(stemmer.stem(token)) ||
                                 stems.count(std::string(token)) || in_language(token))) {
            // The token is lower-cased; its length in the source is the same for ASCII and
            // close enough otherwise: find the end of the word in the source.
            std::size_t end = offset;
            while (end < scan.size()) {
                unsigned char c = static_cast<unsigned char>(scan[end]);
                bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c >= 0x80;
                if (!word) break;
                ++end;
            }
            matches.push_back({offset, end});
        }
    });
    // Best window: the one starting at the match with most matches within `length`.
    std::size_t best_start = 0, best_count = 0;
    for (std::size_t i = 0, j = 0; i < matches.size(); ++i) {
        if (j < i) j = i;
        while (j + 1 < matches.size() && matches[j + 1].end - matches[i].begin <= length) ++j;
        if (j - i + 1 > best_count) {
            best_count = j - i + 1;
            best_start = matches[i].begin;
        }
    }
    std::size_t start = best_count ? (best_start > length / 4 ? best_start - length / 4 : 0) : 0;
    start = utf8_floor(text, start);
    // Begin at a word boundary.
    if (start > 0) {
        auto sp = text.find(' ', start);
        if (sp != std::string_view::npos && sp < best_start) start = sp + 1;
    }
    std::size_t stop = utf8_floor(text, std::min(text.size(), start + length));
    if (stop < text.size()) {
        auto sp = text.rfind(' ', stop);
        if (sp != std::string_view::npos && sp > start + length / 2) stop = sp;
    }
    std::string out;
    if (start > 0) out += "… ";
    std::size_t pos = start;
    for (const auto& m : matches) {
        if (m.begin < start || m.end > stop) continue;
        html_escape(text.substr(pos, m.begin - pos), out);
        out += "<mark>";
        html_escape(text.substr(m.begin, m.end - m.begin), out);
        out += "</mark>";
        pos = m.end;
    }
    html_escape(text.substr(pos, stop - pos), out);
    if (stop < text.size()) out += " …";
    return out;
}

}  // namespace cardex::query
