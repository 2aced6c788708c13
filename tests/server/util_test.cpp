// Unit tests of the server's private helpers: URL decoding, query strings, JSON output,
// dates and the Errc -> HTTP table.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "http_errors.h"
#include "json_writer.h"
#include "url.h"

using namespace cardex;
using namespace cardex::server;

TEST_CASE("percent_decode decodes escapes and refuses malformed ones", "[server][url]") {
    CHECK(percent_decode("a%20b+c", true) == "a b c");
    CHECK(percent_decode("a+b", false) == "a+b");
    CHECK(percent_decode("%E2%9C%93", false) == "\xE2\x9C\x93");
    CHECK_FALSE(percent_decode("%", true));
    CHECK_FALSE(percent_decode("%4", true));
    CHECK_FALSE(percent_decode("%zz", true));
    CHECK_FALSE(percent_decode("a%00b", true));
    CHECK_FALSE(percent_decode(std::string_view("a\0b", 3), true));  // fuzz_search_state
}

TEST_CASE("percent_encode keeps only unreserved characters", "[server][url]") {
    CHECK(percent_encode("a-b_c.d~e") == "a-b_c.d~e");
    CHECK(percent_encode("a b/c=d&e") == "a%20b%2Fc%3Dd%26e");
    CHECK(percent_decode(percent_encode("x:y,z[]"), true) == "x:y,z[]");
}

TEST_CASE("QueryParams keeps repeats and splits comma lists", "[server][url]") {
    const auto p = QueryParams::parse("filter=a&filter=b,c&&x&limit=1&limit=2&expand%5B%5D=author");
    REQUIRE(p);
    CHECK(p->list("filter") == std::vector<std::string>{"a", "b", "c"});
    CHECK(p->all("filter") == std::vector<std::string>{"a", "b,c"});
    CHECK(p->last("limit") == "2");
    CHECK(p->has("x"));
    CHECK(p->last("x") == "");
    CHECK(p->list("expand[]") == std::vector<std::string>{"author"});
    CHECK_FALSE(p->has("nope"));
    CHECK_FALSE(QueryParams::parse("a=%G0"));
}

TEST_CASE("JsonWriter escapes strings and repairs invalid UTF-8", "[server][json]") {
    JsonWriter w;
    w.begin_object()
        .field("s", std::string_view("q\"b\\n\n\x01\xC3\xA9\xFF\xED\xA0\x80"))
        .field("i", std::int64_t{-3})
        .field("u", std::uint64_t{7})
        .field("d", 580.0)
        .field("f", 0.25)
        .field("b", true)
        .key("n")
        .null()
        .key("a")
        .string_array({"x", "y"})
        .end_object();
    boost::system::error_code ec;
    const auto v = boost::json::parse(w.str(), ec);
    REQUIRE_FALSE(ec);
    const auto& o = v.as_object();
    CHECK(o.at("s").as_string() == "q\"b\\n\n\x01\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(w.str().find("\"d\":580,") != std::string::npos);
    CHECK(w.str().find("\"f\":0.25") != std::string::npos);
    CHECK(o.at("a").as_array().size() == 2);
}

TEST_CASE("dates are Hub-style ISO 8601 and parse back", "[server][json]") {
    CHECK(iso8601(1646263744) == "2022-03-02T23:29:04.000Z");
    CHECK(iso8601(0) == "1970-01-01T00:00:00.000Z");
    CHECK(iso8601(-1).empty());
    CHECK(parse_iso8601("2022-03-02T23:29:04.000Z") == 1646263744);
    CHECK(parse_iso8601("2022-03-02T23:29:04") == 1646263744);
    CHECK(parse_iso8601("2022-03-03T00:29:04+01:00") == 1646263744);
    CHECK(parse_iso8601("2022-03-02") == 1646179200);
    CHECK_FALSE(parse_iso8601("2022-02-30"));
    CHECK_FALSE(parse_iso8601("yesterday"));
    CHECK_FALSE(parse_iso8601("2022-03-02T25:00"));
}

TEST_CASE("booleans and numbers parse like the Hub's clients send them", "[server][json]") {
    CHECK(parse_bool("True") == true);
    CHECK(parse_bool("1") == true);
    CHECK(parse_bool("FALSE") == false);
    CHECK_FALSE(parse_bool("maybe"));
    CHECK(parse_uint("42") == 42u);
    CHECK_FALSE(parse_uint("-1"));
    CHECK_FALSE(parse_uint("1e3"));
    CHECK(parse_number("1.5") == 1.5);
    CHECK_FALSE(parse_number("nan"));
}

TEST_CASE("one table maps every Errc to an HTTP status", "[server][errors]") {
    CHECK(http_error(Errc::InvalidArgument).status == 400);
    CHECK(http_error(Errc::NotFound).status == 404);
    CHECK(http_error(Errc::FailedPrecondition).status == 503);
    CHECK(http_error(Errc::Unavailable).status == 503);
    CHECK(http_error(Errc::ResourceExhausted).status == 400);
    CHECK(http_error(Errc::Internal).status == 500);
    const auto res = error_response(make_error(Errc::InvalidArgument, "bad\r\nX-Injected: 1", "q"));
    CHECK(res.status == 400);
    CHECK(res.header("X-Error-Code") == "InvalidArgument");
    CHECK(res.header("X-Error-Message").find('\n') == std::string::npos);
    CHECK(res.content_type == "application/json; charset=utf-8");
}
