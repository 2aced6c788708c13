#pragma once
// A card's links to other cards, both ways: what a model is built on and what is built on
// it, the models trained on a dataset, the Spaces that declare a model or dataset and what a
// Space declares. Shared by the Hub API (`spaces`, `models`, `datasets`), the native card
// JSON (/api/cards/{type}/{id}) and card pages. Private to cardex_server.
//
// Every list comes from searches of the caller's own view (its private namespaces), so a
// card the caller may not see is never linked or counted. Cost: one filtered search per
// list (postings of one facet term), and the model tree once per snapshot
// (query::Searcher::derived).
#include <cstdint>
#include <string>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/index/result.h"
#include "cardex/query/response.h"
#include "cardex/query/searcher.h"

namespace cardex::server {

/// Who is asking: the private namespaces a caller may see, or all of them.
struct Viewer {
    const std::vector<std::string>& private_namespaces;
    bool all_private = false;
};

/// One way a card is linked to others.
enum class Link {
    DerivedModels,  ///< models naming a model as base model (`base_model:`)
    TrainedModels,  ///< models naming a dataset as training data (`datasets:`)
    Spaces,         ///< Spaces declaring a model (`models:`) or dataset (`datasets:`)
};

/// The cards that link to `card` one way: how many, and the first `top` of them (models
/// most downloaded first, Spaces most liked first).
struct LinkedCards {
    std::uint64_t count = 0;
    std::vector<query::Hit> top;
};
Result<LinkedCards> linked_cards(query::Searcher& searcher,
                                 const index::Card& card,
                                 Link link,
                                 std::size_t top,
                                 const Viewer& viewer);

/// The search behind linked_cards (type and facet filter; no paging): for a "see all" URL,
/// as `/?type=<type>&<facet>=<id>`.
struct LinkQuery {
    std::string_view type;   ///< "model" or "space"
    std::string_view facet;  ///< "base_model", "dataset" or "model"
};
LinkQuery link_query(const index::Card& card, Link link);

/// Every Space id the caller may see that declares the model or dataset `card`, most liked
/// first: the Hub's `spaces` of a model (`expand=spaces`). No cap but the request's
/// deadline and the response size: pages of 1,000 by cursor.
Result<std::vector<std::string>> spaces_using(query::Searcher& searcher,
                                              const index::Card& card,
                                              const Viewer& viewer);

/// The Hub's `childrenModelCount` of the model `card`: the model cards the caller may see
/// that name it as a base model (its direct children, any relation; Searcher::derived
/// `direct`, as /api/cards shows it). 0 for a dataset or Space. Cost: a lookup, and the
/// model tree once per snapshot.
Result<std::uint64_t> children_model_count(query::Searcher& searcher,
                                           const index::Card& card,
                                           const Viewer& viewer);

}  // namespace cardex::server
