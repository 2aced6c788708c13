#pragma once
// Reading front matter fields (or a listing's cardData) for normalization, with a warning
// for each value of the wrong type. Private to ingest: card_parser.cpp and facets.cpp.
#include <algorithm>
#include <string>
#include <string_view>
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

/// Appends `s` unless it is empty or already there.
inline void add_unique(std::vector<std::string>& v, std::string s) {
    if (s.empty()) return;
    if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(std::move(s));
}

}  // namespace cardex::ingest
