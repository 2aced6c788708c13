// One raw record -> one normalized card. See card_parser.h.
#include "cardex/ingest/card_parser.h"

#include <openssl/evp.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <span>
#include <unordered_set>

#include "card_fields.h"
#include "cardex/index/quality.h"
#include "facets.h"
#include "markdown.h"
#include "quality.h"
#include "text_util.h"
#include "title.h"
#include "yaml_tree.h"

namespace cardex::ingest {

using index::Card;
using index::CardType;

namespace {

constexpr std::size_t kMaxIdPart = 96;  // the Hub's longest repository name
constexpr std::size_t kMaxDescriptionBytes = 400;

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

// The front matter keys parsing reads: the text keys here, the keys of the facet
// normalizers (facets.h) and of the quality rules (quality.h); every other key goes to
// cardData as JSON without a tree.
bool needed_key(std::string_view k) {
    static const std::unordered_set<std::string_view> kKeys = [] {
        std::unordered_set<std::string_view> keys{
            "pretty_name", "title", "short_description", "model_name"};
        std::vector<std::string_view> lists{kQualityKeys};
        for (const FacetNormalizer& n : facet_normalizers()) lists.push_back(n.keys);
        for (std::string_view list : lists) {
            while (!list.empty()) {
                const auto space = list.find(' ');
                if (space != 0) keys.insert(list.substr(0, space));
                if (space == std::string_view::npos) break;
                list.remove_prefix(space + 1);
            }
        }
        return keys;
    }();
    return kKeys.count(k) > 0;
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
    std::shared_ptr<const index::Vocabulary> vocab;
    ParseLimits limits;
};

CardParser::CardParser(std::shared_ptr<const index::Vocabulary> vocab, ParseLimits limits)
    : impl_(std::make_unique<Impl>(Impl{std::move(vocab), limits})) {}
CardParser::~CardParser() = default;

Result<Card> CardParser::parse(const RawRecord& raw, std::vector<Issue>& warnings) {
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
    // The first heading, unless it is a section name or another card's (title.h).
    if (c.title.empty())
        c.title = choose_title(trim(md.first_heading), c.id, c.name, f.scalar("model_name"));
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

    // The listing's tags, bounded like every front matter list.
    const std::size_t raw_tag_count = std::min(raw.tags.size(), kMaxValues);
    if (raw.tags.size() > kMaxValues) {
        warn("too-many-values",
             "the listing has " + std::to_string(raw.tags.size()) + " tags; the first " +
                 std::to_string(kMaxValues) + " are kept, " +
                 std::to_string(raw.tags.size() - kMaxValues) + " dropped");
    }
    // Facets, one normalizer each (facets.h).
    const FacetInput in{raw,
                        std::span(raw.tags).first(raw_tag_count),
                        f,
                        *impl_->vocab,
                        parts.body,
                        have_yaml ? yaml_text : std::string_view(c.card_data_json)};
    for (const FacetNormalizer& n : facet_normalizers()) n.normalize(in, c);
    // Documentation quality, from the normalized card and its sections (quality.h).
    index::set_quality(c, detect_criteria({c, meta, parts.body, md.sections, *impl_->vocab}));
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
    c.is_private = raw.is_private.value_or(false);
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
