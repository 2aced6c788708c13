#include "pass.h"

#include <algorithm>

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

// Whether `d` is live, visible to the caller and inside every range: a document that is not
// is neither returned nor counted anywhere.
inline bool eligible(const Columns& cols, const PassInput& in, std::uint32_t d) {
    if (!cols.present()[d]) return false;
    if (cols.is_private()[d] && !in.all_private) {
        bool mine = false;
        if (in.authors) {
            for (const std::uint32_t* o = in.authors->begin(d); o != in.authors->end(d); ++o) {
                if (in.allowed_authors[*o]) mine = true;
            }
        }
        if (!mine) return false;
    }
    for (const auto& r : in.ranges) {
        const double v = (*r.column)[d];
        if (v < r.min || v > r.max) return false;
    }
    return true;
}

// The bits of the filters `d` fails.
inline std::uint64_t failed_bits(const PassInput& in, std::uint32_t d) {
    std::uint64_t failed = 0;
    for (const auto& f : in.filters) {
        if (!passes(f, d)) failed |= f.bit;
    }
    return failed;
}

// The counted facets' arrays as plain pointers for the counting loops: read through
// PassInput's vectors, the compiler reloads every pointer for every document (the counters
// it increments might alias them).
struct CountTarget {
    const std::uint32_t* offsets;
    const std::uint32_t* ords;
    const std::uint32_t* single;  ///< FacetColumn::single, null when a document may have two
    std::uint64_t* counts;
    std::uint64_t own_bits;

    /// Adds `step` (1 or -1 as unsigned) to the counts of `d`'s values.
    void add(std::uint32_t d, std::uint64_t step) const {
        if (single) {
            // Without a branch: a column where a third of the documents have no value
            // (licenses) would mispredict one in three.
            const std::uint32_t o = single[d];
            const bool has = o != FacetColumn::kNoValue;
            counts[has ? o : 0] += has ? step : 0;
            return;
        }
        for (std::uint32_t k = offsets[d], end = offsets[d + 1]; k != end; ++k)
            counts[ords[k]] += step;
    }
};

std::vector<CountTarget> count_targets(PassInput& in) {
    std::vector<CountTarget> out;
    for (auto& cf : in.facets) {
        const auto& col = *cf.column;
        out.push_back({col.offsets.data(),
                       col.ords.data(),
                       // A card without a value adds zero to counts[0]: none without counters.
                       col.single.empty() || cf.counts.empty() ? nullptr : col.single.data(),
                       cf.counts.data(),
                       cf.own_bits});
    }
    return out;
}

// run_pass without filters or ranges: every eligible candidate counts everywhere, so the
// eligible ones are listed first and each facet is then counted over that list on its own.
// One facet at a time keeps one column's arrays and counters in the cache where the
// per-document loop interleaved four (authors' counters alone are 2 MB at 1M cards).
void run_unfiltered_pass(const Columns& cols,
                         PassInput& in,
                         PassOutput& out,
                         BudgetCheck& budget,
                         const std::vector<CountTarget>& targets) {
    thread_local std::vector<std::uint32_t> scratch;
    std::vector<std::uint32_t>& kept = in.collect ? out.passing : scratch;
    kept.clear();
    auto visit = [&](std::uint32_t d) {
        budget();
        if (eligible(cols, in, d)) kept.push_back(d);
    };
    if (in.candidates) {
        kept.reserve(in.candidates->size());
        for (std::uint32_t d : *in.candidates) {
            if (d <= cols.lastdocid()) visit(d);
        }
    } else {
        for (std::uint32_t d = 1; d <= cols.lastdocid(); ++d) visit(d);
    }
    out.total = kept.size();
    // Every array in a local: through `t`, the compiler reloads each pointer after every
    // increment (a counter might alias them). The budget is checked once a facet: a loop is
    // at most lastdocid cheap steps.
    const std::uint32_t* ids = kept.data();
    const std::size_t n = kept.size();
    for (const auto& t : targets) {
        budget.now();
        std::uint64_t* counts = t.counts;
        if (const std::uint32_t* single = t.single) {
            for (std::size_t i = 0; i < n; ++i) {
                const std::uint32_t o = single[ids[i]];
                const bool has = o != FacetColumn::kNoValue;
                counts[has ? o : 0] += static_cast<std::uint64_t>(has);
            }
            continue;
        }
        const std::uint32_t* offsets = t.offsets;
        const std::uint32_t* ords = t.ords;
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint32_t d = ids[i];
            for (std::uint32_t k = offsets[d], end = offsets[d + 1]; k != end; ++k)
                ++counts[ords[k]];
        }
    }
}

}  // namespace

bool passes_all(const Columns& cols, const PassInput& in, std::uint32_t d) {
    return d <= cols.lastdocid() && eligible(cols, in, d) && failed_bits(in, d) == 0;
}

bool counted_anywhere(const Columns& cols, const PassInput& in, std::uint32_t d) {
    if (d > cols.lastdocid() || !eligible(cols, in, d)) return false;
    const std::uint64_t failed = failed_bits(in, d);
    return failed == 0 || std::any_of(in.facets.begin(), in.facets.end(), [&](const auto& f) {
               return (failed & ~f.own_bits) == 0;
           });
}

void run_pass(const Columns& cols, PassInput& in, PassOutput& out, BudgetCheck& budget) {
    out.total = 0;
    out.passing.clear();
    const auto targets = count_targets(in);
    if (in.filters.empty() && in.ranges.empty())
        return run_unfiltered_pass(cols, in, out, budget, targets);
    auto visit = [&](std::uint32_t d) {
        budget();
        if (!eligible(cols, in, d)) return;
        const std::uint64_t failed = failed_bits(in, d);
        if (failed == 0) {
            ++out.total;
            if (in.collect) out.passing.push_back(d);
        }
        for (const auto& t : targets) {
            if ((failed & ~t.own_bits) != 0) continue;
            // The CSR arrays even for a single-valued column: with filters most documents
            // count nowhere, and add()'s two paths cost 12% here ("for llama" with three
            // filters, 10.9 -> 12.4 ms at 1M cards).
            for (std::uint32_t k = t.offsets[d], end = t.offsets[d + 1]; k != end; ++k) {
                ++t.counts[t.ords[k]];
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

void run_complement_pass(const Columns& cols, PassInput& in, PassOutput& out, BudgetCheck& budget) {
    const auto& c = *in.candidates;
    const auto targets = count_targets(in);
    const std::uint8_t* present = cols.present().data();
    const std::uint8_t* is_private = cols.is_private().data();
    std::uint64_t missing = 0;
    // The public documents in [from, to), which are not candidates.
    auto gap = [&](std::uint32_t from, std::uint32_t to) {
        for (std::uint32_t d = from; d < to; ++d) {
            budget();
            if (!present[d] || is_private[d]) continue;
            ++missing;
            for (const auto& t : targets) t.add(d, ~std::uint64_t{0});  // minus one
        }
    };
    // Between consecutive candidates (ascending), rather than comparing every docid with
    // the next candidate.
    std::uint32_t last = 0;
    for (const std::uint32_t x : c) {
        if (x > cols.lastdocid()) break;
        if (x > last) gap(last + 1, x);
        last = std::max(last, x);
    }
    gap(last + 1, cols.lastdocid() + 1);
    out.total = cols.public_count() - missing;
    out.passing.clear();
}

}  // namespace cardex::query
