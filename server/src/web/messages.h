#pragma once
// UI strings from server/web/messages/<locale>.tsv (key, tab, text), chosen per request by
// a `lang=` parameter or Accept-Language. Private to cardex_server.
// Thread-safety: catalogues are built once on first use and read-only afterwards.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cardex::server::web {

/// The locales with a message file, in switcher order.
inline constexpr std::string_view kLocales[] = {"en", "nb"};

/// The locale for a request: `lang_param` if it names one (also "no"/"nn" -> "nb"), else
/// the best Accept-Language match by q-value, else "en".
std::string_view choose_locale(std::string_view lang_param, std::string_view accept_language);

/// The supported locale `tag` maps to ("en-GB" -> "en", "nn" -> "nb"), or "" if none.
std::string_view supported_locale(std::string_view tag) noexcept;

class Messages {
public:
    /// The catalogue of a supported locale ("en" for anything else).
    static const Messages& for_locale(std::string_view locale);

    std::string_view locale() const noexcept { return locale_; }

    /// The text of `key`, falling back to English, then to the key itself (so a missing
    /// string shows up in the page instead of vanishing).
    std::string_view text(std::string_view key) const;
    /// Whether this locale or English has `key` (for optional overrides like "lang.nb").
    bool has(std::string_view key) const;
    /// text(key) with "{0}", "{1}", ... replaced by `args` (not escaped: escape the result).
    std::string format(std::string_view key, std::initializer_list<std::string_view> args) const;
    /// A count with the locale's digit grouping ("12,345" / "12 345").
    std::string number(std::int64_t n) const;

private:
    std::string_view locale_;
    std::unordered_map<std::string_view, std::string_view> strings_;
    const Messages* fallback_ = nullptr;
};

}  // namespace cardex::server::web
