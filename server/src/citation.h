#pragma once
// Citations of cards: the card's own (as written) and one generated from the card in
// BibTeX, RIS, CSL-JSON and the Citation File Format (docs/GLAM.md, "Citations").
// Private to cardex_server.
#include <optional>
#include <string>
#include <string_view>

#include "cardex/index/card.h"
#include "cardex/query/searcher.h"
#include "routes.h"

namespace cardex::server {

enum class CitationFormat { Bibtex, Ris, CslJson, Cff };

/// "bibtex", "ris", "csl-json" (or "csl"), "cff"; nullopt for anything else.
std::optional<CitationFormat> parse_citation_format(std::string_view name) noexcept;
std::string_view citation_format_name(CitationFormat f) noexcept;
/// The media type a response in that format carries.
std::string_view citation_media_type(CitationFormat f) noexcept;

/// The citation of the card itself, generated from its record: its namespace as author,
/// title, year (and date) of createdAt (else lastModified), Hugging Face as publisher, the
/// repository URL, its own DOI (card_meta.h), the revision as version, and for CFF the
/// license. Always parseable in its format, whatever the card holds. Cost: O(fields).
std::string generated_citation(const index::Card& card, CitationFormat format);

/// GET /api/{models,datasets,spaces}/{id}/citation[?format=&source=]; `raw_id` is the id
/// still percent-encoded. Without `format`: every citation as JSON, the card's own first.
/// With `format`: that format; for bibtex the card's own BibTeX entries come first, as
/// written, then the generated entry. `source=card|generated` keeps only one kind.
HttpResponse citation_endpoint(index::CardType type,
                               std::string_view raw_id,
                               const RouteContext& ctx,
                               query::Searcher& searcher);

}  // namespace cardex::server
