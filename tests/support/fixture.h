#pragma once
// Fixtures the suites share: the repository's vocabulary, hand-made cards, small indexes
// built once per test process, a Searcher per thread, and requests through a Handler.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/index/vocabulary.h"
#include "cardex/query/searcher.h"
#include "cardex/server/handler.h"
#include "support.h"

namespace cardex::test {

/// data/tables of the checkout as a Vocabulary, loaded on first use (fails the test if it
/// does not load).
std::shared_ptr<const index::Vocabulary> vocabulary();

/// A card with its identity filled in: type, id, author and name (from the id), title (the
/// name), downloads, likes (downloads / 100), card data "{}", source "fixture".
index::Card make_card(index::CardType type, std::string id, std::int64_t downloads = 0);

/// An index of `cards` built with the repository's vocabulary into a fresh temporary
/// directory, on one thread. Fails the test if the build fails. `xapian_positions`:
/// BuildOptions::xapian_positions (Xapian's position table as well as the store).
std::unique_ptr<TempDir> build_fixture_index(std::vector<index::Card> cards,
                                             bool xapian_positions = false);

/// A Searcher on the index at `dir` for the calling thread, opened on its first use there
/// (Xapian objects are not thread-safe: one per thread).
query::Searcher& thread_searcher(const std::string& dir);

/// `text` searched on `searcher`: plain BM25 (SearchRequest::plain_bm25) and each hit's score
/// parts (explain) if asked. Fails the test if the search fails.
query::SearchResponse search_text(query::Searcher& searcher,
                                  const std::string& text,
                                  bool plain = false,
                                  bool explain = false);

/// Every page of `whole` (its text, filters and sort), `limit` hits a page, read once by
/// offset and once by next_cursor: the card ids in the order the pages gave them, each way.
/// Fails the test if a search fails.
std::pair<std::vector<std::string>, std::vector<std::string>> read_pages(
    query::Searcher& searcher, const query::SearchRequest& whole, std::size_t limit);

/// `method target` through `handler` on `searcher`, with extra header fields and a body.
server::HttpResponse handle(const server::Handler& handler,
                            query::Searcher& searcher,
                            const std::string& method,
                            const std::string& target,
                            std::vector<std::pair<std::string, std::string>> headers = {},
                            std::string body = {},
                            std::string host = "localhost");

}  // namespace cardex::test
