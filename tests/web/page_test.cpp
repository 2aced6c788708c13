// The web pages through Handler::handle: search page, facets, escaping, card pages, i18n,
// security headers, access rules.
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "cardex/index/tsv.h"
#include "web/assets.h"
#include "web/messages.h"
#include "web_fixture.h"

using cardex::test::count_of;
using cardex::test::web_get;

namespace {

bool has(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

// Whether any tag (from '<' to the next '>') contains `needle`: escaped text that merely
// mentions "onerror=" is inert and does not count.
bool any_tag_has(const std::string& html, const std::string& needle) {
    for (auto lt = html.find('<'); lt != std::string::npos; lt = html.find('<', lt + 1)) {
        const auto gt = html.find('>', lt);
        if (gt == std::string::npos) return false;
        if (html.substr(lt, gt - lt).find(needle) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("the search page renders with security headers", "[web][search]") {
    const auto res = web_get("/");
    REQUIRE(res.status == 200);
    CHECK(res.content_type == "text/html; charset=utf-8");
    const auto csp = res.header("Content-Security-Policy");
    CHECK(has(csp, "script-src 'self'"));
    CHECK(has(csp, "default-src 'none'"));
    CHECK(res.header("X-Content-Type-Options") == "nosniff");
    CHECK(has(res.body, "<!doctype html>"));
    CHECK(has(res.body, "<form id=\"search-form\""));
    CHECK(has(res.body, "<label for=\"q\""));
    CHECK(has(res.body, "role=\"combobox\""));
    // No inline script or handler anywhere: CSP would block them, and we never need them.
    CHECK(!has(res.body, "<script>"));
    CHECK(!has(res.body, " onclick="));
    CHECK(!has(res.body, "style=\""));
    // The private card is not listed (5 public cards).
    CHECK(has(res.body, ">5 cards<"));
    CHECK(!has(res.body, "secretorg"));
}

TEST_CASE("facets are checkboxes with counts, grouped", "[web][search][facets]") {
    const auto res = web_get("/");
    const auto& b = res.body;
    // Languages with names; nb and nn nested under their macrolanguage Norwegian.
    CHECK(has(b, "<li data-facet=\"language\" data-value=\"no\" data-count=\"3\">"));
    CHECK(has(b, "<input type=\"checkbox\" name=\"language\" value=\"nb\">"));
    CHECK(has(b, "<span class=\"fv-label\">Norwegian Bokmål</span>"));
    CHECK(has(b, "<span class=\"fv-label\">Northern Sami</span>"));
    const auto no = b.find("data-value=\"no\"");
    const auto members = b.find("<ul class=\"members\">", no);
    const auto nb = b.find("data-value=\"nb\"", no);
    CHECK(members < nb);
    // Tasks under their modality, licenses under their reuse class.
    CHECK(has(b, "<legend>Audio</legend>"));
    CHECK(has(b, "Automatic Speech Recognition"));
    CHECK(has(b, "<legend>Non-commercial only</legend>"));
    CHECK(has(b, "<span class=\"fv-label\">Apache License 2.0</span>"));
    CHECK(has(b, "<input type=\"checkbox\" name=\"type\" value=\"dataset\">"));
}

TEST_CASE("several values of one facet are OR-ed, counts are disjunctive", "[web][search][facets]") {
    const auto one = web_get("/?language=se");
    CHECK(has(one.body, ">1 card<"));
    const auto two = web_get("/?language=se&language=nn");
    CHECK(has(two.body, ">2 cards<"));
    CHECK(has(two.body, "value=\"se\" checked"));
    CHECK(has(two.body, "value=\"nn\" checked"));
    // Counts of the language facet ignore its own filter: nb still shows its 3 cards.
    CHECK(has(two.body, "data-value=\"nb\" data-count=\"3\""));
    // Another facet's counts follow the filter: only the two hits' tasks remain.
    CHECK(has(two.body, "data-value=\"fill-mask\" data-count=\"1\""));
    CHECK(!has(two.body, "data-value=\"text-classification\""));
    // Each active value has a link that removes just it, keeping the rest of the state.
    CHECK(has(two.body, "class=\"chip\" href=\"/?language=nn\""));
    CHECK(has(two.body, "class=\"chip\" href=\"/?language=se\""));
}

TEST_CASE("a state with thousands of filter values keeps 40 and says so", "[web][search][limits]") {
    // 1,950 distinct values, comma-joined (7.8 KB): each selected value links with the whole
    // state, so before the cap this page was 65 MB.
    std::string url = "/?language=";
    std::size_t n = 0;
    for (char a = 'a'; a <= 'z' && n < 1950; ++a) {
        for (char b = 'a'; b <= 'z' && n < 1950; ++b) {
            for (char c = 'a'; c <= 'z' && n < 1950; ++c, ++n) {
                if (n > 0) url += ',';
                url += std::string{a, b, c};
            }
        }
    }
    const auto res = web_get(url);
    CHECK(res.status == 400);
    CHECK(has(res.body, "only the first 40 are used, 1910 were left out"));
    CHECK(res.body.size() < 1024 * 1024);
    CHECK(has(res.body, "value=\"aaa\" checked"));
    CHECK(!has(res.body, "value=\"bzz\" checked"));  // the 700th value
    // Forty is still a working page.
    const auto ok = web_get("/?language=se&language=nn");
    CHECK(ok.status == 200);
}

TEST_CASE("the URL holds the whole state", "[web][search][url]") {
    const auto res = web_get("/?q=norwegian&type=model&sort=downloads&language=nb");
    const auto& b = res.body;
    CHECK(has(b, "value=\"norwegian\""));
    CHECK(has(b, "<option value=\"downloads\" selected>"));
    CHECK(has(b, "value=\"model\" checked"));
    // Removing a filter keeps q, the other filters and the sort.
    CHECK(has(b, "href=\"/?q=norwegian&amp;language=nb&amp;sort=downloads\""));
    CHECK(has(b, "<mark>"));
}

TEST_CASE("pagination links carry the state", "[web][search][url]") {
    // 5 cards and 20 per page: no pager. The page parameter is still honoured and bounded.
    const auto res = web_get("/?page=99999");
    CHECK(res.status == 200);
    CHECK(!has(res.body, "class=\"pager\""));
}

TEST_CASE("the query is escaped everywhere it is echoed", "[web][search][escape]") {
    const auto res = web_get("/?q=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E&lang=%22%3E%3Cb%3E");
    CHECK(!has(res.body, "<script>alert"));
    CHECK(!has(res.body, "\"><b>"));
    CHECK(has(res.body, "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
}

TEST_CASE("hostile card metadata is escaped in result lists", "[web][search][escape]") {
    const auto res = web_get("/?q=hostile");
    CHECK(has(res.body, "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;"));
    CHECK(!has(res.body, "<script>alert"));
    CHECK(!has(res.body, "<img"));
}

TEST_CASE("a misspelt word shows what it also matched and the spelling suggestion",
          "[web][search][empty]") {
    // Typo tolerance (query/typo.h): "norwegain" also matches norwegian, and says so.
    const auto res = web_get("/?q=norwegain");
    CHECK_FALSE(has(res.body, "id=\"no-results\""));
    CHECK(has(res.body, "Including results for <b>norwegian</b> (norwegain)"));
    CHECK(has(res.body, "Did you mean"));
    CHECK(has(res.body, "href=\"/?q=norwegian\""));
    const auto filtered = web_get("/?q=zzzzqqq&language=se");
    CHECK(has(filtered.body, "Remove all filters"));
}

TEST_CASE("a bad query is a 400 page, not an error dump", "[web][search]") {
    const auto res = web_get("/?q=%22unbalanced");
    CHECK((res.status == 200 || res.status == 400));
    CHECK(has(res.body, "<!doctype html>"));
}

TEST_CASE("partial=1 returns only the region app.js swaps", "[web][search]") {
    const auto res = web_get("/?language=nb&partial=1");
    CHECK(res.body.rfind("<div id=\"region\"", 0) == 0);
    CHECK(!has(res.body, "<!doctype html>"));
    CHECK(has(res.body, "data-title="));
}

TEST_CASE("UI language from Accept-Language or lang=", "[web][i18n]") {
    const auto nb = web_get("/", {{"Accept-Language", "nb-NO,nb;q=0.9,en;q=0.5"}});
    CHECK(has(nb.body, "<html lang=\"nb\">"));
    CHECK(has(nb.body, ">Filtre<"));
    CHECK(has(nb.body, ">norsk bokmål<"));
    CHECK(has(nb.body, "<legend>Lyd</legend>"));
    CHECK(has(nb.header("Vary"), "Accept-Language"));

    const auto en = web_get("/?lang=en", {{"Accept-Language", "nb"}});
    CHECK(has(en.body, "<html lang=\"en\">"));
    CHECK(has(en.body, ">Filters<"));
    // An explicit choice sticks in the links the page builds.
    const auto en_links = web_get("/?lang=en&language=nb");
    CHECK(has(en_links.body, "href=\"/?lang=en\""));

    const auto sw = web_get("/?lang=nb");
    CHECK(has(sw.body, "hreflang=\"en\""));
    CHECK(has(sw.body, "<input type=\"hidden\" name=\"lang\" value=\"nb\">"));
}

TEST_CASE("locale negotiation and number formats", "[web][i18n]") {
    using cardex::server::web::choose_locale;
    using cardex::server::web::Messages;
    CHECK(choose_locale("", "") == "en");
    CHECK(choose_locale("", "de-DE, nn;q=0.8, en;q=0.7") == "nb");
    CHECK(choose_locale("", "en;q=0.9, nb;q=0.8") == "en");
    CHECK(choose_locale("", "nb;q=0, en;q=0.1") == "en");
    CHECK(choose_locale("nb", "en") == "nb");
    CHECK(choose_locale("xx", "nb") == "nb");
    CHECK(Messages::for_locale("en").number(1234567) == "1,234,567");
    CHECK(Messages::for_locale("nb").number(1234567) == "1\u00a0234\u00a0567");
    CHECK(Messages::for_locale("nb").text("no_such_key") == "no_such_key");
    CHECK(Messages::for_locale("nb").text("downloads") == "Nedlastinger");
}

TEST_CASE("the card page shows metadata, lineage and similar cards", "[web][card]") {
    const auto res = web_get("/models/ltg/norbert3-base");
    REQUIRE(res.status == 200);
    const auto& b = res.body;
    CHECK(has(b, "<h1>NorBERT 3 base</h1>"));
    CHECK(has(b, "<h1>NorBERT 3</h1>"));  // the card text, from markdown
    CHECK(has(b, "href=\"https://arxiv.org/abs/2305.03880\""));
    CHECK(has(b, "href=\"/datasets/ltg/norec\""));            // trained on
    CHECK(has(b, "href=\"/models/ltg/norbert3-ner\""));       // derived from this one
    CHECK(has(b, "href=\"/?language=nb\""));
    CHECK(has(b, "href=\"https://huggingface.co/ltg/norbert3-base\""));
    CHECK(has(res.header("Content-Security-Policy"), "script-src 'self'"));

    const auto ner = web_get("/models/ltg/norbert3-ner");
    CHECK(has(ner.body, "href=\"/models/ltg/norbert3-base\""));
    CHECK(has(ner.body, "fine-tune"));

    const auto ds = web_get("/datasets/ltg/norec");
    CHECK(has(ds.body, "href=\"https://doi.org/10.1000/norec.2018\""));
    CHECK(has(ds.body, "Models trained on this dataset"));
}

TEST_CASE("hostile card text comes out inert", "[web][card][sanitize]") {
    const auto res = web_get("/models/evil/xss-card");
    REQUIRE(res.status == 200);
    const auto& b = res.body;
    CHECK(!has(b, "<script>alert"));
    CHECK(!has(b, "<svg"));
    CHECK(!has(b, "<iframe"));
    CHECK(!any_tag_has(b, "onerror"));
    CHECK(!any_tag_has(b, "onclick"));
    CHECK(!any_tag_has(b, "onmouseover"));
    CHECK(!any_tag_has(b, "style="));
    CHECK(!has(b, "javascript:"));
    CHECK(!has(b, "expression("));
    CHECK(!has(b, "<img"));  // no image loads without consent
    CHECK(count_of(b, "class=\"ext-img\"") == 3);
    CHECK(has(b, "data-src=\"https://huggingface.co/evil/xss-card/resolve/main/assets/pic.png\""));
    CHECK(has(b, "href=\"https://huggingface.co/evil/xss-card/blob/main/config.json\""));
    CHECK(has(b, "class=\"load-images js-only\""));
    // The card's stray </main></body> did not end the page early.
    CHECK(count_of(b, "</main>") == 1);
    CHECK(count_of(b, "</body>") == 1);
    CHECK(has(b, "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;"));
}

TEST_CASE("private and missing cards are the same 404", "[web][card][access]") {
    const auto priv = web_get("/models/secretorg/private-model");
    const auto missing = web_get("/models/secretorg/no-such-model");
    CHECK(priv.status == 404);
    CHECK(missing.status == 404);
    CHECK(!has(priv.body, "Private Norwegian model"));
    CHECK(has(priv.body, "Card not found"));
    CHECK(web_get("/models/%ZZ").status == 400);
}

TEST_CASE("static assets are served with a version", "[web][static]") {
    const auto page = web_get("/");
    CHECK(has(page.body, "/static/app.css?v="));
    CHECK(has(page.body, "/static/app.js?v="));
    const auto css = web_get("/static/app.css");
    CHECK(css.status == 200);
    CHECK(css.content_type == "text/css; charset=utf-8");
    const auto js = web_get("/static/app.js");
    CHECK(js.status == 200);
    CHECK(js.content_type == "text/javascript; charset=utf-8");
    CHECK(web_get("/static/nope.js").status == 404);
    CHECK(web_get("/static/../messages/en.tsv").status == 404);
    // The API is untouched by the page routes.
    CHECK(web_get("/api/search?q=norbert").content_type == "application/json; charset=utf-8");
}

TEST_CASE("the sign-in cookie shows private cards by the API's rules", "[web][access]") {
    using cardex::test::kSecretToken;
    using cardex::test::web_request;
    const std::string cookie = std::string("cardex_token=") + kSecretToken;

    const auto anon = web_request("GET", "/", {});
    CHECK(has(anon.body, ">5 cards<"));
    CHECK(has(anon.body, "href=\"/signin\""));

    const auto signed_in = web_request("GET", "/", {{"Cookie", "a=b; " + cookie}});
    CHECK(has(signed_in.body, ">6 cards<"));
    CHECK(has(signed_in.body, "action=\"/signout\""));
    CHECK(web_request("GET", "/models/secretorg/private-model", {{"Cookie", cookie}}).status == 200);
    // The Authorization header works on pages too.
    const auto bearer = web_request("GET", "/models/secretorg/private-model",
                                    {{"Authorization", std::string("Bearer ") + kSecretToken}});
    CHECK(bearer.status == 200);
    // An unknown cookie is anonymous, not an error.
    const auto stale = web_request("GET", "/", {{"Cookie", "cardex_token=revoked-token-000"}});
    CHECK(stale.status == 200);
    CHECK(has(stale.body, ">5 cards<"));
}

TEST_CASE("the sign-in form sets and clears an HttpOnly cookie", "[web][access]") {
    using cardex::test::kSecretToken;
    using cardex::test::web_request;
    const auto form = web_request("GET", "/signin", {});
    CHECK(form.status == 200);
    CHECK(has(form.body, "<form method=\"post\" action=\"/signin\">"));
    CHECK(has(form.body, "type=\"password\""));

    const auto ok = web_request("POST", "/signin", {{"Origin", "http://localhost"}},
                                std::string("token=") + kSecretToken);
    CHECK(ok.status == 303);
    CHECK(ok.header("Location") == "/");
    const auto set = ok.header("Set-Cookie");
    CHECK(has(set, std::string("cardex_token=") + kSecretToken));
    CHECK(has(set, "HttpOnly"));
    CHECK(has(set, "SameSite=Strict"));

    const auto bad = web_request("POST", "/signin", {}, "token=wrong-token-123");
    CHECK(bad.status == 401);
    CHECK(ok.header("Set-Cookie") != bad.header("Set-Cookie"));
    CHECK(has(bad.body, "role=\"alert\""));

    const auto csrf = web_request("POST", "/signin", {{"Origin", "http://evil.example"}},
                                  std::string("token=") + kSecretToken);
    CHECK(csrf.status == 403);
    CHECK(csrf.header("Set-Cookie").empty());

    const auto out = web_request("POST", "/signout", {});
    CHECK(out.status == 303);
    CHECK(has(out.header("Set-Cookie"), "Max-Age=0"));
    // Other paths still refuse POST.
    CHECK(web_request("POST", "/", {}).status == 405);
}

TEST_CASE("the quality facets are in their own order, has values are AND-ed",
          "[web][search][quality]") {
    const auto res = web_get("/");
    const auto& b = res.body;
    // The two assessed fixture cards: norbert3-base scores 55 (medium), norbert3-ner 25 (low).
    CHECK(has(b, "<li data-facet=\"quality\" data-value=\"medium\" data-count=\"1\">"));
    CHECK(has(b, "<span class=\"fv-label\">Low (below 40)</span>"));
    CHECK(has(b, "<li data-facet=\"has\" data-value=\"license\" data-count=\"2\">"));
    // A checklist in the criteria's order, not by count: description (1) before license (2).
    CHECK(b.find("data-facet=\"has\" data-value=\"description\"") <
          b.find("data-facet=\"has\" data-value=\"license\""));
    CHECK(has(b, "<option value=\"quality\">Documentation quality</option>"));
    // license (both cards) and description (one): only the card with both.
    const auto both = web_get("/?has=license&has=description");
    CHECK(has(both.body, ">1 card<"));
    CHECK(has(both.body, "data-id=\"ltg/norbert3-base\""));
    // The has counts are of the cards shown (disjunctive ones would count license twice).
    CHECK(has(both.body, "data-facet=\"has\" data-value=\"license\" data-count=\"1\""));
}

TEST_CASE("the card page shows the quality score and what is missing", "[web][card][quality]") {
    const auto res = web_get("/models/ltg/norbert3-base");
    REQUIRE(res.status == 200);
    const auto& b = res.body;
    CHECK(has(b, "data-score=\"55\""));
    CHECK(has(b, "55 of 100: Medium (40 to 69)"));
    const auto missing = b.find("<ul class=\"quality-missing\">");
    const auto present = b.find("<ul class=\"quality-present\">");
    REQUIRE(missing != std::string::npos);
    REQUIRE(present != std::string::npos);
    CHECK(missing < present);  // what is missing first
    const std::string missed = b.substr(missing, present - missing);
    for (const std::string label :
         {"Intended use", "Limitations and risks", "Evaluation results", "Citation"}) {
        CHECK(has(missed, ">" + label + "</li>"));
    }
    CHECK(!has(missed, ">License</li>"));
    const auto nb = web_get("/models/ltg/norbert3-base?lang=nb");
    CHECK(has(nb.body, "55 av 100: Middels (40 til 69)"));
    CHECK(has(nb.body, ">Begrensninger og risiko</li>"));
    // A card never assessed shows no score rather than a low one.
    const auto ds = web_get("/datasets/ltg/norec");
    REQUIRE(ds.status == 200);
    CHECK(!has(ds.body, "class=\"quality\""));
}

TEST_CASE("every Norwegian message key exists in English", "[web][i18n]") {
    using cardex::index::for_each_tsv_row;
    using cardex::server::web::embedded;
    std::set<std::string> en;
    for_each_tsv_row(embedded("messages/en.tsv"), [&](const auto& f) { en.emplace(f[0]); });
    REQUIRE(en.size() > 50);
    for_each_tsv_row(embedded("messages/nb.tsv"), [&](const auto& f) {
        REQUIRE(f.size() == 2);
        const std::string key(f[0]);
        // lang.*, task.* and license.* override table names; everything else needs English.
        if (key.starts_with("lang.") || key.starts_with("task.")) return;
        CHECK(en.count(key) == 1);
    });
}

TEST_CASE("plural type values work as in the API", "[web][search]") {
    const auto res = web_get("/?type=datasets");
    CHECK(has(res.body, ">1 card<"));
    CHECK(has(res.body, "value=\"dataset\" checked"));
}

TEST_CASE("filter values in the URL are read as the index's vocabulary says",
          "[web][search][vocab]") {
    // "Sami" is not a language the tables know by that word; "Northern Sami" and "sme" are.
    for (const std::string v : {"sme", "Northern%20Sami", "se"}) {
        const auto res = web_get("/?language=" + v);
        INFO(v);
        CHECK(has(res.body, ">1 card<"));
        CHECK(has(res.body, "value=\"se\" checked"));  // the indexed value is ticked
        CHECK(has(res.body, "Language: Northern Sami"));
        CHECK(!has(res.body, "unknown-filter"));
    }
    // Links carry the value as read: unticking Nynorsk keeps "se", not "sme".
    const auto two = web_get("/?language=sme&language=nno");
    CHECK(has(two.body, ">2 cards<"));
    CHECK(has(two.body, "class=\"chip\" href=\"/?language=nn\""));
    CHECK(has(two.body, "class=\"chip\" href=\"/?language=se\""));
}

TEST_CASE("a filter value no card can have is said so on the page", "[web][search][vocab]") {
    const auto res = web_get("/?language=Klingonish");
    CHECK(has(res.body, ">0 cards<"));
    CHECK(has(res.body, "class=\"chip unknown\""));
    CHECK(has(res.body, "<p class=\"unknown-filter\">Language “Klingonish” is not in the index’s "
                        "vocabulary: no card can match it.</p>"));
    const auto nb = web_get("/?language=Klingonish&lang=nb");
    CHECK(has(nb.body, "Språk «Klingonish» finnes ikke i indeksens vokabular"));
}

TEST_CASE("the page says which last words no card has", "[web][search][fewer]") {
    const auto res = web_get("/?q=norbert3+zzyzx%3Cb%3E");
    REQUIRE(res.status == 200);
    CHECK(has(res.body,
              "<p class=\"dropped\">No card has every word. Cards without: "
              "<s>zzyzx&lt;b&gt;</s></p>"));
    CHECK(has(res.body, "ltg/norbert3-ner"));
    CHECK_FALSE(has(web_get("/?q=norbert3").body, "class=\"dropped\""));
}

TEST_CASE("what the query's words name is offered as one-click filters",
          "[web][search][understood]") {
    const auto res = web_get("/?q=norwegian+ner");
    REQUIRE(res.status == 200);
    const auto& b = res.body;
    // "norwegian" names the language no, "ner" the task token-classification.
    CHECK(has(b, "<div class=\"understood\">"));
    CHECK(has(b, "class=\"chip understood\" href=\"/?q=norwegian%20ner&amp;language=no\""));
    CHECK(has(b, "data-facet=\"task\" data-value=\"token-classification\""));
    CHECK(has(b, "+ Language: Norwegian"));
    // Once the filter is on, it is not offered again; the other one still is.
    const auto on = web_get("/?q=norwegian+ner&language=no");
    CHECK_FALSE(
        has(on.body, "class=\"chip understood\" href=\"/?q=norwegian%20ner&amp;language=no"));
    CHECK(has(on.body, "data-facet=\"task\" data-value=\"token-classification\""));
    // A query that names nothing has no such list.
    CHECK_FALSE(has(web_get("/?q=bert").body, "<div class=\"understood\">"));
}
