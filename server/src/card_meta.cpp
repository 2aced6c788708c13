// Card facts shared by citations, schema.org, OAI-PMH and organisation pages.
#include "card_meta.h"

#include <chrono>
#include <cstdio>

#include <boost/json.hpp>

#include "card_json.h"
#include "cardex/index/doi.h"
#include "web/page.h"

namespace cardex::server {
namespace {

constexpr std::size_t kMaxOwnCitations = 8;
constexpr std::size_t kMaxCitationBytes = 16 * 1024;

std::string_view trim(std::string_view s) {
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// "@article{", "@misc (": a BibTeX entry starts here.
bool starts_bibtex(std::string_view s) {
    s = trim(s);
    if (s.empty() || s.front() != '@') return false;
    std::size_t i = 1;
    while (i < s.size() && is_alpha(s[i])) ++i;
    if (i == 1) return false;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    return i < s.size() && (s[i] == '{' || s[i] == '(');
}

// A fence line: up to 3 spaces, then 3 or more ` or ~. Returns the fence's char and length.
bool fence_of(std::string_view line, char& ch, std::size_t& len) {
    std::size_t i = 0;
    while (i < line.size() && i < 3 && line[i] == ' ') ++i;
    if (i >= line.size() || (line[i] != '`' && line[i] != '~')) return false;
    ch = line[i];
    std::size_t j = i;
    while (j < line.size() && line[j] == ch) ++j;
    len = j - i;
    return len >= 3;
}

// From `start` (an '@'), to where its braces balance: one bare BibTeX entry.
std::string_view bare_entry(std::string_view text, std::size_t start) {
    int depth = 0;
    bool opened = false;
    for (std::size_t i = start; i < text.size() && i - start < kMaxCitationBytes; ++i) {
        const char c = text[i];
        if (c == '{' || c == '(') {
            ++depth;
            opened = true;
        } else if ((c == '}' || c == ')') && opened && --depth == 0) {
            return text.substr(start, i + 1 - start);
        }
    }
    return {};
}

void add(std::vector<OwnCitation>& out, std::string_view text, std::string_view where) {
    text = trim(text);
    if (text.empty() || text.size() > kMaxCitationBytes || out.size() >= kMaxOwnCitations) return;
    for (const auto& o : out) {
        if (o.text == text) return;
    }
    out.push_back({std::string(text), starts_bibtex(text), where});
}

}  // namespace

std::string own_doi(const index::Card& card) {
    for (const auto& d : card.dois) {
        if (d.starts_with("10.57967/")) return d;
    }
    if (card.card_data_json.find("\"doi\"") == std::string::npos) return {};
    boost::system::error_code ec;
    const auto v = boost::json::parse(card.card_data_json, ec);
    if (ec || !v.is_object()) return {};
    const auto* doi = v.as_object().if_contains("doi");
    if (doi == nullptr || !doi->is_string()) return {};
    return index::normalize_doi(std::string_view(doi->as_string()));
}

std::string hub_repo_url(const index::Card& card) {
    return web::hub_url(card.type, card.id);
}

std::int64_t published_at(const index::Card& card) {
    return card.created_at >= 0 ? card.created_at : card.last_modified;
}

Ymd ymd_of(std::int64_t unix_seconds) {
    using namespace std::chrono;
    const year_month_day ymd{floor<days>(sys_seconds{seconds{unix_seconds}})};
    return {static_cast<int>(ymd.year()),
            static_cast<unsigned>(ymd.month()),
            static_cast<unsigned>(ymd.day())};
}

std::string date_text(std::int64_t unix_seconds) {
    const Ymd d = ymd_of(unix_seconds);
    char buf[24];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", d.year, d.month, d.day);
    return buf;
}

std::string short_revision(const index::Card& card) {
    return hub_sha(card).substr(0, 7);
}

std::string license_url(const index::Card& card) {
    if (card.license_spdx.empty()) return {};
    return "https://spdx.org/licenses/" + card.license_spdx + ".html";
}

std::vector<OwnCitation> own_citations(const index::Card& card) {
    std::vector<OwnCitation> out;
    if (card.card_data_json.find("\"citation\"") != std::string::npos) {
        boost::system::error_code ec;
        const auto v = boost::json::parse(card.card_data_json, ec);
        if (!ec && v.is_object()) {
            if (const auto* c = v.as_object().if_contains("citation"); c && c->is_string()) {
                add(out, std::string_view(c->as_string()), "card-data");
            }
        }
    }
    // The card text, line by line: fenced blocks holding an entry, and entries at the start
    // of a line outside any block.
    const std::string_view md = card.markdown;
    std::size_t pos = 0;
    char fence = 0;
    std::size_t fence_len = 0, block_start = 0;
    while (pos < md.size() && out.size() < kMaxOwnCitations) {
        const std::size_t eol = md.find('\n', pos);
        const std::size_t next = eol == std::string_view::npos ? md.size() : eol + 1;
        const std::string_view line = md.substr(pos, next - pos);
        char ch = 0;
        std::size_t len = 0;
        if (fence != 0) {
            if (fence_of(line, ch, len) && ch == fence && len >= fence_len &&
                trim(line.substr(line.find(ch) + len)).empty()) {
                const std::string_view body = md.substr(block_start, pos - block_start);
                if (starts_bibtex(body)) add(out, body, "readme");
                fence = 0;
            }
        } else if (fence_of(line, ch, len)) {
            fence = ch;
            fence_len = len;
            block_start = next;
        } else if (!line.empty() && line.front() == '@' && starts_bibtex(line)) {
            const std::string_view entry = bare_entry(md, pos);
            if (!entry.empty()) {
                add(out, entry, "readme");
                pos += entry.size();
                continue;
            }
        }
        pos = next;
    }
    return out;
}

}  // namespace cardex::server
