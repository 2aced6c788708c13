#include "score_plan.h"

#include <algorithm>
#include <limits>
#include <queue>
#include <string>
#include <string_view>
#include <utility>

#include "cardex/index/schema.h"
#include "query_builder.h"

namespace cardex::query {

namespace {

using Q = Xapian::Query;
using Kind = ScorePlan::Kind;

constexpr std::uint32_t kFail = std::numeric_limits<std::uint32_t>::max();

// The margin, relative to the largest weight a document can have: a sum of n non-negative
// doubles rounds by at most about n * 2^-53 of its value (1e-14 for a hundred terms), so
// 1e-9 leaves a wide margin and keeps only true near-ties beside the page.
constexpr double kRelativeEps = 1e-9;

// How many documents ahead the column entries are prefetched.
constexpr std::size_t kAhead = 8;

// A window's width in docids when it is scored: two blocks of a term on most cards
// (TermImpacts::kBlock postings each). Measured at 1M cards on two phrases of common words,
// with blocks of 64 postings: windows of 1,024 docids scored 210,000 of 259,492 candidates,
// 256 108,000, 128 85,000, 64 73,000 (no faster than 128: a window's bound walks the whole
// plan); with blocks of 32 and windows of 64 the ranking took 9.4 ms rather than 10.4. A
// skipped window doubles the next one's width up to kWindowMax (a query whose page fills
// from its first cards skips the rest in a few hundred steps); one that cannot be skipped
// is halved down to kWindow before scoring, unless it holds few documents (kDocsAWindow).
constexpr std::uint32_t kWindow = 64;
constexpr std::uint32_t kWindowMax = 1u << 16;
// A window holding at most this many of the visited documents is scored, not halved.
constexpr std::size_t kDocsAWindow = 8;

bool is_source(const Q& q, std::string_view name) {
    if (q.get_type() != Q::LEAF_POSTING_SOURCE) return false;
    const std::string desc = q.get_description();
    static constexpr std::string_view head = "Query(PostingSource(";
    static constexpr std::string_view tail = "))";
    return desc.size() == head.size() + name.size() + tail.size() &&
           desc.compare(0, head.size(), head) == 0 &&
           desc.compare(head.size(), name.size(), name) == 0;
}

struct Builder {
    const Xapian::Database& db;
    ImpactCache& cache;
    TermSets& sets;
    const DocLengths& lengths;
    std::uint32_t min_freq;
    std::size_t candidates;
    BudgetCheck& budget;
    BitmapMemo& memo;
    ScorePlan& plan;

    std::uint32_t add(Kind kind, double factor, std::uint32_t leaf, const std::vector<std::uint32_t>& kids) {
        return plan.add(kind, factor, leaf, kids);
    }

    std::uint32_t bitmap(const Q& q, double weight) {
        auto set = boolean_bitmap(db, q, sets, min_freq, candidates, budget, memo);
        if (!set) return kFail;
        plan.bitmaps.push_back(std::move(*set));
        return add(Kind::Bitmap, weight, static_cast<std::uint32_t>(plan.bitmaps.size() - 1), {});
    }

    // The boolean side of FILTER and AND_NOT: the ranking's own restriction (every document
    // evaluated is in it), or a bitmap that weighs nothing.
    std::uint32_t boolean(const Q& q) {
        if (is_source(q, kDocidSetSourceName)) return add(Kind::All, 0, 0, {});
        return bitmap(q, 0.0);
    }

    std::uint32_t term(const Q& q) {
        const auto t = plain_leaf(q);
        if (!t || t->empty()) return kFail;
        const Xapian::doccount tf = sets.termfreq(db, *t);
        if (tf == 0) return add(Kind::None, 0, 0, {});
        std::shared_ptr<const TermImpacts> impacts;
        if (tf < min_freq) {
            // Few postings: decoded for this query only (Xapian would walk them too).
            impacts = std::make_shared<const TermImpacts>(decode_impacts(db, *t, lengths, budget));
        } else {
            // with_impacts' rule: left to Xapian when not worth decoding.
            if (!weigh_from_cache(cache, *t, tf, candidates)) return kFail;
            impacts = cache.get(db, *t, lengths, budget);
        }
        plan.impacts.push_back(std::move(impacts));
        return add(Kind::Impact,
                   bm25_termweight(db.get_doccount(), tf, 1, 1.0),
                   static_cast<std::uint32_t>(plan.impacts.size() - 1),
                   {});
    }

    std::uint32_t operator()(const Q& q) {
        switch (q.get_type()) {
            case Q::LEAF_TERM:
                return term(q);
            case Q::LEAF_MATCH_NOTHING:
                return add(Kind::None, 0, 0, {});
            case Q::LEAF_POSTING_SOURCE:
                if (plan.prior != nullptr && is_source(q, kPriorSourceName))
                    return add(Kind::Prior, 0, 0, {});
                if (is_source(q, kDocidSetSourceName)) return add(Kind::All, 0, 0, {});
                return kFail;
            case Q::OP_SCALE_WEIGHT: {
                if (scaled_to_zero(q)) return bitmap(q.get_subquery(0), 0.0);
                const auto f = scale_factor(q);
                if (!f) return kFail;
                const std::uint32_t kid = (*this)(q.get_subquery(0));
                if (kid == kFail) return kFail;
                return add(Kind::Scale, *f, 0, {kid});
            }
            case Q::OP_AND:
            case Q::OP_OR:
            case Q::OP_AND_MAYBE:
            case Q::OP_FILTER:
            case Q::OP_AND_NOT: {
                const auto type = q.get_type();
                const std::size_t n = q.get_num_subqueries();
                if (type == Q::OP_FILTER && n == 2) {
                    // A constant boost over the documents of a boolean subquery.
                    if (auto w = fixed_weight(q.get_subquery(0))) return bitmap(q.get_subquery(1), *w);
                }
                const bool all_weighted = type != Q::OP_FILTER && type != Q::OP_AND_NOT;
                std::vector<std::uint32_t> kids;
                for (std::size_t i = 0; i < n; ++i) {
                    const Q sub = q.get_subquery(i);
                    const std::uint32_t kid = i == 0 || all_weighted ? (*this)(sub) : boolean(sub);
                    if (kid == kFail) return kFail;
                    kids.push_back(kid);
                }
                const Kind kind = type == Q::OP_AND         ? Kind::And
                                  : type == Q::OP_OR        ? Kind::Or
                                  : type == Q::OP_AND_MAYBE ? Kind::AndMaybe
                                  : type == Q::OP_FILTER    ? Kind::Filter
                                                            : Kind::AndNot;
                return add(kind, 0, 0, kids);
            }
            default:
                return kFail;
        }
    }
};

// One evaluation of a plan: a cursor per term and per bitmap, moving forward.
class Scan {
  public:
    explicit Scan(const ScorePlan& p)
        : p_(p),
          at_(p.impacts.size(), 0),
          wat_(p.impacts.size(), 0),
          its_(p.bitmaps.size()),
          wits_(p.bitmaps.size()) {
        for (std::size_t i = 0; i < p.bitmaps.size(); ++i) {
            roaring_init_iterator(&p.bitmaps[i]->roaring, &its_[i]);
            roaring_init_iterator(&p.bitmaps[i]->roaring, &wits_[i]);
        }
    }

    static constexpr double kNoMatch = -1;

    // Whether node `i` matches document `d` (ascending from call to call), adding its
    // weight to `w` if so.
    bool eval(std::uint32_t i, std::uint32_t d, double& w) {
        const ScorePlan::Node& n = p_.nodes[i];
        const std::uint32_t* kid = p_.kids.data() + n.first;
        switch (n.kind) {
            case Kind::Impact:
                return impact(n, d, w);
            case Kind::Bitmap: {
                roaring_uint32_iterator_t& it = its_[n.leaf];
                if (it.has_value && it.current_value < d)
                    roaring_move_uint32_iterator_equalorlarger(&it, d);
                if (!it.has_value || it.current_value != d) return false;
                w += n.factor;
                return true;
            }
            case Kind::Prior: {
                const double v = (*p_.prior)[d];
                if (v < 0) return false;
                w += v;
                return true;
            }
            case Kind::All:
                return true;
            case Kind::None:
                return false;
            case Kind::Scale: {
                double s = 0;
                if (!eval(kid[0], d, s)) return false;
                w += n.factor * s;
                return true;
            }
            case Kind::And: {
                double s = 0;
                for (std::uint32_t j = 0; j < n.count; ++j)
                    if (!eval(kid[j], d, s)) return false;
                w += s;
                return true;
            }
            case Kind::Or: {
                double s = 0;
                bool any = false;
                for (std::uint32_t j = 0; j < n.count; ++j) any |= eval(kid[j], d, s);
                if (any) w += s;
                return any;
            }
            case Kind::AndMaybe: {
                double s = 0;
                if (!eval(kid[0], d, s)) return false;
                for (std::uint32_t j = 1; j < n.count; ++j) eval(kid[j], d, s);
                w += s;
                return true;
            }
            case Kind::Filter:
            case Kind::AndNot: {
                double s = 0;
                if (!eval(kid[0], d, s)) return false;
                const bool want = n.kind == Kind::Filter;
                for (std::uint32_t j = 1; j < n.count; ++j) {
                    double ignored = 0;
                    if (eval(kid[j], d, ignored) != want) return false;
                }
                w += s;
                return true;
            }
        }
        return false;
    }

    // The largest weight node `i` can give a document whose prior is at most `prior`.
    double bound(std::uint32_t i, double prior) const {
        const ScorePlan::Node& n = p_.nodes[i];
        const std::uint32_t* kid = p_.kids.data() + n.first;
        switch (n.kind) {
            case Kind::Impact:
                return n.factor * p_.impacts[n.leaf]->max_shape;
            case Kind::Bitmap:
                return n.factor;
            case Kind::Prior:
                return std::max(prior, 0.0);
            case Kind::All:
            case Kind::None:
                return 0;
            case Kind::Scale:
                return n.factor * bound(kid[0], prior);
            case Kind::Filter:
            case Kind::AndNot:
                return bound(kid[0], prior);
            case Kind::And:
            case Kind::Or:
            case Kind::AndMaybe: {
                double s = 0;
                for (std::uint32_t j = 0; j < n.count; ++j) s += bound(kid[j], prior);
                return s;
            }
        }
        return 0;
    }

    // The largest weight node `i` can give a document in [lo, hi) whose prior is at most
    // `prior`, from the blocks of postings there (TermImpacts::block_max); kNoMatch when no
    // document there can match it. Windows ascend from call to call.
    double window_bound(std::uint32_t i, std::uint32_t lo, std::uint32_t hi, double prior) {
        const ScorePlan::Node& n = p_.nodes[i];
        const std::uint32_t* kid = p_.kids.data() + n.first;
        switch (n.kind) {
            case Kind::Impact: {
                const TermImpacts& t = *p_.impacts[n.leaf];
                const auto& ds = t.docids;
                std::size_t& at = wat_[n.leaf];
                at = gallop(ds, at, lo);
                if (at >= ds.size() || ds[at] >= hi) return kNoMatch;
                const std::size_t end = gallop(ds, at, hi);
                double m = 0;
                for (std::size_t b = at / TermImpacts::kBlock; b <= (end - 1) / TermImpacts::kBlock;
                     ++b)
                    m = std::max(m, t.block_max[b]);
                return n.factor * m;
            }
            case Kind::Bitmap: {
                roaring_uint32_iterator_t& it = wits_[n.leaf];
                if (it.has_value && it.current_value < lo)
                    roaring_move_uint32_iterator_equalorlarger(&it, lo);
                if (!it.has_value || it.current_value >= hi) return kNoMatch;
                return n.factor;
            }
            case Kind::Prior:
                return std::max(prior, 0.0);
            case Kind::All:
                return 0;
            case Kind::None:
                return kNoMatch;
            case Kind::Scale: {
                const double b = window_bound(kid[0], lo, hi, prior);
                return b == kNoMatch ? kNoMatch : n.factor * b;
            }
            case Kind::Filter:
            case Kind::AndNot:
                return window_bound(kid[0], lo, hi, prior);
            case Kind::And:
            case Kind::AndMaybe: {
                double s = 0;
                for (std::uint32_t j = 0; j < n.count; ++j) {
                    const double b = window_bound(kid[j], lo, hi, prior);
                    if (b == kNoMatch) {
                        if (n.kind == Kind::And || j == 0) return kNoMatch;
                        continue;
                    }
                    s += b;
                }
                return s;
            }
            case Kind::Or: {
                double s = 0;
                bool any = false;
                for (std::uint32_t j = 0; j < n.count; ++j) {
                    const double b = window_bound(kid[j], lo, hi, prior);
                    if (b == kNoMatch) continue;
                    any = true;
                    s += b;
                }
                return any ? s : kNoMatch;
            }
        }
        return 0;
    }

  private:
    bool impact(const ScorePlan::Node& n, std::uint32_t d, double& w) {
        const TermImpacts& t = *p_.impacts[n.leaf];
        const auto& ds = t.docids;
        std::size_t& at = at_[n.leaf];
        at = gallop(ds, at, d);
        if (at >= ds.size() || ds[at] != d) return false;
        w += n.factor * bm25_shape(t.wdf_at(at), (*p_.lengths)[d], p_.len_factor);
        return true;
    }

    const ScorePlan& p_;
    std::vector<std::size_t> at_;
    std::vector<std::size_t> wat_;  ///< window_bound's cursors
    std::vector<roaring_uint32_iterator_t> its_;
    std::vector<roaring_uint32_iterator_t> wits_;
};

// The prior's bound from document d on, as PriorSource computes it when it falls: the
// entry of the first document at or after d that has one. Past a long run without entries,
// the column's bound.
double prior_from(const ValueColumn& column, std::uint32_t d, double max) {
    const std::size_t end = std::min(column.size(), static_cast<std::size_t>(d) + 4096);
    for (std::size_t j = d; j < end; ++j)
        if (column[j] >= 0) return column[j];
    return end == column.size() ? 0 : max;
}

// Whether node `i` weighs nothing wherever it matches (a word's other forms, a filter).
bool weightless(const ScorePlan& p, std::uint32_t i) {
    const ScorePlan::Node& n = p.nodes[i];
    const std::uint32_t* kid = p.kids.data() + n.first;
    switch (n.kind) {
        case Kind::Bitmap:
            return n.factor == 0;
        case Kind::All:
        case Kind::None:
            return true;
        case Kind::Impact:
        case Kind::Prior:
            return false;
        case Kind::Scale:
            return n.factor == 0 || weightless(p, kid[0]);
        case Kind::Filter:
        case Kind::AndNot:
            return weightless(p, kid[0]);
        case Kind::And:
        case Kind::Or:
        case Kind::AndMaybe:
            for (std::uint32_t j = 0; j < n.count; ++j)
                if (!weightless(p, kid[j])) return false;
            return true;
    }
    return false;
}

// Every document evaluated matches the whole query (choose_documents' contract), so in a
// node that surely matches, children that only decide matching are left out: the boolean
// sides of FILTER and AND_NOT, and the weightless parts of AND, OR and AND_MAYBE (a word's
// other forms weigh nothing beside it). An OR's children do not surely match, but a
// weightless one adds nothing to its sum either way. What is left is evaluated as before.
void drop_weightless(ScorePlan& p) {
    std::vector<std::uint8_t> sure(p.nodes.size(), 0);
    sure.back() = true;  // the root
    std::vector<std::uint32_t> kept;
    for (std::size_t i = p.nodes.size(); i-- > 0;) {  // parents before children
        ScorePlan::Node& n = p.nodes[i];
        if (!sure[i] || n.count == 0) continue;
        const std::uint32_t* kid = p.kids.data() + n.first;
        kept.clear();
        for (std::uint32_t j = 0; j < n.count; ++j) {
            const bool first = j == 0;
            switch (n.kind) {
                case Kind::Filter:
                case Kind::AndNot:
                    if (!first) continue;
                    break;
                case Kind::And:
                case Kind::Or:
                case Kind::AndMaybe:
                    if (weightless(p, kid[j]) && !(first && n.kind == Kind::AndMaybe)) continue;
                    break;
                default:
                    break;
            }
            kept.push_back(kid[j]);
        }
        for (std::uint32_t j = 0; j < kept.size(); ++j) {
            const bool kid_sure =
                n.kind == Kind::And || n.kind == Kind::Scale || (j == 0 && n.kind != Kind::Or);
            if (kid_sure) sure[kept[j]] = true;
            p.kids[n.first + j] = kept[j];
        }
        n.count = static_cast<std::uint32_t>(kept.size());
        if (n.count == 0) n.kind = Kind::All;  // it matches, and weighs nothing
    }
}

}  // namespace

std::uint32_t ScorePlan::add(Kind kind,
                             double factor,
                             std::uint32_t leaf,
                             const std::vector<std::uint32_t>& children) {
    Node n;
    n.kind = kind;
    n.factor = factor;
    n.leaf = leaf;
    n.first = static_cast<std::uint32_t>(kids.size());
    n.count = static_cast<std::uint32_t>(children.size());
    kids.insert(kids.end(), children.begin(), children.end());
    nodes.push_back(n);
    return static_cast<std::uint32_t>(nodes.size() - 1);
}

std::optional<ScorePlan> plan_scores(const Xapian::Query& q,
                                     const Xapian::Database& db,
                                     ImpactCache& cache,
                                     TermSets& sets,
                                     const DocLengths& lengths,
                                     const ValueColumn* prior,
                                     std::uint32_t min_freq,
                                     std::size_t candidates,
                                     BudgetCheck& budget,
                                     BitmapMemo& memo) {
    ScorePlan plan;
    plan.prior = prior;
    plan.lengths = &lengths;
    const double avlen = db.get_avlength();
    plan.len_factor = avlen != 0 ? 1 / avlen : 0;
    Builder b{db, cache, sets, lengths, min_freq, candidates, budget, memo, plan};
    if (b(q) == kFail) return std::nullopt;
    if (prior != nullptr)
        plan.prior_max = Xapian::sortable_unserialise(db.get_value_upper_bound(index::kSlotPrior));
    drop_weightless(plan);
    return plan;
}

ChooseStats choose_documents(const ScorePlan& plan,
                             const std::vector<std::uint32_t>& docs,
                             std::size_t k,
                             const std::function<bool(std::uint32_t)>* accept,
                             bool prior_falls,
                             std::vector<std::uint32_t>& out,
                             BudgetCheck& budget) {
    ChooseStats stats;
    out.clear();
    if (plan.nodes.empty() || docs.empty()) return stats;
    k = std::max<std::size_t>(k, 1);
    const auto root = static_cast<std::uint32_t>(plan.nodes.size() - 1);
    Scan scan(plan);
    const double eps = kRelativeEps * (1 + scan.bound(root, plan.prior_max));
    const double margin = 2 * eps;
    const bool can_stop = prior_falls && plan.prior != nullptr;
    std::priority_queue<double, std::vector<double>, std::greater<>> top;  // the k best
    double theta = -std::numeric_limits<double>::infinity();
    std::vector<std::pair<double, std::uint32_t>> kept;  // accepted, >= theta - margin then
    std::size_t prune_at = 4 * k + 1024;
    std::uint32_t window_end = 0;  // documents below it are in a window that can reach the page
    std::uint32_t width = kWindow;
    for (std::size_t i = 0; i < docs.size(); ++i) {
        budget();
        const std::uint32_t d = docs[i];
        if (i + kAhead < docs.size()) {
            // The prior and length columns are 8 and 4 bytes a card (8 and 4 MB at 1M):
            // a sparse walk misses the cache on each, so the loads are started early.
            const std::uint32_t next = docs[i + kAhead];
            if (plan.prior != nullptr) __builtin_prefetch(plan.prior->data() + next);
            __builtin_prefetch(plan.lengths->data() + next);
        }
        // (The last possible docid is scored: no window past it.)
        if (top.size() == k && d >= window_end && d != std::numeric_limits<std::uint32_t>::max()) {
            const double prior_bound =
                can_stop ? prior_from(*plan.prior, d, plan.prior_max) : plan.prior_max;
            // No later document can enter: every part's whole bound, the prior's from here.
            if (can_stop && scan.bound(root, prior_bound) + eps < theta - margin) {
                stats.stopped_early = true;
                break;
            }
            // A window of documents from d on, skipped whole when its blocks' bounds summed
            // over the plan cannot reach the page. A window skipped makes the next one twice
            // as wide; one that cannot be skipped is halved until it is kWindow wide or
            // holds at most kDocsAWindow of the documents.
            bool skipped = false;
            for (;;) {
                const std::uint32_t hi = d + std::min<std::uint32_t>(width, ~d);
                const double b = scan.window_bound(root, d, hi, prior_bound);
                if (b == Scan::kNoMatch || b + eps < theta - margin) {
                    ++stats.windows_skipped;
                    i = gallop(docs, i, hi) - 1;
                    width = std::min(2 * width, kWindowMax);
                    skipped = true;
                    break;
                }
                // Scored as it is once narrow, or once it holds few of the documents: a
                // window's bound is a walk of the whole plan, about what scoring a document
                // costs, so halving a window of a sparse visit (a rare word's 11,535
                // documents over 1M docids) down to kWindow bought a bound for every one or
                // two documents scored (docs/PERFORMANCE.md).
                const std::size_t held = gallop(docs, i, hi) - i;
                if (width <= kWindow || held <= kDocsAWindow) {
                    ++stats.windows;
                    window_end = hi;
                    // Fewer than half of that: the next window twice as wide.
                    if (2 * held < kDocsAWindow) width = std::min(2 * width, kWindowMax);
                    break;
                }
                width /= 2;
            }
            if (skipped) continue;
        }
        double w = 0;
        ++stats.scored;
        if (!scan.eval(root, d, w)) continue;
        if (top.size() == k && w < theta - margin) continue;
        if (accept != nullptr && !(*accept)(d)) continue;
        ++stats.accepted;
        kept.emplace_back(w, d);
        top.push(w);
        if (top.size() > k) top.pop();
        if (top.size() == k) theta = top.top();
        if (kept.size() > prune_at) {
            std::erase_if(kept, [&](const auto& e) { return e.first < theta - margin; });
            prune_at = std::max(prune_at, 2 * kept.size());  // near-ties may stay: no O(n^2)
        }
    }
    for (const auto& [w, d] : kept)
        if (top.size() < k || w >= theta - margin) out.push_back(d);
    return stats;
}

}  // namespace cardex::query
