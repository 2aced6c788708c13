#pragma once
// The search page's state as it lives in the URL: q, facet values, sort, page. Every link
// the page builds is this state with one change, so a search can be bookmarked, shared and
// walked back with the browser's back button. Private to cardex_server.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cardex/query/request.h"
#include "cardex/query/response.h"
#include "url.h"

namespace cardex::server::web {

// The page filters on the facets /api/search filters on (index::kFacets, those that fold
// case), with the API's parameter names, so the same query string works on both; in URL
// order, which is kFacets order. A value "-x" excludes x, as in the API.

inline constexpr std::size_t kPageSize = 20;
inline constexpr std::size_t kMaxPage = 250;  // deep pages cost O(offset); 5,000 hits is plenty
/// Filter values one page state holds, in all. Every selected value is shown with a link that
/// carries the whole state, so the page grows with the square of this: 40 keeps the largest
/// page near a megabyte (with the 8 KiB header limit) where 2,000 values made 65 MB.
inline constexpr std::size_t kMaxSelectedValues = 40;

struct SearchState {
    std::string q;
    /// (facet, values) for facets with at least one value, in index::kFacets order.
    std::vector<std::pair<std::string, std::vector<std::string>>> filters;
    std::string sort;  ///< "" = the default (relevance with text, downloads without)
    std::size_t page = 1;
    /// Filter values the URL held beyond kMaxSelectedValues, dropped (the page says so).
    std::size_t dropped = 0;

    static SearchState from_params(const QueryParams& params);

    /// The page URL: "/?q=...&language=nb&language=nn&sort=...&page=2" + `lang_suffix`.
    std::string url(std::string_view lang_suffix) const;

    bool has(std::string_view facet, std::string_view value) const;
    const std::vector<std::string>* values(std::string_view facet) const;
    /// A copy with `value` added to or removed from `facet`, back on page 1.
    SearchState toggled(std::string_view facet, std::string_view value) const;
    /// A copy without any filter, back on page 1.
    SearchState without_filters() const;

    /// The query::SearchRequest of this state (without facet requests): filter values are
    /// read through the index's vocabulary (query::SearchRequest::understand_filters).
    query::SearchRequest request() const;
    /// A copy whose filter values are what the search read them as ("German" -> "de"), so
    /// the page ticks and links the indexed values. Values read as several (gated "true")
    /// or not known stay as written.
    SearchState understood(const std::vector<query::UnderstoodFilter>& read) const;
};

}  // namespace cardex::server::web
