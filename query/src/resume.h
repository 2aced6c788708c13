#pragma once
// Where a page resumes (private to query/): a request's cursor checked against the request
// and the open index, and the next relevance page found again in a window of the ranking.
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include <xapian.h>

#include "cardex/index/result.h"
#include "cardex/query/request.h"
#include "proximity.h"

namespace cardex::query {

// Where the previous page ended, for this request (see cursor.h).
struct After {
    double value = 0;
    std::uint32_t docid = 0;
    std::uint32_t next = 0;
    std::uint64_t position = 0;
};

/// The point after which `req`'s page starts (nullopt: no cursor); InvalidArgument for a
/// cursor of another query or sort, or of an index rebuilt since. Cost: decoding the cursor.
Result<std::optional<After>> resume_point(const SearchRequest& req,
                                          Sort effective,
                                          const Xapian::Database& db);

/// Relevance: the next page after `after`, from a window of the ranking around the position
/// where the previous page ended. It starts at the hit that was to come next if that is in
/// the window; else right after the previous page's last hit; else (both deleted, or moved
/// far) after its weight. Cost: one or two get_mset calls of about limit + 128 hits.
/// `decider`, if any, is given to every get_mset (phrases.h: PhraseDecider). `rescore`, if
/// any, is the second stage (proximity.h): a window reaching into the top kProximityWindow
/// is read from rank 0 and the rescore applied to it, so positions count in the rescored
/// order the first page was cut from.
void relevance_after(Xapian::Enquire& enquire,
                     const After& after,
                     std::size_t limit,
                     Ranked& page,
                     std::uint64_t& position,
                     const Xapian::MatchDecider* decider = nullptr,
                     const std::function<void(Ranked&)>* rescore = nullptr);

}  // namespace cardex::query
