// The endpoints for libraries and archives (docs/GLAM.md) on the fixture index, through
// Handler::handle: every OAI-PMH error code, private cards kept out of every answer, DOIs,
// citations, organisations and sitemaps. The real clients read them in tests/glam.
#include <string>

#include <catch2/catch.hpp>

#include "fixture_index.h"

using namespace cardex;
using test::body_json;
using test::get;

namespace {

server::HandlerConfig with_tokens() {
    server::HandlerConfig config;
    config.tokens = test::fixture_tokens();
    return config;
}

std::string oai(const std::string& query, const std::string& token = {}) {
    const auto res = test::request("GET", "/oai?" + query, token, with_tokens());
    REQUIRE(res.status == 200);
    CHECK(res.content_type.starts_with("text/xml"));
    return res.body;
}

bool has(const std::string& body, const std::string& what) {
    return body.find(what) != std::string::npos;
}

std::string error_code(const std::string& body) {
    const auto at = body.find("<error code=\"");
    if (at == std::string::npos) return "";
    return body.substr(at + 13, body.find('"', at + 13) - at - 13);
}

}  // namespace

TEST_CASE("OAI-PMH answers every error code of the protocol where it applies",
          "[server][glam][oai]") {
    CHECK(error_code(oai("")) == "badVerb");
    CHECK(error_code(oai("verb=Explode")) == "badVerb");
    CHECK(error_code(oai("verb=Identify&verb=ListSets")) == "badVerb");
    CHECK(error_code(oai("verb=Identify&set=x")) == "badArgument");
    CHECK(error_code(oai("verb=ListRecords")) == "badArgument");  // no metadataPrefix
    CHECK(error_code(oai("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc")) ==
          "badArgument");
    CHECK(error_code(oai("verb=ListRecords&metadataPrefix=oai_dc&from=2024-13-01")) ==
          "badArgument");
    CHECK(error_code(
              oai("verb=ListRecords&metadataPrefix=oai_dc&from=2024-02-01&until=2024-01-01")) ==
          "badArgument");
    CHECK(error_code(oai("verb=ListRecords&metadataPrefix=oai_dc&set=planet:mars")) ==
          "badArgument");
    CHECK(error_code(oai("verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=x")) ==
          "badArgument");  // the token is exclusive
    CHECK(error_code(oai("verb=GetRecord&identifier=oai:cardex:model/google/gemma-2b")) ==
          "badArgument");
    CHECK(error_code(oai("verb=ListRecords&resumptionToken=garbage")) == "badResumptionToken");
    CHECK(error_code(oai("verb=ListIdentifiers&resumptionToken=1.L.x.-.-..0..0")) ==
          "badResumptionToken");
    CHECK(error_code(oai("verb=ListSets&resumptionToken=sets.99999")) == "badResumptionToken");
    CHECK(error_code(oai("verb=ListRecords&metadataPrefix=marc21")) == "cannotDisseminateFormat");
    CHECK(error_code(oai("verb=GetRecord&metadataPrefix=marc21&identifier=oai:cardex:model/"
                         "google/gemma-2b")) == "cannotDisseminateFormat");
    CHECK(error_code(oai("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:cardex:model/no/"
                         "such")) == "idDoesNotExist");
    CHECK(error_code(oai("verb=GetRecord&metadataPrefix=oai_dc&identifier=urn:x")) ==
          "idDoesNotExist");
    CHECK(error_code(oai("verb=ListMetadataFormats&identifier=oai:cardex:model/no/such")) ==
          "idDoesNotExist");
    CHECK(error_code(oai("verb=ListRecords&metadataPrefix=oai_dc&from=2999-01-01")) ==
          "noRecordsMatch");
    CHECK(error_code(oai("verb=ListIdentifiers&metadataPrefix=oai_dc&set=org:nobody")) ==
          "noRecordsMatch");
    // The repository has sets, so noSetHierarchy never applies: ListSets lists them.
    const auto sets = oai("verb=ListSets");
    CHECK(error_code(sets).empty());
    CHECK(has(sets, "<setSpec>type:model</setSpec>"));
    CHECK(has(sets, "<setSpec>org:google</setSpec>"));
    CHECK(has(sets, "<setSpec>task:fill-mask</setSpec>"));
    // After badVerb and badArgument the request's arguments are not echoed.
    CHECK(has(oai("verb=Explode&x=%3Cy%3E"), "<request>"));
}

TEST_CASE("OAI-PMH Identify, records and sets, without private cards", "[server][glam][oai]") {
    const auto id = oai("verb=Identify");
    CHECK(has(id, "<protocolVersion>2.0</protocolVersion>"));
    CHECK(has(id, "<deletedRecord>persistent</deletedRecord>"));
    CHECK(has(id, "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>"));
    CHECK(has(id, "<earliestDatestamp>"));

    const auto all = oai("verb=ListIdentifiers&metadataPrefix=oai_dc");
    CHECK(has(all, "<identifier>oai:cardex:model/google/gemma-2b</identifier>"));
    CHECK(has(all, "<identifier>oai:cardex:dataset/sgoel9/paul_graham_essays</identifier>"));
    CHECK(has(all, "<identifier>oai:cardex:space/acme/chat-demo</identifier>"));
    CHECK_FALSE(has(all, "secret"));
    CHECK_FALSE(has(all, "<resumptionToken"));  // one page: no token
    CHECK(has(oai("verb=ListIdentifiers&metadataPrefix=oai_dc", std::string(test::kAcmeToken)),
              "oai:cardex:model/acme/secret-model"));
    CHECK_FALSE(has(oai("verb=ListSets"), "secretlib"));

    // A parent set holds the cards of its children.
    for (const char* parent : {"type", "org", "task"}) {
        INFO(parent);
        const auto listed =
            oai(std::string("verb=ListIdentifiers&metadataPrefix=oai_dc&set=") + parent);
        CHECK(error_code(listed).empty());
        CHECK(has(listed, "oai:cardex:model/google/gemma-2b"));
    }
    // No fixture card has a reuse class.
    CHECK(error_code(oai("verb=ListIdentifiers&metadataPrefix=oai_dc&set=reuse")) ==
          "noRecordsMatch");
    const auto datasets = oai("verb=ListIdentifiers&metadataPrefix=oai_dc&set=type:dataset");
    CHECK(has(datasets, "paul_graham_essays"));
    CHECK_FALSE(has(datasets, "gemma"));
    const auto google = oai("verb=ListRecords&metadataPrefix=oai_dc&set=org:google");
    CHECK(has(google, "<dc:title>"));
    CHECK(has(google, "gemma-2b"));
    CHECK_FALSE(has(google, "bert-base-uncased"));  // google-bert is another namespace

    const auto rec = oai(
        "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:cardex:model/flair/ner-danish-large");
    CHECK(has(rec, "xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\""));
    CHECK(has(rec, "<dc:identifier>https://doi.org/10.57967/hf/0042</dc:identifier>"));
    CHECK(error_code(oai("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:cardex:model/acme/"
                         "secret-model")) == "idDoesNotExist");

    // POST carries the arguments as a form.
    const auto posted = test::request("POST", "/oai", "", {}, "verb=Identify");
    CHECK(posted.status == 200);
    CHECK(has(posted.body, "<Identify>"));
}

TEST_CASE("DOIs are looked up in any case and with a resolver prefix", "[server][glam][doi]") {
    auto v = body_json(get("/api/doi/https://doi.org/10.57967/HF/0042"));
    CHECK(v.at("doi").as_string() == "10.57967/hf/0042");
    REQUIRE(v.at("total").as_int64() == 1);
    CHECK(v.at("cards").at(0).at("id").as_string() == "flair/ner-danish-large");
    CHECK(v.at("cards").at(0).at("own").as_bool());
    v = body_json(get("/api/doi/doi:10.18653/V1/N19-4010"));
    CHECK_FALSE(v.at("cards").at(0).at("own").as_bool());  // a paper it cites

    const auto r = get("/doi/10.57967/hf/0042");
    CHECK(r.status == 302);
    bool located = false;
    for (const auto& [k, val] : r.headers) {
        if (k == "Location") located = val == "/models/flair/ner-danish-large";
    }
    CHECK(located);
    CHECK(get("/api/doi/10.9999/none").status == 404);
    CHECK(get("/api/doi/not-a-doi").status == 400);
    CHECK(get("/doi/not-a-doi").status == 400);
    // A private card's DOI is no one else's business.
    CHECK(get("/api/doi/10.5555/secret").status == 404);
    CHECK(test::request(
              "GET", "/api/doi/10.5555/secret", std::string(test::kAcmeToken), with_tokens())
              .status == 200);
}

TEST_CASE("citations: every format, the card's DOI, errors", "[server][glam][citation]") {
    auto v = body_json(get("/api/models/flair/ner-danish-large/citation"));
    const auto& list = v.at("citations").as_array();
    REQUIRE(list.size() == 4);  // no own citation: the four generated ones
    CHECK(list.at(0).at("format").as_string() == "bibtex");
    const auto bib = get("/api/models/flair/ner-danish-large/citation?format=bibtex");
    CHECK(bib.status == 200);
    CHECK(bib.content_type.starts_with("application/x-bibtex"));
    std::string fields;  // the entry without its alignment
    for (const char c : bib.body) {
        if (c != ' ') fields += c;
    }
    CHECK(has(fields, "doi={10.57967/hf/0042}"));
    CHECK(has(fields, "year={2021}"));
    const auto ris = get("/api/models/flair/ner-danish-large/citation?format=ris");
    CHECK(has(ris.body, "DO  - 10.57967/hf/0042"));
    CHECK(has(ris.body, "ER  -"));
    const auto csl = body_json(get("/api/models/flair/ner-danish-large/citation?format=csl-json"));
    CHECK(csl.at(0).at("DOI").as_string() == "10.57967/hf/0042");
    const auto cff = get("/api/models/flair/ner-danish-large/citation?format=cff");
    CHECK(has(cff.body, "cff-version: 1.2.0"));
    CHECK(get("/api/datasets/sgoel9/paul_graham_essays/citation?format=ris").status == 200);
    CHECK(get("/api/spaces/acme/chat-demo/citation?format=cff").status == 200);

    CHECK(get("/api/models/flair/ner-danish-large/citation?format=marc").status == 400);
    CHECK(get("/api/models/flair/ner-danish-large/citation?source=mine").status == 400);
    CHECK(get("/api/models/flair/ner-danish-large/citation?format=bibtex&source=card").status ==
          404);
    CHECK(get("/api/models/no/such/citation").status == 401);  // as the Hub: 401 without token
    CHECK(get("/api/models/acme/secret-model/citation").status == 401);
}

TEST_CASE("organisation reports count only what the caller may see", "[server][glam][org]") {
    auto v = body_json(get("/api/organizations/google"));
    CHECK(v.at("name").as_string() == "google");
    CHECK(v.at("total").as_int64() == 1);
    CHECK(v.at("downloads").as_int64() == 200000);
    CHECK(v.at("likes").as_int64() == 900);
    const auto csv = get("/api/organizations/google?format=csv");
    CHECK(csv.status == 200);
    CHECK(csv.content_type.starts_with("text/csv"));
    CHECK(csv.body.starts_with("id,type,title,downloads,likes,"));
    CHECK(has(csv.body, "\r\ngoogle/gemma-2b,model,"));

    // acme: a public Space, and a private model only acme's token shows.
    CHECK(body_json(get("/api/organizations/acme")).at("total").as_int64() == 1);
    auto acme = test::request(
        "GET", "/api/organizations/acme", std::string(test::kAcmeToken), with_tokens());
    CHECK(body_json(acme).at("total").as_int64() == 2);
    CHECK_FALSE(has(get("/api/organizations/acme?format=csv").body, "secret"));

    CHECK(get("/api/organizations/nobody").status == 404);
    CHECK(get("/api/organizations/google?format=xls").status == 400);
    CHECK(get("/api/organizations/google?limit=x").status == 400);

    const auto page = get("/google");
    CHECK(page.status == 200);
    CHECK(has(page.body, "<svg"));
    CHECK(has(page.body, "class=\"chart-downloads\""));
    CHECK(has(page.body, "format=csv"));
    CHECK(get("/nobody-here").status == 404);
    CHECK_FALSE(has(get("/acme").body, "secret-model"));
}

TEST_CASE("card pages carry schema.org JSON-LD and the sitemap lists public pages",
          "[server][glam][jsonld]") {
    const auto page = get("/models/flair/ner-danish-large");
    REQUIRE(page.status == 200);
    const auto at = page.body.find("<script type=\"application/ld+json\" id=\"card-jsonld\">");
    REQUIRE(at != std::string::npos);
    const auto start = page.body.find('>', at) + 1;
    const auto json =
        boost::json::parse(page.body.substr(start, page.body.find("</script>", start) - start));
    CHECK(json.at("@type").as_string() == "SoftwareSourceCode");
    CHECK(json.at("identifier").as_string() == "https://doi.org/10.57967/hf/0042");
    CHECK(json.at("name").as_string() == "ner-danish-large");  // its title
    CHECK(has(get("/datasets/sgoel9/paul_graham_essays").body, "\"@type\":\"Dataset\""));
    CHECK(has(page.body, "id=\"cite\""));

    const auto index = get("/sitemap.xml");
    REQUIRE(index.status == 200);
    const auto loc = index.body.find("/sitemaps/");
    REQUIRE(loc != std::string::npos);
    const auto name = index.body.substr(loc + 10, index.body.find('<', loc) - loc - 10);
    const auto sitemap = get("/sitemaps/" + name);
    REQUIRE(sitemap.status == 200);
    CHECK(has(sitemap.body, "/models/google/gemma-2b</loc>"));
    CHECK_FALSE(has(sitemap.body, "secret"));
    CHECK(get("/sitemaps/nonsense.xml").status == 404);
}
