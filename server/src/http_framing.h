#pragma once
// How the server reads a request off the wire, shared by the sessions in server.cpp and the
// HTTP fuzz target (tests/fuzz), so the fuzzer parses exactly as the server does. Private to
// cardex_server.
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

/// Why a request whose header `parser` has just read must be refused with 400 (a static
/// sentence), or an empty view when its framing is acceptable. Checks Beast 1.81 does not
/// make (fixed only in Beast v361): anything that lets a proxy and us disagree on where the
/// request ends. Cost: a few header lookups.
std::string_view framing_error(const RequestParser& parser);

}  // namespace cardex::server
