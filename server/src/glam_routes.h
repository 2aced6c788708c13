#pragma once
// The two GLAM routes (docs/GLAM.md) that are more than a path in handler.cpp's route table:
// a card's citation under its repository path, and the organisation page at /{name}.
// Private to cardex_server.
#include <optional>
#include <string>
#include <string_view>

#include "cardex/index/card.h"
#include "cardex/query/searcher.h"
#include "routes.h"

namespace cardex::server {

/// .../{id}/citation under /api/{models,datasets,spaces}/; `raw_rest` is the path after the
/// collection's slash. nullopt when it does not end in /citation.
std::optional<HttpResponse> citation_route(index::CardType type,
                                           std::string_view raw_rest,
                                           const RouteContext& ctx,
                                           query::Searcher& searcher,
                                           std::string& label);

/// /{organisation}: the organisation page, for a one-segment path no other route took.
std::optional<HttpResponse> org_page_route(const RouteContext& ctx, query::Searcher& searcher);

}  // namespace cardex::server
