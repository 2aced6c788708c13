#pragma once
// DOI names as the index stores them (the `doi` facet, XDOI terms) and as lookups find them.
//
// DOI names are case-insensitive (ASCII letters; the DOI Handbook, 2.4: "case insensitive"),
// so the stored form is lower-cased once, at ingest, and a lookup normalizes its argument the
// same way. Also stripped: a resolver or scheme prefix (https://doi.org/, dx.doi.org/, doi:,
// info:doi/), punctuation that ends the sentence around it, unbalanced closing brackets (a
// DOI in a markdown link or in parentheses), and bioRxiv/medRxiv page suffixes (v2, .full),
// which are part of their URLs, not of the DOI (docs/GLAM.md, "DOIs").
// Plain functions, thread-safe, no allocation beyond the result.
#include <string>
#include <string_view>

namespace cardex::index {

/// The normalized DOI of `text` ("https://doi.org/10.1234/ABC." -> "10.1234/abc"), or "" when
/// it is not a DOI name: "10." then a registrant code of digits (and dots), "/" and a
/// non-empty suffix, at most 200 bytes, no white space or control characters.
std::string normalize_doi(std::string_view text);

}  // namespace cardex::index
