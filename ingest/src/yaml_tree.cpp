#include "yaml_tree.h"

#include <yaml.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
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

// Nodes and scalar/key bytes of a tree (what copying it for an alias costs).
void measure(const YamlNode& n, std::size_t& nodes, std::size_t& bytes) {
    ++nodes;
    bytes += n.text.size();
    for (const auto& i : n.items) measure(i, nodes, bytes);
    for (const auto& [k, v] : n.entries) {
        bytes += k.size();
        measure(v, nodes, bytes);
    }
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

    // Streaming mode: the root mapping's kept keys as a tree, everything as JSON. Returns
    // false when the document needs the tree path (aliases, merge keys, complex keys, a
    // root that is not a mapping).
    Result<bool> stream(FrontMatter& fm, bool (*keep)(std::string_view)) {
        streaming_ = true;
        fm.meta = YamlNode{YamlNode::Kind::Mapping, {}, true, {}, {}};
        for (;;) {
            auto ev = next();
            if (!ev) return std::move(ev).error();
            const auto type = ev.value().type;
            yaml_event_delete(&ev.value());
            if (type == YAML_DOCUMENT_START_EVENT) break;
            if (type == YAML_STREAM_END_EVENT) {
                fm.json = "{}";
                return true;
            }
        }
        auto root = next();
        if (!root) return std::move(root).error();
        const bool mapping = root.value().type == YAML_MAPPING_START_EVENT;
        yaml_event_delete(&root.value());
        if (!mapping) return false;
        if (auto st = count(1); !st) return std::move(st).error();
        fm.json.push_back('{');
        bool first = true;
        for (;;) {
            auto kev = next();
            if (!kev) return std::move(kev).error();
            yaml_event_t& k = kev.value();
            if (k.type == YAML_MAPPING_END_EVENT) {
                yaml_event_delete(&k);
                break;
            }
            if (k.type != YAML_SCALAR_EVENT) {
                yaml_event_delete(&k);
                return false;
            }
            std::string key(reinterpret_cast<const char*>(k.data.scalar.value), k.data.scalar.length);
            yaml_event_delete(&k);
            if (key == "<<") return false;
            if (auto st = count(1); !st) return std::move(st).error();
            if (!first) fm.json.push_back(',');
            first = false;
            json_escape(key, fm.json);
            fm.json.push_back(':');
            if (keep(key)) {
                auto v = node(1);
                if (!v) return is_fallback(v.error()) ? Result<bool>(false) : std::move(v).error();
                yaml_to_json(v.value(), fm.json);
                fm.meta.entries.emplace_back(std::move(key), std::move(v).value());
            } else {
                auto st = stream_node(1, fm.json);
                if (!st) return is_fallback(st.error()) ? Result<bool>(false) : std::move(st).error();
            }
        }
        fm.json.push_back('}');
        return true;
    }

private:
    static Error fallback() { return make_error(Errc::FailedPrecondition, "needs the tree path"); }
    static bool is_fallback(const Error& e) { return e.code == Errc::FailedPrecondition; }

    // One node straight to JSON, no tree.
    Status stream_node(std::size_t depth, std::string& out) {
        auto evr = next();
        if (!evr) return std::move(evr).error();
        yaml_event_t ev = evr.value();
        if (depth > limits_.max_depth) {
            yaml_event_delete(&ev);
            return make_error(Errc::ResourceExhausted,
                              "YAML nested deeper than " + std::to_string(limits_.max_depth));
        }
        if (auto st = count(1); !st) {
            yaml_event_delete(&ev);
            return st;
        }
        switch (ev.type) {
            case YAML_SCALAR_EVENT:
                scalar_json(std::string_view(reinterpret_cast<const char*>(ev.data.scalar.value),
                                             ev.data.scalar.length),
                            ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE, out);
                yaml_event_delete(&ev);
                return Ok{};
            case YAML_SEQUENCE_START_EVENT:
            case YAML_MAPPING_START_EVENT: {
                const bool seq = ev.type == YAML_SEQUENCE_START_EVENT;
                yaml_event_delete(&ev);
                out.push_back(seq ? '[' : '{');
                bool first = true;
                for (;;) {
                    // Peek: the end event, or the next item / key.
                    auto e = next();
                    if (!e) return std::move(e).error();
                    yaml_event_t& x = e.value();
                    if (x.type == YAML_SEQUENCE_END_EVENT || x.type == YAML_MAPPING_END_EVENT) {
                        yaml_event_delete(&x);
                        break;
                    }
                    if (!first) out.push_back(',');
                    first = false;
                    pending_ = x;
                    has_pending_ = true;
                    if (seq) {
                        if (auto st = stream_node(depth + 1, out); !st) return st;
                        continue;
                    }
                    auto kev = next();
                    if (!kev) return std::move(kev).error();
                    yaml_event_t& k = kev.value();
                    if (k.type != YAML_SCALAR_EVENT) {
                        yaml_event_delete(&k);
                        return fallback();
                    }
                    std::string_view key(reinterpret_cast<const char*>(k.data.scalar.value),
                                         k.data.scalar.length);
                    if (key == "<<") {
                        yaml_event_delete(&k);
                        return fallback();
                    }
                    json_escape(key, out);
                    yaml_event_delete(&k);
                    if (auto st = count(1); !st) return st;
                    out.push_back(':');
                    if (auto st = stream_node(depth + 1, out); !st) return st;
                }
                out.push_back(seq ? ']' : '}');
                return Ok{};
            }
            case YAML_ALIAS_EVENT:
                yaml_event_delete(&ev);
                return fallback();
            default:
                yaml_event_delete(&ev);
                return make_error(Errc::InvalidArgument, "unexpected YAML event");
        }
    }

    Result<yaml_event_t> next() {
        if (has_pending_) {
            has_pending_ = false;
            return pending_;
        }
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

    Status count(std::size_t n, std::size_t bytes = 0) {
        nodes_ += n;
        bytes_ += bytes;
        if (nodes_ > limits_.max_nodes) {
            return make_error(Errc::ResourceExhausted,
                              "YAML expands to more than " + std::to_string(limits_.max_nodes) +
                                  " nodes (alias bomb?)");
        }
        if (bytes_ > limits_.max_bytes) {
            return make_error(Errc::ResourceExhausted,
                              "YAML expands to more than " + std::to_string(limits_.max_bytes) +
                                  " bytes of text (alias bomb?)");
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
        // A scalar's bytes count here; a key's with its scalar node, below.
        const std::size_t text_bytes = ev.type == YAML_SCALAR_EVENT ? ev.data.scalar.length : 0;
        if (auto st = count(1, text_bytes); !st) {
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
                if (streaming_) return fallback();
                auto it = anchors_.find(name);
                if (it == anchors_.end()) {
                    return make_error(Errc::InvalidArgument, "YAML alias to unknown anchor", name);
                }
                std::size_t nodes = 0, bytes = 0;
                measure(it->second, nodes, bytes);
                if (auto st = count(nodes, bytes); !st) return std::move(st).error();
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
                    if (streaming_ && (k == "<<" || key.value().kind != YamlNode::Kind::Scalar)) {
                        return fallback();
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
    std::size_t bytes_ = 0;
    bool streaming_ = false;
    yaml_event_t pending_{};  // an event read ahead by stream_node, returned by next()
    bool has_pending_ = false;
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

Result<FrontMatter> parse_front_matter(std::string_view text, const YamlLimits& limits,
                                       bool (*keep)(std::string_view key)) {
    FrontMatter fm;
    {
        yaml_parser_t parser;
        if (!yaml_parser_initialize(&parser)) return make_error(Errc::Internal, "libyaml init failed");
        yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                                     text.size());
        Builder b(&parser, limits);
        fm.json.reserve(text.size() + text.size() / 4);
        auto r = b.stream(fm, keep);
        yaml_parser_delete(&parser);
        if (!r) return std::move(r).error();
        if (r.value()) return fm;
    }
    // The tree path: same result, built from a full tree.
    auto tree = parse_yaml(text, limits);
    if (!tree) return std::move(tree).error();
    if (tree.value().kind != YamlNode::Kind::Mapping) {
        return make_error(Errc::InvalidArgument, "front matter is not a mapping", "not-a-mapping");
    }
    fm.json.clear();
    yaml_to_json(tree.value(), fm.json);
    fm.meta = YamlNode{YamlNode::Kind::Mapping, {}, true, {}, {}};
    for (auto& [k, v] : tree.value().entries) {
        if (keep(k)) fm.meta.entries.emplace_back(std::move(k), std::move(v));
    }
    return fm;
}

namespace {

// Bytes JSON needs escaped: controls, '"' and '\\'. A table lookup per byte instead of three
// comparisons: cardData JSON is a few percent of card parsing (callgrind).
constexpr std::array<bool, 256> kNeedsEscape = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = true;
    t['"'] = true;
    t['\\'] = true;
    return t;
}();

}  // namespace

void json_escape(std::string_view s, std::string& out) {
    out.push_back('"');
    // Runs of bytes that need no escape are appended at once.
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (!kNeedsEscape[c]) continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default: {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            }
        }
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

namespace {

bool all_of(std::string_view s, bool (*pred)(char)) {
    for (const char c : s) {
        if (!pred(c)) return false;
    }
    return true;
}
bool dec(char c) {
    return c >= '0' && c <= '9';
}
bool oct(char c) {
    return c >= '0' && c <= '7';
}
bool hex(char c) {
    return dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Digits without leading zeros ("007" -> "7", "" -> "0").
std::string_view trim_zeros(std::string_view d) {
    while (d.size() > 1 && d.front() == '0') d.remove_prefix(1);
    return d.empty() ? std::string_view("0") : d;
}

// A plain scalar that the YAML 1.2 core schema reads as a number but that is not written
// as a JSON number: "+1", "007", "0o17", "0x1F", ".646", "110.", "-.5e3", ".nan", ".inf".
// Appends the JSON number (NaN and the infinities, which JSON cannot hold, as null) and
// returns true; false if `t` is no such number.
bool core_number_json(std::string_view t, std::string& out) {
    if (t == ".nan" || t == ".NaN" || t == ".NAN") {
        out += "null";
        return true;
    }
    std::string_view body = t;
    const bool minus = !body.empty() && body.front() == '-';
    if (!body.empty() && (body.front() == '-' || body.front() == '+')) body.remove_prefix(1);
    if (body == ".inf" || body == ".Inf" || body == ".INF") {
        out += "null";
        return true;
    }
    // Octal and hexadecimal have no sign in the core schema.
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'o' || t[1] == 'x')) {
        const bool is_hex = t[1] == 'x';
        const std::string_view digits = t.substr(2);
        if (!all_of(digits, is_hex ? hex : oct)) return false;
        unsigned long long v = 0;
        const auto [p, ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), v, is_hex ? 16 : 8);
        if (ec != std::errc() || p != digits.data() + digits.size()) return false;  // too large
        out += std::to_string(v);
        return true;
    }
    // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    std::size_t i = 0;
    while (i < body.size() && dec(body[i])) ++i;
    const std::string_view whole = body.substr(0, i);
    std::string_view frac;
    bool dot = false;
    if (i < body.size() && body[i] == '.') {
        dot = true;
        const std::size_t start = ++i;
        while (i < body.size() && dec(body[i])) ++i;
        frac = body.substr(start, i - start);
    }
    if (whole.empty() && frac.empty()) return false;
    std::string_view exp;
    if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
        const std::size_t start = i++;
        if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
        const std::size_t digits = i;
        while (i < body.size() && dec(body[i])) ++i;
        if (i == digits) return false;
        exp = body.substr(start, i - start);
    }
    if (i != body.size()) return false;
    if (minus) out.push_back('-');
    out.append(trim_zeros(whole));
    // "110." is a float: it stays one ("110.0"), as PyYAML and the Hub's clients read it.
    if (dot) out.append(".").append(frac.empty() ? std::string_view("0") : frac);
    out.append(exp);
    return true;
}

// A JSON number as every JSON reader reads it. One out of a double's range ("1E400", or 400
// digits) is written as null, as the infinities above; one whose exponent has more than
// three digits ("1E-0001000", "0E99999999") as its value. Boost.JSON, which the server reads
// cardData with, refuses both (found by fuzzing).
void append_number(std::string_view num, std::string& out) {
    const auto e = num.find_first_of("eE");
    if (e == std::string_view::npos && num.size() <= 300) {
        out.append(num);  // at most 300 digits: below a double's largest (1.8e308)
        return;
    }
    const double v = std::strtod(std::string(num).c_str(), nullptr);
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    std::string_view exp = e == std::string_view::npos ? "" : num.substr(e + 1);
    if (!exp.empty() && (exp.front() == '+' || exp.front() == '-')) exp.remove_prefix(1);
    if (e == std::string_view::npos || trim_zeros(exp).size() <= 3) {
        out.append(num);
        return;
    }
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, ec == std::errc() ? end : buf);
}

}  // namespace

void scalar_json(std::string_view t, bool plain, std::string& out) {
    if (plain) {
        if (t.empty() || t == "~" || t == "null" || t == "Null" || t == "NULL") {
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
            append_number(t, out);
            return;
        }
        std::string number;
        if (core_number_json(t, number)) {
            append_number(number, out);
            return;
        }
    }
    json_escape(t, out);
}

void yaml_to_json(const YamlNode& n, std::string& out) {
    switch (n.kind) {
        case YamlNode::Kind::Scalar:
            scalar_json(n.text, n.plain, out);
            return;
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
