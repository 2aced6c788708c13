#pragma once
// The harvest checkpoint (private to cardex::harvest): what a harvest needs to resume where
// it stopped and to continue incrementally, kept as one JSON file written atomically.
//
//   {"format": 1, "origin": "https://huggingface.co:443",
//    "renumber_pending": false, "listing_form": "expand",
//    "types": {"model": {"high_water": "2025-04-22T18:04:48.000Z",
//                        "pass": {"since": "", "next": "https://...cursor=...",
//                                 "high_water": "...", "pages": 12, "listed": 1200,
//                                 "failures": 0},
//                        "failed": [{"id": "org/name", "error": "README: HTTP 403"}]}}}
//
// `pass` is a listing pass under way: `next` is the page to fetch next (every page before
// it is committed to the index), `since` its lower bound ("" for a full pass), `high_water`
// the newest lastModified it has seen. `high_water` of a type is that of its last complete
// pass: the next harvest without --since lists only what changed after it. `failed` are
// cards whose README could not be fetched: the next harvest tries them again first.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/result.h"

namespace cardex::server::harvesting {

struct PassState {
    std::string since;       ///< ISO 8601 lower bound as given; "" for a full pass
    std::string next;        ///< the next page's URL
    std::string high_water;  ///< newest lastModified seen in this pass ("" none yet)
    std::uint64_t pages = 0;
    std::uint64_t listed = 0;
    /// Cards of this pass that failed or were rejected: a full pass with any deletes nothing.
    std::uint64_t failures = 0;
};

struct FailedCard {
    std::string id;
    std::string error;
};

struct TypeState {
    std::string high_water;  ///< of the last complete pass ("" never completed one)
    std::optional<PassState> pass;
    std::vector<FailedCard> failed;
};

struct HarvestState {
    std::string origin;  ///< Url::origin() plus the base path, of the server harvested
    bool renumber_pending = false;
    /// How the origin is listed: "expand" (expand= keys) or "full" (full=true&cardData=true,
    /// for an origin that refused expand with a 400). Kept so a resumed pass and the cards
    /// tried again ask as the pass began.
    std::string listing_form = "expand";
    std::map<std::string, TypeState> types;  ///< by card type name
};

/// Reads a state file. NotFound when there is none (a first harvest); InvalidArgument,
/// naming the file, when it is not one this code wrote (it is never overwritten then).
Result<HarvestState> load_state(const std::string& path);
/// Writes the state: a temporary file beside it, fsync'ed, renamed over it, the directory
/// fsync'ed. A crash leaves the old state or the new one, never a mix.
Status save_state(const std::string& path, const HarvestState& state);

/// Milliseconds since the epoch of an ISO 8601 time: a date ("2024-05-01"), or a date and
/// time with 'T' or a blank between, optional seconds and fraction, and 'Z', "+hh:mm",
/// "+hhmm" or nothing (UTC). nullopt when it is none of these.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

}  // namespace cardex::server::harvesting
