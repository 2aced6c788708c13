#pragma once
// Read replicas: an index directory kept by Xapian's replication (`xapian-replicate`, driven
// by `cardex follow`) instead of by our writers.
//
// Layout of a follower DIR (Xapian's, not ours): DIR/XAPIANDB is the stub Xapian's
// DatabaseReplica writes ("# ..." comment lines, then "auto replica_0" or "auto replica_1"),
// naming the live copy of the primary's public database; the other replica_N is a full copy
// under way. read_stub() skips the comments, so a follower's live "generation" is
// DIR/replica_N and open_live() opens it as an unpinned generation (xapian-replicate swaps
// the stub only once a copy is complete, then deletes the old copy; a reader that lost the
// race starts again from the stub). Private databases are not replicated: a follower holds
// the public cards only. DIR/follow.status is the follower's status (ReplicaStatus), written
// by `cardex follow` and read by `cardex serve` for /readyz.
//
// Thread-safety: free functions on files; safe from any thread.
#include <cstdint>
#include <string>

#include "cardex/index/result.h"

namespace cardex::index {

/// Name of the follower's status file in its index directory.
inline constexpr const char* kReplicaStatusFile = "follow.status";

/// Whether `dir` is a read replica: its stub names one of Xapian's replica copies
/// ("replica_N"). Writers refuse such a directory (WriterLock). Cost: one small file read.
bool is_replica(const std::string& dir);

/// What `cardex follow` last saw. Times are Unix seconds; 0 is "never".
struct ReplicaStatus {
    std::string primary;                ///< HOST:PORT of xapian-replicate-server
    std::string master;                 ///< the database name asked of it
    std::int64_t interval_seconds = 0;  ///< between syncs when all is well
    std::int64_t last_attempt = 0;      ///< when the last sync ended (either way)
    std::int64_t last_success = 0;      ///< when the last sync succeeded
    std::string uuid;                   ///< the live copy's uuid (the primary generation's)
    /// The live copy's revision: a sync brings every revision the primary has, so this is
    /// the primary's at `last_success`; its later revisions are unknown here.
    std::uint64_t revision = 0;
    std::uint64_t full_copies = 0;  ///< full copies received since `cardex follow` began
    std::uint64_t changesets = 0;   ///< changesets applied since then
    std::uint64_t failures = 0;     ///< failed syncs in a row (0 after a success)
    std::string last_error;         ///< of the last failed sync, kept after a success
};

/// Writes DIR/follow.status atomically (a temporary file renamed over it): a reader sees
/// the old status or the new one. Errors: Internal (cannot write).
Status write_replica_status(const std::string& dir, const ReplicaStatus& status);
/// Reads DIR/follow.status. NotFound when there is none (not a follower, or never written);
/// InvalidArgument when a line cannot be read (names the line).
Result<ReplicaStatus> read_replica_status(const std::string& dir);

}  // namespace cardex::index
