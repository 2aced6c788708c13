// An organisation's report. See org_stats.h.
#include "org_stats.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "card_meta.h"
#include "url.h"
#include "web/page.h"

namespace cardex::server {
namespace {

using index::CardType;

query::SearchRequest base_request(const std::vector<std::string>& private_namespaces,
                                  bool all_private) {
    query::SearchRequest req;
    req.private_namespaces = private_namespaces;
    req.all_private = all_private;
    req.snippets = false;
    req.sort = query::Sort::Downloads;
    return req;
}

// Cards of others whose `facet` names one of `ids`; fills per-id counts and the top ten.
// The ids go in slices that a request may carry (query::kMaxFilterValues, the author's
// exclusion included); a card built on ids of two slices is counted in both (only an
// organisation with more than that many cards can see it).
Status built_on(query::Searcher& searcher,
                const OrgReport& r,
                std::string_view facet,
                const std::vector<std::string>& ids,
                const std::vector<std::string>& private_namespaces,
                bool all_private,
                std::uint64_t& total,
                std::vector<query::Hit>& top,
                std::unordered_map<std::string, std::uint64_t>& per_id) {
    constexpr std::size_t kSlice = query::kMaxFilterValues - 1;
    total = 0;
    for (std::size_t at = 0; at < ids.size(); at += kSlice) {
        const std::vector<std::string> slice(
            ids.begin() + static_cast<std::ptrdiff_t>(at),
            ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), at + kSlice)));
        auto req = base_request(private_namespaces, all_private);
        req.filters.push_back({std::string(facet), slice, {}});
        req.filters.push_back({"author", {}, {r.name}});
        req.facets.push_back({std::string(facet), 0, true});
        req.limit = 10;
        auto res = searcher.search(req);
        if (!res) return std::move(res).error();
        total += res->total;
        for (auto& h : res->hits) {
            const bool seen = std::any_of(top.begin(), top.end(), [&](const query::Hit& t) {
                return t.card.type == h.card.type && t.card.id == h.card.id;
            });
            if (!seen) top.push_back(std::move(h));
        }
        // Only this slice's ids: a card built on two of them counts for each, once.
        for (const auto& v : res->facets.at(0).values) {
            if (std::find(slice.begin(), slice.end(), v.value) != slice.end())
                per_id[v.value] += v.count;
        }
    }
    std::stable_sort(top.begin(), top.end(), [](const query::Hit& a, const query::Hit& b) {
        return a.card.downloads > b.card.downloads;
    });
    if (top.size() > 10) top.resize(10);
    return Ok{};
}

void csv_field(std::string& out, std::string_view v) {
    // A spreadsheet runs a cell that starts with = + or @ as a formula: such text is
    // prefixed with ' (OWASP's advice for CSV exports).
    const bool formula = !v.empty() && (v.front() == '=' || v.front() == '+' || v.front() == '@');
    const bool quote = formula || v.find_first_of(",\"\r\n") != std::string_view::npos;
    if (!quote) {
        out += v;
        return;
    }
    out += '"';
    if (formula) out += '\'';
    for (const char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

}  // namespace

bool valid_org_name(std::string_view name) {
    if (name.empty() || name.size() > 96) return false;
    for (const char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok) return false;
    }
    return name != "." && name != "..";
}

Result<OrgReport> org_report(query::Searcher& searcher,
                             std::string_view name,
                             const std::vector<std::string>& private_namespaces,
                             bool all_private) {
    OrgReport r;
    auto req = base_request(private_namespaces, all_private);
    req.filters.push_back({"author", {std::string(name)}, {}});
    req.facets = {{"type", 3}, {"task", 50}, {"language", 50}, {"license", 50}};
    req.limit = query::kMaxLimit;
    auto first = searcher.search(req);
    if (!first) return std::move(first).error();
    if (first->total == 0)
        return make_error(Errc::NotFound, "no such organisation", std::string(name));
    r.total = first->total;
    for (const auto& v : first->facets.at(0).values) {
        if (v.value == "model") r.models = v.count;
        if (v.value == "dataset") r.datasets = v.count;
        if (v.value == "space") r.spaces = v.count;
    }
    r.tasks = first->facets.at(1).values;
    r.languages = first->facets.at(2).values;
    r.licenses = first->facets.at(3).values;
    // Every card (up to the cap), page after page by cursor (same request, so the cursor
    // belongs to it).
    query::SearchResponse page = std::move(first).value();
    while (true) {
        for (auto& h : page.hits) {
            if (r.items.size() >= kMaxOrgItems) break;
            r.items.push_back({std::move(h.card), 0, 0});
        }
        if (page.next_cursor.empty() || r.items.size() >= kMaxOrgItems) break;
        req.cursor = page.next_cursor;
        auto more = searcher.search(req);
        if (!more) return std::move(more).error();
        page = std::move(more).value();
    }
    r.truncated = r.total > r.items.size();
    r.name = r.items.empty() ? std::string(name) : r.items.front().card.author;

    std::vector<std::string> models, datasets;
    std::map<std::string, std::uint64_t> months;
    for (const auto& it : r.items) {
        const auto& c = it.card;
        r.downloads += c.downloads;
        r.likes += c.likes;
        if (c.type == CardType::Model) models.push_back(c.id);
        if (c.type == CardType::Dataset) datasets.push_back(c.id);
        if (c.created_at >= 0) {
            ++months[date_text(c.created_at).substr(0, 7)];
        } else {
            ++r.undated;
        }
    }
    r.per_month.assign(months.begin(), months.end());
    std::unordered_map<std::string, std::uint64_t> derived, trained;
    if (auto st = built_on(searcher,
                           r,
                           "base_model",
                           models,
                           private_namespaces,
                           all_private,
                           r.derived_total,
                           r.derived_top,
                           derived);
        !st) {
        return std::move(st).error();
    }
    if (auto st = built_on(searcher,
                           r,
                           "dataset",
                           datasets,
                           private_namespaces,
                           all_private,
                           r.trained_total,
                           r.trained_top,
                           trained);
        !st) {
        return std::move(st).error();
    }
    for (auto& it : r.items) {
        const std::string key = ascii_lower(it.card.id);
        if (auto d = derived.find(key); d != derived.end() && it.card.type == CardType::Model)
            it.derived = d->second;
        if (auto t = trained.find(key); t != trained.end() && it.card.type == CardType::Dataset)
            it.trained = t->second;
    }
    return r;
}

std::string org_csv(const OrgReport& r, std::string_view base) {
    std::string out =
        "id,type,title,downloads,likes,created,last_modified,tasks,license,derived_models,"
        "used_by,doi,url\r\n";
    for (const auto& it : r.items) {
        const auto& c = it.card;
        std::string tasks;
        for (const auto& t : c.tasks) tasks += (tasks.empty() ? "" : ";") + t;
        csv_field(out, c.id);
        out += ',';
        out += index::card_type_name(c.type);
        out += ',';
        csv_field(out, c.title);
        out += ',' + std::to_string(c.downloads) + ',' + std::to_string(c.likes) + ',';
        if (c.created_at >= 0) out += date_text(c.created_at);
        out += ',';
        if (c.last_modified >= 0) out += date_text(c.last_modified);
        out += ',';
        csv_field(out, tasks);
        out += ',';
        csv_field(out, c.license);
        out += ',' + std::to_string(it.derived) + ',' + std::to_string(it.trained) + ',';
        csv_field(out, own_doi(c));
        out += ',';
        csv_field(out, std::string(base) + web::card_path(c.type, c.id));
        out += "\r\n";
    }
    return out;
}

}  // namespace cardex::server
