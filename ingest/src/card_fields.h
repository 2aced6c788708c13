#pragma once
// Reading front matter fields (or a listing's cardData) for normalization, with a warning
// for each value of the wrong type. Private to ingest: card_parser.cpp and facets.cpp.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "cardex/ingest/card_parser.h"
#include "text_util.h"
#include "yaml_tree.h"

namespace cardex::ingest {

/// Whether a scalar is typed by YAML 1.2's core schema: a plain 5 or true is a number or a
/// boolean, not text. (`no` is text here, so `language: no` stays Norwegian, unlike
/// PyYAML's YAML 1.1 `false`.)
bool is_typed_scalar(const YamlNode& n);

/// Reads front matter fields, warning about values of the wrong type (they are skipped).
struct Fields {
    const YamlNode& meta;
    std::vector<Issue>& warnings;
    const std::string& source;

    void warn(std::string_view key, const std::string& what);

    /// A scalar or a list of scalars (a scalar where a list is allowed becomes a
    /// one-element list). `text_only`: numbers and booleans are not values of this key.
    std::vector<std::string> list(std::string_view key, bool text_only = false);
    /// A scalar; a list gives its first item (with a warning), a mapping nothing.
    std::string scalar(std::string_view key);
    /// A list under the singular key, else under the legacy plural key.
    std::vector<std::string> list2(std::string_view singular,
                                   std::string_view plural,
                                   bool text_only);
};

/// The scalars of a node as a list, without warnings (dataset tag keys kept as written).
std::vector<std::string> plain_list(const YamlNode* n);

/// Values kept per list (a front matter key, the listing's tags) and tags kept per card. Real
/// cards have at most a few dozen; the bound keeps a hostile card's cost and size small.
inline constexpr std::size_t kMaxValues = 1000;

/// Appends non-empty values to a vector once each, in first-seen order, in O(1) per value (a
/// card may come with thousands of tags; a linear search per value made them quadratic).
/// Knows the values the vector had when it was made; append only through it meanwhile.
class Unique {
public:
    explicit Unique(std::vector<std::string>& v) : v_(v) {
        for (const auto& s : v_) seen_.insert(s);
    }
    void add(std::string s) {
        if (!s.empty() && seen_.insert(s).second) v_.push_back(std::move(s));
    }

private:
    std::vector<std::string>& v_;
    std::unordered_set<std::string> seen_;
};

}  // namespace cardex::ingest
