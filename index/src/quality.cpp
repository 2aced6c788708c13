#include "cardex/index/quality.h"

#include <algorithm>
#include <cmath>

namespace cardex::index {

namespace {

constexpr bool criteria_in_enum_order() {
    for (std::size_t i = 0; i < kCriteria.size(); ++i) {
        if (static_cast<std::size_t>(kCriteria[i].criterion) != i) return false;
    }
    return true;
}
static_assert(criteria_in_enum_order(), "kCriteria rows must follow the Criterion enum");

constexpr bool weights_add_up() {
    int sum = 0;
    for (const auto& c : kCriteria) sum += c.weight;
    return sum == 100;
}
static_assert(weights_add_up(), "the criteria's weights are points out of 100");

// 2^40: downloads below it keep their order under the score (the largest real count is
// around 10^8); the score times it stays under 2^53, so the key is an exact double.
constexpr double kDownloadsSpan = 1099511627776.0;

}  // namespace

std::optional<Criterion> criterion_by_name(std::string_view name) noexcept {
    for (const auto& c : kCriteria) {
        if (c.name == name) return c.criterion;
    }
    return std::nullopt;
}

std::uint32_t applicable_criteria(const Card& card) noexcept {
    std::uint32_t bits = 0;
    for (const auto& c : kCriteria) {
        const bool applies = card.type == CardType::Model     ? c.model
                             : card.type == CardType::Dataset ? c.dataset
                                                              : c.space;
        if (applies) bits |= criterion_bit(c.criterion);
    }
    if (!card.modalities.empty()) {
        const bool any_language =
            std::any_of(card.modalities.begin(), card.modalities.end(), [](const std::string& m) {
                return std::find(kModalitiesWithoutLanguage.begin(),
                                 kModalitiesWithoutLanguage.end(),
                                 m) == kModalitiesWithoutLanguage.end();
            });
        if (!any_language) bits &= ~criterion_bit(Criterion::Language);
    }
    return bits;
}

int quality_score(std::uint32_t present, std::uint32_t applicable) noexcept {
    int got = 0, of = 0;
    for (const auto& c : kCriteria) {
        if ((applicable & criterion_bit(c.criterion)) == 0) continue;
        of += c.weight;
        if ((present & criterion_bit(c.criterion)) != 0) got += c.weight;
    }
    if (of == 0) return 0;
    return static_cast<int>(std::lround(100.0 * got / of));
}

std::string_view quality_band(int score) noexcept {
    if (score >= kQualityHigh) return kQualityBands[0];
    if (score >= kQualityMedium) return kQualityBands[1];
    return kQualityBands[2];
}

std::vector<std::string_view> criterion_names(std::uint32_t bits) {
    std::vector<std::string_view> out;
    for (const auto& c : kCriteria) {
        if ((bits & criterion_bit(c.criterion)) != 0) out.push_back(c.name);
    }
    return out;
}

void set_quality(Card& card, std::uint32_t present) noexcept {
    const std::uint32_t applicable = applicable_criteria(card);
    card.quality_present = present & applicable;
    card.quality_missing = applicable & ~present;
    card.quality_score = quality_score(present, applicable);
}

double quality_sort_key(int score, std::int64_t downloads) noexcept {
    const double d = std::clamp(static_cast<double>(downloads), 0.0, kDownloadsSpan - 1.0);
    return static_cast<double>(std::clamp(score, 0, 100)) * kDownloadsSpan + d;
}

int quality_of_sort_key(double key) noexcept {
    if (!(key >= 0)) return -1;
    return static_cast<int>(std::min(100.0, std::floor(key / kDownloadsSpan)));
}

}  // namespace cardex::index
