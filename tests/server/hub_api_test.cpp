// The Hugging Face Hub compatible endpoints (docs/HUB-API.md).
#include <set>

#include <catch2/catch.hpp>

#include "fixture_index.h"

using namespace cardex;
using cardex::test::body_json;
using cardex::test::get;

namespace {

std::vector<std::string> ids_of(const boost::json::value& v) {
    std::vector<std::string> ids;
    for (const auto& item : v.as_array()) ids.emplace_back(item.at("id").as_string());
    return ids;
}

std::set<std::string> id_set(const server::HttpResponse& res) {
    const auto ids = ids_of(body_json(res));
    return {ids.begin(), ids.end()};
}

std::set<std::string> keys_of(const boost::json::value& item) {
    std::set<std::string> keys;
    for (const auto& kv : item.as_object()) keys.emplace(kv.key());
    return keys;
}

// "<http://host/path?query>; rel=\"next\"" -> "/path?query" (empty if not that shape).
std::string link_target(const std::string& link, const std::string& base) {
    const std::string prefix = "<" + base;
    const std::string suffix = ">; rel=\"next\"";
    if (link.rfind(prefix, 0) != 0 || link.size() < prefix.size() + suffix.size() ||
        link.compare(link.size() - suffix.size(), suffix.size(), suffix) != 0) {
        return {};
    }
    return link.substr(prefix.size(), link.size() - prefix.size() - suffix.size());
}

}  // namespace

TEST_CASE("Hub model listing: bare array, default fields, trending order", "[server][hub]") {
    const auto res = get("/api/models");
    REQUIRE(res.status == 200);
    CHECK(res.content_type == "application/json; charset=utf-8");
    const auto v = body_json(res);
    REQUIRE(v.is_array());
    // Models only, private excluded, trendingScore descending by default.
    CHECK(ids_of(v) == std::vector<std::string>{"meta-llama/Llama-3.1-8B-Instruct",
                                                "google/gemma-2b", "google-bert/bert-base-uncased",
                                                "flair/ner-danish-large"});
    CHECK(res.header("Link").empty());

    const auto& bert = v.at(2);
    CHECK(keys_of(bert) == std::set<std::string>{"_id", "id", "likes", "trendingScore", "private",
                                                 "downloads", "tags", "pipeline_tag",
                                                 "library_name", "createdAt", "modelId"});
    CHECK(bert.at("_id").as_string().size() == 24);
    CHECK(bert.at("modelId").as_string() == "google-bert/bert-base-uncased");
    CHECK(bert.at("createdAt").as_string() == "2022-03-02T23:29:04.000Z");
    CHECK(bert.at("downloads").as_int64() == 1000000);
    CHECK(bert.at("trendingScore").as_int64() == 50);
    CHECK(bert.at("private").as_bool() == false);
    CHECK(bert.at("pipeline_tag").as_string() == "fill-mask");
    CHECK(bert.at("library_name").as_string() == "transformers");
    // The _id is stable across requests.
    CHECK(body_json(get("/api/models")).at(2).at("_id") == bert.at("_id"));
}

TEST_CASE("Hub search, author and filters", "[server][hub]") {
    CHECK(id_set(get("/api/models?search=bert")) ==
          std::set<std::string>{"google-bert/bert-base-uncased"});
    CHECK(id_set(get("/api/models?search=danish-large")) ==
          std::set<std::string>{"flair/ner-danish-large"});
    // search matches ids only, not card text ("Gemma is a family ...").
    CHECK(id_set(get("/api/models?search=family")).empty());
    CHECK(id_set(get("/api/models?author=google")) == std::set<std::string>{"google/gemma-2b"});
    CHECK(id_set(get("/api/models?author=google&search=bart-base")).empty());

    // filter = AND over exact tags, repeated or comma-joined.
    CHECK(id_set(get("/api/models?filter=transformers&filter=fr")) ==
          std::set<std::string>{"meta-llama/Llama-3.1-8B-Instruct", "google/gemma-2b"});
    CHECK(id_set(get("/api/models?filter=transformers,conversational")) ==
          std::set<std::string>{"meta-llama/Llama-3.1-8B-Instruct"});
    CHECK(id_set(get("/api/models?filter=dummytask")).empty());
    CHECK(id_set(get("/api/models?pipeline_tag=text-generation")) ==
          std::set<std::string>{"meta-llama/Llama-3.1-8B-Instruct", "google/gemma-2b"});
    CHECK(id_set(get("/api/models?language=de&language=en")) ==
          std::set<std::string>{"meta-llama/Llama-3.1-8B-Instruct"});
    CHECK(id_set(get("/api/models?license=license:mit")) ==
          std::set<std::string>{"flair/ner-danish-large"});
    CHECK(id_set(get("/api/models?library=flair")) ==
          std::set<std::string>{"flair/ner-danish-large"});
    CHECK(id_set(get("/api/models?gated=True")) ==
          std::set<std::string>{"meta-llama/Llama-3.1-8B-Instruct", "google/gemma-2b"});
    CHECK(id_set(get("/api/models?gated=false")) ==
          std::set<std::string>{"google-bert/bert-base-uncased", "flair/ner-danish-large"});
    CHECK(get("/api/models?gated=perhaps").status == 400);
    // Values are not read through the vocabulary (docs/HUB-COMPAT.md): the Hub matches tags.
    CHECK(id_set(get("/api/models?language=German")).empty());
    CHECK(id_set(get("/api/models?license=MIT%20License")).empty());
}

TEST_CASE("Hub filter, author and pipeline_tag match with case, the native API does not",
          "[server][hub]") {
    CHECK(id_set(get("/api/models?filter=GGUF-Q4")) == std::set<std::string>{"google/gemma-2b"});
    CHECK(id_set(get("/api/models?filter=gguf-q4")).empty());
    CHECK(id_set(get("/api/models?author=Google")).empty());
    CHECK(id_set(get("/api/models?pipeline_tag=Text-Generation")).empty());
    auto native = body_json(get("/api/search?tag=gguf-q4&author=Google"));
    CHECK(native.at("total").as_int64() == 1);
    CHECK(native.at("hits").at(0).at("id").as_string() == "google/gemma-2b");
}

TEST_CASE("Hub num_parameters ranges over the recorded parameter counts", "[server][hub]") {
    CHECK(id_set(get("/api/models?num_parameters=min:6B")) ==
          std::set<std::string>{"meta-llama/Llama-3.1-8B-Instruct"});
    CHECK(id_set(get("/api/models?num_parameters=max:3B")) ==
          std::set<std::string>{"google/gemma-2b"});  // models without a count never match
    CHECK(id_set(get("/api/models?num_parameters=min%3A1B%2Cmax%3A10B")) ==
          std::set<std::string>{"meta-llama/Llama-3.1-8B-Instruct", "google/gemma-2b"});
    CHECK(id_set(get("/api/models?num_parameters=min:2506172416&num_parameters=max:2.6B")) ==
          std::set<std::string>{"google/gemma-2b"});
    CHECK(id_set(get("/api/models?num_parameters=min:9B")).empty());
    for (const char* bad : {"6B", "min:", "min:6X", "least:6B", "min:-1B"}) {
        INFO(bad);
        const auto res = get(std::string("/api/models?num_parameters=") + bad);
        CHECK(res.status == 400);
        CHECK(res.header("X-Error-Code") == "InvalidArgument");
    }
    CHECK(get("/api/datasets?num_parameters=min:1B").status == 400);
}

TEST_CASE("Hub parameters cardex cannot answer are refused as the README says", "[server][hub]") {
    for (const char* p : {"apps=ollama",
                          "inference=warm",
                          "inference_provider=all",
                          "inference_provider=nscale,novita"}) {
        INFO(p);
        const auto res = get(std::string("/api/models?") + p);
        CHECK(res.status == 400);
        CHECK(res.header("X-Error-Code") == "InvalidArgument");
        const std::string name(p, std::string_view(p).find('='));
        CHECK(body_json(res).at("error").as_string() ==
              "parameter '" + name + "' is not supported by cardex");
    }
}

TEST_CASE("Hub sort keys, descending, direction ignored", "[server][hub]") {
    CHECK(ids_of(body_json(get("/api/models?sort=downloads&direction=-1&limit=2"))) ==
          std::vector<std::string>{"meta-llama/Llama-3.1-8B-Instruct",
                                   "google-bert/bert-base-uncased"});
    CHECK(ids_of(body_json(get("/api/models?sort=likes&limit=1"))) ==
          std::vector<std::string>{"meta-llama/Llama-3.1-8B-Instruct"});
    CHECK(ids_of(body_json(get("/api/models?sort=createdAt&limit=1"))) ==
          std::vector<std::string>{"meta-llama/Llama-3.1-8B-Instruct"});
    CHECK(ids_of(body_json(get("/api/models?sort=last_modified&limit=1"))) ==
          std::vector<std::string>{"meta-llama/Llama-3.1-8B-Instruct"});
    CHECK(get("/api/models?sort=mainSize").status == 400);
    CHECK(get("/api/models?limit=5000").status == 200);  // clamped, not refused
    CHECK(get("/api/models?limit=-1").status == 400);
}

TEST_CASE("Hub pagination: absolute Link with every parameter, none on the last page",
          "[server][hub]") {
    const std::string base = "http://cardex.test:8080";
    std::vector<std::string> seen;
    std::string target = "/api/models?filter=transformers&sort=downloads&limit=1&expand=likes";
    int pages = 0;
    while (!target.empty() && pages < 10) {
        const auto res = get(target);
        REQUIRE(res.status == 200);
        const auto v = body_json(res);
        for (const auto& id : ids_of(v)) seen.push_back(id);
        const std::string link = res.header("Link");
        ++pages;
        if (link.empty()) break;
        target = link_target(link, base);
        INFO("Link: " << link);
        REQUIRE_FALSE(target.empty());
        CHECK(target.find("filter=transformers") != std::string::npos);
        CHECK(target.find("sort=downloads") != std::string::npos);
        CHECK(target.find("limit=1") != std::string::npos);
        CHECK(target.find("expand=likes") != std::string::npos);
    }
    CHECK(seen == std::vector<std::string>{"meta-llama/Llama-3.1-8B-Instruct",
                                           "google-bert/bert-base-uncased", "google/gemma-2b"});
    CHECK(pages == 3);

    // skip works as an offset.
    CHECK(ids_of(body_json(get("/api/models?sort=downloads&skip=3"))) ==
          std::vector<std::string>{"flair/ner-danish-large"});
}

TEST_CASE("Link URLs use the configured or forwarded public base", "[server][hub]") {
    server::HandlerConfig config;
    config.public_base_url = "https://search.example.org";
    auto res = get("/api/models?limit=1", config);
    CHECK(res.header("Link").rfind("<https://search.example.org/api/models?limit=1&", 0) == 0);

    server::HandlerConfig proxied;
    proxied.trust_forwarded_headers = true;
    const server::Handler handler(proxied);
    server::HttpRequest req;
    req.method = "GET";
    req.target = "/api/models?limit=1";
    req.host = "10.0.0.5:8080";
    req.headers = {{"X-Forwarded-Proto", "https"}, {"x-forwarded-host", "hub.example.org"}};
    res = handler.handle(req, test::fixture_searcher());
    CHECK(res.header("Link").rfind("<https://hub.example.org/api/models?", 0) == 0);

    // An untrusted or hostile Host never breaks the header.
    req.headers.clear();
    req.host = "evil>; rel=\"x\"";
    res = handler.handle(req, test::fixture_searcher());
    CHECK(res.header("Link").rfind("<http://localhost/api/models?", 0) == 0);
}

TEST_CASE("Hub expand returns only _id, id and the listed keys", "[server][hub]") {
    auto v = body_json(get("/api/models?search=bert&expand=downloads&expand=likes"));
    CHECK(keys_of(v.at(0)) == std::set<std::string>{"_id", "id", "downloads", "likes"});
    v = body_json(get("/api/models?search=bert&expand[]=author&expand[]=lastModified"));
    CHECK(keys_of(v.at(0)) == std::set<std::string>{"_id", "id", "author", "lastModified"});
    CHECK(v.at(0).at("lastModified").as_string() == "2024-02-21T09:00:00.000Z");
    // Known to the Hub but not stored by cardex (siblings): accepted, left out.
    v = body_json(get("/api/models?search=bert&expand=sha,siblings,gated"));
    CHECK(keys_of(v.at(0)) == std::set<std::string>{"_id", "id", "sha", "gated"});
    CHECK(v.at(0).at("sha").as_string() == "0123456789abcdef0123456789abcdef01234567");
    // The Hub's records of parameter counts and storage, as the listing record gave them.
    v = body_json(get("/api/models?search=llama&expand=safetensors&expand=usedStorage"));
    CHECK(v.at(0).at("safetensors").at("total").as_int64() == 8030261248);
    CHECK(v.at(0).at("safetensors").at("parameters").at("BF16").as_int64() == 8030261248);
    CHECK(v.at(0).at("usedStorage").as_int64() == 16060556376);
    v = body_json(get("/api/models?search=gemma&expand=gguf&expand=safetensors"));
    CHECK(keys_of(v.at(0)) == std::set<std::string>{"_id", "id", "gguf"});
    CHECK(v.at(0).at("gguf").at("architecture").as_string() == "gemma");

    const auto bad = get("/api/models?expand=bogus");
    CHECK(bad.status == 400);
    CHECK(body_json(bad).at("error").as_string().size() > 0);
    CHECK(get("/api/spaces?expand=downloads").status == 400);  // not a Space property
    CHECK(get("/api/datasets?expand=description").status == 200);
}

TEST_CASE("Hub full and cardData toggles", "[server][hub]") {
    auto v = body_json(get("/api/models?search=llama&full=true"));
    const auto& llama = v.at(0);
    CHECK(llama.at("author").as_string() == "meta-llama");
    CHECK(llama.at("gated").as_string() == "manual");
    CHECK(llama.at("lastModified").as_string() == "2024-09-25T17:00:57.000Z");
    CHECK_FALSE(llama.as_object().contains("cardData"));

    v = body_json(get("/api/models?search=bert&cardData=True"));
    REQUIRE(v.at(0).as_object().contains("cardData"));
    CHECK(v.at(0).at("cardData").at("datasets").at(0).as_string() == "bookcorpus");
    CHECK(v.at(0).at("cardData").at("co2").as_double() == 0.5);
}

TEST_CASE("Hub dataset and Space listings have their own shapes", "[server][hub]") {
    auto v = body_json(get("/api/datasets"));
    REQUIRE(v.as_array().size() == 1);
    const auto& ds = v.at(0);
    CHECK(ds.at("id").as_string() == "sgoel9/paul_graham_essays");
    CHECK(ds.at("author").as_string() == "sgoel9");
    CHECK(ds.at("gated").as_bool() == false);
    CHECK(ds.at("description").as_string().size() > 0);
    CHECK_FALSE(ds.as_object().contains("modelId"));
    CHECK_FALSE(ds.as_object().contains("cardData"));
    v = body_json(get("/api/datasets?full=true"));
    CHECK(v.at(0).at("cardData").at("pretty_name").as_string() == "Paul Graham Essay Collection");
    CHECK(id_set(get("/api/datasets?filter=language:en&library=pandas")).size() == 1);

    v = body_json(get("/api/spaces"));
    REQUIRE(v.as_array().size() == 1);
    CHECK(v.at(0).at("sdk").as_string() == "gradio");
    CHECK(v.at(0).at("likes").as_int64() == 42);
    CHECK_FALSE(v.at(0).as_object().contains("downloads"));
}

TEST_CASE("Hub repo info, with and without revision", "[server][hub]") {
    auto res = get("/api/models/google-bert/bert-base-uncased");
    REQUIRE(res.status == 200);
    auto v = body_json(res);
    CHECK(v.at("id").as_string() == "google-bert/bert-base-uncased");
    CHECK(v.at("author").as_string() == "google-bert");
    CHECK(v.at("cardData").at("license").as_string() == "apache-2.0");
    CHECK(v.at("tags").as_array().size() == 8);

    res = get("/api/models/google-bert/bert-base-uncased/revision/main");
    CHECK(res.status == 200);
    res = get("/api/models/google-bert/bert-base-uncased/revision/HEAD?expand=downloads");
    REQUIRE(res.status == 200);
    CHECK(keys_of(body_json(res)) == std::set<std::string>{"_id", "id", "downloads"});

    res = get("/api/datasets/sgoel9/paul_graham_essays");
    CHECK(res.status == 200);
    res = get("/api/spaces/acme/chat-demo");
    CHECK(body_json(res).at("sdk").as_string() == "gradio");
}

TEST_CASE("missing and private repos look the same", "[server][hub]") {
    // Anonymous: the Hub's 401 (access_test.cpp covers callers with a token: 404).
    const auto missing = get("/api/models/acme/no-such-model");
    CHECK(missing.status == 401);
    CHECK(missing.header("X-Error-Code") == "RepoNotFound");
    CHECK(body_json(missing).at("error").as_string() == "Repository not found");

    const auto hidden = get("/api/models/acme/secret-model");
    CHECK(hidden.status == missing.status);
    CHECK(hidden.body == missing.body);
    CHECK(hidden.headers == missing.headers);

    // The right id under the wrong type is missing too.
    CHECK(get("/api/datasets/google-bert/bert-base-uncased").status == 401);
    CHECK(get("/api/models/google-bert/bert-base-uncased/revision/").status == 404);
}
