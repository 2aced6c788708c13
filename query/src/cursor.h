#pragma once
// Search-after cursors: a page continues after the last hit of the previous one, found by
// its sort key, never by an offset. (Private to query/.)
//
// The order of every listing is total and stable within one generation of the index:
// (sort value descending, docid ascending) for value sorts, (weight descending, docid
// ascending) for relevance. Docids are stable within a generation (an upsert replaces a
// document in place; a new card gets a new docid; a delete leaves a hole), so "after
// (value, docid)" survives upserts and deletes: no hit of an earlier page comes again unless
// its own sort value changed. A reindex renumbers every card: a cursor of another generation
// answers "cursor expired" rather than guess.
//
// Relevance weights change a little with every commit (BM25 statistics), so a relevance
// cursor also carries its position and the docid of the next page's first hit (each page is
// fetched one hit long to know it): the next page is looked for in a window around the
// position and starts at that hit if it is still there, else right after the previous
// page's last hit, else (both deleted) after its weight.
//
// Wire format: "c1" + base64url(version-free fixed layout below); opaque to clients.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "cardex/index/result.h"
#include "cardex/query/request.h"

namespace cardex::query {

struct Cursor {
    Sort sort = Sort::Relevance;
    double value = 0;            ///< sort value (or weight) of the previous page's last hit
    std::uint32_t docid = 0;     ///< its docid
    std::uint32_t next = 0;      ///< docid of the next page's first hit (relevance)
    std::uint64_t position = 0;  ///< rank of the first hit of the next page (relevance)
    std::array<std::uint8_t, 16> generation{};  ///< the database uuid, as 16 bytes
    std::uint64_t query = 0;     ///< fingerprint of the request (query_fingerprint)
};

std::string encode_cursor(const Cursor& c);
/// InvalidArgument ("bad cursor") for anything that is not a cursor we made.
Result<Cursor> decode_cursor(std::string_view text);

/// A database uuid ("0f3c...-...") as 16 bytes; all zero if it does not parse. The
/// colon-separated uuids of several databases searched together are hashed into 16 bytes.
std::array<std::uint8_t, 16> uuid_bytes(std::string_view uuid);

/// What a cursor may not change between pages: text, filters, ranges, sort, visibility and
/// the kind of search. The page size may change.
std::uint64_t query_fingerprint(const SearchRequest& req, Sort sort);

}  // namespace cardex::query
