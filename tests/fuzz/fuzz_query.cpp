// libFuzzer target: query text and filters -> query::Searcher::search on the fixture index
// (Xapian's QueryParser, cardex's query understanding, filters, ranges, facets, sorts).
//
// Input: lines. The first line is the query text; each other line is `key=value`:
//   sort=S  facet=NAME  offset=N  limit=N  range=FIELD:MIN:MAX  ns=NAMESPACE  admin  id_only
//   bm25  nosnippets  and any other key=value is a facet filter (value "-x" excludes x;
//   unknown facet names are tried too).
// Invariants: errors are InvalidArgument (a bad query, facet, range or sort), never another
// code; a page never holds more than `limit` hits, none past the total; the private card
// shows only to its namespace or an admin; snippets are valid UTF-8.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"

using namespace cardex;

namespace {

std::size_t to_size(std::string_view s) {
    std::size_t n = 0;
    std::from_chars(s.data(), s.data() + s.size(), n);
    return n;
}

std::optional<double> to_double(std::string_view s) {
    double d = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), d);
    if (s.empty() || r.ec != std::errc()) return std::nullopt;
    return d;
}

query::SearchRequest request_of(std::string_view input) {
    query::SearchRequest req;
    req.limit = 10;
    std::size_t pos = 0;
    bool first = true;
    while (pos <= input.size()) {
        std::size_t eol = input.find('\n', pos);
        if (eol == std::string_view::npos) eol = input.size();
        const std::string_view line = input.substr(pos, eol - pos);
        pos = eol + 1;
        if (first) {
            req.text = std::string(line);
            first = false;
            continue;
        }
        const std::size_t eq = line.find('=');
        const std::string_view key = line.substr(0, eq);
        const std::string_view value = eq == std::string_view::npos ? "" : line.substr(eq + 1);
        if (key == "sort") {
            req.sort = query::parse_sort(value);
        } else if (key == "facet") {
            req.facets.push_back({std::string(value), 5});
        } else if (key == "offset") {
            req.offset = to_size(value);
        } else if (key == "limit") {
            req.limit = to_size(value);
        } else if (key == "range") {
            const std::size_t a = value.find(':');
            const std::size_t b = a == std::string_view::npos ? a : value.find(':', a + 1);
            query::RangeFilter r;
            r.field = std::string(value.substr(0, a));
            if (a != std::string_view::npos) r.min = to_double(value.substr(a + 1, b - a - 1));
            if (b != std::string_view::npos) r.max = to_double(value.substr(b + 1));
            req.ranges.push_back(std::move(r));
        } else if (key == "ns") {
            req.private_namespaces.emplace_back(value);
        } else if (key == "admin") {
            req.all_private = true;
        } else if (key == "id_only") {
            req.id_only = true;
        } else if (key == "bm25") {
            req.plain_bm25 = true;
        } else if (key == "nosnippets") {
            req.snippets = false;
        } else if (!key.empty()) {
            query::FacetFilter* f = nullptr;
            for (auto& existing : req.filters) {
                if (existing.facet == key) f = &existing;
            }
            if (f == nullptr)
                f = &req.filters.emplace_back(query::FacetFilter{std::string(key), {}, {}});
            if (!value.empty() && value.front() == '-') {
                f->excluded.emplace_back(value.substr(1));
            } else {
                f->values.emplace_back(value);
            }
        }
    }
    return req;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::fixture_searcher();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const query::SearchRequest req = request_of(input);
    auto resp = fuzz::fixture_searcher().search(req);
    if (!resp) {
        // A malformed request, or one past the documented limits of its shape (query_shape:
        // words, wildcards and their expansion, filter values, facets).
        if (resp.error().code != Errc::InvalidArgument &&
            resp.error().code != Errc::ResourceExhausted) {
            fuzz::fail(errc_name(resp.error().code),
                       resp.error().message + ": " + resp.error().detail);
        }
        return 0;
    }
    if (resp->hits.size() > req.limit) fuzz::fail("more hits than the limit");
    if (!resp->hits.empty() && req.cursor.empty() && req.offset >= resp->total) {
        fuzz::fail("hits past the total", std::to_string(req.offset));
    }
    // Case-insensitive: namespaces match so today (issue #13 wants them case-sensitive, as
    // on the Hub; this check holds either way).
    bool may_see_acme = req.all_private;
    for (const auto& ns : req.private_namespaces) {
        may_see_acme =
            may_see_acme || (ns.size() == 4 && (ns[0] | 0x20) == 'a' && (ns[1] | 0x20) == 'c' &&
                             (ns[2] | 0x20) == 'm' && (ns[3] | 0x20) == 'e');
    }
    for (const auto& h : resp->hits) {
        if (h.card.is_private && !may_see_acme) fuzz::fail("private card shown", h.card.id);
        if (!fuzz::valid_utf8(h.snippet)) fuzz::fail("snippet is not UTF-8", h.snippet);
    }
    return 0;
}
