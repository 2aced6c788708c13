#pragma once
// Card -> JSON in the two shapes the API speaks: Hub repo objects (docs/HUB-API.md §8) and
// cardex search hits. Private to cardex_server.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/query/response.h"
#include "json_writer.h"

namespace cardex::server {

/// A stable stand-in for the Hub's Mongo `_id`: 24 hex digits hashed from type and id.
/// Cardex has no ObjectIds; clients only need it stable and unique per repo.
std::string hub_object_id(const index::Card& card);

/// The card's commit id as the Hub API shows it (`sha`, X-Repo-Commit, refs): the 40 hex
/// digits ingest computed from its content, or for a card without one a hash of its type
/// and id.
std::string hub_sha(const index::Card& card);

/// The Hub property names this server can render (a subset of docs/HUB-API.md §8 plus the
/// always-present `_id`, `id`, `modelId`). Properties a client may expand but that cardex
/// does not store (sha, siblings, config, ...) are accepted and left out. Returns the
/// canonical name (a view of static storage, safe to keep) or "" if not renderable.
std::string_view hub_renderable_field(std::string_view field) noexcept;

/// Whether `key` is a valid `expand` value for `type` (exactly the Hub's lists,
/// docs/HUB-API.md §8).
bool hub_expand_allowed(index::CardType type, std::string_view key) noexcept;
/// The allowed expand keys of `type`, comma-separated, for error messages.
std::string hub_expand_keys(index::CardType type);

/// Which properties a Hub response carries.
enum class HubShape { Default, Full, Info };
/// The property list for a shape: the Hub's defaults (docs/HUB-API.md §8); Full adds
/// author/gated/lastModified/sha/...; Info (repo endpoint) is Full plus cardData and, where
/// known, usedStorage, safetensors and gguf. `card_data` adds cardData to any shape.
std::vector<std::string_view> hub_fields(index::CardType type, HubShape shape, bool card_data);

/// What a Hub repo object says about other repositories that the card alone does not:
/// the Spaces using a model or dataset (links.h spaces_using), and a model's
/// `childrenModelCount` (the models naming it as a base model, Searcher::derived `direct`).
struct HubLinks {
    std::vector<std::string> spaces;
    std::optional<std::uint64_t> children;
};

/// Writes one Hub repo object with `fields`, in that order; fields the card has no value
/// for (unknown dates, empty pipeline tag) are omitted rather than sent as null. `spaces`
/// is written only with `links` (the caller looked them up), `childrenModelCount` only
/// with `links->children`. `baseModels` is the Hub's object (docs/HUB-API.md §8).
void write_hub_item(JsonWriter& w,
                    const index::Card& card,
                    const std::vector<std::string_view>& fields,
                    const HubLinks* links = nullptr);

/// Writes one /api/search hit: the card's fields, its links (write_card_links) and, when
/// the search counted them, the models built on it (write_derived).
void write_search_hit(JsonWriter& w, const query::Hit& hit);

/// Writes `"quality": {"score", "band", "present": [...], "missing": [...]}` (criterion
/// names, index/quality.h; a criterion that does not apply to the card is in neither list),
/// or `"quality": null` for a card never assessed. Native API only: Hub items stay as the
/// Hub shapes them (docs/HUB-COMPAT.md).
void write_quality(JsonWriter& w, const index::Card& card);
/// The card's fields of a search hit (id, type, title, ..., its links), as members of an
/// open object: /api/search hits and /api/cards/{type}/{id} share them.
void write_card_fields(JsonWriter& w, const index::Card& card);

/// The card's own links, as members of an open object: a model's `base_models` (id and
/// relation, null when the card states none) and `datasets`; a Space's `datasets`, `models`
/// and `sdk`.
void write_card_links(JsonWriter& w, const index::Card& card);

/// `"derived_models": {"direct", "total", "depth_limit", "truncated"}` (query::DerivedCounts).
void write_derived(JsonWriter& w, const query::DerivedCounts& derived);
/// The members of that object alone, into an open object.
void write_derived_fields(JsonWriter& w, const query::DerivedCounts& derived);

}  // namespace cardex::server
