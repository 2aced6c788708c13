// The card-text sanitizer: hostile HTML and markdown must come out inert.
#include <catch2/catch.hpp>

#include "web/html.h"
#include "web/sanitize.h"

using cardex::server::web::decode_entities;
using cardex::server::web::escape;
using cardex::server::web::render_markdown;
using cardex::server::web::safe_url;
using cardex::server::web::sanitize_html;
using cardex::server::web::SanitizeOptions;

namespace {

const SanitizeOptions kOpts{"https://huggingface.co/org/model", "Image: {0}"};

std::string clean(std::string_view html) { return sanitize_html(html, kOpts); }

}  // namespace

TEST_CASE("escape covers every character that matters in HTML", "[web][html]") {
    CHECK(escape("<a href=\"x\" title='y'>&</a>") ==
          "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
    CHECK(decode_entities("&#106;&#x61;v&Tab;a&colon;&amp;&unknown;") == "jav\ta:&&unknown;");
}

TEST_CASE("scripts and other active content are dropped with their content", "[web][sanitize]") {
    CHECK(clean("a<script>alert(1)</script>b") == "ab");
    CHECK(clean("a<SCRIPT type=x>alert(1)</script >b") == "ab");
    CHECK(clean("<style>body{}</style><iframe src=x></iframe><object></object>ok") == "ok");
    CHECK(clean("<svg><script>alert(1)</script></svg>ok") == "ok");
    CHECK(clean("<script>never closed") == "");
    CHECK(clean("<scr<script>ipt>alert(1)</script>") == "ipt>alert(1)");
}

TEST_CASE("event handlers, style and ids are stripped", "[web][sanitize]") {
    const auto out = clean("<p onclick=\"alert(1)\" style=\"color:red\" id=main align=center>x</p>");
    CHECK(out == "<p align=\"center\">x</p>");
    CHECK(clean("<div onmouseover=alert(1)>y</div>") == "<div>y</div>");
    CHECK(clean("<b/onclick=alert(1)>z</b>") == "<b>z</b>");
}

TEST_CASE("javascript: and other schemes never reach an href", "[web][sanitize]") {
    CHECK(clean("<a href=\"javascript:alert(1)\">x</a>") == "<a>x</a>");
    CHECK(clean("<a href=\"&#106;avascript:alert(1)\">x</a>") == "<a>x</a>");
    CHECK(clean("<a href=\"jav&#x09;ascript:alert(1)\">x</a>") == "<a>x</a>");
    CHECK(clean("<a href=\" JAVASCRIPT:alert(1)\">x</a>") == "<a>x</a>");
    CHECK(clean("<a href=\"data:text/html,<script>\">x</a>") == "<a>x</a>");
    CHECK(clean("<a href=\"vbscript:x\">x</a>") == "<a>x</a>");
    CHECK(safe_url("https://example.org/a?b=1", "", false) == "https://example.org/a?b=1");
    CHECK(safe_url("mailto:a@b.c", "", false) == "mailto:a@b.c");
    CHECK(safe_url("mailto:a@b.c", "", true).empty());
    CHECK(safe_url("//evil.example/x", "", false) == "https://evil.example/x");
    CHECK(safe_url("/\\evil.example", "", false) == "https://evil.example");
    CHECK(safe_url("./config.json", "https://huggingface.co/o/m", false) ==
          "https://huggingface.co/o/m/blob/main/config.json");
    CHECK(safe_url("img/a.png", "https://huggingface.co/o/m", true) ==
          "https://huggingface.co/o/m/resolve/main/img/a.png");
}

TEST_CASE("http links are kept, escaped, and marked nofollow", "[web][sanitize]") {
    CHECK(clean("<a href=\"https://x.org/?a=1&amp;b='c'\">x</a>") ==
          "<a href=\"https://x.org/?a=1&amp;b=&#39;c&#39;\" rel=\"nofollow noopener noreferrer\">x</a>");
}

TEST_CASE("images become click-to-load placeholders", "[web][sanitize]") {
    const auto out = clean("<img src=\"https://evil.example/x.png\" onerror=\"alert(1)\" alt=\"logo\">");
    CHECK(out.find("<img") == std::string::npos);
    CHECK(out.find("onerror") == std::string::npos);
    CHECK(out.find("class=\"ext-img\"") != std::string::npos);
    CHECK(out.find("data-src=\"https://evil.example/x.png\"") != std::string::npos);
    CHECK(out.find("Image: logo") != std::string::npos);
    // A javascript: image has no source at all: only its alt text remains.
    CHECK(clean("<img src=\"javascript:alert(1)\" alt=\"a\">") == "a");
    // Inside a link (a badge) the placeholder is a span: no nested <a>.
    const auto badge = clean("<a href=\"https://ci.example\"><img src=\"https://b.example/x.svg\"></a>");
    CHECK(badge.find("<span class=\"ext-img\"") != std::string::npos);
    CHECK(badge.find("Image: b.example") != std::string::npos);
}

TEST_CASE("the output is balanced and cannot close the page's elements", "[web][sanitize]") {
    CHECK(clean("</main></article></div><p>x") == "<p>x</p>");
    CHECK(clean("<div><b>x</div>") == "<div><b>x</b></div>");
    CHECK(clean("<!-- <script>alert(1)</script> -->ok") == "ok");
    CHECK(clean("a < b and <3") == "a &lt; b and &lt;3");
    CHECK(clean("<a href=\"https://x.org\" title=\"unterminated>x") == "&lt;a href=\"https://x.org\" title=\"unterminated>x");
}

TEST_CASE("markdown renders and stays sanitized", "[web][sanitize][markdown]") {
    const auto out = render_markdown(
        "# Title\n\nSome **bold** text.\n\n[x](javascript:alert(1))\n\n<script>alert(2)</script>\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\n![logo](./logo.png)\n",
        kOpts);
    CHECK(out.find("<h1>Title</h1>") != std::string::npos);
    CHECK(out.find("<strong>bold</strong>") != std::string::npos);
    CHECK(out.find("<table>") != std::string::npos);
    CHECK(out.find("<input type=\"checkbox\" disabled checked>") != std::string::npos);
    CHECK(out.find("javascript") == std::string::npos);
    CHECK(out.find("<script") == std::string::npos);
    CHECK(out.find("alert(2)") == std::string::npos);
    CHECK(out.find("data-src=\"https://huggingface.co/org/model/resolve/main/logo.png\"") !=
          std::string::npos);
}
