#include "phrases.h"

#include <algorithm>
#include <cstdlib>

#include "matchset.h"
#include "query_tree.h"

namespace cardex::query {

namespace {

using Q = Xapian::Query;

// Xapian 1.4's Query has no accessor for a phrase's window; its description has it:
// "(a@1 PHRASE 2 b@2)". Exact phrases (what the query parser makes) have window = length.
bool exact_window(const Q& q) {
    const std::string d = q.get_description();
    const auto at = d.find(" PHRASE ");
    if (at == std::string::npos) return false;
    const long window = std::strtol(d.c_str() + at + 8, nullptr, 10);
    return window == static_cast<long>(q.get_num_subqueries());
}

// Mirrors without_required_phrases (query_builder.cpp): the root and the conjuncts of ANDs
// and FILTERs below it are required.
bool collect(const Q& q, std::vector<Phrase>& out) {
    const auto type = q.get_type();
    if (type == Q::OP_PHRASE) {
        if (!exact_window(q)) return false;
        Phrase p;
        for (std::size_t i = 0; i < q.get_num_subqueries(); ++i) {
            const Q t = q.get_subquery(i);
            if (t.get_type() != Q::LEAF_TERM) return false;
            p.push_back(*t.get_terms_begin());
        }
        out.push_back(std::move(p));
        return true;
    }
    if (type == Q::OP_AND || type == Q::OP_FILTER) {
        for (std::size_t i = 0; i < q.get_num_subqueries(); ++i) {
            if (!collect(q.get_subquery(i), out)) return false;
        }
        return true;
    }
    return !needs_positions(q);
}

bool holds(const Xapian::Database& db,
           Xapian::docid d,
           const Phrase& phrase,
           std::vector<std::vector<Xapian::termpos>>& pos) {
    pos.resize(phrase.size());
    for (std::size_t i = 0; i < phrase.size(); ++i) {
        pos[i].clear();
        for (auto p = db.positionlist_begin(d, phrase[i]); p != db.positionlist_end(d, phrase[i]);
             ++p) {
            pos[i].push_back(*p);
        }
        if (pos[i].empty()) return false;
    }
    for (const Xapian::termpos first : pos[0]) {
        bool all = true;
        for (std::size_t i = 1; i < phrase.size() && all; ++i) {
            all = std::binary_search(
                pos[i].begin(), pos[i].end(), first + static_cast<Xapian::termpos>(i));
        }
        if (all) return true;
    }
    return false;
}

}  // namespace

std::optional<std::vector<Phrase>> required_phrases(const Xapian::Query& q) {
    std::vector<Phrase> out;
    if (!collect(q, out)) return std::nullopt;
    return out;
}

bool holds_phrases(const Xapian::Database& db,
                   Xapian::docid d,
                   const std::vector<Phrase>& phrases) {
    std::vector<std::vector<Xapian::termpos>> pos;
    for (const auto& p : phrases) {
        if (!holds(db, d, p, pos)) return false;
    }
    return true;
}

PhraseChecker::PhraseChecker(const Xapian::Database& db,
                             const PositionalContext* ctx,
                             const std::vector<Phrase>& phrases)
    : db_(db), ctx_(ctx != nullptr && ctx->store != nullptr ? ctx : nullptr), phrases_(phrases) {
    if (ctx_ == nullptr) return;
    cursors_.resize(phrases.size());
    orders_.resize(phrases.size());
    for (std::size_t i = 0; i < phrases.size(); ++i) {
        for (const auto& t : phrases[i]) cursors_[i].emplace_back(*ctx_->store, t);
    }
    if (ctx_->pairs == nullptr) return;
    // Only pairs of two frequent words are in the filter; a phrase with a rarer word has as
    // few candidates as that word has cards.
    for (const auto& p : phrases) {
        for (std::size_t i = 0; i + 1 < p.size(); ++i) {
            if (ctx_->pairs->frequent(p[i]) && ctx_->pairs->frequent(p[i + 1]))
                pair_keys_.push_back(cardex::index::PairFilter::pair_key(p[i], p[i + 1]));
        }
    }
    std::sort(pair_keys_.begin(), pair_keys_.end());
    pair_keys_.erase(std::unique(pair_keys_.begin(), pair_keys_.end()), pair_keys_.end());
}

bool PhraseChecker::holds(Xapian::docid d) {
    if (ctx_ != nullptr && reads_store(*ctx_, d)) {
        if (!pair_keys_.empty()) {
            const std::uint32_t b = ctx_->pairs->block_of(d);
            if (!block_known_ || b != block_) {
                block_ = b;
                block_known_ = true;
                block_may_ = ctx_->pairs->may_hold(b, pair_keys_);
            }
            if (!block_may_) {
                ++pair_rejects_;
                return false;
            }
        }
        bool corrupt = false;
        bool all = true;
        for (std::size_t i = 0; i < cursors_.size() && all; ++i) {
            all = cardex::index::store_holds_phrase(cursors_[i], d, a_, corrupt, orders_[i]);
        }
        if (!corrupt) {
            ++store_checks_;
            return all;
        }
        if (ctx_->required) throw PositionsLost("the phrase check of card " + std::to_string(d));
        ctx_ = nullptr;  // malformed: what the store says is not to be trusted
    }
    ++xapian_checks_;
    return holds_phrases(db_, d, phrases_);
}

PhraseCheck check_phrases(const Xapian::Database& db,
                          PhraseChecker* checker,
                          const Xapian::Query& q,
                          const std::vector<std::uint32_t>& candidates,
                          std::size_t limit,
                          std::size_t wanted,
                          const std::function<bool(std::uint32_t)>& passes,
                          std::vector<std::uint32_t>& holders,
                          std::vector<std::uint32_t>& a,
                          std::vector<std::uint32_t>& b,
                          BudgetCheck& budget) {
    limit = std::max<std::size_t>(limit, 1);
    holders.clear();
    // The cards of `in` that hold the phrases, ascending, into `out`.
    auto check_within = [&](const std::vector<std::uint32_t>& in, std::vector<std::uint32_t>& out) {
        if (checker == nullptr || !checker->has_store()) {
            match_within(db, q, in, out, budget);
            return;
        }
        out.clear();
        for (const auto d : in) {
            budget();
            if (checker->holds(d)) out.push_back(d);
        }
    };
    std::vector<std::uint32_t> found;
    // The passing cards apart, when a filter is selective.
    a.clear();
    b.clear();
    for (const auto d : candidates) {
        budget();
        (passes(d) ? a : b).push_back(d);
        if (a.size() > limit) break;
    }
    if (a.size() <= limit && !b.empty()) {
        check_within(a, holders);
        // The others, in order, after the break above was not taken (b holds them all).
        const bool all_others = b.size() <= limit;
        if (!all_others) b.resize(limit);
        check_within(b, found);
        const auto mid = static_cast<std::ptrdiff_t>(holders.size());
        holders.insert(holders.end(), found.begin(), found.end());
        std::inplace_merge(holders.begin(), holders.begin() + mid, holders.end());
        return {candidates.size(), true, all_others};
    }
    std::size_t checked = 0;
    std::size_t passing = 0;
    std::size_t step = limit;
    while (checked < candidates.size()) {
        const std::size_t end = std::min(candidates.size(), checked + step);
        a.assign(candidates.begin() + static_cast<std::ptrdiff_t>(checked),
                 candidates.begin() + static_cast<std::ptrdiff_t>(end));
        check_within(a, found);
        for (const auto d : found) passing += passes(d) ? 1 : 0;
        holders.insert(holders.end(), found.begin(), found.end());
        step = end;  // the prefix doubles
        checked = end;
        if (passing >= wanted) break;
    }
    const bool all = checked == candidates.size();
    return {checked, all, all};
}

bool PhraseDecider::operator()(const Xapian::Document& doc) const { return accepts(doc.get_docid()); }

bool PhraseDecider::accepts(std::uint32_t d) const {
    if (d <= checked_to_) return std::binary_search(passing_.begin(), passing_.end(), d);
    if (!passes_all(cols_, in_, d)) return false;
    ++position_checks_;
    return checker_.holds(d);
}

}  // namespace cardex::query
