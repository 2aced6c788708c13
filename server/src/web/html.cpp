// HTML escaping and the entity decoder the sanitizer checks URLs with.
#include "web/html.h"

#include <array>
#include <utility>

namespace cardex::server::web {

void append_escaped(std::string& out, std::string_view text) {
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
}

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 8);
    append_escaped(out, text);
    return out;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::string decode_entities(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, char32_t>, 13> kNamed{{
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
        {"nbsp", 0xA0}, {"colon", ':'}, {"Tab", '\t'}, {"NewLine", '\n'}, {"sol", '/'},
        {"lpar", '('}, {"rpar", ')'}, {"period", '.'},
    }};
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] != '&') {
            out += text[i++];
            continue;
        }
        std::size_t j = i + 1;
        if (j < text.size() && text[j] == '#') {
            ++j;
            const bool hex = j < text.size() && (text[j] == 'x' || text[j] == 'X');
            if (hex) ++j;
            const std::size_t digits_start = j;
            char32_t cp = 0;
            while (j < text.size()) {
                const char c = text[j];
                int d = -1;
                if (c >= '0' && c <= '9') d = c - '0';
                else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
                else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
                if (d < 0) break;
                if (cp <= 0x10FFFF) cp = cp * (hex ? 16 : 10) + static_cast<char32_t>(d);
                ++j;
            }
            if (j == digits_start) {  // "&#" without digits: literal
                out += text[i++];
                continue;
            }
            if (j < text.size() && text[j] == ';') ++j;  // the ';' is optional, as in browsers
            append_utf8(out, cp);
            i = j;
            continue;
        }
        while (j < text.size() && j - i <= 8 &&
               ((text[j] >= 'a' && text[j] <= 'z') || (text[j] >= 'A' && text[j] <= 'Z'))) {
            ++j;
        }
        const std::string_view name = text.substr(i + 1, j - i - 1);
        bool done = false;
        for (const auto& [n, cp] : kNamed) {
            if (n == name) {
                if (j < text.size() && text[j] == ';') ++j;
                append_utf8(out, cp);
                i = j;
                done = true;
                break;
            }
        }
        if (!done) out += text[i++];
    }
    return out;
}

}  // namespace cardex::server::web
