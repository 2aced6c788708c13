#include "json_writer.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace cardex::server {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not one. Rejects
// overlongs, surrogates and code points above U+10FFFF, as RFC 3629 requires.
std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept {
    const auto b0 = static_cast<unsigned char>(s[i]);
    auto cont = [&](std::size_t k) {
        return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    };
    if (b0 < 0x80) return 1;
    if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        if (!cont(1) || !cont(2)) return 0;
        const auto b1 = static_cast<unsigned char>(s[i + 1]);
        if (b0 == 0xE0 && b1 < 0xA0) return 0;   // overlong
        if (b0 == 0xED && b1 >= 0xA0) return 0;  // surrogate
        return 3;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        const auto b1 = static_cast<unsigned char>(s[i + 1]);
        if (b0 == 0xF0 && b1 < 0x90) return 0;
        if (b0 == 0xF4 && b1 >= 0x90) return 0;
        return 4;
    }
    return 0;
}

bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

bool read_digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (std::size_t k = 0; k < n; ++k) {
        const char c = s[pos + k];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    pos += n;
    out = v;
    return true;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            const std::size_t n = utf8_sequence(text, i);
            if (n == 0) {
                out.append("\xEF\xBF\xBD");  // U+FFFD for each bad byte
                ++i;
            } else {
                out.append(text.substr(i, n));
                i += n;
            }
            continue;
        }
        switch (c) {
            case '"': out.append("\\\""); break;
            case '\\': out.append("\\\\"); break;
            case '\n': out.append("\\n"); break;
            case '\r': out.append("\\r"); break;
            case '\t': out.append("\\t"); break;
            case '\b': out.append("\\b"); break;
            case '\f': out.append("\\f"); break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    out.append("\\u00");
                    out.push_back(kHex[c >> 4]);
                    out.push_back(kHex[c & 0xF]);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
        ++i;
    }
    out.push_back('"');
}

void JsonWriter::before_value() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!has_items_.empty()) {
        if (has_items_.back()) out_.push_back(',');
        has_items_.back() = true;
    }
}

JsonWriter& JsonWriter::begin_object() {
    before_value();
    out_.push_back('{');
    has_items_.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    out_.push_back('}');
    has_items_.pop_back();
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    before_value();
    out_.push_back('[');
    has_items_.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    out_.push_back(']');
    has_items_.pop_back();
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
    before_value();
    append_json_string(out_, name);
    out_.push_back(':');
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
    before_value();
    append_json_string(out_, text);
    return *this;
}

JsonWriter& JsonWriter::value(bool b) {
    before_value();
    out_.append(b ? "true" : "false");
    return *this;
}

JsonWriter& JsonWriter::value(double d) {
    if (!std::isfinite(d)) return null();
    // 2^53: beyond it a double no longer holds every integer, so print it as a double.
    if (std::trunc(d) == d && std::fabs(d) < 9007199254740992.0) {
        return write_int(static_cast<std::int64_t>(d));
    }
    before_value();
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, d);
    out_.append(buf, res.ptr);
    return *this;
}

JsonWriter& JsonWriter::write_int(std::int64_t n) {
    before_value();
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, n);
    out_.append(buf, res.ptr);
    return *this;
}

JsonWriter& JsonWriter::write_uint(std::uint64_t n) {
    before_value();
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, n);
    out_.append(buf, res.ptr);
    return *this;
}

JsonWriter& JsonWriter::null() {
    before_value();
    out_.append("null");
    return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
    before_value();
    out_.append(json);
    return *this;
}

JsonWriter& JsonWriter::string_array(const std::vector<std::string>& values) {
    begin_array();
    for (const auto& v : values) value(v);
    return end_array();
}

std::string iso8601(std::int64_t unix_seconds) {
    if (unix_seconds < 0) return {};
    using namespace std::chrono;
    const sys_seconds tp{seconds{unix_seconds}};
    const auto day = floor<days>(tp);
    const year_month_day ymd{day};
    const hh_mm_ss hms{tp - day};
    char buf[40];
    std::snprintf(buf,
                  sizeof buf,
                  "%04d-%02u-%02uT%02d:%02d:%02d.000Z",
                  static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

std::optional<std::int64_t> parse_iso8601(std::string_view s) {
    std::size_t pos = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!read_digits(s, pos, 4, y) || pos >= s.size() || s[pos++] != '-') return std::nullopt;
    if (!read_digits(s, pos, 2, mo) || pos >= s.size() || s[pos++] != '-') return std::nullopt;
    if (!read_digits(s, pos, 2, d)) return std::nullopt;
    using namespace std::chrono;
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                             day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    std::int64_t offset = 0;
    if (pos < s.size()) {
        if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
        ++pos;
        if (!read_digits(s, pos, 2, h) || pos >= s.size() || s[pos++] != ':') return std::nullopt;
        if (!read_digits(s, pos, 2, mi)) return std::nullopt;
        if (pos < s.size() && s[pos] == ':') {
            ++pos;
            if (!read_digits(s, pos, 2, sec)) return std::nullopt;
            if (pos < s.size() && s[pos] == '.') {
                ++pos;
                const std::size_t start = pos;
                while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
                if (pos == start) return std::nullopt;
            }
        }
        if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
        if (pos < s.size()) {
            if (s[pos] == 'Z' || s[pos] == 'z') {
                ++pos;
            } else if (s[pos] == '+' || s[pos] == '-') {
                const int sign = s[pos] == '-' ? -1 : 1;
                ++pos;
                int oh = 0, om = 0;
                if (!read_digits(s, pos, 2, oh)) return std::nullopt;
                if (pos < s.size() && s[pos] == ':') ++pos;
                if (!read_digits(s, pos, 2, om)) return std::nullopt;
                offset = sign * (oh * 3600 + om * 60);
            }
        }
        if (pos != s.size()) return std::nullopt;
    }
    const auto days_since_epoch = sys_days{ymd}.time_since_epoch().count();
    return static_cast<std::int64_t>(days_since_epoch) * 86400 + h * 3600 + mi * 60 + sec -
           offset;
}

std::optional<bool> parse_bool(std::string_view text) {
    if (ascii_iequals(text, "true") || text == "1" || ascii_iequals(text, "yes")) return true;
    if (ascii_iequals(text, "false") || text == "0" || ascii_iequals(text, "no")) return false;
    return std::nullopt;
}

std::optional<std::uint64_t> parse_uint(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::uint64_t v = 0;
    const auto res = std::from_chars(text.data(), text.data() + text.size(), v);
    if (res.ec != std::errc{} || res.ptr != text.data() + text.size()) return std::nullopt;
    return v;
}

std::optional<double> parse_number(std::string_view text) {
    if (text.empty()) return std::nullopt;
    double v = 0;
    const auto res = std::from_chars(text.data(), text.data() + text.size(), v);
    if (res.ec != std::errc{} || res.ptr != text.data() + text.size()) return std::nullopt;
    if (!std::isfinite(v)) return std::nullopt;
    return v;
}

}  // namespace cardex::server
