#pragma once
// The server's warmer: a thread that warms each new generation of the index before the
// searchers move to it (query::Searcher::warm, hold_generations_until_warm), so neither the
// first requests after a start nor those after a reindex's swap pay for building columns.
// Polls the index directory every kPoll; logs each warm-up with its duration. Owns its
// thread; the destructor stops and joins it (waiting for a warm-up under way).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "server_log.h"

namespace cardex::server {

class Warmer {
  public:
    static constexpr std::chrono::milliseconds kPoll{250};

    /// Holds `index_dir`'s generations until warm (process-wide) and starts the thread.
    Warmer(std::string index_dir, ServerLog& log);
    ~Warmer();
    Warmer(const Warmer&) = delete;
    Warmer& operator=(const Warmer&) = delete;

  private:
    void run();

    std::string dir_;
    ServerLog& log_;
    std::mutex mu_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace cardex::server
