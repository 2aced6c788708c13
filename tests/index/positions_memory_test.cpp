// How much of its inputs a position store merge (index/positions.h) keeps in the process's
// memory. The merge reads each input through a read-only mapping, front to back; before the
// pages behind its reading point were dropped, a 3M-card reindex ended with 3.2 GB of them in
// its RSS (docs/PERFORMANCE.md, "The store merge without its inputs in RSS"). Measured here with
// the kernel's peak-RSS counter, reset just before the merge (/proc/self/clear_refs): an observable
// of the process, not a timing.
#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cardex/index/positions.h"
#include "support.h"

using namespace cardex;
using namespace cardex::index;

namespace {

// A field of /proc/self/status in kB (VmRSS: now; VmHWM: the peak), or -1.
long status_kb(const std::string& field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) != 0) continue;
        std::istringstream v(line.substr(field.size() + 1));
        long kb = -1;
        v >> kb;
        return kb;
    }
    return -1;
}

// Resets VmHWM to the current RSS (Linux 4.0 on). False where the kernel does not allow it.
bool reset_peak_rss() {
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
    out.flush();
    return static_cast<bool>(out);
}

constexpr std::uint32_t kCards = 40;   // per input
constexpr std::uint32_t kTerms = 400;  // in every card
constexpr std::uint32_t kEach = 1000;  // positions of each term in each card

// Term t's positions in card d: kEach of them, one and two apart in turn (a byte a delta).
std::uint32_t position(std::uint32_t d, std::uint32_t t, std::uint32_t i) {
    return 1 + (d + t) % 5 + i + i / 2;
}

// Writes a store of docids first..first + kCards - 1: about 16 MB.
std::string write_input(const test::TempDir& tmp, std::uint32_t first, const std::string& name) {
    std::vector<TermPosition> sorted(std::size_t{kTerms} * kEach);
    for (std::uint32_t t = 0; t < kTerms; ++t) {
        const std::string term = "t" + std::to_string(1000 + t);  // sorted as numbers
        for (std::uint32_t i = 0; i < kEach; ++i) sorted[std::size_t{t} * kEach + i].term = term;
    }
    PositionCollector col;
    col.reset(first);
    for (std::uint32_t d = first; d < first + kCards; ++d) {
        for (std::uint32_t t = 0; t < kTerms; ++t)
            for (std::uint32_t i = 0; i < kEach; ++i)
                sorted[std::size_t{t} * kEach + i].pos = position(d, t, i);
        col.add(d, sorted, sorted.size());
    }
    const std::string path = (tmp.path() / name).string();
    REQUIRE(col.write(path).has_value());
    return path;
}

// The stores' sizes, summed.
std::uint64_t store_bytes(const std::vector<std::string>& paths) {
    std::uint64_t bytes = 0;
    for (const auto& p : paths) {
        auto s = PositionStore::open(p);
        REQUIRE(s.has_value());
        bytes += s.value()->file_bytes();
    }
    return bytes;
}

// Merges `inputs` (`input_bytes` in all) into `out` with the peak-RSS counter reset just
// before, checks that the peak grew by less than half the inputs' size, and opens the
// output (its CRC checked).
std::shared_ptr<const PositionStore> merge_measured(const std::vector<std::string>& inputs,
                                                    const std::string& out,
                                                    std::uint64_t input_bytes) {
    const bool measured = reset_peak_rss();
    const long before = status_kb("VmRSS");
    REQUIRE(merge_position_files(inputs, out).has_value());
    const long peak = status_kb("VmHWM");
    if (measured) {
        REQUIRE(before > 0);
        REQUIRE(peak >= before);
        INFO("inputs " << input_bytes / 1024 << " kB, RSS before " << before << " kB, peak " << peak
                       << " kB");
        CHECK(static_cast<std::uint64_t>(peak - before) < input_bytes / 1024 / 2);
    } else {
        WARN("/proc/self/clear_refs cannot reset the peak RSS here: memory not measured");
    }
    auto m = PositionStore::open(out);
    REQUIRE(m.has_value());
    CHECK(m.value()->verify().has_value());
    return m.value();
}

}  // namespace

TEST_CASE("position store: a merge keeps little of its inputs mapped in memory", "[positions]") {
    test::TempDir tmp;
    const std::vector<std::string> inputs = {write_input(tmp, 1, "a"),
                                             write_input(tmp, 1 + kCards, "b")};
    const std::uint64_t input_bytes = store_bytes(inputs);
    REQUIRE(input_bytes > (std::uint64_t{28} << 20));

    const std::string out = (tmp.path() / "merged").string();
    // Without dropping the pages read, the peak grows by the inputs' whole size.
    const auto merged = merge_measured(inputs, out, input_bytes);

    // And the merge is still right: every card's positions of a few terms, and every CRC.
    const PositionStore& store = *merged;
    CHECK(store.first_docid() == 1);
    CHECK(store.last_docid() == 2 * kCards);
    CHECK(store.term_count() == kTerms);
    std::vector<std::uint32_t> got, want(kEach);
    for (const std::uint32_t t : {0u, 199u, kTerms - 1}) {
        PositionStore::Cursor c(store, "t" + std::to_string(1000 + t));
        for (std::uint32_t d = 1; d <= 2 * kCards; ++d) {
            INFO("term " << t << ", card " << d);
            REQUIRE(c.seek(d));
            REQUIRE(c.card() == d);
            REQUIRE(c.positions(got));
            for (std::uint32_t i = 0; i < kEach; ++i) want[i] = position(d, t, i);
            CHECK(got == want);
        }
        CHECK_FALSE(c.seek(2 * kCards + 1));
    }
}

TEST_CASE("position store: a merge never holds a whole term's positions in memory", "[positions]") {
    // A common word's section is the largest thing a merge meets: tens of MB at 3M cards,
    // and it grows with the corpus. The merge used to assemble each term's stream and then
    // its section in strings (about three times the term's size at the peak); it now
    // copies the streams from the mappings into the file in 4 MB steps.
    test::TempDir tmp;
    constexpr std::uint32_t kHugeCards = 40;     // per input
    constexpr std::uint32_t kHugeEach = 400000;  // positions of "huge" in each card
    auto write_huge = [&](std::uint32_t first, const std::string& name) {
        std::vector<TermPosition> sorted;
        PositionCollector col;
        col.reset(first);
        for (std::uint32_t d = first; d < first + kHugeCards; ++d) {
            sorted.clear();
            sorted.push_back({"a", d});
            for (std::uint32_t i = 0; i < kHugeEach; ++i) sorted.push_back({"huge", 1 + i + d % 2});
            sorted.push_back({"z", 7});
            col.add(d, sorted, sorted.size());
        }
        const std::string path = (tmp.path() / name).string();
        REQUIRE(col.write(path).has_value());
        return path;
    };
    const std::vector<std::string> inputs = {write_huge(1, "a"), write_huge(1 + kHugeCards, "b")};
    const std::uint64_t input_bytes = store_bytes(inputs);
    REQUIRE(input_bytes > (std::uint64_t{30} << 20));  // nearly all of it the one term

    const std::string out = (tmp.path() / "merged").string();
    // Assembled in memory, the term alone would raise the peak past the inputs' size.
    const auto merged = merge_measured(inputs, out, input_bytes);
    const PositionStore& store = *merged;
    CHECK(store.term_count() == 3);
    std::vector<std::uint32_t> got;
    PositionStore::Cursor huge(store, "huge");
    for (std::uint32_t d = 1; d <= 2 * kHugeCards; ++d) {
        INFO("card " << d);
        REQUIRE(huge.seek(d));
        REQUIRE(huge.card() == d);
        REQUIRE(huge.positions(got));
        REQUIRE(got.size() == kHugeEach);
        CHECK(got.front() == 1 + d % 2);
        CHECK(got.back() == kHugeEach + d % 2);
    }
    for (const char* t : {"a", "z"}) {
        PositionStore::Cursor c(store, t);
        REQUIRE(c.seek(2 * kHugeCards));
        CHECK(c.card() == 2 * kHugeCards);
    }
}
