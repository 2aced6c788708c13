// A listing's cardData, given as a JSON object, -> the tree the YAML front matter would
// have given: normalization reads license, language, task ... from either alike.
#include <simdjson.h>

#include "yaml_tree.h"

namespace cardex::ingest {

namespace {

using simdjson::ondemand::json_type;

class Builder {
  public:
    explicit Builder(const YamlLimits& limits) : limits_(limits) {}

    Status node(simdjson::ondemand::value v, std::size_t depth, YamlNode& out) {
        if (depth > limits_.max_depth) {
            return make_error(Errc::ResourceExhausted, "card data nested too deeply");
        }
        if (++nodes_ > limits_.max_nodes) {
            return make_error(Errc::ResourceExhausted, "card data has too many nodes");
        }
        json_type t = json_type::null;
        if (auto e = v.type().get(t)) return bad(e);
        switch (t) {
            case json_type::object: {
                out.kind = YamlNode::Kind::Mapping;
                simdjson::ondemand::object o;
                if (auto e = v.get_object().get(o)) return bad(e);
                for (auto field : o) {
                    std::string_view key;
                    if (auto e = field.unescaped_key().get(key)) return bad(e);
                    simdjson::ondemand::value child;
                    if (auto e = field.value().get(child)) return bad(e);
                    YamlNode n;
                    if (auto st = node(child, depth + 1, n); !st) return st;
                    out.entries.emplace_back(std::string(key), std::move(n));
                }
                return Ok{};
            }
            case json_type::array: {
                out.kind = YamlNode::Kind::Sequence;
                simdjson::ondemand::array a;
                if (auto e = v.get_array().get(a)) return bad(e);
                for (auto item : a) {
                    simdjson::ondemand::value child;
                    if (auto e = item.get(child)) return bad(e);
                    YamlNode n;
                    if (auto st = node(child, depth + 1, n); !st) return st;
                    out.items.push_back(std::move(n));
                }
                return Ok{};
            }
            case json_type::string: {
                std::string_view s;
                if (auto e = v.get_string().get(s)) return bad(e);
                out.text.assign(s);
                out.plain = false;  // quoted: never typed
                return Ok{};
            }
            case json_type::number:
            case json_type::boolean:
            case json_type::null: {
                // Plain scalars with their JSON spelling: typed exactly as YAML types them.
                std::string_view raw = v.raw_json_token();
                while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' ||
                                        raw.back() == '\n' || raw.back() == '\r')) {
                    raw.remove_suffix(1);
                }
                if (t == json_type::boolean) {
                    bool b = false;
                    if (auto e = v.get_bool().get(b)) return bad(e);
                } else if (t == json_type::null) {
                    bool null = false;
                    if (auto e = v.is_null().get(null); e || !null)
                        return bad(simdjson::INCORRECT_TYPE);
                }
                out.text.assign(raw);
                out.plain = true;
                return Ok{};
            }
        }
        return bad(simdjson::INCORRECT_TYPE);
    }

  private:
    static Error bad(simdjson::error_code e) {
        return make_error(
            Errc::InvalidArgument,
            std::string("card data is not valid JSON: ") + simdjson::error_message(e));
    }

    YamlLimits limits_;
    std::size_t nodes_ = 0;
};

}  // namespace

Result<YamlNode> json_to_tree(std::string_view json, const YamlLimits& limits) {
    thread_local simdjson::ondemand::parser parser;
    simdjson::padded_string padded(json);
    simdjson::ondemand::document doc;
    simdjson::ondemand::value root;
    if (auto e = parser.iterate(padded).get(doc)) {
        return make_error(
            Errc::InvalidArgument,
            std::string("card data is not valid JSON: ") + simdjson::error_message(e));
    }
    json_type t = json_type::null;
    if (doc.type().get(t) || t != json_type::object || doc.get_value().get(root)) {
        return make_error(Errc::InvalidArgument, "card data is not a JSON object", "not-a-mapping");
    }
    YamlNode out;
    Builder b(limits);
    if (auto st = b.node(root, 0, out); !st) return std::move(st).error();
    // Trailing content after the object ("{} x") is not one JSON document.
    // (current_location fails with OUT_OF_BOUNDS exactly when the document is consumed.)
    if (!doc.current_location().error()) {
        return make_error(Errc::InvalidArgument, "card data has trailing content");
    }
    return out;
}

}  // namespace cardex::ingest
