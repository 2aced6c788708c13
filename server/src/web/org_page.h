#pragma once
// The organisation page (docs/GLAM.md, "Organisations"). Private to cardex_server.
#include <string_view>

#include "cardex/query/searcher.h"
#include "web/page.h"

namespace cardex::server::web {

/// GET /{organisation}: its cards by type, total downloads and likes, what others built on
/// it, breakdowns, an SVG chart of downloads per card and one of publications over time,
/// and links to the CSV and JSON reports. 404 page for a name without visible cards.
HttpResponse org_page(const PageContext& pc, std::string_view name, query::Searcher& searcher);

}  // namespace cardex::server::web
