#include "yaml_tree.h"

#include <yaml.h>

#include <cstdio>
#include <unordered_map>

namespace cardex::ingest {

const YamlNode* YamlNode::find(std::string_view key) const {
    for (const auto& [k, v] : entries) {
        if (k == key) return &v;
    }
    return nullptr;
}

bool YamlNode::is_null() const {
    return kind == Kind::Scalar && plain &&
           (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL");
}

namespace {

std::size_t count_nodes(const YamlNode& n) {
    std::size_t c = 1;
    for (const auto& i : n.items) c += count_nodes(i);
    for (const auto& [k, v] : n.entries) c += count_nodes(v);
    return c;
}

// Builds the tree from events. libyaml's parser is not recursive-safe against depth by
// itself, so depth is checked here before descending.
class Builder {
public:
    Builder(yaml_parser_t* p, const YamlLimits& limits) : p_(p), limits_(limits) {}

    Result<YamlNode> document() {
        // STREAM-START, DOCUMENT-START (or STREAM-END for an empty text).
        for (;;) {
            auto ev = next();
            if (!ev) return std::move(ev).error();
            const auto type = ev.value().type;
            yaml_event_delete(&ev.value());
            if (type == YAML_DOCUMENT_START_EVENT) break;
            if (type == YAML_STREAM_END_EVENT) return YamlNode{YamlNode::Kind::Mapping, {}, true, {}, {}};
        }
        auto root = node(0);
        if (!root) return root;
        return root;
    }

private:
    Result<yaml_event_t> next() {
        yaml_event_t ev;
        if (!yaml_parser_parse(p_, &ev)) {
            std::string msg = p_->problem ? p_->problem : "YAML error";
            if (p_->context) msg = std::string(p_->context) + ", " + msg;
            char where[64];
            std::snprintf(where, sizeof where, "line %zu column %zu",
                          static_cast<std::size_t>(p_->problem_mark.line + 1),
                          static_cast<std::size_t>(p_->problem_mark.column + 1));
            return make_error(Errc::InvalidArgument, "malformed YAML: " + msg, where);
        }
        return ev;
    }

    Status count(std::size_t n) {
        nodes_ += n;
        if (nodes_ > limits_.max_nodes) {
            return make_error(Errc::ResourceExhausted,
                              "YAML expands to more than " + std::to_string(limits_.max_nodes) +
                                  " nodes (alias bomb?)");
        }
        return Ok{};
    }

    static std::string anchor_of(const yaml_char_t* a) {
        return a ? std::string(reinterpret_cast<const char*>(a)) : std::string();
    }

    // Reads one node whose first event is the next one.
    Result<YamlNode> node(std::size_t depth) {
        auto evr = next();
        if (!evr) return std::move(evr).error();
        yaml_event_t ev = evr.value();
        return node_from(ev, depth);
    }

    Result<YamlNode> node_from(yaml_event_t& ev, std::size_t depth) {
        if (depth > limits_.max_depth) {
            yaml_event_delete(&ev);
            return make_error(Errc::ResourceExhausted,
                              "YAML nested deeper than " + std::to_string(limits_.max_depth));
        }
        if (auto st = count(1); !st) {
            yaml_event_delete(&ev);
            return std::move(st).error();
        }
        YamlNode n;
        std::string anchor;
        switch (ev.type) {
            case YAML_SCALAR_EVENT: {
                n.kind = YamlNode::Kind::Scalar;
                n.text.assign(reinterpret_cast<const char*>(ev.data.scalar.value),
                              ev.data.scalar.length);
                n.plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                anchor = anchor_of(ev.data.scalar.anchor);
                yaml_event_delete(&ev);
                break;
            }
            case YAML_ALIAS_EVENT: {
                std::string name = anchor_of(ev.data.alias.anchor);
                yaml_event_delete(&ev);
                auto it = anchors_.find(name);
                if (it == anchors_.end()) {
                    return make_error(Errc::InvalidArgument, "YAML alias to unknown anchor", name);
                }
                if (auto st = count(count_nodes(it->second)); !st) return std::move(st).error();
                return it->second;
            }
            case YAML_SEQUENCE_START_EVENT: {
                n.kind = YamlNode::Kind::Sequence;
                anchor = anchor_of(ev.data.sequence_start.anchor);
                yaml_event_delete(&ev);
                for (;;) {
                    auto e = next();
                    if (!e) return std::move(e).error();
                    if (e.value().type == YAML_SEQUENCE_END_EVENT) {
                        yaml_event_delete(&e.value());
                        break;
                    }
                    auto item = node_from(e.value(), depth + 1);
                    if (!item) return item;
                    n.items.push_back(std::move(item).value());
                }
                break;
            }
            case YAML_MAPPING_START_EVENT: {
                n.kind = YamlNode::Kind::Mapping;
                anchor = anchor_of(ev.data.mapping_start.anchor);
                yaml_event_delete(&ev);
                for (;;) {
                    auto e = next();
                    if (!e) return std::move(e).error();
                    if (e.value().type == YAML_MAPPING_END_EVENT) {
                        yaml_event_delete(&e.value());
                        break;
                    }
                    auto key = node_from(e.value(), depth + 1);
                    if (!key) return key;
                    auto value = node(depth + 1);
                    if (!value) return value;
                    std::string k;
                    if (key.value().kind == YamlNode::Kind::Scalar) {
                        k = std::move(key.value().text);
                    } else {
                        yaml_to_json(key.value(), k);  // complex keys: their JSON text
                    }
                    if (k == "<<" && value.value().kind == YamlNode::Kind::Mapping) {
                        // Merge key: copy entries not already present.
                        for (auto& [mk, mv] : value.value().entries) {
                            if (!n.find(mk)) n.entries.emplace_back(mk, mv);
                        }
                        continue;
                    }
                    n.entries.emplace_back(std::move(k), std::move(value).value());
                }
                break;
            }
            default:
                yaml_event_delete(&ev);
                return make_error(Errc::InvalidArgument, "unexpected YAML event");
        }
        if (!anchor.empty()) anchors_[anchor] = n;
        return n;
    }

    yaml_parser_t* p_;
    YamlLimits limits_;
    std::size_t nodes_ = 0;
    std::unordered_map<std::string, YamlNode> anchors_;
};

bool is_json_number(std::string_view s) {
    std::size_t i = 0;
    if (i < s.size() && s[i] == '-') ++i;
    if (i >= s.size()) return false;
    if (s[i] == '0') {
        ++i;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    } else {
        return false;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    }
    return i == s.size();
}

}  // namespace

Result<YamlNode> parse_yaml(std::string_view text, const YamlLimits& limits) {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return make_error(Errc::Internal, "libyaml init failed");
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
    Builder b(&parser, limits);
    auto r = b.document();
    yaml_parser_delete(&parser);
    return r;
}

void json_escape(std::string_view s, std::string& out) {
    out.push_back('"');
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
    }
    out.push_back('"');
}

void yaml_to_json(const YamlNode& n, std::string& out) {
    switch (n.kind) {
        case YamlNode::Kind::Scalar: {
            if (n.plain) {
                const auto& t = n.text;
                if (n.is_null()) {
                    out += "null";
                    return;
                }
                if (t == "true" || t == "True" || t == "TRUE") {
                    out += "true";
                    return;
                }
                if (t == "false" || t == "False" || t == "FALSE") {
                    out += "false";
                    return;
                }
                if (is_json_number(t)) {
                    out += t;
                    return;
                }
            }
            json_escape(n.text, out);
            return;
        }
        case YamlNode::Kind::Sequence: {
            out.push_back('[');
            bool first = true;
            for (const auto& i : n.items) {
                if (!first) out.push_back(',');
                first = false;
                yaml_to_json(i, out);
            }
            out.push_back(']');
            return;
        }
        case YamlNode::Kind::Mapping: {
            out.push_back('{');
            bool first = true;
            for (const auto& [k, v] : n.entries) {
                if (!first) out.push_back(',');
                first = false;
                json_escape(k, out);
                out.push_back(':');
                yaml_to_json(v, out);
            }
            out.push_back('}');
            return;
        }
    }
}

}  // namespace cardex::ingest
