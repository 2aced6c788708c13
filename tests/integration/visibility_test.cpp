// Visibility by construction (issue #13, ARCHITECTURE.md "query/"): private cards live in
// their namespaces' own databases, so what an anonymous caller receives (hits, scores,
// totals, facet counts, spelling suggestions, pages) is computed from the public cards
// alone, and a namespace caller's from the public cards and their own. Checked on the real
// cards by comparing several hundred responses byte for byte before and after private
// cards are added: live, through the writer, and by a reindex.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "cardex/index/history.h"
#include "cardex/index/store.h"
#include "cardex/index/writer.h"
#include "cardex/server/auth.h"
#include "cardex/server/handler.h"
#include "fixture.h"
#include "real_corpus.h"

using namespace cardex;
using index::Card;
using test::real_cards;

namespace {

std::string url_encode(const std::string& s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

// A word with its second letter dropped ("transformers" -> "tansformers"): a misspelling
// the suggester corrects from the vocabulary it may use.
std::string typo(const std::string& q) {
    std::string w = q.substr(0, q.find(' '));
    if (w.size() >= 5) w.erase(1, 1);
    return w;
}

// What a caller sees: anonymous requests to every public interface, over the judged queries,
// their misspellings and the words the private cards hold.
std::vector<std::string> targets() {
    std::vector<std::string> t;
    const auto queries = test::judged_query_texts();
    REQUIRE(queries.size() >= 50);
    for (std::size_t i = 0; i < queries.size(); ++i) {
        const std::string q = url_encode(queries[i]);
        t.push_back("/api/search?q=" + q + "&limit=20&facets=task,language,license,library");
        t.push_back("/api/search?q=" + url_encode(typo(queries[i])) + "&limit=5");
        if (i % 4 == 0) t.push_back("/api/search/full-text?q=" + q);
        if (i % 4 == 1)
            t.push_back("/api/models?search=" + url_encode(typo(queries[i])) + "&limit=20");
        if (i % 4 == 2) t.push_back("/?q=" + q);
        if (i % 4 == 3) t.push_back("/api/suggest?q=" + url_encode(queries[i].substr(0, 4)));
        if (i % 8 == 0) t.push_back("/api/search?q=" + q + "&sort=downloads&limit=10");
    }
    for (const char* q : {"zqxquokkanator",
                          "zqxquokkanatr",
                          "bert",
                          "secret",
                          "private",
                          "newspapers",
                          "norwegian ner"}) {
        t.push_back(std::string("/api/search?q=") + url_encode(q) + "&facets=author,task");
    }
    t.push_back("/api/search?facets=task,language,license,library,author&facet_limit=50");
    t.push_back("/api/search?facets=author&facet_limit=200&filter=type:model");
    t.push_back("/api/models?limit=50&sort=downloads&full=true");
    t.push_back("/api/models?author=google&limit=100");
    t.push_back("/api/models?filter=transformers&limit=20");
    t.push_back("/api/datasets?search=news&limit=20");
    t.push_back("/api/models-tags-by-type");
    t.push_back("/api/models/google/secret-model-0");
    t.push_back("/?language=no");
    return t;
}

// `s` with the value after each `key` (its run of `value_chars`) replaced by "*".
std::string mask(std::string s, std::string_view key, std::string_view value_chars) {
    for (std::size_t at = 0; (at = s.find(key, at)) != std::string::npos;) {
        at += key.size();
        std::size_t end = at;
        while (end < s.size() && value_chars.find(s[end]) != std::string_view::npos) ++end;
        s.replace(at, end - at, "*");
        ++at;
    }
    return s;
}

struct Caller {
    server::Handler handler;
    std::string token;

    std::string answer(query::Searcher& s, const std::string& target) const {
        std::vector<std::pair<std::string, std::string>> headers;
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        const auto res = test::handle(handler, s, "GET", target, headers, {}, "cardex.test:8080");
        std::string out = std::to_string(res.status) + "\n";
        for (const auto& [k, v] : res.headers) out += k + ": " + v + "\n";
        // The time a search took is the one part of an answer that differs between runs.
        return mask(out + "\n" + res.body, "\"took_ms\":", "0123456789.e+-");
    }
    std::vector<std::string> answers(query::Searcher& s, const std::vector<std::string>& ts) const {
        std::vector<std::string> out;
        for (const auto& t : ts) out.push_back(answer(s, t));
        return out;
    }
    // Whether some answer differs from `reference` (answers to `ts`): asks only up to the
    // first difference, where answers() would ask all of them (a whole pass is some 20 s
    // under the sanitizers, and this check needs one difference).
    bool answers_differ(query::Searcher& s,
                        const std::vector<std::string>& ts,
                        const std::vector<std::string>& reference) const {
        for (std::size_t i = 0; i < ts.size(); ++i) {
            if (answer(s, ts[i]) != reference[i]) return true;
        }
        return false;
    }
};

server::HandlerConfig config_with_tokens() {
    auto parsed = server::TokenStore::parse(
        "lab-a-token\tlab-a\n"
        "secret-token\tsecret-lab-1\n"
        "google-token\tgoogle\n");
    REQUIRE(parsed.has_value());
    server::HandlerConfig c;
    c.tokens = std::make_shared<const server::TokenStore>(std::move(parsed).value());
    c.request_deadline = std::chrono::milliseconds(60000);  // answers, not speed
    return c;
}

// Private copies of every 25th real card: in new namespaces, in "google" (a real namespace
// with public cards) and in "lab-a"; their text is the real card's plus a word no public card
// holds, so they move every statistic the public cards' scores depend on.
std::vector<Card> private_cards(const std::string& only_ns = {}) {
    std::vector<Card> out;
    const auto& all = real_cards();
    for (std::size_t i = 0; i < all.size(); i += 25) {
        Card c = all[i];
        const std::size_t k = i / 25;
        c.author = k % 5 == 0   ? "google"
                   : k % 5 == 1 ? "lab-a"
                                : "secret-lab-" + std::to_string(k % 3);
        if (!only_ns.empty() && c.author != only_ns) continue;
        if (only_ns.empty() && c.author == "lab-a") continue;
        c.id = c.author + "/secret-model-" + std::to_string(k);
        c.name = "secret-model-" + std::to_string(k);
        c.is_private = true;
        c.body += "\n\nzqxquokkanator private secret notes";
        c.description += " zqxquokkanator";
        out.push_back(std::move(c));
    }
    return out;
}

// Upserts `cards` into the index at `dir` (one batch, one writer).
void upsert(const std::string& dir, const std::vector<Card>& cards) {
    auto w = index::IndexWriter::open(dir);
    REQUIRE(w.has_value());
    REQUIRE(w->upsert(cards).has_value());
}

std::string first_difference(const std::vector<std::string>& targets,
                             const std::vector<std::string>& a,
                             const std::vector<std::string>& b) {
    for (std::size_t i = 0; i < targets.size(); ++i) {
        if (a[i] != b[i]) {
            std::size_t at = 0;
            while (at < a[i].size() && at < b[i].size() && a[i][at] == b[i][at]) ++at;
            const std::size_t from = at > 80 ? at - 80 : 0;
            return targets[i] + "\n  before: ..." + a[i].substr(from, 200) + "\n  after:  ..." +
                   b[i].substr(from, 200);
        }
    }
    return {};
}

// Cursors name the generation they were made on (a reindex makes a new one).
std::vector<std::string> without_cursors(std::vector<std::string> v) {
    static constexpr std::string_view kCursorChars =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-%";
    for (auto& s : v)
        s = mask(mask(std::move(s), "cursor\":\"", kCursorChars), "cursor=", kCursorChars);
    return v;
}

}  // namespace

TEST_CASE("private cards change no public response, byte for byte, live and after a reindex",
          "[integration][visibility]") {
    REQUIRE(real_cards().size() == 6634);
    test::TempDir dir;
    {
        index::BuildOptions o;
        o.vocabulary = test::vocabulary();
        REQUIRE(index::build_index(dir.str(), real_cards(), o).has_value());
    }
    const auto ts = targets();
    const auto config = config_with_tokens();
    const Caller anonymous{server::Handler(config), ""};
    const Caller lab_a{server::Handler(config), "lab-a-token"};
    const Caller secret{server::Handler(config), "secret-token"};
    auto searcher = query::Searcher::open(dir.str());
    REQUIRE(searcher.has_value());

    const auto before = anonymous.answers(*searcher, ts);
    const auto lab_a_before = lab_a.answers(*searcher, ts);  // signed in: its own pages

    const auto hidden = private_cards();
    REQUIRE(hidden.size() >= 150);
    upsert(dir.str(), hidden);
    // The cards are there, for those who may see them.
    CHECK(secret.answer(*searcher, "/api/search?q=zqxquokkanator").find("secret-lab-1/") !=
          std::string::npos);
    CHECK(anonymous.answer(*searcher, "/api/search?q=zqxquokkanator").find("secret-lab-1/") ==
          std::string::npos);

    // Live: anonymous callers, and a namespace without private cards, see what they saw.
    CHECK(first_difference(ts, before, anonymous.answers(*searcher, ts)) == "");
    CHECK(first_difference(ts, lab_a_before, lab_a.answers(*searcher, ts)) == "");

    // A namespace's own private cards change its own answers only.
    const auto secret_before = secret.answers(*searcher, ts);
    CHECK(first_difference(ts, lab_a_before, secret_before) != "");
    const auto lab_a_cards = private_cards("lab-a");
    REQUIRE(lab_a_cards.size() >= 30);
    upsert(dir.str(), lab_a_cards);
    CHECK(lab_a.answers_differ(*searcher, ts, lab_a_before));
    CHECK(first_difference(ts, secret_before, secret.answers(*searcher, ts)) == "");
    CHECK(first_difference(ts, before, anonymous.answers(*searcher, ts)) == "");

    // A reindex with the private cards: the same answers (cursors name the generation).
    std::vector<Card> all = real_cards();
    all.insert(all.end(), hidden.begin(), hidden.end());
    all.insert(all.end(), lab_a_cards.begin(), lab_a_cards.end());
    index::BuildOptions o;
    o.vocabulary = test::vocabulary();
    REQUIRE(index::build_index(dir.str(), std::move(all), o).has_value());
    CHECK(first_difference(ts,
                           without_cursors(before),
                           without_cursors(anonymous.answers(*searcher, ts))) == "");
    CHECK(secret.answer(*searcher, "/api/search?q=zqxquokkanator").find("secret-lab-1/") !=
          std::string::npos);
}

TEST_CASE("a card that turns private leaves the public database, and comes back once",
          "[integration][visibility]") {
    test::TempDir dir;
    std::vector<Card> cards(real_cards().begin(), real_cards().begin() + 300);
    {
        index::BuildOptions o;
        o.vocabulary = test::vocabulary();
        REQUIRE(index::build_index(dir.str(), cards, o).has_value());
    }
    Card c = cards[7];
    REQUIRE(!c.author.empty());
    auto s = query::Searcher::open(dir.str());
    REQUIRE(s.has_value());
    auto count = [&](bool owner) {
        query::SearchRequest r;
        if (owner) r.private_namespaces = {c.author};
        r.filters = {{"author", {c.author}, {}}};
        r.limit = 100;
        auto resp = s->search(r);
        REQUIRE(resp.has_value());
        std::size_t n = 0;
        for (const auto& h : resp->hits) n += h.card.id == c.id;
        return n;
    };
    REQUIRE(count(false) == 1);
    const auto pub_db = index::live_generation(dir.str()).value();
    c.is_private = true;
    upsert(dir.str(), {c});
    CHECK(count(false) == 0);
    CHECK(count(true) == 1);
    // The Hub's id search, which Xapian's matcher answers (wildcards): over the public and
    // the private database, the docids are the combined database's.
    auto id_search = [&](bool owner) {
        query::SearchRequest r;
        r.text = c.name;
        r.id_only = true;
        r.limit = 100;
        if (owner) r.private_namespaces = {c.author};
        auto resp = s->search(r);
        REQUIRE(resp.has_value());
        std::size_t n = 0;
        for (const auto& h : resp->hits) n += h.card.id == c.id;
        return n;
    };
    CHECK(id_search(false) == 0);
    CHECK(id_search(true) == 1);
    CHECK(!s->get(c.type, c.id).has_value());
    CHECK(s->get(c.type, c.id, {c.author}).has_value());
    // It is stored in its namespace's database, not in the public one.
    CHECK(std::filesystem::is_directory(index::private_db_path(pub_db, c.author)));
    c.is_private = false;
    upsert(dir.str(), {c});
    CHECK(count(false) == 1);
    CHECK(count(true) == 1);
    c.is_private = true;
    upsert(dir.str(), {c});
    {
        auto w = index::IndexWriter::open(dir.str());
        REQUIRE(w.has_value());
        auto removed = w->remove({{c.type, c.id}});
        REQUIRE(removed.has_value());
        CHECK(removed.value() == 1);
    }
    CHECK(count(true) == 0);
    // Its deletion record is the owner's to see, and is kept in its namespace's database: an
    // anonymous scan of deletion records never reads it (so its key is never where a
    // harvester's resumption token points), and the public database does not hold it.
    auto in_public = [&] {
        auto pub = index::open_reader(dir.str());
        REQUIRE(pub.has_value());
        return index::find_tombstone(*pub, c.type, c.id).has_value();
    };
    auto anonymous_scan_reads_it = [&] {
        auto scan = s->deleted("", 100000);
        REQUIRE(scan.has_value());
        bool seen = scan->last == index::record_key(c.type, c.id);
        for (const auto& t : scan->items) seen = seen || t.id == c.id;
        return seen;
    };
    CHECK(s->deleted_card(c.type, c.id, {c.author}).value().has_value());
    CHECK(!s->deleted_card(c.type, c.id).value().has_value());
    CHECK(!in_public());
    CHECK(!anonymous_scan_reads_it());
    // A reindex without the card carries the record into the new generation, in the same place.
    index::BuildOptions o;
    o.vocabulary = test::vocabulary();
    std::vector<Card> rest = cards;
    rest.erase(rest.begin() + 7);
    REQUIRE(index::build_index(dir.str(), rest, o).has_value());
    CHECK(s->deleted_card(c.type, c.id, {c.author}).value().has_value());
    CHECK(!s->deleted_card(c.type, c.id).value().has_value());
    CHECK(!in_public());
    CHECK(!anonymous_scan_reads_it());
}
