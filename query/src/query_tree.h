#pragma once
// Walking and rebuilding Xapian query trees (private to query/). Xapian 1.4's Query gives
// back a node's type and subqueries, but not the parameters of some operators (a scale
// factor, an elite set's size, a window but through its description), so a rewrite can
// rebuild only the nodes that have none.
#include <xapian.h>

namespace cardex::query {

/// Whether a node of type `op` is rebuilt exactly by Query(op, parts...) from its (possibly
/// rewritten) subqueries: the compound operators without a parameter. Not SYNONYM, whose
/// parts' wdfs add up (a rewrite changing a part's kind changes its wdf), nor SCALE_WEIGHT,
/// ELITE_SET, PHRASE or NEAR.
inline bool rebuildable(Xapian::Query::op op) {
    using Q = Xapian::Query;
    switch (op) {
        case Q::OP_AND:
        case Q::OP_OR:
        case Q::OP_AND_NOT:
        case Q::OP_XOR:
        case Q::OP_AND_MAYBE:
        case Q::OP_FILTER:
        case Q::OP_MAX:
            return true;
        default:
            return false;
    }
}

/// Whether `q` holds a PHRASE or NEAR anywhere. Cost: a walk of the tree.
inline bool needs_positions(const Xapian::Query& q) {
    const auto type = q.get_type();
    if (type == Xapian::Query::OP_PHRASE || type == Xapian::Query::OP_NEAR) return true;
    for (std::size_t i = 0; i < q.get_num_subqueries(); ++i) {
        if (needs_positions(q.get_subquery(i))) return true;
    }
    return false;
}

}  // namespace cardex::query
