#pragma once
// Request-target parsing for the handlers: percent-decoding, query strings, and the
// percent-encoding used to rebuild absolute Link URLs. Private to cardex_server.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cardex::server {

/// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in query strings).
/// nullopt on a malformed escape or a NUL (encoded or raw), so bad input becomes a 400, not
/// a guess.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

/// Encodes everything but RFC 3986 unreserved characters, so a value survives any query
/// string or header it is put into (Link URLs, cursors).
std::string percent_encode(std::string_view text);

/// A decoded query string, keys and values in request order (repeated keys kept).
class QueryParams {
public:
    /// Parses "a=1&b=2&a=3". Empty pieces are skipped; "a" alone has an empty value.
    /// nullopt on a malformed escape.
    static std::optional<QueryParams> parse(std::string_view query);

    /// Every value of `key`, in order, each also split on ',' (the JS client and the
    /// Hub's own tools send comma-joined lists), empty pieces dropped.
    std::vector<std::string> list(std::string_view key) const;
    /// Every raw value of `key`, in order, not split.
    std::vector<std::string> all(std::string_view key) const;
    /// The last value of `key` (a repeated scalar: the last one wins, as in most servers).
    std::optional<std::string> last(std::string_view key) const;
    bool has(std::string_view key) const;

    const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

private:
    std::vector<std::pair<std::string, std::string>> items_;
};

/// Splits a request-target into its path and query ("/a?b=1" -> "/a", "b=1").
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

}  // namespace cardex::server
