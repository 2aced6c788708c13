// OAI-PMH records: identifiers, sets, headers and Dublin Core. See oai.h.
#include <algorithm>

#include "card_meta.h"
#include "oai.h"
#include "url.h"
#include "web/page.h"
#include "xml.h"

namespace cardex::server::oai {
namespace {

using index::Card;
using index::CardType;

void element(std::string& out, std::string_view name, std::string_view value) {
    if (value.empty()) return;
    out += '<';
    out += name;
    out += '>';
    append_xml(out, value);
    out += "</";
    out += name;
    out += '>';
}

}  // namespace

std::string identifier(CardType type, std::string_view id) {
    std::string out(kIdentifierPrefix);
    out += index::card_type_name(type);
    out += '/';
    out += id;
    return out;
}

std::optional<RecordKey> parse_identifier(std::string_view s) {
    if (!s.starts_with(kIdentifierPrefix)) return std::nullopt;
    s.remove_prefix(kIdentifierPrefix.size());
    const auto slash = s.find('/');
    if (slash == std::string_view::npos || slash + 1 >= s.size()) return std::nullopt;
    const auto type_name = s.substr(0, slash);
    if (type_name != "model" && type_name != "dataset" && type_name != "space") return std::nullopt;
    return RecordKey{*index::parse_card_type(type_name), std::string(s.substr(slash + 1))};
}

bool valid_set_value(std::string_view v) {
    if (v.empty()) return false;
    for (const char c : v) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '!' ||
                        c == '~' || c == '*' || c == '\'' || c == '(' || c == ')';
        if (!ok) return false;
    }
    return true;
}

std::optional<SetSpec> parse_set(std::string_view spec) {
    const auto colon = spec.find(':');
    const std::string_view parent = spec.substr(0, colon);
    if (parent != "type" && parent != "org" && parent != "task" && parent != "reuse") {
        return std::nullopt;
    }
    if (colon == std::string_view::npos) return SetSpec{std::string(parent), {}};
    const std::string_view value = spec.substr(colon + 1);
    if (!valid_set_value(value)) return std::nullopt;
    return SetSpec{std::string(parent), ascii_lower(value)};
}

std::vector<std::string> sets_of(CardType type,
                                 std::string_view author,
                                 const std::vector<std::string>& tasks,
                                 std::string_view reuse) {
    std::vector<std::string> out;
    out.push_back("type:" + std::string(index::card_type_name(type)));
    if (valid_set_value(author)) out.push_back("org:" + ascii_lower(author));
    for (const auto& t : tasks) {
        if (valid_set_value(t)) out.push_back("task:" + t);
    }
    if (valid_set_value(reuse)) out.push_back("reuse:" + std::string(reuse));
    return out;
}

bool in_set(const index::Tombstone& t, const SetSpec& set) {
    if (set.parent == "type") {
        return set.value.empty() || set.value == index::card_type_name(t.type);
    }
    if (set.parent == "org") {
        return valid_set_value(t.author) &&
               (set.value.empty() || set.value == ascii_lower(t.author));
    }
    if (set.parent == "task") {
        return set.value.empty()
                   ? !t.tasks.empty()
                   : std::find(t.tasks.begin(), t.tasks.end(), set.value) != t.tasks.end();
    }
    if (set.parent == "reuse") {
        return valid_set_value(t.reuse) && (set.value.empty() || set.value == t.reuse);
    }
    return false;
}

std::int64_t datestamp_of(const Card& c) {
    if (c.datestamp >= 0) return c.datestamp;
    return std::max<std::int64_t>(0, c.last_modified);
}

void write_header(std::string& out, const Card& c) {
    out += "<header>";
    element(out, "identifier", identifier(c.type, c.id));
    element(out, "datestamp", utc_datetime(datestamp_of(c)));
    for (const auto& s : sets_of(c.type, c.author, c.tasks, c.reuse)) element(out, "setSpec", s);
    out += "</header>";
}

void write_deleted_header(std::string& out, const index::Tombstone& t) {
    out += "<header status=\"deleted\">";
    element(out, "identifier", identifier(t.type, t.id));
    element(out, "datestamp", utc_datetime(t.deleted_at));
    for (const auto& s : sets_of(t.type, t.author, t.tasks, t.reuse)) element(out, "setSpec", s);
    out += "</header>";
}

void write_oai_dc(std::string& out, const Card& c, std::string_view base) {
    out +=
        "<metadata><oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" "
        "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        "xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai_dc/ "
        "http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">";
    element(out, "dc:title", c.title.empty() ? c.id : c.title);
    element(out, "dc:creator", c.author);
    for (const auto& t : c.tasks) element(out, "dc:subject", t);
    element(out, "dc:description", c.description);
    element(out, "dc:publisher", kPublisher);
    if (c.created_at >= 0) element(out, "dc:date", date_text(c.created_at));
    // DCMI Type Vocabulary: a dataset is Dataset, a model or a Space is Software.
    element(out, "dc:type", c.type == CardType::Dataset ? "Dataset" : "Software");
    element(out, "dc:identifier", hub_repo_url(c));
    element(out, "dc:identifier", std::string(base) + web::card_path(c.type, c.id));
    if (const std::string doi = own_doi(c); !doi.empty()) {
        element(out, "dc:identifier", "https://doi.org/" + doi);
    }
    for (const auto& l : c.languages) element(out, "dc:language", l);
    for (const auto& b : c.base_models) {
        element(out, "dc:relation", std::string(base) + web::card_path(CardType::Model, b.id));
    }
    if (c.type != CardType::Dataset) {
        for (const auto& d : c.datasets) {
            element(out, "dc:source", std::string(base) + web::card_path(CardType::Dataset, d));
        }
    }
    if (const std::string url = license_url(c); !url.empty()) {
        element(out, "dc:rights", url);
    } else if (!c.license.empty()) {
        element(out,
                "dc:rights",
                c.license == "other" && !c.license_name.empty() ? c.license_name : c.license);
    }
    out += "</oai_dc:dc></metadata>";
}

}  // namespace cardex::server::oai
