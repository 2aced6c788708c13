// Facet sidebar rendering.
#include "web/facets_html.h"

#include <algorithm>
#include <map>
#include <vector>

#include "cardex/index/quality.h"
#include "web/html.h"

namespace cardex::server::web {
namespace {

using index::Facet;

// Display order of the task groups (the modalities of tasks.tsv, @huggingface/tasks').
constexpr std::string_view kModalities[] = {"nlp", "cv", "audio", "multimodal",
                                            "tabular", "rl", "other"};

struct Item {
    std::string value;
    std::uint64_t count = 0;
    bool counted = false;  // false: selected but outside the returned top values
    std::vector<Item> children;
};

const query::FacetResult* find_facet(const query::SearchResponse* res, std::string_view name) {
    if (res == nullptr) return nullptr;
    for (const auto& f : res->facets) {
        if (f.facet == name) return &f;
    }
    return nullptr;
}

// The returned values plus any selected value the top list left out.
std::vector<Item> items_of(const query::SearchResponse* res, const SearchState& state,
                           std::string_view facet) {
    std::vector<Item> items;
    if (const auto* f = find_facet(res, facet)) {
        for (const auto& v : f->values) items.push_back({v.value, v.count, true, {}});
    }
    if (const auto* selected = state.values(facet)) {
        for (const auto& v : *selected) {
            const bool present = std::any_of(items.begin(), items.end(),
                                             [&](const Item& i) { return i.value == v; });
            if (!present) items.push_back({v, 0, false, {}});
        }
    }
    return items;
}

void render_item(std::string& out, const PageContext& pc, const index::Vocabulary& vocab,
                 const SearchState& state, std::string_view facet, const Item& item) {
    const Messages& m = pc.msg;
    out += "<li data-facet=\"";
    append_escaped(out, facet);
    out += "\" data-value=\"";
    append_escaped(out, item.value);
    out += '"';
    if (item.counted) out += " data-count=\"" + std::to_string(item.count) + "\"";
    out += "><label><input type=\"checkbox\" name=\"";
    append_escaped(out, facet);
    out += "\" value=\"";
    append_escaped(out, item.value);
    out += '"';
    if (state.has(facet, item.value)) out += " checked";
    out += "><span class=\"fv-label\">";
    const std::string label = value_label(m, vocab, facet, item.value);
    append_escaped(out, label);
    out += "</span>";
    if ((facet == "language" || facet == "license") && label != item.value) {
        out += " <span class=\"fv-code\">";
        append_escaped(out, item.value);
        out += "</span>";
    }
    if (item.counted) {
        out += " <span class=\"fv-count\">";
        append_escaped(out, m.number(static_cast<std::int64_t>(item.count)));
        out += "</span>";
    }
    out += "</label>";
    if (!item.children.empty()) {
        out += "<ul class=\"members\">";
        for (const auto& c : item.children) render_item(out, pc, vocab, state, facet, c);
        out += "</ul>";
    }
    out += "</li>";
}

// The first `visible` items (and every selected one) in a list, the rest behind "more".
void render_list(std::string& out, const PageContext& pc, const index::Vocabulary& vocab,
                 const SearchState& state, std::string_view facet, const std::vector<Item>& items,
                 std::size_t visible) {
    std::vector<const Item*> shown;
    std::vector<const Item*> more;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const bool selected = state.has(facet, items[i].value) ||
                              std::any_of(items[i].children.begin(), items[i].children.end(),
                                          [&](const Item& c) { return state.has(facet, c.value); });
        (i < visible || selected ? shown : more).push_back(&items[i]);
    }
    out += "<ul class=\"facet-values\">";
    for (const Item* it : shown) render_item(out, pc, vocab, state, facet, *it);
    out += "</ul>";
    if (more.empty()) return;
    out += "<details class=\"more\"><summary>";
    append_escaped(out, pc.msg.format("show_more", {std::to_string(more.size())}));
    out += "</summary><ul class=\"facet-values\">";
    for (const Item* it : more) render_item(out, pc, vocab, state, facet, *it);
    out += "</ul></details>";
}

// Items split into named groups (modality of a task, reuse class of a license), in `order`.
template <class GroupOf>
void render_grouped(std::string& out, const PageContext& pc, const index::Vocabulary& vocab,
                    const SearchState& state, std::string_view facet,
                    const std::vector<Item>& items, const std::string_view* order,
                    std::size_t order_size, std::string_view key_prefix, GroupOf group_of) {
    std::map<std::string_view, std::vector<Item>> groups;
    for (const auto& item : items) {
        std::string_view g = group_of(item.value);
        // A group the order does not know goes last ("other", "unknown"), never lost.
        if (std::find(order, order + order_size, g) == order + order_size) {
            g = order[order_size - 1];
        }
        groups[g].push_back(item);
    }
    for (std::size_t g = 0; g < order_size; ++g) {
        const auto it = groups.find(order[g]);
        if (it == groups.end()) continue;
        out += "<fieldset class=\"group\"><legend>";
        append_escaped(out, pc.msg.text(std::string(key_prefix) + std::string(order[g])));
        out += "</legend>";
        render_list(out, pc, vocab, state, facet, it->second, 4);
        out += "</fieldset>";
    }
}

// Languages whose macrolanguage is also listed go under it (nb, nn under Norwegian).
std::vector<Item> nest_languages(const index::Vocabulary& vocab, std::vector<Item> items) {
    std::vector<Item> top;
    std::map<std::string, std::vector<Item>> members;
    const auto listed = [&](std::string_view code) {
        return std::any_of(items.begin(), items.end(),
                           [&](const Item& i) { return i.value == code; });
    };
    for (auto& item : items) {
        const index::Language* info = vocab.language_by_code(item.value);
        if (info != nullptr && !info->macro.empty() && listed(info->macro)) {
            members[info->macro].push_back(std::move(item));
        } else {
            top.push_back(std::move(item));
        }
    }
    for (auto& item : top) {
        if (auto it = members.find(item.value); it != members.end()) {
            item.children = std::move(it->second);
        }
    }
    return top;
}

}  // namespace

std::string facet_label(const Messages& m, std::string_view facet) {
    const std::string key = "facet." + std::string(facet);
    return m.has(key) ? std::string(m.text(key)) : std::string(facet);
}

std::string value_label(const Messages& m, const index::Vocabulary& vocab,
                        std::string_view facet, std::string_view value) {
    std::string_view key_prefix = facet;
    if (facet == "language") key_prefix = "lang";
    const std::string key = std::string(key_prefix) + "." + std::string(value);
    if (m.has(key)) return std::string(m.text(key));
    const index::Language* language = nullptr;
    const index::Task* task = nullptr;
    const index::License* license = nullptr;
    if (facet == "language" && (language = vocab.language_by_code(value))) return language->name;
    // Exact values only: the facet holds pipeline tags and Hub license ids.
    if (facet == "task" && (task = vocab.resolve_task(value)) && task->pipeline_tag == value) {
        return task->name.empty() ? std::string(value) : task->name;
    }
    if (facet == "license" && (license = vocab.license(value)) && license->hub_id == value) {
        return license->name.empty() ? std::string(value) : license->name;
    }
    return std::string(value);
}

void render_sidebar(std::string& out, const PageContext& pc, const SearchState& state,
                    const query::SearchResponse* res, const index::Vocabulary& vocab) {
    const Messages& m = pc.msg;
    out += "<aside class=\"facets\" aria-labelledby=\"filters-title\"><details id=\"filters\" "
           "open><summary><h2 id=\"filters-title\">";
    append_escaped(out, m.text("filters"));
    out += "</h2></summary>";
    for (const SidebarFacet& sf : kSidebar) {
        const std::string_view facet = index::facet_info(sf.facet).name;
        std::vector<Item> items = items_of(res, state, facet);
        if (items.empty()) continue;
        out += "<fieldset class=\"facet\" id=\"facet-";
        out += facet;
        out += "\"><legend>";
        append_escaped(out, facet_label(m, facet));
        out += "</legend>";
        if (sf.facet == Facet::Task) {
            render_grouped(out, pc, vocab, state, facet, items, kModalities, std::size(kModalities),
                           "modality.", [&](std::string_view v) {
                               const index::Task* t = vocab.resolve_task(v);
                               return t != nullptr ? std::string_view(t->modality)
                                                   : std::string_view("other");
                           });
        } else if (sf.facet == Facet::License) {
            render_grouped(out, pc, vocab, state, facet, items, index::kReuseClasses.data(),
                           index::kReuseClasses.size(), "reuse.", [&](std::string_view v) {
                               const index::License* l = vocab.license(v);
                               return l != nullptr ? std::string_view(l->reuse)
                                                   : std::string_view("unknown");
                           });
        } else if (sf.facet == Facet::Language) {
            render_list(out, pc, vocab, state, facet, nest_languages(vocab, std::move(items)), 10);
        } else if (sf.facet == Facet::Quality || sf.facet == Facet::Has) {
            // In their own order (high to low; the criteria as index/quality.h lists them),
            // not by count: a scale and a checklist read better that way.
            const auto rank = [&](const Item& i) -> std::size_t {
                if (sf.facet == Facet::Quality) {
                    const auto& b = index::kQualityBands;
                    return static_cast<std::size_t>(std::find(b.begin(), b.end(), i.value) -
                                                    b.begin());
                }
                const auto c = index::criterion_by_name(i.value);
                return c ? static_cast<std::size_t>(*c) : index::kCriterionCount;
            };
            std::stable_sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
                return rank(a) < rank(b);
            });
            render_list(out, pc, vocab, state, facet, items, index::kCriterionCount);
        } else {
            render_list(out, pc, vocab, state, facet, items, 8);
        }
        out += "</fieldset>";
    }
    out += "<button type=\"submit\" class=\"js-hide apply\">";
    append_escaped(out, m.text("apply_filters"));
    out += "</button></details></aside>";
}

}  // namespace cardex::server::web
