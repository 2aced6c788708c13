#pragma once
// cardex::query::Searcher — the embedded search API over one index directory.
//
// Ownership: a Searcher owns its open index (a Xapian database, a pin on its generation) and
// nothing else. Thread-safety: none; use one Searcher per thread (they are cheap to open: a
// few file opens); it may be destroyed on any thread. Each call first moves to the newest
// revision, or to the new generation after a reindex, and then answers entirely from that
// one snapshot; if a writer's commits invalidate the snapshot mid-call, the whole call re-runs
// on a fresh one (bounded; see ARCHITECTURE.md, "Readers and writers"). A generation a
// Searcher holds is never deleted under it.
// Errors: InvalidArgument (bad query, facet, sort, cursor or range; the error's detail holds
// the offending fragment), NotFound (no index, unknown id), FailedPrecondition (index of
// another format version), Unavailable (index changing under us after retries), Internal.
// No exception escapes this API.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/index/result.h"
#include "cardex/query/request.h"
#include "cardex/query/response.h"

namespace cardex::query {

struct IndexInfo {
    std::uint64_t cards = 0;     ///< public cards
    std::uint64_t revision = 0;  ///< of the public database
    std::string generation;
    /// With info(true): private cards, and the namespaces that have some.
    std::uint64_t private_cards = 0;
    std::uint64_t private_namespaces = 0;
    /// False while the generation served has not been warmed in a process that holds
    /// generations until warm (hold_generations_until_warm): a server is not ready then.
    bool warm = true;
};

struct WarmStats {
    std::string generation;  ///< the generation warmed
    double ms = 0;           ///< how long building took, words included
    /// The most frequent words whose postings were decoded for the searches that hold them
    /// (term bitmaps and the ranking's cached postings), their bytes and the time it took.
    std::size_t words = 0;
    std::size_t word_bytes = 0;
    double words_ms = 0;
};

class Searcher {
public:
    /// Opens the index at `dir`. Cost: opening the database files.
    static Result<Searcher> open(const std::string& dir);

    Searcher(Searcher&&) noexcept;
    Searcher& operator=(Searcher&&) noexcept;
    ~Searcher();

    /// Runs a search. Cost: O(matches) when exact totals or facet counts are needed, else
    /// roughly O(page) for downloads order and O(postings) for relevance.
    Result<SearchResponse> search(const SearchRequest& request);

    /// One card by exact id (and type), with its markdown body. Private cards are NotFound
    /// unless the caller may see them.
    Result<index::Card> get(index::CardType type,
                            const std::string& id,
                            const std::vector<std::string>& private_namespaces = {},
                            bool all_private = false);

    /// Cards similar to one card (more like this), best first.
    Result<std::vector<Hit>> similar(index::CardType type,
                                     const std::string& id,
                                     std::size_t limit = 10,
                                     const std::vector<std::string>& private_namespaces = {},
                                     bool all_private = false);

    /// What is built on the model `model_id` (case-insensitive, as base_model filters are):
    /// counts over the model cards the caller may see, whether or not a card of that id
    /// exists (a base model may be named without being indexed). Cost: a lookup; once per
    /// snapshot (and in warm()) the whole model tree, O(model cards naming a base model ×
    /// depth) at worst.
    Result<DerivedCounts> derived(const std::string& model_id,
                                  const std::vector<std::string>& private_namespaces = {},
                                  bool all_private = false);

    /// Deletion records (index/history.h) after the record key `after` ("" from the first),
    /// reading at most `max_scan` of them; private cards' records only for callers who may
    /// see them. Cost: O(max_scan) metadata reads.
    Result<DeletedScan> deleted(const std::string& after,
                                std::size_t max_scan,
                                const std::vector<std::string>& private_namespaces = {},
                                bool all_private = false);

    /// The deletion record of one card, if it was deleted (or dropped by a reindex) and has
    /// not come back; nullopt too for a private card the caller may not see.
    Result<std::optional<index::Tombstone>> deleted_card(
        index::CardType type,
        const std::string& id,
        const std::vector<std::string>& private_namespaces = {},
        bool all_private = false);

    /// Size and revision of the open index (after checking for a newer one); with
    /// `count_private`, also its private cards (cost: opening each namespace's database).
    Result<IndexInfo> info(bool count_private = false);

    /// The vocabulary of the open index (after checking for a newer one): what its cards
    /// were normalized with, for display names. Immutable; cost: a lookup, or parsing the
    /// stored tables once per generation and process.
    Result<std::shared_ptr<const index::Vocabulary>> vocabulary();

    /// The budget of every following call that does not carry its own (SearchRequest::budget
    /// unset): a server sets it per request, so the deadline reaches every search the request
    /// makes. Reset with `{}`. Cost: none.
    void set_call_budget(const Budget& budget) noexcept;

    /// For servers: from now on, Searchers of `dir` in this process move to a newer generation
    /// (a reindex's swap) only after warm() has run on it, and keep serving the one they have
    /// open until then; a Searcher that has none opens the newest. Thread-safe; cost: none.
    static void hold_generations_until_warm(const std::string& dir);

    /// Builds what searches of the newest generation read besides Xapian's own files (every
    /// facet column and its kept counts, the prior column, sort orders, the model tree of
    /// derived counts, the vocabulary, and the term bitmaps and cached postings of its most
    /// frequent words, up to half of those caches), kept for as long as this Searcher stays
    /// on it, and marks the generation warm (see above). Cost: O(cards × facets) plus the
    /// words' postings, about 10 s at 1M cards: run it on a thread of its own.
    Result<WarmStats> warm();

    /// Over remote shards (index/shards.h): how long a shard may take to connect or to
    /// answer before the call fails with Unavailable (a server sets its request deadline).
    /// Applies to connections made from now on (a Searcher reconnects every 2 s).
    /// Thread-safe; default 5 s.
    static void set_shard_timeout(std::chrono::milliseconds timeout) noexcept;

    /// How many times a call re-ran on a fresh snapshot because a writer's commits
    /// invalidated the one it was reading (Xapian's DatabaseModifiedError). For metrics.
    std::uint64_t retried() const noexcept;

private:
    struct Impl;
    explicit Searcher(std::unique_ptr<Impl> impl);
    Result<SearchResponse> search_flat(const SearchRequest& request);  // no child facets
    std::unique_ptr<Impl> impl_;
};

}  // namespace cardex::query
