#pragma once
// A byte-bounded, least-recently-used cache of one immutable value per term: the term
// bitmaps of the match sets (termsets.h) and the ranking's postings (impacts.h) are both
// kept per index revision this way.
//
// Values are made outside the lock (decoding a postlist takes milliseconds) and shared as
// shared_ptr<const V>: a query keeps the ones it uses alive even if the cache drops them.
// Two threads may both make a term the first time; the second insert finds the first and
// keeps it. Thread-safe: one mutex around the map and the recency list, held for lookups
// and inserts only.
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace cardex::query {

template <class V>
class TermLru {
  public:
    explicit TermLru(std::size_t cap_bytes) : cap_(cap_bytes) {}

    /// `term`'s value: the cached one (now the most recently used), else `make()` (a V),
    /// inserted with `bytes_of(value)` bytes, dropping the least recently used others while
    /// the bytes exceed the bound (the new one is kept even if it alone exceeds it). Cost: a
    /// lookup, or make() and O(values dropped).
    template <class Make, class Bytes>
    std::shared_ptr<const V> get(const std::string& term, Make&& make, Bytes&& bytes_of) {
        {
            std::lock_guard g(mu_);
            if (auto it = entries_.find(term); it != entries_.end()) {
                lru_.splice(lru_.begin(), lru_, it->second.lru);
                return it->second.value;
            }
        }
        auto value = std::make_shared<const V>(make());
        const std::size_t bytes = bytes_of(*value);
        std::lock_guard g(mu_);
        if (auto it = entries_.find(term); it != entries_.end()) return it->second.value;
        lru_.push_front(term);
        entries_.emplace(term, Entry{value, bytes, lru_.begin()});
        bytes_ += bytes;
        while (bytes_ > cap_ && lru_.size() > 1) {
            auto victim = entries_.find(lru_.back());
            bytes_ -= victim->second.bytes;
            entries_.erase(victim);
            lru_.pop_back();
        }
        return value;
    }

    /// Whether `term` is cached now (no effect on the recency order).
    bool contains(const std::string& term) const {
        std::lock_guard g(mu_);
        return entries_.count(term) != 0;
    }
    std::size_t size() const {
        std::lock_guard g(mu_);
        return entries_.size();
    }
    std::size_t bytes() const {
        std::lock_guard g(mu_);
        return bytes_;
    }
    std::size_t capacity() const { return cap_; }

  private:
    struct Entry {
        std::shared_ptr<const V> value;
        std::size_t bytes = 0;
        std::list<std::string>::iterator lru;
    };
    mutable std::mutex mu_;
    std::unordered_map<std::string, Entry> entries_;
    std::list<std::string> lru_;  ///< most recently used first
    std::size_t bytes_ = 0;
    const std::size_t cap_;
};

}  // namespace cardex::query
