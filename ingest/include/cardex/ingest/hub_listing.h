#pragma once
// Hub listing pages as a harvester reads them (`cardex harvest`): a page (the JSON array that
// /api/models, /api/datasets or /api/spaces answers) split into its items, each decoded the
// way ingest decodes a listing record, and an item plus the README.md fetched for it made
// into a card.
//
// The card is exactly the one `cardex reindex` builds from the same item written as a JSON
// Lines record with the README as its "readme" field and the listing's type as its "type":
// the same decoding (src/source_json.cpp) and the same CardParser, so a mirror holds what the
// origin would hold from the same records. Items keep their raw JSON text byte for byte until
// they are decoded, so numbers in cardData keep their spelling (docs/HUB-COMPAT.md).
//
// Thread-safety: the functions are thread-safe; a CardParser is one per thread.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/index/result.h"
#include "cardex/ingest/card_parser.h"

namespace cardex::ingest {

/// One item of a listing page (or one repo-info answer), decoded but not yet a card.
struct HubItem {
    std::string source;  ///< "<page source>:record N", for messages
    /// The repository as fetch paths name it: its type (the listing's, unless the item's id
    /// is a Hub URL of another type) and id. Empty when the item is rejected: an id that fails
    /// repo_id_problem() never reaches a URL.
    index::CardType type = index::CardType::Model;
    std::string repo_id;
    /// The item's lastModified as written ("" when it has none): `--since` compares it.
    std::string last_modified;
    RawRecord record;  ///< the decoded fields; no README yet
    std::vector<Issue> warnings;
    /// Why the item cannot become a card (malformed, not an object, no id, bad id). The
    /// source and, when it is known, the id are in the message.
    std::optional<Issue> rejection;
};

/// Splits one listing page and decodes every item, in page order. InvalidArgument (detail:
/// `source`) when the page is not one valid JSON array: nothing in it can be trusted then.
/// An element that is not an object, or an object that cannot be decoded, is an item with a
/// rejection; the others are unaffected. Cost: one validation and one decode per item.
Result<std::vector<HubItem>> read_hub_listing(std::string_view page,
                                              index::CardType type,
                                              const std::string& source);

/// One item given alone (a repo-info answer, `/api/models/{id}`), decoded as
/// read_hub_listing decodes an element. A rejection when `json` is not one JSON object.
HubItem read_hub_item(std::string_view json, index::CardType type, const std::string& source);

/// The card of `item` with `readme` (nullopt: the repository has no README.md), normalized
/// by `parser`; repairs are appended to `warnings`. InvalidArgument (reason in detail) when
/// the record must be rejected, as CardParser::parse.
Result<index::Card> hub_item_card(HubItem item,
                                  std::optional<std::string> readme,
                                  CardParser& parser,
                                  std::vector<Issue>& warnings);

}  // namespace cardex::ingest
