// Markdown rendering with md4c and the allowlist HTML sanitizer behind card pages.
//
// The sanitizer never passes markup through: it tokenizes the input, then writes every
// element, attribute and URL itself, escaped, from an allowlist. So whatever the input's
// quirks (unclosed quotes, entity-hidden schemes, broken nesting), the browser sees only
// what was checked here.
#include "web/sanitize.h"

#include <md4c-html.h>

#include <string>
#include <vector>

#include "web/html.h"

namespace cardex::server::web {
namespace {

enum class Kind { Normal, Void, Image, Input, Link };

struct Allowed {
    std::string_view in;   // element name in the input
    std::string_view out;  // element written ("center" -> "div")
    Kind kind;
};

constexpr Allowed kAllowed[] = {
    {"a", "a", Kind::Link},           {"abbr", "abbr", Kind::Normal},
    {"b", "b", Kind::Normal},         {"blockquote", "blockquote", Kind::Normal},
    {"br", "br", Kind::Void},         {"caption", "caption", Kind::Normal},
    {"center", "div", Kind::Normal},  {"cite", "cite", Kind::Normal},
    {"code", "code", Kind::Normal},   {"dd", "dd", Kind::Normal},
    {"del", "del", Kind::Normal},     {"details", "details", Kind::Normal},
    {"div", "div", Kind::Normal},     {"dl", "dl", Kind::Normal},
    {"dt", "dt", Kind::Normal},       {"em", "em", Kind::Normal},
    {"figcaption", "figcaption", Kind::Normal}, {"figure", "figure", Kind::Normal},
    {"font", "span", Kind::Normal},   {"h1", "h1", Kind::Normal},
    {"h2", "h2", Kind::Normal},       {"h3", "h3", Kind::Normal},
    {"h4", "h4", Kind::Normal},       {"h5", "h5", Kind::Normal},
    {"h6", "h6", Kind::Normal},       {"hr", "hr", Kind::Void},
    {"i", "i", Kind::Normal},         {"img", "img", Kind::Image},
    {"input", "input", Kind::Input},  {"ins", "ins", Kind::Normal},
    {"kbd", "kbd", Kind::Normal},     {"li", "li", Kind::Normal},
    {"mark", "mark", Kind::Normal},   {"ol", "ol", Kind::Normal},
    {"p", "p", Kind::Normal},         {"picture", "span", Kind::Normal},
    {"pre", "pre", Kind::Normal},     {"q", "q", Kind::Normal},
    {"s", "s", Kind::Normal},         {"samp", "samp", Kind::Normal},
    {"small", "small", Kind::Normal}, {"span", "span", Kind::Normal},
    {"strike", "s", Kind::Normal},    {"strong", "strong", Kind::Normal},
    {"sub", "sub", Kind::Normal},     {"summary", "summary", Kind::Normal},
    {"sup", "sup", Kind::Normal},     {"table", "table", Kind::Normal},
    {"tbody", "tbody", Kind::Normal}, {"td", "td", Kind::Normal},
    {"tfoot", "tfoot", Kind::Normal}, {"th", "th", Kind::Normal},
    {"thead", "thead", Kind::Normal}, {"tr", "tr", Kind::Normal},
    {"tt", "code", Kind::Normal},     {"u", "u", Kind::Normal},
    {"ul", "ul", Kind::Normal},       {"var", "var", Kind::Normal},
};

// Elements dropped together with everything up to their end tag: active content, and
// raw-text elements whose content must not be read as markup.
constexpr std::string_view kDropWithContent[] = {
    "script", "style",  "iframe",  "object", "noscript", "template", "textarea", "title",
    "xmp",    "svg",    "math",    "select", "frameset", "noembed",  "noframes", "applet",
    "head",   "video",  "audio",   "canvas", "plaintext", "frame",   "option",
};

constexpr std::size_t kMaxDepth = 128;  // deeper nesting is flattened, not rendered

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string lower_str(std::string_view s) {
    std::string r(s);
    for (auto& c : r) c = lower(c);
    return r;
}

const Allowed* allowed(std::string_view name) noexcept {
    for (const auto& a : kAllowed) {
        if (a.in == name) return &a;
    }
    return nullptr;
}

bool drops_content(std::string_view name) noexcept {
    for (const auto n : kDropWithContent) {
        if (n == name) return true;
    }
    return false;
}

bool all_of(std::string_view s, std::string_view chars) noexcept {
    if (s.empty()) return false;
    for (const char c : s) {
        if (chars.find(c) == std::string_view::npos) return false;
    }
    return true;
}

constexpr std::string_view kDigits = "0123456789";

struct Attr {
    std::string name;   // lower-cased
    std::string value;  // entity-decoded
};

class Sanitizer {
public:
    explicit Sanitizer(const SanitizeOptions& options) : options_(options) {}

    std::string run(std::string_view in) {
        in_ = in;
        out_.reserve(in.size() + in.size() / 4);
        while (pos_ < in_.size()) {
            const auto lt = in_.find('<', pos_);
            const auto end = lt == std::string_view::npos ? in_.size() : lt;
            out_.append(in_.substr(pos_, end - pos_));  // text: only '<' can start markup
            pos_ = end;
            if (pos_ < in_.size()) markup();
        }
        while (!stack_.empty()) close_top();
        return std::move(out_);
    }

private:
    void markup() {
        const std::string_view rest = in_.substr(pos_);
        if (rest.substr(0, 4) == "<!--") {
            const auto close = in_.find("-->", pos_ + 4);
            pos_ = close == std::string_view::npos ? in_.size() : close + 3;
        } else if (rest.size() > 1 && (rest[1] == '!' || rest[1] == '?')) {
            const auto close = in_.find('>', pos_);
            pos_ = close == std::string_view::npos ? in_.size() : close + 1;
        } else if (rest.size() > 2 && rest[1] == '/' && is_alpha(rest[2])) {
            end_tag();
        } else if (rest.size() > 1 && is_alpha(rest[1])) {
            start_tag();
        } else {
            out_ += "&lt;";
            ++pos_;
        }
    }

    std::string read_name(std::size_t& i) const {
        std::string name;
        while (i < in_.size() && !is_space(in_[i]) && in_[i] != '/' && in_[i] != '>') {
            name += lower(in_[i++]);
        }
        return name;
    }

    void end_tag() {
        std::size_t i = pos_ + 2;
        const std::string name = read_name(i);
        const auto close = in_.find('>', i);
        pos_ = close == std::string_view::npos ? in_.size() : close + 1;
        const Allowed* a = allowed(name);
        if (a == nullptr) return;
        // Close up to the matching open element; an end tag nothing matches is dropped,
        // so the fragment cannot close the page's own elements.
        for (std::size_t k = stack_.size(); k-- > 0;) {
            if (stack_[k] == a->out) {
                while (stack_.size() > k) close_top();
                return;
            }
        }
    }

    // Parses "<name attr=... >" from pos_. On a tag cut off by the end of input, the '<'
    // is text.
    void start_tag() {
        std::size_t i = pos_ + 1;
        const std::string name = read_name(i);
        std::vector<Attr> attrs;
        bool closed = false;
        while (i < in_.size()) {
            while (i < in_.size() && (is_space(in_[i]) || in_[i] == '/')) ++i;
            if (i >= in_.size()) break;
            if (in_[i] == '>') {
                closed = true;
                ++i;
                break;
            }
            Attr attr;
            do {
                attr.name += lower(in_[i++]);
            } while (i < in_.size() && !is_space(in_[i]) && in_[i] != '/' && in_[i] != '>' &&
                     in_[i] != '=');
            std::size_t j = i;
            while (j < in_.size() && is_space(in_[j])) ++j;
            if (j < in_.size() && in_[j] == '=') {
                ++j;
                while (j < in_.size() && is_space(in_[j])) ++j;
                if (j < in_.size() && (in_[j] == '"' || in_[j] == '\'')) {
                    const auto q = in_.find(in_[j], j + 1);
                    if (q == std::string_view::npos) {
                        i = in_.size();
                        break;
                    }
                    attr.value = decode_entities(in_.substr(j + 1, q - j - 1));
                    i = q + 1;
                } else {
                    std::size_t k = j;
                    while (k < in_.size() && !is_space(in_[k]) && in_[k] != '>') ++k;
                    attr.value = decode_entities(in_.substr(j, k - j));
                    i = k;
                }
            }
            attrs.push_back(std::move(attr));
        }
        if (!closed) {
            out_ += "&lt;";
            ++pos_;
            return;
        }
        pos_ = i;
        if (drops_content(name)) {
            skip_content_of(name);
            return;
        }
        if (const Allowed* a = allowed(name)) emit_start(*a, attrs);
    }

    void skip_content_of(const std::string& name) {
        const std::string closing = "</" + name;
        std::size_t i = pos_;
        while (true) {
            std::size_t found = std::string_view::npos;
            for (std::size_t k = i; k + closing.size() <= in_.size(); ++k) {
                if (in_[k] == '<' && lower_str(in_.substr(k, closing.size())) == closing) {
                    found = k;
                    break;
                }
            }
            if (found == std::string_view::npos) {
                pos_ = in_.size();
                return;
            }
            const std::size_t after = found + closing.size();
            if (after >= in_.size() || is_space(in_[after]) || in_[after] == '>' ||
                in_[after] == '/') {
                const auto gt = in_.find('>', after);
                pos_ = gt == std::string_view::npos ? in_.size() : gt + 1;
                return;
            }
            i = after;
        }
    }

    static const std::string* find_attr(const std::vector<Attr>& attrs, std::string_view name) {
        for (const auto& a : attrs) {
            if (a.name == name) return &a.value;
        }
        return nullptr;
    }

    void put_attr(std::string_view name, std::string_view value) {
        out_ += ' ';
        out_ += name;
        out_ += "=\"";
        append_escaped(out_, value);
        out_ += '"';
    }

    bool inside_link() const {
        for (const auto& s : stack_) {
            if (s == "a") return true;
        }
        return false;
    }

    void emit_start(const Allowed& a, const std::vector<Attr>& attrs) {
        if (stack_.size() >= kMaxDepth) return;
        if (a.kind == Kind::Image) return emit_image(attrs);
        if (a.kind == Kind::Input) {
            // Only md4c's task-list checkboxes, inert.
            const std::string* type = find_attr(attrs, "type");
            if (type == nullptr || lower_str(*type) != "checkbox") return;
            out_ += "<input type=\"checkbox\" disabled";
            if (find_attr(attrs, "checked") != nullptr) out_ += " checked";
            out_ += '>';
            return;
        }
        out_ += '<';
        out_ += a.out;
        if (a.in == "center") put_attr("align", "center");
        for (const auto& attr : attrs) {
            const std::string& n = attr.name;
            const std::string& v = attr.value;
            if (n == "title" || n == "lang") {
                put_attr(n, v);
            } else if (n == "dir" && (v == "ltr" || v == "rtl" || v == "auto")) {
                put_attr(n, v);
            } else if (n == "align" && a.in != "center") {
                const std::string lv = lower_str(v);
                if (lv == "left" || lv == "right" || lv == "center" || lv == "justify") {
                    put_attr(n, lv);
                }
            } else if ((n == "colspan" || n == "rowspan") && (a.out == "td" || a.out == "th") &&
                       all_of(v, kDigits) && v.size() <= 3) {
                put_attr(n, v);
            } else if (n == "start" && a.out == "ol" && all_of(v, kDigits) && v.size() <= 9) {
                put_attr(n, v);
            } else if (n == "open" && a.out == "details") {
                out_ += " open";
            } else if (n == "class" && a.out == "code" && v.substr(0, 9) == "language-" &&
                       all_of(v.substr(9), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789_+-#")) {
                put_attr(n, v);
            } else if (n == "href" && a.kind == Kind::Link) {
                const std::string url = safe_url(v, options_.repo_url, false);
                if (url.empty()) continue;
                put_attr("href", url);
                if (url.front() != '#') put_attr("rel", "nofollow noopener noreferrer");
            }
            // Everything else (on*, style, id, name, src, srcset, formaction, ...) is dropped.
        }
        out_ += '>';
        if (a.kind != Kind::Void) stack_.emplace_back(a.out);
    }

    void emit_image(const std::vector<Attr>& attrs) {
        const std::string* src = find_attr(attrs, "src");
        const std::string* alt = find_attr(attrs, "alt");
        const std::string url = src == nullptr ? "" : safe_url(*src, options_.repo_url, true);
        if (url.empty()) {
            if (alt != nullptr) append_escaped(out_, *alt);
            return;
        }
        std::string what = alt != nullptr && !alt->empty() ? *alt : "";
        if (what.empty()) {  // name the host, so the reader knows where a click goes
            const auto host_start = url.find("//");
            const auto host = url.substr(host_start + 2);
            what = host.substr(0, host.find('/'));
        }
        std::string label;
        const std::string_view tmpl = options_.image_label;
        const auto at = tmpl.find("{0}");
        if (at == std::string_view::npos) {
            label = std::string(tmpl) + " " + what;
        } else {
            label = std::string(tmpl.substr(0, at)) + what + std::string(tmpl.substr(at + 3));
        }
        // Inside a link (badges) a nested <a> would be invalid: a span the page script can
        // still load on request.
        const bool nested = inside_link();
        out_ += nested ? "<span" : "<a";
        put_attr("class", "ext-img");
        if (!nested) {
            put_attr("href", url);
            put_attr("rel", "nofollow noopener noreferrer");
        }
        put_attr("data-src", url);
        if (alt != nullptr) put_attr("data-alt", *alt);
        out_ += '>';
        append_escaped(out_, label);
        out_ += nested ? "</span>" : "</a>";
    }

    void close_top() {
        out_ += "</";
        out_ += stack_.back();
        out_ += '>';
        stack_.pop_back();
    }

    const SanitizeOptions& options_;
    std::string_view in_;
    std::size_t pos_ = 0;
    std::string out_;
    std::vector<std::string_view> stack_;  // open elements, by written name
};

void collect(const MD_CHAR* text, MD_SIZE size, void* userdata) {
    static_cast<std::string*>(userdata)->append(text, size);
}

}  // namespace

std::string safe_url(std::string_view raw, std::string_view repo_url, bool image) {
    std::string url;
    for (const char c : raw) {
        // Browsers drop tabs and newlines anywhere in a URL and treat '\' as '/'.
        if (c == '\t' || c == '\n' || c == '\r') continue;
        url += c == '\\' ? '/' : c;
    }
    std::size_t b = 0;
    std::size_t e = url.size();
    while (b < e && static_cast<unsigned char>(url[b]) <= 0x20) ++b;
    while (e > b && static_cast<unsigned char>(url[e - 1]) <= 0x20) --e;
    url = url.substr(b, e - b);
    if (url.empty()) return {};
    for (const char c : url) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return {};
    }
    if (url.front() == '#') return image ? std::string() : url;
    if (url.size() > 1 && url[0] == '/' && url[1] == '/') return "https:" + url;
    const auto stop = url.find_first_of(":/?#");
    if (stop != std::string::npos && url[stop] == ':') {
        const std::string scheme = lower_str(url.substr(0, stop));
        if (scheme == "http" || scheme == "https") return url;
        if (scheme == "mailto" && !image) return url;
        return {};
    }
    if (url.front() == '/') return "https://huggingface.co" + url;
    if (repo_url.empty()) return {};
    std::string_view path = url;
    while (path.substr(0, 2) == "./") path.remove_prefix(2);
    return std::string(repo_url) + (image ? "/resolve/main/" : "/blob/main/") + std::string(path);
}

std::string sanitize_html(std::string_view html, const SanitizeOptions& options) {
    return Sanitizer(options).run(html);
}

std::string render_markdown(std::string_view markdown, const SanitizeOptions& options) {
    std::string html;
    html.reserve(markdown.size() + markdown.size() / 2);
    // Raw HTML is kept for the sanitizer to filter: real cards lay out logos, tables and
    // <details> with it, and MD_FLAG_NOHTML would print those tags as text.
    const int rc = md_html(markdown.data(), static_cast<MD_SIZE>(markdown.size()), collect,
                           &html, MD_DIALECT_GITHUB, 0);
    if (rc != 0) {  // md4c fails only on out-of-memory; show the text, escaped
        return "<pre>" + escape(markdown) + "</pre>";
    }
    return sanitize_html(html, options);
}

}  // namespace cardex::server::web
