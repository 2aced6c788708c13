// libFuzzer target: the search page's state as it lives in the URL (server/src/web
// search_state): a query string -> QueryParams -> SearchState -> URL and SearchRequest.
//
// Invariants: the URL a state builds parses back to the same state (every link on the
// page is such a URL); toggling a facet value twice gives the state back (on page 1); the
// request asks for one page of kPageSize hits no deeper than kMaxPage.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "url.h"
#include "web/search_state.h"

using namespace cardex;
using server::QueryParams;
using server::web::SearchState;

namespace {

bool same(const SearchState& a, const SearchState& b) {
    return a.q == b.q && a.filters == b.filters && a.sort == b.sort && a.page == b.page;
}

SearchState reparse(const std::string& url) {
    const auto [path, query] = server::split_target(url);
    if (path != "/") cardex::fuzz::fail("page URL with another path", url);
    auto params = QueryParams::parse(query);
    if (!params) cardex::fuzz::fail("page URL does not parse", url);
    return SearchState::from_params(*params);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto params = QueryParams::parse(input);
    if (!params) return 0;
    const SearchState state = SearchState::from_params(*params);

    const std::string url = state.url(size % 2 == 0 ? "" : "&lang=nb");
    const SearchState back = reparse(url);
    if (!same(state, back)) fuzz::fail("URL does not round-trip", url);

    // Toggle a value the state does not have, then toggle it off again.
    const std::string facet = state.filters.empty() ? "language" : state.filters.front().first;
    SearchState on = state.toggled(facet, "fuzz-value");
    if (state.has(facet, "fuzz-value") == on.has(facet, "fuzz-value"))
        fuzz::fail("toggle did nothing", url);
    SearchState off = on.toggled(facet, "fuzz-value");
    SearchState page1 = state;
    page1.page = 1;
    if (!state.has(facet, "fuzz-value") && !same(off, page1)) fuzz::fail("toggle twice", url);
    std::size_t values = 0;
    for (const auto& f : on.filters) values += f.second.size();
    if (values <= server::web::kMaxSelectedValues) {
        if (!same(reparse(on.url("")), on))
            fuzz::fail("toggled URL does not round-trip", on.url(""));
    } else {
        // One past the cap: the page keeps the first kMaxSelectedValues and says it left one
        // out (search_state.h), it never keeps more.
        const SearchState capped = reparse(on.url(""));
        std::size_t kept = 0;
        for (const auto& f : capped.filters) kept += f.second.size();
        if (kept != server::web::kMaxSelectedValues || capped.dropped != values - kept) {
            fuzz::fail("toggled URL past the cap", on.url(""));
        }
    }
    if (!same(reparse(state.without_filters().url("")), state.without_filters())) {
        fuzz::fail("URL without filters does not round-trip", url);
    }

    const auto req = state.request();
    if (req.limit != server::web::kPageSize ||
        req.offset > (server::web::kMaxPage - 1) * server::web::kPageSize) {
        fuzz::fail("page out of bounds", url);
    }
    return 0;
}
