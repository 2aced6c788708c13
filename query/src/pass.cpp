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
    std::uint64_t* counts;
    std::uint64_t own_bits;
};

std::vector<CountTarget> count_targets(PassInput& in) {
    std::vector<CountTarget> out;
    for (auto& cf : in.facets) {
        out.push_back(
            {cf.column->offsets.data(), cf.column->ords.data(), cf.counts.data(), cf.own_bits});
    }
    return out;
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
            for (const auto& t : targets) {
                for (std::uint32_t k = t.offsets[d], end = t.offsets[d + 1]; k != end; ++k) {
                    --t.counts[t.ords[k]];
                }
            }
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
