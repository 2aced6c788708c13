// The Hub's repository endpoints on the fixture index: revisions, refs, the file tree and
// README.md downloads through /resolve/ (docs/HUB-COMPAT.md).
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "fixture_index.h"

using namespace cardex;
using cardex::test::body_json;
using cardex::test::get;

namespace {

constexpr std::string_view kBertSha = "0123456789abcdef0123456789abcdef01234567";
const std::string kBertReadme =
    "---\nlicense: apache-2.0\nlanguage: en\n---\n"
    "# BERT base model (uncased)\n\nPretrained on English. Z\xC3\xBCrich \xE2\x9C\x93\n";
// git hash-object of kBertReadme (printf '%s' "$README" | git hash-object --stdin).
constexpr std::string_view kBertBlob = "2b8874808007b30017c705b19acbe67d04dfea80";

// "refs%2Fheads%2Fmain" -> "refs/heads/main" (the only escape these tests use).
std::string unescape(std::string s) {
    for (std::size_t p; (p = s.find("%2F")) != std::string::npos;) s.replace(p, 3, "/");
    return s;
}

server::HttpResponse head(const std::string& target) {
    return test::request("HEAD", target, "", {});
}

}  // namespace

TEST_CASE("revisions: main, HEAD, refs/heads/main and the card's commit, others are 404",
          "[server][hub][repo]") {
    const std::string base = "/api/models/google-bert/bert-base-uncased/revision/";
    for (const std::string& rev : {std::string("main"),
                                   std::string("HEAD"),
                                   std::string("refs%2Fheads%2Fmain"),
                                   std::string(kBertSha)}) {
        INFO(rev);
        const auto res = get(base + rev);
        CHECK(res.status == 200);
        CHECK(body_json(res).at("sha").as_string() == kBertSha);
    }
    for (const std::string rev :
         {"no-such-branch", "v1.0", "0123456789abcdef0123456789abcdef01234568", "refs%2Fpr%2F1"}) {
        INFO(rev);
        const auto res = get(base + rev);
        CHECK(res.status == 404);
        CHECK(res.header("X-Error-Code") == "RevisionNotFound");
        CHECK(res.header("X-Error-Message") == "Invalid rev id: " + unescape(rev));
        CHECK(body_json(res).at("error").as_string() == "Invalid rev id: " + unescape(rev));
    }
    // A missing repo is that, whatever the revision.
    CHECK(get("/api/models/acme/nothing/revision/no-such-branch").header("X-Error-Code") ==
          "RepoNotFound");
}

TEST_CASE("refs: one branch, main, at the card's commit", "[server][hub][repo]") {
    auto v = body_json(get("/api/models/google-bert/bert-base-uncased/refs"));
    REQUIRE(v.at("branches").as_array().size() == 1);
    CHECK(v.at("branches").at(0).at("name").as_string() == "main");
    CHECK(v.at("branches").at(0).at("ref").as_string() == "refs/heads/main");
    CHECK(v.at("branches").at(0).at("targetCommit").as_string() == kBertSha);
    CHECK(v.at("converts").as_array().empty());
    CHECK(v.at("tags").as_array().empty());
    CHECK_FALSE(v.as_object().contains("pullRequests"));
    v = body_json(get("/api/models/google-bert/bert-base-uncased/refs?include_prs=1"));
    CHECK(v.at("pullRequests").as_array().empty());
    // A card made without a content hash still has a stable 40-digit commit.
    v = body_json(get("/api/datasets/sgoel9/paul_graham_essays/refs"));
    const std::string sha(v.at("branches").at(0).at("targetCommit").as_string());
    CHECK(sha.size() == 40);
    CHECK(sha.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(body_json(get("/api/datasets/sgoel9/paul_graham_essays")).at("sha").as_string() == sha);
    CHECK(get("/api/models/acme/secret-model/refs").header("X-Error-Code") == "RepoNotFound");
}

TEST_CASE("tree: README.md at the root, nothing else", "[server][hub][repo]") {
    auto res = get("/api/models/google-bert/bert-base-uncased/tree/main");
    REQUIRE(res.status == 200);
    auto v = body_json(res);
    REQUIRE(v.as_array().size() == 1);
    CHECK(v.at(0).at("type").as_string() == "file");
    CHECK(v.at(0).at("path").as_string() == "README.md");
    CHECK(v.at(0).at("size").as_int64() == static_cast<std::int64_t>(kBertReadme.size()));
    CHECK(v.at(0).at("oid").as_string() == kBertBlob);
    CHECK(res.header("Link").empty());
    CHECK(get("/api/models/google-bert/bert-base-uncased/tree/main?recursive=true").status == 200);
    // A card without a README (read from a listing record) has an empty tree.
    CHECK(body_json(get("/api/models/flair/ner-danish-large/tree/main")).as_array().empty());
    res = get("/api/models/google-bert/bert-base-uncased/tree/main/configs");
    CHECK(res.status == 404);
    CHECK(res.header("X-Error-Code") == "EntryNotFound");
    CHECK(get("/api/models/google-bert/bert-base-uncased/tree/dev").header("X-Error-Code") ==
          "RevisionNotFound");
}

TEST_CASE("resolve: README.md as it was read, with the commit and git's ETag",
          "[server][hub][repo]") {
    const std::string url = "/google-bert/bert-base-uncased/resolve/main/README.md";
    auto res = get(url);
    REQUIRE(res.status == 200);
    CHECK(res.body == kBertReadme);
    CHECK(res.content_type == "text/plain; charset=utf-8");
    CHECK(res.header("X-Repo-Commit") == kBertSha);
    CHECK(res.header("ETag") == "\"" + std::string(kBertBlob) + "\"");
    // HEAD: the same headers (the socket layer sends the length without the body).
    const auto h = head(url);
    CHECK(h.status == 200);
    CHECK(h.header("ETag") == res.header("ETag"));
    CHECK(get("/google-bert/bert-base-uncased/resolve/" + std::string(kBertSha) + "/README.md")
              .body == kBertReadme);

    // Datasets under /datasets/, with an empty head when the README had no front matter.
    res = get("/datasets/sgoel9/paul_graham_essays/resolve/main/README.md");
    CHECK(res.status == 200);
    CHECK(res.body == "Essays by Paul Graham.\n");

    // Other files, other revisions, other repos: the Hub's error codes.
    res = get("/google-bert/bert-base-uncased/resolve/main/config.json");
    CHECK(res.status == 404);
    CHECK(res.header("X-Error-Code") == "EntryNotFound");
    CHECK(res.header("X-Repo-Commit") == kBertSha);
    CHECK(get("/flair/ner-danish-large/resolve/main/README.md").header("X-Error-Code") ==
          "EntryNotFound");  // no README held
    res = get("/google-bert/bert-base-uncased/resolve/v2/README.md");
    CHECK(res.status == 404);
    CHECK(res.header("X-Error-Code") == "RevisionNotFound");
    res = get("/acme/secret-model/resolve/main/README.md");
    CHECK(res.status == 401);
    CHECK(res.header("X-Error-Code") == "RepoNotFound");
    CHECK(get("/datasets/google-bert/bert-base-uncased/resolve/main/README.md").status == 401);
    // The card page of the dataset is still the web UI's.
    CHECK(get("/datasets/sgoel9/paul_graham_essays").content_type.rfind("text/html", 0) == 0);
}

TEST_CASE("repository routes cardex does not serve: 404 NotFound naming the route",
          "[server][hub][repo]") {
    // list_repo_commits, get_paths_info and the like must not be told the repository is
    // missing: it exists, the route is what cardex lacks.
    for (const std::string path : {"/api/models/google-bert/bert-base-uncased/commits/main",
                                   "/api/models/google-bert/bert-base-uncased/paths-info/main",
                                   "/api/datasets/sgoel9/paul_graham_essays/discussions"}) {
        INFO(path);
        const auto res = get(path);
        CHECK(res.status == 404);
        CHECK(res.header("X-Error-Code") == "NotFound");
        const std::string error = body_json(res).at("error").as_string().c_str();
        CHECK(error.find("cardex does not serve /") == 0);
        CHECK(error.find("/revision") != std::string::npos);
    }
    CHECK(body_json(get("/api/models/google-bert/bert-base-uncased/commits/main"))
              .at("error")
              .as_string() ==
          "cardex does not serve /commits of a repository: only its info, "
          "/revision, /refs and /tree");
    // A repository that is not there (or private) is that, whatever the route.
    for (const std::string path :
         {"/api/models/acme/nothing/commits/main", "/api/models/acme/secret-model/commits/main"}) {
        INFO(path);
        const auto res = get(path);
        CHECK(res.status == 401);
        CHECK(res.header("X-Error-Code") == "RepoNotFound");
    }
}
