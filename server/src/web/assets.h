#pragma once
// The web UI's files, embedded into the executable at build time (server/web/embed.cmake):
// static assets under "static/", message files under "messages/", and the normalization
// tables under "tables/". Private to cardex_server.
#include <string_view>
#include <vector>

namespace cardex::server::web {

struct EmbeddedFile {
    std::string_view name;  ///< "static/app.css", "messages/nb.tsv", "tables/tasks.tsv"
    std::string_view data;
};

/// Every embedded file (generated source). Static storage: views stay valid for the process.
const std::vector<EmbeddedFile>& embedded_files();

/// The contents of embedded file `name`, or an empty view if there is none.
std::string_view embedded(std::string_view name) noexcept;

/// A short content hash of static asset `name` ("static/app.css"), for cache-busting URLs.
std::string_view asset_version(std::string_view name) noexcept;

/// Calls `fn(fields)` for each data row of a TSV file (lines starting with '#' and empty
/// lines skipped; fields split on tabs; views into `tsv`).
template <class Fn>
void for_each_tsv_row(std::string_view tsv, Fn&& fn) {
    std::vector<std::string_view> fields;
    while (!tsv.empty()) {
        const auto nl = tsv.find('\n');
        std::string_view line = tsv.substr(0, nl);
        tsv = nl == std::string_view::npos ? std::string_view{} : tsv.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        fields.clear();
        while (true) {
            const auto tab = line.find('\t');
            fields.push_back(line.substr(0, tab));
            if (tab == std::string_view::npos) break;
            line.remove_prefix(tab + 1);
        }
        fn(fields);
    }
}

}  // namespace cardex::server::web
