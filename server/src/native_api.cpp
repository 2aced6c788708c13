// cardex's own endpoints beyond /api/search: the Hub-shaped full-text search, typeahead,
// similar cards, the Hub's tag vocabularies, /metrics and /openapi.json.
//
// Every search here goes through restrict_to_caller, and every get/similar passes the
// caller's namespaces: a private card must not surface through any of them.
#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cardex/index/schema.h"

#include "card_json.h"
#include "http_errors.h"
#include "json_writer.h"
#include "openapi.h"
#include "routes.h"

namespace cardex::server {
namespace {

using index::CardType;

HttpResponse bad_request(std::string message, std::string detail = {}) {
    return error_response(make_error(Errc::InvalidArgument, std::move(message), std::move(detail)));
}

// `limit`-style parameter: absent or empty -> `fallback`; otherwise 1..`max`.
std::optional<std::size_t> bounded(const QueryParams& p, std::string_view key,
                                   std::size_t fallback, std::size_t max) {
    const auto v = p.last(key);
    if (!v || v->empty()) return fallback;
    const auto n = parse_uint(*v);
    if (!n) return std::nullopt;
    return static_cast<std::size_t>(std::clamp<std::uint64_t>(*n, 1, max));
}

char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = lower_ascii(c);
    return out;
}

// Words of a typeahead query: runs of ASCII letters and digits and of non-ASCII bytes
// (UTF-8 letters), lower-cased. Everything else separates words, so nothing the user types
// reaches the query parser as syntax.
std::vector<std::string> words_of(std::string_view q) {
    std::vector<std::string> words;
    std::string cur;
    for (const char ch : q) {
        const auto c = static_cast<unsigned char>(ch);
        const bool word = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                          (c >= 'A' && c <= 'Z') || c >= 0x80;
        if (word) {
            cur.push_back(lower_ascii(ch));
        } else if (!cur.empty()) {
            words.push_back(std::move(cur));
            cur.clear();
        }
    }
    if (!cur.empty()) words.push_back(std::move(cur));
    if (words.size() > 8) words.resize(8);  // typeahead, not search: bound the query
    return words;
}

// "w1 w2*" with an optional field prefix on each word: the last word is a prefix.
std::string prefix_query(const std::vector<std::string>& words, std::string_view field) {
    std::string text;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (!text.empty()) text.push_back(' ');
        text.append(field).append(words[i]);
        if (i + 1 == words.size()) text.push_back('*');
    }
    return text;
}

std::optional<CardType> type_param(const QueryParams& p, bool& bad) {
    bad = false;
    const auto t = p.last("type");
    if (!t || t->empty() || *t == "all") return std::nullopt;
    auto parsed = index::parse_card_type(*t);
    if (!parsed) bad = true;
    return parsed;
}

void write_brief(JsonWriter& w, const index::Card& c) {
    w.begin_object()
        .field("id", c.id)
        .field("type", index::card_type_name(c.type))
        .field("title", c.title)
        .end_object();
}

}  // namespace

HttpResponse full_text_endpoint(const RouteContext& ctx, query::Searcher& searcher) {
    const QueryParams& p = ctx.params;
    query::SearchRequest req;
    restrict_to_caller(ctx, req);
    if (auto q = p.last("q")) req.text = *q;
    bool bad_type = false;
    const auto type = type_param(p, bad_type);
    if (bad_type) return bad_request("'type' must be model, dataset or space", *p.last("type"));
    if (type) req.filters.push_back({"type", {std::string(index::card_type_name(*type))}, {}});
    const auto limit = bounded(p, "limit", 20, 100);
    if (!limit) return bad_request("'limit' must be a non-negative integer", *p.last("limit"));
    std::uint64_t skip = 0;
    if (auto s = p.last("skip"); s && !s->empty()) {
        const auto n = parse_uint(*s);
        if (!n) return bad_request("'skip' must be a non-negative integer", *s);
        skip = *n;
    }
    // The Hub caps skip at 1000: past it, an empty page with the total unchanged.
    constexpr std::uint64_t kMaxSkip = 1000;
    req.offset = static_cast<std::size_t>(std::min(skip, kMaxSkip));
    req.limit = skip > kMaxSkip ? 1 : *limit;
    req.snippets = true;

    auto result = searcher.search(req);
    if (!result) return error_response(result.error());
    const query::SearchResponse& res = result.value();

    JsonWriter w;
    w.begin_object().key("hits").begin_array();
    if (skip <= kMaxSkip) {
        for (const auto& hit : res.hits) {
            const index::Card& c = hit.card;
            w.begin_object()
                .field("name", c.id)
                .field("type", index::card_type_name(c.type))
                .field("author", c.author)
                .field("title", c.title)
                .field("description", c.description)
                .field("likes", c.likes)
                .field("downloads", c.downloads)
                .field("private", c.is_private);
            w.key("tags").string_array(c.tags);
            w.field("snippet", hit.snippet).end_object();
        }
    }
    w.end_array();
    w.field("total", res.total);
    w.field("suggestion", res.suggestion);
    w.end_object();
    return json_response(w.take());
}

HttpResponse suggest_endpoint(const RouteContext& ctx, query::Searcher& searcher) {
    const QueryParams& p = ctx.params;
    const std::string q = p.last("q").value_or("");
    if (q.size() > 256) return bad_request("'q' is longer than 256 bytes");
    const auto limit = bounded(p, "limit", 8, 20);
    if (!limit) return bad_request("'limit' must be a non-negative integer", *p.last("limit"));
    bool bad_type = false;
    const auto type = type_param(p, bad_type);
    if (bad_type) return bad_request("'type' must be model, dataset or space", *p.last("type"));

    const auto words = words_of(q);
    JsonWriter w;
    w.begin_object().field("q", q);
    if (words.empty()) {
        w.key("ids").begin_array().end_array();
        w.key("titles").begin_array().end_array();
        w.key("tags").begin_array().end_array();
        w.end_object();
        return json_response(w.take());
    }

    auto base = [&] {
        query::SearchRequest req;
        restrict_to_caller(ctx, req);
        req.snippets = false;
        req.limit = *limit;
        req.sort = query::Sort::Relevance;
        if (type) req.filters.push_back({"type", {std::string(index::card_type_name(*type))}, {}});
        return req;
    };

    // Ids: the Hub's id matching, every word a prefix of an id word.
    query::SearchRequest by_id = base();
    by_id.id_only = true;
    by_id.text = prefix_query(words, "");
    auto ids = searcher.search(by_id);
    if (!ids) return error_response(ids.error());

    // Titles: the same words in titles; cards already offered by id are left out.
    query::SearchRequest by_title = base();
    by_title.text = prefix_query(words, "title:");
    auto titles = searcher.search(by_title);
    if (!titles) return error_response(titles.error());

    // Tags: the most used tags of every visible card, keeping those that start with what
    // was typed (or whose part after "license:" etc. does). Derived tags are not indexed as
    // text, so the words cannot narrow this; the count is over all visible cards.
    // TODO(query): a prefix lookup on the tag terms with visibility-aware counts would
    // reach rare tags too and cost O(matching tags) instead of O(cards).
    query::SearchRequest by_tag = base();
    by_tag.sort = query::Sort::Downloads;
    by_tag.limit = 1;
    by_tag.facets.push_back({std::string(index::facet_info(index::Facet::Tag).name), 1000});
    auto tags = searcher.search(by_tag);
    if (!tags) return error_response(tags.error());

    std::set<std::string> offered;
    w.key("ids").begin_array();
    for (const auto& hit : ids->hits) {
        offered.insert(std::string(index::card_type_name(hit.card.type)) + "/" + hit.card.id);
        write_brief(w, hit.card);
    }
    w.end_array();
    w.key("titles").begin_array();
    for (const auto& hit : titles->hits) {
        const std::string key = std::string(index::card_type_name(hit.card.type)) + "/" + hit.card.id;
        if (offered.count(key) != 0) continue;
        write_brief(w, hit.card);
    }
    w.end_array();

    std::string typed = lower(q);
    while (!typed.empty() && typed.back() == ' ') typed.pop_back();
    while (!typed.empty() && typed.front() == ' ') typed.erase(0, 1);
    w.key("tags").begin_array();
    std::size_t n = 0;
    for (const auto& facet : tags->facets) {
        for (const auto& v : facet.values) {
            if (n == *limit) break;
            const std::string value = lower(v.value);
            const std::size_t colon = value.find(':');
            const bool match = value.compare(0, typed.size(), typed) == 0 ||
                               (colon != std::string::npos &&
                                value.compare(colon + 1, typed.size(), typed) == 0);
            if (!match) continue;
            w.begin_object().field("tag", v.value).field("count", v.count).end_object();
            ++n;
        }
    }
    w.end_array();
    w.end_object();
    return json_response(w.take());
}

HttpResponse similar_endpoint(std::string_view rest, const RouteContext& ctx,
                              query::Searcher& searcher) {
    const std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos) {
        return error_response(404, "NotFound", "expected /api/similar/{type}/{id}");
    }
    const auto type = index::parse_card_type(rest.substr(0, slash));
    if (!type) return bad_request("type must be model, dataset or space",
                                  std::string(rest.substr(0, slash)));
    const auto id = percent_decode(rest.substr(slash + 1), false);
    if (!id || id->empty() || id->size() > 256) return repo_not_found(ctx);
    const auto limit = bounded(ctx.params, "limit", 10, 100);
    if (!limit) {
        return bad_request("'limit' must be a non-negative integer", *ctx.params.last("limit"));
    }
    auto hits = searcher.similar(*type, *id, *limit, ctx.principal.namespaces,
                                 ctx.principal.admin);
    if (!hits) {
        // A private source card is NotFound too: the same answer as a missing one.
        if (hits.error().code == Errc::NotFound) return repo_not_found(ctx);
        return error_response(hits.error());
    }
    JsonWriter w;
    w.begin_object().field("id", *id).field("type", index::card_type_name(*type));
    w.key("hits").begin_array();
    for (const auto& hit : hits.value()) write_search_hit(w, hit);
    w.end_array().end_object();
    return json_response(w.take());
}

namespace {

// One group of the Hub's tag vocabulary, drawn from a facet (or from tags with a prefix).
struct TagGroup {
    std::string_view group;     // "pipeline_tag"
    index::Facet facet;         // the facet it counts
    std::string_view id_prefix; // prepended to the value to make the tag id
    std::string_view tag_prefix;  // facet "tag": keep values starting with this
};

using index::Facet;
constexpr TagGroup kModelGroups[] = {
    {"pipeline_tag", Facet::Task, "", ""},
    {"library", Facet::Library, "", ""},
    {"language", Facet::Language, "", ""},
    {"license", Facet::License, "license:", ""},
    {"dataset", Facet::Dataset, "dataset:", ""},
};
constexpr TagGroup kDatasetGroups[] = {
    {"task_categories", Facet::Task, "task_categories:", ""},
    {"language", Facet::Language, "language:", ""},
    {"license", Facet::License, "license:", ""},
    {"size_categories", Facet::SizeCategory, "size_categories:", ""},
    {"task_ids", Facet::Tag, "", "task_ids:"},
    {"multilinguality", Facet::Tag, "", "multilinguality:"},
    {"language_creators", Facet::Tag, "", "language_creators:"},
    {"benchmark", Facet::Tag, "", "benchmark:"},
    {"library", Facet::Tag, "", "library:"},
};

// "text-generation" -> "Text Generation".
std::string label_of(std::string_view group, std::string_view value) {
    if (group != "pipeline_tag" && group != "task_categories") return std::string(value);
    std::string out;
    bool start = true;
    for (const char c : value) {
        if (c == '-' || c == '_') {
            out.push_back(' ');
            start = true;
            continue;
        }
        out.push_back(start && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
        start = false;
    }
    return out;
}

}  // namespace

HttpResponse tags_by_type_endpoint(CardType type, const RouteContext& ctx,
                                   query::Searcher& searcher) {
    const bool models = type == CardType::Model;
    const TagGroup* begin = models ? std::begin(kModelGroups) : std::begin(kDatasetGroups);
    const TagGroup* end = models ? std::end(kModelGroups) : std::end(kDatasetGroups);
    const std::string only = ctx.params.last("type").value_or("");
    if (!only.empty() &&
        std::none_of(begin, end, [&](const TagGroup& g) { return g.group == only; })) {
        std::string known;
        for (const TagGroup* g = begin; g != end; ++g) {
            known.append(known.empty() ? "" : ", ").append(g->group);
        }
        return bad_request("'type' must be one of: " + known, only);
    }

    // One search over every visible card of the type; facet counts respect visibility.
    query::SearchRequest req;
    restrict_to_caller(ctx, req);
    req.snippets = false;
    req.limit = 1;
    req.filters.push_back({"type", {std::string(index::card_type_name(type))}, {}});
    std::set<Facet> facets;
    for (const TagGroup* g = begin; g != end; ++g) {
        if (!only.empty() && g->group != only) continue;
        if (facets.insert(g->facet).second) {
            req.facets.push_back({std::string(index::facet_info(g->facet).name), 1000});
        }
    }
    auto result = searcher.search(req);
    if (!result) return error_response(result.error());

    JsonWriter w;
    w.begin_object();
    for (const TagGroup* g = begin; g != end; ++g) {
        if (!only.empty() && g->group != only) continue;
        w.key(g->group).begin_array();
        for (const auto& f : result->facets) {
            if (f.facet != index::facet_info(g->facet).name) continue;
            for (const auto& v : f.values) {
                std::string_view value = v.value;
                if (!g->tag_prefix.empty()) {
                    if (value.substr(0, g->tag_prefix.size()) != g->tag_prefix) continue;
                }
                const std::string id = std::string(g->id_prefix) + std::string(value);
                const std::string_view bare =
                    g->tag_prefix.empty() ? value : value.substr(g->tag_prefix.size());
                w.begin_object()
                    .field("id", id)
                    .field("label", label_of(g->group, bare))
                    .field("type", g->group)
                    .end_object();
            }
        }
        w.end_array();
    }
    w.end_object();
    return json_response(w.take());
}

HttpResponse metrics_endpoint(std::string requests, query::Searcher* searcher,
                              const HandlerConfig& config, bool admin) {
    std::string out = std::move(requests);
    std::optional<query::IndexInfo> info;
    std::optional<std::uint64_t> visible;
    if (searcher != nullptr) {
        if (auto i = searcher->info()) info = std::move(i).value();
        // Cards anyone may see: the index's own count includes private cards, and how many
        // private cards exist is not public.
        query::SearchRequest all;
        all.snippets = false;
        all.limit = 1;
        if (auto r = searcher->search(all)) visible = r->total;
    }
    out.append("# HELP cardex_index_up Whether the index is open and answering.\n"
               "# TYPE cardex_index_up gauge\ncardex_index_up ");
    out.append(info && visible ? "1\n" : "0\n");
    if (info && admin) {
        out.append("# HELP cardex_index_revision Revision of the open index (commits).\n"
                   "# TYPE cardex_index_revision gauge\ncardex_index_revision ");
        out.append(std::to_string(info->revision)).push_back('\n');
    }
    if (visible) {
        out.append("# HELP cardex_index_cards Cards in the index visible without a token.\n"
                   "# TYPE cardex_index_cards gauge\ncardex_index_cards ");
        out.append(std::to_string(*visible)).push_back('\n');
    }
    // The limits every request runs under (README, "Limits").
    auto limit = [&](const char* name, const char* help, double value) {
        out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ");
        out.append(name).append(" gauge\n").append(name).append(" ");
        out.append(std::to_string(value)).push_back('\n');
    };
    limit("cardex_limit_request_deadline_seconds", "Time one request may compute (0: none).",
          static_cast<double>(config.request_deadline.count()) / 1000.0);
    limit("cardex_limit_query_words", "Words in a query text.", query::kMaxQueryWords);
    limit("cardex_limit_query_wildcards", "Wildcards (prefix*) in a query text.",
          query::kMaxWildcards);
    limit("cardex_limit_wildcard_expansion", "Terms all wildcards of a query expand to.",
          query::kMaxWildcardExpansion);
    limit("cardex_limit_query_bytes", "Bytes in a query text.", query::kMaxQueryBytes);
    limit("cardex_limit_filter_values", "Filter values in one request.", query::kMaxFilterValues);
    limit("cardex_limit_facets", "Facets counted in one request.", query::kMaxFacets);
    limit("cardex_limit_page_size", "Hits in one page.", query::kMaxLimit);
    limit("cardex_limit_response_bytes", "Bytes in one response body.",
          static_cast<double>(config.max_response_bytes));
    HttpResponse res;
    res.status = 200;
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = std::move(out);
    return res;
}

HttpResponse openapi_endpoint() {
    return json_response(std::string(openapi_json()));
}

}  // namespace cardex::server
