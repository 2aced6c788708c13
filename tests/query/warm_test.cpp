// Warming (query/src/warm.h): a process that holds an index's generations until warm keeps
// its searchers on the generation they serve until Searcher::warm has run on the new one;
// without the hold they move at once, as before.
#include <catch2/catch.hpp>

#include "cardex/index/store.h"
#include "cardex/index/writer.h"
#include "cardex/query/searcher.h"
#include "fixture.h"
#include "support.h"

using namespace cardex;

namespace {

std::vector<index::Card> cards(const std::string& word) {
    std::vector<index::Card> out;
    for (int i = 0; i < 20; ++i) {
        auto c = test::make_card(
            index::CardType::Model, "org/" + word + "-" + std::to_string(i), 100 - i);
        c.body = "a model about " + word;
        out.push_back(std::move(c));
    }
    return out;
}

void reindex(const std::string& dir, const std::string& word) {
    index::BuildOptions o;
    o.vocabulary = test::vocabulary();
    REQUIRE(index::build_index(dir, cards(word), o).has_value());
}

std::uint64_t hits(query::Searcher& s, const std::string& text) {
    query::SearchRequest r;
    r.text = text;
    r.facets = {{"license", 5}};
    auto res = s.search(r);
    REQUIRE(res.has_value());
    return res->total;
}

}  // namespace

TEST_CASE("a held index is served from its warm generation until the new one is warmed",
          "[query][warm]") {
    test::TempDir dir;
    reindex(dir.str(), "alpha");
    query::Searcher::hold_generations_until_warm(dir.str());

    auto serving = query::Searcher::open(dir.str());
    REQUIRE(serving.has_value());
    // Nothing warmed yet: it opens the newest generation, and says it is not warm.
    auto info = serving->info();
    REQUIRE(info.has_value());
    CHECK_FALSE(info->warm);
    const std::string first = info->generation;

    auto warmer = query::Searcher::open(dir.str());
    REQUIRE(warmer.has_value());
    auto w = warmer->warm();
    REQUIRE(w.has_value());
    CHECK(w->generation == first);
    info = serving->info();
    REQUIRE(info.has_value());
    CHECK(info->warm);
    CHECK(hits(*serving, "alpha") == 20);

    // A reindex swaps in a new generation: the searcher stays on the warm one.
    reindex(dir.str(), "beta");
    REQUIRE(index::live_generation(dir.str()).value() != first);
    CHECK(hits(*serving, "alpha") == 20);
    CHECK(hits(*serving, "beta") == 0);
    info = serving->info();
    REQUIRE(info.has_value());
    CHECK(info->generation == first);
    CHECK(info->warm);

    // Warmed, it moves on at its next call.
    w = warmer->warm();
    REQUIRE(w.has_value());
    CHECK(w->generation != first);
    CHECK(w->ms >= 0);
    CHECK(hits(*serving, "beta") == 20);
    CHECK(hits(*serving, "alpha") == 0);
    info = serving->info();
    REQUIRE(info.has_value());
    CHECK(info->generation == w->generation);
    CHECK(info->warm);
}

TEST_CASE("a searcher kept on its generation while the new one warms reads its newest revision",
          "[query][warm]") {
    test::TempDir dir;
    reindex(dir.str(), "alpha");
    query::Searcher::hold_generations_until_warm(dir.str());
    auto serving = query::Searcher::open(dir.str());
    REQUIRE(serving.has_value());
    auto warmer = query::Searcher::open(dir.str());
    REQUIRE(warmer.has_value());
    REQUIRE(warmer->warm().has_value());
    CHECK(hits(*serving, "alpha") == 20);  // the searcher now reads some revision R

    // Writers commit while the searcher is idle (a request held at the server's gate): R's
    // blocks may be recycled.
    {
        auto w = index::IndexWriter::open(dir.str());
        REQUIRE(w.has_value());
        for (int i = 0; i < 4; ++i) {
            auto c = test::make_card(index::CardType::Model, "org/gamma-" + std::to_string(i), 5);
            c.body = "a model about gamma";
            REQUIRE(w->upsert({c}).has_value());
        }
    }
    // A reindex swaps in a generation that is not warm yet: the searcher stays on its own,
    // at that generation's newest revision, not at R (stale, or failing "index changed
    // during search too often" once R's blocks are reused).
    reindex(dir.str(), "beta");
    CHECK(hits(*serving, "gamma") == 4);
    CHECK(hits(*serving, "alpha") == 20);
    CHECK(hits(*serving, "beta") == 0);
}

TEST_CASE("an index nobody holds is served from its newest generation at once", "[query][warm]") {
    test::TempDir dir;
    reindex(dir.str(), "gamma");
    auto s = query::Searcher::open(dir.str());
    REQUIRE(s.has_value());
    CHECK(s->info().value().warm);
    CHECK(hits(*s, "gamma") == 20);
    reindex(dir.str(), "delta");
    CHECK(hits(*s, "delta") == 20);
    CHECK(hits(*s, "gamma") == 0);
}
