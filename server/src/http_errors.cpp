#include "http_errors.h"

#include <string>

#include "json_writer.h"

namespace cardex::server {
namespace {

struct Row {
    Errc errc;
    HttpError http;
};

// Why these statuses: FailedPrecondition means the index on disk is of another format
// version (or missing pieces) — the server cannot answer until an operator reindexes, which
// is a 503 to clients, not their fault. DeadlineExceeded is our own budget running out,
// also 503 (retryable). ResourceExhausted is a request-size limit (query too long, too many
// terms): the client must send less, so 400 — 413 is reserved for bodies, which the socket
// layer rejects itself.
constexpr Row kTable[] = {
    {Errc::InvalidArgument, {400, "InvalidArgument"}},
    {Errc::NotFound, {404, "NotFound"}},
    {Errc::AlreadyExists, {409, "AlreadyExists"}},
    {Errc::FailedPrecondition, {503, "FailedPrecondition"}},
    {Errc::Unavailable, {503, "Unavailable"}},
    {Errc::ResourceExhausted, {400, "ResourceExhausted"}},
    {Errc::DeadlineExceeded, {503, "DeadlineExceeded"}},
    {Errc::DataLoss, {500, "DataLoss"}},
    {Errc::Internal, {500, "Internal"}},
};

// Header values must not carry CR/LF (response splitting) or non-ASCII bytes.
std::string header_safe(std::string_view text) {
    std::string out;
    out.reserve(text.size() < 512 ? text.size() : 512);
    for (const char ch : text) {
        if (out.size() >= 512) break;
        const auto c = static_cast<unsigned char>(ch);
        out.push_back(c >= 0x20 && c < 0x7F ? ch : '?');
    }
    return out;
}

}  // namespace

HttpError http_error(Errc code) noexcept {
    for (const auto& row : kTable) {
        if (row.errc == code) return row.http;
    }
    return {500, "Internal"};
}

HttpResponse error_response(int status, std::string_view code, std::string_view message,
                            std::string_view detail) {
    HttpResponse res;
    res.status = status;
    res.content_type = "application/json; charset=utf-8";
    JsonWriter w;
    w.begin_object().field("error", message);
    if (!detail.empty()) w.field("detail", detail);
    w.end_object();
    res.body = w.take();
    res.headers.emplace_back("X-Error-Code", header_safe(code));
    res.headers.emplace_back("X-Error-Message", header_safe(message));
    return res;
}

HttpResponse error_response(const Error& error) {
    const HttpError http = http_error(error.code);
    const std::string message =
        error.message.empty() ? std::string(errc_name(error.code)) : error.message;
    return error_response(http.status, http.code, message, error.detail);
}

HttpResponse repo_not_found(bool anonymous) {
    return error_response(anonymous ? 401 : 404, "RepoNotFound", "Repository not found");
}

HttpResponse invalid_credentials() {
    HttpResponse res =
        error_response(401, "InvalidCredentials", "Invalid credentials in Authorization header");
    res.headers.emplace_back("WWW-Authenticate", "Bearer");
    return res;
}

}  // namespace cardex::server
