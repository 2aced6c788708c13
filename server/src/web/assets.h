#pragma once
// The web UI's files, embedded into the executable at build time (server/web/embed.cmake):
// static assets under "static/" and message files under "messages/". (Display names of
// facet values come from the vocabulary of the index being served.) Private to
// cardex_server.
#include <string_view>
#include <vector>

namespace cardex::server::web {

struct EmbeddedFile {
    std::string_view name;  ///< "static/app.css", "messages/nb.tsv"
    std::string_view data;
};

/// Every embedded file (generated source). Static storage: views stay valid for the process.
const std::vector<EmbeddedFile>& embedded_files();

/// The contents of embedded file `name`, or an empty view if there is none.
std::string_view embedded(std::string_view name) noexcept;

/// A short content hash of static asset `name` ("static/app.css"), for cache-busting URLs.
std::string_view asset_version(std::string_view name) noexcept;

}  // namespace cardex::server::web
