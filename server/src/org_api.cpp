// GET /api/organizations/{name}[?format=csv]: an organisation's impact report.
#include "org_api.h"

#include <algorithm>

#include "card_meta.h"
#include "http_errors.h"
#include "json_writer.h"
#include "org_stats.h"
#include "url.h"
#include "web/page.h"

namespace cardex::server {
namespace {

void facet_values(JsonWriter& w,
                  std::string_view key,
                  const std::vector<query::FacetValue>& values) {
    w.key(key).begin_array();
    for (const auto& v : values)
        w.begin_object().field("value", v.value).field("count", v.count).end_object();
    w.end_array();
}

void brief(JsonWriter& w, const index::Card& c, std::string_view base) {
    w.begin_object()
        .field("id", c.id)
        .field("type", index::card_type_name(c.type))
        .field("author", c.author)
        .field("downloads", c.downloads)
        .field("likes", c.likes)
        .field("page", std::string(base) + web::card_path(c.type, c.id))
        .end_object();
}

}  // namespace

HttpResponse org_endpoint(std::string_view name,
                          const RouteContext& ctx,
                          query::Searcher& searcher) {
    if (!valid_org_name(name)) return error_response(404, "NotFound", "no such organisation", name);
    const auto format = ctx.params.last("format").value_or("json");
    if (format != "json" && format != "csv") {
        return error_response(400, "InvalidArgument", "'format' must be json or csv", format);
    }
    std::size_t limit = 100, offset = 0;
    for (auto [key, out] : {std::pair{"limit", &limit}, std::pair{"offset", &offset}}) {
        const auto v = ctx.params.last(key);
        if (!v || v->empty()) continue;
        const auto n = parse_uint(*v);
        if (!n) {
            return error_response(400,
                                  "InvalidArgument",
                                  "'" + std::string(key) + "' must be a non-negative integer",
                                  *v);
        }
        *out = static_cast<std::size_t>(std::min<std::uint64_t>(*n, kMaxOrgItems));
    }
    auto report = org_report(searcher, name, ctx.principal.namespaces, ctx.principal.admin);
    if (!report) {
        if (report.error().code == Errc::NotFound) {
            return error_response(404, "NotFound", "no such organisation", name);
        }
        return error_response(report.error());
    }
    const OrgReport& r = *report;
    const std::string base = public_base_url(ctx);
    if (format == "csv") {
        HttpResponse res;
        res.status = 200;
        res.content_type = "text/csv; charset=utf-8; header=present";
        res.body = org_csv(r, base);
        res.headers.emplace_back("Content-Disposition",
                                 "attachment; filename=\"" + r.name + "-cardex.csv\"");
        return res;
    }
    JsonWriter w;
    w.begin_object().field("name", r.name).field("page", base + "/" + web::encode_path(r.name));
    w.field("total", r.total);
    w.key("types")
        .begin_object()
        .field("model", r.models)
        .field("dataset", r.datasets)
        .field("space", r.spaces)
        .end_object();
    w.field("downloads", r.downloads).field("likes", r.likes).field("truncated", r.truncated);
    w.key("items").begin_array();
    for (std::size_t i = offset; i < r.items.size() && i < offset + limit; ++i) {
        const auto& it = r.items[i];
        const auto& c = it.card;
        w.begin_object()
            .field("id", c.id)
            .field("type", index::card_type_name(c.type))
            .field("title", c.title)
            .field("downloads", c.downloads)
            .field("likes", c.likes);
        if (c.created_at >= 0) w.field("createdAt", iso8601(c.created_at));
        if (c.last_modified >= 0) w.field("lastModified", iso8601(c.last_modified));
        w.key("tasks").string_array(c.tasks);
        w.field("license", c.license);
        if (c.type == index::CardType::Model) w.field("derived_models", it.derived);
        if (c.type == index::CardType::Dataset) w.field("used_by", it.trained);
        if (const auto doi = own_doi(c); !doi.empty()) w.field("doi", doi);
        w.field("page", base + web::card_path(c.type, c.id));
        w.end_object();
    }
    w.end_array();
    w.field("items_offset", offset).field("items_total", r.items.size());
    w.key("breakdown").begin_object();
    facet_values(w, "task", r.tasks);
    facet_values(w, "language", r.languages);
    facet_values(w, "license", r.licenses);
    w.end_object();
    w.key("derived_models").begin_object().field("total", r.derived_total).key("top").begin_array();
    for (const auto& h : r.derived_top) brief(w, h.card, base);
    w.end_array().end_object();
    w.key("used_its_datasets")
        .begin_object()
        .field("total", r.trained_total)
        .key("top")
        .begin_array();
    for (const auto& h : r.trained_top) brief(w, h.card, base);
    w.end_array().end_object();
    w.key("publications").begin_array();
    for (const auto& [month, n] : r.per_month)
        w.begin_object().field("month", month).field("count", n).end_object();
    w.end_array();
    w.field("publications_undated", r.undated);
    w.end_object();
    return json_response(w.take());
}

}  // namespace cardex::server
