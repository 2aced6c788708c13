#pragma once
// The OpenAPI document of the native API (server/openapi.json), embedded at build time by
// embed_openapi.cmake so the served document is always the one in the repository.
// Private to cardex_server.
#include <string_view>

namespace cardex::server {

/// The document's bytes (static storage).
std::string_view openapi_json() noexcept;

}  // namespace cardex::server
