#pragma once
// What the web pages share: the per-request page context, the layout, HTML responses with
// their security headers, and URLs that keep an explicit language choice. Private to
// cardex_server.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/vocabulary.h"
#include "routes.h"
#include "web/messages.h"

namespace cardex::server::web {

/// Which private cards the viewer may see: the API's rule, with the token taken from the
/// Authorization header or, for browsers, the sign-in cookie (kTokenCookie).
struct Access {
    bool signed_in = false;
    std::vector<std::string> private_namespaces;
    bool all_private = false;
};

/// The cookie the sign-in form sets: the token, percent-encoded; HttpOnly, SameSite=Strict.
inline constexpr std::string_view kTokenCookie = "cardex_token";

struct PageContext {
    const RouteContext& route;
    const Messages& msg;
    /// The `lang` parameter when it names a supported locale: carried into every link we
    /// build, so a chosen language sticks without a cookie.
    std::string lang_param;
    Access access;
    /// The vocabulary of the index being served, for display names: the empty one until a
    /// page has asked the Searcher (query::SearchResponse::vocabulary).
    std::shared_ptr<const index::Vocabulary> vocab = index::Vocabulary::none();
};

PageContext make_page_context(const RouteContext& ctx);

/// The value of cookie `name` in the request's Cookie header, percent-decoded; "" if absent.
std::string cookie_value(const HttpRequest& request, std::string_view name);

/// GET /static/*: an asset compiled into the binary (404 for any other name).
HttpResponse static_asset(std::string_view path);

/// GET /signin (the form), POST /signin (check the token, set the cookie), POST /signout.
HttpResponse signin_page(const PageContext& pc);

/// GET / and /search.
HttpResponse search_page(const PageContext& pc, query::Searcher& searcher);
/// GET /{models,datasets,spaces}/{id}; `raw_id` still percent-encoded.
HttpResponse card_page(const PageContext& pc, index::CardType type, std::string_view raw_id,
                       query::Searcher& searcher);

/// A whole page: <head>, the site header (home link, language switch), `body`, footer.
std::string layout(const PageContext& pc, std::string_view title, std::string_view body);

/// A text/html response with the page security headers (CSP script-src 'self', ...).
HttpResponse html_response(int status, std::string body);

/// An error page (404, 400, 503) in the page layout.
HttpResponse error_page(const PageContext& pc, int status, std::string_view message);

/// "&lang=nb" when the language was chosen explicitly, else "" (append to a query string).
std::string lang_suffix(const PageContext& pc);
/// The card page path: "/models/org/name" (the id's characters percent-encoded as needed).
std::string card_path(index::CardType type, std::string_view id);
/// The card's page on the Hub: "https://huggingface.co/datasets/org/name".
std::string hub_url(index::CardType type, std::string_view id);
/// Percent-encodes a URL path (keeps '/').
std::string encode_path(std::string_view path);

}  // namespace cardex::server::web
