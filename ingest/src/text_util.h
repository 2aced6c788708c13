#pragma once
// Small string helpers private to ingest.
#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace cardex::ingest {

inline std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return out;
}

/// Joins pieces into one string. (Chains of `"literal" + std::string(...)` trip GCC 12's
/// false -Wrestrict at -O3.)
inline std::string concat(std::initializer_list<std::string_view> parts) {
    std::size_t n = 0;
    for (auto p : parts) n += p.size();
    std::string out;
    out.reserve(n);
    for (auto p : parts) out.append(p);
    return out;
}

inline std::string_view trim_view(std::string_view s) {
    const char* ws = " \t\r\n\f\v";
    auto b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(ws);
    return s.substr(b, e - b + 1);
}

inline std::string trim(std::string_view s) { return std::string(trim_view(s)); }
inline std::string trim_lower(std::string_view s) { return to_lower(trim_view(s)); }

inline std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        auto p = s.find(sep, start);
        out.emplace_back(s.substr(start, p == std::string_view::npos ? p : p - start));
        if (p == std::string_view::npos) break;
        start = p + 1;
    }
    return out;
}

/// True if `s` is valid UTF-8 (no overlongs, no surrogates).
bool valid_utf8(std::string_view s);
/// Replaces invalid UTF-8 sequences with U+FFFD.
std::string repair_utf8(std::string_view s);

}  // namespace cardex::ingest
