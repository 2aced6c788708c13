// GET /{organisation}: what an organisation published and what others built on it, with two
// charts drawn as SVG on the server (readable without JavaScript) and a CSV export.
#include <algorithm>
#include <cstdio>

#include "card_meta.h"
#include "org_stats.h"
#include "url.h"
#include "web/facets_html.h"
#include "web/html.h"
#include "web/org_page.h"
#include "web/page.h"

namespace cardex::server::web {
namespace {

using index::CardType;

std::string with_lang(const PageContext& pc, std::string url) {
    if (pc.lang_param.empty()) return url;
    return url + (url.find('?') == std::string::npos ? "?lang=" : "&lang=") + pc.lang_param;
}

std::string link(const std::string& href, std::string_view label) {
    return "<a href=\"" + escape(href) + "\">" + escape(label) + "</a>";
}

std::string num(const Messages& m, std::int64_t n) {
    return escape(m.number(n));
}

// Horizontal bars, one per card: the most downloaded first. Every bar carries its label and
// value as text, so the chart reads without colour and without JavaScript.
void downloads_chart(std::string& out, const PageContext& pc, const OrgReport& r) {
    const Messages& m = pc.msg;
    const std::size_t n = std::min<std::size_t>(r.items.size(), 20);
    if (n == 0) return;
    std::int64_t max = 1;
    for (std::size_t i = 0; i < n; ++i) max = std::max(max, r.items[i].card.downloads);
    const int row = 22, label_w = 300, bar_w = 360, width = label_w + bar_w + 90;
    const int height = static_cast<int>(n) * row + 10;
    out +=
        "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
        "class=\"chart-downloads\" viewBox=\"0 0 " +
        std::to_string(width) + " " + std::to_string(height) +
        "\" width=\"100%\" aria-labelledby=\"chart-dl-t\">"
        "<title id=\"chart-dl-t\">";
    append_escaped(out, m.text("org.chart_downloads"));
    out += "</title>";
    for (std::size_t i = 0; i < n; ++i) {
        const auto& c = r.items[i].card;
        const int y = static_cast<int>(i) * row + 5;
        const int w =
            static_cast<int>(static_cast<double>(c.downloads) / static_cast<double>(max) * bar_w);
        std::string label = c.id.size() > 42 ? c.id.substr(0, 40) + "…" : c.id;
        out += "<g class=\"bar\" data-id=\"" + escape(c.id) + "\" data-value=\"" +
               std::to_string(c.downloads) + "\">";
        out += "<text x=\"" + std::to_string(label_w - 6) + "\" y=\"" + std::to_string(y + 15) +
               "\" text-anchor=\"end\">" + escape(label) + "</text>";
        out += "<rect x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y + 3) +
               "\" width=\"" + std::to_string(std::max(w, 1)) + "\" height=\"16\"></rect>";
        out += "<text x=\"" + std::to_string(label_w + std::max(w, 1) + 6) + "\" y=\"" +
               std::to_string(y + 15) + "\">" + num(m, c.downloads) + "</text></g>";
    }
    out += "</svg><figcaption>";
    append_escaped(out, m.format("org.chart_downloads_caption", {std::to_string(n)}));
    out += "</figcaption></figure>";
}

// Columns per month of createdAt (per year when the span is over four years).
void publications_chart(std::string& out, const PageContext& pc, const OrgReport& r) {
    const Messages& m = pc.msg;
    if (r.per_month.empty()) {
        out += "<p class=\"note\">";
        append_escaped(out, m.text("org.no_dates"));
        out += "</p>";
        return;
    }
    std::vector<std::pair<std::string, std::uint64_t>> buckets = r.per_month;
    if (buckets.size() > 48) {
        std::vector<std::pair<std::string, std::uint64_t>> years;
        for (const auto& [month, count] : r.per_month) {
            const std::string y = month.substr(0, 4);
            if (years.empty() || years.back().first != y) years.emplace_back(y, 0);
            years.back().second += count;
        }
        buckets = std::move(years);
    }
    std::uint64_t max = 1;
    for (const auto& b : buckets) max = std::max(max, b.second);
    const int col = 28, plot_h = 160, width = static_cast<int>(buckets.size()) * col + 20;
    const int height = plot_h + 60;
    out +=
        "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
        "class=\"chart-publications\" viewBox=\"0 0 " +
        std::to_string(width) + " " + std::to_string(height) + "\" width=\"" +
        std::to_string(std::min(width, 900)) +
        "\" aria-labelledby=\"chart-pub-t\"><title id=\"chart-pub-t\">";
    append_escaped(out, m.text("org.chart_publications"));
    out += "</title>";
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        const auto& [label, count] = buckets[i];
        const int x = static_cast<int>(i) * col + 10;
        const int h = std::max(
            1, static_cast<int>(static_cast<double>(count) / static_cast<double>(max) * plot_h));
        out += "<g class=\"col\" data-period=\"" + escape(label) + "\" data-value=\"" +
               std::to_string(count) + "\">";
        out += "<rect x=\"" + std::to_string(x + 4) + "\" y=\"" + std::to_string(20 + plot_h - h) +
               "\" width=\"" + std::to_string(col - 8) + "\" height=\"" + std::to_string(h) +
               "\"></rect>";
        out += "<text x=\"" + std::to_string(x + col / 2) + "\" y=\"" +
               std::to_string(14 + plot_h - h) + "\" text-anchor=\"middle\">" +
               std::to_string(count) + "</text>";
        out += "<text class=\"axis\" x=\"" + std::to_string(x + col / 2) + "\" y=\"" +
               std::to_string(plot_h + 34) + "\" text-anchor=\"end\" transform=\"rotate(-45 " +
               std::to_string(x + col / 2) + " " + std::to_string(plot_h + 34) + ")\">" +
               escape(label) + "</text></g>";
    }
    out += "</svg><figcaption>";
    append_escaped(out, m.text("org.chart_publications_caption"));
    if (r.undated > 0) {
        out += ' ';
        append_escaped(out,
                       m.format("org.undated", {m.number(static_cast<std::int64_t>(r.undated))}));
    }
    out += "</figcaption></figure>";
}

void breakdown(std::string& out,
               const PageContext& pc,
               const OrgReport& r,
               std::string_view facet,
               const std::vector<query::FacetValue>& values) {
    if (values.empty()) return;
    out += "<div class=\"breakdown\"><h3>";
    append_escaped(out, pc.msg.text("facet." + std::string(facet)));
    out += "</h3><ul>";
    for (const auto& v : values) {
        if (v.count == 0) continue;
        const std::string href = "/?author=" + percent_encode(r.name) + "&" + std::string(facet) +
                                 "=" + percent_encode(v.value);
        out += "<li>" + link(with_lang(pc, href), value_label(pc.msg, *pc.vocab, facet, v.value)) +
               " <span class=\"count\">" + num(pc.msg, static_cast<std::int64_t>(v.count)) +
               "</span></li>";
    }
    out += "</ul></div>";
}

void card_list(std::string& out, const PageContext& pc, const std::vector<query::Hit>& hits) {
    out += "<ul class=\"card-list\">";
    for (const auto& h : hits) {
        out += "<li>" + link(with_lang(pc, card_path(h.card.type, h.card.id)), h.card.id) +
               " <span class=\"count\">" +
               escape(pc.msg.format("org.downloads_n", {pc.msg.number(h.card.downloads)})) +
               "</span></li>";
    }
    out += "</ul>";
}

}  // namespace

HttpResponse org_page(const PageContext& context, std::string_view name, query::Searcher& searcher) {
    PageContext pc = context;
    if (auto vocab = searcher.vocabulary()) pc.vocab = std::move(vocab).value();
    const Messages& m = pc.msg;
    if (!valid_org_name(name)) return error_page(pc, 404, m.text("org.not_found"));
    auto report = org_report(searcher, name, pc.access.private_namespaces, pc.access.all_private);
    if (!report) {
        if (report.error().code == Errc::NotFound)
            return error_page(pc, 404, m.text("org.not_found"));
        return error_page(pc, 503, m.text("search_unavailable"));
    }
    const OrgReport& r = *report;
    std::string b =
        "<main id=\"main\" class=\"org-page\" tabindex=\"-1\"><header class=\"card-head\"><h1>";
    append_escaped(b, r.name);
    b += "</h1><p class=\"lead\">";
    append_escaped(b,
                   m.format("org.lead",
                            {m.number(static_cast<std::int64_t>(r.total)),
                             m.number(static_cast<std::int64_t>(r.models)),
                             m.number(static_cast<std::int64_t>(r.datasets)),
                             m.number(static_cast<std::int64_t>(r.spaces))}));
    b += "</p><p class=\"org-links\">" +
         link(with_lang(pc, "/?author=" + percent_encode(r.name)), m.text("org.search_all")) +
         " · " +
         link("/api/organizations/" + percent_encode(r.name) + "?format=csv", m.text("org.csv")) +
         " · " + link("/api/organizations/" + percent_encode(r.name), m.text("org.json")) +
         "</p></header>";

    b += "<section aria-labelledby=\"impact-h\"><h2 id=\"impact-h\">";
    append_escaped(b, m.text("org.impact"));
    b += "</h2><dl class=\"impact\" id=\"impact\">";
    auto stat = [&](std::string_view key, std::string_view id, std::int64_t value) {
        b += "<div><dt>";
        append_escaped(b, m.text(key));
        b += "</dt><dd id=\"" + std::string(id) + "\" data-value=\"" + std::to_string(value) +
             "\">" + num(m, value) + "</dd></div>";
    };
    stat("org.total_downloads", "total-downloads", r.downloads);
    stat("org.total_likes", "total-likes", r.likes);
    stat("org.derived_total", "derived-total", static_cast<std::int64_t>(r.derived_total));
    stat("org.used_total", "used-total", static_cast<std::int64_t>(r.trained_total));
    b += "</dl>";
    if (r.truncated) {
        b += "<p class=\"note\">";
        append_escaped(
            b, m.format("org.truncated", {m.number(static_cast<std::int64_t>(r.items.size()))}));
        b += "</p>";
    }
    b += "</section>";

    b += "<section aria-labelledby=\"charts-h\"><h2 id=\"charts-h\">";
    append_escaped(b, m.text("org.charts"));
    b += "</h2>";
    downloads_chart(b, pc, r);
    publications_chart(b, pc, r);
    b += "</section>";

    if (r.derived_total > 0 || r.trained_total > 0) {
        b += "<section aria-labelledby=\"built-h\"><h2 id=\"built-h\">";
        append_escaped(b, m.text("org.built_on"));
        b += "</h2>";
        if (r.derived_total > 0) {
            b += "<h3>";
            append_escaped(b,
                           m.format("org.derived_heading",
                                    {m.number(static_cast<std::int64_t>(r.derived_total))}));
            b += "</h3>";
            card_list(b, pc, r.derived_top);
        }
        if (r.trained_total > 0) {
            b += "<h3>";
            append_escaped(b,
                           m.format("org.used_heading",
                                    {m.number(static_cast<std::int64_t>(r.trained_total))}));
            b += "</h3>";
            card_list(b, pc, r.trained_top);
        }
        b += "</section>";
    }

    b += "<section aria-labelledby=\"breakdown-h\"><h2 id=\"breakdown-h\">";
    append_escaped(b, m.text("org.breakdown"));
    b += "</h2><div class=\"breakdowns\">";
    breakdown(b, pc, r, "task", r.tasks);
    breakdown(b, pc, r, "language", r.languages);
    breakdown(b, pc, r, "license", r.licenses);
    b += "</div></section>";

    b += "<section aria-labelledby=\"items-h\"><h2 id=\"items-h\">";
    append_escaped(b, m.text("org.items"));
    b += "</h2><div class=\"table-wrap\"><table class=\"org-items\"><thead><tr>";
    for (const char* key :
         {"org.col_card", "card.type", "downloads", "likes", "card.created", "org.col_derived"}) {
        b += "<th scope=\"col\">";
        append_escaped(b, m.text(key));
        b += "</th>";
    }
    b += "</tr></thead><tbody>";
    const std::size_t shown = std::min<std::size_t>(r.items.size(), 200);
    for (std::size_t i = 0; i < shown; ++i) {
        const auto& it = r.items[i];
        const auto& c = it.card;
        b += "<tr data-id=\"" + escape(c.id) + "\"><th scope=\"row\">" +
             link(with_lang(pc, card_path(c.type, c.id)), c.id) + "</th><td>";
        append_escaped(b, m.text("type." + std::string(index::card_type_name(c.type))));
        b += "</td><td class=\"num\">" + num(m, c.downloads) + "</td><td class=\"num\">" +
             num(m, c.likes) + "</td><td>" +
             (c.created_at >= 0 ? escape(date_text(c.created_at)) : std::string()) +
             "</td><td class=\"num\">" +
             num(m,
                 static_cast<std::int64_t>(c.type == CardType::Dataset ? it.trained : it.derived)) +
             "</td></tr>";
    }
    b += "</tbody></table></div>";
    if (shown < r.items.size()) {
        b += "<p>";
        append_escaped(b,
                       m.format("org.more_in_csv",
                                {m.number(static_cast<std::int64_t>(r.items.size() - shown))}));
        b += "</p>";
    }
    b += "</section></main>";
    return html_response(200, layout(pc, r.name, b));
}

}  // namespace cardex::server::web
