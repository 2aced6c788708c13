#pragma once
// HTML escaping and entity decoding for the web pages. Private to cardex_server.
#include <string>
#include <string_view>

namespace cardex::server::web {

/// Appends `text` with & < > " ' escaped: safe in element content and quoted attributes.
void append_escaped(std::string& out, std::string_view text);
std::string escape(std::string_view text);

/// Decodes numeric character references and a few named ones (&amp; &lt; &gt; &quot; &apos;
/// &nbsp; &colon; &Tab; &NewLine; &sol; &lpar; &rpar; &period;), the ones an attacker uses
/// to hide a URL scheme. Unknown names stay as written; invalid code points become U+FFFD.
std::string decode_entities(std::string_view text);

/// Appends code point `cp` as UTF-8.
void append_utf8(std::string& out, char32_t cp);

}  // namespace cardex::server::web
