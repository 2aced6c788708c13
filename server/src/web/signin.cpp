// The sign-in form: a browser's way to present an API token. POST /signin checks the token
// against the server's TokenStore and keeps it in an HttpOnly, SameSite=Strict cookie that
// make_page_context reads; POST /signout clears it. The token never appears in a URL.
#include <string>

#include "url.h"
#include "web/html.h"
#include "web/page.h"

namespace cardex::server::web {
namespace {

// A form POSTed from another site must not sign the reader in or out (login CSRF): when the
// browser says where the form came from, it must be this host.
bool same_origin(const PageContext& pc) {
    const std::string_view origin = request_header(pc.route.request, "Origin");
    if (origin.empty()) return true;  // not sent by every browser on same-origin POSTs
    const auto scheme_end = origin.find("://");
    if (scheme_end == std::string_view::npos) return false;
    return origin.substr(scheme_end + 3) == pc.route.request.host;
}

std::string cookie(const PageContext& pc, std::string_view value, bool clear) {
    std::string c = std::string(kTokenCookie) + "=" + percent_encode(value) +
                    "; Path=/; HttpOnly; SameSite=Strict";
    c += clear ? "; Max-Age=0" : "; Max-Age=2592000";  // 30 days
    if (public_base_url(pc.route).starts_with("https://")) c += "; Secure";
    return c;
}

HttpResponse redirect_home(const PageContext& pc) {
    HttpResponse res = html_response(303, {});
    res.headers.emplace_back("Location", "/" + (pc.lang_param.empty() ? std::string()
                                                                      : "?lang=" + pc.lang_param));
    return res;
}

HttpResponse form(const PageContext& pc, int status, std::string_view error) {
    const Messages& m = pc.msg;
    std::string body = "<main id=\"main\" class=\"signin-page\" tabindex=\"-1\"><h1>";
    append_escaped(body, m.text("sign_in"));
    body += "</h1><p>";
    append_escaped(body, m.text("sign_in_help"));
    body += "</p>";
    if (!error.empty()) {
        body += "<p class=\"error\" role=\"alert\" id=\"signin-error\">";
        append_escaped(body, error);
        body += "</p>";
    }
    body += "<form method=\"post\" action=\"/signin";
    if (!pc.lang_param.empty()) body += "?lang=" + pc.lang_param;
    body += "\"><label for=\"token\">";
    append_escaped(body, m.text("token"));
    body += "</label><input id=\"token\" name=\"token\" type=\"password\" required "
            "autocomplete=\"current-password\"";
    if (!error.empty()) body += " aria-invalid=\"true\" aria-describedby=\"signin-error\"";
    body += "> <button type=\"submit\" class=\"primary\">";
    append_escaped(body, m.text("sign_in"));
    body += "</button></form></main>";
    return html_response(status, layout(pc, m.text("sign_in"), body));
}

}  // namespace

HttpResponse signin_page(const PageContext& pc) {
    const auto& req = pc.route.request;
    const bool post = req.method == "POST";
    if (!post) {
        if (req.method != "GET" && req.method != "HEAD") {
            return error_page(pc, 405, pc.msg.text("method_not_allowed"));
        }
        if (pc.route.path == "/signout") return redirect_home(pc);
        return form(pc, pc.route.config.tokens ? 200 : 404,
                    pc.route.config.tokens ? "" : pc.msg.text("no_tokens"));
    }
    if (!same_origin(pc)) return error_page(pc, 403, pc.msg.text("cross_site_form"));
    if (pc.route.path == "/signout") {
        HttpResponse res = redirect_home(pc);
        res.headers.emplace_back("Set-Cookie", cookie(pc, "", true));
        return res;
    }
    const auto fields = QueryParams::parse(req.body);
    const std::string token = fields ? fields->last("token").value_or("") : "";
    if (!pc.route.config.tokens || token.empty() || pc.route.config.tokens->lookup(token) == nullptr) {
        return form(pc, 401, pc.msg.text("bad_token"));
    }
    HttpResponse res = redirect_home(pc);
    res.headers.emplace_back("Set-Cookie", cookie(pc, token, false));
    return res;
}

}  // namespace cardex::server::web
