// Crash safety: kill -9 at random moments of `cardex reindex` and `cardex ingest`. After
// each kill the index must open at a committed revision holding every acknowledged card,
// and the next run must leave no build directories behind.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "process.h"
#include "support.h"

using namespace cardex;

namespace {

void write_cards(const std::string& path, const std::string& prefix, int n) {
    std::ofstream f(path);
    for (int i = 0; i < n; ++i) {
        f << R"({"id": ")" << prefix << i << R"(", "type": "model", "downloads": )" << (i * 37) % 1000
          << R"(, "readme": "---\nlicense: mit\nlanguage: [nb]\n---\n# Card )" << i
          << R"(\n\nA model card body with some words about named entity recognition and text."})"
          << "\n";
    }
}

int acknowledged_batches(const std::string& out) {
    int n = 0;
    std::size_t pos = 0;
    while ((pos = out.find("committed batch ", pos)) != std::string::npos) {
        ++n;
        ++pos;
    }
    return n;
}

}  // namespace

TEST_CASE("kill -9 during reindex and ingest never loses acknowledged cards", "[integration][crash]") {
    test::TempDir tmp;
    const std::string exe = CARDEX_EXE;
    const std::string index = tmp.str() + "/index";
    const std::string base = tmp.str() + "/base.jsonl";
    write_cards(base, "base/c", 4000);
    REQUIRE(test::run({exe, "reindex", "--quiet", "--index", index, base}).exit_code == 0);
    std::mt19937 rng(20261129);
    std::vector<std::string> must_exist{"base/c0", "base/c3999"};
    for (int round = 0; round < 12; ++round) {
        const bool reindex = round % 3 == 2;
        const std::string src = tmp.str() + "/round" + std::to_string(round) + ".jsonl";
        const std::string prefix = "r" + std::to_string(round) + "/c";
        write_cards(src, prefix, 1500);
        std::uniform_int_distribution<int> delay(5, 400);
        std::vector<std::string> args = reindex
            ? std::vector<std::string>{exe, "reindex", "--quiet", "--index", index, base, src}
            : std::vector<std::string>{exe, "ingest", "--batch", "100", "--index", index, src};
        const std::string out =
            test::kill_after(test::spawn(args, false), std::chrono::milliseconds(delay(rng))).out;

        auto db = index::open_reader(index);
        REQUIRE(db.has_value());  // opens, at a committed revision
        if (!reindex) {
            const int acked = acknowledged_batches(out);
            for (int b = 0; b < acked; ++b) {
                must_exist.push_back(prefix + std::to_string(b * 100));
                must_exist.push_back(prefix + std::to_string(b * 100 + 99));
            }
        } else {
            // A killed reindex leaves the old generation live (or the new one, complete).
            CHECK(db->get_doccount() >= 4000);
            must_exist.erase(std::remove_if(must_exist.begin(), must_exist.end(),
                                            [](const std::string& id) { return id[0] == 'r'; }),
                             must_exist.end());
            // A finished reindex replaces ingested cards; re-ingest nothing: only base ids
            // are guaranteed from here on.
        }
        for (const auto& id : must_exist) {
            INFO("round " << round << " id " << id);
            CHECK(db->term_exists(index::id_term("model", id)));
        }
    }
    // The next complete run cleans up what the killed ones left.
    REQUIRE(test::run({exe, "reindex", "--quiet", "--index", index, base}).exit_code == 0);
    int generations = 0;
    for (const auto& e : std::filesystem::directory_iterator(index)) {
        const std::string name = e.path().filename().string();
        CHECK(name.rfind("build-", 0) != 0);
        if (name.rfind("gen-", 0) == 0) ++generations;
    }
    CHECK(generations <= 2);
}
