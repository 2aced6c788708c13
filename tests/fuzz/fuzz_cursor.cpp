// libFuzzer target: a cursor string in SearchRequest::cursor -> query::Searcher::search on
// the fixture index. Written against the public request only, so it keeps working whatever
// the cursor format is (an opaque string a previous response handed out).
//
// Input: the first byte picks one of a few searches (relevance, listings in each sort,
// filtered); the rest is the cursor. Invariants: a bad cursor is InvalidArgument, never
// another error; a page never holds more than `limit` hits nor the private card; and the
// cursor each search hands out is accepted by the same search.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"

using namespace cardex;

namespace {

query::SearchRequest base_request(unsigned pick) {
    query::SearchRequest req;
    req.limit = 2;
    req.snippets = false;
    switch (pick % 6) {
        case 0:
            req.text = "bert";
            break;
        case 1:
            req.sort = query::Sort::Downloads;
            break;
        case 2:
            req.sort = query::Sort::Likes;
            break;
        case 3:
            req.sort = query::Sort::Created;
            break;
        case 4:
            req.sort = query::Sort::Modified;
            req.filters.push_back({"type", {"dataset"}, {}});
            break;
        case 5:
            req.text = "model OR dataset";
            req.sort = query::Sort::Trending;
            req.facets.push_back({"license", 5});
            break;
    }
    return req;
}

void check(const query::SearchRequest& req, const Result<query::SearchResponse>& resp) {
    if (!resp) {
        if (resp.error().code != Errc::InvalidArgument) {
            fuzz::fail(errc_name(resp.error().code), resp.error().message);
        }
        return;
    }
    if (resp->hits.size() > req.limit) fuzz::fail("more hits than the limit");
    for (const auto& h : resp->hits) {
        if (h.card.is_private) fuzz::fail("private card shown", h.card.id);
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // Every cursor a search hands out is accepted by the same search.
    for (unsigned pick = 0; pick < 6; ++pick) {
        query::SearchRequest req = base_request(pick);
        auto first = fuzz::fixture_searcher().search(req);
        if (!first) fuzz::fail("base search", first.error().message);
        if (first->next_cursor.empty()) continue;
        req.cursor = first->next_cursor;
        auto next = fuzz::fixture_searcher().search(req);
        if (!next) fuzz::fail("a cursor we handed out is refused", req.cursor);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    query::SearchRequest req = base_request(data[0]);
    req.cursor.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
    check(req, fuzz::fixture_searcher().search(req));
    return 0;
}
