#pragma once
// The facet normalizers: one small function per facet that turns what a record declares
// (front matter or cardData, listing fields) into the Card's normalized values, through the
// vocabulary. CardParser runs them in the order of facet_normalizers(). Adding a facet to
// ingest is one normalizer and its row here (ARCHITECTURE.md, "How to add a facet").
// Private to ingest. Stateless: call from any thread.
#include <span>
#include <string_view>

#include "card_fields.h"
#include "cardex/index/card.h"
#include "cardex/index/vocabulary.h"
#include "cardex/ingest/card_parser.h"

namespace cardex::ingest {

/// What a normalizer reads.
struct FacetInput {
    const RawRecord& raw;            ///< listing fields (its tags: raw_tags)
    /// The listing's tags, at most kMaxValues of them (CardParser warns about the rest).
    std::span<const std::string> raw_tags;
    Fields& fields;                  ///< front matter or cardData, read with warnings
    const index::Vocabulary& vocab;  ///< languages, licenses, tasks
    std::string_view body;           ///< the markdown body (DOIs, arXiv ids in the text)
    /// The front matter as written (YAML, or the listing's cardData JSON): a `doi:` field or
    /// a `citation:` block names DOIs too.
    std::string_view front_matter;
};

struct FacetNormalizer {
    std::string_view fills;  ///< the Card fields it sets, for people reading the list
    /// The front matter keys it reads, space-separated: only these (and the text keys)
    /// are parsed into a tree; every other key goes to cardData as JSON directly.
    std::string_view keys;
    void (*normalize)(const FacetInput& in, index::Card& card);
};

/// Every normalizer, in the order they run (later ones read what earlier ones set: the
/// Hub-derived tags need the languages, datasets, base models, tasks and library).
std::span<const FacetNormalizer> facet_normalizers();

}  // namespace cardex::ingest
