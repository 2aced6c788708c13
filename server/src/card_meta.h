#pragma once
// What citations, schema.org, OAI-PMH records and organisation pages say about a card,
// derived one way for all of them (docs/GLAM.md). Private to cardex_server.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/card.h"

namespace cardex::server {

/// The publisher of every card: the Hub hosts the repositories cardex indexes.
inline constexpr std::string_view kPublisher = "Hugging Face";

/// The card's own DOI: one the Hub minted for the repository (registrant 10.57967), else
/// one the card's metadata declares (a `doi` field of the front matter); "" if none. DOIs
/// in the card's text name the works it cites, not the card itself.
std::string own_doi(const index::Card& card);

/// The repository on the Hub: "https://huggingface.co/datasets/org/name".
std::string hub_repo_url(const index::Card& card);

/// The card's date of publication: createdAt, else lastModified; -1 if neither is known.
std::int64_t published_at(const index::Card& card);

/// Year, month, day of Unix seconds (UTC).
struct Ymd {
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
};
Ymd ymd_of(std::int64_t unix_seconds);
/// "2024-03-02".
std::string date_text(std::int64_t unix_seconds);

/// The revision a citation names: the first 7 hex digits of the card's commit id.
std::string short_revision(const index::Card& card);

/// A URL for the card's license: the SPDX page when it has an SPDX id, else "".
std::string license_url(const index::Card& card);

/// The card's own citations, as written: the front matter's `citation` field, then code
/// blocks (and bare entries) of the card text that hold BibTeX entries, in text order.
/// At most 8, each at most 16 KB.
struct OwnCitation {
    std::string text;
    bool bibtex = false;     ///< starts with an @entry
    std::string_view where;  ///< "card-data" or "readme"
};
std::vector<OwnCitation> own_citations(const index::Card& card);

}  // namespace cardex::server
