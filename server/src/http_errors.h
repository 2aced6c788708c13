#pragma once
// Errc -> HTTP status and error responses. The only place HTTP status codes meet module
// errors (ARCHITECTURE.md: HTTP status codes only in server/). Private to cardex_server.
#include <string_view>

#include "cardex/index/result.h"
#include "cardex/server/handler.h"

namespace cardex::server {

struct HttpError {
    int status;
    std::string_view code;  ///< X-Error-Code value, CamelCase like the Hub's ("NotFound")
};

/// The one Errc -> HTTP table.
HttpError http_error(Errc code) noexcept;

/// A Hub-shaped error: body {"error": message, "code": errc_name, "detail"?: ...}, headers
/// X-Error-Code and X-Error-Message (made header-safe: printable ASCII, at most 512 bytes).
HttpResponse error_response(int status, std::string_view code, std::string_view message,
                            std::string_view detail = {});
/// The same for a module error, through the table.
HttpResponse error_response(const Error& error);

/// The "repo not found" answer: 401 for an anonymous caller, 404 for one with a token (the
/// Hub's rule). Identical bytes for a missing and a private repo, so ids of private repos
/// cannot be probed (docs/HUB-API.md §9).
HttpResponse repo_not_found(bool anonymous);

/// 401 for an Authorization header that names no configured token, with
/// `WWW-Authenticate: Bearer`. The token is never echoed.
HttpResponse invalid_credentials();

}  // namespace cardex::server
