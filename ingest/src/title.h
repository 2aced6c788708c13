#pragma once
// A card's title when its front matter names none (pretty_name, title): its first heading,
// unless that heading is a section name, a template's placeholder or another card's name.
// Private to cardex_ingest. The rule and what it changes on the real cards:
// docs/RELEVANCE.md, "Titles".
#include <string>
#include <string_view>

namespace cardex::ingest {

/// The title of the card `id` (its repo name `name`) whose markdown's first heading is
/// `heading` (may be empty) and whose front matter's `model_name` is `model_name` (may be
/// empty):
/// - "Model Card for X" / "Dataset Card for X" -> X, unless X is a repo id (owner/name);
/// - a generic heading ("Introduction", "Model Card", "About", "1. Introduction", any
///   numbered heading, a section name from the Hub's card templates), a placeholder
///   ("Model Card for Model ID", "{MODEL_NAME}", "[Dataset Name]"), a "Card for" naming a
///   repo id (another repo's: a copied card; or this one's), or the id itself -> `model_name`,
///   else `name`;
/// - any other heading as it is.
/// Pure; cost linear in the heading.
std::string choose_title(std::string_view heading,
                         std::string_view id,
                         std::string_view name,
                         std::string_view model_name);

/// Whether `heading` is a section name or placeholder rather than a title (the generic
/// cases above, without the id comparisons).
bool generic_heading(std::string_view heading);

}  // namespace cardex::ingest
