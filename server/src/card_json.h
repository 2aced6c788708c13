#pragma once
// Card -> JSON in the two shapes the API speaks: Hub repo objects (docs/HUB-API.md §8) and
// cardex search hits. Private to cardex_server.
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

/// Writes one Hub repo object with `fields`, in that order; fields the card has no value
/// for (unknown dates, empty pipeline tag) are omitted rather than sent as null.
void write_hub_item(JsonWriter& w, const index::Card& card,
                    const std::vector<std::string_view>& fields);

/// Writes one /api/search hit.
void write_search_hit(JsonWriter& w, const query::Hit& hit);

/// Writes `"quality": {"score", "band", "present": [...], "missing": [...]}` (criterion
/// names, index/quality.h; a criterion that does not apply to the card is in neither list),
/// or `"quality": null` for a card never assessed. Native API only: Hub items stay as the
/// Hub shapes them (docs/HUB-COMPAT.md).
void write_quality(JsonWriter& w, const index::Card& card);

}  // namespace cardex::server
