#pragma once
// Markdown card body -> plain text for indexing, with its first heading and first prose
// paragraph kept apart (title and description), through md4c.
#include <string>
#include <string_view>

namespace cardex::ingest {

struct MarkdownText {
    std::string text;         ///< prose, headings, list items, table cells, code; no HTML
    std::string first_heading;
    std::string first_paragraph;
};

/// Converts markdown to text: HTML blocks and inline HTML are dropped, images (and so badge
/// links, which are images) are dropped, link text is kept without the URL.
MarkdownText markdown_to_text(std::string_view markdown);

}  // namespace cardex::ingest
