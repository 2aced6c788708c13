#pragma once
// Card quality: how completely a card documents what a library or an archive asks before
// reusing a model or a dataset (licence, task, language, a description, evaluation results,
// a citation, the data it came from, what it is for and where it falls short).
//
// This header is the definition of the score: the criteria, their weights, which apply to
// which cards, the score and its bands. ingest/ decides which criteria a card meets from its
// text and metadata (ingest/src/quality.cpp: the detection rules) and stores the result in
// the Card; the index writes it as terms, a value slot and summary fields (schema.h); the
// query library and the server only read it back. docs/QUALITY.md explains the rules and
// measures them on the real cards.
//
// Everything here is constexpr or a pure function: thread-safe, no allocation but the
// strings the name lists return.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "cardex/index/card.h"

namespace cardex::index {

/// One documentation criterion. The enum value is its bit in Card::quality_present and
/// quality_missing: never renumber (a stored index holds the bits; add new ones at the end
/// and bump kFormatVersion).
enum class Criterion : std::uint8_t {
    Description,  ///< a description written for people, not a template's sentence
    License,      ///< a licence, declared in the metadata or in a licence section
    IntendedUse,  ///< what it is for: a uses / intended use section
    Limitations,  ///< where it falls short: limitations, bias, risks, out-of-scope use
    Evaluation,   ///< results: a model-index metric or an evaluation section (models)
    Citation,     ///< how to cite it: a BibTeX entry, a citation section or field
    Datasets,     ///< the data: a model's training datasets, a dataset's source data
    Task,         ///< a task: a model's pipeline tag, a dataset's task categories or ids
    Language,     ///< the languages it covers (not for tasks without language)
};
inline constexpr std::size_t kCriterionCount = 9;

struct CriterionInfo {
    Criterion criterion;
    std::string_view name;  ///< API name and `has` facet value: "description", "intended_use"
    /// Points when every criterion applies (they add up to 100). A card's score divides the
    /// points of what it meets by the points of what applies to it, so a dataset (no
    /// evaluation criterion) is scored out of 90 and brought back to 0..100.
    int weight;
    bool model, dataset, space;  ///< the card types it applies to
};

// clang-format off
inline constexpr std::array<CriterionInfo, kCriterionCount> kCriteria{{
    // criterion               name            weight model  dataset space
    {Criterion::Description,  "description",  20,    true,  true,   true},
    {Criterion::License,      "license",      15,    true,  true,   true},
    {Criterion::IntendedUse,  "intended_use", 15,    true,  true,   true},
    {Criterion::Limitations,  "limitations",  10,    true,  true,   true},
    {Criterion::Evaluation,   "evaluation",   10,    true,  false,  false},
    {Criterion::Citation,     "citation",     10,    true,  true,   true},
    {Criterion::Datasets,     "datasets",     10,    true,  true,   true},
    {Criterion::Task,         "task",          5,    true,  true,   false},
    {Criterion::Language,     "language",      5,    true,  true,   false},
}};
// clang-format on

inline constexpr std::uint32_t criterion_bit(Criterion c) noexcept {
    return std::uint32_t{1} << static_cast<unsigned>(c);
}
inline constexpr const CriterionInfo& criterion_info(Criterion c) noexcept {
    return kCriteria[static_cast<std::size_t>(c)];
}
/// A criterion by its API name; nullopt for any other text (exact, lower case).
std::optional<Criterion> criterion_by_name(std::string_view name) noexcept;

/// The modalities whose tasks have no language (data/tables/tasks.tsv): a card whose tasks
/// are all of these is not asked for a language (an image classifier has none).
inline constexpr std::array<std::string_view, 4> kModalitiesWithoutLanguage{
    "cv", "tabular", "rl", "other"};

/// The bits of the criteria that apply to `card`: by its type (kCriteria), and Language only
/// when some task of the card has language or it declares no task (Card::modalities).
std::uint32_t applicable_criteria(const Card& card) noexcept;

/// round(100 × points of `present` / points of `applicable`), 0..100; bits outside
/// `applicable` do not count. 0 when nothing applies.
int quality_score(std::uint32_t present, std::uint32_t applicable) noexcept;

/// The score bands of the `quality` facet: high from kQualityHigh, medium from
/// kQualityMedium, low below. The bounds were chosen on the real cards (docs/QUALITY.md).
inline constexpr int kQualityHigh = 70;
inline constexpr int kQualityMedium = 40;
inline constexpr std::array<std::string_view, 3> kQualityBands{"high", "medium", "low"};
std::string_view quality_band(int score) noexcept;

/// The names of the criteria whose bits are set in `bits`, in kCriteria order.
std::vector<std::string_view> criterion_names(std::uint32_t bits);

/// Sets card.quality_present (only applicable bits are kept), quality_missing (the
/// applicable ones not present) and quality_score. What ingest calls once it knows which
/// criteria the card meets.
void set_quality(Card& card, std::uint32_t present) noexcept;

/// The value of kSlotQuality: score × 2^40 + min(downloads, 2^40 − 1), exact in a double,
/// so one descending sort puts higher scores first and, within a score, more downloads
/// first, on every index (also after live upserts, when docids are no longer in downloads
/// order). Card::quality_score is the score; quality_of_sort_key reads it back from a key.
double quality_sort_key(int score, std::int64_t downloads) noexcept;
/// The score a kSlotQuality value holds (quality_sort_key's `score`); -1 for a negative value
/// (a card never assessed has none; columns read a missing value as -1).
int quality_of_sort_key(double key) noexcept;

}  // namespace cardex::index
