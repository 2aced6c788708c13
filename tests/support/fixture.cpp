#include "fixture.h"

#include <map>

#include <catch2/catch.hpp>

#include "cardex/index/store.h"

namespace cardex::test {

std::shared_ptr<const index::Vocabulary> vocabulary() {
    static const auto vocab = [] {
        auto loaded = index::Vocabulary::load(tables_dir());
        if (!loaded) FAIL("vocabulary: " << loaded.error().message << " " << loaded.error().detail);
        return std::move(loaded).value();
    }();
    return vocab;
}

index::Card make_card(index::CardType type, std::string id, std::int64_t downloads) {
    index::Card c;
    c.type = type;
    c.id = std::move(id);
    const auto slash = c.id.find('/');
    c.author = slash == std::string::npos ? "" : c.id.substr(0, slash);
    c.name = slash == std::string::npos ? c.id : c.id.substr(slash + 1);
    c.title = c.name;
    c.downloads = downloads;
    c.likes = downloads / 100;
    c.card_data_json = "{}";
    c.source = "fixture";
    return c;
}

std::unique_ptr<TempDir> build_fixture_index(std::vector<index::Card> cards,
                                             bool xapian_positions) {
    auto dir = std::make_unique<TempDir>();
    index::BuildOptions options;
    options.threads = 1;
    options.xapian_positions = xapian_positions;
    options.vocabulary = vocabulary();
    auto built = index::build_index(dir->str(), std::move(cards), options);
    if (!built) FAIL("fixture index: " << built.error().message << " " << built.error().detail);
    return dir;
}

query::Searcher& thread_searcher(const std::string& dir) {
    thread_local std::map<std::string, std::unique_ptr<query::Searcher>> searchers;
    auto& searcher = searchers[dir];
    if (!searcher) {
        auto opened = query::Searcher::open(dir);
        if (!opened) FAIL("open " << dir << ": " << opened.error().message);
        searcher = std::make_unique<query::Searcher>(std::move(opened).value());
    }
    return *searcher;
}

query::SearchResponse search_text(query::Searcher& searcher,
                                  const std::string& text,
                                  bool plain,
                                  bool explain) {
    query::SearchRequest req;
    req.text = text;
    req.plain_bm25 = plain;
    req.explain = explain;
    auto r = searcher.search(req);
    if (!r) FAIL("search " << text << ": " << r.error().message);
    return std::move(r).value();
}

server::HttpResponse handle(const server::Handler& handler,
                            query::Searcher& searcher,
                            const std::string& method,
                            const std::string& target,
                            std::vector<std::pair<std::string, std::string>> headers,
                            std::string body,
                            std::string host) {
    server::HttpRequest req;
    req.method = method;
    req.target = target;
    req.host = std::move(host);
    req.headers = std::move(headers);
    req.body = std::move(body);
    return handler.handle(req, searcher);
}

std::pair<std::vector<std::string>, std::vector<std::string>> read_pages(
    query::Searcher& searcher, const query::SearchRequest& whole, std::size_t limit) {
    std::vector<std::string> by_offset, by_cursor;
    query::SearchRequest r = whole;
    r.limit = limit;
    r.explain = false;
    for (std::size_t offset = 0;; offset += limit) {
        r.offset = offset;
        auto page = searcher.search(r);
        REQUIRE(page.has_value());
        for (const auto& h : page->hits) by_offset.push_back(h.card.id);
        if (page->hits.size() < limit) break;
    }
    r.offset = 0;
    for (int pages = 0; pages < 1000; ++pages) {
        auto page = searcher.search(r);
        REQUIRE(page.has_value());
        for (const auto& h : page->hits) by_cursor.push_back(h.card.id);
        if (page->next_cursor.empty()) break;
        r.cursor = page->next_cursor;
    }
    return {std::move(by_offset), std::move(by_cursor)};
}

}  // namespace cardex::test
