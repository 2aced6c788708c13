// SQLite FTS5 baseline for cardex_bench_macro. See macro_sql.h.
#include "macro_sql.h"

#include <cstdio>
#include <string>

namespace cardex::bench {

namespace {

// A statement that finalizes itself.
struct Stmt {
    sqlite3_stmt* s = nullptr;
    Stmt(sqlite3* db, const std::string& sql) {
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
            std::fprintf(stderr, "sqlite: %s in %s\n", sqlite3_errmsg(db), sql.c_str());
            s = nullptr;
        }
    }
    ~Stmt() { sqlite3_finalize(s); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
};

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

std::string fts_query(const std::vector<std::string>& words, bool phrase) {
    // Every word quoted, so FTS5 syntax characters in them cannot matter; implicit AND.
    if (phrase) return "\"" + join(words, " ") + "\"";
    std::string q;
    for (const auto& w : words) q += (q.empty() ? "\"" : " \"") + w + "\"";
    return q;
}

}  // namespace

Fts5::~Fts5() { sqlite3_close(db_); }

bool Fts5::exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::fprintf(stderr, "sqlite: %s in %s\n", err ? err : "?", sql);
        sqlite3_free(err);
        return false;
    }
    return true;
}

bool Fts5::open(const std::string& path) {
    return sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK &&
           exec("PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY;");
}

bool Fts5::build(const std::string& path, const std::vector<index::Card>& cards) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) return false;
    if (!exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;"
              "PRAGMA temp_store=MEMORY;"
              "CREATE VIRTUAL TABLE fts USING fts5(id, title, body, tags, tokenize='porter unicode61');"
              "CREATE TABLE meta(doc INTEGER PRIMARY KEY, id TEXT, title TEXT, downloads INTEGER);"
              "CREATE TABLE facet(facet TEXT, value TEXT, doc INTEGER);"
              "BEGIN;")) {
        return false;
    }
    Stmt ins_fts(db_, "INSERT INTO fts(rowid, id, title, body, tags) VALUES(?,?,?,?,?)");
    Stmt ins_meta(db_, "INSERT INTO meta(doc, id, title, downloads) VALUES(?,?,?,?)");
    Stmt ins_facet(db_, "INSERT INTO facet(facet, value, doc) VALUES(?,?,?)");
    if (!ins_fts.s || !ins_meta.s || !ins_facet.s) return false;
    auto text = [](sqlite3_stmt* s, int i, const std::string& v) {
        sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    };
    auto lower = [](std::string v) {
        for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return v;
    };
    std::int64_t doc = 0;
    for (const auto& c : cards) {
        ++doc;
        sqlite3_bind_int64(ins_fts.s, 1, doc);
        text(ins_fts.s, 2, c.id);
        text(ins_fts.s, 3, c.title);
        text(ins_fts.s, 4, c.body);
        const std::string tags = join(c.tags, " ");
        text(ins_fts.s, 5, tags);
        if (sqlite3_step(ins_fts.s) != SQLITE_DONE) return false;
        sqlite3_reset(ins_fts.s);
        sqlite3_bind_int64(ins_meta.s, 1, doc);
        text(ins_meta.s, 2, c.id);
        text(ins_meta.s, 3, c.title);
        sqlite3_bind_int64(ins_meta.s, 4, c.downloads);
        if (sqlite3_step(ins_meta.s) != SQLITE_DONE) return false;
        sqlite3_reset(ins_meta.s);
        auto add = [&](const char* f, const std::string& v) {
            if (v.empty()) return true;
            const std::string lv = lower(v);
            sqlite3_bind_text(ins_facet.s, 1, f, -1, SQLITE_STATIC);
            text(ins_facet.s, 2, lv);
            sqlite3_bind_int64(ins_facet.s, 3, doc);
            const bool ok = sqlite3_step(ins_facet.s) == SQLITE_DONE;
            sqlite3_reset(ins_facet.s);
            return ok;
        };
        bool ok = add("license", c.license) && add("author", c.author);
        for (const auto& v : c.tasks) ok = ok && add("task", v);
        for (const auto& v : c.languages) ok = ok && add("language", v);
        if (!ok) return false;
    }
    // Column weights: id 10, title 5, body 1, tags 3 (cardex weighs its fields alike).
    return exec("COMMIT;"
                "CREATE INDEX facet_fv ON facet(facet, value, doc);"
                "CREATE INDEX facet_doc ON facet(doc, facet, value);"
                "CREATE INDEX meta_dl ON meta(downloads DESC);"
                "INSERT INTO fts(fts, rank) VALUES('rank', 'bm25(10.0, 5.0, 1.0, 3.0)');"
                "INSERT INTO fts(fts) VALUES('optimize');"
                "ANALYZE;");
}

std::size_t Fts5::run(const std::vector<std::string>& words, bool phrase,
                      const std::vector<std::pair<std::string, std::string>>& filters,
                      bool by_downloads, bool counts, const std::vector<std::string>& count_facets) {
    // The matching set as SQL: FTS5 MATCH, facet filters as IN subqueries.
    std::string where;
    std::vector<std::string> binds;
    const bool text = !words.empty();
    std::string from = text ? "fts JOIN meta ON meta.doc = fts.rowid" : "meta";
    if (text) {
        where = "fts MATCH ?";
        binds.push_back(fts_query(words, phrase));
    }
    for (const auto& [f, v] : filters) {
        where += std::string(where.empty() ? "" : " AND ") +
                 "meta.doc IN (SELECT doc FROM facet WHERE facet = ? AND value = ?)";
        binds.push_back(f);
        binds.push_back(v);
    }
    if (where.empty()) where = "1";
    auto bind_all = [&](sqlite3_stmt* s) {
        for (std::size_t i = 0; i < binds.size(); ++i) {
            sqlite3_bind_text(s, static_cast<int>(i + 1), binds[i].data(),
                              static_cast<int>(binds[i].size()), SQLITE_STATIC);
        }
    };
    std::size_t total = 0;
    if (counts) {
        // Materialize the matches once, then count and facet over them.
        exec("DROP TABLE IF EXISTS temp.m; CREATE TEMP TABLE m(doc INTEGER PRIMARY KEY);");
        Stmt fill(db_, "INSERT INTO temp.m SELECT meta.doc FROM " + from + " WHERE " + where);
        bind_all(fill.s);
        while (sqlite3_step(fill.s) == SQLITE_ROW) {
        }
        Stmt n(db_, "SELECT count(*) FROM temp.m");
        if (sqlite3_step(n.s) == SQLITE_ROW) total = static_cast<std::size_t>(sqlite3_column_int64(n.s, 0));
        for (const auto& f : count_facets) {
            Stmt g(db_, "SELECT value, count(*) AS n FROM facet JOIN temp.m ON facet.doc = m.doc "
                        "WHERE facet = ? GROUP BY value ORDER BY n DESC, value LIMIT 10");
            sqlite3_bind_text(g.s, 1, f.c_str(), -1, SQLITE_STATIC);
            while (sqlite3_step(g.s) == SQLITE_ROW) {
            }
        }
    }
    const std::string order = by_downloads || !text ? "meta.downloads DESC" : "fts.rank";
    Stmt top(db_, "SELECT meta.id, meta.title FROM " + from + " WHERE " + where + " ORDER BY " +
                      order + " LIMIT 20");
    bind_all(top.s);
    std::size_t hits = 0;
    while (sqlite3_step(top.s) == SQLITE_ROW) {
        ++hits;
        (void)sqlite3_column_text(top.s, 0);
        (void)sqlite3_column_text(top.s, 1);
    }
    return counts ? total : hits;
}

}  // namespace cardex::bench
