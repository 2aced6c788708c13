#pragma once
// Which documentation criteria (index/quality.h) a card meets: the detection rules, read from
// the normalized card, its front matter and the sections of its text (docs/QUALITY.md states
// them for people). Private to ingest: CardParser calls it once the facets are normalized.
// Stateless: call from any thread. Cost: linear in the card's text.
#include <cstdint>
#include <span>
#include <string_view>

#include "cardex/index/card.h"
#include "cardex/index/vocabulary.h"
#include "markdown.h"
#include "yaml_tree.h"

namespace cardex::ingest {

/// The front matter keys the rules read besides those of the facet normalizers: parsed into
/// a tree (card_parser.cpp `needed_key`), space-separated.
inline constexpr std::string_view kQualityKeys = "model-index citation source_datasets";

struct QualityInput {
    /// The card with its facets normalized (licenses, tasks, languages, datasets, tags,
    /// modalities) and its description and plain text (`body`) set.
    const index::Card& card;
    const YamlNode& meta;       ///< the front matter (or a listing's cardData) as a tree
    std::string_view markdown;  ///< the body as written (BibTeX entries)
    std::span<const TextSection> sections;  ///< of card.body (markdown_to_text)
    const index::Vocabulary& vocab;
};

/// The bits (index::criterion_bit) of the criteria the card meets, whether or not they
/// apply to it (index::set_quality keeps the applicable ones).
std::uint32_t detect_criteria(const QualityInput& in);

/// The number of words a person wrote in `text`: words with a letter, on lines without a
/// template placeholder ("[More Information Needed]"), outside sentences a tool generates
/// ("This model is a fine-tuned version of ..."). Exposed for the tests.
std::size_t written_words(std::string_view text);

}  // namespace cardex::ingest
