// The Lucene peer of cardex_bench_macro. See macro_lucene.h.
#include "macro_lucene.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

namespace fs = std::filesystem;

namespace cardex::bench {

namespace {

// The JVM's options: a fixed heap ceiling, so runs compare (the cards are streamed, so the
// build needs the RAM buffer and merges, not the corpus).
constexpr const char* kJavaOptions = "-Xmx4g";

std::string slurp_line(const fs::path& p) {
    std::ifstream in(p);
    std::string line;
    std::getline(in, line);
    return line;
}

// Text for one TSV field: tabs, newlines and backslashes escaped (LuceneBench.unescape).
void put_text(std::string& out, std::string_view s) {
    for (char c : s) {
        const char* escaped = c == '\\'   ? "\\\\"
                              : c == '\t' ? "\\t"
                              : c == '\n' ? "\\n"
                              : c == '\r' ? "\\r"
                                          : nullptr;
        if (escaped != nullptr) {
            out += escaped;
        } else {
            out += c == '\x1f' ? ' ' : c;  // the list separator; never in a facet value
        }
    }
}

void put_list(std::string& out, const std::vector<std::string>& values) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += '\x1f';
        put_text(out, values[i]);
    }
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::vector<std::string> lowered(const std::vector<std::string>& v) {
    std::vector<std::string> out;
    for (const auto& s : v) out.push_back(lower(s));
    return out;
}

// Writes one line per item, as `fill(line, item)` makes it (LuceneBench's input files).
template <class T, class F>
bool write_lines(const std::string& path, const std::vector<T>& items, F&& fill) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    std::string line;
    for (const auto& item : items) {
        line.clear();
        fill(line, item);
        line += '\n';
        out << line;
    }
    if (!out) std::fprintf(stderr, "lucene: cannot write %s\n", path.c_str());
    return static_cast<bool>(out);
}

bool on_path(const char* program) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    }
    return false;
}

// Shell-quotes `s` for popen.
std::string shell_quoted(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace

Lucene::Lucene(std::string classes_dir) : classes_dir_(std::move(classes_dir)) {
    classpath_ = slurp_line(fs::path(classes_dir_) / "classpath.txt");
}

std::string Lucene::unavailable() const {
    const fs::path dir(classes_dir_);
    if (fs::exists(dir / "skipped.txt")) return slurp_line(dir / "skipped.txt");
    if (classpath_.empty() || !fs::exists(dir / "LuceneBench.class")) {
        return "no compiled peer in " + classes_dir_ + "; bench/run compiles bench/lucene/";
    }
    if (!on_path("java")) return "java not found";
    return {};
}

template <class F>
bool Lucene::java(const std::string& args, F&& line) {
    const std::string cmd = std::string("java ") + kJavaOptions + " -cp " +
                            shell_quoted(classpath_) + " LuceneBench " + args;
    std::FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) {
        std::perror("lucene: popen");
        return false;
    }
    char buf[4096];
    std::string text;
    while (std::fgets(buf, sizeof buf, p)) {
        text += buf;
        if (text.empty() || text.back() != '\n') continue;
        text.pop_back();
        std::vector<std::string> f;
        std::stringstream ss(text);
        for (std::string part; std::getline(ss, part, '\t');) f.push_back(part);
        line(f);
        text.clear();
    }
    const int status = ::pclose(p);
    if (status != 0) {
        std::fprintf(stderr, "lucene: `%s` failed (status %d)\n", cmd.c_str(), status);
        return false;
    }
    return true;
}

bool Lucene::build(const std::vector<index::Card>& cards,
                   const std::string& tsv,
                   const std::string& index_dir,
                   unsigned threads) {
    const bool written = write_lines(tsv, cards, [](std::string& line, const index::Card& c) {
        // The parts cardex indexes as text (index/src/document.cpp): tags without the
        // derived ones (license:x), which are facets there.
        std::string tags;
        for (const auto& t : c.tags) {
            if (t.find(':') == std::string::npos) tags.append(t).push_back(' ');
        }
        for (const std::string* part :
             {&c.id, &c.title, &std::as_const(tags), &c.description, &c.body}) {
            put_text(line, *part);
            line += '\t';
        }
        line += std::to_string(c.downloads);
        // The facet values FTS5's facet table holds, lower-cased alike.
        const std::vector<std::string> none;
        for (const auto* values : {&c.tasks, &c.languages}) {
            line += '\t';
            put_list(line, lowered(*values));
        }
        for (const auto* value : {&c.license, &c.author}) {
            line += '\t';
            put_list(line, value->empty() ? none : std::vector{lower(*value)});
        }
    });
    if (!written) return false;
    fs::remove_all(index_dir);
    bool built = false;
    const bool ok = java("build " + shell_quoted(tsv) + " " + shell_quoted(index_dir) + " " +
                             std::to_string(threads),
                         [&](const std::vector<std::string>& f) {
                             if (f.size() == 4 && f[0] == "build") {
                                 build_s_ = std::stod(f[1]);
                                 index_bytes_ = std::stod(f[2]);
                                 built = true;
                             } else if (f.size() == 2 && f[0] == "rss") {
                                 build_rss_ = std::stod(f[1]);
                             }
                         });
    fs::remove(tsv);  // as large as the corpus
    return ok && built;
}

bool Lucene::run(const std::vector<Query>& queries,
                 const std::string& tsv,
                 const std::string& index_dir,
                 unsigned warmup) {
    const bool written = write_lines(tsv, queries, [](std::string& line, const Query& q) {
        line = q.cls + '\t' + (q.counts ? "1" : "0") + '\t' + (q.phrase ? "1" : "0") + '\t';
        std::string words;
        for (const auto& w : q.words) words += (words.empty() ? "" : " ") + w;
        put_text(line, words);
        line += '\t';
        std::vector<std::string> filters;
        for (const auto& [f, v] : q.filters) filters.push_back(f + "=" + v);
        put_list(line, filters);
    });
    if (!written) return false;
    ms_.assign(queries.size(), 0);
    totals_.assign(queries.size(), 0);
    std::size_t seen = 0;
    const bool ok = java(
        "query " + shell_quoted(index_dir) + " " + shell_quoted(tsv) + " " + std::to_string(warmup),
        [&](const std::vector<std::string>& f) {
            if (f.size() == 4 && f[0] == "q") {
                const auto i = std::stoul(f[1]);
                if (i >= ms_.size()) return;
                ms_[i] = std::stod(f[2]);
                totals_[i] = std::stoull(f[3]);
                ++seen;
            } else if (f.size() == 2 && f[0] == "rss") {
                query_rss_ = std::stod(f[1]);
            }
        });
    if (ok && seen != queries.size()) {
        std::fprintf(stderr, "lucene: %zu of %zu queries answered\n", seen, queries.size());
        return false;
    }
    return ok;
}

}  // namespace cardex::bench
