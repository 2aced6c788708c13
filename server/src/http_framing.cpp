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

FramingError framing_error(const RequestParser& parser) {
    const auto& h = parser.get();
    const std::size_t te = h.count(http::field::transfer_encoding);
    const std::size_t cl = h.count(http::field::content_length);
    if (te > 0 && cl > 0) return {400, "Transfer-Encoding with Content-Length"};
    if (te > 1 || cl > 1) return {400, "repeated framing header"};
    if (te > 0 && h.version() < 11) return {400, "Transfer-Encoding in HTTP/1.0"};
    if (cl == 1) {
        // Content-Length = 1*DIGIT (RFC 9110 §8.6). Beast 1.81 also takes a list of equal
        // values ("5, 5"), which RFC 9112 §6.3 lets a server refuse; a proxy in front may
        // read it differently, so it is refused.
        const auto v = h[http::field::content_length];
        if (v.empty() ||
            !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return {400, "Content-Length must be a single number"};
        }
    }
    if (te == 1) {
        // Only "chunked": a coding we cannot decode (gzip, chunked) is 501 (RFC 9112 §6.1).
        std::string_view v = h[http::field::transfer_encoding];
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
        if (!boost::beast::iequals(v, "chunked")) {
            if (!parser.chunked()) return {400, "Transfer-Encoding must end in chunked"};
            return {501, "only the chunked transfer coding is supported"};
        }
    }
    return {};
}

std::size_t trailer_bytes(const RequestParser& parser, std::size_t header_fields) {
    std::size_t n = 0, i = 0;
    for (const auto& f : parser.get()) {
        if (i++ >= header_fields) n += f.name_string().size() + f.value().size() + 4;
    }
    return n;
}

}  // namespace cardex::server
