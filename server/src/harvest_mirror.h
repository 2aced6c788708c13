#pragma once
// What the harvest asks of its origin and reads of its mirror (private to cardex::harvest):
// the listing's expand= keys, and the ids the mirror holds of one type (for the deletions
// of a complete full pass, harvest.h).
#include <string>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/index/result.h"

namespace cardex::server::harvesting {

/// "&expand=author&expand=cardData..." for a listing of `type`: every property a mirror
/// keeps, by the names the Hub's `expand` knows (docs/HUB-API.md §13).
std::string expand_query(index::CardType type);

/// The ids of the mirror's cards of `type` at `dir`, public and private. Errors: those of
/// index::open_live; Internal when Xapian fails. Cost: a walk of the id terms of every
/// database of the live generation.
Result<std::vector<std::string>> mirror_ids(const std::string& dir, index::CardType type);

}  // namespace cardex::server::harvesting
