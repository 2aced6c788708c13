// The harvester's pieces that need no server: URLs and Link headers, the waits a server asks
// for, times, and the checkpoint file.
#include <catch2/catch.hpp>

#include <fstream>

#include "harvest_http.h"
#include "harvest_state.h"
#include "support.h"

using namespace cardex::server::harvesting;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("URLs: what a harvest may be pointed at", "[harvest][util]") {
    auto u = parse_url("HTTPS://huggingface.co");
    REQUIRE(u.has_value());
    CHECK(u->tls);
    CHECK(u->host == "huggingface.co");
    CHECK(u->port == "443");
    CHECK(u->target == "/");
    CHECK(u->host_header() == "huggingface.co");
    CHECK(u->origin() == "https://huggingface.co:443");
    auto v6 = parse_url("http://[::1]:8080/mirror/?x=1#frag");
    REQUIRE(v6.has_value());
    CHECK(v6->host == "::1");
    CHECK(v6->host_header() == "[::1]:8080");
    CHECK(v6->target == "/mirror/?x=1");
    CHECK(v6->str() == "http://[::1]:8080/mirror/?x=1");
    for (const char* bad : {"ftp://host/",
                            "huggingface.co",
                            "http://",
                            "http://user:pw@host/",
                            "http://host:0/",
                            "http://host:99999/",
                            "http://host:8o/",
                            "http://host/a b"}) {
        INFO(bad);
        auto r = parse_url(bad);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().detail == bad);
    }
    // Link and Location values, absolute or not.
    const Url base = parse_url("http://h:81/api/models?limit=2").value();
    CHECK(resolve_url(base, "https://other/x?cursor=a").value().str() ==
          "https://other/x?cursor=a");
    CHECK(resolve_url(base, "/api/models?cursor=b").value().str() ==
          "http://h:81/api/models?cursor=b");
    CHECK(resolve_url(base, "//cdn.example/f").value().str() == "http://cdn.example/f");
    CHECK(resolve_url(base, "datasets?x").value().str() == "http://h:81/api/datasets?x");
}

TEST_CASE("Link headers: the next page, wherever it stands", "[harvest][util]") {
    CHECK(next_link({R"(<https://h/api/models?cursor=abc%2C1>; rel="next")"}) ==
          "https://h/api/models?cursor=abc%2C1");
    CHECK(next_link({R"(<https://h/p1>; rel="prev", <https://h/p3>; rel="next")"}) ==
          "https://h/p3");
    CHECK(next_link({R"(<https://h/a,b>; rel=next)"}) == "https://h/a,b");
    CHECK(next_link({R"(<https://h/x>; rel="first last")", R"(<https://h/y>; REL="Next last")"}) ==
          "https://h/y");
    CHECK(next_link({R"(<https://h/p1>; rel="prev")"}).empty());
    CHECK(next_link({R"(<https://h/p1>; title="next"; rel="nextish")"}).empty());
    CHECK(next_link({}).empty());
}

TEST_CASE("Retry-After and RateLimit: the waits a server asks for", "[harvest][util]") {
    const auto now = std::chrono::system_clock::from_time_t(784111777);  // 06 Nov 1994 08:49:37
    CHECK(parse_retry_after("120", now) == milliseconds(120000));
    CHECK(parse_retry_after(" 0 ", now) == milliseconds(0));
    // The three date forms RFC 9110 makes a recipient read, 10 s after `now`.
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now) == milliseconds(10000));
    CHECK(parse_retry_after("Sunday, 06-Nov-94 08:49:47 GMT", now) == milliseconds(10000));
    CHECK(parse_retry_after("Sun Nov  6 08:49:47 1994", now) == milliseconds(10000));
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now) == milliseconds(0));  // past
    CHECK_FALSE(parse_retry_after("soon", now).has_value());
    CHECK_FALSE(parse_retry_after("-5", now).has_value());
    CHECK_FALSE(parse_retry_after("", now).has_value());
    CHECK(parse_retry_after("99999999999", now) > milliseconds(seconds(86400 * 300)));
    CHECK(parse_rate_limit_reset(R"("api";r=0;t=55)") == milliseconds(55000));
    CHECK(parse_rate_limit_reset(R"("api"; r=10; t=3)") == milliseconds(3000));
    CHECK_FALSE(parse_rate_limit_reset(R"("api";r=0)").has_value());
}

TEST_CASE("ISO 8601 times, to the millisecond", "[harvest][util]") {
    CHECK(parse_iso8601_ms("1970-01-01") == 0);
    CHECK(parse_iso8601_ms("2024-04-20T03:49:51.000Z") == 1713584991000);
    CHECK(parse_iso8601_ms("2024-04-20T03:49:51.5Z") == 1713584991500);
    CHECK(parse_iso8601_ms("2024-04-20 03:49:51+00:00") == 1713584991000);
    CHECK(parse_iso8601_ms("2024-04-20T05:49:51+02:00") == 1713584991000);
    CHECK(parse_iso8601_ms("2024-04-20T05:49:51+0200") == 1713584991000);
    CHECK(parse_iso8601_ms("2024-04-20T03:49Z") == 1713584940000);
    // Milliseconds count: the Hub's lastModified has them, and "after" must see them.
    CHECK(*parse_iso8601_ms("2024-04-20T03:49:51.001Z") >
          *parse_iso8601_ms("2024-04-20T03:49:51Z"));
    for (const char* bad : {"",
                            "yesterday",
                            "2024-13-01",
                            "2024-04-20T25:00:00Z",
                            "2024-04-20T03",
                            "2024-04-20T03:49:51Zjunk",
                            "20240420"}) {
        INFO(bad);
        CHECK_FALSE(parse_iso8601_ms(bad).has_value());
    }
}

TEST_CASE("the checkpoint file: written whole, read back, never a stranger's", "[harvest][util]") {
    cardex::test::TempDir tmp;
    const std::string path = tmp.str() + "/state.json";
    CHECK(load_state(path).error().code == cardex::Errc::NotFound);
    HarvestState s;
    s.origin = "https://huggingface.co:443";
    s.renumber_pending = true;
    s.types["model"].high_water = "2025-01-01T00:00:00.000Z";
    s.types["model"].pass =
        PassState{"", "https://huggingface.co/api/models?cursor=x", "2025-02-01", 3, 300};
    s.types["model"].failed = {{"org/gated", "README: HTTP 403 GatedRepo"}};
    s.types["dataset"].high_water = "2024-06-01T00:00:00.000Z";
    REQUIRE(save_state(path, s).has_value());
    auto back = load_state(path);
    REQUIRE(back.has_value());
    CHECK(back->origin == s.origin);
    CHECK(back->renumber_pending);
    const TypeState& m = back->types.at("model");
    CHECK(m.high_water == "2025-01-01T00:00:00.000Z");
    REQUIRE(m.pass.has_value());
    CHECK(m.pass->next == "https://huggingface.co/api/models?cursor=x");
    CHECK(m.pass->pages == 3);
    CHECK(m.pass->listed == 300);
    REQUIRE(m.failed.size() == 1);
    CHECK(m.failed[0].id == "org/gated");
    CHECK_FALSE(back->types.at("dataset").pass.has_value());
    // No temporary file is left beside it.
    std::size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(tmp.path()))
        files += e.is_regular_file();
    CHECK(files == 1);

    // A file this code did not write is refused, by name, and left alone.
    for (const char* text : {"not json",
                             "[]",
                             R"({"format": 2})",
                             R"({"format": 1, "types": {"model": {"pass": {"since": ""}}}})"}) {
        INFO(text);
        {
            std::ofstream f(path, std::ios::trunc);
            f << text;
        }
        auto bad = load_state(path);
        REQUIRE_FALSE(bad.has_value());
        CHECK(bad.error().code == cardex::Errc::InvalidArgument);
        CHECK(bad.error().detail == path);
    }
}
