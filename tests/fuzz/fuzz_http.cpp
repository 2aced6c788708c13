// libFuzzer target: raw bytes of a connection -> Beast's request parser, configured and
// checked exactly as the server's sessions do it (http_framing.h: header and body limits,
// framing checks, the bounded read buffer) -> server::Handler::handle on the fixture
// index. Up to four keep-alive requests per input, as a connection would send them.
//
// Invariants: every response has a status in 200..599 and a content type when it has a
// body; JSON responses parse; header values hold no CR, LF or NUL (no response splitting);
// Handler::handle never throws.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "cardex/ingest/sources.h"
#include "cardex/server/handler.h"
#include "cardex/server/server.h"
#include "fuzz_support.h"
#include "http_framing.h"

using namespace cardex;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// serve()'s defaults: the limits a real server runs with.
const server::ServeOptions& options() {
    static const server::ServeOptions o;
    return o;
}

// Admin upserts are parsed (as `cardex serve` does) but written nowhere.
Result<server::AdminResult> admin(const server::AdminRequest& req) {
    server::AdminResult out;
    if (req.op == server::AdminOp::Upsert) {
        const auto report = ingest::read_cards_from_text(
            req.body, "body", fuzz::vocabulary(), {}, [&](index::Card&&) { ++out.upserted; }, 1);
        for (const auto& r : report.rejections)
            out.rejected.push_back({r.source, r.reason, r.message});
    }
    out.deleted = req.keys.size();
    return out;
}

const server::Handler& handler() {
    static const server::Handler h = [] {
        server::HandlerConfig config;
        auto tokens =
            server::TokenStore::parse("fuzz-acme-token\tacme\nfuzz-admin-token\t*admin*\n");
        if (!tokens) fuzz::fail("tokens", tokens.error().message);
        config.tokens = std::make_shared<const server::TokenStore>(std::move(tokens).value());
        config.admin = admin;
        return server::Handler(config);
    }();
    return h;
}

// What http::read_header / http::read do over a socket: parse from a flat_buffer of at most
// read_buffer_limit bytes, refilled from `in` (the bytes the peer sent) in reads of up to
// 1,536 bytes; end of input is the peer closing its side.
beast::error_code feed(server::RequestParser& parser,
                       beast::flat_buffer& buffer,
                       std::string_view& in,
                       bool header_only) {
    beast::error_code ec;
    for (;;) {
        if (header_only ? parser.is_header_done() : parser.is_done()) return {};
        if (buffer.size() > 0) {
            const std::size_t used = parser.put(buffer.data(), ec);
            buffer.consume(used);
            if (ec && ec != http::error::need_more) return ec;
            ec = {};
            if (used > 0) continue;
        }
        if (in.empty()) {
            if (!parser.got_some()) return http::error::end_of_stream;
            parser.put_eof(ec);
            return ec ? ec : beast::error_code(http::error::partial_message);
        }
        const std::size_t room = buffer.max_size() - buffer.size();
        if (room == 0) return http::error::buffer_overflow;
        const std::size_t n = std::min({room, in.size(), std::size_t{1536}});
        auto dst = buffer.prepare(n);
        std::memcpy(dst.data(), in.data(), n);
        buffer.commit(n);
        in.remove_prefix(n);
    }
}

bool is_admin_target(std::string_view target) {
    return target == "/api/admin" || target.substr(0, 11) == "/api/admin/" ||
           target.substr(0, 11) == "/api/admin?";
}

void check(const server::HttpResponse& res) {
    if (res.status < 200 || res.status > 599) fuzz::fail("status", std::to_string(res.status));
    if (!res.body.empty() && res.content_type.empty())
        fuzz::fail("body without a content type", res.body);
    for (const auto& [name, value] : res.headers) {
        if (name.empty() ||
            value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos ||
            name.find_first_of(std::string_view("\r\n\0: ", 5)) != std::string::npos) {
            fuzz::fail("header injection", name + ": " + value);
        }
    }
    if (res.content_type.rfind("application/json", 0) == 0) {
        boost::system::error_code ec;
        boost::json::parse(res.body, ec);
        if (ec) fuzz::fail("response is not JSON", res.body);
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::fixture_searcher();
    handler();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    beast::flat_buffer buffer(options().read_buffer_limit);
    for (int request = 0; request < 4; ++request) {
        server::RequestParser parser;
        server::configure_parser(parser, options());
        server::HttpRequest req;
        try {
            // A read error is answered 400/413/431 or the connection just closes: either
            // way the connection ends.
            if (feed(parser, buffer, in, true)) return 0;
            if (server::framing_error(parser).status != 0) return 0;
            const auto& h = parser.get();
            req.method = std::string(h.method_string());
            req.target = std::string(h.target());
            // Only admin requests may send an admin-sized body (the admin token is checked
            // by the server before the body is read; here every admin target may).
            if (!is_admin_target(req.target)) {
                const auto len = parser.content_length();
                if (len && *len > options().body_limit) return 0;
                parser.body_limit(options().body_limit);
            }
            for (const auto& field : h) {
                req.headers.emplace_back(std::string(field.name_string()),
                                         std::string(field.value()));
            }
            req.host = std::string(h[http::field::host]);
            parser.eager(true);
            if (feed(parser, buffer, in, false)) return 0;
            req.body = std::move(parser.get().body());
        } catch (const std::exception&) {
            // Beast 1.81 throws on some trailers; the server loses that connection only.
            return 0;
        }
        const server::HttpResponse res = handler().handle(req, fuzz::fixture_searcher());
        check(res);
        if (!parser.get().keep_alive()) return 0;
    }
    return 0;
}
