#pragma once
// DOI lookups (docs/GLAM.md, "DOIs"). Private to cardex_server.
#include "cardex/query/searcher.h"
#include "routes.h"

namespace cardex::server {

/// GET /api/doi/{doi}: {"doi", "url", "total", "cards": [...]} of the cards carrying the
/// DOI (most downloaded first, at most 100), 404 when none the caller may see does, 400 when
/// the path holds no DOI. Cost: one filtered listing.
HttpResponse doi_endpoint(const RouteContext& ctx, query::Searcher& searcher);

/// GET /doi/{doi}: 302 to the card page (or, for several cards, to their search).
HttpResponse doi_redirect(const RouteContext& ctx, query::Searcher& searcher);

}  // namespace cardex::server
