#pragma once
// Term frequencies for building one query, each asked of the database once.
#include <xapian.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace cardex::query {

class TermSets;

/// Borrows `db`, which must outlive it; one per query, on the thread that builds it.
///
/// Why: query building asks for the frequency of many terms (a query word's stem in every
/// stem language, each language's facet term). On a local database each lookup is a B-tree
/// seek. Over remote shards (sharded.h) each Database::get_termfreq is a round trip to
/// every shard in turn: one word cost 210 messages before this class. With `batch`,
/// prefetch() asks for many terms in one match of no documents, whose term statistics every
/// shard sends together (Xapian's remote protocol gathers a query's statistics from all
/// shards before matching), so a batch costs about two round trips whatever its size.
class TermFreqs {
  public:
    /// `revision`, if set, is the revision's term caches of `db` (a local database): their
    /// frequencies are remembered from query to query.
    TermFreqs(const Xapian::Database& db, bool batch, TermSets* revision = nullptr)
        : db_(db), batch_(batch), revision_(revision) {}

    /// The number of documents holding `term` (0 for ""), exact. Cost: nothing when known,
    /// else one lookup.
    Xapian::doccount get(const std::string& term);

    /// Learns the frequencies of `terms` at once when batching (else does nothing: get()
    /// is as cheap). Cost: one match over the OR of the terms not yet known, none of whose
    /// documents is read.
    void prefetch(const std::vector<std::string>& terms);

  private:
    const Xapian::Database& db_;
    bool batch_;
    TermSets* revision_;
    std::unordered_map<std::string, Xapian::doccount> known_;
};

}  // namespace cardex::query
