// The Hub's repository endpoints: repo info (at a revision), refs, the file tree and file
// downloads through /resolve/ (docs/HUB-COMPAT.md). Of a repository's files cardex holds
// one, README.md, exactly as it was read; its one branch is `main`, whose commit is the
// card's content hash (index::Card::sha).
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <openssl/evp.h>

#include "card_json.h"
#include "http_errors.h"
#include "json_writer.h"
#include "links.h"
#include "routes.h"

namespace cardex::server {
namespace {

using index::CardType;

constexpr std::string_view kReadme = "README.md";

std::vector<std::string_view> segments(std::string_view raw) {
    std::vector<std::string_view> out;
    while (!raw.empty()) {
        const std::size_t slash = raw.find('/');
        out.push_back(raw.substr(0, slash));
        if (slash == std::string_view::npos) break;
        raw.remove_prefix(slash + 1);
    }
    if (!out.empty() && out.back().empty()) out.pop_back();  // "org/name/"
    return out;
}

// Raw segments, each percent-decoded, joined with '/'. nullopt on a malformed escape.
std::optional<std::string> decode_joined(const std::vector<std::string_view>& segs,
                                         std::size_t from) {
    std::string out;
    for (std::size_t i = from; i < segs.size(); ++i) {
        auto d = percent_decode(segs[i], false);
        if (!d) return std::nullopt;
        if (i > from) out.push_back('/');
        out.append(*d);
    }
    return out;
}

// One reading of a repository path: the id, then an action keyword and its arguments.
struct RepoPath {
    std::string id;
    std::string_view action;             // "" (the repo itself), "revision", "tree", ...
    std::vector<std::string_view> args;  // raw segments after the action
};

// The readings of `segs` (raw), most likely first: "org/name[/action/...]", then a legacy
// id without namespace, "name/action/...". A two-segment path is an id before it is a
// legacy id with an action: the caller tries the next reading when the first finds no repo.
std::vector<RepoPath> readings(const std::vector<std::string_view>& segs,
                               std::initializer_list<std::string_view> actions) {
    auto is_action = [&](std::string_view s) {
        return std::find(actions.begin(), actions.end(), s) != actions.end();
    };
    auto id_of = [&](std::size_t n) -> std::optional<std::string> {
        auto id = decode_joined({segs.begin(), segs.begin() + static_cast<std::ptrdiff_t>(n)}, 0);
        if (!id || id->empty() || id->size() > 256) return std::nullopt;
        return id;
    };
    std::vector<RepoPath> out;
    auto add = [&](std::size_t id_segs, bool with_action) {
        auto id = id_of(id_segs);
        if (!id) return;
        RepoPath r{std::move(*id), {}, {}};
        if (with_action) {
            r.action = segs[id_segs];
            r.args.assign(segs.begin() + static_cast<std::ptrdiff_t>(id_segs) + 1, segs.end());
        }
        out.push_back(std::move(r));
    };
    const std::size_t n = segs.size();
    if (n == 1) add(1, false);
    if (n == 2) add(2, false);
    if (n >= 3 && is_action(segs[2])) add(2, true);
    if (n >= 2 && is_action(segs[1])) add(1, true);
    return out;
}

std::string hex(const unsigned char* data, unsigned int size) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out.push_back(kHex[data[i] >> 4]);
        out.push_back(kHex[data[i] & 0xF]);
    }
    return out;
}

// SHA-1 of the parts, one after another, as hex ("" only without memory).
std::string sha1_hex(std::initializer_list<std::string_view> parts) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) == 1;
    for (const auto part : parts)
        ok = ok && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) == 1;
    ok = ok && EVP_DigestFinal_ex(ctx.get(), digest, &size) == 1;
    return ok ? hex(digest, size) : std::string();
}

// Git's id of a file's content: SHA-1 of "blob <size>\0<content>" (what the Hub's tree
// lists as `oid` and sends as the ETag of a file kept in git).
std::string git_blob_id(std::string_view content) {
    const std::string header = "blob " + std::to_string(content.size());
    return sha1_hex({header, std::string_view("\0", 1), content});
}

std::string readme_of(const index::Card& card) {
    return card.readme_head + card.markdown;
}

// The revisions a card has: its branch `main` (also as HEAD and refs/heads/main) and its
// one commit.
bool known_revision(const index::Card& card, std::string_view rev) {
    return rev == "main" || rev == "HEAD" || rev == "refs/heads/main" || rev == hub_sha(card);
}

HttpResponse revision_not_found(std::string_view rev) {
    // The Hub's words for a revision that does not exist.
    return error_response(404, "RevisionNotFound", "Invalid rev id: " + std::string(rev));
}

HttpResponse entry_not_found(const index::Card& card) {
    HttpResponse res = error_response(404, "EntryNotFound", "Entry not found");
    res.headers.emplace_back("X-Repo-Commit", hub_sha(card));
    return res;
}

// The card of the first reading that names one, with that reading; or the answer for a
// repo that is not there (or that the caller may not see).
struct Found {
    RepoPath path;
    index::Card card;
};
std::variant<Found, HttpResponse> find_repo(CardType type,
                                            std::vector<RepoPath> paths,
                                            const RouteContext& ctx,
                                            query::Searcher& searcher) {
    for (auto& p : paths) {
        auto card = searcher.get(type, p.id, ctx.principal.namespaces, ctx.principal.admin);
        if (card) return Found{std::move(p), std::move(card).value()};
        if (card.error().code != Errc::NotFound) return error_response(card.error());
    }
    // Private cards come back NotFound too: both get the same bytes.
    return repo_not_found(ctx);
}

HttpResponse info(CardType type,
                  const Found& f,
                  const RouteContext& ctx,
                  query::Searcher& searcher) {
    if (f.path.action == "revision") {
        auto rev = decode_joined(f.path.args, 0);
        if (!rev || rev->empty()) return revision_not_found(rev.value_or(""));
        if (!known_revision(f.card, *rev)) return revision_not_found(*rev);
    }
    std::vector<std::string_view> fields;
    if (auto bad = hub_expanded_fields(type, ctx.params, fields)) return std::move(*bad);
    if (fields.empty()) fields = hub_fields(type, HubShape::Info, true);
    HubLinks links;
    const bool spaces = std::find(fields.begin(), fields.end(), "spaces") != fields.end();
    if (spaces) {
        auto ids = spaces_using(searcher, f.card, {ctx.principal.namespaces, ctx.principal.admin});
        if (!ids) return error_response(ids.error());
        links.spaces = std::move(ids).value();
    }
    const bool children =
        std::find(fields.begin(), fields.end(), "childrenModelCount") != fields.end();
    if (children) {
        auto n =
            children_model_count(searcher, f.card, {ctx.principal.namespaces, ctx.principal.admin});
        if (!n) return error_response(n.error());
        links.children = n.value();
    }
    JsonWriter w;
    write_hub_item(w, f.card, fields, spaces || children ? &links : nullptr);
    return json_response(w.take());
}

HttpResponse refs(const Found& f, const RouteContext& ctx) {
    JsonWriter w;
    w.begin_object();
    w.key("branches").begin_array();
    w.begin_object()
        .field("name", "main")
        .field("ref", "refs/heads/main")
        .field("targetCommit", hub_sha(f.card))
        .end_object();
    w.end_array();
    w.key("converts").begin_array().end_array();
    w.key("tags").begin_array().end_array();
    if (ctx.params.has("include_prs")) w.key("pullRequests").begin_array().end_array();
    w.end_object();
    return json_response(w.take());
}

HttpResponse tree(const Found& f) {
    if (f.path.args.empty()) return not_found_path();
    auto rev = percent_decode(f.path.args[0], false);
    if (!rev || !known_revision(f.card, *rev)) return revision_not_found(rev.value_or(""));
    auto dir = decode_joined(f.path.args, 1);
    if (!dir) return not_found_path();
    // The root holds README.md (when the card has one); there are no folders.
    if (!dir->empty()) return entry_not_found(f.card);
    JsonWriter w;
    w.begin_array();
    if (f.card.has_readme) {
        const std::string readme = readme_of(f.card);
        w.begin_object()
            .field("type", "file")
            .field("oid", git_blob_id(readme))
            .field("size", static_cast<std::uint64_t>(readme.size()))
            .field("path", kReadme)
            .end_object();
    }
    w.end_array();
    return json_response(w.take());
}

}  // namespace

std::string hub_sha(const index::Card& card) {
    if (card.sha.size() == 40) return card.sha;
    // Cards made without ingest (fixtures, older tools) get one from their identity.
    return sha1_hex({"cardex-card", index::card_type_name(card.type), "/", card.id});
}

HttpResponse not_found_path() {
    return error_response(404, "NotFound", "Not Found");
}

HttpResponse hub_repo_endpoint(CardType type,
                               std::string_view rest,
                               const RouteContext& ctx,
                               query::Searcher& searcher,
                               std::string& label) {
    const auto segs = segments(rest);
    auto paths = readings(segs, {"revision", "tree", "refs"});
    if (paths.empty() && segs.size() >= 3) {
        // A repository route cardex does not serve (/commits, /paths-info, /discussions,
        // ...): RepoNotFound when no such repository is visible, as on the Hub; otherwise a
        // plain 404 naming the route, so a client does not report a repository as missing.
        auto any = readings(segs, {segs[2], segs[1]});
        auto found = find_repo(type, std::move(any), ctx, searcher);
        if (auto* res = std::get_if<HttpResponse>(&found)) return std::move(*res);
        label = "/api/" + std::string(index::card_type_name(type)) + "s/{id}/{unserved}";
        return error_response(404,
                              "NotFound",
                              "cardex does not serve /" +
                                  std::string(std::get<Found>(found).path.action) +
                                  " of a repository: only its info, /revision, /refs and /tree");
    }
    if (paths.empty()) return repo_not_found(ctx);
    auto found = find_repo(type, std::move(paths), ctx, searcher);
    if (auto* res = std::get_if<HttpResponse>(&found)) return std::move(*res);
    const Found& f = std::get<Found>(found);
    const std::string prefix = "/api/" + std::string(index::card_type_name(type)) + "s/{id}";
    if (f.path.action.empty() || f.path.action == "revision") {
        label = f.path.action.empty() ? prefix : prefix + "/revision/{rev}";
        return info(type, f, ctx, searcher);
    }
    if (f.path.action == "refs") {
        label = prefix + "/refs";
        if (!f.path.args.empty()) return not_found_path();
        return refs(f, ctx);
    }
    label = prefix + "/tree/{rev}";
    return tree(f);
}

std::optional<HttpResponse> resolve_endpoint(const RouteContext& ctx,
                                             query::Searcher& searcher,
                                             std::string& label) {
    std::string_view raw = ctx.raw_path;
    if (raw.empty() || raw.front() != '/') return std::nullopt;
    raw.remove_prefix(1);
    CardType type = CardType::Model;
    std::string_view kind;
    for (const auto& [prefix, t] : {std::pair{std::string_view("datasets/"), CardType::Dataset},
                                    std::pair{std::string_view("spaces/"), CardType::Space}}) {
        if (raw.substr(0, prefix.size()) == prefix) {
            raw.remove_prefix(prefix.size());
            type = t;
            kind = prefix;
        }
    }
    const auto segs = segments(raw);
    auto paths = readings(segs, {"resolve"});
    // /{id}/resolve/{rev}/{file}: a revision and a file name at least.
    std::erase_if(paths,
                  [](const RepoPath& p) { return p.action != "resolve" || p.args.size() < 2; });
    if (paths.empty()) return std::nullopt;
    label = "/" + std::string(kind) + "{id}/resolve/{rev}/{file}";
    auto found = find_repo(type, std::move(paths), ctx, searcher);
    if (auto* res = std::get_if<HttpResponse>(&found)) return std::move(*res);
    const Found& f = std::get<Found>(found);
    auto rev = percent_decode(f.path.args[0], false);
    if (!rev || !known_revision(f.card, *rev)) return revision_not_found(rev.value_or(""));
    auto file = decode_joined(f.path.args, 1);
    if (!file || *file != kReadme || !f.card.has_readme) return entry_not_found(f.card);

    HttpResponse res;
    res.status = 200;
    res.content_type = "text/plain; charset=utf-8";
    res.body = readme_of(f.card);
    // What the Python client needs to cache a file: the commit, the content's ETag (git's
    // blob id, quoted, as the Hub sends it for files kept in git) and the length.
    res.headers.emplace_back("X-Repo-Commit", hub_sha(f.card));
    res.headers.emplace_back("ETag", "\"" + git_blob_id(res.body) + "\"");
    return res;
}

}  // namespace cardex::server
