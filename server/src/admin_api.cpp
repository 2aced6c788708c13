// /api/admin/*: the admin token check, request shaping, and the AdminBackend call (admin.h).
#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include <boost/json.hpp>

#include "http_errors.h"
#include "json_writer.h"
#include "routes.h"

namespace cardex::server {
namespace {

HttpResponse method_not_allowed(std::string_view allow) {
    HttpResponse res = error_response(405, "MethodNotAllowed", "Method Not Allowed");
    res.headers.emplace_back("Allow", std::string(allow));
    return res;
}

HttpResponse bad_request(std::string message, std::string detail = {}) {
    return error_response(make_error(Errc::InvalidArgument, std::move(message), std::move(detail)));
}

// Body of POST /api/admin/delete: JSON Lines of {"type": "model", "id": "a/b"}.
std::variant<std::vector<index::CardKey>, HttpResponse> parse_keys(std::string_view body) {
    std::vector<index::CardKey> keys;
    std::size_t line_no = 0;
    while (!body.empty()) {
        ++line_no;
        const std::size_t nl = body.find('\n');
        std::string_view line = body.substr(0, nl);
        body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        const std::string where = "line " + std::to_string(line_no);
        boost::system::error_code ec;
        const boost::json::value v = boost::json::parse(line, ec);
        const auto* obj = ec ? nullptr : v.if_object();
        const auto* id = obj ? obj->if_contains("id") : nullptr;
        const auto* type = obj ? obj->if_contains("type") : nullptr;
        if (id == nullptr || !id->is_string() || id->as_string().empty()) {
            return bad_request("expected {\"type\": ..., \"id\": ...} per line", where);
        }
        index::CardKey key;
        key.id = std::string(id->as_string());
        if (type != nullptr) {
            const auto t = type->is_string() ? index::parse_card_type(type->as_string())
                                             : std::nullopt;
            if (!t) return bad_request("'type' must be model, dataset or space", where);
            key.type = *t;
        }
        keys.push_back(std::move(key));
    }
    if (keys.empty()) return bad_request("no keys in the body");
    return keys;
}

HttpResponse render(const AdminResult& r, int status) {
    JsonWriter w;
    w.begin_object()
        .field("upserted", r.upserted)
        .field("deleted", r.deleted)
        .field("revision", r.revision)
        .field("reindex_running", r.reindex_running);
    w.key("rejected").begin_array();
    for (const auto& rej : r.rejected) {
        w.begin_object()
            .field("where", rej.where)
            .field("reason", rej.reason)
            .field("message", rej.message)
            .end_object();
    }
    w.end_array();
    if (!r.message.empty()) w.field("message", r.message);
    w.end_object();
    HttpResponse res = json_response(w.take());
    res.status = status;
    return res;
}

HttpResponse call(const RouteContext& ctx, AdminRequest req, int ok_status) {
    auto result = ctx.config.admin(req);
    if (!result) return error_response(result.error());
    const AdminResult& r = result.value();
    // Every record refused and none written: the request as a whole failed.
    if (req.op == AdminOp::Upsert && r.upserted == 0 && !r.rejected.empty()) {
        return render(r, 400);
    }
    return render(r, ok_status);
}

}  // namespace

HttpResponse admin_endpoint(const RouteContext& ctx) {
    // Authentication before anything else, so nothing about the admin API (not even which
    // paths exist) is visible without an admin token.
    if (!ctx.principal.authenticated) {
        HttpResponse res = error_response(401, "Unauthorized", "an admin token is required");
        res.headers.emplace_back("WWW-Authenticate", "Bearer");
        return res;
    }
    if (!ctx.principal.admin) {
        return error_response(403, "Forbidden", "this token may not use the admin endpoints");
    }
    if (!ctx.config.admin) {
        return error_response(501, "NotImplemented", "admin endpoints are not enabled here");
    }
    const std::string_view p = ctx.path;
    const std::string& method = ctx.request.method;

    if (p == "/api/admin/cards") {
        if (method != "POST") return method_not_allowed("POST");
        if (ctx.request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
            return bad_request("the body must hold JSON Lines of cards");
        }
        AdminRequest req;
        req.op = AdminOp::Upsert;
        req.body = ctx.request.body;
        return call(ctx, std::move(req), 200);
    }
    if (p.substr(0, 17) == "/api/admin/cards/") {
        if (method != "DELETE") return method_not_allowed("DELETE");
        // /api/admin/cards/{type}/{id}: the raw path, so an id with "%2F" stays one id.
        const std::string_view raw = ctx.raw_path.substr(std::min<std::size_t>(17, ctx.raw_path.size()));
        const std::size_t slash = raw.find('/');
        const auto type = index::parse_card_type(raw.substr(0, slash));
        if (slash == std::string_view::npos || !type) {
            return bad_request("expected /api/admin/cards/{model|dataset|space}/{id}");
        }
        const auto id = percent_decode(raw.substr(slash + 1), false);
        if (!id || id->empty()) return bad_request("expected a card id");
        AdminRequest req;
        req.op = AdminOp::Delete;
        req.keys.push_back({*type, *id});
        return call(ctx, std::move(req), 200);
    }
    if (p == "/api/admin/delete") {
        if (method != "POST") return method_not_allowed("POST");
        auto keys = parse_keys(ctx.request.body);
        if (auto* err = std::get_if<HttpResponse>(&keys)) return std::move(*err);
        AdminRequest req;
        req.op = AdminOp::Delete;
        req.keys = std::move(std::get<std::vector<index::CardKey>>(keys));
        return call(ctx, std::move(req), 200);
    }
    if (p == "/api/admin/reindex") {
        AdminRequest req;
        if (method == "POST") {
            req.op = AdminOp::Reindex;
            return call(ctx, std::move(req), 202);
        }
        if (method == "GET" || method == "HEAD") {
            req.op = AdminOp::ReindexStatus;
            return call(ctx, std::move(req), 200);
        }
        return method_not_allowed("GET, HEAD, POST");
    }
    return error_response(404, "NotFound", "Not Found");
}

}  // namespace cardex::server
