#pragma once
#include <string>
#include <string_view>
#include <unordered_set>

namespace cardex::query {

/// A window of about `length` bytes of `text` around the densest run of query words, with
/// the words (matched by stem) wrapped in <mark>...</mark> and everything else HTML-escaped.
std::string make_snippet(std::string_view text,
                         const std::unordered_set<std::string>& stems,
                         std::size_t length);

/// Appends `s` HTML-escaped (& < > " ').
void html_escape(std::string_view s, std::string& out);

}  // namespace cardex::query
