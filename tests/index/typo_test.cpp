// The typo dictionary (index/typo.h): what a build stores, the stored form, and the nearest
// words, checked against a plain dynamic-programming distance over every word.
#include <catch2/catch.hpp>

#include <zstd.h>

#include <algorithm>
#include <random>

#include "cardex/index/schema.h"
#include "cardex/index/store.h"
#include "cardex/index/typo.h"
#include "edit_distance.h"
#include "fixture.h"

using namespace cardex;
using namespace cardex::index;

namespace {

using cardex::test::osa_distance;

std::shared_ptr<const TypoDictionary> dict_of(
    std::vector<std::pair<std::string, std::uint32_t>> w) {
    auto d = TypoDictionary::decode(TypoDictionary::encode(std::move(w)));
    REQUIRE(d.has_value());
    return d.value();
}

std::vector<std::string> words_of(const std::vector<TypoMatch>& m) {
    std::vector<std::string> out;
    for (const auto& x : m) out.push_back(x.word);
    return out;
}

std::string frame(std::string_view raw) {
    std::string out(kTypoMagic);
    std::string z(ZSTD_compressBound(raw.size()), '\0');
    z.resize(ZSTD_compress(z.data(), z.size(), raw.data(), raw.size(), 1));
    return out + z;
}

}  // namespace

TEST_CASE("typo dictionary: nearest words by edit distance, transposition 1", "[typo]") {
    auto d = dict_of({{"bert", 120},
                      {"transformer", 40},
                      {"transformers", 900},
                      {"whisper", 13},
                      {"diffusion", 250},
                      {"difference", 30},
                      {"llama", 500},
                      {"lamb", 3},
                      {"lama", 4},
                      {"gemma", 80}});
    CHECK(d->size() == 10);
    CHECK(d->docs("bert") == 120);
    CHECK(d->docs("bret") == 0);
    // A transposition is one edit (Damerau), so "bret" is 1 from "bert".
    auto m = d->nearest("bret", 1, 3);
    REQUIRE(m.size() == 1);
    CHECK(m[0].word == "bert");
    CHECK(m[0].distance == 1);
    CHECK(m[0].docs == 120);
    // Only the smallest distance found: "transformer" (1), not "transformers" (2).
    CHECK(words_of(d->nearest("tranformer", 2, 3)) == std::vector<std::string>{"transformer"});
    CHECK(words_of(d->nearest("wisper", 1, 3)) == std::vector<std::string>{"whisper"});
    CHECK(words_of(d->nearest("difusion", 1, 3)) == std::vector<std::string>{"diffusion"});
    // Most documents first, at most `limit`; the word itself is never its own correction.
    CHECK(words_of(d->nearest("lama", 1, 5)) == std::vector<std::string>{"llama", "lamb"});
    CHECK(words_of(d->nearest("lama", 1, 1)) == std::vector<std::string>{"llama"});
    CHECK(d->nearest("gemma", 1, 3).empty());
    // Out of reach; a typo in the first letter is not looked for.
    CHECK(d->nearest("gemmmmma", 2, 3).empty());
    CHECK(d->nearest("vert", 1, 3).empty());
    CHECK(d->nearest("", 2, 3).empty());
    CHECK(d->nearest(std::string(100, 'a'), 2, 3).empty());
}

TEST_CASE("typo dictionary: nearest agrees with the textbook distance on every word", "[typo]") {
    // Random words over a small alphabet, so many are near each other and share prefixes.
    std::mt19937 rng(7);
    std::vector<std::pair<std::string, std::uint32_t>> words;
    auto random_word = [&](std::size_t min_len, std::size_t max_len) {
        std::string w(std::uniform_int_distribution<std::size_t>(min_len, max_len)(rng), 'a');
        for (auto& c : w)
            c = static_cast<char>('a' + std::uniform_int_distribution<int>(0, 3)(rng));
        return w;
    };
    for (int i = 0; i < 3000; ++i)
        words.emplace_back(random_word(1, 9),
                           std::uniform_int_distribution<std::uint32_t>(2, 50)(rng));
    auto d = dict_of(words);
    for (int t = 0; t < 300; ++t) {
        const std::string q = random_word(1, 10);
        const unsigned max = 1 + t % 2;
        unsigned best = max + 1;
        // Words with the query's first letter only (typo.h).
        auto same_first = [&](std::string_view w) { return w[0] == q[0]; };
        for (std::size_t i = 0; i < d->size(); ++i) {
            const unsigned dist = osa_distance(q, d->word(i));
            if (dist >= 1 && same_first(d->word(i))) best = std::min(best, dist);
        }
        std::vector<std::string> expected;
        for (std::size_t i = 0; i < d->size() && best <= max; ++i) {
            if (same_first(d->word(i)) && osa_distance(q, d->word(i)) == best)
                expected.emplace_back(d->word(i));
        }
        auto got = d->nearest(q, max, d->size());
        INFO(q << " within " << max);
        std::vector<std::string> got_words = words_of(got);
        std::sort(got_words.begin(), got_words.end());
        CHECK(got_words == expected);
        for (std::size_t i = 1; i < got.size(); ++i) CHECK(got[i - 1].docs >= got[i].docs);
        for (const auto& g : got) CHECK(g.distance == best);
    }
}

TEST_CASE("typo dictionary: stored bytes round-trip and damage is DataLoss", "[typo]") {
    const std::string bytes =
        TypoDictionary::encode({{"zeta", 2},
                                {"alpha", 9},
                                {"alpha", 9},
                                {"", 4},
                                {"has space", 3},
                                {"zero", 0},
                                {std::string(kTypoMaxWordBytes + 1, 'x'), 5}});
    auto d = TypoDictionary::decode(bytes);
    REQUIRE(d.has_value());
    REQUIRE((*d)->size() == 2);  // sorted, deduplicated; bad words and zero counts left out
    CHECK((*d)->word(0) == "alpha");
    CHECK((*d)->word(1) == "zeta");
    CHECK((*d)->docs("alpha") == 9);

    for (const std::string& bad : {std::string(),
                                   std::string("cardex-typo/2\n"),
                                   bytes.substr(0, bytes.size() - 3),
                                   frame("beta\t2\nalpha\t3\n"),
                                   frame("alpha\t3\nalpha\t3\n"),
                                   frame("alpha\t0\n"),
                                   frame("alpha\t-1\n"),
                                   frame("alpha\t99999999999\n"),
                                   frame("alpha 3\n"),
                                   frame("alpha\t3"),
                                   frame("\t3\n"),
                                   frame("al pha\t3\n")}) {
        auto r = TypoDictionary::decode(bad);
        INFO(bad.size());
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == Errc::DataLoss);
        CHECK(r.error().message.find("typo dictionary") != std::string::npos);
    }
    CHECK(TypoDictionary::decode(frame("")).value()->empty());
}

TEST_CASE("a build stores the words two public cards hold, and id words", "[typo][build]") {
    auto card = [](std::string id, std::string description, bool is_private = false) {
        Card c = test::make_card(CardType::Model, std::move(id), 10);
        c.description = std::move(description);
        c.is_private = is_private;
        if (is_private) c.author = c.id.substr(0, c.id.find('/'));
        return c;
    };
    std::vector<Card> cards{
        card("org/one", "whisper speech recognition 2023"),
        card("org/two", "whisper speech translation 2023"),
        card("org/three", "diffusion model"),
        // Private cards add no words: "zqxsecret" is on two of them and still not stored.
        card("Secret/a", "zqxsecret whisper", true),
        card("Secret/b", "zqxsecret", true),
    };
    test::TempDir dir;
    REQUIRE(build_index(dir.str(), cards, {}).has_value());
    auto db = open_reader(dir.str());
    REQUIRE(db.has_value());
    auto d = TypoDictionary::read(db.value());
    REQUIRE(d.has_value());
    CHECK((*d)->docs("whisper") == 2);  // public cards only
    CHECK((*d)->docs("speech") == 2);
    CHECK((*d)->docs("org") == 3);
    CHECK((*d)->docs("diffusion") == 0);  // one card's description
    CHECK((*d)->docs("three") == 1);      // one card's id: kept
    CHECK((*d)->docs("secret") == 0);     // a private card's id
    CHECK((*d)->docs("translation") == 0);
    CHECK((*d)->docs("zqxsecret") == 0);
    CHECK((*d)->docs("2023") == 0);  // numbers are no correction targets

    // The whole spelling vocabulary is stored beside it, words of one card included, and
    // the index holds no term per word and card for it (format 14).
    auto w = TypoDictionary::read_words(db.value());
    REQUIRE(w.has_value());
    CHECK(!db.value().get_metadata(std::string(kMetaWords)).empty());
    CHECK((*w)->docs("whisper") == 2);
    CHECK((*w)->docs("diffusion") == 1);
    CHECK((*w)->docs("translation") == 1);
    CHECK((*w)->docs("three") == 1);
    CHECK((*w)->docs("org") == 3);
    CHECK((*w)->docs("2023") == 2);
    CHECK((*w)->docs("zqxsecret") == 0);  // private cards add no words
    CHECK((*w)->docs("secret") == 0);
    CHECK((*w)->docs("model") == 1);  // "model" is one card's description word
    CHECK((*w)->docs("a") == 0);      // 2 bytes or fewer: not a vocabulary word
    const std::string prefix(kPrefixWord);
    CHECK(db.value().allterms_begin(prefix) == db.value().allterms_end(prefix));
    // Every word of the dictionary is a vocabulary word with the same count.
    for (std::size_t i = 0; i < (*d)->size(); ++i) {
        INFO((*d)->word(i));
        CHECK((*w)->docs((*d)->word(i)) == (*d)->docs_at(i));
    }
}

TEST_CASE("an index from before format 14 gives its vocabulary from its XW terms",
          "[typo][compat]") {
    // Format 13 and older kept the vocabulary as one kPrefixWord term per word and card, and
    // a renumbered copy of such an index still does.
    test::TempDir dir;
    {
        Xapian::WritableDatabase db(dir.str(), Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS);
        for (const auto& words : std::vector<std::vector<std::string>>{
                 {"whisper", "speech"}, {"whisper", "tiny"}, {"whisper"}}) {
            Xapian::Document doc;
            for (const auto& word : words) doc.add_boolean_term(std::string(kPrefixWord) + word);
            doc.add_term("whisper");
            db.add_document(doc);
        }
        db.commit();
    }
    Xapian::Database db(dir.str());
    auto w = TypoDictionary::read_words(db);
    REQUIRE(w.has_value());
    CHECK((*w)->size() == 3);
    CHECK((*w)->docs("whisper") == 3);
    CHECK((*w)->docs("speech") == 1);
    CHECK((*w)->docs("tiny") == 1);
    // The dictionary of that vocabulary: the words of two cards or more.
    WordList list;
    for (std::size_t i = 0; i < (*w)->size(); ++i)
        list.emplace_back(std::string((*w)->word(i)), (*w)->docs_at(i));
    auto d = TypoDictionary::decode(TypoDictionary::collect(db, list));
    REQUIRE(d.has_value());
    CHECK((*d)->size() == 1);
    CHECK((*d)->docs("whisper") == 3);

    // An index with neither has an empty vocabulary; a damaged one is DataLoss naming it.
    test::TempDir empty;
    {
        Xapian::WritableDatabase e(empty.str(), Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS);
        e.add_document(Xapian::Document());
        e.commit();
    }
    CHECK(TypoDictionary::read_words(Xapian::Database(empty.str())).value()->empty());
    {
        Xapian::WritableDatabase e(empty.str(), Xapian::DB_OPEN | Xapian::DB_BACKEND_GLASS);
        e.set_metadata(std::string(kMetaWords), "cardex-typo/1\nnot zstd");
        e.commit();
    }
    auto bad = TypoDictionary::read_words(Xapian::Database(empty.str()));
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == Errc::DataLoss);
    CHECK(bad.error().detail == kMetaWords);
    CHECK(bad.error().message.find("spelling vocabulary") != std::string::npos);
}

TEST_CASE("word counts add up, saturating, and sort", "[typo]") {
    WordCounts a{{"beta", 2}, {"alpha", 1}};
    const WordCounts b{{"alpha", 4}, {"gamma", 0xffff'fff0u}};
    add_word_counts(a, b);
    add_word_count(a, "gamma", 0x100);  // past 2^32 - 1: stays there
    const WordList sorted = sorted_words(std::move(a));
    REQUIRE(sorted.size() == 3);
    CHECK(sorted[0] == std::pair<std::string, std::uint32_t>{"alpha", 5});
    CHECK(sorted[1] == std::pair<std::string, std::uint32_t>{"beta", 2});
    CHECK(sorted[2] == std::pair<std::string, std::uint32_t>{"gamma", 0xffff'ffffu});
}
