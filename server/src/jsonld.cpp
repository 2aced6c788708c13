// schema.org JSON-LD of cards, and sitemaps. See jsonld.h.
#include "jsonld.h"

#include <algorithm>
#include <cmath>

#include "card_meta.h"
#include "http_errors.h"
#include "json_writer.h"
#include "url.h"
#include "web/page.h"
#include "xml.h"

namespace cardex::server {
namespace {

using index::Card;
using index::CardType;

void organization(JsonWriter& w, std::string_view name, const std::string& url) {
    w.begin_object().field("@type", "Organization").field("name", name);
    if (!url.empty()) w.field("url", url);
    w.end_object();
}

void counter(JsonWriter& w, std::string_view action, std::int64_t n) {
    w.begin_object()
        .field("@type", "InteractionCounter")
        .field("interactionType", "https://schema.org/" + std::string(action))
        .field("userInteractionCount", n)
        .end_object();
}

// Slices of the key-hash range in a sitemap: about this many cards each.
constexpr std::uint64_t kSitemapSlice = 5000;
constexpr double kHashSpan = 9007199254740992.0;  // 2^53: key hashes are below it

HttpResponse xml_response(std::string body) {
    HttpResponse res;
    res.status = 200;
    res.content_type = "application/xml; charset=utf-8";
    res.body = std::move(body);
    return res;
}

Result<std::uint64_t> public_count(query::Searcher& searcher) {
    query::SearchRequest req;
    req.limit = 0;
    req.snippets = false;
    auto r = searcher.search(req);
    if (!r) return std::move(r).error();
    return r->total;
}

}  // namespace

std::string card_jsonld(const Card& c, std::string_view base) {
    const std::string page = std::string(base) + web::card_path(c.type, c.id);
    JsonWriter w;
    w.begin_object();
    w.field("@context", "https://schema.org");
    w.field("@type", c.type == CardType::Dataset ? "Dataset" : "SoftwareSourceCode");
    w.field("@id", page);
    w.field("url", page);
    w.field("name", c.title.empty() ? c.id : c.title);
    if (!c.title.empty() && c.title != c.id) w.field("alternateName", c.id);
    if (!c.description.empty()) w.field("description", c.description);
    const std::string hub = hub_repo_url(c);
    w.field("sameAs", hub);
    if (c.type != CardType::Dataset) w.field("codeRepository", hub);
    if (const std::string url = license_url(c); !url.empty()) {
        w.field("license", url);
    } else if (!c.license.empty()) {
        w.key("license").begin_object().field("@type", "CreativeWork");
        w.field("name",
                c.license == "other" && !c.license_name.empty() ? c.license_name : c.license);
        w.end_object();
    }
    if (!c.author.empty()) {
        w.key("creator");
        organization(w, c.author, std::string(base) + "/" + web::encode_path(c.author));
    }
    w.key("publisher");
    organization(w, kPublisher, "https://huggingface.co");
    if (c.created_at >= 0) w.field("dateCreated", iso8601(c.created_at));
    if (c.last_modified >= 0) w.field("dateModified", iso8601(c.last_modified));
    if (const std::string doi = own_doi(c); !doi.empty()) {
        w.field("identifier", "https://doi.org/" + doi);
    }
    std::vector<std::string> keywords = c.tasks;
    for (const auto& l : c.languages) keywords.push_back(l);
    if (!keywords.empty()) w.key("keywords").string_array(keywords);
    if (!c.languages.empty()) w.key("inLanguage").string_array(c.languages);
    std::vector<std::string> based;
    for (const auto& b : c.base_models)
        based.push_back(std::string(base) + web::card_path(CardType::Model, b.id));
    if (c.type != CardType::Dataset) {
        for (const auto& d : c.datasets)
            based.push_back(std::string(base) + web::card_path(CardType::Dataset, d));
    }
    if (!based.empty()) w.key("isBasedOn").string_array(based);
    std::vector<std::string> cited;
    const std::string own = own_doi(c);
    for (const auto& d : c.dois) {
        if (d != own) cited.push_back("https://doi.org/" + d);
    }
    for (const auto& a : c.arxiv_ids) cited.push_back("https://arxiv.org/abs/" + a);
    if (cited.size() > 20) cited.resize(20);
    if (!cited.empty()) w.key("citation").string_array(cited);
    w.key("interactionStatistic").begin_array();
    counter(w, "DownloadAction", c.downloads);
    counter(w, "LikeAction", c.likes);
    w.end_array();
    w.end_object();
    // Inside <script>, "</script>" or "<!--" in a card's text would end or change the
    // element; JSON allows "<" to be written as \u003c, which no HTML parser reads as markup.
    std::string out;
    const std::string& json = w.str();
    out.reserve(json.size() + 16);
    for (const char ch : json) {
        if (ch == '<') {
            out += "\\u003c";
        } else {
            out += ch;
        }
    }
    return out;
}

HttpResponse sitemap_index(const RouteContext& ctx, query::Searcher& searcher) {
    auto total = public_count(searcher);
    if (!total) return error_response(total.error());
    const std::uint64_t slices =
        std::max<std::uint64_t>(1, (*total + kSitemapSlice - 1) / kSitemapSlice);
    const std::string base = public_base_url(ctx);
    std::string out =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
    for (std::uint64_t i = 0; i < slices; ++i) {
        out += "<sitemap><loc>";
        append_xml(out,
                   base + "/sitemaps/" + std::to_string(slices) + "-" + std::to_string(i) + ".xml");
        out += "</loc></sitemap>\n";
    }
    out += "</sitemapindex>\n";
    return xml_response(std::move(out));
}

HttpResponse sitemap_page(std::string_view name,
                          const RouteContext& ctx,
                          query::Searcher& searcher) {
    // "{slices}-{i}.xml": the slice count is in the name, so a page still means the same
    // range when the index has grown since the sitemap index was read.
    std::uint64_t slices = 0, i = 0;
    const auto dash = name.find('-');
    bool ok = name.ends_with(".xml") && dash != std::string_view::npos;
    if (ok) {
        const auto a = parse_uint(name.substr(0, dash));
        const auto b = parse_uint(name.substr(dash + 1, name.size() - 4 - dash - 1));
        ok = a && b && *a >= 1 && *a <= 100000 && *b < *a;
        if (ok) {
            slices = *a;
            i = *b;
        }
    }
    if (!ok) return error_response(404, "NotFound", "no such sitemap", name);
    const double width = kHashSpan / static_cast<double>(slices);
    const double lo = std::floor(width * static_cast<double>(i));
    const double hi = i + 1 == slices ? kHashSpan : std::floor(width * static_cast<double>(i + 1));
    const std::string base = public_base_url(ctx);
    std::string out =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
    // Descending key hash within [lo, hi); each call continues below the last hash seen.
    double max = hi - 1;
    for (int calls = 0; calls < 60 && max >= lo; ++calls) {
        query::SearchRequest req;  // anonymous on purpose: crawlers see public cards only
        req.sort = query::Sort::Key;
        req.ranges.push_back({"key_hash", lo, max});
        req.limit = query::kMaxLimit;
        req.snippets = false;
        auto r = searcher.search(req);
        if (!r) return error_response(r.error());
        for (const auto& h : r->hits) {
            out += "<url><loc>";
            append_xml(out, base + web::card_path(h.card.type, h.card.id));
            out += "</loc>";
            const std::int64_t mod = std::max(h.card.last_modified, h.card.datestamp);
            if (mod >= 0) out += "<lastmod>" + utc_datetime(mod) + "</lastmod>";
            out += "</url>\n";
        }
        if (r->hits.size() < query::kMaxLimit) break;
        max =
            static_cast<double>(index::key_hash(r->hits.back().card.type, r->hits.back().card.id)) -
            1;
    }
    out += "</urlset>\n";
    return xml_response(std::move(out));
}

}  // namespace cardex::server
