// Index: tokenizer, documents, summaries, generations and their atomic switch.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/index/summary.h"
#include "cardex/index/text.h"
#include "cardex/index/writer.h"
#include "support.h"

using namespace cardex::index;

namespace {

Card card(std::string id, std::int64_t downloads, std::string body = "some text") {
    Card c;
    c.id = std::move(id);
    c.author = c.id.substr(0, c.id.find('/'));
    c.name = c.id.substr(c.id.find('/') + 1);
    c.title = c.name;
    c.body = std::move(body);
    c.downloads = downloads;
    c.languages = {"nb"};
    c.language_groups = {"no"};
    c.tasks = {"token-classification"};
    c.license = "mit";
    return c;
}

std::vector<std::string> tokens(std::string_view text) {
    std::vector<std::string> out;
    tokenize(text, [&](std::string_view t, std::size_t) { out.emplace_back(t); });
    return out;
}

}  // namespace

TEST_CASE("tokenizer splits ids and lower-cases Unicode", "[index][text]") {
    CHECK(tokens("bert-base-german_cased v2.0") ==
          std::vector<std::string>{"bert", "base", "german", "cased", "v2", "0"});
    CHECK(tokens("Bokmål NORSK Ωmega") == std::vector<std::string>{"bokmål", "norsk", "ωmega"});
    CHECK(tokens(std::string(100, 'a') + " ok") == std::vector<std::string>{"ok"});
}

TEST_CASE("summary round-trips every field, markdown compressed", "[index][summary]") {
    Card c = card("org/model", 42);
    c.markdown = std::string(5000, 'x') + "# heading";
    c.base_models = {{"base/m", "finetune"}};
    c.gated = Gated::Manual;
    c.card_data_json = R"({"license":"mit"})";
    c.created_at = 1700000000;
    std::string data = encode_summary(c);
    CHECK(data.size() < c.markdown.size());
    auto back = decode_summary(data, SummaryParts::WithMarkdown);
    REQUIRE(back.has_value());
    CHECK(back->id == "org/model");
    CHECK(back->markdown == c.markdown);
    CHECK(back->base_models[0].relation == "finetune");
    CHECK(back->gated == Gated::Manual);
    CHECK(back->created_at == 1700000000);
    CHECK(back->card_data_json == c.card_data_json);
    CHECK_FALSE(decode_summary("garbage").has_value());
    CHECK(decode_summary("garbage").error().code == cardex::Errc::DataLoss);
}

TEST_CASE("facet terms are case-insensitive and documents carry them", "[index][schema]") {
    CHECK(facet_term(Facet::Author, "Facebook") == "Afacebook");
    CHECK(facet_term(Facet::Language, "nb") == "Lnb");
    CHECK(term("Q", "Org/x") == "Q:Org/x");
    DocumentBuilder b;
    Xapian::Document d = b.build(card("NbAiLab/nb-bert", 5, "named entities"));
    std::vector<std::string> terms(d.termlist_begin(), d.termlist_end());
    auto has = [&](const std::string& t) {
        return std::find(terms.begin(), terms.end(), t) != terms.end();
    };
    CHECK(has("Anbailab"));
    CHECK(has("Lnb"));
    CHECK(has("Lno"));
    CHECK(has("XTASKtoken-classification"));
    CHECK(has("entiti"));  // stemmed body word
    CHECK(has("Qmodel/NbAiLab/nb-bert"));
}

TEST_CASE("build_index numbers cards by downloads and switches atomically", "[index][store]") {
    cardex::test::TempDir dir;
    CHECK(open_reader(dir.str()).error().code == cardex::Errc::NotFound);
    std::vector<Card> cards;
    for (int i = 0; i < 50; ++i) cards.push_back(card("o/c" + std::to_string(i), i * 10));
    auto stats = build_index(dir.str(), cards, {});
    REQUIRE(stats.has_value());
    CHECK(stats->indexed == 50);
    auto db = open_reader(dir.str());
    REQUIRE(db.has_value());
    CHECK(db->get_doccount() == 50);
    auto first = decode_summary(db->get_document(1).get_data());
    CHECK(first->id == "o/c49");  // most downloads first
    auto last = decode_summary(db->get_document(50).get_data());
    CHECK(last->id == "o/c0");

    // A second build switches to a new generation; a pinned reader keeps reading the old one.
    auto pinned = open_live(dir.str());
    REQUIRE(pinned.has_value());
    cards.resize(10);
    BuildOptions two;
    two.threads = 2;
    auto stats2 = build_index(dir.str(), cards, two);
    REQUIRE(stats2.has_value());
    CHECK(stats2->generation != stats->generation);
    CHECK(pinned->db.get_doccount() == 50);
    CHECK(decode_summary(pinned->db.get_document(50).get_data())->id == "o/c0");
    auto db2 = open_reader(dir.str());
    REQUIRE(db2.has_value());
    CHECK(db2->get_doccount() == 10);
    // A third build removes the second generation (nobody pins it) but not the pinned first.
    REQUIRE(build_index(dir.str(), cards, {}).has_value());
    CHECK(std::filesystem::exists(stats->generation));
    CHECK_FALSE(std::filesystem::exists(stats2->generation));
    // Once the pin is released, the next writer removes it.
    *pinned = LiveReader{};
    auto stats4 = build_index(dir.str(), cards, {});
    REQUIRE(stats4.has_value());
    CHECK_FALSE(std::filesystem::exists(stats->generation));
    int generations = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
        generations += e.path().filename().string().rfind("gen-", 0) == 0;
    }
    CHECK(generations == 1);
}

TEST_CASE("parallel shards merge in downloads order", "[index][store]") {
    cardex::test::TempDir dir;
    std::vector<Card> cards;
    for (int i = 0; i < 3000; ++i) cards.push_back(card("o/c" + std::to_string(i), (i * 7919) % 3001));
    BuildOptions two;
    two.threads = 2;
    auto stats = build_index(dir.str(), cards, two);
    REQUIRE(stats.has_value());
    auto db = open_reader(dir.str());
    REQUIRE(db.has_value());
    // 3,000 cards: the build trained a summary dictionary (summary.h).
    auto dict = summary_dictionary(*db);
    REQUIRE(dict.has_value());
    REQUIRE(dict.value() != nullptr);
    std::int64_t prev = INT64_MAX;
    for (Xapian::docid id = 1; id <= db->get_lastdocid(); ++id) {
        auto c = decode_summary(
            db->get_document(id).get_data(), SummaryParts::Listing, dict.value().get());
        REQUIRE(c.has_value());
        REQUIRE(c->downloads <= prev);
        prev = c->downloads;
    }
}

TEST_CASE("segment sizes: a quarter of each thread's share, 4,000 to 20,000", "[index][store]") {
    BuildOptions automatic;  // segment_docs 0
    automatic.threads = 2;
    CHECK(segment_cards(automatic, 0) == 4000);
    CHECK(segment_cards(automatic, 6634) == 4000);  // the real cards: a segment a thread
    CHECK(segment_cards(automatic, 100'000) == 12'500);
    CHECK(segment_cards(automatic, 160'000) == 20'000);
    CHECK(segment_cards(automatic, 1'000'000) == 20'000);
    // Past 256 segments (merge_fan_in 16, squared), larger ones.
    CHECK(segment_cards(automatic, 10'000'000) == 39'063);
    automatic.threads = 1;
    CHECK(segment_cards(automatic, 40'000) == 10'000);
    BuildOptions given;
    given.segment_docs = 700;
    CHECK(segment_cards(given, 3000) == 700);
    CHECK(segment_cards(given, 10'000'000) == 39'063);
    given.merge_fan_in = 4;  // 16 segments at most
    CHECK(segment_cards(given, 3000) == 700);
    CHECK(segment_cards(given, 16'001) == 1001);

    // A build reports the segments it made, and explicit sizes are kept.
    cardex::test::TempDir dir;
    std::vector<Card> cards;
    for (int i = 0; i < 3000; ++i) cards.push_back(card("o/c" + std::to_string(i), (i * 31) % 977));
    BuildOptions two;
    two.threads = 2;
    auto stats = build_index(dir.str(), cards, two);
    REQUIRE(stats.has_value());
    CHECK(stats->segments == 1);
    CHECK(stats->segment_cards == 4000);
    two.segment_docs = 700;
    stats = build_index(dir.str(), cards, two);
    REQUIRE(stats.has_value());
    CHECK(stats->segments == 5);
    CHECK(stats->segment_cards == 700);
    auto db = open_reader(dir.str());
    REQUIRE(db.has_value());
    CHECK(db->get_doccount() == 3000);
}

TEST_CASE("an index of another format version is refused with a reason", "[index][store]") {
    cardex::test::TempDir dir;
    REQUIRE(build_index(dir.str(), {card("o/a", 1)}, {}).has_value());
    {
        Xapian::WritableDatabase w(live_generation(dir.str()).value());
        w.set_metadata(std::string(kMetaFormat), "0");
        w.commit();
    }
    auto db = open_reader(dir.str());
    REQUIRE_FALSE(db.has_value());
    CHECK(db.error().code == cardex::Errc::FailedPrecondition);
    CHECK(db.error().message.find("reindex") != std::string::npos);
}

TEST_CASE("live upserts replace by type and id, deletes remove", "[index][writer]") {
    cardex::test::TempDir dir;
    REQUIRE(build_index(dir.str(), {card("o/a", 10), card("o/b", 5)}, {}).has_value());
    auto w = IndexWriter::open(dir.str());
    REQUIRE(w.has_value());
    Card a2 = card("o/a", 99, "replaced body");
    Card ds = card("o/a", 1);  // same id, another type: a different card
    ds.type = CardType::Dataset;
    auto n = w->upsert({a2, ds, card("o/c", 3)});
    REQUIRE(n.has_value());
    CHECK(n.value() == 3);

    auto db = open_reader(dir.str());
    REQUIRE(db.has_value());
    CHECK(db->get_doccount() == 4);
    CHECK(db->get_metadata(std::string(kMetaDocidOrder)).empty());
    auto p = db->postlist_begin(id_term("model", "o/a"));
    auto got = decode_summary(db->get_document(*p).get_data());
    CHECK(got->downloads == 99);

    auto removed = w->remove({{CardType::Model, "o/b"}, {CardType::Model, "o/missing"}});
    REQUIRE(removed.has_value());
    CHECK(removed.value() == 1);
    db->reopen();
    CHECK(db->get_doccount() == 3);
    CHECK_FALSE(db->term_exists(id_term("model", "o/b")));
}

TEST_CASE("a second writer is refused while the first holds the lock", "[index][writer]") {
    cardex::test::TempDir dir;
    REQUIRE(build_index(dir.str(), {card("o/a", 1)}, {}).has_value());
    auto first = IndexWriter::open(dir.str());
    REQUIRE(first.has_value());
    auto second = IndexWriter::open(dir.str());
    REQUIRE_FALSE(second.has_value());
    CHECK(second.error().code == cardex::Errc::Unavailable);
    CHECK(second.error().message == "index is locked by another writer");
    auto rebuild = build_index(dir.str(), {card("o/a", 1)}, {});
    REQUIRE_FALSE(rebuild.has_value());
    CHECK(rebuild.error().code == cardex::Errc::Unavailable);
}

TEST_CASE("opening a writer on a missing index says to reindex", "[index][writer]") {
    cardex::test::TempDir dir;
    auto w = IndexWriter::open(dir.str());
    REQUIRE_FALSE(w.has_value());
    CHECK(w.error().code == cardex::Errc::NotFound);
}
