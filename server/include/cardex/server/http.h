#pragma once
// HTTP requests and responses as plain values: what the Beast server (server.h) parses a
// request into and writes a response from, and what Handler (handler.h) and its endpoints
// take and return. No sockets, no Beast types. Copy and move them freely; one object is not
// synchronized (use it from one thread at a time).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cardex::server {

struct HttpRequest {
    std::string method;  ///< "GET", "HEAD", ...
    std::string target;  ///< origin-form request-target: path + "?" + query
    /// Header fields as received (names in any case). Never logged.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string host;  ///< the Host header (authority), used for absolute Link URLs
};

struct HttpResponse {
    int status = 200;
    std::string content_type;
    std::string body;
    /// Extra header fields (Link, X-Error-Code, Allow, ...). Content-Type and
    /// Content-Length are set by the server from the fields above.
    std::vector<std::pair<std::string, std::string>> headers;
    /// The route template that answered ("/api/models/{id}"), for metrics and the access
    /// log; never the raw path. Empty: "other".
    std::string route;

    /// The value of an extra header (case-insensitive name), or "" if absent.
    std::string header(std::string_view name) const;
};

}  // namespace cardex::server
