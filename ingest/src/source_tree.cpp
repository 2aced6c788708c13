// Directory trees of repositories: <namespace>/<name>/README.md, or <name>/README.md for
// legacy ids, under a models/, datasets/ or spaces/ directory that gives the type. Beside a
// README an optional listing.json (or info.json) holds listing fields (downloads, likes,
// tags, ...): only those two names, because a model repository is full of other JSON
// files (config.json, tokenizer.json) that are not listings.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <unordered_set>

#include "source_job.h"
#include "text_util.h"

namespace fs = std::filesystem;

namespace cardex::ingest {

namespace {

std::optional<index::CardType> type_dir(const std::string& name) {
    if (name == "models") return index::CardType::Model;
    if (name == "datasets") return index::CardType::Dataset;
    if (name == "spaces") return index::CardType::Space;
    return std::nullopt;
}

bool is_readme(const fs::path& p) {
    return to_lower(p.filename().string()) == "readme.md";
}

Status read_file(const fs::path& p, std::size_t limit, std::string& out) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return make_error(Errc::NotFound, "cannot open", p.string());
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (out.size() > limit) out.resize(limit);
    return Ok{};
}

}  // namespace

Status read_tree(const std::string& root_arg, SourceJobs& out, const ParseLimits& limits) {
    std::error_code ec;
    const fs::path root = fs::weakly_canonical(fs::path(root_arg), ec);
    // A lone README.md is a tree of one repository.
    const bool single = !ec && fs::is_regular_file(root, ec) && is_readme(root);
    if (ec || (!single && !fs::is_directory(root))) {
        return make_error(Errc::NotFound, "not a directory or a README.md", root_arg);
    }

    // Every README, sorted so that the order (and so duplicate resolution) is stable.
    std::vector<fs::path> readmes;
    if (single) {
        readmes.push_back(root);
    } else {
        fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
        if (ec) return make_error(Errc::NotFound, "cannot list directory", root_arg);
        for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (ec) break;
            const auto& e = *it;
            const std::string name = e.path().filename().string();
            // .git, .cache: never cards. Hidden directories are not walked at all.
            if (!name.empty() && name[0] == '.') {
                if (e.is_directory()) it.disable_recursion_pending();
                continue;
            }
            if (e.is_regular_file() && is_readme(e.path())) readmes.push_back(e.path());
        }
        if (ec) return make_error(Errc::Internal, "error while listing directory", root_arg);
    }
    std::sort(readmes.begin(), readmes.end());
    // A README below another repository's directory (docs/README.md) is part of that
    // repository, not a card of its own.
    std::unordered_set<std::string> repo_dirs;
    for (const auto& r : readmes) repo_dirs.insert(r.parent_path().string());
    std::size_t nested = 0;

    for (const auto& readme : readmes) {
        bool inside = false;
        for (fs::path d = readme.parent_path().parent_path();
             !single && d != root.parent_path() && d.has_relative_path(); d = d.parent_path()) {
            if (repo_dirs.count(d.string())) {
                inside = true;
                break;
            }
        }
        if (inside) {
            ++nested;
            continue;
        }
        Job j;
        j.source = readme.string();
        // The components that can name the id: below the root directory (its own name
        // included, so that a root called datasets/ gives the type), or for a lone README
        // its whole directory path.
        std::vector<std::string> parts;
        const fs::path repo_dir = readme.parent_path();
        const fs::path base = single ? repo_dir.root_path() : root.parent_path();
        for (const auto& c : repo_dir.lexically_relative(base)) parts.push_back(c.string());
        std::size_t id_from = 0;
        for (std::size_t i = 0; i < parts.size(); ++i) {
            if (auto t = type_dir(parts[i])) {
                j.type_hint = t;
                id_from = i + 1;
            }
        }
        if (!j.type_hint) {
            if (single) {
                id_from = parts.size() >= 2 ? parts.size() - 2 : 0;
            } else {
                id_from = repo_dir != root ? 1 : 0;  // the root's own name is not part of ids
            }
        }
        RawRecord r;
        r.source = j.source;
        const std::size_t n = parts.size() - std::min(id_from, parts.size());
        if (n == 1) {
            r.id = parts.back();
        } else if (n >= 2) {
            // Deeper trees (a mirror's own prefix directories): the last two are the id.
            r.id = parts[parts.size() - 2] + "/" + parts.back();
            if (n > 2) {
                j.warnings.push_back({j.source, "id-from-path",
                                      "no models/, datasets/ or spaces/ directory above the card; "
                                      "id taken as '" + r.id + "'"});
            }
        }
        if (r.id.empty()) {
            j.rejection = Issue{j.source, "missing-id",
                                "cannot tell the repository id from the path; point at the "
                                "directory that holds <namespace>/<name>/README.md"};
            out.jobs.push_back(std::move(j));
            continue;
        }
        std::error_code sec;
        const auto size = fs::file_size(readme, sec);
        if (!sec && size > limits.max_readme_bytes) {
            j.rejection = Issue{j.source, "too-large",
                                "card of " + std::to_string(size) + " bytes is over the limit of " +
                                    std::to_string(limits.max_readme_bytes)};
            out.jobs.push_back(std::move(j));
            continue;
        }
        std::string text;
        if (auto st = read_file(readme, limits.max_readme_bytes + 1, text); !st) {
            j.rejection = Issue{j.source, "unreadable", st.error().message};
            out.jobs.push_back(std::move(j));
            continue;
        }
        r.readme = std::move(text);
        for (const char* listing : {"listing.json", "info.json"}) {
            const fs::path lp = repo_dir / listing;
            if (!fs::is_regular_file(lp, sec)) continue;
            std::string json;
            if (auto st = read_file(lp, 16u << 20, json); !st) {
                j.warnings.push_back({lp.string(), "unreadable", "listing file could not be read; ignored"});
                break;
            }
            json.append(simdjson::SIMDJSON_PADDING, '\0');
            j.listing = TreeListing{std::move(json), lp.string()};
            break;
        }
        j.raw = std::move(r);
        out.jobs.push_back(std::move(j));
    }
    if (nested > 0) {
        out.merged += nested;
        out.merged_reason = "nested-readme";
        out.notes.push_back({root_arg, "nested-readme",
                             std::to_string(nested) + " README.md files inside another repository's "
                             "directory were read as part of it, not as cards"});
    }
    return Ok{};
}

}  // namespace cardex::ingest
