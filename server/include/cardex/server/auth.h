#pragma once
// cardex::server access control: Bearer tokens -> who may read which private cards.
//
// Tokens file (`cardex serve --tokens FILE`), one token per line:
//
//     # comment lines and blank lines are ignored
//     <token><TAB or spaces><namespace>[,<namespace>...]
//     <token><TAB or spaces>*admin*
//
// A token may read the private cards of the namespaces listed (a card's namespace is the part
// of its id before the slash); `*admin*` reads every private card and may call the admin
// endpoints (upsert, delete, reindex). `*admin*` may be combined with namespaces but they
// add nothing. Tokens are printable ASCII without spaces, 8 to 512 bytes; a token listed
// twice is an error (which line would win is not obvious).
//
// Secrets: the store keeps only SHA-256 digests of the tokens, and lookup() hashes the
// presented token and compares it with every digest in constant time, without stopping at
// a match, so timing says nothing about how close a guess was or which entry matched.
// Nothing here logs; error messages name line numbers, never tokens.
//
// Thread-safety: a TokenStore is immutable after load; share one (by shared_ptr) across
// threads. Cost of lookup: one SHA-256 of the presented token plus one 32-byte comparison
// per configured token.
#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/result.h"

namespace cardex::server {

/// Who is calling, after the Authorization header has been checked.
struct Principal {
    bool authenticated = false;  ///< a valid token was presented
    bool admin = false;          ///< may read every private card and call admin endpoints
    std::vector<std::string> namespaces;  ///< namespaces whose private cards it may read

    static Principal anonymous() { return {}; }
};

class TokenStore {
public:
    using Digest = std::array<unsigned char, 32>;

    /// Parses a tokens file's text. InvalidArgument naming the line on a malformed line.
    static Result<TokenStore> parse(std::string_view text);
    /// Reads and parses FILE. NotFound if it cannot be read.
    static Result<TokenStore> load(const std::string& path);

    /// The principal of `token`, or nullptr if it is not a configured token.
    /// The returned pointer lives as long as the store.
    const Principal* lookup(std::string_view token) const;

    std::size_t size() const noexcept { return entries_.size(); }

private:
    struct Entry {
        Digest digest;
        Principal principal;
    };
    std::vector<Entry> entries_;
};

/// Outcome of reading a request's Authorization header.
enum class AuthStatus {
    Anonymous,  ///< no Authorization header
    Valid,      ///< a configured Bearer token
    Invalid,    ///< a header that is not "Bearer <known token>"
};

/// Checks an Authorization header value (empty: absent) against `tokens` (null: no tokens
/// configured, so every presented token is invalid). Fills `principal` when Valid.
AuthStatus authenticate(std::string_view authorization, const TokenStore* tokens,
                        Principal& principal);

}  // namespace cardex::server
