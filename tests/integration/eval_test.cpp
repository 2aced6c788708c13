// Relevance on the real cards: `cardex eval`'s numbers on data/queries/judgments.tsv stay
// above a floor. The floors are set a little below what was measured (docs/RELEVANCE.md)
// and only ever go up.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "cardex/query/eval.h"
#include "cardex/query/searcher.h"

using namespace cardex;

namespace {

// Measured on the real cards (docs/RELEVANCE.md), a little below what was measured; raise
// them with the ranking, never lower. The set grew from 76 to 321 queries (issue #18), with
// harder classes (misspelt, in other languages, GLAM): the whole-set floors were set anew on
// it, and each class has its own so a loss in one is not hidden by the others. (The first 76
// queries alone measure 0.861 / 0.966, their old floors 0.80 / 0.92.)
// Measured 0.829 / 0.922 (0.823 / 0.916 before documentation in the second stage, session 42,
// on judgments whose URL ids read as cardex serves them; 0.820 / 0.916 before the id-words
// boost, 0.815 / 0.909 before task names in other languages, session 41;
// 0.809 / 0.905 before a language weighing more on the cards about
// it, "llm" naming a model and license words not narrowing, session 40; 0.803 / 0.901 before
// the second stage of words next to each other;
// 0.793 / 0.899 before authors named by the query; 0.762 / 0.874 before session 9's typo
// rules and fewer words).
constexpr double kFloorNdcg = 0.825;
constexpr double kFloorMrr = 0.915;
// cardex must beat the plain BM25 baseline on the same index by at least this much.
constexpr double kMinGainOverBaseline = 0.25;  // measured 0.256 (0.829 vs 0.573)

struct ClassFloor {
    const char* cls;
    double ndcg;
    double mrr;
};
constexpr ClassFloor kClassFloors[] = {
    {"known", 0.95, 0.99},         // measured 0.961 / 1.000 (0.958 / 0.993 before documentation
                                   // in the second stage; 0.952 before the id-words boost)
    {"topical", 0.71, 0.87},       // 0.727 / 0.879 (0.723 / 0.889 before documentation; 0.718
                                   // before the id-words boost; 0.691 / 0.870 before the
                                   // second stage)
    {"language", 0.80, 0.95},      // 0.817 / 0.964 (0.786 / 0.944 before session 40's main
                                   // languages, "llm" and optional license words)
    {"org", 0.94, 0.94},           // 0.957 / 0.962 (0.916 / 0.904 before documentation in
                                   // the second stage; 0.790 / 0.885 before authors named
                                   // by the query)
    {"multilingual", 0.77, 0.86},  // 0.789 / 0.888 (0.740 / 0.824 before task names in
                                   // other languages; 0.466 / 0.500 before language stems)
    {"glam", 0.69, 0.79},          // 0.708 / 0.808 (0.649 / 0.724 before fewer words)
    {"typo", 0.78, 0.83},          // 0.798 / 0.848 (0.790 before documentation; 0.620 /
                                   // 0.732 before session 9's typo rules; 0.062 / 0.061
                                   // before typo tolerance)
};

const query::ClassScore& all_of(const query::EvalReport& r) {
    REQUIRE(!r.classes.empty());
    REQUIRE(r.classes.front().cls == "all");
    return r.classes.front();
}

}  // namespace

TEST_CASE("ranking on the judged query set stays above its floor", "[eval]") {
    auto judged = query::load_judgments(CARDEX_JUDGMENTS);
    REQUIRE(judged.has_value());
    REQUIRE(judged->size() >= 300);  // the set only grows (data/queries/README.md)
    auto s = query::Searcher::open(CARDEX_REAL_INDEX);
    REQUIRE(s.has_value());

    auto ranked = query::evaluate(*s, *judged);
    REQUIRE(ranked.has_value());
    query::EvalOptions plain;
    plain.plain_bm25 = true;
    auto base = query::evaluate(*s, *judged, plain);
    REQUIRE(base.has_value());

    const auto& a = all_of(*ranked);
    const auto& b = all_of(*base);
    // The floors hold for the whole set; each class's figures say where a miss comes from.
    std::ostringstream per_class;
    for (std::size_t i = 0; i < ranked->classes.size() && i < base->classes.size(); ++i) {
        const auto& r = ranked->classes[i];
        per_class << r.cls << " (" << r.queries << "): nDCG@10 " << r.ndcg << " MRR " << r.mrr
                  << ", BM25 " << base->classes[i].ndcg << "; ";
    }
    INFO("per class: " << per_class.str());
    INFO("cardex nDCG@10 " << a.ndcg << " MRR " << a.mrr << "; plain BM25 nDCG@10 " << b.ndcg
                           << " MRR " << b.mrr);
    CHECK(a.queries == judged->size());
    CHECK(a.ndcg >= kFloorNdcg);
    CHECK(a.mrr >= kFloorMrr);
    CHECK(a.ndcg >= b.ndcg + kMinGainOverBaseline);
    for (const auto& floor : kClassFloors) {
        INFO("class " << floor.cls);
        const auto it = std::find_if(ranked->classes.begin(),
                                     ranked->classes.end(),
                                     [&](const auto& c) { return c.cls == floor.cls; });
        REQUIRE(it != ranked->classes.end());
        CHECK(it->ndcg >= floor.ndcg);
        CHECK(it->mrr >= floor.mrr);
    }
}

TEST_CASE("a missing judgments file is refused", "[eval]") {
    auto missing = query::load_judgments("/nonexistent/judgments.tsv");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().code == Errc::NotFound);
}
