// Listing pages of a Hub-compatible server, item by item, and an item plus its README made
// into a card: the decoding of JSON sources (source_json.cpp) and the one CardParser.
#include "cardex/ingest/hub_listing.h"

#include <utility>

#include "source_job.h"
#include "text_util.h"

namespace cardex::ingest {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

struct Span {
    std::size_t begin = 0;
    std::size_t size = 0;
};

// The top-level elements of `text`, which simdjson validated as one JSON array: a scan
// that only needs to know strings (and their escapes) and nesting. Works for elements of
// any type, where simdjson's on-demand API gives the raw text of objects and arrays only.
std::vector<Span> array_elements(std::string_view text) {
    std::vector<Span> out;
    std::size_t i = text.find('[');
    if (i == std::string_view::npos) return out;
    ++i;
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (i < text.size()) {
        while (i < text.size() && blank(text[i])) ++i;
        if (i >= text.size() || text[i] == ']') break;
        const std::size_t start = i;
        int depth = 0;
        bool in_string = false;
        for (; i < text.size(); ++i) {
            const char c = text[i];
            if (in_string) {
                if (c == '\\') {
                    ++i;
                } else if (c == '"') {
                    in_string = false;
                }
                continue;
            }
            if (c == '"') {
                in_string = true;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                if (depth == 0) break;  // the array's own ']'
                --depth;
            } else if (c == ',' && depth == 0) {
                break;
            }
        }
        std::size_t end = i;
        while (end > start && blank(text[end - 1])) --end;
        out.push_back({start, end - start});
        if (i < text.size() && text[i] == ',') ++i;
    }
    return out;
}

// Decodes the object at `json` (inside a buffer with `padding` readable bytes after it).
HubItem decode_item(simdjson::ondemand::parser& parser,
                    std::string_view json,
                    std::size_t padding,
                    index::CardType type,
                    std::string source) {
    HubItem item;
    item.source = source;
    item.type = type;
    const std::string_view trimmed = trim_view(json);
    if (trimmed.empty() || trimmed.front() != '{') {
        item.rejection = Issue{source, "not-object", "listing item is not a JSON object"};
        return item;
    }
    Job job;
    job.source = std::move(source);
    job.json = json;
    job.padding = padding;
    std::string type_text;  // the listing says the type: an item's own "type" is not asked
    std::optional<index::CardType> hint;
    RawRecord& r = item.record;
    r.source = job.source;
    if (auto bad = decode_json_record(parser, job, r, type_text, hint, item.warnings)) {
        item.rejection = std::move(*bad);
        return item;
    }
    r.type = type;
    if (r.last_modified) item.last_modified = *r.last_modified;
    // The repository a fetch path names: the id as CardParser reads it (a Hub URL becomes the
    // repository's id and type), and only an id that can be one.
    const std::string key = record_key(r);
    const std::size_t slash = key.find('/');
    if (key.empty() || slash == std::string::npos) {
        item.rejection = Issue{item.source, "missing-id", "listing item has no id"};
        return item;
    }
    std::string id = key.substr(slash + 1);
    if (auto problem = repo_id_problem(id)) {
        item.rejection = Issue{item.source, "bad-id", "bad id '" + id + "': " + *problem};
        return item;
    }
    if (auto t = index::parse_card_type(std::string_view(key).substr(0, slash))) item.type = *t;
    item.repo_id = std::move(id);
    return item;
}

}  // namespace

Result<std::vector<HubItem>> read_hub_listing(std::string_view page,
                                              index::CardType type,
                                              const std::string& source) {
    if (page.substr(0, kBom.size()) == kBom) page.remove_prefix(kBom.size());
    std::string buffer;
    buffer.reserve(page.size() + simdjson::SIMDJSON_PADDING);
    buffer.append(page);
    buffer.append(simdjson::SIMDJSON_PADDING, '\0');
    {
        // The whole page is validated first: a truncated or garbled page is an error of the
        // page (its items cannot be told apart), never a few silently missing items.
        simdjson::dom::parser dom;
        simdjson::dom::element root;
        const auto err = dom.parse(buffer.data(), page.size(), false).get(root);
        if (err) {
            return make_error(
                Errc::InvalidArgument,
                std::string("listing page is not valid JSON: ") + simdjson::error_message(err),
                source);
        }
        if (!root.is_array()) {
            return make_error(Errc::InvalidArgument, "listing page is not a JSON array", source);
        }
    }
    const std::string_view text(buffer.data(), page.size());
    std::vector<HubItem> items;
    simdjson::ondemand::parser parser;
    std::size_t n = 0;
    for (const Span& s : array_elements(text)) {
        ++n;
        items.push_back(decode_item(parser,
                                    text.substr(s.begin, s.size),
                                    buffer.size() - (s.begin + s.size),
                                    type,
                                    source + ":record " + std::to_string(n)));
    }
    return items;
}

HubItem read_hub_item(std::string_view json, index::CardType type, const std::string& source) {
    if (json.substr(0, kBom.size()) == kBom) json.remove_prefix(kBom.size());
    std::string buffer;
    buffer.reserve(json.size() + simdjson::SIMDJSON_PADDING);
    buffer.append(json);
    buffer.append(simdjson::SIMDJSON_PADDING, '\0');
    simdjson::dom::parser dom;
    simdjson::dom::element root;
    if (auto err = dom.parse(buffer.data(), json.size(), false).get(root);
        err || !root.is_object()) {
        HubItem item;
        item.source = source;
        item.type = type;
        item.rejection = Issue{source,
                               "json",
                               err ? std::string("malformed JSON: ") + simdjson::error_message(err)
                                   : std::string("not a JSON object")};
        return item;
    }
    simdjson::ondemand::parser parser;
    return decode_item(parser,
                       std::string_view(buffer.data(), json.size()),
                       simdjson::SIMDJSON_PADDING,
                       type,
                       source);
}

Result<index::Card> hub_item_card(HubItem item,
                                  std::optional<std::string> readme,
                                  CardParser& parser,
                                  std::vector<Issue>& warnings) {
    for (auto& w : item.warnings) warnings.push_back(std::move(w));
    if (item.rejection) {
        return make_error(Errc::InvalidArgument, item.rejection->message, item.rejection->reason);
    }
    item.record.readme = std::move(readme);
    return parser.parse(item.record, warnings);
}

}  // namespace cardex::ingest
