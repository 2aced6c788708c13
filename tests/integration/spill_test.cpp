// The bounded-memory build (store.h, GenerationBuild): every real card survives the spill
// file's codec exactly, a corrupt spill record is refused rather than misread, and a build
// that is abandoned or cannot spill leaves the live index as it was; a build merged in two
// levels (segments into parts, parts into the generation) is the index a one-step merge builds.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include <xapian.h>

#include "cardex/index/card_codec.h"
#include "cardex/index/positions.h"
#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "process.h"
#include "real_corpus.h"
#include "support.h"

using namespace cardex;
namespace fs = std::filesystem;

namespace {

const std::string kExe = CARDEX_EXE;

index::Card small_card(const std::string& id, std::int64_t downloads) {
    index::Card c;
    c.id = id;
    c.author = id.substr(0, id.find('/'));
    c.name = id.substr(id.find('/') + 1);
    c.title = c.name;
    c.body = "a card about " + c.name;
    c.downloads = downloads;
    return c;
}

std::vector<std::string> build_dirs(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("build-", 0) == 0) out.push_back(name);
    }
    return out;
}

}  // namespace

TEST_CASE("every real card comes back from the spill codec exactly as it went in",
          "[integration][spill]") {
    const auto& cards = test::real_cards();
    REQUIRE(cards.size() > 6000);
    std::size_t differ = 0, with_readme = 0, with_bases = 0;
    std::uint64_t text = 0, spilled = 0;
    for (const auto& c : cards) {
        const std::string bytes = index::encode_card(c);
        auto back = index::decode_card(bytes);
        REQUIRE(back.has_value());
        if (!(*back == c)) {
            ++differ;
            UNSCOPED_INFO("differs: " << c.id);
        }
        with_readme += c.has_readme;
        with_bases += !c.base_models.empty();
        text += c.body.size() + c.markdown.size() + c.readme_head.size();
        spilled += bytes.size();
    }
    CHECK(differ == 0);
    // The fields that make a card large and the rarer ones are really exercised.
    CHECK(with_readme > 6000);
    CHECK(with_bases > 100);
    // The spill must stay well below the text it holds (zstd on near-duplicate copies).
    CHECK(spilled < text / 2);
}

TEST_CASE("the spill codec keeps unusual values", "[integration][spill]") {
    index::Card c = small_card("o/edge", -5);
    c.type = index::CardType::Space;
    c.gated = index::Gated::Manual;
    c.is_private = true;
    c.disabled = true;
    c.trending_score = -0.0;
    c.likes = std::numeric_limits<std::int64_t>::min();
    c.num_parameters = std::numeric_limits<std::int64_t>::max();
    c.body = std::string("nul \0 inside", 12);
    c.tags = {"", "x", std::string(70000, 'y')};
    c.base_models = {{"a/b", ""}, {"c/d", "merge"}};
    auto back = index::decode_card(index::encode_card(c));
    REQUIRE(back.has_value());
    CHECK(*back == c);
    CHECK(std::signbit(back->trending_score));
}

TEST_CASE("a corrupt spill record is refused, never misread", "[integration][spill]") {
    const auto& cards = test::real_cards();
    for (std::size_t i = 0; i < cards.size(); i += 500) {
        const std::string bytes = index::encode_card(cards[i]);
        for (std::size_t cut :
             {std::size_t{0}, std::size_t{1}, bytes.size() / 2, bytes.size() - 1}) {
            auto r = index::decode_card(std::string_view(bytes).substr(0, cut));
            INFO(cards[i].id << " cut at " << cut);
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().code == Errc::DataLoss);
        }
        // A flipped byte: zstd's checksum is off, so either the frame or the record is
        // refused; what must never happen is a crash or a different card passing as this one.
        std::string flipped = bytes;
        flipped[flipped.size() / 2] ^= 0x5a;
        auto r = index::decode_card(flipped);
        if (r) CHECK_FALSE(*r == cards[i]);
    }
    CHECK_FALSE(index::decode_card("not a zstd frame at all").has_value());
}

TEST_CASE("an abandoned build leaves the live index, no build directory and no lock",
          "[integration][spill]") {
    test::TempDir dir;
    REQUIRE(index::build_index(dir.str(), {small_card("o/live", 1)}).has_value());
    auto stub = [&] {
        std::ifstream f(dir.path() / "XAPIANDB");
        return std::string(std::istreambuf_iterator<char>(f), {});
    };
    const std::string before = stub();
    {
        auto b = index::GenerationBuild::start(dir.str(), {});
        REQUIRE(b.has_value());
        for (int i = 0; i < 50; ++i) REQUIRE(b->add(small_card("o/new" + std::to_string(i), i)));
        CHECK(b->size() == 50);
        CHECK(build_dirs(dir.str()).size() == 1);  // the spill is in the build directory
        // While it runs, it holds the writer lock.
        auto other = index::GenerationBuild::start(dir.str(), {});
        REQUIRE_FALSE(other.has_value());
        CHECK(other.error().code == Errc::Unavailable);
    }
    CHECK(stub() == before);
    CHECK(build_dirs(dir.str()).empty());
    // The lock is free again, and a finished build publishes what it was fed.
    auto b = index::GenerationBuild::start(dir.str(), {});
    REQUIRE(b.has_value());
    REQUIRE(b->add(small_card("o/a", 3)));
    REQUIRE(b->add(small_card("o/b", 7)));
    auto stats = b->finish();
    REQUIRE(stats.has_value());
    CHECK(stats->indexed == 2);
    CHECK(stats->spill_bytes > 0);
    CHECK(stub() != before);
    CHECK(build_dirs(dir.str()).empty());
    auto again = b->finish();
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == Errc::FailedPrecondition);
}

TEST_CASE("a reindex that cannot write its spill file fails clearly and publishes nothing",
          "[integration][spill][fault]") {
    test::TempDir tmp;
    const std::string index_dir = tmp.str() + "/index";
    const std::string models = test::real_data_file("cards/models.jsonl");
    const std::string datasets = test::real_data_file("cards/datasets.jsonl");
    REQUIRE(test::run({kExe, "reindex", "--quiet", "--index", index_dir, datasets}).exit_code == 0);
    // The live index's total, as its JSON says it ("total":N).
    const auto total = [&] {
        const auto r = test::run_shell("'" + kExe + "' search --index '" + index_dir +
                                       "' --limit 0 --json ''");
        const auto at = r.second.find("\"total\":");
        return r.first == 0 && at != std::string::npos ? std::stoll(r.second.substr(at + 8)) : -1;
    };
    const auto before = total();
    REQUIRE(before > 1000);
    // Files may not grow past 2 MB: the spilled models (about 10 MB) cannot be written.
    // SIGXFSZ is ignored so the write fails with EFBIG instead of killing the process.
    const auto r = test::run_shell("trap '' XFSZ; ulimit -f 2048; exec '" + kExe +
                                   "' reindex --quiet --index '" + index_dir + "' '" + models +
                                   "' '" + datasets + "'");
    INFO(r.second);
    CHECK(r.first != 0);
    CHECK(r.second.find("spill file: write failed") != std::string::npos);
    CHECK(r.second.find("nothing was published") != std::string::npos);
    // The read ended soon after the first refused card: the datasets after the models were
    // not parsed for nothing (the models alone are 4,000+ records).
    const auto at = r.second.find("the read stopped after ");
    REQUIRE(at != std::string::npos);
    CHECK(std::stoll(r.second.substr(at + 23)) < 4000);
    CHECK(total() == before);
    CHECK(build_dirs(index_dir).empty());
}

TEST_CASE("a card whose type and id are too long to sort is refused, not cut",
          "[integration][spill]") {
    test::TempDir dir;
    auto b = index::GenerationBuild::start(dir.str(), {});
    REQUIRE(b.has_value());
    REQUIRE(b->add(small_card("o/fine", 1)));
    // 65,535 bytes is the longest key the build sorts ("model/" and the id together).
    const auto at_limit = small_card("o/" + std::string(65535 - 8, 'a'), 2);
    REQUIRE(b->add(at_limit));
    const auto st = b->add(small_card("o/" + std::string(65535 - 7, 'b'), 3));
    REQUIRE_FALSE(st);
    CHECK(st.error().code == Errc::InvalidArgument);
    CHECK(st.error().message.find("65,535") != std::string::npos);
    CHECK(b->size() == 2);  // the refused card was not spilled either
}

namespace {

// Everything a reader can see of two databases, compared: counts, user metadata, and every
// document's data, values, terms with their wdf and positions.
void check_same_database(const Xapian::Database& a, const Xapian::Database& b) {
    REQUIRE(a.get_doccount() == b.get_doccount());
    REQUIRE(a.get_lastdocid() == b.get_lastdocid());
    CHECK(a.get_total_length() == b.get_total_length());
    std::vector<std::pair<std::string, std::string>> meta_a, meta_b;
    // The position store's size and CRC differ with the segments: a merged store keeps each
    // segment's skip entries, so where they fall depends on where segments start. Its
    // content is compared apart (same_positions).
    const std::string positions(index::kMetaPositions);
    for (auto k = a.metadata_keys_begin(); k != a.metadata_keys_end(); ++k)
        if (*k != positions) meta_a.emplace_back(*k, a.get_metadata(*k));
    for (auto k = b.metadata_keys_begin(); k != b.metadata_keys_end(); ++k)
        if (*k != positions) meta_b.emplace_back(*k, b.get_metadata(*k));
    CHECK(meta_a == meta_b);
    CHECK_FALSE(meta_a.empty());
    std::size_t differ = 0;
    for (Xapian::docid id = 1; id <= a.get_lastdocid(); ++id) {
        const auto da = a.get_document(id), db = b.get_document(id);
        bool same = da.get_data() == db.get_data() && da.values_count() == db.values_count();
        for (auto va = da.values_begin(), vb = db.values_begin();
             same && va != da.values_end() && vb != db.values_end();
             ++va, ++vb)
            same = va.get_valueno() == vb.get_valueno() && *va == *vb;
        auto ta = a.termlist_begin(id), tb = b.termlist_begin(id);
        for (; same && ta != a.termlist_end(id) && tb != b.termlist_end(id); ++ta, ++tb) {
            same = *ta == *tb && ta.get_wdf() == tb.get_wdf() &&
                   std::vector<Xapian::termpos>(ta.positionlist_begin(), ta.positionlist_end()) ==
                       std::vector<Xapian::termpos>(tb.positionlist_begin(), tb.positionlist_end());
        }
        same = same && ta == a.termlist_end(id) && tb == b.termlist_end(id);
        if (!same) {
            ++differ;
            UNSCOPED_INFO("docid " << id << " differs");
        }
    }
    CHECK(differ == 0);
}

// The position stores of two generations of the same cards hold the same positions: every
// term with positions in `db`, card by card, on both.
void same_positions(const Xapian::Database& db,
                    const std::string& gen_a,
                    const std::string& gen_b) {
    auto a = index::PositionStore::open(gen_a + "/" + std::string(index::kPositionsFile));
    auto b = index::PositionStore::open(gen_b + "/" + std::string(index::kPositionsFile));
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(a.value()->term_count() == b.value()->term_count());
    CHECK(a.value()->last_docid() == db.get_lastdocid());
    CHECK(b.value()->last_docid() == db.get_lastdocid());
    std::size_t terms = 0, differ = 0;
    std::vector<std::uint32_t> pa, pb;
    for (auto t = db.allterms_begin(); t != db.allterms_end(); ++t) {
        index::PositionStore::Cursor ca(*a.value(), *t), cb(*b.value(), *t);
        bool any = false;
        for (std::uint32_t d = 1;; ++d) {
            const bool ha = ca.seek(d), hb = cb.seek(d);
            if (ha != hb || (ha && ca.card() != cb.card())) {
                ++differ;
                break;
            }
            if (!ha) break;
            any = true;
            REQUIRE(ca.positions(pa));
            REQUIRE(cb.positions(pb));
            if (pa != pb) ++differ;
            d = ca.card();
        }
        terms += any ? 1 : 0;
    }
    CHECK(terms == a.value()->term_count());
    CHECK(differ == 0);
}

std::vector<std::string> leftovers(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("build-", 0) == 0 || name.rfind("seg-", 0) == 0 ||
            name.rfind("part-", 0) == 0 || name == "private-gen" || name == "cards.spill")
            out.push_back(e.path().string());
    }
    return out;
}

}  // namespace

TEST_CASE("a build merged in two levels is the index a one-step merge builds, private cards too",
          "[integration][spill]") {
    // 1,500 real cards, one in 97 private (its author's namespace); datestamps fixed so two
    // builds a second apart store the same records.
    std::vector<index::Card> cards(test::real_cards().begin(), test::real_cards().begin() + 1500);
    std::set<std::string> namespaces;
    for (std::size_t i = 0; i < cards.size(); ++i) {
        cards[i].datestamp = 1'700'000'000;
        if (i % 97 == 0 && !cards[i].author.empty()) {
            cards[i].is_private = true;
            namespaces.insert(cards[i].author);
        }
    }
    REQUIRE(namespaces.size() >= 10);
    test::TempDir one, two, uneven;
    index::BuildOptions once;
    once.segment_docs = 100'000;  // one segment, merged straight into place
    const auto a = index::build_index(one.str(), cards, once);
    REQUIRE(a.has_value());
    CHECK(a->merge_seconds == 0);

    index::BuildOptions staged;
    staged.segment_docs = 20;  // 16 segments at most (fan-in 4, squared): 4 groups of 4
    staged.merge_fan_in = 4;
    const auto b = index::build_index(two.str(), cards, staged);
    REQUIRE(b.has_value());
    CHECK(b->merge_seconds > 0);
    CHECK(b->indexed == a->indexed);

    index::BuildOptions partial;  // 22 segments of 70 cards: groups of 5, 5, 5, 5 and 2
    partial.segment_docs = 70;
    partial.merge_fan_in = 5;
    partial.threads = 3;
    REQUIRE(index::build_index(uneven.str(), cards, partial).has_value());

    auto da = index::open_reader(one.str());
    REQUIRE(da.has_value());
    for (const auto* dir : {&two, &uneven}) {
        INFO(dir->str());
        auto db = index::open_reader(dir->str());
        REQUIRE(db.has_value());
        check_same_database(*da, *db);
        same_positions(*da,
                       index::live_generation(one.str()).value(),
                       index::live_generation(dir->str()).value());
        for (const auto& ns : namespaces) {
            INFO("private namespace " << ns);
            const Xapian::Database pa(
                index::private_db_path(index::live_generation(one.str()).value(), ns));
            const Xapian::Database pb(
                index::private_db_path(index::live_generation(dir->str()).value(), ns));
            CHECK(pa.get_doccount() > 0);
            check_same_database(pa, pb);
        }
        CHECK(leftovers(dir->str()).empty());
    }
    CHECK(leftovers(one.str()).empty());
}
