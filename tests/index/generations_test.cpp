// Generations under failure and concurrency: what is published, what is pinned, what goes.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <thread>

#include "cardex/index/errors.h"
#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/index/summary.h"
#include "cardex/index/writer.h"
#include "support.h"

using namespace cardex::index;
using cardex::Errc;

namespace {

std::vector<Card> cards(int n, const std::string& prefix) {
    std::vector<Card> out;
    for (int i = 0; i < n; ++i) {
        Card c;
        c.id = prefix + "/c" + std::to_string(i);
        c.author = prefix;
        c.name = "c" + std::to_string(i);
        c.title = c.name;
        c.body = "text about generations";
        c.downloads = i;
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace

TEST_CASE("an empty build is never published unless asked for", "[index][store]") {
    cardex::test::TempDir dir;
    REQUIRE(build_index(dir.str(), cards(5, "a"), {}).has_value());
    const std::string live = live_generation(dir.str()).value();
    auto empty = build_index(dir.str(), {}, {});
    REQUIRE_FALSE(empty.has_value());
    CHECK(empty.error().code == Errc::FailedPrecondition);
    CHECK(live_generation(dir.str()).value() == live);
    CHECK(open_reader(dir.str())->get_doccount() == 5);
    BuildOptions allow;
    allow.allow_empty = true;
    REQUIRE(build_index(dir.str(), {}, allow).has_value());
    CHECK(open_reader(dir.str())->get_doccount() == 0);
}

TEST_CASE("a lock held by the caller is used, one of another index is refused", "[index][store]") {
    cardex::test::TempDir a, b;
    REQUIRE(build_index(a.str(), cards(2, "a"), {}).has_value());
    WriterLock lock(a.str(), false);
    REQUIRE(lock.held());
    // The lock is ours: another writer (without it) is refused meanwhile.
    CHECK(build_index(a.str(), cards(3, "a"), {}).error().code == Errc::Unavailable);
    BuildOptions with;
    with.held_lock = &lock;
    REQUIRE(build_index(a.str(), cards(3, "a"), with).has_value());
    CHECK(open_reader(a.str())->get_doccount() == 3);
    CHECK(build_index(b.str(), cards(3, "b"), with).error().code == Errc::Internal);
}

TEST_CASE("what a killed build left behind goes with the next build", "[index][store]") {
    cardex::test::TempDir dir;
    REQUIRE(build_index(dir.str(), cards(3, "a"), {}).has_value());
    // A build directory of a dead writer, and a generation moved into place whose stub
    // switch never happened.
    std::filesystem::create_directories(dir.path() / "build-999999" / "seg-000000");
    std::filesystem::create_directories(dir.path() / "gen-000777");
    REQUIRE(build_index(dir.str(), cards(4, "a"), {}).has_value());
    CHECK_FALSE(std::filesystem::exists(dir.path() / "build-999999"));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "gen-000777"));
    CHECK(open_reader(dir.str())->get_doccount() == 4);
}

TEST_CASE("readers opening while builds switch and delete generations always get a whole one",
          "[index][store]") {
    cardex::test::TempDir dir;
    REQUIRE(build_index(dir.str(), cards(20, "a"), {}).has_value());
    std::atomic<bool> done{false};
    std::atomic<int> opened{0}, failed{0};
    std::thread reader([&] {
        while (!done.load()) {
            auto r = open_live(dir.str());
            if (!r) {
                ++failed;
                continue;
            }
            // Read every document: a deleted-under-us generation would fail here.
            const auto n = r->db.get_doccount();
            for (Xapian::docid d = 1; d <= r->db.get_lastdocid(); ++d) {
                if (!decode_summary(r->db.get_document(d).get_data())) ++failed;
            }
            if (n != 20 && n != 30) ++failed;
            ++opened;
        }
    });
    for (int i = 0; i < 12; ++i) {
        REQUIRE(build_index(dir.str(), cards(i % 2 ? 20 : 30, "a"), {}).has_value());
    }
    done.store(true);
    reader.join();
    CHECK(failed.load() == 0);
    CHECK(opened.load() > 0);
}

TEST_CASE("Xapian exceptions map to one table of codes", "[index][errors]") {
    CHECK(errc_from_xapian(Xapian::DatabaseCorruptError("x")) == Errc::DataLoss);
    CHECK(errc_from_xapian(Xapian::DatabaseModifiedError("x")) == Errc::Unavailable);
    CHECK(errc_from_xapian(Xapian::DatabaseLockError("x")) == Errc::Unavailable);
    CHECK(errc_from_xapian(Xapian::QueryParserError("x")) == Errc::InvalidArgument);
    CHECK(errc_from_xapian(Xapian::DatabaseOpeningError("x")) == Errc::FailedPrecondition);
    CHECK(errc_from_xapian(Xapian::DatabaseNotFoundError("x")) == Errc::FailedPrecondition);
    CHECK(errc_from_xapian(Xapian::DocNotFoundError("x")) == Errc::NotFound);
    CHECK(errc_from_xapian(Xapian::DatabaseError("x")) == Errc::Internal);
    const auto e = error_from_xapian(Xapian::DatabaseCorruptError("bad block"), "reading");
    CHECK(e.message.find("reading: ") == 0);
    CHECK(e.message.find("bad block") != std::string::npos);
}
