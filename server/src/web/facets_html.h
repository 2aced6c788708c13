#pragma once
// The search page's facet sidebar: checkboxes with disjunctive counts, tasks grouped by
// modality, licenses by reuse class, languages under their macrolanguage. Private to
// cardex_server.
#include <cstddef>
#include <string>
#include <string_view>

#include "cardex/index/schema.h"
#include "cardex/index/vocabulary.h"
#include "cardex/query/response.h"
#include "web/messages.h"
#include "web/page.h"
#include "web/search_state.h"

namespace cardex::server::web {

/// The sidebar's facets, in order, and how many values each asks for: enough to fill the
/// groups (all tasks, all licenses), the long tail of languages and authors behind "more".
/// A facet without values among the results (the SDK without Spaces) is left out.
struct SidebarFacet {
    index::Facet facet;
    std::size_t values;
};
inline constexpr SidebarFacet kSidebar[] = {
    {index::Facet::Type, 5},
    {index::Facet::Task, 80},
    {index::Facet::Language, 80},
    {index::Facet::License, 100},
    {index::Facet::Author, 30},
    {index::Facet::Library, 30},
    {index::Facet::Gated, 5},
    {index::Facet::Quality, 3},
    {index::Facet::Has, 9},
    {index::Facet::Sdk, 5},
};

/// A facet's name for people: message "facet.<name>", else the API name.
std::string facet_label(const Messages& m, std::string_view facet);

/// A facet value for people: "Norwegian Bokmål" for language nb, "Apache License 2.0" for
/// license apache-2.0, "Token Classification" for a task (names from `vocab`, the index's),
/// "Model" for type model. Message keys "<facet>.<value>" ("lang.nb", "task.translation")
/// override the vocabulary, so names can be translated; unknown values show as they are.
std::string value_label(const Messages& m, const index::Vocabulary& vocab,
                        std::string_view facet, std::string_view value);

/// Writes the <aside> with one fieldset per facet of kSidebar. `res` may be null (search
/// failed): then only the selected values are shown, so they can still be unticked.
void render_sidebar(std::string& out, const PageContext& pc, const SearchState& state,
                    const query::SearchResponse* res, const index::Vocabulary& vocab);

/// The <title> of a search page.
std::string page_title(const PageContext& pc, const SearchState& state);

}  // namespace cardex::server::web
