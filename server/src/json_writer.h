#pragma once
// A small streaming JSON writer and the value formats the API shares (ISO dates, booleans).
// Private to cardex_server.
//
// Why not boost::json::serialize for output: it prints doubles as "5.8E2", and the Hub's
// clients expect plain numbers ("trendingScore":580). Boost.JSON is still used to *parse*
// card data. Every string written is escaped and made valid UTF-8 (bad bytes become U+FFFD),
// so a broken card can never produce an unparseable response.
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cardex::server {

class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view name);

    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
    JsonWriter& value(bool b);
    JsonWriter& value(double d);  ///< integral values print without a fraction; NaN/inf as null
    template <std::integral T>
    JsonWriter& value(T n) {
        if constexpr (std::is_signed_v<T>) {
            return write_int(static_cast<std::int64_t>(n));
        } else {
            return write_uint(static_cast<std::uint64_t>(n));
        }
    }
    JsonWriter& null();
    /// Inserts already-serialized, valid JSON verbatim (the caller vouches for it).
    JsonWriter& raw(std::string_view json);
    JsonWriter& string_array(const std::vector<std::string>& values);

    /// key(name).value(v) in one call.
    template <class V>
    JsonWriter& field(std::string_view name, const V& v) {
        key(name);
        return value(v);
    }

    const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    void before_value();
    JsonWriter& write_int(std::int64_t n);
    JsonWriter& write_uint(std::uint64_t n);

    std::string out_;
    std::vector<std::uint8_t> has_items_;  // one per open container (0 or 1)
    bool after_key_ = false;
};

/// Appends `text` as a JSON string literal (quotes included) to `out`.
void append_json_string(std::string& out, std::string_view text);

/// Unix seconds -> "2025-01-29T08:35:53.000Z" (the Hub's format). Empty for negative input.
std::string iso8601(std::int64_t unix_seconds);

/// Parses "2024-01-31", "2024-01-31T08:35:53", optional fraction and "Z" or "+hh:mm".
/// Returns Unix seconds; nullopt if malformed.
std::optional<std::int64_t> parse_iso8601(std::string_view text);

/// "true"/"True"/"1"/"yes" and "false"/"False"/"0"/"no" (case-insensitive). nullopt else.
std::optional<bool> parse_bool(std::string_view text);

/// Decimal non-negative integer without sign or spaces; nullopt on overflow or junk.
std::optional<std::uint64_t> parse_uint(std::string_view text);

/// Decimal number (integer or fraction); nullopt on junk, NaN or infinity.
std::optional<double> parse_number(std::string_view text);

}  // namespace cardex::server
