#pragma once
// Routing of OAI-PMH, sitemaps, DOIs, organisations and citations (docs/GLAM.md), called
// from handler.cpp. Private to cardex_server.
#include <optional>
#include <string>
#include <string_view>

#include "cardex/index/card.h"
#include "cardex/query/searcher.h"
#include "routes.h"

namespace cardex::server {

/// Whether a path takes POST besides GET (OAI-PMH allows both).
bool is_glam_post_path(std::string_view raw_path) noexcept;

/// /oai, /sitemap.xml, /sitemaps/{page}, /api/doi/{doi}, /doi/{doi},
/// /api/organizations/{name}; nullopt for any other path. `label` gets the route template.
std::optional<HttpResponse> glam_route(const RouteContext& ctx,
                                       query::Searcher& searcher,
                                       std::string& label);

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
