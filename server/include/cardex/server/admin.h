#pragma once
// cardex::server admin backend: what the admin endpoints call to change the index.
//
// Why a callback: writing cards means parsing them (cardex::ingest), and the server library
// depends only on query and index (ARCHITECTURE.md: index <- query <- server). The `cardex`
// executable, which links ingest, builds an AdminBackend and puts it in HandlerConfig; the
// server library only checks the admin token, shapes the request and renders the result.
// Without a backend the admin endpoints answer 501.
//
// Endpoints (every one needs an admin token; see auth.h):
//   POST   /api/admin/cards                 body: JSON Lines of cards -> Upsert
//   DELETE /api/admin/cards/{type}/{id}     -> Delete of one card
//   POST   /api/admin/delete                body: JSON Lines of {"type","id"} -> Delete
//   POST   /api/admin/reindex               -> Reindex (starts a rebuild, answers 202)
//   GET    /api/admin/reindex               -> ReindexStatus
//
// Thread-safety: the backend is called from any server thread, possibly concurrently; it
// must serialize writes itself (IndexWriter's lock already makes a second writer fail with
// Unavailable, which the server answers 503). Errors map through the usual Errc table:
// InvalidArgument 400, Unavailable 503 (writer busy), NotFound 404, FailedPrecondition 503.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/index/result.h"
#include "cardex/index/writer.h"

namespace cardex::server {

enum class AdminOp { Upsert, Delete, Reindex, ReindexStatus };

struct AdminRequest {
    AdminOp op = AdminOp::Upsert;
    std::string body;                   ///< Upsert: JSON Lines of cards, as POSTed
    std::vector<index::CardKey> keys;   ///< Delete: the cards to remove
};

/// One record the backend refused, by its position in the body.
struct AdminRejection {
    std::string where;   ///< "line 3"
    std::string reason;  ///< short and stable: "yaml", "missing-id", ...
    std::string message;
};

struct AdminResult {
    std::size_t upserted = 0;
    std::size_t deleted = 0;   ///< how many of the keys existed
    std::vector<AdminRejection> rejected;
    std::uint64_t revision = 0;  ///< index revision after the commit
    /// Reindex: whether a rebuild is running (also after starting one), and a sentence on
    /// the last one ("reindexed 1234 cards", "failed: ...").
    bool reindex_running = false;
    std::string message;
};

using AdminBackend = std::function<Result<AdminResult>(const AdminRequest&)>;

}  // namespace cardex::server
