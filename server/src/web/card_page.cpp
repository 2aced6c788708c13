// GET /{models,datasets,spaces}/{id}: one card — metadata, the sanitized card text, DOI and
// arXiv links, its documentation quality and what it misses, lineage both ways (what it
// derives from, what derives from it) and similar cards.
#include <chrono>
#include <cstdio>
#include <string>

#include "card_meta.h"
#include "cardex/index/quality.h"
#include "citation.h"
#include "jsonld.h"
#include "links.h"
#include "url.h"
#include "web/facets_html.h"
#include "web/html.h"
#include "web/page.h"
#include "web/sanitize.h"

namespace cardex::server::web {
namespace {

using index::Card;
using index::CardType;

std::string date_of(std::int64_t unix_seconds) {
    using namespace std::chrono;
    const year_month_day ymd{floor<days>(sys_seconds{seconds{unix_seconds}})};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

// "/?facet=value" (plus the language choice): the search for everything sharing a value.
std::string facet_link(const PageContext& pc, std::string_view facet, std::string_view value,
                       std::string_view label) {
    std::string out = "<a href=\"";
    append_escaped(out, "/?" + std::string(facet) + "=" + percent_encode(value) + lang_suffix(pc));
    out += "\">";
    append_escaped(out, label);
    out += "</a>";
    return out;
}

std::string card_link(const PageContext& pc, CardType type, std::string_view id,
                      std::string_view label) {
    std::string out = "<a href=\"";
    append_escaped(out, card_path(type, id) + (pc.lang_param.empty() ? "" : "?lang=" + pc.lang_param));
    out += "\">";
    append_escaped(out, label);
    out += "</a>";
    return out;
}

void meta_row(std::string& out, const Messages& m, std::string_view key, const std::string& html) {
    if (html.empty()) return;
    out += "<div><dt>";
    append_escaped(out, m.text(key));
    out += "</dt><dd>" + html + "</dd></div>";
}

template <class Fn>
std::string joined(const std::vector<std::string>& values, std::size_t max, Fn&& fn) {
    std::string out;
    for (std::size_t i = 0; i < values.size() && i < max; ++i) {
        if (i > 0) out += ", ";
        out += fn(values[i]);
    }
    return out;
}

void render_meta(std::string& out, const PageContext& pc, const Card& c) {
    const Messages& m = pc.msg;
    out += "<dl class=\"card-meta\">";
    meta_row(out, m, "card.type",
             facet_link(pc, "type", index::card_type_name(c.type),
                        m.text("type." + std::string(index::card_type_name(c.type)))));
    if (!c.author.empty()) {
        meta_row(out, m, "facet.author",
                 facet_link(pc, "author", c.author, c.author) + " (<a class=\"org-link\" href=\"" +
                     escape("/" + encode_path(c.author) +
                            (pc.lang_param.empty() ? "" : "?lang=" + pc.lang_param)) +
                     "\">" + escape(m.text("org.page_link")) + "</a>)");
    }
    meta_row(out, m, "facet.task", joined(c.tasks, 10, [&](const std::string& t) {
                 return facet_link(pc, "task", t, value_label(m, *pc.vocab, "task", t));
             }));
    meta_row(out, m, "facet.language", joined(c.languages, 60, [&](const std::string& l) {
                 return facet_link(pc, "language", l, value_label(m, *pc.vocab, "language", l));
             }));
    if (!c.license.empty()) {
        std::string lic = facet_link(pc, "license", c.license, value_label(m, *pc.vocab, "license", c.license));
        if (!c.reuse.empty()) {
            lic += " <span class=\"reuse\">(";
            append_escaped(lic, m.text("reuse." + c.reuse));
            lic += ")</span>";
        }
        meta_row(out, m, "facet.license", lic);
    }
    if (!c.library.empty()) meta_row(out, m, "facet.library", facet_link(pc, "library", c.library, c.library));
    meta_row(out, m, "downloads", escape(m.number(c.downloads)));
    meta_row(out, m, "likes", escape(m.number(c.likes)));
    if (c.created_at >= 0) meta_row(out, m, "card.created", escape(date_of(c.created_at)));
    if (c.last_modified >= 0) meta_row(out, m, "card.modified", escape(date_of(c.last_modified)));
    if (c.gated != index::Gated::No) {
        meta_row(out, m, "facet.gated", escape(m.text("gated." + std::string(index::gated_name(c.gated)))));
    }
    if (!c.size_category.empty()) meta_row(out, m, "card.size", escape(c.size_category));
    if (!c.sdk.empty()) meta_row(out, m, "facet.sdk", facet_link(pc, "sdk", c.sdk, c.sdk));
    meta_row(out, m, "card.doi", joined(c.dois, 20, [](const std::string& d) {
                 return "<a href=\"" + escape("https://doi.org/" + encode_path(d)) +
                        "\" rel=\"noopener\">" + escape(d) + "</a>";
             }));
    meta_row(out, m, "card.arxiv", joined(c.arxiv_ids, 20, [](const std::string& a) {
                 return "<a href=\"" + escape("https://arxiv.org/abs/" + percent_encode(a)) +
                        "\" rel=\"noopener\">arXiv:" + escape(a) + "</a>";
             }));
    meta_row(out, m, "card.hub",
             "<a href=\"" + escape(hub_url(c.type, c.id)) + "\" rel=\"noopener\">" +
                 escape(m.text("card.hub_link")) + "</a>");
    out += "</dl>";
}

void render_hit_list(std::string& out, const PageContext& pc, const std::vector<query::Hit>& hits) {
    out += "<ul class=\"card-list\">";
    for (const auto& h : hits) {
        out += "<li>";
        out += card_link(pc, h.card.type, h.card.id, h.card.id);
        out += " <span class=\"badge badge-type\">";
        append_escaped(out, pc.msg.text("type." + std::string(index::card_type_name(h.card.type))));
        out += "</span>";
        if (!h.card.tasks.empty()) {
            out += " <span class=\"badge\">";
            append_escaped(out, value_label(pc.msg, *pc.vocab, "task", h.card.tasks.front()));
            out += "</span>";
        }
        out += "</li>";
    }
    out += "</ul>";
}

// Cards linked to this one (models built on it, trained on it, Spaces using it): how many,
// the first five, and a search for all of them. `summary`, when given, is a line of counts
// under the heading.
void render_linked(std::string& out,
                   const PageContext& pc,
                   query::Searcher& searcher,
                   const Card& c,
                   Link link,
                   std::string_view heading_key,
                   const std::string& summary = {}) {
    const Viewer viewer{pc.access.private_namespaces, pc.access.all_private};
    auto linked = linked_cards(searcher, c, link, 5, viewer);
    if (!linked || linked->count == 0) return;
    const LinkQuery q = link_query(c, link);
    out += "<h3>";
    append_escaped(out, pc.msg.text(heading_key));
    out += "</h3>";
    if (!summary.empty()) out += "<p class=\"lineage-counts\">" + summary + "</p>";
    render_hit_list(out, pc, linked->top);
    if (linked->count > linked->top.size()) {
        out += "<p><a href=\"";
        append_escaped(out,
                       "/?type=" + std::string(q.type) + "&" + std::string(q.facet) + "=" +
                           percent_encode(c.id) + lang_suffix(pc));
        out += "\">";
        append_escaped(
            out,
            pc.msg.format("see_all", {pc.msg.number(static_cast<std::int64_t>(linked->count))}));
        out += "</a></p>";
    }
}

// A list of ids linking to the card pages of `type`.
void render_id_list(std::string& out,
                    const PageContext& pc,
                    CardType type,
                    const std::vector<std::string>& ids,
                    std::string_view heading_key) {
    if (ids.empty()) return;
    out += "<h3>";
    append_escaped(out, pc.msg.text(heading_key));
    out += "</h3><ul>";
    for (const auto& id : ids) out += "<li>" + card_link(pc, type, id, id) + "</li>";
    out += "</ul>";
}

void render_lineage(std::string& out, const PageContext& pc, query::Searcher& searcher,
                    const Card& c) {
    const Messages& m = pc.msg;
    std::string inner;
    if (!c.base_models.empty()) {
        inner += "<h3>";
        append_escaped(inner, m.text("lineage.base_models"));
        inner += "</h3><ul>";
        for (const auto& b : c.base_models) {
            inner += "<li>" + card_link(pc, CardType::Model, b.id, b.id);
            if (!b.relation.empty()) {
                inner += " <span class=\"badge\">";
                append_escaped(inner, m.text("relation." + b.relation));
                inner += "</span>";
            }
            inner += "</li>";
        }
        inner += "</ul>";
    }
    if (c.type == CardType::Space) {
        render_id_list(inner, pc, CardType::Model, c.models, "lineage.space_models");
        render_id_list(inner, pc, CardType::Dataset, c.datasets, "lineage.space_datasets");
    } else {
        render_id_list(inner, pc, CardType::Dataset, c.datasets, "lineage.datasets");
    }
    if (c.type == CardType::Model) {
        // The whole tree's size beside the direct children listed.
        std::string summary;
        if (auto d = searcher.derived(c.id, pc.access.private_namespaces, pc.access.all_private);
            d && d->direct > 0) {
            summary = escape(
                m.format(d->truncated ? "lineage.derived_counts_more" : "lineage.derived_counts",
                         {m.number(static_cast<std::int64_t>(d->direct)),
                          m.number(static_cast<std::int64_t>(d->total)),
                          m.number(static_cast<std::int64_t>(query::kLineageDepth))}));
        }
        render_linked(inner, pc, searcher, c, Link::DerivedModels, "lineage.derived", summary);
        render_linked(inner, pc, searcher, c, Link::Spaces, "lineage.spaces_model");
    }
    if (c.type == CardType::Dataset) {
        render_linked(inner, pc, searcher, c, Link::TrainedModels, "lineage.trained_on_this");
        render_linked(inner, pc, searcher, c, Link::Spaces, "lineage.spaces_dataset");
    }
    if (inner.empty()) return;
    out += "<section class=\"lineage\" aria-labelledby=\"lineage-h\"><h2 id=\"lineage-h\">";
    append_escaped(out, m.text("lineage"));
    out += "</h2>" + inner + "</section>";
}

// Documentation quality (index/quality.h): the score and its band (a link to the cards of
// that band), what the card misses first, then what it documents.
void render_quality(std::string& out, const PageContext& pc, const Card& c) {
    if (c.quality_score < 0) return;  // never assessed
    const Messages& m = pc.msg;
    const std::string_view band = index::quality_band(c.quality_score);
    out +=
        "<section class=\"quality\" id=\"quality\" aria-labelledby=\"quality-h\" "
        "data-score=\"" +
        std::to_string(c.quality_score) + "\"><h2 id=\"quality-h\">";
    append_escaped(out, m.text("card.quality"));
    out += "</h2><p class=\"quality-score\"><meter min=\"0\" max=\"100\" low=\"" +
           std::to_string(index::kQualityMedium) + "\" high=\"" +
           std::to_string(index::kQualityHigh) + "\" optimum=\"100\" value=\"" +
           std::to_string(c.quality_score) + "\"></meter> ";
    out += facet_link(
        pc,
        "quality",
        band,
        m.format("card.quality_score",
                 {std::to_string(c.quality_score), value_label(m, *pc.vocab, "quality", band)}));
    out += "</p>";
    const auto list = [&](std::string_view heading_key, std::string_view cls, std::uint32_t bits) {
        const auto names = index::criterion_names(bits);
        out += "<h3>";
        append_escaped(out, m.text(heading_key));
        out += "</h3>";
        if (names.empty()) {
            out += "<p class=\"" + std::string(cls) + "\">";
            append_escaped(out, m.text("card.quality_nothing_missing"));
            out += "</p>";
            return;
        }
        out += "<ul class=\"" + std::string(cls) + "\">";
        for (const auto name : names) {
            out += "<li data-criterion=\"";
            append_escaped(out, name);
            out += "\">";
            append_escaped(out, value_label(m, *pc.vocab, "has", name));
            out += "</li>";
        }
        out += "</ul>";
    };
    list("card.quality_missing", "quality-missing", c.quality_missing);
    if (c.quality_present != 0) list("card.quality_present", "quality-present", c.quality_present);
    out += "<p class=\"quality-about\">";
    append_escaped(out, m.text("card.quality_about"));
    out += "</p></section>";
}

// The "Cite" box: the card's own citations as written, then the one cardex generates, and
// the generated one in every format the API offers.
void render_cite(std::string& out, const PageContext& pc, const Card& c) {
    const Messages& m = pc.msg;
    out += "<section class=\"cite\" id=\"cite\" aria-labelledby=\"cite-h\"><h2 id=\"cite-h\">";
    append_escaped(out, m.text("cite"));
    out += "</h2>";
    const auto own = own_citations(c);
    if (!own.empty()) {
        out += "<h3>";
        append_escaped(out, m.text("cite.own"));
        out += "</h3>";
        for (const auto& o : own) {
            out += "<pre class=\"cite-own\" data-format=\"";
            out += o.bibtex ? "bibtex" : "text";
            out += "\" tabindex=\"0\">";
            append_escaped(out, o.text);
            out += "</pre>";
        }
        out += "<h3>";
        append_escaped(out, m.text("cite.generated"));
        out += "</h3>";
    }
    out += "<pre class=\"cite-generated\" data-format=\"bibtex\" tabindex=\"0\">";
    append_escaped(out, generated_citation(c, CitationFormat::Bibtex));
    out += "</pre><p class=\"cite-formats\">";
    append_escaped(out, m.text("cite.formats"));
    const std::string api = "/api/" + std::string(index::card_type_name(c.type)) + "s/" + encode_path(c.id) +
                            "/citation?format=";
    for (auto f : {CitationFormat::Bibtex, CitationFormat::Ris, CitationFormat::CslJson, CitationFormat::Cff}) {
        const std::string_view name = citation_format_name(f);
        out += " <a href=\"";
        append_escaped(out, api + std::string(name));
        out += "\" data-format=\"" + std::string(name) + "\">";
        append_escaped(out, m.text("cite.format." + std::string(name)));
        out += "</a>";
    }
    out += "</p></section>";
}

}  // namespace

HttpResponse card_page(const PageContext& context, CardType type, std::string_view raw_id,
                       query::Searcher& searcher) {
    PageContext pc = context;
    if (auto vocab = searcher.vocabulary()) pc.vocab = std::move(vocab).value();
    const Messages& m = pc.msg;
    auto decoded = percent_decode(raw_id, false);
    if (!decoded) return error_page(pc, 400, m.text("bad_url"));
    std::string id = std::move(*decoded);
    while (!id.empty() && id.back() == '/') id.pop_back();
    auto card = searcher.get(type, id, pc.access.private_namespaces, pc.access.all_private);
    if (!card) {
        // Same answer for a missing and a private card, as the API gives.
        if (card.error().code == Errc::NotFound) return error_page(pc, 404, m.text("card_not_found"));
        return error_page(pc, 503, m.text("search_unavailable"));
    }
    const Card& c = card.value();

    std::string body = "<form class=\"search-form compact\" role=\"search\" action=\"/\" "
                       "method=\"get\"><div class=\"searchbar\"><label for=\"q\" "
                       "class=\"sr-only\">";
    append_escaped(body, m.text("search_label"));
    body += "</label><input id=\"q\" name=\"q\" type=\"search\" placeholder=\"";
    append_escaped(body, m.text("search_placeholder"));
    body += "\"><button type=\"submit\" class=\"primary\">";
    append_escaped(body, m.text("search_button"));
    body += "</button>";
    if (!pc.lang_param.empty()) body += "<input type=\"hidden\" name=\"lang\" value=\"" + escape(pc.lang_param) + "\">";
    body += "</div></form>";

    // schema.org for search engines and harvesters (a data block: CSP does not run it).
    body += "<script type=\"application/ld+json\" id=\"card-jsonld\">" +
            card_jsonld(c, public_base_url(pc.route)) + "</script>";
    body += "<main id=\"main\" class=\"card-page\" tabindex=\"-1\"><nav class=\"crumbs\" "
            "aria-label=\"";
    append_escaped(body, m.text("breadcrumbs"));
    body += "\"><ol><li><a href=\"/" + (pc.lang_param.empty() ? std::string() : "?lang=" + pc.lang_param) + "\">";
    append_escaped(body, m.text("search_button"));
    body += "</a></li><li>" +
            facet_link(pc, "type", index::card_type_name(c.type),
                       m.text("types." + std::string(index::card_type_name(c.type)))) +
            "</li><li aria-current=\"page\">";
    append_escaped(body, c.id);
    body += "</li></ol></nav><header class=\"card-head\"><h1>";
    append_escaped(body, c.title.empty() ? c.id : c.title);
    body += "</h1><p class=\"card-id\"><code>";
    append_escaped(body, c.id);
    body += "</code></p>";
    if (!c.description.empty()) {
        body += "<p class=\"lead\">";
        append_escaped(body, c.description);
        body += "</p>";
    }
    body += "</header><div class=\"card-layout\"><div class=\"card-main\">";

    const std::string repo = hub_url(c.type, c.id);
    const std::string text = render_markdown(c.markdown, {repo, m.text("image_placeholder")});
    body += "<section class=\"card-text\" aria-labelledby=\"card-text-h\"><h2 id=\"card-text-h\" "
            "class=\"sr-only\">";
    append_escaped(body, m.text("card.text"));
    body += "</h2>";
    if (text.find("class=\"ext-img\"") != std::string::npos) {
        body += "<p class=\"images-note\">";
        append_escaped(body, m.text("images_blocked"));
        body += " <button type=\"button\" class=\"load-images js-only\">";
        append_escaped(body, m.text("load_images"));
        body += "</button></p>";
    }
    body += "<article class=\"markdown\">" + text + "</article></section></div>";

    body += "<aside class=\"card-side\"><section aria-labelledby=\"meta-h\"><h2 id=\"meta-h\">";
    append_escaped(body, m.text("card.details"));
    body += "</h2>";
    render_meta(body, pc, c);
    body += "</section>";
    render_quality(body, pc, c);
    render_cite(body, pc, c);
    render_lineage(body, pc, searcher, c);
    auto similar = searcher.similar(type, c.id, 6, pc.access.private_namespaces, pc.access.all_private);
    if (similar && !similar->empty()) {
        body += "<section class=\"similar\" aria-labelledby=\"similar-h\"><h2 id=\"similar-h\">";
        append_escaped(body, m.text("similar"));
        body += "</h2>";
        render_hit_list(body, pc, *similar);
        body += "</section>";
    }
    body += "</aside></div></main>";
    return html_response(200, layout(pc, c.title.empty() ? c.id : c.title, body));
}

}  // namespace cardex::server::web
