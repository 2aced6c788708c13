// Tokens file parsing and constant-time token lookup.
#include "cardex/server/auth.h"

#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace cardex::server {
namespace {

constexpr std::string_view kAdminMarker = "*admin*";
constexpr std::size_t kMinTokenBytes = 8;
constexpr std::size_t kMaxTokenBytes = 512;

TokenStore::Digest digest_of(std::string_view token) {
    TokenStore::Digest d{};
    unsigned int len = 0;
    // EVP_Digest only fails on allocation failure; a zero digest then matches nothing real
    // (a configured token's digest is never all zeros in practice) and is still compared.
    if (EVP_Digest(token.data(), token.size(), d.data(), &len, EVP_sha256(), nullptr) != 1) {
        d.fill(0);
    }
    return d;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

bool valid_token(std::string_view t) {
    if (t.size() < kMinTokenBytes || t.size() > kMaxTokenBytes) return false;
    for (const char c : t) {
        if (c <= 0x20 || c >= 0x7F) return false;
    }
    return true;
}

}  // namespace

Result<TokenStore> TokenStore::parse(std::string_view text) {
    TokenStore store;
    std::set<Digest> seen;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const std::size_t nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;

        const std::string where = "line " + std::to_string(line_no);
        std::size_t split = 0;
        while (split < line.size() && !is_space(line[split])) ++split;
        const std::string_view token = line.substr(0, split);
        const std::string_view grants = trim(line.substr(split));
        if (!valid_token(token)) {
            return make_error(Errc::InvalidArgument,
                              "tokens file: a token must be 8 to 512 printable ASCII bytes "
                              "without spaces",
                              where);
        }
        if (grants.empty()) {
            return make_error(Errc::InvalidArgument,
                              "tokens file: expected namespaces or *admin* after the token", where);
        }
        Entry e{digest_of(token), {}};
        e.principal.authenticated = true;
        std::string_view rest = grants;
        while (!rest.empty()) {
            const std::size_t comma = rest.find(',');
            const std::string_view ns = trim(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            if (ns.empty()) continue;
            if (ns == kAdminMarker) {
                e.principal.admin = true;
                continue;
            }
            if (ns.find_first_of(" \t/") != std::string_view::npos) {
                return make_error(Errc::InvalidArgument,
                                  "tokens file: a namespace has no spaces or slashes", where);
            }
            e.principal.namespaces.emplace_back(ns);
        }
        if (!e.principal.admin && e.principal.namespaces.empty()) {
            return make_error(Errc::InvalidArgument,
                              "tokens file: expected namespaces or *admin* after the token", where);
        }
        if (!seen.insert(e.digest).second) {
            return make_error(Errc::InvalidArgument, "tokens file: a token is listed twice", where);
        }
        store.entries_.push_back(std::move(e));
    }
    return store;
}

Result<TokenStore> TokenStore::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::NotFound, "cannot read the tokens file", path);
    std::ostringstream text;
    text << in.rdbuf();
    auto store = parse(text.str());
    if (!store) {
        Error e = std::move(store).error();
        e.detail = path + ": " + e.detail;
        return e;
    }
    return store;
}

const Principal* TokenStore::lookup(std::string_view token) const {
    const Digest d = digest_of(token);
    const Principal* found = nullptr;
    // Every entry is compared, match or not: the time taken depends only on the number of
    // configured tokens.
    for (const auto& e : entries_) {
        const bool eq = CRYPTO_memcmp(d.data(), e.digest.data(), d.size()) == 0;
        if (eq) found = &e.principal;
    }
    return found;
}

AuthStatus authenticate(std::string_view authorization, const TokenStore* tokens,
                        Principal& principal) {
    if (authorization.empty()) return AuthStatus::Anonymous;
    // Scheme names are case-insensitive (RFC 9110 §11.1).
    constexpr std::string_view kScheme = "bearer ";
    if (authorization.size() <= kScheme.size()) return AuthStatus::Invalid;
    for (std::size_t i = 0; i < kScheme.size(); ++i) {
        char c = authorization[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != kScheme[i]) return AuthStatus::Invalid;
    }
    const std::string_view token = trim(authorization.substr(kScheme.size()));
    if (tokens == nullptr || token.empty()) return AuthStatus::Invalid;
    const Principal* p = tokens->lookup(token);
    if (p == nullptr) return AuthStatus::Invalid;
    principal = *p;
    return AuthStatus::Valid;
}

}  // namespace cardex::server
