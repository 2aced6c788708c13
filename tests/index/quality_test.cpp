// Index: the definition of the quality score (quality.h) and how a card's quality is stored
// (facet terms, the sort slot, the summary).
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "cardex/index/quality.h"
#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/index/summary.h"

using namespace cardex::index;

namespace {

std::uint32_t bits(std::initializer_list<Criterion> criteria) {
    std::uint32_t out = 0;
    for (auto c : criteria) out |= criterion_bit(c);
    return out;
}

std::set<std::string> terms_with(const Xapian::Document& doc, const std::string& prefix) {
    std::set<std::string> out;
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        if ((*t).rfind(prefix, 0) == 0) out.insert(*t);
    }
    return out;
}

}  // namespace

TEST_CASE("which criteria apply depends on the type and on the tasks' modality",
          "[index][quality]") {
    Card model;
    CHECK(applicable_criteria(model) == (1u << kCriterionCount) - 1);
    Card dataset;
    dataset.type = CardType::Dataset;
    CHECK((applicable_criteria(dataset) & criterion_bit(Criterion::Evaluation)) == 0);
    Card space;
    space.type = CardType::Space;
    CHECK(applicable_criteria(space) == bits({Criterion::Description,
                                              Criterion::License,
                                              Criterion::IntendedUse,
                                              Criterion::Limitations,
                                              Criterion::Citation,
                                              Criterion::Datasets}));
    // Language: not for tasks without language, unless another task has one.
    Card image;
    image.modalities = {"cv"};
    CHECK((applicable_criteria(image) & criterion_bit(Criterion::Language)) == 0);
    image.modalities = {"cv", "multimodal"};
    CHECK((applicable_criteria(image) & criterion_bit(Criterion::Language)) != 0);
}

TEST_CASE("the score is the points met out of the points that apply", "[index][quality]") {
    const std::uint32_t all = (1u << kCriterionCount) - 1;
    CHECK(quality_score(all, all) == 100);
    CHECK(quality_score(0, all) == 0);
    CHECK(quality_score(bits({Criterion::Description, Criterion::License}), all) == 35);
    // A dataset (no evaluation): 90 points; 45 of them is half.
    const std::uint32_t dataset = all & ~criterion_bit(Criterion::Evaluation);
    CHECK(quality_score(bits({Criterion::Description, Criterion::License, Criterion::Citation}),
                        dataset) == 50);
    // What does not apply does not count, even when set.
    CHECK(quality_score(criterion_bit(Criterion::Evaluation), dataset) == 0);
    CHECK(quality_score(0, 0) == 0);
    CHECK(quality_band(100) == "high");
    CHECK(quality_band(kQualityHigh) == "high");
    CHECK(quality_band(kQualityHigh - 1) == "medium");
    CHECK(quality_band(kQualityMedium) == "medium");
    CHECK(quality_band(kQualityMedium - 1) == "low");
    CHECK(criterion_names(bits({Criterion::Citation, Criterion::License})) ==
          std::vector<std::string_view>{"license", "citation"});
    CHECK(criterion_by_name("intended_use") == Criterion::IntendedUse);
    CHECK_FALSE(criterion_by_name("Intended use").has_value());
}

TEST_CASE("the sort key orders by score, then downloads, exactly", "[index][quality]") {
    CHECK(quality_sort_key(51, 0) > quality_sort_key(50, 900'000'000'000LL));
    CHECK(quality_sort_key(50, 1001) > quality_sort_key(50, 1000));
    CHECK(quality_sort_key(100, 2) - quality_sort_key(100, 1) == 1.0);  // no rounding at the top
    CHECK(quality_sort_key(0, -1) == 0.0);
}

TEST_CASE("the score reads back from its sort key, whatever the downloads", "[index][quality]") {
    for (int score = 0; score <= 100; ++score) {
        for (const std::int64_t downloads : {0LL, 1LL, 123'456'789LL, (1LL << 40) - 1, 1LL << 50}) {
            INFO(score << " " << downloads);
            CHECK(quality_of_sort_key(quality_sort_key(score, downloads)) == score);
        }
    }
    CHECK(quality_of_sort_key(-1) == -1);  // a column's missing value
    CHECK(quality_of_sort_key(std::nan("")) == -1);
}

TEST_CASE("a card's quality is stored as band and criterion terms, a slot and summary fields",
          "[index][quality]") {
    Card c;
    c.id = "org/x";
    c.name = "x";
    c.downloads = 7;
    set_quality(c, bits({Criterion::License, Criterion::Citation, Criterion::Description}));
    CHECK(c.quality_score == 45);
    CHECK(c.quality_missing == (((1u << kCriterionCount) - 1) & ~c.quality_present));
    DocumentBuilder b;
    const Xapian::Document doc = b.build(c);
    CHECK(terms_with(doc, "XQUAL") == std::set<std::string>{"XQUALmedium"});
    CHECK(terms_with(doc, "XHAS") ==
          std::set<std::string>{"XHASlicense", "XHAScitation", "XHASdescription"});
    CHECK(Xapian::sortable_unserialise(doc.get_value(kSlotQuality)) == quality_sort_key(45, 7));
    auto back = decode_summary(doc.get_data());
    REQUIRE(back.has_value());
    CHECK(back->quality_score == 45);
    CHECK(back->quality_present == c.quality_present);
    CHECK(back->quality_missing == c.quality_missing);

    // A card never assessed: no band it was not judged to deserve, no slot value.
    Card unassessed;
    unassessed.id = "org/y";
    const Xapian::Document none = b.build(unassessed);
    CHECK(terms_with(none, "XQUAL").empty());
    CHECK(terms_with(none, "XHAS").empty());
    CHECK(none.get_value(kSlotQuality).empty());
    auto decoded = decode_summary(none.get_data());
    REQUIRE(decoded.has_value());
    CHECK(decoded->quality_score == -1);
}
