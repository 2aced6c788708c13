// JSON sources: JSON Lines of cards or listing items, and JSON arrays of listing items.
// Field names of the cards files, of the Hub API (camelCase) and of snake_case dumps
// (huggingface_hub's ModelInfo as written by scrapers) are all accepted.
#include <algorithm>
#include <span>
#include <string>

#include "source_job.h"
#include "text_util.h"

namespace cardex::ingest {

namespace {

using simdjson::ondemand::json_type;

// Collects repairs of one record, each naming the record and the field.
struct Fixes {
    const Job& job;
    std::vector<Issue>& out;
    void warn(std::string_view key, const std::string& what) {
        out.push_back({job.source, "wrong-type", concat({"'", key, "' ", what})});
    }
};

const char* type_name(json_type t) {
    switch (t) {
        case json_type::array: return "an array";
        case json_type::object: return "an object";
        case json_type::number: return "a number";
        case json_type::string: return "a string";
        case json_type::boolean: return "a boolean";
        case json_type::null: return "null";
    }
    return "a value";
}

// A string field; null is absent; anything else is dropped with a warning.
std::optional<std::string> str_field(simdjson::ondemand::value v, std::string_view key, Fixes& fx) {
    json_type t = json_type::null;
    if (v.type().get(t)) return std::nullopt;
    if (t == json_type::string) {
        std::string_view s;
        if (!v.get_string().get(s)) return std::string(s);
    }
    if (t != json_type::null) fx.warn(key, std::string("is ") + type_name(t) + ", not a string; ignored");
    return std::nullopt;
}

// A count: an integral number; a numeric string is accepted with a warning.
std::optional<std::int64_t> count_field(simdjson::ondemand::value v, std::string_view key, Fixes& fx) {
    json_type t = json_type::null;
    if (v.type().get(t) || t == json_type::null) return std::nullopt;
    std::optional<std::int64_t> n;
    if (t == json_type::number) {
        std::string_view raw = v.raw_json_token();
        n = parse_count(raw);
        if (!n) {
            fx.warn(key, concat({"is not a whole number (", trim_view(raw), "); ignored"}));
            return std::nullopt;
        }
    } else if (t == json_type::string) {
        std::string_view s;
        if (!v.get_string().get(s)) n = parse_count(s);
        fx.warn(key, n ? "is a string; read as a number" : "is a string that is not a number; ignored");
    } else {
        fx.warn(key, std::string("is ") + type_name(t) + ", not a number; ignored");
    }
    if (n && *n < 0) {
        fx.warn(key, "is negative; ignored");
        return std::nullopt;
    }
    return n;
}

std::optional<double> number_field(simdjson::ondemand::value v, std::string_view key, Fixes& fx) {
    json_type t = json_type::null;
    if (v.type().get(t) || t == json_type::null) return std::nullopt;
    double d;
    if (t == json_type::number && !v.get_double().get(d)) return d;
    fx.warn(key, std::string("is ") + type_name(t) + ", not a number; ignored");
    return std::nullopt;
}

// tags: an array of strings. A lone string becomes a one-element list.
std::vector<std::string> tags_field(simdjson::ondemand::value v, std::string_view key, Fixes& fx) {
    std::vector<std::string> tags;
    json_type t = json_type::null;
    if (v.type().get(t) || t == json_type::null) return tags;
    if (t == json_type::string) {
        if (auto s = str_field(v, key, fx)) tags.push_back(*s);
        fx.warn(key, "is a string, not a list; read as one tag");
        return tags;
    }
    simdjson::ondemand::array arr;
    if (t != json_type::array || v.get_array().get(arr)) {
        fx.warn(key, std::string("is ") + type_name(t) + ", not a list; ignored");
        return tags;
    }
    bool bad = false;
    for (auto item : arr) {
        std::string_view s;
        if (!item.get_string().get(s)) {
            tags.emplace_back(s);
        } else {
            bad = true;
        }
    }
    if (bad) fx.warn(key, "has items that are not strings; they were skipped");
    return tags;
}

// A boolean; "true"/"false" strings are read with a warning; null is absent.
std::optional<bool> bool_field(simdjson::ondemand::value v, std::string_view key, Fixes& fx) {
    json_type t = json_type::null;
    bool b = false;
    if (!v.type().get(t) && t == json_type::boolean && !v.get_bool().get(b)) return b;
    if (t == json_type::string) {
        auto s = to_lower(str_field(v, key, fx).value_or(""));
        const bool ok = s == "true" || s == "false";
        fx.warn(key, ok ? "is a string; read as a boolean" : "is a string, not a boolean; ignored");
        if (ok) return s == "true";
    } else if (t != json_type::null) {
        fx.warn(key, std::string("is ") + type_name(t) + ", not a boolean; ignored");
    }
    return std::nullopt;
}

// The number of items of an array; null is absent.
std::optional<std::int64_t> array_length(simdjson::ondemand::value v,
                                         std::string_view key,
                                         Fixes& fx) {
    json_type t = json_type::null;
    if (v.type().get(t) || t == json_type::null) return std::nullopt;
    simdjson::ondemand::array arr;
    std::size_t n = 0;
    if (t != json_type::array || v.get_array().get(arr) || arr.count_elements().get(n)) {
        fx.warn(key, std::string("is ") + type_name(t) + ", not a list; ignored");
        return std::nullopt;
    }
    return static_cast<std::int64_t>(n);
}

// An object kept as its JSON text (the Hub's safetensors and gguf), with its whole-number
// "total" in `total` (-1 if it has none); null is absent.
std::optional<std::string> object_with_total(simdjson::ondemand::value v,
                                             std::string_view key,
                                             Fixes& fx,
                                             std::int64_t& total) {
    json_type t = json_type::null;
    if (v.type().get(t) || t == json_type::null) return std::nullopt;
    simdjson::ondemand::object o;
    std::string_view raw;
    if (t != json_type::object || v.get_object().get(o) || o.raw_json().get(raw)) {
        fx.warn(key, std::string("is ") + type_name(t) + ", not an object; ignored");
        return std::nullopt;
    }
    std::string text(raw);
    // Read "total" from a copy: the object above is consumed. One parser per thread.
    thread_local simdjson::ondemand::parser p;
    simdjson::padded_string padded(text);
    simdjson::ondemand::document doc;
    simdjson::ondemand::value tv;
    std::int64_t n = -1;
    if (!p.iterate(padded).get(doc) && !doc.find_field("total").get(tv) && !tv.get_int64().get(n) &&
        n >= 0) {
        total = n;
    } else {
        fx.warn(key, "has no whole-number 'total'; the parameter count is unknown");
    }
    return text;
}

}  // namespace

std::optional<Issue> decode_json_record(simdjson::ondemand::parser& parser,
                                        const Job& job,
                                        RawRecord& r,
                                        std::string& type_text,
                                        std::optional<index::CardType>& type_hint,
                                        std::vector<Issue>& warnings) {
    auto malformed = [&](simdjson::error_code e) {
        return Issue{job.source, "json", std::string("malformed JSON: ") + simdjson::error_message(e)};
    };
    simdjson::padded_string_view view(job.json.data(), job.json.size(), job.json.size() + job.padding);
    simdjson::ondemand::document doc;
    simdjson::ondemand::object obj;
    auto err = parser.iterate(view).get(doc);
    if (!err) err = doc.get_object().get(obj);
    if (err) return malformed(err);
    Fixes fx{job, warnings};
    std::string id_problem;
    for (auto f : obj) {
        std::string_view key;
        if (auto e = f.unescaped_key().get(key)) return malformed(e);
        simdjson::ondemand::value v;
        if (auto e = f.value().get(v)) return malformed(e);
        if (key == "id" || key == "modelId" || key == "model_id") {
            json_type t = json_type::null;
            if (v.type().get(t)) return malformed(simdjson::INCORRECT_TYPE);
            std::string_view s;
            if (t == json_type::string && !v.get_string().get(s)) {
                if (r.id.empty()) r.id = std::string(s);
            } else if (t != json_type::null) {
                id_problem = concat({"'", key, "' is ", type_name(t), ", not a string"});
            }
            if (key != "id") type_hint = index::CardType::Model;
        } else if (key == "type" || key == "repo_type" || key == "repoType") {
            json_type t = json_type::null;
            if (!v.type().get(t) && t != json_type::string) {
                return Issue{job.source, "bad-type", std::string("'type' is ") + type_name(t)};
            }
            if (auto s = str_field(v, key, fx)) type_text = *s;
        } else if (key == "readme") {
            r.readme = str_field(v, key, fx);
        } else if (key == "downloads") {
            r.downloads = count_field(v, key, fx);
        } else if (key == "downloadsAllTime" || key == "downloads_all_time") {
            r.downloads_all_time = count_field(v, key, fx);
        } else if (key == "likes") {
            r.likes = count_field(v, key, fx);
        } else if (key == "trendingScore" || key == "trending_score") {
            r.trending_score = number_field(v, key, fx);
        } else if (key == "createdAt" || key == "created_at") {
            r.created_at = str_field(v, key, fx);
        } else if (key == "lastModified" || key == "last_modified") {
            if (auto s = str_field(v, key, fx); s && !r.last_modified) r.last_modified = s;
        } else if (key == "tags" || key == "api_tags") {
            json_type t = json_type::null;
            if (!v.type().get(t) && t == json_type::array) r.hub_fields = true;
            auto tags = tags_field(v, key, fx);
            // The API's computed tags are a superset of the card's; keep the longer list.
            if (tags.size() > r.tags.size()) r.tags = std::move(tags);
        } else if (key == "disabled") {
            r.disabled = bool_field(v, key, fx);
        } else if (key == "usedStorage" || key == "used_storage") {
            r.used_storage = count_field(v, key, fx);
        } else if (key == "siblings_count" || key == "siblingsCount") {
            r.siblings_count = count_field(v, key, fx);
        } else if (key == "spaces_count" || key == "spacesCount") {
            r.spaces_count = count_field(v, key, fx);
        } else if (key == "siblings" || key == "spaces") {
            // Full listings carry the lists themselves; cardex keeps their lengths.
            if (auto n = array_length(v, key, fx)) {
                (key == "siblings" ? r.siblings_count : r.spaces_count) = *n;
            }
        } else if (key == "safetensors" || key == "gguf") {
            std::int64_t total = -1;
            if (auto raw = object_with_total(v, key, fx, total)) {
                (key == "safetensors" ? r.safetensors_json : r.gguf_json) = std::move(raw);
                if (total >= 0) (key == "safetensors" ? r.safetensors_total : r.gguf_total) = total;
            }
        } else if (key == "pipeline_tag" || key == "api_pipeline_tag") {
            if (auto s = str_field(v, key, fx); s && !r.pipeline_tag) r.pipeline_tag = s;
        } else if (key == "library_name" || key == "api_library_name") {
            if (auto s = str_field(v, key, fx); s && !r.library_name) r.library_name = s;
        } else if (key == "author") {
            r.author = str_field(v, key, fx);
        } else if (key == "gated") {
            json_type t = json_type::null;
            bool b = false;
            if (!v.type().get(t) && t == json_type::boolean && !v.get_bool().get(b)) {
                r.gated = b ? "true" : "false";
            } else if (auto s = str_field(v, key, fx)) {
                r.gated = s;
            }
        } else if (key == "private") {
            r.is_private = bool_field(v, key, fx);
        } else if (key == "description") {
            if (auto s = str_field(v, key, fx)) r.description = *s;
        } else if (key == "url") {
            if (auto s = str_field(v, key, fx)) {
                if (auto t = type_from_url(*s)) type_hint = t;
            }
        } else if (key == "sdk") {
            type_hint = index::CardType::Space;
            r.sdk = str_field(v, key, fx);
        } else if (key == "models" || key == "datasets") {
            // A Space's linked repositories (listings with linked=true or expand=models).
            (key == "models" ? r.models : r.datasets) = tags_field(v, key, fx);
        } else if (key == "cardData" || key == "card_data") {
            json_type t = json_type::null;
            if (v.type().get(t) || t == json_type::null) continue;
            simdjson::ondemand::object o;
            std::string_view raw_json;
            if (t == json_type::string) {
                r.card_data_yaml = str_field(v, key, fx);
            } else if (t == json_type::object && !v.get_object().get(o) && !o.raw_json().get(raw_json)) {
                r.card_data_json = std::string(raw_json);
            } else {
                fx.warn(key, std::string("is ") + type_name(t) + ", not an object; ignored");
            }
        }
    }
    if (r.id.empty() && !id_problem.empty()) return Issue{job.source, "bad-id", id_problem};
    // Dataset listing items say what they are only through their tags.
    if (!type_hint) {
        for (const auto& t : r.tags) {
            if (t.rfind("task_categories:", 0) == 0 || t.rfind("size_categories:", 0) == 0 ||
                t.rfind("format:", 0) == 0 || t.rfind("modality:", 0) == 0) {
                type_hint = index::CardType::Dataset;
                break;
            }
        }
    }
    return std::nullopt;
}

void split_json(const std::string& path, SourceJobs& out) {
    const SourceBytes& buf = out.buffer;
    const std::size_t size = buf.size() - simdjson::SIMDJSON_PADDING;
    std::string_view all(buf.data(), size);
    // A UTF-8 byte-order mark (editors on Windows write one) is not part of the first record:
    // skip it (`bom` bytes; views below start after it, padding is counted from `buf`'s end).
    std::size_t bom = 0;
    if (all.substr(0, 3) == "\xEF\xBB\xBF") {
        bom = 3;
        all.remove_prefix(3);
    }
    std::size_t first = all.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return;
    if (all[first] == '[') {
        // A JSON array of listing items: find each element's extent with simdjson.
        simdjson::ondemand::parser p;
        simdjson::padded_string_view view(buf.data() + bom, size - bom, buf.size() - bom);
        simdjson::ondemand::document doc;
        simdjson::ondemand::array arr;
        auto err = p.iterate(view).get(doc);
        if (!err) err = doc.get_array().get(arr);
        if (err) {
            Job j;
            j.source = path;
            j.rejection = Issue{path, "json", std::string("malformed JSON array: ") + simdjson::error_message(err)};
            out.jobs.push_back(std::move(j));
            return;
        }
        std::size_t n = 0;
        for (auto item : arr) {
            ++n;
            Job j;
            j.source = path + ":record " + std::to_string(n);
            std::string_view raw;
            simdjson::ondemand::object o;
            if (item.get_object().get(o) || o.raw_json().get(raw)) {
                // One bad element makes the rest of the array unreadable: say so once.
                j.rejection = Issue{j.source, "json", "array element is not a JSON object; rest of the array skipped"};
                out.jobs.push_back(std::move(j));
                break;
            }
            const std::size_t after = static_cast<std::size_t>(raw.data() - buf.data()) + raw.size();
            j.json = raw;
            j.padding = buf.size() - after;
            out.jobs.push_back(std::move(j));
            if ((n & 0xfff) == 0) buf.release(after);
        }
        buf.release(buf.size());
        return;
    }
    // JSON Lines: next() splits them as they are read.
    out.lines = true;
    out.lines_from = bom;
    out.path = path;
    out.rewind();
}

std::span<Job> SourceJobs::next(std::size_t max) {
    if (!lines) {
        const std::size_t n = std::min(max, jobs.size() - cursor_);
        const std::span<Job> out(jobs.data() + cursor_, n);
        cursor_ += n;
        return out;
    }
    batch_.clear();
    const std::size_t size = buffer.size() - simdjson::SIMDJSON_PADDING;
    const std::string_view all(buffer.data(), size);
    while (cursor_ < size && batch_.size() < max) {
        std::size_t eol = all.find('\n', cursor_);
        if (eol == std::string_view::npos) eol = size;
        ++line_no_;
        const std::string_view line = all.substr(cursor_, eol - cursor_);
        if (!trim_view(line).empty()) {
            Job j;
            j.source = path + ":" + std::to_string(line_no_);
            j.json = line;
            j.padding = buffer.size() - (cursor_ + line.size());
            j.path_hint = path_hint;
            batch_.push_back(std::move(j));
        }
        cursor_ = eol + 1;
    }
    return batch_;
}

void SourceJobs::rewind() {
    cursor_ = lines ? lines_from : 0;
    line_no_ = 0;
    batch_.clear();
}

}  // namespace cardex::ingest
