// Front matter fields for normalization. See card_fields.h.
#include "card_fields.h"

namespace cardex::ingest {

namespace {

const char* kind_name(const YamlNode& n) {
    return n.kind == YamlNode::Kind::Mapping    ? "a mapping"
           : n.kind == YamlNode::Kind::Sequence ? "a list"
                                                : "a scalar";
}

}  // namespace

bool is_typed_scalar(const YamlNode& n) {
    if (n.kind != YamlNode::Kind::Scalar || !n.plain) return false;
    std::string typed;
    scalar_json(n.text, true, typed);
    return typed.empty() || typed[0] != '"';
}

void Fields::warn(std::string_view key, const std::string& what) {
    warnings.push_back({source, "wrong-type", concat({"front matter '", key, "' ", what})});
}

std::vector<std::string> Fields::list(std::string_view key, bool text_only) {
    std::vector<std::string> out;
    const YamlNode* n = meta.find(key);
    if (!n || n->is_null()) return out;
    auto take = [&](const YamlNode& i) {
        if (i.kind != YamlNode::Kind::Scalar) return false;
        if (i.is_null() || trim_view(i.text).empty()) return true;
        if (text_only && is_typed_scalar(i)) return false;
        out.push_back(trim(i.text));
        return true;
    };
    if (n->kind == YamlNode::Kind::Mapping) {
        warn(key, "is a mapping, not a list; ignored");
    } else if (n->kind == YamlNode::Kind::Scalar) {
        if (!take(*n)) warn(key, "is '" + n->text.substr(0, 40) + "', not text; ignored");
    } else {
        std::size_t bad = 0;
        for (const auto& i : n->items) bad += take(i) ? 0 : 1;
        if (bad > 0) warn(key, "has " + std::to_string(bad) + " items that are not text; skipped");
    }
    if (out.size() > kMaxValues) {
        warnings.push_back({source,
                            "too-many-values",
                            concat({"front matter '",
                                    key,
                                    "' has ",
                                    std::to_string(out.size()),
                                    " values; the first ",
                                    std::to_string(kMaxValues),
                                    " are kept, ",
                                    std::to_string(out.size() - kMaxValues),
                                    " dropped"})});
        out.resize(kMaxValues);
    }
    return out;
}

std::string Fields::scalar(std::string_view key) {
    const YamlNode* n = meta.find(key);
    if (!n || n->is_null()) return {};
    if (n->kind == YamlNode::Kind::Scalar) return trim(n->text);
    auto items = n->kind == YamlNode::Kind::Sequence ? list(key) : std::vector<std::string>{};
    warn(key,
         std::string("is ") + kind_name(*n) + ", not a string" +
             (items.empty() ? "; ignored" : "; its first item is used"));
    return items.empty() ? std::string() : items.front();
}

std::vector<std::string> Fields::list2(std::string_view singular,
                                       std::string_view plural,
                                       bool text_only) {
    return meta.find(singular) ? list(singular, text_only) : list(plural, text_only);
}

std::vector<std::string> plain_list(const YamlNode* n) {
    std::vector<std::string> out;
    if (!n || n->is_null()) return out;
    if (n->kind == YamlNode::Kind::Scalar) {
        if (!trim_view(n->text).empty()) out.push_back(trim(n->text));
    } else if (n->kind == YamlNode::Kind::Sequence) {
        for (const auto& i : n->items) {
            if (i.kind == YamlNode::Kind::Scalar && !i.is_null() && !trim_view(i.text).empty()) {
                out.push_back(trim(i.text));
            }
        }
    }
    return out;
}

}  // namespace cardex::ingest
