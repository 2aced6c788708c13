#include "cardex/index/schema.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "internal.h"

namespace cardex::index {

namespace {
// facet_info() indexes kFacets by the enum value.
constexpr bool facets_in_enum_order() {
    for (std::size_t i = 0; i < kFacets.size(); ++i) {
        if (static_cast<std::size_t>(kFacets[i].facet) != i) return false;
    }
    return true;
}
static_assert(facets_in_enum_order(), "kFacets rows must follow the Facet enum");
}  // namespace

std::optional<Facet> facet_by_name(std::string_view name) noexcept {
    for (const auto& f : kFacets) {
        if (f.name == name) return f.facet;
    }
    if (name == "languages") return Facet::Language;
    if (name == "licenses") return Facet::License;
    if (name == "library_name") return Facet::Library;
    if (name == "datasets") return Facet::Dataset;
    if (name == "tags") return Facet::Tag;
    return std::nullopt;
}

std::string language_stem_term(std::string_view code, std::string_view stem) {
    std::string t;
    t.reserve(kPrefixLanguageStem.size() + code.size() + 1 + stem.size());
    t.append(kPrefixLanguageStem).append(code).append(1, ':').append(stem);
    return t;
}

std::string term(std::string_view prefix, std::string_view value) {
    std::string t;
    t.reserve(prefix.size() + value.size() + 1);
    t.append(prefix);
    // A leading ':' gets one more, so facet_value strips only the separator.
    if (!value.empty() &&
        ((value.front() >= 'A' && value.front() <= 'Z') || value.front() == ':')) {
        t.push_back(':');
    }
    t.append(value);
    return t;
}

std::string id_term(std::string_view type_name, std::string_view id) {
    std::string t(kPrefixId);
    t.append(type_name).push_back('/');
    t.append(id);
    return t;
}

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (auto& ch : out) {
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
    }
    return out;
}

std::string facet_term(Facet facet, std::string_view value) {
    const FacetInfo& info = facet_info(facet);
    if (!info.fold_case) return term(info.prefix, value);
    std::string t(info.prefix);
    t.append(lower_ascii(value));
    return t;
}

std::string facet_key(Facet facet, std::string_view value) {
    return facet_info(facet).fold_case ? lower_ascii(value) : std::string(value);
}

std::string_view facet_value(Facet facet, std::string_view t) noexcept {
    auto prefix = facet_info(facet).prefix;
    if (t.substr(0, prefix.size()) != prefix) return {};
    t.remove_prefix(prefix.size());
    if (!t.empty() && t.front() == ':') t.remove_prefix(1);
    return t;
}

double popularity_prior(std::int64_t downloads) noexcept {
    if (downloads <= 0) return 0.0;
    return std::min(kPriorCap, std::log10(1.0 + static_cast<double>(downloads)));
}

std::string pack_facet_values(const std::vector<std::string_view>& values) {
    std::string out;
    for (const auto v : values) {
        std::size_t n = v.size();
        do {
            const auto low = static_cast<unsigned char>(n & 0x7f);
            n >>= 7;
            out.push_back(static_cast<char>(n ? low | 0x80 : low));
        } while (n);
        out.append(v);
    }
    return out;
}

bool unpack_facet_values(std::string_view packed, std::vector<std::string_view>& out) {
    std::size_t at = 0;
    while (at < packed.size()) {
        std::size_t n = 0;
        int shift = 0;
        for (;;) {
            if (at >= packed.size() || shift > 28) return false;
            const auto byte = static_cast<unsigned char>(packed[at++]);
            n |= static_cast<std::size_t>(byte & 0x7f) << shift;
            shift += 7;
            if (!(byte & 0x80)) break;
        }
        if (n > packed.size() - at) return false;
        out.push_back(packed.substr(at, n));
        at += n;
    }
    return true;
}

std::string order_key(CardType type, std::string_view id) {
    std::string k(id);
    k.push_back('\0');
    k.append(card_type_name(type));
    return k;
}

namespace {
// 8 bytes that compare as the double `v` does, descending: IEEE 754 bits with the sign
// flipped (negatives: all bits), then inverted.
void append_descending(std::string& out, double v) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    bits = (bits >> 63) ? ~bits : bits | (std::uint64_t{1} << 63);
    bits = ~bits;
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}
}  // namespace

std::string shard_order_key(std::optional<double> value,
                            double downloads,
                            CardType type,
                            std::string_view id) {
    std::string k;
    if (value) append_descending(k, *value);
    append_descending(k, downloads);
    k += order_key(type, id);
    return k;
}

std::string_view shard_order_id(std::string_view key) noexcept {
    if (key.size() < 8) return {};
    key.remove_prefix(8);
    return key.substr(0, key.find('\0'));
}

std::size_t shard_of(CardType type, std::string_view id, std::size_t shards) noexcept {
    return static_cast<std::size_t>(key_hash(type, id) % shards);
}

}  // namespace cardex::index
