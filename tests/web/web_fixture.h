#pragma once
// A small index for the web page tests: cards in Norwegian, Sámi and English, a card whose
// markdown is hostile, a private card. Built once per test process.
#include <string>
#include <utility>
#include <vector>

#include "cardex/query/searcher.h"
#include "cardex/server/handler.h"

namespace cardex::test {

/// A Searcher on the web fixture index, one per thread.
query::Searcher& web_searcher();

/// GET `target` through the Handler, with extra request headers.
server::HttpResponse web_get(const std::string& target,
                             std::vector<std::pair<std::string, std::string>> headers = {});

/// The token of the fixture's TokenStore that may read namespace "secretorg".
inline constexpr const char* kSecretToken = "secret-token-1234";

/// A request through a Handler whose TokenStore knows kSecretToken.
server::HttpResponse web_request(const std::string& method, const std::string& target,
                                 std::vector<std::pair<std::string, std::string>> headers,
                                 std::string body = {});

/// Number of non-overlapping occurrences of `needle` in `hay`.
std::size_t count_of(const std::string& hay, const std::string& needle);

}  // namespace cardex::test
