#include "url.h"

namespace cardex::server {
namespace {

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_unreserved(unsigned char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            const int hi = hex_digit(text[i + 1]);
            const int lo = hex_digit(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            const char decoded = static_cast<char>(hi * 16 + lo);
            // A NUL inside a value would truncate it in C APIs further down (Xapian terms
            // are fine, logs and error headers are not): refuse it outright.
            if (decoded == '\0') return std::nullopt;
            out.push_back(decoded);
            i += 2;
        } else if (c == '\0') {
            // A raw NUL too: else it would decode, and the %00 a page link encodes it as
            // would not (found by tests/fuzz: fuzz_search_state).
            return std::nullopt;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string percent_encode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3 / 2);
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_unreserved(c)) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
        }
    }
    return out;
}

std::optional<QueryParams> QueryParams::parse(std::string_view query) {
    QueryParams params;
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view piece = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (piece.empty()) continue;
        const std::size_t eq = piece.find('=');
        auto key = percent_decode(piece.substr(0, eq), true);
        auto value = percent_decode(
            eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1), true);
        if (!key || !value) return std::nullopt;
        params.items_.emplace_back(std::move(*key), std::move(*value));
    }
    return params;
}

std::vector<std::string> QueryParams::list(std::string_view key) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : items_) {
        if (k != key) continue;
        std::string_view rest = v;
        while (true) {
            const std::size_t comma = rest.find(',');
            std::string_view piece = rest.substr(0, comma);
            while (!piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
            while (!piece.empty() && piece.back() == ' ') piece.remove_suffix(1);
            if (!piece.empty()) out.emplace_back(piece);
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    return out;
}

std::vector<std::string> QueryParams::all(std::string_view key) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : items_) {
        if (k == key) out.push_back(v);
    }
    return out;
}

std::optional<std::string> QueryParams::last(std::string_view key) const {
    for (auto it = items_.rbegin(); it != items_.rend(); ++it) {
        if (it->first == key) return it->second;
    }
    return std::nullopt;
}

bool QueryParams::has(std::string_view key) const {
    for (const auto& item : items_) {
        if (item.first == key) return true;
    }
    return false;
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
    const std::size_t q = target.find('?');
    if (q == std::string_view::npos) return {target, {}};
    return {target.substr(0, q), target.substr(q + 1)};
}

}  // namespace cardex::server
