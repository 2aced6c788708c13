#pragma once
// A small index of hand-made cards (models, a dataset, a Space, a private model), built once
// per test process, and helpers to call the Handler on it.
#include <string>

#include <boost/json.hpp>

#include "cardex/query/searcher.h"
#include "cardex/server/handler.h"

namespace cardex::test {

/// Directory of the fixture index (built on first call, removed at exit).
const std::string& fixture_index_dir();

/// A Searcher on the fixture index, one per thread.
query::Searcher& fixture_searcher();

/// GET `target` through a Handler with `config`.
server::HttpResponse get(const std::string& target, const server::HandlerConfig& config = {});

/// Parses a response body as JSON (fails the test if it is not).
boost::json::value body_json(const server::HttpResponse& res);

}  // namespace cardex::test
