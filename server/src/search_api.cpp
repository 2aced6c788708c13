// GET /api/search: cardex's own search API — totals, facet counts, snippets, OR/NOT facet
// filters, numeric and date ranges.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "card_json.h"
#include "cardex/index/schema.h"
#include "cardex/query/request.h"
#include "http_errors.h"
#include "json_writer.h"
#include "routes.h"

namespace cardex::server {
namespace {

HttpResponse bad_request(std::string message, std::string detail = {}) {
    return error_response(make_error(Errc::InvalidArgument, std::move(message), std::move(detail)));
}

// Adds one FacetFilter per facet from `facet=a&facet=b,c&facet=-d` (OR over a, b, c; d
// excluded). `key` is the parameter name, `facet` the schema's.
void add_facet_filter(const QueryParams& p, std::string_view key, std::string_view facet,
                      query::SearchRequest& req) {
    query::FacetFilter f;
    f.facet = std::string(facet);
    for (auto& v : p.list(key)) {
        const bool exclude = v.front() == '-' || v.front() == '!';
        if (exclude) v.erase(0, 1);
        if (v.empty()) continue;
        (exclude ? f.excluded : f.values).push_back(std::move(v));
    }
    if (!f.values.empty() || !f.excluded.empty()) req.filters.push_back(std::move(f));
}

struct RangeParam {
    std::string_view key;
    std::string_view field;
    bool is_min;
    bool is_date;
};

// Date ranges: `_after` is inclusive of that instant, `_before` exclusive (one second
// earlier, since query::RangeFilter bounds are inclusive).
constexpr RangeParam kRanges[] = {
    {"downloads_min", "downloads", true, false}, {"downloads_max", "downloads", false, false},
    {"likes_min", "likes", true, false},         {"likes_max", "likes", false, false},
    {"created_after", "created", true, true},    {"created_before", "created", false, true},
    {"modified_after", "modified", true, true},  {"modified_before", "modified", false, true},
};

std::optional<HttpResponse> add_ranges(const QueryParams& p, query::SearchRequest& req) {
    for (const auto& r : kRanges) {
        const auto text = p.last(r.key);
        if (!text || text->empty()) continue;
        double bound = 0;
        if (r.is_date) {
            const auto t = parse_iso8601(*text);
            if (!t) {
                return bad_request("'" + std::string(r.key) + "' must be an ISO 8601 date", *text);
            }
            bound = static_cast<double>(r.is_min ? *t : *t - 1);
        } else {
            const auto n = parse_number(*text);
            if (!n) return bad_request("'" + std::string(r.key) + "' must be a number", *text);
            bound = *n;
        }
        auto it = std::find_if(req.ranges.begin(), req.ranges.end(),
                               [&](const query::RangeFilter& f) { return f.field == r.field; });
        if (it == req.ranges.end()) {
            req.ranges.push_back({std::string(r.field), std::nullopt, std::nullopt});
            it = req.ranges.end() - 1;
        }
        (r.is_min ? it->min : it->max) = bound;
    }
    return std::nullopt;
}

}  // namespace

HttpResponse search_endpoint(const RouteContext& ctx, query::Searcher& searcher) {
    const QueryParams& p = ctx.params;
    query::SearchRequest req;
    restrict_to_caller(ctx, req);
    if (auto q = p.last("q")) req.text = *q;

    // Facets that keep case are the Hub API's; here every filter ignores case, and
    // pipeline_tag is the task facet. Values are read through the index's vocabulary
    // ("German" is `de`); the response says what each was read as.
    for (const auto& info : index::kFacets) {
        if (info.fold_case) add_facet_filter(p, info.name, info.name, req);
    }
    add_facet_filter(p, "pipeline_tag", "task", req);
    req.understand_filters = true;
    req.derived_counts = true;  // each model hit says what is built on it
    if (auto bad = add_ranges(p, req)) return std::move(*bad);

    if (auto sort = p.last("sort"); sort && !sort->empty()) {
        const auto s = query::parse_sort(*sort);
        if (!s) {
            return bad_request(
                "'sort' must be one of relevance, downloads, likes, trending, created, "
                "modified, quality",
                *sort);
        }
        req.sort = *s;
    }
    req.limit = ctx.config.search_default_limit;
    if (auto l = p.last("limit"); l && !l->empty()) {
        const auto n = parse_uint(*l);
        if (!n) return bad_request("'limit' must be a non-negative integer", *l);
        req.limit = static_cast<std::size_t>(std::min<std::uint64_t>(*n, query::kMaxLimit));
    }
    if (auto o = p.last("offset"); o && !o->empty()) {
        const auto n = parse_uint(*o);
        if (!n) return bad_request("'offset' must be a non-negative integer", *o);
        req.offset = static_cast<std::size_t>(*n);
    }
    if (auto c = p.last("cursor")) req.cursor = *c;
    if (auto s = p.last("snippets")) {
        const auto b = parse_bool(*s);
        if (!b) return bad_request("'snippets' must be true or false", *s);
        req.snippets = *b;
    }
    std::size_t top = 10;
    if (auto t = p.last("facet_limit"); t && !t->empty()) {
        const auto n = parse_uint(*t);
        if (!n || *n == 0) return bad_request("'facet_limit' must be a positive integer", *t);
        top = static_cast<std::size_t>(
            std::min<std::uint64_t>(*n, ctx.config.max_facet_values));
    }
    // `facets=modality>task`: each modality with its tasks (query::FacetRequest::children).
    for (auto& name : p.list("facets")) {
        query::FacetRequest fr{std::move(name), top};
        if (const auto gt = fr.facet.find('>'); gt != std::string::npos) {
            fr.children = fr.facet.substr(gt + 1);
            fr.facet.resize(gt);
            fr.children_top = top;
        }
        req.facets.push_back(std::move(fr));
    }
    if (auto pw = p.last("prior"); pw && !pw->empty()) {
        const auto n = parse_number(*pw);
        if (!n || !(*n >= 0 && *n <= query::kMaxPriorWeight)) {
            return bad_request("'prior' must be a number from 0 to 2", *pw);
        }
        req.prior_weight = *n;
    }
    if (auto e = p.last("explain")) {
        const auto b = parse_bool(*e);
        if (!b) return bad_request("'explain' must be true or false (1 or 0)", *e);
        req.explain = *b;
    }
    // A phrase's total is counted on its first 25,000 candidates unless asked to be exact
    // (query/request.h, phrase_check_limit): Elasticsearch's track_total_hits=true.
    if (auto e = p.last("exact_total")) {
        const auto b = parse_bool(*e);
        if (!b) return bad_request("'exact_total' must be true or false (1 or 0)", *e);
        if (*b) req.phrase_check_limit = 0;
    }
    bool debug = false;
    if (auto d = p.last("debug")) {
        const auto b = parse_bool(*d);
        if (!b) return bad_request("'debug' must be true or false (1 or 0)", *d);
        debug = *b;
    }

    auto result = searcher.search(req);
    if (!result) return error_response(result.error());
    const query::SearchResponse& res = result.value();

    JsonWriter w;
    w.begin_object();
    w.field("total", res.total);
    // "gte": a phrase counted on part of its candidates; total and facet counts are lower
    // bounds, total_estimate scales them up (Elasticsearch's hits.total.relation).
    w.field("total_relation", res.total_exact ? "eq" : "gte");
    w.field("total_estimate", res.total_estimate);
    // "gte" also when the total is exact but a filtered facet's other values were counted on
    // part of a phrase's candidates.
    w.field("facets_relation", res.counts_exact ? "eq" : "gte");
    w.key("hits").begin_array();
    for (const auto& hit : res.hits) write_search_hit(w, hit);
    w.end_array();
    w.key("facets").begin_object();
    for (const auto& facet : res.facets) {
        w.key(facet.facet).begin_array();
        for (const auto& v : facet.values) {
            w.begin_object().field("value", v.value).field("count", v.count);
            if (!facet.children.empty()) {
                w.key(facet.children).begin_array();
                for (const auto& c : v.children) {
                    w.begin_object().field("value", c.value).field("count", c.count).end_object();
                }
                w.end_array();
            }
            w.end_object();
        }
        w.end_array();
    }
    w.end_object();
    // Words of `q` that name a facet value: a client can offer each as a filter.
    w.key("understood").begin_array();
    for (const auto& u : res.understood) {
        w.begin_object().field("text", u.text).field("facet", u.facet).field("value", u.value);
        w.field("implied", u.implied).end_object();
    }
    w.end_array();
    // What each filter value was read as; a value no card can have says so.
    w.key("filters").begin_array();
    for (const auto& u : res.filters) {
        w.begin_object().field("facet", u.facet).field("value", u.value).field("excluded", u.excluded);
        w.key("understood");
        if (u.unknown) {
            w.null();
        } else {
            std::string joined;  // several values as the API's list syntax: "auto,manual"
            for (const auto& v : u.understood) joined.append(joined.empty() ? "" : ",").append(v);
            w.value(joined);
        }
        w.field("unknown", u.unknown);
        if (u.unknown) w.field("message", u.message);
        w.end_object();
    }
    w.end_array();
    w.key("next_cursor");
    if (res.next_cursor.empty()) {
        w.null();
    } else {
        w.value(res.next_cursor);
    }
    w.key("suggestion");
    if (res.suggestion.empty()) {
        w.null();
    } else {
        w.value(res.suggestion);
    }
    // What typo tolerance also matched (query/typo.h).
    w.key("corrected").begin_array();
    for (const auto& c : res.corrected) {
        w.begin_object().field("from", c.from).key("to").string_array(c.to).end_object();
    }
    w.end_array();
    // The last words left out when no card holds them all (SearchResponse::dropped).
    w.key("dropped").string_array(res.dropped);
    auto ms = [](double v) { return std::round(v * 1000.0) / 1000.0; };
    w.field("took_ms", ms(res.took_ms));
    if (debug) {
        // Where the time went (query/response.h): for people tuning a query or the index.
        const auto& t = res.timings;
        w.key("timings").begin_object();
        w.field("parse_ms", ms(t.parse_ms)).field("typo_ms", ms(t.typo_ms));
        w.field("match_ms", ms(t.match_ms));
        w.field("count_ms", ms(t.count_ms)).field("rank_ms", ms(t.rank_ms));
        w.field("hits_ms", ms(t.hits_ms)).field("suggest_ms", ms(t.suggest_ms));
        w.field("phrase_store_cards", t.phrase_store_cards);
        w.field("phrase_xapian_cards", t.phrase_xapian_cards);
        w.field("phrase_pair_rejects", t.phrase_pair_rejects);
        w.field("rank_scored", t.rank_scored).field("rank_accepted", t.rank_accepted);
        w.end_object();
    }
    w.end_object();
    return json_response(w.take());
}

}  // namespace cardex::server
