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
}
