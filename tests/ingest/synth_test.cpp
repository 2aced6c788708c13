// The synthetic corpus generator (issue 4): determinism, every card parses, and the
// distributions stay within stated bounds of the measured profile (data/synth).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "cardex/index/tsv.h"
#include "cardex/ingest/sources.h"
#include "cardex/ingest/synth.h"
#include "fixture.h"

using namespace cardex;

namespace {

std::string profile_dir() { return std::string(CARDEX_SOURCE_DIR) + "/data/synth"; }

std::shared_ptr<const ingest::SynthProfile> profile() {
    static auto p = [] {
        auto r = ingest::SynthProfile::load(profile_dir());
        REQUIRE(r.has_value());
        return r.value();
    }();
    return p;
}

std::string generate(std::uint64_t seed, std::size_t count) {
    ingest::SynthGenerator gen(profile(), {seed, count});
    std::string out;
    while (gen.next(out)) {
    }
    return out;
}

// Rows of a profile TSV whose first columns equal `key`.
std::vector<std::vector<std::string>> rows(const std::string& file, std::vector<std::string> key) {
    auto text = index::read_text_file(profile_dir() + "/" + file);
    REQUIRE(text.has_value());
    std::vector<std::vector<std::string>> out;
    index::for_each_tsv_row(text.value(), [&](const index::TsvRow& row) {
        std::vector<std::string> cols(row.fields.begin(), row.fields.end());
        if (cols.size() >= key.size() && std::equal(key.begin(), key.end(), cols.begin())) {
            out.push_back(std::move(cols));
        }
    });
    return out;
}

}  // namespace

TEST_CASE("synth: the same seed gives the same bytes, another seed other bytes", "[synth]") {
    const std::string a = generate(1, 500), b = generate(1, 500), c = generate(2, 500);
    CHECK(a == b);
    CHECK(a != c);
    CHECK(std::count(a.begin(), a.end(), '\n') == 500);
}

TEST_CASE("synth: a missing profile is NotFound", "[synth]") {
    auto r = ingest::SynthProfile::load("/nonexistent/synth");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Errc::NotFound);
}

namespace {

// The 20k generated cards, parsed once: Catch runs the test case once per SECTION, and the
// generation and parse (seconds under the sanitizers) are the same every time.
const std::vector<index::Card>& synth_20k() {
    static const std::vector<index::Card> cards = [] {
        test::TempDir dir;
        const std::string path = dir.str() + "/cards.jsonl";
        auto bytes = ingest::write_synth_cards(path, profile(), {42, 20000});
        REQUIRE(bytes.has_value());
        std::vector<index::Card> out;
        auto report = ingest::read_cards(
            {path},
            test::vocabulary(),
            {},
            [&](index::Card&& c) { out.push_back(std::move(c)); },
            2);
        INFO((report.rejections.empty()
                  ? std::string()
                  : report.rejections.front().reason + ": " + report.rejections.front().message));
        REQUIRE(report.rejected == 0);
        return out;
    }();
    return cards;
}

}  // namespace

TEST_CASE("synth: 20k cards parse and follow the profile", "[synth]") {
    const auto& cards = synth_20k();
    REQUIRE(cards.size() == 20000);

    std::size_t zeros = 0, with_downloads = 0, models_with_task = 0, top_task = 0;
    std::vector<std::size_t> model_lengths;
    std::map<std::string, std::size_t> per_namespace;
    std::map<index::CardType, std::size_t> per_type;
    // The profile's most frequent model task.
    auto tasks = rows("values.tsv", {"model", "task"});
    REQUIRE(!tasks.empty());
    double task_total = 0;
    for (const auto& r : tasks) task_total += std::stod(r[3]);
    const std::string top = tasks.front()[2];
    const double top_share = std::stod(tasks.front()[3]) / task_total;
    for (const auto& c : cards) {
        ++per_type[c.type];
        ++per_namespace[c.author];
        if (c.type == index::CardType::Space) continue;
        ++with_downloads;
        zeros += c.downloads == 0;
        if (c.type == index::CardType::Model) {
            model_lengths.push_back(c.markdown.size());
            if (!c.tasks.empty()) {
                ++models_with_task;
                top_task += c.tasks.front() == top;
            }
        }
    }

    SECTION("share of zero downloads within 0.03 of the 2023-10 listing (0.447)") {
        const double share = static_cast<double>(zeros) / static_cast<double>(with_downloads);
        CHECK(std::abs(share - 0.4466) < 0.03);
    }
    SECTION("median model card body within 25% of the real median") {
        std::nth_element(model_lengths.begin(), model_lengths.begin() + model_lengths.size() / 2,
                         model_lengths.end());
        const double median = static_cast<double>(model_lengths[model_lengths.size() / 2]);
        const double real = std::stod(rows("lengths.tsv", {"model", "0.5"}).at(0)[2]);
        CHECK(median > 0.75 * real);
        CHECK(median < 1.25 * real);
    }
    SECTION("top model task share within 0.06 of the real one") {
        const double share = static_cast<double>(top_task) / static_cast<double>(models_with_task);
        CHECK(std::abs(share - top_share) < 0.06);
    }
    SECTION("type mix near the profile's 54/13/33: a third Spaces, as on the Hub") {
        CHECK(std::abs(per_type[index::CardType::Model] / 20000.0 - 0.54) < 0.02);
        CHECK(std::abs(per_type[index::CardType::Dataset] / 20000.0 - 0.13) < 0.02);
        CHECK(std::abs(per_type[index::CardType::Space] / 20000.0 - 0.33) < 0.02);
    }
    SECTION("Spaces declare models and datasets of the corpus; models build on its models") {
        std::map<std::string, const index::Card*> public_ids[2];
        for (const auto& c : cards) {
            if (c.type != index::CardType::Space && !c.is_private) {
                public_ids[c.type == index::CardType::Model ? 0 : 1][c.id] = &c;
            }
        }
        std::size_t spaces = 0, with_models = 0, with_datasets = 0, dangling = 0, sdks = 0;
        for (const auto& c : cards) {
            if (c.type != index::CardType::Space) continue;
            ++spaces;
            sdks += !c.sdk.empty();
            with_models += !c.models.empty();
            with_datasets += !c.datasets.empty();
            for (const auto& m : c.models) dangling += public_ids[0].count(m) == 0;
            for (const auto& d : c.datasets) dangling += public_ids[1].count(d) == 0;
        }
        // Every link resolves to a public card generated before the Space.
        CHECK(dangling == 0);
        // The shares synth.cpp assumes (docs/DATA.md), of Spaces with front matter.
        CHECK(with_models > spaces / 5);
        CHECK(with_datasets > spaces / 20);
        CHECK(sdks > spaces / 2);
        // Trees deeper than one generation: base models that are generated models with
        // base models of their own.
        std::size_t grandchildren = 0;
        for (const auto& c : cards) {
            for (const auto& b : c.base_models) {
                const auto it = public_ids[0].find(b.id);
                grandchildren += it != public_ids[0].end() && !it->second->base_models.empty();
            }
        }
        CHECK(grandchildren > 100);
    }
    SECTION("many small namespaces, no single one dominating") {
        std::size_t small = 0, largest = 0;
        for (const auto& [ns, n] : per_namespace) {
            small += n <= 2;
            largest = std::max(largest, n);
        }
        CHECK(static_cast<double>(small) / static_cast<double>(per_namespace.size()) > 0.6);
        CHECK(largest < 20000 / 4);
    }
}
