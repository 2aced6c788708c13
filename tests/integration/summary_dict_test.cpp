// Summaries compressed with a dictionary trained on the cards (index/summary.h): round
// trips on the real cards, the size it saves, a generation that carries it through builds,
// live writes and renumbering, and what a reader says when it is missing or damaged.
#include <catch2/catch.hpp>

#include <zstd.h>

#include <filesystem>

#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/index/summary.h"
#include "cardex/index/writer.h"
#include "cardex/query/searcher.h"
#include "fixture.h"
#include "real_corpus.h"

using namespace cardex;
using index::SummaryDictionary;
using index::SummaryParts;

namespace {

std::vector<std::string> samples_of(const std::vector<index::Card>& cards, std::size_t from) {
    std::vector<std::string> out;
    for (std::size_t i = from; i < cards.size(); i += 2)
        out.push_back(index::summary_bytes(cards[i]));
    return out;
}

std::shared_ptr<const SummaryDictionary> trained(std::size_t from) {
    auto d = SummaryDictionary::train(samples_of(test::real_cards(), from), 256 * 1024);
    REQUIRE(d.has_value());
    REQUIRE(d.value() != nullptr);
    return std::move(d).value();
}

// The first `n` real cards (more than the build's threshold for a dictionary).
std::vector<index::Card> some_real_cards(std::size_t n) {
    const auto& all = test::real_cards();
    return {all.begin(), all.begin() + static_cast<std::ptrdiff_t>(std::min(n, all.size()))};
}

unsigned frame_dictionary(const std::string& data) {
    return ZSTD_getDictID_fromFrame(data.data(), data.size());
}

}  // namespace

TEST_CASE("a dictionary trained on the real cards round-trips every summary, smaller",
          "[integration][summary]") {
    const auto& cards = test::real_cards();
    REQUIRE(cards.size() > 6000);
    // Trained on the even cards; the odd ones were never seen by the training.
    const auto dict = trained(0);
    CHECK(dict->id() != 0);
    CHECK(dict->bytes().size() <= 256 * 1024);
    std::size_t plain_bytes = 0, unseen_plain = 0, dict_bytes = 0, unseen_dict = 0;
    for (std::size_t i = 0; i < cards.size(); ++i) {
        const std::string plain = index::encode_summary(cards[i]);
        const std::string packed = index::encode_summary(cards[i], dict.get());
        REQUIRE(frame_dictionary(packed) == dict->id());
        plain_bytes += plain.size();
        dict_bytes += packed.size();
        if (i % 2 == 1) {
            unseen_plain += plain.size();
            unseen_dict += packed.size();
        }
        auto a = index::decode_summary(plain, SummaryParts::WithMarkdown);
        auto b = index::decode_summary(packed, SummaryParts::WithMarkdown, dict.get());
        REQUIRE(a.has_value());
        REQUIRE(b.has_value());
        // Every field, through the table they encode to.
        REQUIRE(index::summary_bytes(*b) == index::summary_bytes(*a));
    }
    // Measured 33% smaller (docs/PERFORMANCE.md); well below that would mean the dictionary
    // is not being used, or is trained on the wrong bytes.
    CHECK(dict_bytes < plain_bytes * 8 / 10);
    CHECK(unseen_dict < unseen_plain * 8 / 10);
}

TEST_CASE("a summary needs its own dictionary, and one without needs none",
          "[integration][summary]") {
    const auto& cards = test::real_cards();
    const auto even = trained(0);
    const auto odd = trained(1);
    REQUIRE(even->id() != odd->id());
    const std::string packed = index::encode_summary(cards[10], even.get());

    auto none = index::decode_summary(packed);
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error().code == Errc::DataLoss);
    CHECK(none.error().message.find("summary dictionary " + std::to_string(even->id())) !=
          std::string::npos);
    auto other = index::decode_summary(packed, SummaryParts::Listing, odd.get());
    REQUIRE_FALSE(other.has_value());
    CHECK(other.error().code == Errc::DataLoss);
    CHECK(other.error().message.find("is not this index's") != std::string::npos);

    // A private database's summaries have no dictionary; they decode beside the public ones.
    auto plain =
        index::decode_summary(index::encode_summary(cards[10]), SummaryParts::Listing, even.get());
    REQUIRE(plain.has_value());
    CHECK(plain->id == cards[10].id);

    // Damaged stored bytes, and too little to train on.
    for (std::string bad : {std::string(),
                            std::string("garbage"),
                            even->bytes().substr(0, 7),
                            std::string(4096, '\0')}) {
        auto d = SummaryDictionary::load(bad);
        REQUIRE_FALSE(d.has_value());
        CHECK(d.error().code == Errc::DataLoss);
    }
    auto few = SummaryDictionary::train({index::summary_bytes(cards[0])}, 64 * 1024);
    REQUIRE_FALSE(few.has_value());
    CHECK(few.error().code == Errc::NotFound);
    CHECK(SummaryDictionary::train({}, 64 * 1024).error().code == Errc::NotFound);
}

TEST_CASE("a build keeps its dictionary through live writes and renumbering",
          "[integration][summary]") {
    auto dir = test::build_fixture_index(some_real_cards(1500));
    std::shared_ptr<const SummaryDictionary> dict;
    {
        auto db = index::open_reader(dir->str());
        REQUIRE(db.has_value());
        auto d = index::summary_dictionary(*db);
        REQUIRE(d.has_value());
        REQUIRE(d.value() != nullptr);
        dict = d.value();
        for (Xapian::docid id = 1; id <= db->get_lastdocid(); ++id) {
            const std::string data = db->get_document(id).get_data();
            REQUIRE(frame_dictionary(data) == dict->id());
            REQUIRE(index::decode_summary(data, SummaryParts::Listing, dict.get()).has_value());
        }
    }
    // A small build has none: its documents need none.
    {
        auto small = test::build_fixture_index(some_real_cards(50));
        auto db = index::open_reader(small->str());
        REQUIRE(db.has_value());
        auto d = index::summary_dictionary(*db);
        REQUIRE(d.has_value());
        CHECK(d.value() == nullptr);
        CHECK(frame_dictionary(db->get_document(1).get_data()) == 0);
    }

    // The writer compresses public cards with the generation's dictionary, private ones
    // (their own databases) without.
    index::Card pub = test::make_card(index::CardType::Model, "dictorg/public-model", 5);
    pub.body = "a public card written after the build";
    index::Card priv = test::make_card(index::CardType::Model, "dictorg/private-model", 5);
    priv.is_private = true;
    {
        auto w = index::IndexWriter::open(dir->str());
        REQUIRE(w.has_value());
        REQUIRE(w->upsert({pub, priv}).has_value());
    }
    {
        auto db = index::open_reader(dir->str());
        REQUIRE(db.has_value());
        auto p = db->postlist_begin(index::id_term("model", pub.id));
        REQUIRE(p != db->postlist_end(index::id_term("model", pub.id)));
        CHECK(frame_dictionary(db->get_document(*p).get_data()) == dict->id());
        auto live = index::open_live(dir->str());
        REQUIRE(live.has_value());
        Xapian::Database private_db(index::private_db_path(live->generation, "dictorg"));
        auto q = private_db.postlist_begin(index::id_term("model", priv.id));
        REQUIRE(q != private_db.postlist_end(index::id_term("model", priv.id)));
        CHECK(frame_dictionary(private_db.get_document(*q).get_data()) == 0);
    }
    query::Searcher s = std::move(query::Searcher::open(dir->str())).value();
    for (const auto& [id, ns] :
         {std::pair{pub.id, std::string()}, {priv.id, std::string("dictorg")}}) {
        auto got = s.get(index::CardType::Model,
                         id,
                         ns.empty() ? std::vector<std::string>{} : std::vector<std::string>{ns});
        REQUIRE(got.has_value());
        CHECK(got->id == id);
    }

    // Renumbering copies the documents' bytes and, with the metadata, their dictionary.
    auto renumbered = index::renumber_index(dir->str());
    REQUIRE(renumbered.has_value());
    auto db = index::open_reader(dir->str());
    REQUIRE(db.has_value());
    auto after = index::summary_dictionary(*db);
    REQUIRE(after.has_value());
    REQUIRE(after.value() != nullptr);
    CHECK(after.value()->id() == dict->id());
    std::size_t decoded = 0;
    for (Xapian::docid id = 1; id <= db->get_lastdocid(); ++id) {
        auto c = index::decode_summary(
            db->get_document(id).get_data(), SummaryParts::Listing, after.value().get());
        REQUIRE(c.has_value());
        ++decoded;
    }
    CHECK(decoded == 1501);  // the 1,500 cards and the public upsert
}

TEST_CASE("a generation whose dictionary is damaged or gone answers DataLoss, naming it",
          "[integration][summary][fault]") {
    auto dir = test::build_fixture_index(some_real_cards(1200));
    query::SearchRequest req;
    req.text = "model";
    req.limit = 5;
    {
        query::Searcher s = std::move(query::Searcher::open(dir->str())).value();
        auto ok = s.search(req);
        REQUIRE(ok.has_value());
        REQUIRE_FALSE(ok->hits.empty());
    }
    auto set_dictionary = [&](const std::string& bytes) {
        auto live = index::open_live(dir->str());
        REQUIRE(live.has_value());
        Xapian::WritableDatabase w(live->generation, Xapian::DB_OPEN);
        w.set_metadata(std::string(index::kMetaSummaryDict), bytes);
        w.commit();
    };
    // Damaged: every request says which key is wrong, none answers from garbage.
    set_dictionary("not a dictionary");
    {
        auto s = query::Searcher::open(dir->str());
        Error e = s ? s->search(req).error() : s.error();
        CHECK(e.code == Errc::DataLoss);
        CHECK(e.detail == index::kMetaSummaryDict);
    }
    // Gone: the words still match, and the hits' summaries say what they need.
    set_dictionary("");
    {
        auto s = query::Searcher::open(dir->str());
        REQUIRE(s.has_value());
        auto r = s->search(req);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == Errc::DataLoss);
        CHECK(r.error().message.find("this index does not hold") != std::string::npos);
    }
}

TEST_CASE("an index of the previous format version is still read", "[integration][summary]") {
    auto dir = test::build_fixture_index(some_real_cards(40));
    auto live = index::open_live(dir->str());
    REQUIRE(live.has_value());
    {
        Xapian::WritableDatabase w(live->generation, Xapian::DB_OPEN);
        w.set_metadata(std::string(index::kMetaFormat),
                       std::to_string(index::kOldestReadableFormat));
        w.commit();
    }
    CHECK(index::check_format(Xapian::Database(live->generation)).has_value());
    {
        Xapian::WritableDatabase w(live->generation, Xapian::DB_OPEN);
        w.set_metadata(std::string(index::kMetaFormat),
                       std::to_string(index::kOldestReadableFormat - 1));
        w.commit();
    }
    auto old = index::check_format(Xapian::Database(live->generation));
    REQUIRE_FALSE(old.has_value());
    CHECK(old.error().code == Errc::FailedPrecondition);
}
