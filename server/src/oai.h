#pragma once
// OAI-PMH 2.0 at /oai (docs/GLAM.md, "OAI-PMH"). Private to cardex_server.
//
// Records are the cards; their identifiers "oai:cardex:{type}/{id}", their datestamps when
// cardex last changed them (index/history.h), at second granularity. Deleted records are
// kept with no time limit ("persistent"). Sets form a two-level hierarchy: type:{model,
// dataset,space}, org:{namespace}, task:{task}, reuse:{reuse class}, and their parents.
// Lists are ordered by key hash and paged by resumption tokens that hold where the page
// ended (a key hash, then a deletion record's key), never a docid or an offset, so a
// harvest continues across reindexes and index swaps without repeating or missing a
// record that did not change meanwhile.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/query/request.h"
#include "cardex/query/searcher.h"
#include "routes.h"

namespace cardex::server {

/// GET or POST /oai. Protocol errors are 200 responses carrying an OAI-PMH <error>, as the
/// protocol requires; only an unreadable index is a 503. Cost: Identify and ListSets count
/// every visible card; the lists cost one listing call per page (100 records, 500
/// identifiers) and at most a bounded scan of deletion records.
HttpResponse oai_endpoint(const RouteContext& ctx, query::Searcher& searcher);

namespace oai {

inline constexpr std::string_view kIdentifierPrefix = "oai:cardex:";

/// "oai:cardex:model/org/name" and back (nullopt when it is not one of ours).
std::string identifier(index::CardType type, std::string_view id);
struct RecordKey {
    index::CardType type;
    std::string id;
};
std::optional<RecordKey> parse_identifier(std::string_view identifier);

/// A set: "type", "type:model", "org:acme", "task:fill-mask", "reuse:open", ...
struct SetSpec {
    std::string parent;  ///< type | org | task | reuse
    std::string value;   ///< "" for the parent set itself
};
/// nullopt when `spec` is not of that form (badArgument); an unknown value parses (it is an
/// empty set, so the list is noRecordsMatch).
std::optional<SetSpec> parse_set(std::string_view spec);
/// Whether a value can be a setSpec element: letters, digits and - _ . ! ~ * ' ( ).
bool valid_set_value(std::string_view value);

/// The sets a card or a deletion record belongs to (leaf sets only), as setSpecs.
std::vector<std::string> sets_of(index::CardType type,
                                 std::string_view author,
                                 const std::vector<std::string>& tasks,
                                 std::string_view reuse);

/// Whether a deletion record belongs to `set` (for selective harvesting of deletions).
bool in_set(const index::Tombstone& t, const SetSpec& set);

/// <header> of a live card (datestamp = its datestamp, else lastModified, else 0).
void write_header(std::string& out, const index::Card& card);
/// <header status="deleted"> of a deletion record.
void write_deleted_header(std::string& out, const index::Tombstone& t);
/// <metadata><oai_dc:dc ...></metadata> of a card; `base` is the public base URL.
void write_oai_dc(std::string& out, const index::Card& card, std::string_view base);

/// The datestamp a record shows.
std::int64_t datestamp_of(const index::Card& card);

}  // namespace oai
}  // namespace cardex::server
