#include "pass.h"

namespace cardex::query {

namespace {

inline bool passes(const CompiledFilter& f, std::uint32_t d) {
    bool any = f.allowed.empty();
    for (const std::uint32_t* o = f.column->begin(d); o != f.column->end(d); ++o) {
        if (!f.excluded.empty() && f.excluded[*o]) return false;
        if (!any && f.allowed[*o]) any = true;
    }
    return any;
}

}  // namespace

void run_pass(const Columns& cols, PassInput& in, PassOutput& out) {
    const auto& present = cols.present();
    const auto& priv = cols.is_private();
    out.total = 0;
    out.passing.clear();
    auto visit = [&](std::uint32_t d) {
        if (!present[d]) return;
        if (priv[d] && !in.all_private) {
            bool mine = false;
            if (in.authors) {
                for (const std::uint32_t* o = in.authors->begin(d); o != in.authors->end(d); ++o) {
                    if (in.allowed_authors[*o]) mine = true;
                }
            }
            if (!mine) return;
        }
        for (const auto& r : in.ranges) {
            const double v = (*r.column)[d];
            if (v < r.min || v > r.max) return;
        }
        std::uint64_t failed = 0;
        for (const auto& f : in.filters) {
            if (!passes(f, d)) failed |= f.bit;
        }
        if (failed == 0) {
            ++out.total;
            if (in.collect) out.passing.push_back(d);
        }
        for (auto& cf : in.facets) {
            if ((failed & ~cf.own_bits) != 0) continue;
            for (const std::uint32_t* o = cf.column->begin(d); o != cf.column->end(d); ++o) {
                ++cf.counts[*o];
            }
        }
    };
    if (in.candidates) {
        for (std::uint32_t d : *in.candidates) {
            if (d <= cols.lastdocid()) visit(d);
        }
    } else {
        for (std::uint32_t d = 1; d <= cols.lastdocid(); ++d) visit(d);
    }
}

}  // namespace cardex::query
