#include "lineage.h"

#include "cardex/index/schema.h"
#include "columns.h"

namespace cardex::query {

namespace idx = cardex::index;

Lineage build_lineage(const Xapian::Database& db,
                      const FacetColumn& base,
                      const FacetColumn& type,
                      const std::vector<std::uint8_t>& present,
                      std::uint32_t lastdocid) {
    const auto n = static_cast<std::uint32_t>(base.values.size());
    Lineage out;
    out.direct.assign(n, 0);
    out.total.assign(n, 0);
    out.deeper.assign(n, 0);
    if (n == 0) return out;
    const auto model_it = type.ordinal.find(std::string(idx::card_type_name(idx::CardType::Model)));
    if (model_it == type.ordinal.end()) return out;
    const std::uint32_t model = model_it->second;
    auto is_model = [&](std::uint32_t d) {
        if (!present[d]) return false;
        for (const std::uint32_t* o = type.begin(d); o != type.end(d); ++o) {
            if (*o == model) return true;
        }
        return false;
    };

    // Children of each base model: the model cards naming it (an inverse of the column,
    // CSR again), in docid order.
    std::vector<std::uint32_t> child_at(n + 1, 0);
    for (std::uint32_t d = 1; d <= lastdocid; ++d) {
        if (base.begin(d) == base.end(d) || !is_model(d)) continue;
        for (const std::uint32_t* o = base.begin(d); o != base.end(d); ++o) ++child_at[*o + 1];
    }
    for (std::uint32_t b = 0; b < n; ++b) child_at[b + 1] += child_at[b];
    std::vector<std::uint32_t> children(child_at[n]);
    {
        std::vector<std::uint32_t> fill(child_at.begin(), child_at.end() - 1);
        for (std::uint32_t d = 1; d <= lastdocid; ++d) {
            if (base.begin(d) == base.end(d) || !is_model(d)) continue;
            for (const std::uint32_t* o = base.begin(d); o != base.end(d); ++o)
                children[fill[*o]++] = d;
        }
    }

    // The model card of each base model id, if the snapshot has one: its children are
    // grandchildren of its own base models. Ids are unique per type, so at most one.
    // `own[d]` is 1 + the ordinal of card d's id among the base models (0: none).
    std::vector<std::uint32_t> own(lastdocid + 2, 0), card_of(n, 0);
    for (std::uint32_t b = 0; b < n; ++b) {
        const std::string term = std::string(idx::kPrefixIdLower) + base.values[b];
        for (auto p = db.postlist_begin(term); p != db.postlist_end(term); ++p) {
            if (*p <= lastdocid && is_model(*p)) {
                own[*p] = b + 1;
                card_of[b] = *p;
            }
        }
    }

    // A breadth-first walk below each base model, generation by generation. Stamps (the
    // walk's number) mark what it has counted or expanded, so nothing is cleared between
    // walks; a cycle (a card naming its own descendant) ends where it meets a visited card.
    std::vector<std::uint32_t> seen_card(lastdocid + 2, 0), seen_base(n, 0);
    std::vector<std::uint32_t> frontier, next;
    for (std::uint32_t b = 0; b < n; ++b) {
        const std::uint32_t stamp = b + 1;
        out.direct[b] = child_at[b + 1] - child_at[b];
        if (card_of[b] != 0) seen_card[card_of[b]] = stamp;  // not its own descendant
        seen_base[b] = stamp;
        frontier.assign(1, b);
        std::uint32_t total = 0;
        for (unsigned depth = 1; depth <= kLineageDepth && !frontier.empty(); ++depth) {
            next.clear();
            for (const std::uint32_t o : frontier) {
                for (std::uint32_t i = child_at[o]; i < child_at[o + 1]; ++i) {
                    const std::uint32_t d = children[i];
                    if (seen_card[d] == stamp) continue;
                    seen_card[d] = stamp;
                    ++total;
                    if (own[d] != 0 && seen_base[own[d] - 1] != stamp) {
                        seen_base[own[d] - 1] = stamp;
                        next.push_back(own[d] - 1);
                    }
                }
            }
            frontier.swap(next);
        }
        // Past the limit: is there a card the walk did not reach?
        for (const std::uint32_t o : frontier) {
            for (std::uint32_t i = child_at[o]; i < child_at[o + 1] && !out.deeper[b]; ++i) {
                if (seen_card[children[i]] != stamp) out.deeper[b] = 1;
            }
        }
        out.total[b] = total;
    }
    return out;
}

DerivedCounts derived_of(Columns& cols, const Xapian::Database& db, std::string_view model_id) {
    const Lineage& lineage = cols.lineage(db);
    const FacetColumn& base = cols.facet(db, idx::Facet::BaseModel);
    DerivedCounts out;
    const auto it = base.ordinal.find(idx::facet_key(idx::Facet::BaseModel, model_id));
    if (it == base.ordinal.end()) return out;
    out.direct = lineage.direct[it->second];
    out.total = lineage.total[it->second];
    out.truncated = lineage.deeper[it->second] != 0;
    return out;
}

}  // namespace cardex::query
