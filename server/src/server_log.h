#pragma once
// The server's log: one line per event, with a UTC timestamp and a level, as text
// ("2026-12-01T12:00:00.123Z info access id=... status=200") or as one JSON object per line
// (`cardex serve --log-format json`). Access lines carry the request id, client address,
// method, path with its query string (secrets redacted), status, bytes and milliseconds.
// Private to cardex_server.
//
// Thread-safety: write() may be called from any thread; lines never interleave.
// Cost: one formatted line and a flush per call, under a mutex.
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

#include "cardex/server/server.h"

namespace cardex::server {

/// One field of a log line: a string (quoted in text when needed) or a number.
struct LogField {
    std::string_view key;
    std::string value;
    bool number = false;
};

class ServerLog {
  public:
    ServerLog(std::ostream& out, LogFormat format) : out_(out), format_(format) {}

    /// Writes `msg` (a short sentence, or an event name such as "access") and `fields`.
    void write(std::string_view level,
               std::string_view msg,
               std::initializer_list<LogField> fields = {});
    void info(std::string_view msg) { write("info", msg); }
    void warn(std::string_view msg) { write("warn", msg); }
    void error(std::string_view msg) { write("error", msg); }

  private:
    std::ostream& out_;
    LogFormat format_;
    std::mutex mu_;
};

/// The request target for a log line: at most 2,048 bytes, and the value of every query
/// parameter that may hold a secret (token, access_token, api_key, key, password, secret,
/// signature, sig, auth) replaced by "REDACTED". Tokens belong in the Authorization header,
/// but clients put them in URLs, and logs outlive them.
std::string redact_target(std::string_view target);

/// A request id: the client's X-Request-Id when it is 1 to 64 characters of [A-Za-z0-9._-]
/// (so a proxy's id follows the request), else one made here: a per-process random prefix
/// and a counter ("4f1c2a9b-0000002a"). Thread-safe.
std::string request_id(std::string_view from_client);

}  // namespace cardex::server
