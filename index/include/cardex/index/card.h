#pragma once
// The normalized card record: what ingest produces and the index stores.
//
// Every string facet here is already normalized (canonical language codes, Hub license ids,
// pipeline tags); the raw values a card declared are kept beside them for display.
// A Card is a plain value type: copy or move it freely; it is not shared between threads.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cardex::index {

enum class CardType : std::uint8_t { Model = 0, Dataset = 1, Space = 2 };

/// "model", "dataset", "space".
std::string_view card_type_name(CardType type) noexcept;
/// Parses "model"/"models", "dataset"/"datasets", "space"/"spaces" (case-insensitive).
std::optional<CardType> parse_card_type(std::string_view text) noexcept;

/// The Hub's gated states: false, "auto" (click-through), "manual" (owner approves).
enum class Gated : std::uint8_t { No = 0, Auto = 1, Manual = 2 };
std::string_view gated_name(Gated gated) noexcept;

/// A parent model and how this card derives from it (the Hub's base_model relations).
struct BaseModel {
    std::string id;
    std::string relation;  ///< "finetune", "adapter", "quantized", "merge", or empty if unknown
};

struct Card {
    // Identity.
    std::string id;      ///< Hub repo id, "namespace/name" or a legacy bare "name"
    CardType type = CardType::Model;
    std::string author;  ///< namespace ("" for legacy bare ids)
    std::string name;    ///< the part after the namespace

    // Text.
    std::string title;        ///< pretty_name, Space title, first heading, else the id
    std::string description;  ///< first prose paragraph of the body
    std::string body;         ///< card body as plain text (markdown and HTML removed)
    std::string markdown;     ///< card body as markdown, without front matter (for card pages)
    std::string card_data_json;  ///< front matter as a JSON object ("{}" if none): Hub cardData

    // Facets (normalized).
    /// Pipeline tags, e.g. "token-classification"; the first is the card's pipeline_tag
    /// (datasets can declare several task_categories).
    std::vector<std::string> tasks;
    std::vector<std::string> modalities;  ///< of the tasks: nlp, cv, audio, multimodal, ...
    std::vector<std::string> task_ids;   ///< dataset subtasks (task_ids)
    std::vector<std::string> languages;  ///< canonical ISO 639 codes, as declared
    std::vector<std::string> language_groups;  ///< macrolanguages of languages (no for nb)
    std::vector<std::string> languages_raw;    ///< values as the card wrote them
    std::string license;      ///< Hub license id ("apache-2.0", "other", ...)
    std::string license_spdx; ///< SPDX id where one exists ("Apache-2.0")
    std::string license_name; ///< license_name for "other", or the raw value
    std::string reuse;        ///< open | open-conditions | non-commercial | restricted | unknown
    std::string library;
    std::vector<std::string> tags;  ///< Hub-derived tags (license:x, dataset:x, ...) + card tags
    std::vector<BaseModel> base_models;
    std::vector<std::string> datasets;  ///< datasets trained on
    std::string size_category;
    Gated gated = Gated::No;
    bool is_private = false;
    std::vector<std::string> dois;
    std::vector<std::string> arxiv_ids;

    // Numbers; -1 where the source had none.
    std::int64_t downloads = 0;
    std::int64_t downloads_all_time = -1;
    std::int64_t likes = 0;
    double trending_score = 0.0;
    std::int64_t created_at = -1;     ///< Unix seconds
    std::int64_t last_modified = -1;  ///< Unix seconds

    std::string source;  ///< where the record came from ("file:record"), for messages
};

}  // namespace cardex::index
