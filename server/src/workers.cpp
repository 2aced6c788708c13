#include "workers.h"

namespace cardex::server {

Lane lane_of(std::string_view target) {
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/openapi.json" ||
        path == "/favicon.ico" || path == "/robots.txt" || path.substr(0, 8) == "/static/") {
        return Lane::Inline;
    }
    if (path == "/api/admin" || path.substr(0, 11) == "/api/admin/") return Lane::Admin;
    return Lane::Search;
}

query::Searcher* SearcherSlot::get() {
    if (searcher_) return &*searcher_;
    const auto now = std::chrono::steady_clock::now();
    if (now < next_try_) return nullptr;
    next_try_ = now + std::chrono::seconds(1);
    auto opened = query::Searcher::open(dir_);
    if (!opened) {
        error_ = opened.error();
        return nullptr;
    }
    searcher_.emplace(std::move(opened).value());
    return &*searcher_;
}

WorkerPool::WorkerPool(std::string index_dir, unsigned threads, std::size_t max_queued)
    : dir_(std::move(index_dir)), max_queued_(max_queued) {
    threads_.reserve(threads);
    for (unsigned i = 0; i < std::max(1u, threads); ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() {
    stop();
}

bool WorkerPool::submit(Job job) {
    {
        std::lock_guard lock(mu_);
        if (stopping_ || jobs_.size() >= max_queued_) return false;
        jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
    return true;
}

void WorkerPool::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
}

std::size_t WorkerPool::queued() const {
    std::lock_guard lock(mu_);
    return jobs_.size();
}

void WorkerPool::run() {
    SearcherSlot slot(dir_);  // this thread's Searcher, never shared
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping, nothing left
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        try {
            job(slot);
        } catch (...) {
            // Jobs answer their own errors (Handler::handle never throws); a worker must
            // outlive anything that slips through.
        }
    }
}

}  // namespace cardex::server
