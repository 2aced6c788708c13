#pragma once
// Card markdown -> safe HTML for card pages. Private to cardex_server.
//
// md4c renders the markdown (GitHub dialect, raw HTML kept, since real cards lean on it for
// layout), then an allowlist sanitizer re-emits only known-safe elements and attributes:
// no scripts or other active content, no event handlers or style, links only to http(s),
// mailto and fragments, relative links resolved against the card's repository on the Hub.
// No external image is loaded without consent: every <img> becomes a placeholder link
// (class "ext-img", data-src) that page JavaScript turns into an image on a click, and that
// without JavaScript opens the image in its own page.
#include <string>
#include <string_view>

namespace cardex::server::web {

struct SanitizeOptions {
    /// The card's repository on the Hub, e.g. "https://huggingface.co/datasets/org/name":
    /// relative links resolve to <repo_url>/blob/main/..., relative images to .../resolve/main/.
    std::string_view repo_url;
    /// Placeholder text of an image, "{0}" replaced by its alt text or host (already
    /// localized; escaped here).
    std::string_view image_label;
};

/// Renders card markdown to sanitized HTML.
std::string render_markdown(std::string_view markdown, const SanitizeOptions& options);

/// Sanitizes an HTML fragment (md4c's output, or any HTML). The result is well-formed:
/// every element it opens is closed, so a fragment cannot break out of its container.
std::string sanitize_html(std::string_view html, const SanitizeOptions& options);

/// `url` (already entity-decoded) made safe for an href/src: http(s) and mailto as they are,
/// "#frag" kept, relative paths resolved against `base` ("/blob/main/" appended for links,
/// "/resolve/main/" for images), anything else (javascript:, data:, vbscript:, ...) "".
std::string safe_url(std::string_view url, std::string_view repo_url, bool image);

}  // namespace cardex::server::web
