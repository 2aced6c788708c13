#pragma once
// Sharded indexes (docs/SCALE.md, "Shards"): what `cardex reindex --shards K` writes and what
// a search over remote shards opens.
//
// A sharded index DIR holds DIR/SHARDS ("cardex-shards K") and K complete index directories
// DIR/shard-000 ... (store.h: each with its own stub, generations and writer lock), shard i
// holding the cards shard_of(type, id, K) == i (schema.h), numbered in downloads order within
// the shard, with the shard slots. Each shard is served by Xapian's remote server
// (`xapian-tcpsrv DIR/shard-000`), which has no authentication: bind it to loopback or reach
// it over ssh.
//
// A deployment that searches remote shards is a directory whose XAPIANDB stub lists them,
// one `remote HOST:PORT` line each, in shard order (Xapian's own stub syntax for the remote
// backend): Searcher::open (query/) searches such a directory as one index.
//
// Thread-safety: free functions, no shared state. Errors: Result/Status, never exceptions.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/result.h"

namespace cardex::index {

/// The file naming a sharded index and its shard count.
inline constexpr std::string_view kShardsFile = "SHARDS";

/// DIR/shard-NNN, the directory of shard `shard` (zero-based).
std::string shard_dir(const std::string& dir, std::size_t shard);

/// The shard count of the sharded index DIR; 0 when DIR has no SHARDS file (a single index,
/// or nothing yet). DataLoss when the file does not read "cardex-shards K" with 1 <= K <= 1024.
Result<std::size_t> shard_count(const std::string& dir);

/// Writes DIR/SHARDS for `shards` shards, atomically (a temporary file renamed into place).
Status write_shard_count(const std::string& dir, std::size_t shards);

/// The typo dictionary (typo.h) of the cards of all `staged` shard databases (paths of
/// staged generations, GenerationBuild::stage), written into each: a search over the shards
/// reads metadata from the first database only (Xapian), and must correct words by what
/// the whole index holds. Cost: one scan of every shard's spelling terms, then one commit
/// per shard.
Status share_typo_dictionary(const std::vector<std::string>& staged);

/// One remote shard: where its `xapian-tcpsrv` listens.
struct RemoteShard {
    std::string host;
    unsigned port = 0;
};

/// The `remote HOST:PORT` lines of DIR/XAPIANDB, in order; empty when the stub names no
/// remote database (a local index). InvalidArgument, naming the line, for a remote line
/// that does not parse or a stub that mixes remote and local databases.
Result<std::vector<RemoteShard>> remote_shards(const std::string& dir);

}  // namespace cardex::index
