#pragma once
// schema.org descriptions of cards (JSON-LD in card pages) and the sitemap crawlers read
// (docs/GLAM.md, "schema.org and sitemaps"). Private to cardex_server.
#include <string>
#include <string_view>

#include "cardex/index/card.h"
#include "cardex/query/searcher.h"
#include "routes.h"

namespace cardex::server {

/// The card as one schema.org object in JSON-LD: Dataset for datasets, SoftwareSourceCode
/// for models and Spaces; name, description, url, sameAs (the Hub), license (a URL where
/// the license has an SPDX id), creator, publisher, dateCreated/dateModified, identifier
/// (the card's own DOI as a URL), keywords (tasks and languages), inLanguage, isBasedOn
/// (base models, and a model's training datasets), citation (DOIs and arXiv papers the
/// card names) and download and like counts. `base` is the public base URL. Safe to put
/// inside <script type="application/ld+json">: every '<' is written as \u003c.
std::string card_jsonld(const index::Card& card, std::string_view base);

/// GET /sitemap.xml: a sitemap index of the pages below. GET /sitemaps/{n}.xml: the card
/// pages of one slice of the key-hash range (about 5,000 cards each, so every file stays far
/// under the protocol's 50,000 URLs), with lastmod. Public cards only, whoever asks.
/// Cost: a count, then O(slice) listing calls.
HttpResponse sitemap_index(const RouteContext& ctx, query::Searcher& searcher);
HttpResponse sitemap_page(std::string_view name,
                          const RouteContext& ctx,
                          query::Searcher& searcher);

}  // namespace cardex::server
