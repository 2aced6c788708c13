#pragma once
// YAML front matter -> a small tree, through libyaml's event parser (the C parser under
// PyYAML, which the Hub's Python client uses). Aliases are expanded into copies, counted
// against a node budget so that alias bombs and deep nesting are refused quickly.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cardex/index/result.h"

namespace cardex::ingest {

struct YamlEntry;

struct YamlNode {
    enum class Kind { Scalar, Sequence, Mapping };
    Kind kind = Kind::Scalar;
    std::string text;  ///< scalar value
    bool plain = true;  ///< scalar written without quotes (so "true", "12" are typed)
    std::vector<YamlNode> items;     ///< sequence items
    std::vector<YamlEntry> entries;  ///< mapping entries, in order

    const YamlNode* find(std::string_view key) const;
    bool is_null() const;  ///< plain "", "~", "null"
};

/// A mapping entry. A struct of its own rather than std::pair<std::string, YamlNode>: clang
/// (14) in C++20 instantiates vector's constexpr destructor inside YamlNode, where a pair
/// holding the still incomplete YamlNode cannot be destroyed. Named like pair's members.
struct YamlEntry {
    YamlEntry(std::string key, YamlNode value) : first(std::move(key)), second(std::move(value)) {}
    std::string first;
    YamlNode second;
};

struct YamlLimits {
    std::size_t max_nodes = 50000;
    std::size_t max_depth = 64;
    /// Scalar and key bytes of the expanded tree: aliases of a long string multiply bytes,
    /// not nodes (found by tests/fuzz: a 6.7 KB card expanded to over 1 GB of JSON).
    std::size_t max_bytes = 1u << 20;
};

/// Parses one YAML document. InvalidArgument with libyaml's problem and line on bad YAML,
/// ResourceExhausted over the limits (nodes, depth, or bytes once aliases are expanded). An empty document is an empty mapping.
Result<YamlNode> parse_yaml(std::string_view text, const YamlLimits& limits);

/// A front matter document: the keys a caller needs as a tree, everything as JSON.
struct FrontMatter {
    YamlNode meta;     ///< the top-level mapping, with only the keys `keep` accepted
    std::string json;  ///< the whole document as a JSON object: the Hub's cardData
};

/// Parses a document that should be a mapping. Keys `keep` rejects are converted to JSON
/// straight from libyaml's events, without a tree: big blocks such as `dataset_info` and
/// `model-index` cost no allocations per node. Documents with aliases, merge keys or
/// complex keys take the tree path (parse_yaml) and give the same result. Errors as
/// parse_yaml; InvalidArgument with detail "not-a-mapping" when the document is a scalar or
/// a sequence. An empty document is an empty mapping.
Result<FrontMatter> parse_front_matter(std::string_view text, const YamlLimits& limits,
                                       bool (*keep)(std::string_view key));

/// A JSON object (a listing's cardData) as the tree parse_yaml gives for the same data:
/// numbers, booleans and null plain scalars in their JSON spelling, strings quoted, so
/// typing and normalization treat both alike. InvalidArgument if `json` is not one valid
/// JSON object (detail "not-a-mapping" for another JSON value), ResourceExhausted over the
/// limits.
Result<YamlNode> json_to_tree(std::string_view json, const YamlLimits& limits);

/// The node as JSON, with YAML 1.2 core-schema typing of plain scalars (null, booleans,
/// numbers); everything else is a string. This is the Hub's `cardData`.
void yaml_to_json(const YamlNode& node, std::string& out);

/// Appends `s` as a JSON string literal.
void json_escape(std::string_view s, std::string& out);
/// Appends a scalar as JSON: plain null/true/false/numbers typed (YAML 1.2 core schema),
/// everything else a string.
void scalar_json(std::string_view text, bool plain, std::string& out);

}  // namespace cardex::ingest
