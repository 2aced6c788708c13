// One raw record -> one normalized card. See card_parser.h.
#include "cardex/ingest/card_parser.h"

#include <openssl/evp.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <span>
#include <unordered_map>
#include <memory>
#include <unordered_set>

#include "cardex/index/doi.h"
#include "markdown.h"
#include "text_util.h"
#include "yaml_tree.h"

namespace cardex::ingest {

using index::Card;
using index::CardType;

namespace {

constexpr std::size_t kMaxIdPart = 96;  // the Hub's longest repository name
constexpr std::size_t kMaxDescriptionBytes = 400;
// Values kept per list (a front matter key, the listing's tags) and tags kept per card. Real
// cards have at most a few dozen; the bound keeps a hostile card's cost and size small.
constexpr std::size_t kMaxValues = 1000;

struct Split {
    std::string_view yaml;
    std::string_view body;
    bool has_front_matter = false;
};

// The Hub's rule (huggingface_hub repocard.py): optional leading white space, a line
// "---", the YAML, then a line "---" (trailing blanks allowed).
Split split_front_matter(std::string_view readme) {
    Split s{{}, readme, false};
    std::size_t i = 0;
    while (i < readme.size() &&
           (readme[i] == ' ' || readme[i] == '\t' || readme[i] == '\n' || readme[i] == '\r')) {
        ++i;
    }
    if (readme.compare(i, 3, "---") != 0) return s;
    std::size_t j = i + 3;
    if (j < readme.size() && readme[j] == '\r') ++j;
    if (j >= readme.size() || readme[j] != '\n') {
        if (!(j == i + 4 && j <= readme.size())) return s;  // "---\r" then EOF: not a block
        return s;
    }
    const std::size_t yaml_start = j + 1;
    std::size_t line = yaml_start;
    while (line <= readme.size()) {
        std::size_t eol = readme.find('\n', line);
        std::string_view l = readme.substr(line, eol == std::string_view::npos ? eol : eol - line);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        if (l.substr(0, 3) == "---" && trim_view(l.substr(3)).empty()) {
            s.yaml = readme.substr(yaml_start, line > yaml_start ? line - 1 - yaml_start : 0);
            s.body = eol == std::string_view::npos ? std::string_view() : readme.substr(eol + 1);
            s.has_front_matter = true;
            return s;
        }
        if (eol == std::string_view::npos) break;
        line = eol + 1;
    }
    return s;
}

// The front matter keys normalization reads; every other key goes to cardData as JSON
// without a tree. `licence` is absent on purpose: the Hub ignores that spelling (268 real
// cards carry a `licence: license` template placeholder), and so does cardex.
bool needed_key(std::string_view k) {
    static const std::unordered_set<std::string_view> kKeys = {"pretty_name",
                                                               "title",
                                                               "short_description",
                                                               "language",
                                                               "languages",
                                                               "language_bcp47",
                                                               "license",
                                                               "licenses",
                                                               "license_name",
                                                               "pipeline_tag",
                                                               "task_categories",
                                                               "task_ids",
                                                               "library_name",
                                                               "size_categories",
                                                               "datasets",
                                                               "models",
                                                               "base_model",
                                                               "base_model_relation",
                                                               "extra_gated_prompt",
                                                               "extra_gated_fields",
                                                               "tags",
                                                               "multilinguality",
                                                               "language_creators",
                                                               "annotations_creators",
                                                               "source_datasets",
                                                               "benchmark",
                                                               "sdk"};
    return kKeys.count(k) > 0;
}

bool is_typed_scalar(const YamlNode& n) {
    // YAML 1.2 core schema: a plain 5 or true is a number or a boolean, not text. (`no` is
    // text here, so `language: no` stays Norwegian, unlike PyYAML's YAML 1.1 `false`.)
    if (n.kind != YamlNode::Kind::Scalar || !n.plain) return false;
    std::string typed;
    scalar_json(n.text, true, typed);
    return typed.empty() || typed[0] != '"';
}

const char* kind_name(const YamlNode& n) {
    return n.kind == YamlNode::Kind::Mapping    ? "a mapping"
           : n.kind == YamlNode::Kind::Sequence ? "a list"
                                                : "a scalar";
}

// Reads front matter fields, warning about values of the wrong type (they are skipped).
struct Fields {
    const YamlNode& meta;
    std::vector<Issue>& warnings;
    const std::string& source;

    void warn(std::string_view key, const std::string& what) {
        warnings.push_back({source, "wrong-type", concat({"front matter '", key, "' ", what})});
    }

    /// A scalar or a list of scalars (a scalar where a list is allowed becomes a
    /// one-element list). `text_only`: numbers and booleans are not values of this key.
    std::vector<std::string> list(std::string_view key, bool text_only = false) {
        std::vector<std::string> out;
        const YamlNode* n = meta.find(key);
        if (!n || n->is_null()) return out;
        auto take = [&](const YamlNode& i) {
            if (i.kind != YamlNode::Kind::Scalar) return false;
            if (i.is_null() || trim_view(i.text).empty()) return true;
            if (text_only && is_typed_scalar(i)) return false;
            out.push_back(trim(i.text));
            return true;
        };
        if (n->kind == YamlNode::Kind::Mapping) {
            warn(key, "is a mapping, not a list; ignored");
        } else if (n->kind == YamlNode::Kind::Scalar) {
            if (!take(*n)) warn(key, "is '" + n->text.substr(0, 40) + "', not text; ignored");
        } else {
            std::size_t bad = 0;
            for (const auto& i : n->items) bad += take(i) ? 0 : 1;
            if (bad > 0)
                warn(key, "has " + std::to_string(bad) + " items that are not text; skipped");
        }
        if (out.size() > kMaxValues) {
            warnings.push_back({source,
                                "too-many-values",
                                concat({"front matter '",
                                        key,
                                        "' has ",
                                        std::to_string(out.size()),
                                        " values; the first ",
                                        std::to_string(kMaxValues),
                                        " are kept, ",
                                        std::to_string(out.size() - kMaxValues),
                                        " dropped"})});
            out.resize(kMaxValues);
        }
        return out;
    }

    /// A scalar; a list gives its first item (with a warning), a mapping nothing.
    std::string scalar(std::string_view key) {
        const YamlNode* n = meta.find(key);
        if (!n || n->is_null()) return {};
        if (n->kind == YamlNode::Kind::Scalar) return trim(n->text);
        auto items = n->kind == YamlNode::Kind::Sequence ? list(key) : std::vector<std::string>{};
        warn(key,
             std::string("is ") + kind_name(*n) + ", not a string" +
                 (items.empty() ? "; ignored" : "; its first item is used"));
        return items.empty() ? std::string() : items.front();
    }

    /// A list under the singular key, else under the legacy plural key.
    std::vector<std::string> list2(std::string_view singular,
                                   std::string_view plural,
                                   bool text_only) {
        return meta.find(singular) ? list(singular, text_only) : list(plural, text_only);
    }
};

// A raw string as a list without warnings (dataset tag keys that are not normalized).
std::vector<std::string> plain_list(const YamlNode* n) {
    std::vector<std::string> out;
    if (!n || n->is_null()) return out;
    if (n->kind == YamlNode::Kind::Scalar) {
        if (!trim_view(n->text).empty()) out.push_back(trim(n->text));
    } else if (n->kind == YamlNode::Kind::Sequence) {
        for (const auto& i : n->items) {
            if (i.kind == YamlNode::Kind::Scalar && !i.is_null() && !trim_view(i.text).empty()) {
                out.push_back(trim(i.text));
            }
        }
    }
    return out;
}

// Where a DOI or an arXiv reference can start. The regular expressions run anchored at
// these places instead of over the whole body: "10." and "arxiv" are rare in card text, and
// scanning for them with memchr/memmem costs a fraction of an unanchored RE2 search.
std::vector<std::size_t> doi_cues(std::string_view text) {
    std::vector<std::size_t> out;
    for (std::size_t i = text.find("10."); i != std::string_view::npos;
         i = text.find("10.", i + 1)) {
        out.push_back(i);
    }
    return out;
}
std::vector<std::size_t> arxiv_cues(std::string_view text) {
    std::vector<std::size_t> out;
    // "arxiv" in any case: memchr for each case of the x (find_first_of would call memchr
    // once per byte).
    for (char x : {'x', 'X'}) {
        for (std::size_t i = text.find(x, 2); i != std::string_view::npos;
             i = text.find(x, i + 1)) {
            if (i + 2 < text.size() && (text[i - 1] | 0x20) == 'r' && (text[i - 2] | 0x20) == 'a' &&
                (text[i + 1] | 0x20) == 'i' && (text[i + 2] | 0x20) == 'v') {
                out.push_back(i - 2);
            }
        }
    }
    // hf.co/papers/ and huggingface.co/papers/: start where either host would.
    for (std::size_t i = text.find("/papers/"); i != std::string_view::npos;
         i = text.find("/papers/", i + 1)) {
        if (i >= 5) out.push_back(i - 5);
        if (i >= 14) out.push_back(i - 14);
    }
    std::sort(out.begin(), out.end());
    return out;
}

// Appends non-empty values once each, in first-seen order, in O(1) per value (a card may
// come with thousands of tags; a linear search per value made them quadratic).
class Unique {
public:
    explicit Unique(std::vector<std::string>& v) : v_(v) {
        for (const auto& s : v_) seen_.insert(s);
    }
    void add(std::string s) {
        if (!s.empty() && seen_.insert(s).second) v_.push_back(std::move(s));
    }

private:
    std::vector<std::string>& v_;
    std::unordered_set<std::string> seen_;
};

// Both are matched anchored at a cue (RE2::Consume), so neither needs a leading wildcard.
// Parentheses are allowed inside a DOI (10.1016/S0140-6736(20)30183-5); one the DOI did not
// open is cut off by normalize_doi.
const RE2& doi_re() {
    static const RE2 re(R"((10\.\d{4,9}/[^\s"'<>\]\[{}|\\^`]+))");
    return re;
}
const RE2& arxiv_re() {
    static const RE2 re(
        R"((?i)(?:arxiv\.org/(?:abs|pdf)/|arxiv:\s?|hf\.co/papers/|huggingface\.co/papers/)(\d{4}\.\d{4,5}))");
    return re;
}

// Where the first HTML character reference ("&#41;", "&#x29;", "&amp;") in `s` starts, or
// npos. A DOI may hold a bare '&', never one of these.
std::size_t html_reference_at(std::string_view s) {
    for (std::size_t i = s.find('&'); i != std::string_view::npos; i = s.find('&', i + 1)) {
        std::size_t j = i + 1;
        if (j < s.size() && s[j] == '#') {
            ++j;
            if (j < s.size() && (s[j] == 'x' || s[j] == 'X')) ++j;
        }
        const std::size_t start = j;
        while (j < s.size() && std::isalnum(static_cast<unsigned char>(s[j]))) ++j;
        // A named reference needs its ';'; a numeric one ("&#41" at the end) does not.
        if (j > start && (j < s.size() ? s[j] == ';' : s[i + 1] == '#')) {
            return i;
        }
    }
    return std::string_view::npos;
}

// Up to `max` DOIs of `text`, in text order, normalized (index/doi.h); a match is not
// searched again inside one found before it (what a left-to-right scan would do).
void find_dois(std::string_view text, std::size_t max, Unique& out) {
    std::string m;
    std::size_t n = 0, end = 0;
    for (std::size_t at : doi_cues(text)) {
        if (n >= max) break;
        if (at < end) continue;
        re2::StringPiece in(text.data() + at, text.size() - at);
        if (RE2::Consume(&in, doi_re(), &m)) {
            // Card text is markdown with HTML in it: a character reference ("&#41;" for the
            // parenthesis after a link, "&amp;") ends the DOI, it is not part of it.
            if (const auto amp = html_reference_at(m); amp != std::string::npos) m.resize(amp);
            out.add(index::normalize_doi(m));
            end = static_cast<std::size_t>(in.data() - text.data());
            ++n;
        }
    }
}

// An id for a message: at most 120 bytes, anything but printable ASCII as \xNN (a rejected
// id may hold terminal escapes or bidi overrides; messages end up on terminals and in logs).
std::string printable_id(std::string_view id) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (const char ch : id.substr(0, 120)) {
        const auto u = static_cast<unsigned char>(ch);
        if (u < 0x20 || u >= 0x7F || ch == '\\' || ch == '\'') {
            out += "\\x";
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
        } else {
            out += ch;
        }
    }
    if (id.size() > 120) out += "...";
    return out;
}

// Some scrapes record the repo URL instead of the id: takes the id (and the type the URL
// says) out of it. False when `id` is not such a URL.
bool from_url(std::string& id, CardType& type) {
    for (std::string_view host : {"https://huggingface.co/",
                                  "http://huggingface.co/",
                                  "https://hf.co/",
                                  "huggingface.co/"}) {
        if (id.rfind(host, 0) != 0) continue;
        std::string rest = id.substr(host.size());
        for (auto [kind, t] :
             {std::pair{"datasets/", CardType::Dataset}, std::pair{"spaces/", CardType::Space}}) {
            if (rest.rfind(kind, 0) == 0) {
                rest = rest.substr(std::string_view(kind).size());
                type = t;
            }
        }
        while (!rest.empty() && rest.back() == '/') rest.pop_back();
        id = std::move(rest);
        return true;
    }
    return false;
}

// The card's stand-in commit id: SHA-1 of type, id and the README as served (the card
// data for a card without one), so it changes exactly when what cardex serves does.
std::string content_sha(const Card& c, std::string_view readme) {
    const std::string_view type = index::card_type_name(c.type);
    const std::string_view content = c.has_readme ? readme : std::string_view(c.card_data_json);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) == 1;
    for (std::string_view part :
         {std::string_view("cardex-card"), type, std::string_view(c.id), content}) {
        // A NUL after each part keeps the parts apart.
        ok = ok && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) == 1 &&
             EVP_DigestUpdate(ctx.get(), "", 1) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx.get(), digest, &size) == 1;
    if (!ok) return {};  // only without memory; the server then derives one from the id
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out.push_back(kHex[digest[i] >> 4]);
        out.push_back(kHex[digest[i] & 0xF]);
    }
    return out;
}

}  // namespace

std::string record_key(const RawRecord& raw) {
    std::string id = trim(raw.id);
    CardType type = raw.type.value_or(CardType::Model);
    from_url(id, type);
    if (id.empty()) return {};
    std::string key(index::card_type_name(type));
    key.push_back('/');
    key.append(id);
    return key;
}

std::optional<std::int64_t> parse_timestamp(std::string_view text) {
    text = trim_view(text);
    if (text.size() < 10) return std::nullopt;
    std::tm tm{};
    int y, mo, d, h = 0, mi = 0, s = 0;
    int n = 0;
    std::string t(text);
    if (std::sscanf(t.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) {
        return std::nullopt;
    }
    if (t.size() > 10 && (t[10] == 'T' || t[10] == ' ')) {
        if (std::sscanf(t.c_str() + 11, "%2d:%2d:%2d", &h, &mi, &s) < 2) return std::nullopt;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    // Offsets other than UTC ("+02:00") are rare on the Hub; they are applied when present.
    std::int64_t secs = ::timegm(&tm);
    auto plus = t.find_last_of("+-");
    if (t.size() > 19 && plus != std::string::npos && plus >= 19) {
        int oh = 0, om = 0;
        if (std::sscanf(t.c_str() + plus + 1, "%2d:%2d", &oh, &om) >= 1) {
            std::int64_t off = oh * 3600 + om * 60;
            secs += t[plus] == '+' ? -off : off;
        }
    }
    return secs;
}

std::optional<std::string> repo_id_problem(std::string_view id) {
    // The rule of huggingface_hub's validate_repo_id (utils/_validators.py, which mirrors
    // the Hub's own check) but for "--"; see docs/RELIABILITY.md, "Repository ids".
    if (id.empty()) return "empty";
    const std::size_t slash = id.find('/');
    if (slash != std::string_view::npos && id.find('/', slash + 1) != std::string_view::npos) {
        return "more than one '/' (ids are 'name' or 'namespace/name')";
    }
    const auto word = [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
               ch == '_';
    };
    const std::string_view parts[] = {
        slash == std::string_view::npos ? std::string_view() : id.substr(0, slash),
        slash == std::string_view::npos ? id : id.substr(slash + 1)};
    for (const std::string_view part : parts) {
        if (part.data() == nullptr) continue;  // no namespace
        if (part.empty()) return "empty namespace or name";
        if (part.size() > kMaxIdPart) return "namespace or name longer than 96 characters";
        for (const char ch : part) {
            if (!word(ch) && ch != '-' && ch != '.') {
                return "only ASCII letters, digits, '_', '-' and '.' are allowed";
            }
        }
        if (!word(part.front()) || !word(part.back())) {
            return "a namespace or name starts and ends with a letter, a digit or '_'";
        }
    }
    // huggingface_hub also refuses "--" anywhere, but the Hub itself named repositories so
    // (its "-truncated-" names: 2 in the real 2023-10 listing); ".." is refused.
    if (id.find("..") != std::string_view::npos) return "'..' is not allowed";
    if (id.size() >= 4 && id.substr(id.size() - 4) == ".git") return "ends in '.git'";
    return std::nullopt;
}

struct CardParser::Impl {
    std::shared_ptr<const Tables> tables;
    ParseLimits limits;
};

CardParser::CardParser(std::shared_ptr<const Tables> tables, ParseLimits limits)
    : impl_(std::make_unique<Impl>(Impl{std::move(tables), limits})) {}
CardParser::~CardParser() = default;

Result<Card> CardParser::parse(const RawRecord& raw, std::vector<Issue>& warnings) {
    const Tables& tables = *impl_->tables;
    auto reject = [&](std::string reason, std::string message) -> Error {
        return make_error(Errc::InvalidArgument, std::move(message), std::move(reason));
    };
    auto warn = [&](std::string reason, std::string message) {
        warnings.push_back({raw.source, std::move(reason), std::move(message)});
    };

    Card c;
    c.source = raw.source;
    c.id = trim(raw.id);
    c.type = raw.type.value_or(CardType::Model);
    if (c.id.empty()) return reject("missing-id", "record has no id");
    if (from_url(c.id, c.type)) warn("id-url", "id was a URL; using '" + c.id + "'");
    if (c.id.empty()) return reject("missing-id", "record has no id");
    if (auto problem = repo_id_problem(c.id)) {
        return reject("bad-id", concat({"bad id '", printable_id(c.id), "': ", *problem}));
    }
    if (auto slash = c.id.find('/'); slash != std::string::npos) {
        c.author = c.id.substr(0, slash);
        c.name = c.id.substr(slash + 1);
    } else {
        c.name = c.id;
    }
    if (raw.author && !raw.author->empty() && c.author.empty()) c.author = trim(*raw.author);

    // README: size, encoding, front matter.
    std::string readme_fixed;
    std::string_view readme;
    if (raw.readme) {
        if (raw.readme->size() > impl_->limits.max_readme_bytes) {
            return reject("too-large",
                          "card of " + std::to_string(raw.readme->size()) +
                              " bytes is over the limit of " +
                              std::to_string(impl_->limits.max_readme_bytes));
        }
        readme = *raw.readme;
        if (!valid_utf8(readme)) {
            readme_fixed = repair_utf8(readme);
            readme = readme_fixed;
            warn("utf8", "invalid UTF-8 replaced by U+FFFD");
        }
    }
    Split parts = split_front_matter(readme);
    FrontMatter fm;
    fm.meta = YamlNode{YamlNode::Kind::Mapping, {}, true, {}, {}};
    bool have_yaml = false;
    std::string_view yaml_text = parts.yaml;
    if (!parts.has_front_matter && raw.card_data_yaml) yaml_text = *raw.card_data_yaml;
    if (!trim_view(yaml_text).empty()) {
        auto y = parse_front_matter(
            yaml_text,
            {impl_->limits.max_yaml_nodes, impl_->limits.max_yaml_depth, impl_->limits.max_yaml_bytes},
            needed_key);
        if (!y) {
            // Repair, not reject: the Hub shows such a card without metadata, and its text
            // is still worth finding.
            const auto& e = y.error();
            if (e.detail == "not-a-mapping") {
                warn("yaml", "front matter is not a mapping; ignored");
            } else {
                warn(e.code == Errc::ResourceExhausted ? "yaml-limit" : "yaml",
                     e.message + (e.detail.empty() ? "" : " at " + e.detail) +
                         "; front matter ignored");
            }
        } else {
            fm = std::move(y).value();
            have_yaml = true;
        }
    }
    // A listing's cardData object stands in for missing front matter: kept as given, and
    // read for license, language, task ... like front matter would be.
    bool json_card_data = false;
    if ((!have_yaml || fm.json == "{}") && raw.card_data_json && !raw.card_data_json->empty()) {
        auto tree = json_to_tree(*raw.card_data_json,
                                 {impl_->limits.max_yaml_nodes, impl_->limits.max_yaml_depth});
        if (!tree) {
            warn(tree.error().code == Errc::ResourceExhausted ? "yaml-limit" : "card-data",
                 tree.error().message + "; cardData ignored");
        } else if (!have_yaml) {
            fm.meta = std::move(tree).value();
            json_card_data = true;
        } else {
            json_card_data = true;  // empty front matter: its (empty) tree stays
        }
    }
    const YamlNode& meta = fm.meta;
    if (have_yaml && fm.json != "{}") {
        c.card_data_json = std::move(fm.json);
    } else if (json_card_data) {
        c.card_data_json = *raw.card_data_json;
    } else {
        c.card_data_json = "{}";
    }
    Fields f{meta, warnings, raw.source};

    if (raw.readme) {
        c.has_readme = true;
        c.readme_head = std::string(
            readme.substr(0, static_cast<std::size_t>(parts.body.data() - readme.data())));
    }

    // Body text, title, description. A Space's short_description is its author's summary,
    // so it wins over the first paragraph there.
    c.markdown = std::string(parts.body);
    MarkdownText md = markdown_to_text(parts.body);
    c.body = std::move(md.text);
    c.title = f.scalar("pretty_name");
    if (c.title.empty()) c.title = f.scalar("title");
    if (c.title.empty()) c.title = trim(md.first_heading);
    if (c.title.empty()) c.title = c.name;
    const std::string short_description = f.scalar("short_description");
    if (c.type == CardType::Space) c.description = short_description;
    if (c.description.empty()) c.description = trim(md.first_paragraph);
    if (c.description.empty()) c.description = short_description;
    if (c.description.empty()) c.description = trim(raw.description);
    if (c.description.size() > kMaxDescriptionBytes) {
        std::size_t cut = kMaxDescriptionBytes;
        while (cut > 0 && (static_cast<unsigned char>(c.description[cut]) & 0xC0) == 0x80) --cut;
        c.description = c.description.substr(0, cut) + "…";
    }

    Unique u_tags(c.tags), u_languages(c.languages), u_groups(c.language_groups), u_tasks(c.tasks),
        u_modalities(c.modalities), u_task_ids(c.task_ids), u_datasets(c.datasets), u_dois(c.dois),
        u_arxiv(c.arxiv_ids), u_licenses(c.licenses);
    // The listing's tags, bounded like every front matter list.
    const std::size_t raw_tag_count = std::min(raw.tags.size(), kMaxValues);
    if (raw.tags.size() > kMaxValues) {
        warn("too-many-values",
             "the listing has " + std::to_string(raw.tags.size()) + " tags; the first " +
                 std::to_string(kMaxValues) + " are kept, " +
                 std::to_string(raw.tags.size() - kMaxValues) + " dropped");
    }
    const auto raw_tags = std::span(raw.tags).first(raw_tag_count);

    // Languages: canonical codes, their macrolanguages, raw values kept. language_bcp47
    // (en-US, fr-CA) adds the languages of its tags.
    auto languages = f.list2("language", "languages", true);
    for (auto& v : f.list("language_bcp47", true)) languages.push_back(std::move(v));
    for (const auto& v : languages) {
        c.languages_raw.push_back(v);
        if (auto sp = tables.special_language(v)) {
            if (*sp == SpecialLanguage::Multilingual) u_tags.add("multilingual");
            if (*sp == SpecialLanguage::Code) u_tags.add("code");
            continue;
        }
        if (const Language* l = tables.language(v)) {
            u_languages.add(l->code);
            if (!l->macro.empty()) u_groups.add(l->macro);
        }
    }

    // License. (`licence:` is not read: see needed_key.)
    auto licenses = f.list2("license", "licenses", true);
    if (!licenses.empty()) {
        const std::string& first = licenses.front();
        if (const License* l = tables.license(first)) {
            c.license = l->hub_id;
            c.license_spdx = l->spdx;
            c.reuse = l->reuse;
            c.license_name = c.license == "other" ? f.scalar("license_name") : "";
        } else {
            c.license = "other";
            c.license_name = first;
            c.reuse = "unknown";
        }
        for (const auto& l : licenses) {
            const License* known = tables.license(l);
            u_tags.add("license:" + (known ? known->hub_id : to_lower(l)));
            u_licenses.add(known ? known->hub_id : "other");
        }
    } else {
        c.reuse = "unknown";
    }

    // Tasks: a model's pipeline_tag (card, else the API's inferred one); a dataset's
    // task_categories plus the categories of its task_ids.
    auto add_task = [&](const std::string& v) {
        if (const Task* t = tables.resolve_task(v)) {
            u_tasks.add(t->pipeline_tag);
            u_modalities.add(t->modality);
        }
    };
    // A model's pipeline_tag: the Hub's own with the Hub's fields (absent is absent), else
    // the declared one as written when it is a pipeline type. Its task is normalized.
    const std::string declared_pipeline = f.scalar("pipeline_tag");
    if (raw.hub_fields) {
        c.pipeline_tag = trim(raw.pipeline_tag.value_or(""));
    } else if (c.type == CardType::Model) {
        if (tables.is_pipeline_tag(declared_pipeline)) {
            c.pipeline_tag = declared_pipeline;
        } else if (raw.pipeline_tag && tables.is_pipeline_tag(trim(*raw.pipeline_tag))) {
            c.pipeline_tag = trim(*raw.pipeline_tag);
        }
    }
    add_task(c.pipeline_tag);
    add_task(declared_pipeline);
    for (const auto& v : f.list("task_categories")) add_task(v);
    for (const auto& v : f.list("task_ids")) {
        u_task_ids.add(to_lower(v));
        auto cat = tables.task_of_task_id(v);
        if (!cat.empty()) add_task(std::string(cat));
    }
    if (c.tasks.empty() && raw.pipeline_tag) add_task(*raw.pipeline_tag);

    // Library, size, datasets, base models.
    // library_name: the Hub's own with the Hub's fields (never one the Hub has not set).
    if (raw.hub_fields) {
        c.library = trim(raw.library_name.value_or(""));
    } else {
        c.library = to_lower(f.scalar("library_name"));
        if (c.library.empty() && raw.library_name) c.library = to_lower(trim(*raw.library_name));
    }
    if (auto sizes = f.list("size_categories"); !sizes.empty()) c.size_category = sizes.front();
    // Models: datasets trained on; Spaces: datasets they use (a field, not a tag, on the
    // Hub). A Space's `models` stay in cardData: Card has no field for them.
    if (c.type != CardType::Dataset) {
        for (const auto& d : f.list("datasets")) u_datasets.add(d);
    }
    const std::string relation = to_lower(f.scalar("base_model_relation"));
    for (const auto& b : f.list("base_model")) {
        c.base_models.push_back({b, relation});
    }
    // The API's tags say the relation the Hub inferred: base_model:<rel>:<id>.
    std::unordered_multimap<std::string, std::size_t> base_at;  // id -> index in base_models
    for (std::size_t i = 0; i < c.base_models.size(); ++i) base_at.emplace(c.base_models[i].id, i);
    for (const auto& t : raw_tags) {
        if (t.rfind("base_model:", 0) != 0) continue;
        std::string_view rest = std::string_view(t).substr(11);
        auto colon = rest.find(':');
        if (colon == std::string_view::npos) continue;
        std::string rel(rest.substr(0, colon)), id(rest.substr(colon + 1));
        // Only the Hub's relations: "base_model:https://..." is a base model written as a URL.
        if (rel != "finetune" && rel != "adapter" && rel != "quantized" && rel != "merge") continue;
        const auto [first, last] = base_at.equal_range(id);
        for (auto it = first; it != last; ++it) {
            auto& bm = c.base_models[it->second];
            if (bm.relation.empty()) bm.relation = rel;
        }
        if (first == last) {
            base_at.emplace(id, c.base_models.size());
            c.base_models.push_back({std::move(id), std::move(rel)});
        }
    }

    // Gated and private: listing fields; a card with a gating form is at least "auto".
    if (raw.gated) {
        auto g = to_lower(*raw.gated);
        c.gated = g == "manual"                  ? index::Gated::Manual
                  : (g == "auto" || g == "true") ? index::Gated::Auto
                                                 : index::Gated::No;
    } else if (meta.find("extra_gated_prompt") || meta.find("extra_gated_fields")) {
        c.gated = index::Gated::Auto;
    }
    c.is_private = raw.is_private.value_or(false);

    // Tags: the card's own, then the Hub-derived ones (docs/HUB-API.md §12), then the API's.
    for (const auto& t : f.list("tags")) u_tags.add(t);
    const bool is_model = c.type == CardType::Model;
    for (const auto& l : c.languages) u_tags.add(is_model ? l : "language:" + l);
    if (is_model) {
        for (const auto& d : c.datasets) u_tags.add("dataset:" + d);
    }
    for (const auto& b : c.base_models) {
        u_tags.add("base_model:" + b.id);
        if (!b.relation.empty()) u_tags.add("base_model:" + b.relation + ":" + b.id);
    }
    if (is_model) {
        if (!c.tasks.empty()) u_tags.add(c.tasks.front());
        if (!c.library.empty()) u_tags.add(c.library);
    } else if (c.type == CardType::Dataset) {
        static const char* kKeys[] = {"task_categories",
                                      "task_ids",
                                      "size_categories",
                                      "multilinguality",
                                      "language_creators",
                                      "annotations_creators",
                                      "source_datasets",
                                      "benchmark"};
        for (const char* k : kKeys) {
            for (const auto& v : plain_list(meta.find(k))) u_tags.add(std::string(k) + ":" + v);
        }
    } else {
        u_tags.add(to_lower(f.scalar("sdk")));
    }
    for (const auto& t : raw_tags) u_tags.add(t);

    // DOIs and arXiv ids: from tags, then from the front matter (a `doi:` field, a
    // `citation:` block), then from the card text (citation blocks, doi.org links), each
    // normalized once here (index/doi.h) so the facet and /api/doi/ agree.
    for (const auto& t : c.tags) {
        if (t.rfind("doi:", 0) == 0) u_dois.add(index::normalize_doi(t.substr(4)));
        if (t.rfind("arxiv:", 0) == 0) u_arxiv.add(t.substr(6));
    }
    find_dois(have_yaml ? yaml_text : std::string_view(c.card_data_json), 20, u_dois);
    {
        // At most 20 of each per card, in text order.
        const std::string_view body = parts.body;
        find_dois(body, 20, u_dois);
        std::string m;
        std::size_t n = 0, end = 0;
        for (std::size_t at : arxiv_cues(body)) {
            if (n >= 20) break;
            if (at < end) continue;
            re2::StringPiece in(body.data() + at, body.size() - at);
            if (RE2::Consume(&in, arxiv_re(), &m)) {
                u_arxiv.add(m);
                end = static_cast<std::size_t>(in.data() - body.data());
                ++n;
            }
        }
    }
    for (const auto& a : c.arxiv_ids) u_tags.add("arxiv:" + a);
    for (const auto& d : c.dois) u_tags.add("doi:" + d);
    // The Hub's own tags are the truth where the record has them: exactly those, in their
    // order (the rules above cannot see the repository's files, and the Hub does not tag
    // every base model, task or DOI a card names). The facets above stay.
    if (raw.hub_fields) c.tags.assign(raw_tags.begin(), raw_tags.end());
    if (c.tags.size() > kMaxValues) {
        warn("too-many-tags",
             "card has " + std::to_string(c.tags.size()) + " tags; the first " +
                 std::to_string(kMaxValues) + " are kept, " +
                 std::to_string(c.tags.size() - kMaxValues) + " dropped");
        c.tags.resize(kMaxValues);
    }

    // Numbers.
    c.downloads = std::max<std::int64_t>(0, raw.downloads.value_or(0));
    c.downloads_all_time = raw.downloads_all_time.value_or(-1);
    c.likes = std::max<std::int64_t>(0, raw.likes.value_or(0));
    c.trending_score = raw.trending_score.value_or(0.0);
    c.disabled = raw.disabled.value_or(false);
    c.used_storage = raw.used_storage.value_or(-1);
    c.siblings_count = raw.siblings_count.value_or(-1);
    c.spaces_count = raw.spaces_count.value_or(-1);
    c.safetensors_json = raw.safetensors_json.value_or("");
    c.gguf_json = raw.gguf_json.value_or("");
    c.num_parameters = raw.safetensors_total.value_or(raw.gguf_total.value_or(-1));
    if (raw.created_at) {
        if (auto t = parse_timestamp(*raw.created_at)) {
            c.created_at = *t;
        } else {
            warn("bad-date", "createdAt '" + *raw.created_at + "' is not a date; dropped");
        }
    }
    if (raw.last_modified) {
        if (auto t = parse_timestamp(*raw.last_modified)) {
            c.last_modified = *t;
        } else {
            warn("bad-date", "lastModified '" + *raw.last_modified + "' is not a date; dropped");
        }
    }
    c.sha = content_sha(c, readme);
    return c;
}

}  // namespace cardex::ingest
