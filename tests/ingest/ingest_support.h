#pragma once
// What the ingest suites share: the normalization tables, loaded once, and a read_cards run
// that checks no record goes missing.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "cardex/ingest/sources.h"
#include "support.h"

namespace cardex::test {

/// data/tables of the checkout, loaded on first use.
inline std::shared_ptr<const ingest::Tables> tables() {
    static auto t = [] {
        auto r = ingest::Tables::load(tables_dir());
        REQUIRE(r.has_value());
        return r.value();
    }();
    return t;
}

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
        sources, tables(), options, [&](index::Card&& c) { r.cards.push_back(std::move(c)); });
    CHECK(r.report.read == r.report.accepted + r.report.rejected + r.report.merged);
    return r;
}

}  // namespace cardex::test
