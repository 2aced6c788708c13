#pragma once
// What the ingest suites share: a read_cards run with the repository's vocabulary that
// checks no record goes missing.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "cardex/ingest/sources.h"
#include "fixture.h"

namespace cardex::test {

/// The cards and the report of one read_cards call.
struct Run {
    ingest::IngestReport report;
    std::vector<index::Card> cards;
    /// The card of `id`, or nullptr.
    const index::Card* find(const std::string& id) const {
        for (const auto& c : cards) {
            if (c.id == id) return &c;
        }
        return nullptr;
    }
};

/// read_cards over `sources`; checks that every record is a card, a rejection or a merge.
inline Run run(const std::vector<std::string>& sources, ingest::SourceOptions options = {}) {
    Run r;
    r.report = ingest::read_cards(
        sources, vocabulary(), options, [&](index::Card&& c) { r.cards.push_back(std::move(c)); });
    CHECK(r.report.read == r.report.accepted + r.report.rejected + r.report.merged);
    return r;
}

}  // namespace cardex::test
