#pragma once
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "stemming.h"

namespace cardex::query {

/// A window of about `length` bytes of `text` around the densest run of query words, with
/// the words (matched by stem) wrapped in <mark>...</mark> and everything else HTML-escaped.
/// A word also matches when its stem in one of `languages` that the card declares
/// (`card_languages`, canonical codes) is among that language's stems ("Zeitungen" for the
/// query `Zeitung`, whose German stem is "zeitung"): an English card's snippet stems its
/// words in English only.
std::string make_snippet(std::string_view text,
                         const std::unordered_set<std::string>& stems,
                         std::size_t length,
                         const std::vector<LanguageStemSet>& languages = {},
                         const std::vector<std::string>& card_languages = {});

/// Appends `s` HTML-escaped (& < > " ').
void html_escape(std::string_view s, std::string& out);

}  // namespace cardex::query
