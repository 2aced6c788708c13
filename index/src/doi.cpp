// DOI normalization: see cardex/index/doi.h.
#include "cardex/index/doi.h"

#include <algorithm>
#include <array>

#include "internal.h"

namespace cardex::index {

namespace {

bool istarts_with(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        if (c != prefix[i]) return false;
    }
    return true;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// bioRxiv and medRxiv link to "10.1101/2022.05.27.493774v1" or ".../493774v2.full.pdf":
// the DOI is the part before the version.
void strip_preprint_suffix(std::string& d) {
    if (!d.starts_with("10.1101/")) return;
    for (std::string_view tail :
         {".full.pdf", ".full-text", ".full", ".abstract", ".supplementary-material"}) {
        if (d.ends_with(tail)) d.resize(d.size() - tail.size());
    }
    std::size_t i = d.size();
    while (i > 8 && is_digit(d[i - 1])) --i;
    if (i < d.size() && i > 9 && d[i - 1] == 'v' && is_digit(d[i - 2])) d.resize(i - 1);
}

}  // namespace

std::string normalize_doi(std::string_view text) {
    // Trim white space around it.
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n' ||
                             text.front() == '\r')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' ||
                             text.back() == '\r')) {
        text.remove_suffix(1);
    }
    // Resolver and scheme prefixes, longest first. "https:/doi.org/" is what a path segment
    // becomes when a client collapses the double slash of an embedded URL.
    static constexpr std::array<std::string_view, 12> kPrefixes{"https://dx.doi.org/",
                                                                "http://dx.doi.org/",
                                                                "https://doi.org/",
                                                                "http://doi.org/",
                                                                "https:/dx.doi.org/",
                                                                "http:/dx.doi.org/",
                                                                "https:/doi.org/",
                                                                "http:/doi.org/",
                                                                "dx.doi.org/",
                                                                "doi.org/",
                                                                "info:doi/",
                                                                "doi:"};
    for (bool again = true; again;) {
        again = false;
        for (const auto p : kPrefixes) {
            if (istarts_with(text, p)) {
                text.remove_prefix(p.size());
                while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
                again = true;
            }
        }
    }
    std::string d = lower_ascii(text);
    // Sentence punctuation after it, and closing brackets it did not open.
    for (bool again = true; again && !d.empty();) {
        again = false;
        const char c = d.back();
        if (c == '.' || c == ',' || c == ';' || c == ':' || c == '*' || c == '_' || c == '!' ||
            c == '?') {
            d.pop_back();
            again = true;
        } else if (c == ')' || c == ']') {
            const char open = c == ')' ? '(' : '[';
            if (std::count(d.begin(), d.end(), open) < std::count(d.begin(), d.end(), c)) {
                d.pop_back();
                again = true;
            }
        }
    }
    strip_preprint_suffix(d);
    // "10." registrant "/" suffix.
    if (d.size() > 200 || !d.starts_with("10.")) return {};
    const auto slash = d.find('/');
    if (slash == std::string::npos || slash < 7 || slash + 1 >= d.size()) return {};
    for (std::size_t i = 3; i < slash; ++i) {
        if (!is_digit(d[i]) && d[i] != '.') return {};
    }
    for (const char c : d) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return {};
    }
    return d;
}

}  // namespace cardex::index
