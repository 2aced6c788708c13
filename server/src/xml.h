#pragma once
// Writing XML text safely (OAI-PMH, sitemaps). Private to cardex_server.
#include <cstdint>
#include <string>
#include <string_view>

namespace cardex::server {

/// Appends `text` escaped for XML 1.0 element content and attribute values: & < > " '
/// as entities; invalid UTF-8 becomes U+FFFD; characters XML 1.0 forbids (controls but
/// tab, LF, CR; U+FFFE, U+FFFF) are dropped, so card text can never break a document.
void append_xml(std::string& out, std::string_view text);
std::string xml_escape(std::string_view text);

/// Unix seconds -> "2024-03-02T08:35:53Z" (W3C datetime, second granularity); before 1970
/// reads as the epoch.
std::string utc_datetime(std::int64_t unix_seconds);

}  // namespace cardex::server
