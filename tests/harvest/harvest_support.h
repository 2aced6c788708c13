#pragma once
// What the harvest tests share: `cardex serve` and the fault proxy as child processes on
// loopback, `cardex harvest` runs, and the comparison of two indexes' answers.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "process.h"
#include "support.h"

namespace cardex::test {

/// `cardex serve` on `index` on a free loopback port; stopped (SIGTERM) when destroyed.
/// The constructor returns once /readyz answers 200 (the index is warm). `tokens`: a
/// --tokens file for the server, when given.
class Served {
  public:
    Served(const std::string& index, const std::string& log, const std::string& tokens = {});
    ~Served();
    Served(const Served&) = delete;
    Served& operator=(const Served&) = delete;
    const std::string& url() const { return url_; }

  private:
    Child child_;
    std::string url_;
};

/// tests/harvest/fault_proxy.mjs in front of `target`, with `config` (its JSON); every
/// request it saw is in log(). TLS with `cert`/`key` when given. Stopped when destroyed.
class Proxy {
  public:
    Proxy(const std::string& target,
          const std::string& config,
          const std::string& dir,
          const std::string& cert = {},
          const std::string& key = {});
    ~Proxy();
    Proxy(const Proxy&) = delete;
    Proxy& operator=(const Proxy&) = delete;
    const std::string& url() const { return url_; }
    /// The requests seen so far, one JSON object each ({n, method, url, auth, fault}).
    std::vector<boost::json::object> log() const;

  private:
    Child child_;
    std::string url_;
    std::string log_;
};

/// Whether node runs here (the proxy needs it; scripts/bootstrap installs it).
bool have_node();

/// `cardex ARGS...` (run_cardex): exit code and what it printed (stdout and stderr).
ProcessResult run_cardex(const std::vector<std::string>& args);

/// An index of the first `n` real model cards (data/cards/models.jsonl), built by
/// `cardex reindex` into `dir`/origin; returns its path.
std::string subset_index(const std::string& dir, std::size_t n);

/// GET `url` over loopback: status and body (0 and "" when it cannot be had).
std::pair<unsigned, std::string> http_get(const std::string& url);

/// Compares the answers of two indexes (through one Handler, in process) to `targets`:
/// status, body (a JSON object's `took_ms` and `next_cursor` left out: timings, and cursors
/// that name the generation), X-Total-Count and the Link header up to its cursor. Returns
/// how many differ; each difference is reported with INFO/CHECK.
std::size_t compare_answers(const std::string& origin_index,
                            const std::string& mirror_index,
                            const std::vector<std::string>& targets);

/// Whether the two indexes answer `target` alike (as compare_answers, without checks).
bool same_answer(const std::string& origin_index,
                 const std::string& mirror_index,
                 const std::string& target);

/// The ids of every card a listing (`/api/models?...`) pages through, in order.
std::vector<std::string> listing_ids(const std::string& index, const std::string& target);

/// The number in "KEY N" of the summary line that `cardex harvest` prints ("upserted 12").
long summary_count(const std::string& output, const std::string& key);

}  // namespace cardex::test
