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
#include <thread>
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

namespace {

// Waits (up to 30 s, to fail rather than hang) until `done` holds.
template <class Pred>
bool eventually(Pred done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

// Where a test's jobs wait until the test opens it.
class Latch {
  public:
    void wait() {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return open_; });
    }
    void open() {
        {
            std::lock_guard lock(mu_);
            open_ = true;
        }
        cv_.notify_all();
    }

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool open_ = false;
};

// A client's stream of heavy searches on one worker thread, each step one search that asks
// the gate before it begins (as Handler::handle does), until told to stop; counts the steps
// it was let through. It stays in flight between steps, as a stream sent back to back does
// (the dip between two searches is shorter than CoreGate::kFloodGrace).
class HeavySearch {
  public:
    explicit HeavySearch(CoreGate& gate) : gate_(gate) {
        gate_.enter(Lane::Heavy);
        thread_ = std::thread([this] {
            gate_.begin_heavy();
            while (!stop_.load()) {
                while (gate_.pause()) {  // held: the budget would be checked here
                    if (stop_.load()) break;
                }
                ++steps_;
                std::this_thread::yield();
            }
            gate_.end_heavy();
            gate_.leave(Lane::Heavy);
        });
    }
    ~HeavySearch() { finish(); }
    void finish() {
        stop_.store(true);
        if (thread_.joinable()) thread_.join();
    }
    std::uint64_t steps() const { return steps_.load(); }
    // Whether no step goes through in `wait` (the search is held).
    bool held_for(std::chrono::milliseconds wait) const {
        const auto before = steps();
        std::this_thread::sleep_for(wait);
        return steps() == before;
    }

  private:
    CoreGate& gate_;
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> steps_{0};
    std::thread thread_;
};

}  // namespace

TEST_CASE(
    "heavy searches pause for plain ones only once they flood, and go on when a core "
    "is free",
    "[server][lanes][gate]") {
    // Two cores, two plain workers; heavy searches flood from 2 in flight.
    CoreGate gate(2, 2, 2);
    gate.enter(Lane::Search);
    gate.enter(Lane::Search);  // both cores wanted by plain searches
    HeavySearch a(gate);
    // One heavy search in flight is no flood: it runs, however busy the plain lane is.
    REQUIRE(eventually([&] { return a.steps() > 100; }));
    CHECK(gate.pauses() == 0);

    HeavySearch b(gate);
    // Two in flight, but not yet for CoreGate::kFloodSustain: a burst, let through.
    REQUIRE(eventually([&] { return b.steps() > 100; }));
    // Sustained: both are held while plain searches want both cores.
    std::this_thread::sleep_for(CoreGate::kFloodSustain + std::chrono::milliseconds(50));
    REQUIRE(eventually([&] {
        return a.held_for(std::chrono::milliseconds(50)) &&
               b.held_for(std::chrono::milliseconds(50));
    }));
    CHECK(gate.pauses() > 0);

    // One plain search finishes: one core is free, and one heavy search (not two) takes it.
    gate.leave(Lane::Search);
    REQUIRE(eventually([&] {
        const bool a_runs = !a.held_for(std::chrono::milliseconds(30));
        const bool b_runs = !b.held_for(std::chrono::milliseconds(30));
        return a_runs != b_runs;
    }));
    // The other: both cores free.
    gate.leave(Lane::Search);
    REQUIRE(eventually([&] {
        return !a.held_for(std::chrono::milliseconds(30)) &&
               !b.held_for(std::chrono::milliseconds(30));
    }));

    // Plain searches again: the flood still holds; then one heavy search finishes, the
    // flood is over, and the other runs beside the plain ones.
    gate.enter(Lane::Search);
    gate.enter(Lane::Search);
    REQUIRE(eventually([&] {
        return a.held_for(std::chrono::milliseconds(50)) &&
               b.held_for(std::chrono::milliseconds(50));
    }));
    a.finish();
    REQUIRE(eventually([&] { return !b.held_for(std::chrono::milliseconds(30)); }));
    b.finish();
    gate.leave(Lane::Search);
    gate.leave(Lane::Search);
}

TEST_CASE("a held heavy search is asked again every slice, so its budget is still checked",
          "[server][lanes][gate]") {
    CoreGate gate(1, 1, 1);  // one core; one heavy search in flight is a flood
    gate.enter(Lane::Search);
    gate.enter(Lane::Heavy);
    std::this_thread::sleep_for(CoreGate::kFloodSustain + std::chrono::milliseconds(50));
    gate.begin_heavy();
    // Held: pause() waits a slice and says so, then returns to its caller.
    CHECK(gate.pause());
    CHECK(gate.pause());
    CHECK(gate.pauses() == 2);
    CHECK(CoreGate::pauses_on_this_thread() >= 2);
    gate.leave(Lane::Search);
    CHECK_FALSE(gate.pause());  // the core is free
    CHECK(gate.pauses() == 2);
    gate.end_heavy();
    gate.leave(Lane::Heavy);

    // Never: a gate with flood_at 0 lets every heavy search run.
    CoreGate never(1, 1, 0);
    never.enter(Lane::Search);
    never.enter(Lane::Heavy);
    std::this_thread::sleep_for(CoreGate::kFloodSustain + std::chrono::milliseconds(50));
    never.begin_heavy();
    CHECK_FALSE(never.pause());
    CHECK(never.pauses() == 0);
}

TEST_CASE("a dip in a flood shorter than its grace does not end it, a longer one does",
          "[server][lanes][gate]") {
    CoreGate gate(1, 1, 1);    // one core; one heavy search in flight is a flood
    gate.enter(Lane::Search);  // and the plain lane wants the core
    gate.enter(Lane::Heavy);
    std::this_thread::sleep_for(CoreGate::kFloodSustain + std::chrono::milliseconds(50));
    gate.begin_heavy();
    CHECK(gate.pause());  // flooded: held
    // Answered (it went on at its deadline, say); the client sends its next phrase at once.
    gate.end_heavy();
    gate.leave(Lane::Heavy);
    gate.enter(Lane::Heavy);
    gate.begin_heavy();
    CHECK(gate.pause());  // the same flood: held at once, no new kFloodSustain
    gate.end_heavy();
    gate.leave(Lane::Heavy);
    // A break longer than the grace: the next search starts a burst, let through until
    // it too has lasted kFloodSustain.
    std::this_thread::sleep_for(CoreGate::kFloodGrace * 3);
    gate.enter(Lane::Heavy);
    gate.begin_heavy();
    CHECK_FALSE(gate.pause());
    gate.end_heavy();
    gate.leave(Lane::Heavy);
    gate.leave(Lane::Search);
    CHECK(gate.pauses() == 2);
}

TEST_CASE("a heavy search of a stream floods by itself, as many as flood_at others do",
          "[server][lanes][gate]") {
    CoreGate gate(1, 1, 3);    // one core; three heavy searches in flight are a flood
    gate.enter(Lane::Search);  // and the plain lane wants the core
    // Two that are not a stream's: below flood_at, however long they last.
    gate.enter(Lane::Heavy);
    gate.enter(Lane::Heavy);
    std::this_thread::sleep_for(CoreGate::kFloodSustain + std::chrono::milliseconds(50));
    gate.begin_heavy();
    CHECK_FALSE(gate.pause());
    gate.end_heavy();
    gate.leave(Lane::Heavy);
    gate.leave(Lane::Heavy);
    // One of a stream: a flood once it has lasted kFloodSustain.
    gate.enter(Lane::Heavy, true);
    gate.begin_heavy();
    CHECK_FALSE(gate.pause());  // a burst so far
    gate.end_heavy();
    std::this_thread::sleep_for(CoreGate::kFloodSustain + std::chrono::milliseconds(50));
    gate.begin_heavy();
    CHECK(gate.pause());
    gate.end_heavy();
    // It leaves with its weight: past the grace, a plain heavy search runs again.
    gate.leave(Lane::Heavy, true);
    std::this_thread::sleep_for(CoreGate::kFloodGrace * 3);
    gate.enter(Lane::Heavy);
    std::this_thread::sleep_for(CoreGate::kFloodSustain + std::chrono::milliseconds(50));
    gate.begin_heavy();
    CHECK_FALSE(gate.pause());
    gate.end_heavy();
    gate.leave(Lane::Heavy);
    gate.leave(Lane::Search);
    CHECK(gate.pauses() == 1);
}

TEST_CASE(
    "with a share, a flood's heavy searches still move while plain ones keep every "
    "core busy",
    "[server][lanes][gate]") {
    for (const unsigned share : {0u, 50u}) {
        INFO("share " << share);
        CoreGate gate(1, 1, 1, share);  // one core; one heavy search in flight is a flood
        gate.enter(Lane::Search);       // and the plain lane wants it
        HeavySearch a(gate);
        std::this_thread::sleep_for(CoreGate::kFloodSustain + std::chrono::milliseconds(50));
        const auto before = a.steps();
        // Long enough for many shares (one every kShareUnit at 50%, each then let go at the
        // slice's end), yet held between them.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        if (share == 0) {
            CHECK(a.held_for(std::chrono::milliseconds(50)));
            CHECK(a.steps() - before <= 1);  // at most the step it was taking
        } else {
            CHECK(a.steps() > before);
        }
        a.finish();
        gate.leave(Lane::Search);
    }
}

TEST_CASE("the lanes tell the gate of every search they queue and finish",
          "[server][lanes][gate]") {
    // One search and one heavy worker on one core; heavy searches flood from 1 in flight.
    Lanes lanes("/nonexistent/cardex-index", 1, 1, 8, 0, 1, 1);
    Latch release;
    std::atomic<bool> plain_running{false};
    std::atomic<bool> plain_gate{true};
    std::atomic<int> heavy_gate{0};  // 1: the gate, 2: anything else
    // A plain search that holds the core until released.
    REQUIRE(lanes.search.submit([&](SearcherSlot& slot) {
        plain_gate = slot.gate() != nullptr;
        plain_running = true;
        release.wait();
    }));
    REQUIRE(eventually([&] { return plain_running.load(); }));
    // A heavy search asks the gate through its slot, as Handler::handle does.
    std::atomic<bool> heavy_done{false};
    std::atomic<int> waits{0};
    REQUIRE(lanes.heavy.submit([&](SearcherSlot& slot) {
        heavy_gate = slot.gate() == &lanes.gate ? 1 : 2;
        if (heavy_gate != 1) return;
        std::this_thread::sleep_for(CoreGate::kFloodSustain + std::chrono::milliseconds(50));
        while (slot.gate()->pause()) ++waits;
        heavy_done = true;
    }));
    REQUIRE(eventually([&] { return waits.load() >= 3 || heavy_gate.load() == 2; }));
    CHECK_FALSE(plain_gate.load());   // plain searches never pause
    REQUIRE(heavy_gate.load() == 1);  // heavy ones ask the gate
    CHECK_FALSE(heavy_done.load());
    release.open();
    REQUIRE(eventually([&] { return heavy_done.load(); }));
    lanes.search.stop();
    lanes.heavy.stop();
}

TEST_CASE("a search's lane count drops when its request is computed, before its worker is done",
          "[server][lanes][gate]") {
    // One search and one heavy worker on one core; heavy searches flood from 1 in flight.
    Lanes lanes("/nonexistent/cardex-index", 1, 1, 8, 0, 1, 1);
    Latch release;
    std::atomic<bool> plain_computed{false};
    // A plain search whose response is ready (computed) while its worker is still busy, as
    // when the worker hands the response to the io thread.
    REQUIRE(lanes.search.submit([&](SearcherSlot& slot) {
        slot.computed();
        slot.computed();  // once per job: a second call changes nothing
        plain_computed = true;
        release.wait();
    }));
    REQUIRE(eventually([&] { return plain_computed.load(); }));
    // A flood's heavy search finds the core free: the plain search no longer counts.
    std::atomic<bool> heavy_done{false};
    std::atomic<int> waits{0};
    REQUIRE(lanes.heavy.submit([&](SearcherSlot& slot) {
        std::this_thread::sleep_for(CoreGate::kFloodSustain + std::chrono::milliseconds(50));
        while (slot.gate()->pause()) ++waits;
        heavy_done = true;
    }));
    REQUIRE(eventually([&] { return heavy_done.load(); }));
    CHECK(waits.load() == 0);
    CHECK(lanes.gate.pauses() == 0);
    release.open();
    lanes.search.stop();
    lanes.heavy.stop();
}
