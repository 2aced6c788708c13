#include "card_json.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include <boost/json.hpp>

#include "cardex/index/quality.h"

namespace cardex::server {
namespace {

using index::CardType;

constexpr std::array<std::string_view, 31> kModelExpand{
    "author", "baseModels", "cardData", "childrenModelCount", "config", "createdAt",
    "disabled", "downloads", "downloadsAllTime", "evalResults", "gated", "gguf", "inference",
    "inferenceProviderMapping", "lastModified", "library_name", "likes", "mask_token",
    "model-index", "pipeline_tag", "private", "resourceGroup", "safetensors", "sha", "siblings",
    "spaces", "tags", "transformersInfo", "trendingScore", "usedStorage", "widgetData"};
// The Hub's list, and `spaces`: the Hub shows a dataset's Spaces on its page but offers no
// expand for them; cardex answers them like a model's (docs/HUB-API.md §8).
// clang-format off
constexpr std::array<std::string_view, 21> kDatasetExpand{
    "author", "cardData", "citation", "createdAt", "description", "disabled", "downloads",
    "downloadsAllTime", "gated", "lastModified", "likes", "mainSize", "paperswithcode_id",
    "private", "resourceGroup", "sha", "siblings", "spaces", "tags", "trendingScore",
    "usedStorage"};
// clang-format on
constexpr std::array<std::string_view, 19> kSpaceExpand{
    "author", "cardData", "createdAt", "datasets", "disabled", "lastModified", "likes",
    "models", "private", "region", "resourceGroup", "runtime", "sdk", "sha", "siblings",
    "subdomain", "tags", "trendingScore", "usedStorage"};

// clang-format off
constexpr std::array<std::string_view, 28> kRenderable{
    "_id", "id", "modelId", "author", "cardData", "createdAt", "disabled", "downloads",
    "downloadsAllTime", "gated", "lastModified", "library_name", "likes", "pipeline_tag",
    "private", "tags", "trendingScore", "description", "sdk", "sha", "usedStorage",
    "safetensors", "gguf", "models", "datasets", "spaces", "baseModels", "childrenModelCount"};
// clang-format on

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& set, std::string_view key) noexcept {
    return std::find(set.begin(), set.end(), key) != set.end();
}

std::uint64_t fnv1a(std::string_view text, std::uint64_t basis) noexcept {
    std::uint64_t h = basis;
    for (const char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

// The card's front matter, parsed once per item and only when a field needs it. Invalid or
// non-object card data is dropped (the Hub's clients tolerate a missing cardData, not a
// malformed one); valid text is re-emitted verbatim, which keeps numbers as written.
class CardData {
public:
    explicit CardData(const std::string& text) : text_(text) {}

    bool valid() {
        parse();
        return valid_;
    }
    const std::string& text() const { return text_; }

private:
    void parse() {
        if (parsed_) return;
        parsed_ = true;
        if (text_.empty()) return;
        boost::json::parse_options opts;
        opts.max_depth = 256;  // the default of 32 rejects real model-index blocks
        boost::system::error_code ec;
        const boost::json::value v = boost::json::parse(text_, ec, {}, opts);
        valid_ = !ec && v.is_object();
    }

    const std::string& text_;
    bool parsed_ = false;
    bool valid_ = false;
};

// Whether `text` is one JSON object: what a listing record gave is re-checked before it
// is written verbatim.
bool json_object(std::string_view text) {
    if (text.empty()) return false;
    boost::json::parse_options opts;
    opts.max_depth = 256;
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(text, ec, {}, opts);
    return !ec && v.is_object();
}

void write_names(JsonWriter& w, std::string_view key, std::uint32_t bits) {
    w.key(key).begin_array();
    for (const auto name : index::criterion_names(bits)) w.value(name);
    w.end_array();
}

void write_gated(JsonWriter& w, index::Gated gated) {
    if (gated == index::Gated::No) {
        w.value(false);
    } else {
        w.value(index::gated_name(gated));
    }
}

// The Hub's `baseModels`: {"relation": "quantized", "models": [{"id": "org/base"}]} (one
// relation per repository, as `base_model_relation` is one field). A card's base models
// share theirs unless the Hub's tags said otherwise; the first one known is the repo's.
// The Hub's models also carry their `_id`, which cardex has only for cards it holds: left
// out, as the clients read `id`.
void write_base_models(JsonWriter& w, const index::Card& card) {
    w.key("baseModels").begin_object();
    const auto known = std::find_if(card.base_models.begin(),
                                    card.base_models.end(),
                                    [](const index::BaseModel& b) { return !b.relation.empty(); });
    if (known != card.base_models.end()) w.field("relation", known->relation);
    w.key("models").begin_array();
    std::vector<std::string_view> seen;
    for (const auto& b : card.base_models) {
        if (std::find(seen.begin(), seen.end(), b.id) != seen.end()) continue;
        seen.push_back(b.id);
        w.begin_object().field("id", b.id).end_object();
    }
    w.end_array();
    w.end_object();
}

}  // namespace

std::string hub_object_id(const index::Card& card) {
    std::string key(index::card_type_name(card.type));
    key.push_back(':');
    key.append(card.id);
    const std::uint64_t a = fnv1a(key, 0xcbf29ce484222325ULL);
    const std::uint64_t b = fnv1a(key, 0x84222325cbf29ce4ULL);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(24, '0');
    for (int i = 0; i < 16; ++i) out[static_cast<std::size_t>(i)] = kHex[(a >> (60 - 4 * i)) & 0xF];
    for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(16 + i)] = kHex[(b >> (60 - 4 * i)) & 0xF];
    return out;
}

std::string_view hub_renderable_field(std::string_view field) noexcept {
    const auto it = std::find(kRenderable.begin(), kRenderable.end(), field);
    return it == kRenderable.end() ? std::string_view{} : *it;
}

bool hub_expand_allowed(CardType type, std::string_view key) noexcept {
    switch (type) {
        case CardType::Model: return contains(kModelExpand, key);
        case CardType::Dataset: return contains(kDatasetExpand, key);
        case CardType::Space: return contains(kSpaceExpand, key);
    }
    return false;
}

std::string hub_expand_keys(CardType type) {
    auto join = [](const auto& set) {
        std::string out;
        for (const auto k : set) {
            if (!out.empty()) out.append(", ");
            out.append(k);
        }
        return out;
    };
    switch (type) {
        case CardType::Model: return join(kModelExpand);
        case CardType::Dataset: return join(kDatasetExpand);
        case CardType::Space: return join(kSpaceExpand);
    }
    return {};
}

std::vector<std::string_view> hub_fields(CardType type, HubShape shape, bool card_data) {
    std::vector<std::string_view> f;
    // Defaults follow the Hub's captured list items (docs/HUB-API.md §8).
    switch (type) {
        case CardType::Model:
            f = {"_id", "id", "likes", "trendingScore", "private", "downloads", "tags",
                 "pipeline_tag", "library_name", "createdAt", "modelId"};
            if (shape != HubShape::Default) {
                f.insert(f.begin() + 2, {"author", "gated", "lastModified", "disabled", "sha"});
            }
            break;
        case CardType::Dataset:
            f = {"_id", "id", "author", "disabled", "gated", "lastModified", "likes",
                 "trendingScore", "private", "description", "downloads", "tags", "createdAt"};
            if (shape != HubShape::Default) f.insert(f.begin() + 3, "sha");
            // For datasets `full` is what brings cardData (docs/HUB-API.md §8).
            if (shape != HubShape::Default) card_data = true;
            break;
        case CardType::Space:
            f = {"_id", "id", "likes", "trendingScore", "private", "sdk", "tags", "createdAt"};
            if (shape != HubShape::Default) {
                f.insert(f.begin() + 2, {"author", "lastModified", "disabled", "sha"});
            }
            break;
    }
    if (shape == HubShape::Info) {
        card_data = true;
        if (type != CardType::Dataset) f.push_back("downloadsAllTime");
        if (type == CardType::Space) f.insert(f.end(), {"gated", "models", "datasets"});
        // The Hub's model info lists the Spaces using the model (JS ApiModelInfo `spaces`).
        if (type == CardType::Model) f.push_back("spaces");
        f.push_back("usedStorage");
        if (type == CardType::Model) f.insert(f.end(), {"safetensors", "gguf"});
    }
    if (card_data) f.push_back("cardData");
    return f;
}

void write_hub_item(JsonWriter& w,
                    const index::Card& card,
                    const std::vector<std::string_view>& fields,
                    const HubLinks* links) {
    CardData data(card.card_data_json);
    w.begin_object();
    for (const std::string_view f : fields) {
        if (f == "_id") {
            w.field("_id", hub_object_id(card));
        } else if (f == "id" || f == "modelId") {
            w.field(f, card.id);
        } else if (f == "author") {
            w.field("author", card.author);
        } else if (f == "likes") {
            w.field("likes", card.likes);
        } else if (f == "downloads") {
            w.field("downloads", card.downloads);
        } else if (f == "downloadsAllTime") {
            if (card.downloads_all_time >= 0) w.field("downloadsAllTime", card.downloads_all_time);
        } else if (f == "trendingScore") {
            w.field("trendingScore", card.trending_score);
        } else if (f == "private") {
            w.field("private", card.is_private);
        } else if (f == "disabled") {
            w.field("disabled", card.disabled);
        } else if (f == "sha") {
            w.field("sha", hub_sha(card));
        } else if (f == "usedStorage") {
            if (card.used_storage >= 0) w.field("usedStorage", card.used_storage);
        } else if (f == "safetensors") {
            if (json_object(card.safetensors_json)) w.key("safetensors").raw(card.safetensors_json);
        } else if (f == "gguf") {
            if (json_object(card.gguf_json)) w.key("gguf").raw(card.gguf_json);
        } else if (f == "gated") {
            w.key("gated");
            write_gated(w, card.gated);
        } else if (f == "tags") {
            w.key("tags").string_array(card.tags);
        } else if (f == "pipeline_tag") {
            if (!card.pipeline_tag.empty()) w.field("pipeline_tag", card.pipeline_tag);
        } else if (f == "library_name") {
            if (!card.library.empty()) w.field("library_name", card.library);
        } else if (f == "createdAt") {
            if (card.created_at >= 0) w.field("createdAt", iso8601(card.created_at));
        } else if (f == "lastModified") {
            if (card.last_modified >= 0) w.field("lastModified", iso8601(card.last_modified));
        } else if (f == "description") {
            w.field("description", card.description);
        } else if (f == "sdk") {
            if (!card.sdk.empty()) w.field("sdk", card.sdk);
        } else if (f == "models" || f == "datasets") {
            // A Space's linked repositories, as its card declares them (only Spaces expand
            // these names: hub_expand_allowed).
            if (card.type == CardType::Space) {
                w.key(f).string_array(f == "models" ? card.models : card.datasets);
            }
        } else if (f == "spaces") {
            if (links != nullptr && card.type != CardType::Space) {
                w.key("spaces").string_array(links->spaces);
            }
        } else if (f == "cardData") {
            if (data.valid()) w.key("cardData").raw(data.text());
        } else if (f == "baseModels") {
            // Only models have base models; none: no property, as the Hub leaves it out.
            if (card.type == CardType::Model && !card.base_models.empty()) {
                write_base_models(w, card);
            }
        } else if (f == "childrenModelCount") {
            if (links != nullptr && links->children && card.type == CardType::Model) {
                w.field("childrenModelCount", *links->children);
            }
        }
        // Anything else is an expandable property cardex does not store: left out.
    }
    w.end_object();
}

void write_search_hit(JsonWriter& w, const query::Hit& hit) {
    w.begin_object();
    write_card_fields(w, hit.card);
    if (hit.derived) write_derived(w, *hit.derived);
    w.field("score", hit.score);
    if (hit.explain) {
        const auto& e = *hit.explain;
        w.key("explain").begin_object();
        w.field("text", e.text).field("exact", e.exact);
        w.field("understood", e.understood).field("prior", e.prior);
        w.field("proximity", e.proximity).field("documentation", e.documentation);
        w.end_object();
    }
    w.field("snippet", hit.snippet);
    w.end_object();
}

void write_card_fields(JsonWriter& w, const index::Card& c) {
    w.field("id", c.id);
    w.field("type", index::card_type_name(c.type));
    w.field("title", c.title);
    w.field("author", c.author);
    w.field("task", c.tasks.empty() ? std::string() : c.tasks.front());
    w.key("tasks").string_array(c.tasks);
    w.key("languages").string_array(c.languages);
    w.field("license", c.license);
    w.key("license_spdx");  // the SPDX id of `license`, null where it has none ("other")
    if (c.license_spdx.empty()) {
        w.null();
    } else {
        w.value(c.license_spdx);
    }
    w.key("licenses").string_array(c.licenses);
    w.field("library", c.library);
    w.key("gated");
    write_gated(w, c.gated);
    w.field("downloads", c.downloads);
    w.field("likes", c.likes);
    w.field("trending_score", c.trending_score);
    w.key("created_at");
    if (c.created_at >= 0) {
        w.value(iso8601(c.created_at));
    } else {
        w.null();
    }
    w.key("last_modified");
    if (c.last_modified >= 0) {
        w.value(iso8601(c.last_modified));
    } else {
        w.null();
    }
    w.key("tags").string_array(c.tags);
    w.key("dois").string_array(c.dois);
    w.field("description", c.description);
    write_card_links(w, c);
    write_quality(w, c);
}

void write_quality(JsonWriter& w, const index::Card& card) {
    w.key("quality");
    if (card.quality_score < 0) {
        w.null();  // never assessed (index/card.h)
        return;
    }
    w.begin_object();
    w.field("score", card.quality_score);
    w.field("band", index::quality_band(card.quality_score));
    write_names(w, "present", card.quality_present);
    write_names(w, "missing", card.quality_missing);
    w.end_object();
}

void write_card_links(JsonWriter& w, const index::Card& c) {
    if (c.type == CardType::Model) {
        w.key("base_models").begin_array();
        for (const auto& b : c.base_models) {
            w.begin_object().field("id", b.id);
            w.key("relation");
            if (b.relation.empty()) {
                w.null();
            } else {
                w.value(b.relation);
            }
            w.end_object();
        }
        w.end_array();
    }
    if (c.type != CardType::Dataset) w.key("datasets").string_array(c.datasets);
    if (c.type == CardType::Space) {
        w.key("models").string_array(c.models);
        w.field("sdk", c.sdk);
    }
}

void write_derived(JsonWriter& w, const query::DerivedCounts& d) {
    w.key("derived_models").begin_object();
    write_derived_fields(w, d);
    w.end_object();
}

void write_derived_fields(JsonWriter& w, const query::DerivedCounts& d) {
    w.field("direct", d.direct).field("total", d.total);
    w.field("depth_limit", static_cast<std::uint64_t>(query::kLineageDepth));
    w.field("truncated", d.truncated);
}

}  // namespace cardex::server
