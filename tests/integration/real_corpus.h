#pragma once
// The real cards and judged queries the integration suites share (read once per process).
#include <string>
#include <utility>
#include <vector>

#include <xapian.h>

#include "cardex/index/card.h"

namespace cardex::test {

/// Every card of data/cards (models, then datasets) as ingest reads them, with the
/// repository's vocabulary. Read on first use; immutable.
const std::vector<index::Card>& real_cards();

/// The distinct query texts of the judged set (data/queries/judgments.tsv), in file order.
std::vector<std::string> judged_query_texts();

/// The index's unprefixed words (terms of three or more letters a-z) with their term
/// frequencies, most frequent first: the vocabulary the query suites draw from. Cost: a walk
/// of every term.
std::vector<std::pair<Xapian::doccount, std::string>> words_by_frequency(
    const Xapian::Database& db);

}  // namespace cardex::test
