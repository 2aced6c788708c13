#include "warmer.h"

#include <optional>

#include "cardex/index/store.h"
#include "cardex/query/searcher.h"

namespace cardex::server {

Warmer::Warmer(std::string index_dir, ServerLog& log) : dir_(std::move(index_dir)), log_(log) {
    query::Searcher::hold_generations_until_warm(dir_);
    thread_ = std::thread([this] { run(); });
}

Warmer::~Warmer() {
    {
        std::lock_guard g(mu_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void Warmer::run() {
    // The Searcher of the newest warm generation: it holds that generation's columns in the
    // process-wide cache until the searchers have moved over and hold them too.
    std::optional<query::Searcher> warm;
    std::string warmed, failed;
    for (;;) {
        auto gen = index::live_generation(dir_);
        if (gen && gen.value() != warmed) {
            auto s = query::Searcher::open(dir_);
            auto w = s ? s->warm() : Result<query::WarmStats>(std::move(s).error());
            if (w) {
                warmed = w->generation;
                warm = std::move(s).value();
                log_.write("info",
                           "warmed generation",
                           {{"generation", warmed, false},
                            {"ms", std::to_string(static_cast<long long>(w->ms)), true},
                            {"words", std::to_string(w->words), true},
                            {"words_ms", std::to_string(static_cast<long long>(w->words_ms)), true},
                            {"words_mb", std::to_string(w->word_bytes >> 20), true}});
            } else if (gen.value() != failed) {
                // Retried at every poll (searchers keep the generation they serve meanwhile);
                // said once per generation.
                failed = gen.value();
                log_.write(
                    "warn",
                    "cannot warm generation",
                    {{"generation", gen.value(), false}, {"error", w.error().message, false}});
            }
        }
        std::unique_lock lock(mu_);
        if (wake_.wait_for(lock, kPoll, [this] { return stop_; })) return;
    }
}

}  // namespace cardex::server
