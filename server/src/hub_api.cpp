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
#include "links.h"
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

// Parameters of the Hub whose meaning cardex cannot honour from a card and its Hub record:
// which local apps run a model, and which inference providers serve it now. Ignoring them
// would silently widen the result, which is worse than saying so: 400, as the README says.
constexpr std::string_view kUnsupported[] = {"apps", "inference_provider", "inference"};

// "1B", "6.5B", "500M", "1.2k", "7000000" -> a count; nullopt on anything else.
std::optional<double> parameter_count(std::string_view text) {
    double scale = 1;
    if (!text.empty()) {
        switch (text.back()) {
            case 'k':
            case 'K':
                scale = 1e3;
                break;
            case 'm':
            case 'M':
                scale = 1e6;
                break;
            case 'b':
            case 'B':
                scale = 1e9;
                break;
            case 't':
            case 'T':
                scale = 1e12;
                break;
            default:
                break;
        }
        if (scale != 1) text.remove_suffix(1);
    }
    const auto n = parse_number(text);
    if (!n || *n < 0) return std::nullopt;
    return *n * scale;
}

// num_parameters=min:6B,max:128B (either bound alone, in any order): the parameter count
// from the Hub's safetensors (else gguf) record. Models without one never match.
std::optional<HttpResponse> parameter_range(const QueryParams& p, query::SearchRequest& req) {
    const auto values = p.list("num_parameters");
    if (values.empty()) return std::nullopt;
    query::RangeFilter range{"num_parameters", 0.0, std::nullopt};
    for (const auto& v : values) {
        const std::size_t colon = v.find(':');
        const std::string_view bound = std::string_view(v).substr(0, colon);
        const auto n = colon == std::string::npos
                           ? std::nullopt
                           : parameter_count(std::string_view(v).substr(colon + 1));
        if (!n || (bound != "min" && bound != "max")) {
            return bad_request(
                "'num_parameters' must be min:N and/or max:N, N a count like 500M or 6B", v);
        }
        if (bound == "min") {
            range.min = std::max(*n, 0.0);
        } else {
            range.max = *n;
        }
    }
    req.ranges.push_back(range);
    return std::nullopt;
}

}  // namespace

// Fills `fields` with _id, id and the `expand` / `expand[]` keys when there are any (left
// empty otherwise). A 400 response on a key the Hub does not know for `type`.
std::optional<HttpResponse> hub_expanded_fields(CardType type,
                                                const QueryParams& p,
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

namespace {

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
        if (p.has(key)) {
            return bad_request("parameter '" + std::string(key) + "' is not supported by cardex",
                               std::string(key));
        }
    }
    if (type == CardType::Model) {
        if (auto bad = parameter_range(p, req)) return std::move(*bad);
    } else if (p.has("num_parameters")) {
        return bad_request("parameter 'num_parameters' is for models only", "num_parameters");
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
    // author and filter match exactly, case included, as on the Hub (the native API
    // ignores case).
    if (auto author = p.last("author"); author && !author->empty()) {
        req.filters.push_back({"author_exact", {*author}, {}});
    }
    // filter: AND over exact tags. Values of one FacetFilter are OR-ed, so one filter each.
    for (auto& tag : p.list("filter")) req.filters.push_back({"tag_exact", {std::move(tag)}, {}});
    for (auto& tag : p.list("other")) req.filters.push_back({"tag_exact", {std::move(tag)}, {}});
    for (auto& ds : p.list("dataset")) {
        req.filters.push_back({"tag_exact", {with_prefix(std::move(ds), "dataset:")}, {}});
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
            req.filters.push_back({"tag_exact", {with_prefix(std::move(lib), "library:")}, {}});
        } else {
            req.filters.push_back({"library", {strip_prefix(std::move(lib), "library:")}, {}});
        }
    }
    // A Space's linked repositories (docs/HUB-API.md §3): `models=`/`datasets=` keep the
    // Spaces that declare each of them (several: AND, as filters are), and like `linked`
    // they bring the `models` and `datasets` fields. `datasets`/`models`/`linked`/`sdk` mean
    // nothing on other types: unknown parameters there, ignored like any other.
    bool linked = false;
    if (type == CardType::Space) {
        for (auto& m : p.list("models")) req.filters.push_back({"model", {std::move(m)}, {}});
        for (auto& d : p.list("datasets")) req.filters.push_back({"dataset", {std::move(d)}, {}});
        const auto l = flag(p, "linked");
        if (!l) return bad_request("'linked' must be true or false", *p.last("linked"));
        linked = *l || p.has("models") || p.has("datasets");
        // The website's facet name (/spaces?sdk=gradio); one SDK per Space, so values OR.
        if (auto sdks = p.list("sdk"); !sdks.empty()) {
            req.filters.push_back({"sdk", std::move(sdks), {}});
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
    if (auto bad = hub_expanded_fields(type, p, plan.fields)) return std::move(*bad);
    if (plan.fields.empty()) {
        plan.fields = hub_fields(type, *full ? HubShape::Full : HubShape::Default, *card_data);
    }
    for (const std::string_view f : {"models", "datasets"}) {
        if (linked && std::find(plan.fields.begin(), plan.fields.end(), f) == plan.fields.end()) {
            plan.fields.push_back(f);
        }
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

    // `spaces` and `childrenModelCount` (expand=): each item's, one lookup per item.
    const bool spaces =
        std::find(plan.fields.begin(), plan.fields.end(), "spaces") != plan.fields.end();
    const bool children = std::find(plan.fields.begin(), plan.fields.end(), "childrenModelCount") !=
                          plan.fields.end();
    JsonWriter w;
    w.begin_array();
    for (const auto& hit : res.hits) {
        HubLinks links;
        if (spaces) {
            auto ids =
                spaces_using(searcher, hit.card, {ctx.principal.namespaces, ctx.principal.admin});
            if (!ids) return error_response(ids.error());
            links.spaces = std::move(ids).value();
        }
        if (children) {
            auto n = children_model_count(
                searcher, hit.card, {ctx.principal.namespaces, ctx.principal.admin});
            if (!n) return error_response(n.error());
            links.children = n.value();
        }
        write_hub_item(w, hit.card, plan.fields, spaces || children ? &links : nullptr);
    }
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

}  // namespace cardex::server
