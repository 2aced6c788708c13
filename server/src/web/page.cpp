// Web UI layout, security headers and static assets (the routes are in handler.cpp).
#include "web/page.h"

#include <string>

#include "http_errors.h"
#include "url.h"
#include "web/assets.h"
#include "web/html.h"

namespace cardex::server::web {
namespace {

// script-src 'self': no inline script or handler can run even if escaping failed somewhere.
// img-src allows https: only because a reader may choose to load a card's external image.
constexpr std::string_view kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

}  // namespace

HttpResponse static_asset(std::string_view path) {
    const std::string name(path.substr(1));  // "static/app.css"
    const std::string_view data = embedded(name);
    if (data.empty() || name.find("..") != std::string::npos) {
        return error_response(404, "NotFound", "Not Found");
    }
    HttpResponse res;
    res.status = 200;
    if (name.ends_with(".css")) {
        res.content_type = "text/css; charset=utf-8";
    } else if (name.ends_with(".js")) {
        res.content_type = "text/javascript; charset=utf-8";
    } else {
        res.content_type = "application/octet-stream";
    }
    res.body = std::string(data);
    // Pages link assets with ?v=<content hash>, so a day of caching never serves stale files.
    res.headers.emplace_back("Cache-Control", "public, max-age=86400");
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return res;
}

namespace {

// The current URL with `lang` set to `locale`, other parameters kept (except `partial`).
std::string url_with_locale(const RouteContext& ctx, std::string_view locale) {
    std::string url(ctx.raw_path);
    char sep = '?';
    for (const auto& [k, v] : ctx.params.items()) {
        if (k == "lang" || k == "partial") continue;
        url += sep;
        url += percent_encode(k);
        url += '=';
        url += percent_encode(v);
        sep = '&';
    }
    url += sep;
    url += "lang=";
    url += locale;
    return url;
}

}  // namespace

std::string cookie_value(const HttpRequest& request, std::string_view name) {
    std::string_view cookies = request_header(request, "Cookie");
    while (!cookies.empty()) {
        const auto semi = cookies.find(';');
        std::string_view item = cookies.substr(0, semi);
        cookies = semi == std::string_view::npos ? std::string_view{} : cookies.substr(semi + 1);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        const auto eq = item.find('=');
        if (eq != std::string_view::npos && item.substr(0, eq) == name) {
            return percent_decode(item.substr(eq + 1), false).value_or("");
        }
    }
    return {};
}

PageContext make_page_context(const RouteContext& ctx) {
    const auto lang = ctx.params.last("lang").value_or("");
    const std::string_view locale =
        choose_locale(lang, request_header(ctx.request, "Accept-Language"));
    PageContext pc{ctx, Messages::for_locale(locale), std::string(supported_locale(lang)), {}};
    // The same Principal the API uses: an Authorization header wins; a browser's cookie is
    // looked up in the same TokenStore. An unknown cookie is simply anonymous (it may be
    // from before a token was revoked).
    const Principal* who = ctx.principal.authenticated ? &ctx.principal : nullptr;
    if (who == nullptr && ctx.config.tokens) {
        const std::string token = cookie_value(ctx.request, kTokenCookie);
        if (!token.empty()) who = ctx.config.tokens->lookup(token);
    }
    if (who != nullptr) {
        pc.access.signed_in = true;
        pc.access.private_namespaces = who->namespaces;
        pc.access.all_private = who->admin;
    }
    return pc;
}

HttpResponse html_response(int status, std::string body) {
    HttpResponse res;
    res.status = status;
    res.content_type = "text/html; charset=utf-8";
    res.body = std::move(body);
    res.headers.emplace_back("Content-Security-Policy", std::string(kCsp));
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    res.headers.emplace_back("Referrer-Policy", "same-origin");
    res.headers.emplace_back("Vary", "Accept-Language, Cookie");
    // Pages may show private cards to a signed-in viewer: never store them in shared caches.
    res.headers.emplace_back("Cache-Control", "private, no-cache");
    return res;
}

std::string lang_suffix(const PageContext& pc) {
    return pc.lang_param.empty() ? std::string() : "&lang=" + pc.lang_param;
}

std::string encode_path(std::string_view path) {
    std::string out;
    std::size_t start = 0;
    while (true) {
        const auto slash = path.find('/', start);
        out += percent_encode(path.substr(start, slash - start));
        if (slash == std::string_view::npos) break;
        out += '/';
        start = slash + 1;
    }
    return out;
}

std::string card_path(index::CardType type, std::string_view id) {
    return "/" + std::string(index::card_type_name(type)) + "s/" + encode_path(id);
}

std::string hub_url(index::CardType type, std::string_view id) {
    std::string url = "https://huggingface.co/";
    if (type == index::CardType::Dataset) url += "datasets/";
    if (type == index::CardType::Space) url += "spaces/";
    return url + encode_path(id);
}

std::string layout(const PageContext& pc, std::string_view title, std::string_view body) {
    const Messages& m = pc.msg;
    std::string out;
    out.reserve(body.size() + 4096);
    out += "<!doctype html>\n<html lang=\"";
    out += m.locale();
    out += "\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<title>";
    append_escaped(out, title);
    out += "</title><link rel=\"icon\" href=\"data:,\">"
           "<link rel=\"stylesheet\" href=\"/static/app.css?v=";
    out += asset_version("static/app.css");
    out += "\"><script src=\"/static/app.js?v=";
    out += asset_version("static/app.js");
    out += "\" defer></script></head>\n<body>\n<a class=\"skip-link\" href=\"#main\">";
    append_escaped(out, m.text("skip_to_content"));
    out += "</a>\n<header class=\"site\"><a class=\"brand\" href=\"/";
    if (!pc.lang_param.empty()) out += "?lang=" + pc.lang_param;
    out += "\">cardex</a><span class=\"tagline\">";
    append_escaped(out, m.text("tagline"));
    out += "</span><nav class=\"langs\" aria-label=\"";
    append_escaped(out, m.text("language_switch"));
    out += "\"><ul>";
    for (const auto locale : kLocales) {
        const Messages& other = Messages::for_locale(locale);
        out += "<li><a href=\"";
        append_escaped(out, url_with_locale(pc.route, locale));
        out += "\" hreflang=\"";
        out += locale;
        out += "\" lang=\"";
        out += locale;
        out += '"';
        if (locale == m.locale()) out += " aria-current=\"true\"";
        out += '>';
        append_escaped(out, other.text("locale_name"));
        out += "</a></li>";
    }
    out += "</ul></nav>";
    if (pc.route.config.tokens) {  // sign-in only means something when tokens are configured
        if (pc.access.signed_in) {
            out += "<form class=\"signout\" method=\"post\" action=\"/signout\"><span>";
            append_escaped(out, m.text("signed_in"));
            out += "</span> <button type=\"submit\">";
            append_escaped(out, m.text("sign_out"));
            out += "</button></form>";
        } else {
            out += "<a class=\"signin\" href=\"/signin";
            if (!pc.lang_param.empty()) out += "?lang=" + pc.lang_param;
            out += "\">";
            append_escaped(out, m.text("sign_in"));
            out += "</a>";
        }
    }
    out += "</header>\n";
    out += body;
    out += "\n<footer class=\"site\"><p>";
    append_escaped(out, m.text("footer"));
    out += "</p></footer>\n</body></html>\n";
    return out;
}

HttpResponse error_page(const PageContext& pc, int status, std::string_view message) {
    std::string body = "<main id=\"main\" class=\"error-page\" tabindex=\"-1\"><h1>";
    append_escaped(body, message);
    body += "</h1><p><a href=\"/";
    if (!pc.lang_param.empty()) body += "?lang=" + pc.lang_param;
    body += "\">";
    append_escaped(body, pc.msg.text("back_to_search"));
    body += "</a></p></main>";
    return html_response(status, layout(pc, message, body));
}

}  // namespace cardex::server::web
