#pragma once
// The search page's facet sidebar: checkboxes with disjunctive counts, tasks grouped by
// modality, licenses by reuse class, languages under their macrolanguage. Private to
// cardex_server.
#include <string>
#include <string_view>

#include "cardex/query/response.h"
#include "web/messages.h"
#include "web/page.h"
#include "web/search_state.h"

namespace cardex::server::web {

/// A facet value for people: "Norwegian Bokmål" for language nb, "Apache License 2.0" for
/// license apache-2.0, "Token Classification" for a task, "Model" for type model. Message
/// keys "<facet>.<value>" ("lang.nb", "task.translation") override the tables, so names
/// can be translated; unknown values show as they are.
std::string value_label(const Messages& m, std::string_view facet, std::string_view value);

/// Writes the <aside> with one fieldset per facet. `res` may be null (search failed): then
/// only the selected values are shown, so they can still be unticked.
void render_sidebar(std::string& out, const PageContext& pc, const SearchState& state,
                    const query::SearchResponse* res);

/// The <title> of a search page.
std::string page_title(const PageContext& pc, const SearchState& state);

}  // namespace cardex::server::web
