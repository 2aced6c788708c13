#pragma once
// cardex::harvest: keeps an index a faithful mirror of a Hub-compatible server (the Hugging
// Face Hub, or another `cardex serve`), as `cardex harvest` runs it.
//
// For each card type it lists /api/{models,datasets,spaces} sorted by lastModified (newest
// first), with `expand=` naming every property a mirror keeps, and follows `Link:
// rel="next"`; it fetches each card's README.md through /{id}/resolve/main/README.md
// (/datasets/{id}/..., /spaces/{id}/...) with `concurrency` keep-alive connections; it turns
// each item and its README into the card `cardex reindex` would make of them
// (ingest/hub_listing.h) and upserts one listing page per committed batch. After each
// batch it writes a checkpoint (`state_file`, atomically), so a harvest stopped anywhere
// (Ctrl-C, kill -9, a lost connection) resumes after the last committed page: nothing is
// lost, and a page fetched twice is upserted twice, by id, so nothing is duplicated.
//
// A full pass (the first harvest, or one without a high-water mark) ends with the index
// renumbered in downloads order (index::renumber_index), so listings tie-break as after a
// reindex. A full pass that read every page and had no card fail also deletes from the
// mirror the cards of its type the origin did not list, each once the origin confirms it
// gone (its repository info answers RepoNotFound); a partial, failed or --since pass never
// deletes. An origin that answers 400 to the expand= listing is listed with
// `full=true&cardData=true` instead (and said so in the summary). A complete pass records the
// newest lastModified it listed (the high-water mark): the next harvest without `since` lists only
// what changed after it and stops paging there.
//
// Requests have a deadline each; connection errors, 429 and 5xx are retried with
// exponential backoff and jitter, waiting what Retry-After (or RateLimit) asks. A README that
// cannot be had (a 4xx, or retries run out) fails that card only: it is reported with its id
// and why, remembered in the state, and tried again first by the next harvest. An item that
// cannot become a card is reported with its page and position and skipped. A listing page
// that cannot be had or read stops the harvest (it resumes there).
//
// Threads: harvest() blocks; it runs `concurrency` threads of its own and calls on_event
// from any of them, one call at a time.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/index/result.h"

namespace cardex::server {

struct HarvestEvent {
    enum class Kind {
        Batch,     ///< a page committed: "committed batch N: ..."
        Failed,    ///< a card not harvested (its README): id and why
        Rejected,  ///< a listing item that cannot become a card: source, reason and message
        Retry,     ///< a request is tried again after a wait
        Note,      ///< what the harvest does (creating the index, resuming, renumbering)
    };
    Kind kind = Kind::Note;
    index::CardType type = index::CardType::Model;
    std::string id;       ///< the card's id (Failed, and Rejected when it is known)
    std::string message;  ///< one line for people; never holds the token
};

struct HarvestOptions {
    /// Base URL of the server: "https://huggingface.co", "http://127.0.0.1:8080" (a path
    /// after the host is kept as the prefix of every request).
    std::string origin;
    std::string index;       ///< the mirror's index directory; created when there is none
    std::string state_file;  ///< "" is INDEX/harvest-state.json
    std::vector<index::CardType> types{
        index::CardType::Model, index::CardType::Dataset, index::CardType::Space};
    /// ISO 8601: harvest only cards whose lastModified is after it. "" is the high-water
    /// mark of the last complete pass of each type, or everything when there is none.
    std::string since;
    std::string token;         ///< sent as `Authorization: Bearer` to the origin only; never logged
    std::string ca_file;       ///< PEM certificates to check https peers with; "" the system's
    unsigned concurrency = 4;  ///< README downloads at once
    std::size_t page_size = 100;               ///< items per listing page, one committed batch each
    std::chrono::milliseconds timeout{60000};  ///< per request
    unsigned retries = 6;                      ///< attempts after the first, per request
    std::chrono::milliseconds backoff{500};    ///< the first retry's wait, doubled each time
    /// The longest wait between attempts; a Retry-After longer than this fails the request.
    std::chrono::milliseconds max_backoff{60000};
    std::string tables;          ///< vocabulary of an index created here ("": the default tables)
    bool wait_for_lock = false;  ///< wait for another writer of the index instead of failing
    /// Set (by a signal handler) to stop: the batch in flight is dropped, nothing after the
    /// last checkpoint is committed. Not owned; may be null.
    const std::atomic<bool>* stop = nullptr;
    std::function<void(const HarvestEvent&)> on_event;  ///< may be empty
};

struct HarvestSummary {
    std::size_t listed = 0;     ///< listing items read
    std::size_t fetched = 0;    ///< READMEs downloaded
    std::size_t no_readme = 0;  ///< repositories without a README.md (404 EntryNotFound)
    std::size_t upserted = 0;   ///< cards committed to the index
    std::size_t repaired = 0;   ///< of them, cards ingest repaired with a warning
    std::size_t failed = 0;     ///< cards not harvested: READMEs not had, items rejected
    std::size_t retried = 0;    ///< requests repeated after a transient failure
    std::size_t batches = 0;
    std::size_t pending = 0;   ///< cards the state remembers as failed, for the next harvest
    std::size_t deleted = 0;   ///< cards a complete full pass found gone from the origin
    /// How the origin was listed: "expand" (expand= keys), or "full=true&cardData=true" for
    /// an origin that answered 400 to expand.
    std::string listing_form = "expand";
    bool interrupted = false;  ///< `stop` was set: resume by running it again
    bool renumbered = false;
    double seconds = 0;
};

/// Runs a harvest. Errors (the index and the checkpoint stay as the last batch left them):
/// InvalidArgument (a bad origin, since or CA file; a state file of another origin),
/// Unavailable (another writer holds the index; the origin could not be reached or a listing
/// page not had after the retries), FailedPrecondition (TLS verification, an unknown host),
/// Internal (the index or the state could not be written).
Result<HarvestSummary> harvest(const HarvestOptions& options);

}  // namespace cardex::server
