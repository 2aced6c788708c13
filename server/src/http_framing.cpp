// Request framing checks and parser limits (http_framing.h).
#include "http_framing.h"

#include <algorithm>
#include <cstdint>

namespace cardex::server {

namespace http = boost::beast::http;

void configure_parser(RequestParser& parser, const ServeOptions& options) {
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    parser.body_limit(std::max(options.body_limit, options.admin_body_limit));
}

std::string_view framing_error(const RequestParser& parser) {
    const auto& h = parser.get();
    const std::size_t te = h.count(http::field::transfer_encoding);
    const std::size_t cl = h.count(http::field::content_length);
    if (te > 0 && cl > 0) return "Transfer-Encoding with Content-Length";
    if (te > 1 || cl > 1) return "repeated framing header";
    if (te > 0 && h.version() < 11) return "Transfer-Encoding in HTTP/1.0";
    if (te > 0 && !parser.chunked()) return "Transfer-Encoding must end in chunked";
    return {};
}

}  // namespace cardex::server
