// XML escaping and dates. See xml.h.
#include "xml.h"

#include "json_writer.h"

#include <algorithm>
#include <cstdint>

namespace cardex::server {

void append_xml(std::string& out, std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        if (b0 < 0x80) {
            switch (b0) {
                case '&':
                    out += "&amp;";
                    break;
                case '<':
                    out += "&lt;";
                    break;
                case '>':
                    out += "&gt;";
                    break;
                case '"':
                    out += "&quot;";
                    break;
                case '\'':
                    out += "&apos;";
                    break;
                default:
                    if (b0 >= 0x20 || b0 == '\t' || b0 == '\n' || b0 == '\r')
                        out += static_cast<char>(b0);
            }
            ++i;
            continue;
        }
        // A well-formed multi-byte sequence (no overlongs, surrogates or > U+10FFFF).
        std::size_t n = b0 >= 0xC2 && b0 <= 0xDF   ? 2
                        : b0 >= 0xE0 && b0 <= 0xEF ? 3
                        : b0 >= 0xF0 && b0 <= 0xF4 ? 4
                                                   : 0;
        bool ok = n > 0 && i + n <= s.size();
        for (std::size_t k = 1; ok && k < n; ++k) {
            ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
        }
        if (ok && n == 3) {
            const auto b1 = static_cast<unsigned char>(s[i + 1]);
            const auto b2 = static_cast<unsigned char>(s[i + 2]);
            ok = !(b0 == 0xE0 && b1 < 0xA0) && !(b0 == 0xED && b1 >= 0xA0);
            // U+FFFE and U+FFFF are not XML characters.
            if (ok && b0 == 0xEF && b1 == 0xBF && (b2 == 0xBE || b2 == 0xBF)) {
                i += 3;
                continue;
            }
        }
        if (ok && n == 4) {
            const auto b1 = static_cast<unsigned char>(s[i + 1]);
            ok = !(b0 == 0xF0 && b1 < 0x90) && !(b0 == 0xF4 && b1 >= 0x90);
        }
        if (ok) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
}

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    append_xml(out, text);
    return out;
}

std::string utc_datetime(std::int64_t unix_seconds) {
    // ISO 8601 at second granularity: iso8601() without its milliseconds.
    std::string t = iso8601(std::max<std::int64_t>(unix_seconds, 0));
    t.erase(19, 4);  // ".000" before the Z
    return t;
}

}  // namespace cardex::server
