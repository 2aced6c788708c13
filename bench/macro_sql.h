#pragma once
// The SQLite FTS5 side of cardex_bench_macro: the best plain use of FTS5 we know for a
// faceted card search (see macro.cpp's header comment for the schema).
#include <sqlite3.h>

#include <string>
#include <utility>
#include <vector>

#include "cardex/index/card.h"

namespace cardex::bench {

class Fts5 {
public:
    Fts5() = default;
    ~Fts5();
    Fts5(const Fts5&) = delete;
    Fts5& operator=(const Fts5&) = delete;

    /// Creates the database at `path` from `cards` in one transaction, then optimizes.
    bool build(const std::string& path, const std::vector<index::Card>& cards);
    /// Opens a database an earlier build() left at `path` (the harness's --reuse mode).
    bool open(const std::string& path);
    /// Runs one query: top 20 (bm25, or downloads for filter-only listings), the ids and
    /// titles of the hits fetched like a result page, and with `counts` the exact total and
    /// the top 10 values of each facet in `count_facets`. Returns the total (or hits).
    std::size_t run(const std::vector<std::string>& words, bool phrase,
                    const std::vector<std::pair<std::string, std::string>>& filters,
                    bool by_downloads, bool counts, const std::vector<std::string>& count_facets);

private:
    bool exec(const char* sql);
    sqlite3* db_ = nullptr;
};

}  // namespace cardex::bench
