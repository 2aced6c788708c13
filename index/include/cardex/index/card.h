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
    bool operator==(const BaseModel&) const = default;
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
    /// The README as given: `readme_head` (everything before the body: the front matter
    /// block, or "" without one) followed by `markdown`. Only when `has_readme`; cards read
    /// from listing records have none.
    std::string readme_head;
    bool has_readme = false;

    // Facets (normalized).
    /// Normalized tasks (pipeline tags), e.g. "token-classification", for the `task` facet:
    /// a model's declared or Hub pipeline tag, a dataset's task_categories and task_ids
    /// categories; legacy tags map to current ones (text2text-generation -> text-generation).
    std::vector<std::string> tasks;
    /// The Hub's `pipeline_tag` field: the Hub's own value when the record carries the Hub's
    /// fields, else the card's declared pipeline_tag as written when it is a pipeline type
    /// (docs/HUB-COMPAT.md). Unlike `tasks`, never rewritten (text2text-generation stays).
    std::string pipeline_tag;
    std::vector<std::string> modalities;  ///< of the tasks: nlp, cv, audio, multimodal, ...
    std::vector<std::string> task_ids;   ///< dataset subtasks (task_ids)
    std::vector<std::string> languages;  ///< canonical ISO 639 codes, as declared
    std::vector<std::string> language_groups;  ///< macrolanguages of languages (no for nb)
    std::vector<std::string> languages_raw;    ///< values as the card wrote them
    std::string license;  ///< Hub license id ("apache-2.0", "other", ...): the first one
    std::vector<std::string> licenses;  ///< every declared license as a Hub id, first = license
    std::string license_spdx; ///< SPDX id where one exists ("Apache-2.0")
    std::string license_name; ///< license_name for "other", or the raw value
    std::string reuse;        ///< open | open-conditions | non-commercial | restricted | unknown
    std::string library;
    std::vector<std::string> tags;  ///< Hub-derived tags (license:x, dataset:x, ...) + card tags
    std::vector<BaseModel> base_models;
    /// Datasets a model was trained on, or a Space uses (its `datasets:`), as written.
    std::vector<std::string> datasets;
    /// Spaces: the models the Space declares it uses (its `models:`), as written. The Hub
    /// keeps a Space's linked repositories as fields, not tags.
    std::vector<std::string> models;
    std::string sdk;  ///< Spaces: gradio, streamlit, docker, static (lower-cased)
    std::string size_category;
    Gated gated = Gated::No;
    bool is_private = false;
    bool disabled = false;
    std::vector<std::string> dois;
    std::vector<std::string> arxiv_ids;

    // Documentation quality (quality.h): the criteria the card meets and those it misses, as
    // bits of index::Criterion (a criterion that does not apply to the card is in neither),
    // and the score 0..100. -1: never assessed (a card made by hand, not by ingest); such a
    // card gets no quality terms and sorts last by quality.
    std::uint32_t quality_present = 0;
    std::uint32_t quality_missing = 0;
    int quality_score = -1;

    // Numbers; -1 where the source had none.
    std::int64_t downloads = 0;
    std::int64_t downloads_all_time = -1;
    std::int64_t likes = 0;
    double trending_score = 0.0;
    std::int64_t created_at = -1;     ///< Unix seconds
    std::int64_t last_modified = -1;  ///< Unix seconds
    std::int64_t used_storage = -1;   ///< bytes (the Hub's usedStorage)
    std::int64_t num_parameters = -1;  ///< safetensors total, else gguf total
    std::int64_t siblings_count = -1;  ///< files in the repository (listing records)
    std::int64_t spaces_count = -1;    ///< Spaces using the model (listing records)

    // The Hub's objects, as JSON text exactly as a listing record gave them ("" if none).
    std::string safetensors_json;  ///< {"parameters": {"BF16": n, ...}, "total": n}
    std::string gguf_json;         ///< {"total": n, "architecture": "llama", ...}

    /// 40 hex digits standing in for the Hub's commit sha: a hash of type, id and README
    /// (or card data), so it changes exactly when the card does (docs/HUB-COMPAT.md).
    std::string sha;
    /// When cardex last changed this card's record (Unix seconds), -1 until a writer sets it:
    /// build_index and IndexWriter stamp it (history.h). The OAI-PMH datestamp.
    std::int64_t datestamp = -1;

    std::string source;  ///< where the record came from ("file:record"), for messages

    /// Field by field (card_codec.h promises decode(encode(c)) == c; tests check it).
    bool operator==(const Card&) const = default;
};

/// What is left of a card after it was deleted, or dropped by a reindex: enough for a
/// harvester to learn that it is gone (OAI-PMH deleted records), and to which sets it
/// belonged. Kept in the index's metadata (history.h).
struct Tombstone {
    CardType type = CardType::Model;
    std::string id;
    std::string author;
    std::int64_t deleted_at = 0;  ///< Unix seconds
    bool is_private = false;
    std::string reuse;
    std::vector<std::string> tasks;
};

/// A stable 53-bit hash of "type/id" (FNV-1a 64, top 53 bits): exactly representable as a
/// double, the same on every platform and in every generation. The order harvests page in
/// (index/history.h, slot kSlotKeyHash).
std::uint64_t key_hash(CardType type, std::string_view id) noexcept;

/// "model/org/name": the key a tombstone is stored and paged under.
std::string record_key(CardType type, std::string_view id);

}  // namespace cardex::index
