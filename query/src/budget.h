#pragma once
// A request's budget (private to query/): its deadline and the flag that says its client
// went away, checked inside every loop whose length the request decides. When it runs out the
// check throws BudgetExceeded, which the Searcher turns into DeadlineExceeded: the request
// stops holding a core, whatever it was doing.
//
// Inside Xapian's matcher, which has no way to be stopped (Enquire::set_time_limit only
// relaxes check_at_least), the checks ride on two callbacks the matcher must call: a match
// spy (called for every document that matches) and a posting source ANDed into the ranked
// query that matches every document (called as the matcher moves between candidates, so
// also while phrases or wildcards reject most of them). Both are per request and per thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>

#include <xapian.h>

#include "cardex/query/request.h"

namespace cardex::query {

struct BudgetExceeded : std::runtime_error {
    explicit BudgetExceeded(bool by_cancel)
        : std::runtime_error(by_cancel ? "cancelled" : "deadline"), cancelled(by_cancel) {}
    bool cancelled;
};

/// Cheap to call often: looks at the clock once every `every` calls.
class BudgetCheck {
public:
    explicit BudgetCheck(const Budget& b, std::uint32_t every = 1024)
        : b_(b), every_(every), left_(every) {}
    /// A countdown, not `++n % every`: this runs once per document in the tightest loops,
    /// where a division by a run-time divisor cost an eighth of the counting pass (perf).
    void operator()() {
        if (--left_ != 0) return;
        left_ = every_;
        now();
    }
    /// Checks at once.
    void now() const {
        if (b_.cancelled != nullptr && b_.cancelled->load(std::memory_order_relaxed)) {
            throw BudgetExceeded(true);
        }
        if (std::chrono::steady_clock::now() >= b_.deadline) throw BudgetExceeded(false);
    }
    const Budget& limits() const { return b_; }
    bool unlimited() const { return is_unlimited(b_); }
    /// Nothing to check: no deadline and no cancellation flag.
    static bool is_unlimited(const Budget& b) {
        return b.cancelled == nullptr && b.deadline == std::chrono::steady_clock::time_point::max();
    }

  private:
    const Budget& b_;
    std::uint32_t every_;
    std::uint32_t left_;
};

/// A match spy that only checks the budget (see above).
class BudgetSpy : public Xapian::MatchSpy {
public:
    explicit BudgetSpy(const Budget& b) : check_(b, 256) {}
    void operator()(const Xapian::Document&, double) override { check_(); }

private:
    BudgetCheck check_;
};

/// Matches every document with weight 0 and checks the budget as the matcher moves; ANDed
/// (OP_FILTER) into a ranked query it changes nothing but who may stop the match.
class BudgetSource : public Xapian::PostingSource {
public:
    BudgetSource(const Budget& b, Xapian::docid last) : check_(b, 512), last_(last) {}
    void init(const Xapian::Database&) override { at_ = 0; }
    Xapian::doccount get_termfreq_min() const override { return last_; }
    Xapian::doccount get_termfreq_est() const override { return last_; }
    Xapian::doccount get_termfreq_max() const override { return last_; }
    void next(double) override {
        check_();
        ++at_;
    }
    void skip_to(Xapian::docid did, double) override {
        check_();
        if (did > at_) at_ = did;
    }
    bool check(Xapian::docid did, double) override {
        check_();
        at_ = did;
        return true;
    }
    bool at_end() const override { return at_ > last_; }
    // Each shard of a combined database gets its own copy, checking the same budget.
    BudgetSource* clone() const override { return new BudgetSource(check_.limits(), last_); }
    Xapian::docid get_docid() const override { return at_; }

private:
    BudgetCheck check_;
    Xapian::docid last_;
    Xapian::docid at_ = 0;
};

}  // namespace cardex::query
