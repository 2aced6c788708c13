#pragma once
// An organisation's impact report as JSON or CSV (docs/GLAM.md, "Organisations").
// Private to cardex_server.
#include <string_view>

#include "cardex/query/searcher.h"
#include "routes.h"

namespace cardex::server {

/// GET /api/organizations/{name}: counts by type, total and per-item downloads and likes,
/// the breakdown by task, language and license, models others derived from its models and
/// cards that used its datasets, publications per month; `limit` (100) and `offset` page
/// the items. `format=csv`: one row per card. 404 for a name without visible cards.
HttpResponse org_endpoint(std::string_view name,
                          const RouteContext& ctx,
                          query::Searcher& searcher);

}  // namespace cardex::server
