// The Hugging Face Hub listing and repo-info endpoints (docs/HUB-API.md §1-9).
#include <algorithm>
#include <optional>
#include <variant>
#include <string>
#include <vector>

#include "card_json.h"
#include "cardex/query/request.h"
#include "http_errors.h"
#include "json_writer.h"
#include "routes.h"

namespace cardex::server {
namespace {

using index::CardType;

HttpResponse bad_request(std::string message, std::string detail = {}) {
    return error_response(make_error(Errc::InvalidArgument, std::move(message), std::move(detail)));
}

std::string strip_prefix(std::string value, std::string_view prefix) {
    if (value.size() > prefix.size() && value.compare(0, prefix.size(), prefix) == 0) {
        value.erase(0, prefix.size());
    }
    return value;
}

std::string with_prefix(std::string value, std::string_view prefix) {
    if (value.compare(0, prefix.size(), prefix) != 0) value.insert(0, prefix);
    return value;
}

// Hub sort names (and the Python client's snake_case spellings) -> query::Sort.
std::optional<query::Sort> hub_sort(std::string_view name) {
    if (name == "trendingScore" || name == "trending_score" || name == "trending") {
        return query::Sort::Trending;
    }
    if (name == "downloads") return query::Sort::Downloads;
    if (name == "likes") return query::Sort::Likes;
    if (name == "lastModified" || name == "last_modified") return query::Sort::Modified;
    if (name == "createdAt" || name == "created_at") return query::Sort::Created;
    return std::nullopt;
}

// A flag like full=true / cardData=True / a bare `full`. Absent: false.
std::optional<bool> flag(const QueryParams& params, std::string_view key) {
    const auto v = params.last(key);
    if (!v) return false;
    if (v->empty()) return true;
    return parse_bool(*v);
}

// Parameters of the Hub whose meaning cardex cannot honour from a card alone. Ignoring them
// would silently widen the result, which is worse than saying so.
constexpr std::string_view kUnsupported[] = {
    "num_parameters", "apps", "inference_provider", "inference", "models", "datasets", "linked"};

// Fills `fields` with _id, id and the `expand` / `expand[]` keys when there are any (left
// empty otherwise). A 400 response on a key the Hub does not know for `type`.
std::optional<HttpResponse> expanded_fields(CardType type, const QueryParams& p,
                                            std::vector<std::string_view>& fields) {
    auto expand = p.list("expand");
    for (auto& e : p.list("expand[]")) expand.push_back(std::move(e));
    if (expand.empty()) return std::nullopt;
    fields = {"_id", "id"};
    for (const auto& key : expand) {
        if (!hub_expand_allowed(type, key)) {
            return bad_request(
                "Invalid expand value '" + key + "'; expected one of: " + hub_expand_keys(type),
                key);
        }
        const std::string_view name = hub_renderable_field(key);
        if (!name.empty() && std::find(fields.begin(), fields.end(), name) == fields.end()) {
            fields.push_back(name);
        }
    }
    return std::nullopt;
}

struct ListPlan {
    query::SearchRequest request;
    std::vector<std::string_view> fields;
};

// Builds the search and the field list of a listing, or a 400.
std::variant<ListPlan, HttpResponse> plan_list(CardType type, const RouteContext& ctx) {
    const QueryParams& p = ctx.params;
    ListPlan plan;
    query::SearchRequest& req = plan.request;
    req.snippets = false;
    restrict_to_caller(ctx, req);
    req.filters.push_back({"type", {std::string(index::card_type_name(type))}, {}});

    for (const auto key : kUnsupported) {
        // `datasets`/`models` exist only as Space filters; on other types they are unknown
        // parameters and ignored like any other.
        if ((key == "models" || key == "datasets" || key == "linked") && type != CardType::Space) {
            continue;
        }
        if (p.has(key)) {
            return bad_request("parameter '" + std::string(key) + "' is not supported",
                               std::string(key));
        }
    }

    // search: id-only match; Python may send two values (model_name and search).
    std::string text;
    for (const auto& s : p.all("search")) {
        if (s.empty()) continue;
        if (!text.empty()) text.push_back(' ');
        text.append(s);
    }
    if (!text.empty()) {
        req.text = std::move(text);
        req.id_only = true;
    }
    if (auto author = p.last("author"); author && !author->empty()) {
        req.filters.push_back({"author", {*author}, {}});
    }
    // filter: AND over exact tags. Values of one FacetFilter are OR-ed, so one filter each.
    for (auto& tag : p.list("filter")) req.filters.push_back({"tag", {std::move(tag)}, {}});
    for (auto& tag : p.list("other")) req.filters.push_back({"tag", {std::move(tag)}, {}});
    for (auto& ds : p.list("dataset")) {
        req.filters.push_back({"tag", {with_prefix(std::move(ds), "dataset:")}, {}});
    }
    if (auto tasks = p.list("pipeline_tag"); !tasks.empty()) {
        req.filters.push_back({"pipeline_tag", std::move(tasks), {}});
    }
    // Website facet names, aliases of filter=<value>: each value is one more AND term.
    for (auto& lang : p.list("language")) {
        req.filters.push_back({"language", {strip_prefix(std::move(lang), "language:")}, {}});
    }
    for (auto& lic : p.list("license")) {
        req.filters.push_back({"license", {strip_prefix(std::move(lic), "license:")}, {}});
    }
    for (auto& lib : p.list("library")) {
        // Dataset libraries are tags ("library:pandas", several per card); model libraries
        // are the single library_name facet.
        if (type == CardType::Dataset) {
            req.filters.push_back({"tag", {with_prefix(std::move(lib), "library:")}, {}});
        } else {
            req.filters.push_back({"library", {strip_prefix(std::move(lib), "library:")}, {}});
        }
    }
    if (auto gated = p.last("gated")) {
        const auto g = parse_bool(*gated);
        if (!g) return bad_request("'gated' must be true or false", *gated);
        if (*g) {
            req.filters.push_back({"gated", {"auto", "manual"}, {}});
        } else {
            req.filters.push_back({"gated", {"false"}, {}});
        }
    }

    req.sort = query::Sort::Trending;
    if (auto sort = p.last("sort"); sort && !sort->empty()) {
        const auto s = hub_sort(*sort);
        if (!s) {
            return bad_request(
                "'sort' must be one of trendingScore, downloads, likes, lastModified, createdAt",
                *sort);
        }
        req.sort = *s;
    }
    // `direction` is accepted and ignored: the Hub always sorts descending.

    const auto full = flag(p, "full");
    const auto card_data = flag(p, "cardData");
    const auto config = flag(p, "config");
    if (!full || !card_data || !config) return bad_request("boolean parameter expected");

    std::size_t limit = (*full || *card_data) ? ctx.config.hub_default_limit_full
                                              : ctx.config.hub_default_limit;
    if (auto l = p.last("limit"); l && !l->empty()) {
        const auto n = parse_uint(*l);
        if (!n) return bad_request("'limit' must be a non-negative integer", *l);
        limit = static_cast<std::size_t>(std::min<std::uint64_t>(*n, query::kMaxLimit));
    }
    req.limit = std::clamp<std::size_t>(limit, 1, query::kMaxLimit);
    if (auto skip = p.last("skip"); skip && !skip->empty()) {
        const auto n = parse_uint(*skip);
        if (!n) return bad_request("'skip' must be a non-negative integer", *skip);
        req.offset = static_cast<std::size_t>(*n);
    }
    if (auto cursor = p.last("cursor")) req.cursor = *cursor;

    // expand: only _id, id and the listed properties; an unknown key is a 400.
    if (auto bad = expanded_fields(type, p, plan.fields)) return std::move(*bad);
    if (plan.fields.empty()) {
        plan.fields = hub_fields(type, *full ? HubShape::Full : HubShape::Default, *card_data);
    }
    return plan;
}
// The next page's absolute URL: every original parameter but the cursor, then the new one.
std::string next_link(const RouteContext& ctx, std::string_view cursor_key,
                      const std::string& cursor_value) {
    std::string url = public_base_url(ctx);
    url.append(ctx.raw_path);
    char sep = '?';
    for (const auto& [k, v] : ctx.params.items()) {
        if (k == "cursor" || (cursor_key == "skip" && k == "skip")) continue;
        url.push_back(sep);
        sep = '&';
        url.append(percent_encode(k)).append("=").append(percent_encode(v));
    }
    url.push_back(sep);
    url.append(cursor_key).append("=").append(percent_encode(cursor_value));
    return "<" + url + ">; rel=\"next\"";
}

}  // namespace

HttpResponse hub_list_endpoint(CardType type, const RouteContext& ctx, query::Searcher& searcher) {
    auto planned = plan_list(type, ctx);
    if (auto* err = std::get_if<HttpResponse>(&planned)) return std::move(*err);
    ListPlan& plan = std::get<ListPlan>(planned);

    auto result = searcher.search(plan.request);
    if (!result) return error_response(result.error());
    const query::SearchResponse& res = result.value();

    JsonWriter w;
    w.begin_array();
    for (const auto& hit : res.hits) write_hub_item(w, hit.card, plan.fields);
    w.end_array();
    HttpResponse out = json_response(w.take());

    if (!res.next_cursor.empty()) {
        out.headers.emplace_back("Link", next_link(ctx, "cursor", res.next_cursor));
    } else if (plan.request.cursor.empty() &&
               plan.request.offset + res.hits.size() < res.total && !res.hits.empty()) {
        // No cursor from the query library: page on with skip instead.
        out.headers.emplace_back(
            "Link",
            next_link(ctx, "skip", std::to_string(plan.request.offset + res.hits.size())));
    }
    // Not in the Hub's contract, but users ask for it (docs/HUB-API.md §7, §11) and clients
    // ignore unknown headers.
    out.headers.emplace_back("X-Total-Count", std::to_string(res.total));
    return out;
}

HttpResponse hub_info_endpoint(CardType type, std::string_view rest, const RouteContext& ctx,
                               query::Searcher& searcher) {
    std::string_view id_part = rest;
    std::optional<std::string_view> revision;
    if (const std::size_t r = rest.find("/revision/"); r != std::string_view::npos && r > 0) {
        id_part = rest.substr(0, r);
        revision = rest.substr(r + std::string_view("/revision/").size());
    }
    const auto id = percent_decode(id_part, false);
    if (!id || id->empty() || id->size() > 256) return repo_not_found(ctx);
    if (revision) {
        const auto rev = percent_decode(*revision, false);
        // Only the indexed (default-branch) state exists; any named revision gets it.
        if (!rev || rev->empty()) {
            return error_response(404, "RevisionNotFound", "Revision not found");
        }
    }

    std::vector<std::string_view> fields;
    if (auto bad = expanded_fields(type, ctx.params, fields)) return std::move(*bad);
    if (fields.empty()) fields = hub_fields(type, HubShape::Info, true);

    auto card = searcher.get(type, *id, ctx.principal.namespaces, ctx.principal.admin);
    if (!card) {
        // Private cards come back NotFound too; both get the same bytes.
        if (card.error().code == Errc::NotFound) return repo_not_found(ctx);
        return error_response(card.error());
    }
    JsonWriter w;
    write_hub_item(w, card.value(), fields);
    return json_response(w.take());
}

}  // namespace cardex::server
