// SearchState <-> URL and SearchRequest.
#include "web/search_state.h"

#include <algorithm>
#include <charconv>

#include "cardex/index/schema.h"

namespace cardex::server::web {

namespace {

bool is_filter(const index::FacetInfo& f) { return f.fold_case; }

// Position of a facet in URL order.
std::ptrdiff_t rank(std::string_view facet) {
    const auto it = std::find_if(index::kFacets.begin(), index::kFacets.end(),
                                 [&](const index::FacetInfo& f) { return f.name == facet; });
    return it - index::kFacets.begin();
}

}  // namespace

SearchState SearchState::from_params(const QueryParams& params) {
    SearchState s;
    s.q = params.last("q").value_or("");
    std::size_t kept = 0;
    for (const auto& info : index::kFacets) {
        if (!is_filter(info)) continue;
        const std::string_view facet = info.name;
        std::vector<std::string> values;
        for (auto& v : params.list(facet)) {
            if (kept >= kMaxSelectedValues) {
                ++s.dropped;
                continue;
            }
            if (std::find(values.begin(), values.end(), v) == values.end()) {
                values.push_back(std::move(v));
                ++kept;
            }
        }
        if (!values.empty()) s.filters.emplace_back(std::string(facet), std::move(values));
    }
    s.sort = params.last("sort").value_or("");
    if (!s.sort.empty() && !query::parse_sort(s.sort)) s.sort.clear();
    const std::string page = params.last("page").value_or("1");
    std::size_t n = 1;
    const auto [ptr, ec] = std::from_chars(page.data(), page.data() + page.size(), n);
    if (ec == std::errc() && ptr == page.data() + page.size() && n >= 1) {
        s.page = std::min(n, kMaxPage);
    }
    return s;
}

std::string SearchState::url(std::string_view lang_suffix) const {
    std::string query;
    const auto add = [&](std::string_view k, std::string_view v) {
        query += query.empty() ? '?' : '&';
        query += k;
        query += '=';
        query += percent_encode(v);
    };
    if (!q.empty()) add("q", q);
    for (const auto& [facet, values] : filters) {
        for (const auto& v : values) add(facet, v);
    }
    if (!sort.empty()) add("sort", sort);
    if (page > 1) add("page", std::to_string(page));
    std::string url = "/" + query;
    if (!lang_suffix.empty()) {
        url += query.empty() ? '?' : '&';
        url += lang_suffix.substr(1);  // drop the suffix's leading '&'
    }
    return url;
}

const std::vector<std::string>* SearchState::values(std::string_view facet) const {
    for (const auto& [f, v] : filters) {
        if (f == facet) return &v;
    }
    return nullptr;
}

bool SearchState::has(std::string_view facet, std::string_view value) const {
    const auto* v = values(facet);
    return v != nullptr && std::find(v->begin(), v->end(), value) != v->end();
}

SearchState SearchState::toggled(std::string_view facet, std::string_view value) const {
    SearchState s = *this;
    s.page = 1;
    for (auto it = s.filters.begin(); it != s.filters.end(); ++it) {
        if (it->first != facet) continue;
        auto& vals = it->second;
        const auto pos = std::find(vals.begin(), vals.end(), value);
        if (pos != vals.end()) {
            vals.erase(pos);
            if (vals.empty()) s.filters.erase(it);
        } else {
            vals.emplace_back(value);
        }
        return s;
    }
    // A new facet: insert in URL order so equal states have equal URLs.
    auto at = std::find_if(s.filters.begin(), s.filters.end(),
                           [&](const auto& f) { return rank(f.first) > rank(facet); });
    s.filters.insert(at, {std::string(facet), {std::string(value)}});
    return s;
}

SearchState SearchState::understood(const std::vector<query::UnderstoodFilter>& read) const {
    SearchState s = *this;
    for (const auto& u : read) {
        if (u.understood.size() != 1) continue;
        for (auto& [facet, values] : s.filters) {
            if (facet != u.facet) continue;
            for (auto& v : values) {
                const bool excluded = v.size() > 1 && (v.front() == '-' || v.front() == '!');
                if (excluded != u.excluded || (excluded ? v.substr(1) : v) != u.value) continue;
                v = (excluded ? "-" : "") + u.understood.front();
            }
            // Two spellings of one value ("German", "de") are one value now.
            std::vector<std::string> unique;
            for (auto& v : values) {
                if (std::find(unique.begin(), unique.end(), v) == unique.end()) {
                    unique.push_back(std::move(v));
                }
            }
            values = std::move(unique);
        }
    }
    return s;
}

SearchState SearchState::without_filters() const {
    SearchState s = *this;
    s.filters.clear();
    s.page = 1;
    return s;
}

query::SearchRequest SearchState::request() const {
    query::SearchRequest req;
    req.text = q;
    for (const auto& [facet, values] : filters) {
        query::FacetFilter f;
        f.facet = facet;
        for (const auto& v : values) {
            if (v.size() > 1 && (v.front() == '-' || v.front() == '!')) {
                f.excluded.push_back(v.substr(1));
            } else {
                f.values.push_back(v);
            }
        }
        req.filters.push_back(std::move(f));
    }
    req.understand_filters = true;
    if (!sort.empty()) req.sort = query::parse_sort(sort);
    req.offset = (page - 1) * kPageSize;
    req.limit = kPageSize;
    return req;
}

}  // namespace cardex::server::web
