// The server's lanes (server/src/workers.h): which requests run where, and that a lane whose
// workers are all busy and whose queue is full sheds only its own requests.
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <vector>

#include <catch2/catch.hpp>

#include "workers.h"

using namespace cardex::server;

TEST_CASE("lane_of: phrases, wildcards and NEAR/ADJ searches are heavy, the rest by path",
          "[server][lanes]") {
    for (const char* target : {"/api/search?q=%22named%20entity%22",
                               "/api/search?q=%22named+entity%22&limit=10",
                               "/api/search?limit=5&q=bert*",
                               "/api/search?q=norwegian+NEAR+ner",
                               "/api/search?q=norwegian+NEAR/3+ner",
                               "/api/search?q=a+ADJ+b",
                               "/api/search?q=a%09NEAR%0Ab",
                               "/api/search/full-text?q=%22digitised+newspapers%22",
                               "/search?q=%22model+card%22",
                               "/?q=trans*"}) {
        INFO(target);
        CHECK(lane_of(target) == Lane::Heavy);
    }
    for (const char* target : {"/api/search?q=named+entity+recognition",
                               "/api/search?q=near+adjective",  // lower case: plain words
                               "/api/search?q=NEARBY+ADJUST",
                               "/api/search?tag=%22x%22",  // not the query text
                               "/api/search",
                               "/api/search?q=%zz%22",           // malformed: the handler's 400
                               "/api/models?search=%22bert%22",  // Hub search: ids only
                               "/api/models/google-bert/bert-base-uncased",
                               "/api/suggest?q=bert*",
                               "/models/a/b?q=%22x%22"}) {
        INFO(target);
        CHECK(lane_of(target) == Lane::Search);
    }
    CHECK(lane_of("/api/admin/cards") == Lane::Admin);
    CHECK(lane_of("/healthz") == Lane::Inline);
    CHECK(lane_of("/readyz") == Lane::Inline);
    CHECK(lane_of("/static/app.js") == Lane::Inline);
}

TEST_CASE("a heavy lane that is full sheds heavy searches only: plain ones still run",
          "[server][lanes]") {
    // One worker and one queue slot per lane; jobs never open the (missing) index.
    Lanes lanes("/nonexistent/cardex-index", 1, 1, 1);
    CHECK(&lanes.pool(Lane::Search) == &lanes.search);
    CHECK(&lanes.pool(Lane::Heavy) == &lanes.heavy);
    CHECK(&lanes.pool(Lane::Admin) == &lanes.admin);

    std::mutex mu;
    std::condition_variable cv;
    bool release = false;
    std::atomic<int> started{0};
    auto blocking = [&](SearcherSlot&) {
        ++started;
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return release; });
    };
    // The heavy worker is busy and its queue full: the next heavy search is shed.
    REQUIRE(lanes.pool(Lane::Heavy).submit(blocking));
    while (started.load() == 0) std::this_thread::yield();
    REQUIRE(lanes.pool(Lane::Heavy).submit(blocking));
    CHECK_FALSE(lanes.pool(Lane::Heavy).submit([](SearcherSlot&) {}));

    // A plain search runs meanwhile, and so does an admin job.
    for (const Lane lane : {Lane::Search, Lane::Admin}) {
        std::promise<void> done;
        auto ran = done.get_future();
        REQUIRE(lanes.pool(lane).submit([&](SearcherSlot&) { done.set_value(); }));
        CHECK(ran.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    }
    {
        std::lock_guard lock(mu);
        release = true;
    }
    cv.notify_all();
    lanes.heavy.stop();
    CHECK(started.load() == 2);  // the queued heavy search ran once the worker was free
}

TEST_CASE("a shed request says which lane was full, in its message and its metrics route",
          "[server][lanes]") {
    const Shed heavy = shed_of(Lane::Heavy);
    const Shed search = shed_of(Lane::Search);
    const Shed admin = shed_of(Lane::Admin);
    CHECK(heavy.message.find("phrase, wildcard or NEAR/ADJ") != std::string_view::npos);
    CHECK(heavy.message.find("other searches are still answered") != std::string_view::npos);
    CHECK(search.message == "the server is busy; retry in a moment");
    CHECK(admin.message.find("admin writes") != std::string_view::npos);
    // Three routes, none a request's own (metrics count shed requests apart from answered ones).
    CHECK(heavy.route != search.route);
    CHECK(heavy.route != admin.route);
    CHECK(search.route != admin.route);
    for (const auto& s : {heavy, search, admin}) CHECK(s.route.front() == '(');
}

namespace {

// This thread's nice value (Linux keeps one per thread), or -100 if it cannot be read.
int nice_of_this_thread() {
    errno = 0;
    const int n = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
    return errno == 0 ? n : -100;
}

// The nice values of every worker of `pool` (`threads` of them): one job per worker, each
// held until all have started, so no worker runs two.
std::vector<int> worker_nices(WorkerPool& pool, int threads) {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<int> seen;
    int started = 0, done = 0;
    for (int i = 0; i < threads; ++i) {
        REQUIRE(pool.submit([&](SearcherSlot&) {
            std::unique_lock lock(mu);
            seen.push_back(nice_of_this_thread());
            ++started;
            cv.notify_all();
            cv.wait_for(lock, std::chrono::seconds(30), [&] { return started == threads; });
            ++done;
            cv.notify_all();
        }));
    }
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(60), [&] { return done == threads; });
    REQUIRE(done == threads);
    return seen;
}

}  // namespace

TEST_CASE("the heavy workers run at the nice value they are given, the others at the process's",
          "[server][lanes]") {
    const int base = nice_of_this_thread();
    REQUIRE(base != -100);
    {
        Lanes lanes("/nonexistent/cardex-index", 2, 3, 4, 7);
        // Added to the process's nice value, up to 19 (the lowest priority).
        CHECK(worker_nices(lanes.heavy, 3) == std::vector<int>(3, std::min(19, base + 7)));
        CHECK(worker_nices(lanes.search, 2) == std::vector<int>(2, base));
        CHECK(worker_nices(lanes.admin, 1) == std::vector<int>{base});
        // The thread that made the pools is left as it was.
        CHECK(nice_of_this_thread() == base);
    }
    {
        Lanes lanes("/nonexistent/cardex-index", 1, 1, 4);  // the default: no change
        CHECK(worker_nices(lanes.heavy, 1) == std::vector<int>{base});
    }
    {
        // Past 19 the value stops at 19 (the lowest priority).
        Lanes lanes("/nonexistent/cardex-index", 1, 1, 4, 19);
        CHECK(worker_nices(lanes.heavy, 1) == std::vector<int>{19});
    }
}
