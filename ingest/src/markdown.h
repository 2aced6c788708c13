#pragma once
// Markdown card body -> plain text for indexing, with its first heading and first prose
// paragraph kept apart (title and description), through md4c.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cardex::ingest {

/// A heading of the card and the text under it, up to the next heading of any level (so a
/// section's subsections follow it in the list, each with its own text).
struct TextSection {
    int level = 1;        ///< 1..6 (setext headings: 1 or 2)
    std::string heading;  ///< the heading's text, at most kMaxHeadingBytes
    /// Its text in MarkdownText::text: [begin, end), the heading's own words excluded; the
    /// heading's words start at `heading_at`.
    std::size_t heading_at = 0, begin = 0, end = 0;
};

struct MarkdownText {
    std::string text;         ///< prose, headings, list items, table cells, code; no HTML
    std::string first_heading;
    std::string first_paragraph;
    std::vector<TextSection> sections;  ///< every heading, in text order
};

inline constexpr std::size_t kMaxHeadingBytes = 200;

/// Converts markdown to text: HTML blocks and inline HTML are dropped, images (and so badge
/// links, which are images) are dropped, link text is kept without the URL.
MarkdownText markdown_to_text(std::string_view markdown);

}  // namespace cardex::ingest
