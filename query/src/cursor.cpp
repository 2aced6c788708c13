#include "cursor.h"

#include <cstring>

namespace cardex::query {

namespace {

constexpr std::string_view kMagic = "c1";
// sort, value, docid, next, position, uuid, query
constexpr std::size_t kBytes = 1 + 8 + 4 + 4 + 8 + 16 + 8;
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

template <class T>
void put(std::string& out, T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.append(b, sizeof(T));  // host order: cursors never leave the process's architecture
}

template <class T>
T get(const std::string& in, std::size_t& at) {
    T v;
    std::memcpy(&v, in.data() + at, sizeof(T));
    at += sizeof(T);
    return v;
}

std::string b64_encode(const std::string& in) {
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : in) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(kB64[(acc >> bits) & 63]);
        }
    }
    if (bits > 0) out.push_back(kB64[(acc << (6 - bits)) & 63]);
    return out;
}

bool b64_decode(std::string_view in, std::string& out) {
    std::uint32_t acc = 0;
    int bits = 0;
    for (char ch : in) {
        const char* p = std::strchr(kB64, ch);
        if (ch == '\0' || p == nullptr) return false;
        acc = (acc << 6) | static_cast<std::uint32_t>(p - kB64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    return true;
}

void mix(std::uint64_t& h, std::string_view s) {
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;  // FNV-1a
    }
    h ^= 0xFF;  // field separator: ("ab","c") and ("a","bc") differ
    h *= 1099511628211ull;
}

}  // namespace

std::string encode_cursor(const Cursor& c) {
    std::string raw;
    raw.reserve(kBytes);
    raw.push_back(static_cast<char>(c.sort));
    put(raw, c.value);
    put(raw, c.docid);
    put(raw, c.next);
    put(raw, c.position);
    raw.append(reinterpret_cast<const char*>(c.generation.data()), c.generation.size());
    put(raw, c.query);
    return std::string(kMagic) + b64_encode(raw);
}

Result<Cursor> decode_cursor(std::string_view text) {
    auto bad = [&]() {
        return make_error(Errc::InvalidArgument, "bad cursor (use the next_cursor of a response)",
                          std::string(text.substr(0, 64)));
    };
    if (text.size() < kMagic.size() || text.substr(0, kMagic.size()) != kMagic ||
        text.size() > 2 * kBytes) {
        return bad();
    }
    std::string raw;
    if (!b64_decode(text.substr(kMagic.size()), raw) || raw.size() != kBytes) return bad();
    Cursor c;
    std::size_t at = 0;
    const auto sort = static_cast<std::uint8_t>(raw[at++]);
    if (sort > static_cast<std::uint8_t>(Sort::Quality)) return bad();
    c.sort = static_cast<Sort>(sort);
    c.value = get<double>(raw, at);
    c.docid = get<std::uint32_t>(raw, at);
    c.next = get<std::uint32_t>(raw, at);
    c.position = get<std::uint64_t>(raw, at);
    std::memcpy(c.generation.data(), raw.data() + at, c.generation.size());
    at += c.generation.size();
    c.query = get<std::uint64_t>(raw, at);
    if (c.value != c.value || c.docid == 0) return bad();  // NaN, or no docid
    return c;
}

std::array<std::uint8_t, 16> uuid_bytes(std::string_view uuid) {
    std::array<std::uint8_t, 16> out{};
    if (uuid.find(':') != std::string_view::npos) {
        // Several databases searched together (the public one and private ones): their
        // uuids, in order, hashed into 16 bytes (two FNV-1a lanes), so a cursor expires
        // when any of them is rebuilt or another joins.
        std::uint64_t a = 14695981039346656037ull, b = 0x9e3779b97f4a7c15ull;
        for (unsigned char ch : uuid) {
            a = (a ^ ch) * 1099511628211ull;
            b = (b ^ ch) * 0x100000001b3ull + 0x2545f4914f6cdd1dull;
        }
        std::memcpy(out.data(), &a, 8);
        std::memcpy(out.data() + 8, &b, 8);
        return out;
    }
    std::size_t n = 0;
    int half = -1;
    for (char ch : uuid) {
        int v;
        if (ch >= '0' && ch <= '9') {
            v = ch - '0';
        } else if (ch >= 'a' && ch <= 'f') {
            v = ch - 'a' + 10;
        } else if (ch >= 'A' && ch <= 'F') {
            v = ch - 'A' + 10;
        } else {
            continue;  // dashes
        }
        if (n == out.size()) return {};
        if (half < 0) {
            half = v;
        } else {
            out[n++] = static_cast<std::uint8_t>(half << 4 | v);
            half = -1;
        }
    }
    return n == out.size() ? out : std::array<std::uint8_t, 16>{};
}

std::uint64_t query_fingerprint(const SearchRequest& req, Sort sort) {
    std::uint64_t h = 14695981039346656037ull;
    mix(h, req.text);
    mix(h, sort_name(sort));
    for (const auto& f : req.filters) {
        mix(h, f.facet);
        for (const auto& v : f.values) mix(h, v);
        mix(h, "-");
        for (const auto& v : f.excluded) mix(h, v);
    }
    for (const auto& r : req.ranges) {
        mix(h, r.field);
        mix(h, r.min ? std::to_string(*r.min) : "");
        mix(h, r.max ? std::to_string(*r.max) : "");
    }
    for (const auto& ns : req.private_namespaces) mix(h, ns);
    mix(h, req.all_private ? "all" : "");
    mix(h, req.id_only ? "id" : "");
    mix(h, req.plain_bm25 ? "plain" : "");
    // The prior reorders the ranking: a page ranked with one weight does not continue one
    // ranked with another. Unset and the default are the same ranking.
    const double prior = req.prior_weight.value_or(kDefaultPriorWeight);
    if (prior != kDefaultPriorWeight) mix(h, "prior" + std::to_string(prior));
    return h;
}

}  // namespace cardex::query
