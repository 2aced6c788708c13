#pragma once
// Searching remote shards as one index (index/shards.h, docs/SCALE.md "Shards"). Private to
// query/.
//
// Xapian's remote backend merges the ranking of several `xapian-tcpsrv` shards with global
// BM25 statistics, and serializes to them only what their registry knows: built-in weights,
// posting sources, sorters and match spies. So a search over shards is the exhaustive plan
// written with those alone: the ranked query with its filters as boolean terms and the
// prior as ValueWeightPostingSource (no columns, no posting source of ours), pruned to its
// page; exact totals from a boolean counting query; facet counts by ValueCountMatchSpy over
// the shard slots (schema.h), counted on the shards, one more get_mset per filtered facet
// for its disjunctive counts; ties broken by downloads then id where one index breaks them
// by docid (the shard order slots); a listing by downloads read from each shard's first
// cards when their docids are in downloads order. The answer equals a single index's over
// the same cards (tests/shards/shards_test.sh). docs/SCALE.md "Shards" says why each part.
#include <string_view>
#include <vector>

#include <xapian.h>

#include "budget.h"
#include "cardex/index/result.h"
#include "cardex/index/shards.h"
#include "cardex/query/request.h"
#include "cardex/query/response.h"
#include "lexicon.h"
#include "query_builder.h"

namespace cardex::query {

/// The shards, joined as one database and one by one.
struct ShardSet {
    Xapian::Database all;                ///< every shard, in order
    std::vector<Xapian::Database> each;  ///< shard i alone (shares all's connection to it)
    /// Every shard's docids are in downloads order (kMetaDocidOrder: reindexed, no upsert
    /// since), so a listing by downloads reads each shard's first matches.
    bool downloads_order = false;
};

/// The shards (Xapian::Remote::open each, in order), each with the process's shard timeout
/// (Searcher::set_shard_timeout): a shard that does not answer within it fails the request
/// (NetworkTimeoutError) rather than hang it. Throws Xapian::NetworkError when a shard
/// cannot be reached.
ShardSet open_shards(const std::vector<index::RemoteShard>& shards);

/// One search over `shards` (see above); `db` is shards.all. `req` is the request as the
/// index's vocabulary read it. Xapian errors propagate (the Searcher's retry handles them).
Result<SearchResponse> search_shards(const ShardSet& shards,
                                     Xapian::Database& db,
                                     const SearchRequest& req,
                                     const Lexicon& lexicon,
                                     BudgetCheck& budget,
                                     const TextPass& pass,
                                     bool& typo_held_back);

/// What is built on `model_id` over the shards: the same counts as a single index's model
/// tree (lineage.h), walked one generation per query, each counting the children's order
/// keys with a match spy on the shards. Cost: at most kLineageDepth + 1 remote queries.
DerivedCounts derived_over_shards(const Xapian::Database& db, std::string_view model_id);

}  // namespace cardex::query
