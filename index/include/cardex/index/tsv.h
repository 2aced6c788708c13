#pragma once
// The one reader of cardex's tab-separated tables: the vocabulary (data/tables), the web
// page's message files, the judged queries and the synthetic corpus profile.
//
// Format: UTF-8 text, one row per line, fields separated by tabs; lines starting with '#'
// and empty lines are skipped; a CR before the LF is dropped. Rows are views into the text:
// they live as long as the text does. Stateless: call from any thread.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/result.h"

namespace cardex::index {

/// One data row of a table.
struct TsvRow {
    std::size_t line = 0;                  ///< 1-based line number in the text, for messages
    std::vector<std::string_view> fields;  ///< tab-separated fields, views into the text

    std::size_t size() const noexcept { return fields.size(); }
    /// Field `i`, or "" past the last one (missing trailing fields are empty).
    std::string_view operator[](std::size_t i) const noexcept {
        return i < fields.size() ? fields[i] : std::string_view();
    }
};

/// Calls `fn(const TsvRow&)` for each data row of `text`, in order. Cost: linear in the text.
template <class Fn>
void for_each_tsv_row(std::string_view text, Fn&& fn) {
    TsvRow row;
    while (!text.empty()) {
        ++row.line;
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        row.fields.clear();
        while (true) {
            const auto tab = line.find('\t');
            row.fields.push_back(line.substr(0, tab));
            if (tab == std::string_view::npos) break;
            line.remove_prefix(tab + 1);
        }
        fn(static_cast<const TsvRow&>(row));
    }
}

/// The whole contents of a file. NotFound naming the path when it cannot be read.
Result<std::string> read_text_file(const std::string& path);

}  // namespace cardex::index
