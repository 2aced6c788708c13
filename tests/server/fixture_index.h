#pragma once
// A small index of hand-made cards (models, a dataset, a Space, a private model), built once
// per test process, and helpers to call the Handler on it.
#include <memory>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "cardex/query/searcher.h"
#include "cardex/server/handler.h"

namespace cardex::test {

/// Directory of the fixture index (built on first call, removed at exit).
const std::string& fixture_index_dir();

/// A Searcher on the fixture index, one per thread.
query::Searcher& fixture_searcher();

/// GET `target` through a Handler with `config`.
/// `config` with a 60 s request deadline when it has the default one (tests check answers,
/// not speed; limits_test.cpp tests the deadline).
server::HandlerConfig patient(server::HandlerConfig config);

server::HttpResponse get(const std::string& target, const server::HandlerConfig& config = {});

/// Tokens of fixture_tokens(): one reading namespace "acme" (the private model's), one
/// reading "other" and "google" (no private cards), and an admin.
inline constexpr std::string_view kAcmeToken = "acme-reader-token";
inline constexpr std::string_view kOtherToken = "other-reader-token";
inline constexpr std::string_view kAdminToken = "admin-token-0123";

/// A TokenStore with the three tokens above.
std::shared_ptr<const server::TokenStore> fixture_tokens();

/// `method target` with `Authorization: Bearer token` (none if empty) through a Handler with
/// `config`.
server::HttpResponse request(const std::string& method, const std::string& target,
                             const std::string& token, const server::HandlerConfig& config,
                             const std::string& body = {});

/// Parses a response body as JSON (fails the test if it is not).
boost::json::value body_json(const server::HttpResponse& res);

}  // namespace cardex::test
