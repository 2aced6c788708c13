// Message catalogues and locale negotiation.
#include "web/messages.h"

#include <cstdlib>
#include <string>

#include "cardex/index/tsv.h"
#include "web/assets.h"

namespace cardex::server::web {
namespace {

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Message texts may contain "\n" written as two characters in the file; none do yet, so
// values are used verbatim.
void load(std::unordered_map<std::string_view, std::string_view>& into, std::string_view tsv) {
    index::for_each_tsv_row(tsv, [&](const index::TsvRow& row) {
        if (row.size() >= 2) into.emplace(row[0], row[1]);
    });
}

}  // namespace

std::string_view supported_locale(std::string_view tag) noexcept {
    std::string primary;
    for (const char c : tag) {
        if (c == '-' || c == '_') break;
        primary += lower(c);
        if (primary.size() > 8) return {};
    }
    if (primary == "en") return "en";
    // Bokmål is the written standard most Norwegian readers are served; Nynorsk readers
    // read it too, and "no" is the macrolanguage.
    if (primary == "nb" || primary == "no" || primary == "nn") return "nb";
    return {};
}

std::string_view choose_locale(std::string_view lang_param, std::string_view accept_language) {
    if (const auto l = supported_locale(lang_param); !l.empty()) return l;
    std::string_view best;
    double best_q = 0;
    while (!accept_language.empty()) {
        const auto comma = accept_language.find(',');
        std::string_view item = accept_language.substr(0, comma);
        accept_language = comma == std::string_view::npos ? std::string_view{}
                                                          : accept_language.substr(comma + 1);
        double q = 1.0;
        if (const auto semi = item.find(';'); semi != std::string_view::npos) {
            std::string_view param = trim(item.substr(semi + 1));
            item = item.substr(0, semi);
            if (param.size() > 2 && lower(param[0]) == 'q' && param[1] == '=') {
                const std::string num(param.substr(2, 8));
                q = std::strtod(num.c_str(), nullptr);
            }
        }
        const auto l = supported_locale(trim(item));
        if (!l.empty() && q > best_q) {  // strict: the first of equal q-values wins
            best = l;
            best_q = q;
        }
    }
    return best.empty() ? "en" : best;
}

const Messages& Messages::for_locale(std::string_view locale) {
    static const auto make = [](std::string_view loc, const Messages* fallback) {
        Messages m;
        m.locale_ = loc;
        m.fallback_ = fallback;
        load(m.strings_, embedded("messages/" + std::string(loc) + ".tsv"));
        return m;
    };
    static const Messages en = make("en", nullptr);
    static const Messages nb = make("nb", &en);
    return locale == "nb" ? nb : en;
}

std::string_view Messages::text(std::string_view key) const {
    if (const auto it = strings_.find(key); it != strings_.end()) return it->second;
    if (fallback_ != nullptr) return fallback_->text(key);
    return key;
}

bool Messages::has(std::string_view key) const {
    return strings_.count(key) != 0 || (fallback_ != nullptr && fallback_->has(key));
}

std::string Messages::format(std::string_view key,
                             std::initializer_list<std::string_view> args) const {
    const std::string_view t = text(key);
    std::string out;
    out.reserve(t.size() + 16);
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i] == '{' && i + 2 < t.size() && t[i + 1] >= '0' && t[i + 1] <= '9' &&
            t[i + 2] == '}') {
            const auto n = static_cast<std::size_t>(t[i + 1] - '0');
            if (n < args.size()) out += *(args.begin() + n);
            i += 2;
            continue;
        }
        out += t[i];
    }
    return out;
}

std::string Messages::number(std::int64_t n) const {
    const std::string digits = std::to_string(n < 0 ? -n : n);
    // English groups with ",", Norwegian with a no-break space (Språkrådet's rule).
    const std::string_view sep = locale_ == "nb" ? "\u00a0" : ",";
    std::string out = n < 0 ? "-" : "";
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += sep;
        out += digits[i];
    }
    return out;
}

}  // namespace cardex::server::web
