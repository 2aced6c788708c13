#include "warm.h"

#include <map>
#include <mutex>

#include "cardex/index/schema.h"
#include "plan.h"

namespace cardex::query {

namespace idx = cardex::index;

namespace {

std::mutex g_mu;
// dir -> its warm generation ("" until the first is warmed), for held directories only.
std::map<std::string, std::string>& held() {
    static std::map<std::string, std::string> m;
    return m;
}

}  // namespace

void hold_until_warm(const std::string& dir) {
    std::lock_guard g(g_mu);
    held().emplace(dir, std::string());
}

void mark_warm(const std::string& dir, const std::string& generation) {
    std::lock_guard g(g_mu);
    auto it = held().find(dir);
    if (it != held().end()) it->second = generation;
}

bool may_switch(const std::string& dir, const std::string& generation) {
    std::lock_guard g(g_mu);
    auto it = held().find(dir);
    return it == held().end() || it->second == generation;
}

void warm_columns(const Xapian::Database& db, Columns& cols) {
    for (const auto& f : idx::kFacets) cols.public_counts(db, f.facet);  // builds the column too
    cols.lineage(db);
    cols.value(db, idx::kSlotPrior);
    cols.value(db, idx::kSlotParams);
    cols.doclengths(db);
    for (Sort s : {Sort::Downloads,
                   Sort::Likes,
                   Sort::Trending,
                   Sort::Created,
                   Sort::Modified,
                   Sort::Quality}) {
        cols.order(db, sort_slot(s));
    }
}

}  // namespace cardex::query
