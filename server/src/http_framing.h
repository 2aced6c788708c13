#pragma once
// How the server reads a request off the wire, shared by the sessions in server.cpp and the
// HTTP fuzz target (tests/fuzz), so the fuzzer parses exactly as the server does. Private to
// cardex_server.
#include <cstddef>
#include <string_view>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "cardex/server/server.h"

namespace cardex::server {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

/// Sets the limits of a fresh parser from `options`: the header limit (over it: 431), and
/// the largest body any route accepts (the admin limit; on_header narrows it per route,
/// because Beast checks Content-Length while parsing the header, before the route is known).
void configure_parser(RequestParser& parser, const ServeOptions& options);

/// Why a request whose header `parser` has just read must be refused: `status` 400 (or 501
/// for a transfer coding other than chunked) and a static sentence; status 0 when its
/// framing is acceptable. Checks Beast 1.81 does not make (fixed only in Beast v361):
/// anything that lets a proxy and us disagree on where the request ends. Cost: a few header
/// lookups.
struct FramingError {
    int status = 0;
    std::string_view message;
};
FramingError framing_error(const RequestParser& parser);

/// Bytes of the chunked trailer fields Beast 1.81 merged into the message after its first
/// `header_fields` fields (the header as read). The server refuses more than
/// kMaxTrailerBytes: trailers are not counted against the header limit.
std::size_t trailer_bytes(const RequestParser& parser, std::size_t header_fields);
inline constexpr std::size_t kMaxTrailerBytes = 1024;

}  // namespace cardex::server
