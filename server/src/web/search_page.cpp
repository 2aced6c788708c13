// GET / and /search: the faceted search page. Server-rendered and complete without
// JavaScript (a GET form with checkboxes and an Apply button); app.js fetches the same page
// with partial=1 and swaps the #region element for instant facet updates.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "web/facets_html.h"
#include "web/html.h"
#include "web/page.h"
#include "web/search_state.h"

namespace cardex::server::web {
namespace {

constexpr std::string_view kSorts[] = {
    "relevance", "downloads", "likes", "trending", "created", "modified", "quality"};

void render_hit(std::string& out, const PageContext& pc, const query::Hit& hit, std::size_t n) {
    const Messages& m = pc.msg;
    const index::Card& c = hit.card;
    const std::string anchor = "hit-" + std::to_string(n);
    out += "<li class=\"hit\" data-id=\"";
    append_escaped(out, c.id);
    out += "\"><article aria-labelledby=\"" + anchor + "\"><h3 class=\"hit-title\" id=\"" + anchor +
           "\"><a href=\"";
    append_escaped(out, card_path(c.type, c.id) + (pc.lang_param.empty() ? "" : "?lang=" + pc.lang_param));
    out += "\">";
    append_escaped(out, c.title.empty() ? c.id : c.title);
    out += "</a></h3>";
    if (!c.title.empty() && c.title != c.id) {
        out += "<p class=\"hit-id\">";
        append_escaped(out, c.id);
        out += "</p>";
    }
    out += "<p class=\"badges\"><span class=\"badge badge-type\">";
    append_escaped(out, m.text("type." + std::string(index::card_type_name(c.type))));
    out += "</span>";
    if (!c.tasks.empty()) {
        out += "<span class=\"badge\">";
        append_escaped(out, value_label(m, *pc.vocab, "task", c.tasks.front()));
        out += "</span>";
    }
    if (c.gated != index::Gated::No) {
        out += "<span class=\"badge badge-gated\">";
        append_escaped(out, m.text("gated." + std::string(index::gated_name(c.gated))));
        out += "</span>";
    }
    out += "</p>";
    if (!hit.snippet.empty()) {
        // The snippet is HTML-escaped by the query module, with only <mark> added.
        out += "<p class=\"snippet\">" + hit.snippet + "</p>";
    } else if (!c.description.empty()) {
        out += "<p class=\"snippet\">";
        append_escaped(out, c.description.substr(0, 300));
        out += "</p>";
    }
    out += "<dl class=\"hit-meta\">";
    const auto item = [&](std::string_view key, const std::string& value_html) {
        out += "<div><dt>";
        append_escaped(out, m.text(key));
        out += "</dt><dd>" + value_html + "</dd></div>";
    };
    if (!c.languages.empty()) {
        std::string langs;
        const std::size_t shown = std::min<std::size_t>(c.languages.size(), 4);
        for (std::size_t i = 0; i < shown; ++i) {
            if (i > 0) langs += ", ";
            append_escaped(langs, value_label(m, *pc.vocab, "language", c.languages[i]));
        }
        if (c.languages.size() > shown) {
            langs += " " + escape(m.format("and_more", {std::to_string(c.languages.size() - shown)}));
        }
        item("facet.language", langs);
    }
    if (!c.license.empty()) item("facet.license", escape(value_label(m, *pc.vocab, "license", c.license)));
    item("downloads", escape(m.number(c.downloads)));
    item("likes", escape(m.number(c.likes)));
    out += "</dl></article></li>";
}

void render_pager(std::string& out, const PageContext& pc, const SearchState& state,
                  std::uint64_t total) {
    const std::size_t pages = std::min<std::size_t>(
        kMaxPage, static_cast<std::size_t>((total + kPageSize - 1) / kPageSize));
    if (pages <= 1) return;
    const Messages& m = pc.msg;
    const std::string ls = lang_suffix(pc);
    const auto link = [&](std::size_t page, std::string_view text, std::string_view rel) {
        SearchState s = state;
        s.page = page;
        out += "<li><a href=\"";
        append_escaped(out, s.url(ls));
        out += '"';
        if (!rel.empty()) out += " rel=\"" + std::string(rel) + "\"";
        if (page == state.page) out += " aria-current=\"page\"";
        out += " aria-label=\"";
        append_escaped(out, m.format("page_n", {std::to_string(page)}));
        out += "\">";
        append_escaped(out, text);
        out += "</a></li>";
    };
    out += "<nav class=\"pager\" aria-label=\"";
    append_escaped(out, m.text("pagination"));
    out += "\"><ul>";
    if (state.page > 1) link(state.page - 1, m.text("previous"), "prev");
    const std::size_t from = state.page > 2 ? state.page - 2 : 1;
    const std::size_t to = std::min(pages, state.page + 2);
    if (from > 1) link(1, "1", "");
    if (from > 2) out += "<li class=\"gap\" aria-hidden=\"true\">…</li>";
    for (std::size_t p = from; p <= to; ++p) link(p, std::to_string(p), "");
    if (to + 1 < pages) out += "<li class=\"gap\" aria-hidden=\"true\">…</li>";
    if (to < pages) link(pages, std::to_string(pages), "");
    if (state.page < pages) link(state.page + 1, m.text("next"), "next");
    out += "</ul></nav>";
}

// Whether the search read `value` (as the state holds it, "-x" for an exclusion) of
// `facet` as a value no card can have.
bool unknown(const query::SearchResponse* res, std::string_view facet, std::string_view value) {
    if (res == nullptr) return false;
    const bool excluded = value.size() > 1 && (value.front() == '-' || value.front() == '!');
    if (excluded) value.remove_prefix(1);
    return std::any_of(res->filters.begin(), res->filters.end(), [&](const auto& u) {
        return u.unknown && u.facet == facet && u.value == value && u.excluded == excluded;
    });
}

void render_active_filters(std::string& out, const PageContext& pc, const SearchState& state,
                           const query::SearchResponse* res) {
    if (state.filters.empty()) return;
    const Messages& m = pc.msg;
    const std::string ls = lang_suffix(pc);
    out += "<div class=\"active-filters\"><h2 class=\"sr-only\">";
    append_escaped(out, m.text("active_filters"));
    out += "</h2><ul>";
    std::string notes;
    for (const auto& [facet, values] : state.filters) {
        for (const auto& v : values) {
            const std::string label =
                facet_label(m, facet) + ": " + value_label(m, *pc.vocab, facet, v);
            // A value the vocabulary does not know is said so, never silently empty.
            const bool bad = unknown(res, facet, v);
            if (bad) {
                notes += "<p class=\"unknown-filter\">";
                append_escaped(notes, m.format("unknown_filter", {facet_label(m, facet), v}));
                notes += "</p>";
            }
            out += bad ? "<li><a class=\"chip unknown\" href=\"" : "<li><a class=\"chip\" href=\"";
            append_escaped(out, state.toggled(facet, v).url(ls));
            out += "\" data-facet=\"";
            append_escaped(out, facet);
            out += "\" data-value=\"";
            append_escaped(out, v);
            out += "\" aria-label=\"";
            append_escaped(out, m.format("remove_filter", {label}));
            out += "\">";
            append_escaped(out, label);
            out += " <span aria-hidden=\"true\">×</span></a></li>";
        }
    }
    out += "<li><a class=\"clear-all\" href=\"";
    append_escaped(out, state.without_filters().url(ls));
    out += "\">";
    append_escaped(out, m.text("clear_filters"));
    out += "</a></li></ul>" + notes + "</div>";
}

// What the query's words name (query understanding), as one-click filters: "norwegian ner"
// offers Language: Norwegian and Task: Token Classification. A value already filtered on is
// not offered again.
void render_understood(std::string& out,
                       const PageContext& pc,
                       const SearchState& state,
                       const query::SearchResponse* res) {
    if (res == nullptr) return;
    const Messages& m = pc.msg;
    std::string chips;
    for (const auto& u : res->understood) {
        const bool active =
            std::any_of(state.filters.begin(), state.filters.end(), [&](const auto& f) {
                return f.first == u.facet &&
                       std::find(f.second.begin(), f.second.end(), u.value) != f.second.end();
            });
        if (active) continue;
        const std::string label =
            facet_label(m, u.facet) + ": " + value_label(m, *pc.vocab, u.facet, u.value);
        chips += "<li><a class=\"chip understood\" href=\"";
        append_escaped(chips, state.toggled(u.facet, u.value).url(lang_suffix(pc)));
        chips += "\" data-facet=\"";
        append_escaped(chips, u.facet);
        chips += "\" data-value=\"";
        append_escaped(chips, u.value);
        chips += "\" aria-label=\"";
        append_escaped(chips, m.format("understood_filter", {label}));
        chips += "\">+ ";
        append_escaped(chips, label);
        chips += "</a></li>";
    }
    if (chips.empty()) return;
    out += "<div class=\"understood\"><h2 class=\"sr-only\">";
    append_escaped(out, m.text("understood"));
    out += "</h2><ul>" + chips + "</ul></div>";
}

void render_empty(std::string& out, const PageContext& pc, const SearchState& state,
                  const std::string& suggestion) {
    const Messages& m = pc.msg;
    out += "<div class=\"empty\" id=\"no-results\"><h2>";
    append_escaped(out, m.text("no_results"));
    out += "</h2>";
    if (!suggestion.empty()) {
        SearchState s = state;
        s.q = suggestion;
        s.page = 1;
        out += "<p class=\"suggestion\">";
        append_escaped(out, m.text("did_you_mean"));
        out += " <a href=\"";
        append_escaped(out, s.url(lang_suffix(pc)));
        out += "\">";
        append_escaped(out, suggestion);
        out += "</a>?</p>";
    }
    out += "<ul class=\"tips\"><li>";
    append_escaped(out, m.text("tip_spelling"));
    out += "</li><li>";
    append_escaped(out, m.text("tip_fewer_words"));
    out += "</li>";
    if (!state.filters.empty()) {
        out += "<li><a href=\"";
        append_escaped(out, state.without_filters().url(lang_suffix(pc)));
        out += "\">";
        append_escaped(out, m.text("tip_remove_filters"));
        out += "</a></li>";
    }
    out += "</ul></div>";
}

void render_results(std::string& out, const PageContext& pc, const SearchState& state,
                    const query::SearchResponse* res, std::string_view error) {
    const Messages& m = pc.msg;
    out += "<main id=\"main\" class=\"results\" tabindex=\"-1\" aria-labelledby=\"result-count\">";
    out += "<div class=\"results-head\"><h2 id=\"result-count\" role=\"status\"";
    if (res != nullptr) out += " data-total=\"" + std::to_string(res->total) + "\"";
    out += '>';
    if (res != nullptr) {
        // A phrase counted on part of its candidates (query/request.h): the estimate, said
        // to be one.
        const char* key = !res->total_exact ? "results_about"
                          : res->total == 1 ? "results_one"
                                            : "results_many";
        const auto shown = res->total_exact ? res->total : res->total_estimate;
        append_escaped(out, m.format(key, {m.number(static_cast<std::int64_t>(shown))}));
    } else {
        append_escaped(out, m.text("search_error"));
    }
    out += "</h2><div class=\"sort\"><label for=\"sort\">";
    append_escaped(out, m.text("sort_by"));
    out += "</label><select id=\"sort\" name=\"sort\"><option value=\"\">";
    append_escaped(out, m.text(state.q.empty() ? "sort.default_browse" : "sort.default_text"));
    out += "</option>";
    for (const auto s : kSorts) {
        out += "<option value=\"";
        out += s;
        out += '"';
        if (state.sort == s) out += " selected";
        out += '>';
        append_escaped(out, m.text("sort." + std::string(s)));
        out += "</option>";
    }
    out += "</select><button type=\"submit\" class=\"js-hide\">";
    append_escaped(out, m.text("apply"));
    out += "</button></div></div>";
    render_active_filters(out, pc, state, res);
    render_understood(out, pc, state, res);
    if (!error.empty()) {  // with results too: a state the page had to cut
        out += "<p class=\"error\" role=\"alert\">";
        append_escaped(out, error);
        out += "</p>";
    }
    if (res == nullptr) {
        out += "</main>";
        return;
    }
    if (res->hits.empty()) {
        render_empty(out, pc, state, res->suggestion);
    } else {
        if (!res->dropped.empty()) {
            // No card holds every word: the hits hold the first ones (query/response.h).
            out += "<p class=\"dropped\">";
            append_escaped(out, m.text("without_words"));
            for (const auto& d : res->dropped) {
                out += " <s>";
                append_escaped(out, d);
                out += "</s>";
            }
            out += "</p>";
        }
        if (!res->corrected.empty()) {
            // Typo tolerance matched other spellings too (query/typo.h): say which.
            out += "<p class=\"corrected\">";
            append_escaped(out, m.text("including_results_for"));
            for (std::size_t i = 0; i < res->corrected.size(); ++i) {
                const auto& c = res->corrected[i];
                out += i == 0 ? " " : "; ";
                for (std::size_t j = 0; j < c.to.size(); ++j) {
                    if (j > 0) out += ", ";
                    out += "<b>";
                    append_escaped(out, c.to[j]);
                    out += "</b>";
                }
                out += " (";
                append_escaped(out, c.from);
                out += ")";
            }
            out += "</p>";
        }
        if (!res->suggestion.empty()) {
            SearchState s = state;
            s.q = res->suggestion;
            s.page = 1;
            out += "<p class=\"suggestion\">";
            append_escaped(out, m.text("did_you_mean"));
            out += " <a href=\"";
            append_escaped(out, s.url(lang_suffix(pc)));
            out += "\">";
            append_escaped(out, res->suggestion);
            out += "</a>?</p>";
        }
        out += "<ol class=\"hits\" start=\"" +
               std::to_string((state.page - 1) * kPageSize + 1) + "\">";
        std::size_t n = (state.page - 1) * kPageSize;
        for (const auto& hit : res->hits) render_hit(out, pc, hit, ++n);
        out += "</ol>";
        render_pager(out, pc, state, res->total);
    }
    out += "</main>";
}

// The part app.js replaces on a facet change: sidebar and results.
std::string render_region(const PageContext& pc, const SearchState& state,
                          const query::SearchResponse* res, std::string_view error) {
    std::string out;
    out += "<div id=\"region\" class=\"layout\" data-title=\"";
    append_escaped(out, page_title(pc, state));
    out += "\">";
    render_sidebar(out, pc, state, res, *pc.vocab);
    render_results(out, pc, state, res, error);
    out += "</div>";
    return out;
}

}  // namespace

std::string page_title(const PageContext& pc, const SearchState& state) {
    if (state.q.empty()) return std::string(pc.msg.text("title_home"));
    return pc.msg.format("title_search", {state.q});
}

HttpResponse search_page(const PageContext& context, query::Searcher& searcher) {
    PageContext pc = context;
    const Messages& m = pc.msg;
    const SearchState asked = SearchState::from_params(pc.route.params);
    query::SearchRequest req = asked.request();
    for (const SidebarFacet& f : kSidebar) {
        req.facets.push_back({std::string(index::facet_info(f.facet).name), f.values});
    }
    req.private_namespaces = pc.access.private_namespaces;
    req.all_private = pc.access.all_private;
    req.prior_weight = pc.route.config.prior_weight;

    auto result = searcher.search(req);
    // From here on the filters are the values the search read ("German" is `de`), so the
    // sidebar ticks them and every link carries them.
    const SearchState state = result ? asked.understood(result->filters) : asked;
    if (result) pc.vocab = result->vocabulary;
    int status = 200;
    std::string error;
    if (!result) {
        // A query the parser rejects is the reader's to fix: say so, keep the page usable.
        status = result.error().code == Errc::InvalidArgument ? 400 : 503;
        error = status == 400 ? m.format("bad_query", {result.error().detail.empty()
                                                           ? result.error().message
                                                           : result.error().detail})
                              : std::string(m.text("search_unavailable"));
    }
    if (state.dropped > 0 && error.empty()) {
        // Said, not silently dropped; 400 so that scripts notice too.
        status = 400;
        error = m.format("too_many_filters",
                         {std::to_string(kMaxSelectedValues), std::to_string(state.dropped)});
    }
    const query::SearchResponse* res = result ? &result.value() : nullptr;
    std::string region = render_region(pc, state, res, error);
    if (pc.route.params.last("partial") == "1") return html_response(status, std::move(region));

    std::string body;
    body += "<form id=\"search-form\" class=\"search-form\" role=\"search\" action=\"/\" "
            "method=\"get\"><div class=\"searchbar\"><label for=\"q\" class=\"searchbar-label\">";
    append_escaped(body, m.text("search_label"));
    body += "</label><div class=\"combo\"><input id=\"q\" name=\"q\" type=\"search\" value=\"";
    append_escaped(body, state.q);
    body += "\" placeholder=\"";
    append_escaped(body, m.text("search_placeholder"));
    body += "\" autocomplete=\"off\" spellcheck=\"false\" role=\"combobox\" "
            "aria-autocomplete=\"list\" aria-expanded=\"false\" aria-controls=\"q-suggest\" "
            "aria-describedby=\"q-help\"><ul id=\"q-suggest\" role=\"listbox\" aria-label=\"";
    append_escaped(body, m.text("suggestions"));
    body += "\" hidden></ul></div><button type=\"submit\" class=\"primary\">";
    append_escaped(body, m.text("search_button"));
    body += "</button><p id=\"q-help\" class=\"help\">";
    append_escaped(body, m.text("search_help"));
    body += "</p>";
    if (!pc.lang_param.empty()) {
        body += "<input type=\"hidden\" name=\"lang\" value=\"";
        append_escaped(body, pc.lang_param);
        body += "\">";
    }
    body += "</div>";
    body += region;
    body += "</form>";
    return html_response(status, layout(pc, page_title(pc, state), body));
}

}  // namespace cardex::server::web
