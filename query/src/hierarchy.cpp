#include "hierarchy.h"

#include <algorithm>
#include <string_view>

#include "cardex/index/schema.h"

namespace cardex::query {

namespace idx = cardex::index;

namespace {

struct Hierarchy {
    idx::Facet parent;
    idx::Facet child;
};

constexpr Hierarchy kHierarchies[] = {
    {idx::Facet::Modality, idx::Facet::Task},
    {idx::Facet::Reuse, idx::Facet::License},
};

const Hierarchy* hierarchy_of(std::string_view parent, std::string_view child) {
    const auto p = idx::facet_by_name(parent);
    const auto c = idx::facet_by_name(child);
    if (!p || !c) return nullptr;
    for (const auto& h : kHierarchies) {
        if (h.parent == *p && h.child == *c) return &h;
    }
    return nullptr;
}

// The parent value of a child value, as the vocabulary places it ("" if it places it
// nowhere: an unknown task or license).
std::string parent_value(const Hierarchy& h, const idx::Vocabulary& vocab, std::string_view v) {
    if (h.child == idx::Facet::Task) {
        const idx::Task* t = vocab.resolve_task(v);
        return t != nullptr ? t->modality : std::string();
    }
    const idx::License* l = vocab.license(v);
    return l != nullptr ? l->reuse : std::string();
}

}  // namespace

bool has_child_facets(const SearchRequest& req) noexcept {
    return std::any_of(req.facets.begin(), req.facets.end(), [](const FacetRequest& f) {
        return !f.children.empty();
    });
}

Result<SearchRequest> with_child_facets(const SearchRequest& req) {
    SearchRequest out = req;
    for (const auto& f : req.facets) {
        if (f.children.empty()) continue;
        if (hierarchy_of(f.facet, f.children) == nullptr) {
            return make_error(Errc::InvalidArgument,
                              "no hierarchy " + f.facet + ">" + f.children +
                                  " (there are modality>task and reuse>license)",
                              f.facet + ">" + f.children);
        }
        if (f.children_top > kMaxFacetTop) {
            return make_error(Errc::ResourceExhausted,
                              "at most " + std::to_string(kMaxFacetTop) + " values per facet",
                              f.children);
        }
        FacetRequest child;
        child.facet = f.children;
        child.all_values = true;
        out.facets.push_back(std::move(child));
    }
    return out;
}

void nest_child_facets(const SearchRequest& asked,
                       const idx::Vocabulary& vocab,
                       SearchResponse& resp) {
    std::size_t next_child = asked.facets.size();
    for (std::size_t i = 0; i < asked.facets.size() && i < resp.facets.size(); ++i) {
        const FacetRequest& fr = asked.facets[i];
        if (fr.children.empty() || next_child >= resp.facets.size()) continue;
        const Hierarchy& h = *hierarchy_of(fr.facet, fr.children);
        FacetResult& parent = resp.facets[i];
        parent.children = std::string(idx::facet_info(h.child).name);
        // Child values arrive largest count first (ties by value): appending keeps that order.
        for (auto& cv : resp.facets[next_child++].values) {
            const std::string p = parent_value(h, vocab, cv.value);
            auto it = std::find_if(parent.values.begin(),
                                   parent.values.end(),
                                   [&](const FacetValue& v) { return v.value == p; });
            if (it == parent.values.end() || it->children.size() >= fr.children_top) continue;
            it->children.push_back(std::move(cv));
        }
    }
    resp.facets.resize(std::min(resp.facets.size(), asked.facets.size()));
}

}  // namespace cardex::query
