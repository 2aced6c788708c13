// Citations: the card's own and generated ones in four formats. See citation.h.
#include "citation.h"

#include <string>

#include "card_json.h"
#include "card_meta.h"
#include "http_errors.h"
#include "json_writer.h"
#include "url.h"

namespace cardex::server {
namespace {

using index::Card;
using index::CardType;

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// "google-bert/bert-base-uncased", 2022 -> "google_bert_bert_base_uncased_2022": a key of
// letters, digits and '_' that every BibTeX reader accepts.
std::string cite_key(const Card& c, int year) {
    std::string key;
    bool sep = false;
    for (const char ch : c.id) {
        if (is_alnum(ch)) {
            if (sep && !key.empty()) key += '_';
            key += ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + 32) : ch;
            sep = false;
        } else {
            sep = true;
        }
    }
    // Long keys trip readers that detect BibTeX by pattern (citation-js does).
    if (key.size() > 40) key.resize(40);
    while (!key.empty() && key.back() == '_') key.pop_back();
    if (key.empty()) key = "card";
    if (year > 0) key += "_" + std::to_string(year);
    return key;
}

// A value inside BibTeX braces: LaTeX's special characters escaped, so the braces balance
// and readers give back the text as it was. White space runs become one space, as TeX reads
// them anyway.
std::string bibtex_text(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        // "--" is an en dash to TeX: "-{}-" keeps two hyphens.
        if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
            out += "-{}";
            continue;
        }
        const bool space = c == ' ' || static_cast<unsigned char>(c) < 0x20;
        if (space) {
            if (!out.empty() && out.back() != ' ') out += ' ';
            continue;
        }
        switch (c) {
            case '\\':
                out += "\\textbackslash{}";
                break;
            case '{':
                out += "\\{";
                break;
            case '}':
                out += "\\}";
                break;
            case '&':
                out += "\\&";
                break;
            case '%':
                out += "\\%";
                break;
            case '$':
                out += "\\$";
                break;
            case '#':
                out += "\\#";
                break;
            case '_':
                out += "\\_";
                break;
            case '~':
                out += "\\textasciitilde{}";
                break;
            case '^':
                out += "\\textasciicircum{}";
                break;
            default:
                out += c;
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

// URLs and DOIs go into BibTeX verbatim (url, doi fields are not LaTeX); braces and
// backslashes cannot occur in them (percent-encoded, normalized).
std::string one_line(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    return out;
}

std::string title_of(const Card& c) {
    return c.title.empty() ? c.id : c.title;
}

std::string_view kind_noun(CardType t) {
    return t == CardType::Dataset ? "dataset" : t == CardType::Space ? "Space" : "model";
}

std::string bibtex(const Card& c) {
    const std::int64_t at = published_at(c);
    const int year = at >= 0 ? ymd_of(at).year : 0;
    const std::string doi = own_doi(c);
    // biblatex's @dataset and @software: what the record is, not just @misc.
    std::string out = c.type == CardType::Dataset ? "@dataset{" : "@software{";
    out += cite_key(c, year);
    out += ",\n";
    auto field = [&](std::string_view name, const std::string& value) {
        if (value.empty()) return;
        out += "  ";
        out += name;
        out.append(10 - std::min<std::size_t>(9, name.size()), ' ');
        out += "= {" + value + "},\n";
    };
    // An organisation is one name, not "Last, First": double braces keep it whole.
    if (!c.author.empty()) field("author", "{" + bibtex_text(c.author) + "}");
    field("title", bibtex_text(title_of(c)));
    if (year > 0) field("year", std::to_string(year));
    if (at >= 0) field("date", date_text(at));
    field("publisher", std::string(kPublisher));
    field("url", one_line(hub_repo_url(c)));
    field("doi", one_line(doi));
    field("version", short_revision(c));
    out += "}\n";
    return out;
}

std::string ris(const Card& c) {
    const std::int64_t at = published_at(c);
    std::string out;
    auto line = [&](std::string_view tag, const std::string& value) {
        if (value.empty()) return;
        out += tag;
        out += "  - ";
        out += one_line(value);
        out += '\n';
    };
    line("TY", c.type == CardType::Dataset ? "DATA" : "COMP");
    line("TI", title_of(c));
    line("AU", c.author);
    if (at >= 0) {
        const Ymd d = ymd_of(at);
        line("PY", std::to_string(d.year));
        char buf[24];
        std::snprintf(buf, sizeof buf, "%04d/%02u/%02u/", d.year, d.month, d.day);
        line("DA", buf);
    }
    line("PB", std::string(kPublisher));
    line("UR", hub_repo_url(c));
    line("DO", own_doi(c));
    line("ET", short_revision(c));  // RIS has no version tag; ET (edition) is what readers map
    out += "ER  - \n";
    return out;
}

std::string csl_json(const Card& c) {
    const std::int64_t at = published_at(c);
    JsonWriter w;
    w.begin_array().begin_object();
    w.field("id", cite_key(c, at >= 0 ? ymd_of(at).year : 0));
    w.field("type", c.type == CardType::Dataset ? "dataset" : "software");
    w.field("title", title_of(c));
    if (!c.author.empty()) {
        w.key("author")
            .begin_array()
            .begin_object()
            .field("literal", c.author)
            .end_object()
            .end_array();
    }
    if (at >= 0) {
        const Ymd d = ymd_of(at);
        w.key("issued").begin_object().key("date-parts").begin_array().begin_array();
        w.value(d.year).value(d.month).value(d.day);
        w.end_array().end_array().end_object();
    }
    w.field("publisher", kPublisher);
    w.field("URL", hub_repo_url(c));
    if (const std::string doi = own_doi(c); !doi.empty()) w.field("DOI", doi);
    w.field("version", short_revision(c));
    w.end_object().end_array();
    return w.take() + "\n";
}

// CFF is YAML; JSON string literals are valid YAML double-quoted scalars.
std::string yaml_string(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

std::string cff(const Card& c) {
    const std::int64_t at = published_at(c);
    const std::string noun(kind_noun(c.type));
    std::string out = "cff-version: 1.2.0\n";
    out +=
        "message: " + yaml_string("If you use this " + noun + ", please cite it as below.") + "\n";
    out += std::string("type: ") + (c.type == CardType::Dataset ? "dataset" : "software") + "\n";
    out += "title: " + yaml_string(title_of(c)) + "\n";
    // CFF requires an author; a legacy repository without a namespace is the Hub's.
    out += "authors:\n  - name: " +
           yaml_string(c.author.empty() ? std::string(kPublisher) : c.author) + "\n";
    if (at >= 0) out += "date-released: " + date_text(at) + "\n";
    out += "url: " + yaml_string(hub_repo_url(c)) + "\n";
    if (const std::string doi = own_doi(c); !doi.empty()) out += "doi: " + yaml_string(doi) + "\n";
    out += "version: " + yaml_string(short_revision(c)) + "\n";
    out += "commit: " + yaml_string(hub_sha(c)) + "\n";
    if (!c.license_spdx.empty()) out += "license: " + yaml_string(c.license_spdx) + "\n";
    if (!c.description.empty()) out += "abstract: " + yaml_string(c.description) + "\n";
    return out;
}

HttpResponse text_response(std::string body, CitationFormat f, const Card& c) {
    HttpResponse res;
    res.status = 200;
    res.content_type = std::string(citation_media_type(f));
    res.body = std::move(body);
    std::string name = cite_key(c, 0);
    switch (f) {
        case CitationFormat::Bibtex:
            name += ".bib";
            break;
        case CitationFormat::Ris:
            name += ".ris";
            break;
        case CitationFormat::CslJson:
            name += ".json";
            break;
        case CitationFormat::Cff:
            name = "CITATION.cff";
            break;
    }
    res.headers.emplace_back("Content-Disposition", "inline; filename=\"" + name + "\"");
    return res;
}

}  // namespace

std::optional<CitationFormat> parse_citation_format(std::string_view name) noexcept {
    if (name == "bibtex" || name == "bib") return CitationFormat::Bibtex;
    if (name == "ris") return CitationFormat::Ris;
    if (name == "csl-json" || name == "csl" || name == "csljson") return CitationFormat::CslJson;
    if (name == "cff") return CitationFormat::Cff;
    return std::nullopt;
}

std::string_view citation_format_name(CitationFormat f) noexcept {
    switch (f) {
        case CitationFormat::Bibtex:
            return "bibtex";
        case CitationFormat::Ris:
            return "ris";
        case CitationFormat::CslJson:
            return "csl-json";
        case CitationFormat::Cff:
            return "cff";
    }
    return "bibtex";
}

std::string_view citation_media_type(CitationFormat f) noexcept {
    switch (f) {
        case CitationFormat::Bibtex:
            return "application/x-bibtex; charset=utf-8";
        case CitationFormat::Ris:
            return "application/x-research-info-systems; charset=utf-8";
        case CitationFormat::CslJson:
            return "application/vnd.citationstyles.csl+json; charset=utf-8";
        case CitationFormat::Cff:
            return "application/yaml; charset=utf-8";
    }
    return "text/plain; charset=utf-8";
}

std::string generated_citation(const Card& card, CitationFormat format) {
    switch (format) {
        case CitationFormat::Bibtex:
            return bibtex(card);
        case CitationFormat::Ris:
            return ris(card);
        case CitationFormat::CslJson:
            return csl_json(card);
        case CitationFormat::Cff:
            return cff(card);
    }
    return {};
}

HttpResponse citation_endpoint(CardType type,
                               std::string_view raw_id,
                               const RouteContext& ctx,
                               query::Searcher& searcher) {
    auto id = percent_decode(raw_id, false);
    if (!id || id->empty()) return repo_not_found(ctx);
    auto card = searcher.get(type, *id, ctx.principal.namespaces, ctx.principal.admin);
    if (!card) {
        if (card.error().code == Errc::NotFound) return repo_not_found(ctx);
        return error_response(card.error());
    }
    const Card& c = card.value();
    const std::string source = ctx.params.last("source").value_or("all");
    if (source != "all" && source != "card" && source != "generated") {
        return error_response(
            400, "InvalidArgument", "'source' must be all, card or generated", source);
    }
    const bool want_own = source != "generated", want_generated = source != "card";
    const auto own = want_own ? own_citations(c) : std::vector<OwnCitation>{};

    const auto format_param = ctx.params.last("format");
    if (!format_param || format_param->empty() || *format_param == "json") {
        JsonWriter w;
        w.begin_object().field("id", c.id).field("type", index::card_type_name(c.type));
        w.key("citations").begin_array();
        for (const auto& o : own) {
            w.begin_object()
                .field("source", "card")
                .field("where", o.where)
                .field("format", o.bibtex ? "bibtex" : "text")
                .field("text", o.text)
                .end_object();
        }
        if (want_generated) {
            for (auto f : {CitationFormat::Bibtex,
                           CitationFormat::Ris,
                           CitationFormat::CslJson,
                           CitationFormat::Cff}) {
                w.begin_object()
                    .field("source", "generated")
                    .field("format", citation_format_name(f))
                    .field("text", generated_citation(c, f))
                    .end_object();
            }
        }
        w.end_array().end_object();
        return json_response(w.take());
    }
    const auto format = parse_citation_format(*format_param);
    if (!format) {
        return error_response(
            400, "InvalidArgument", "'format' must be bibtex, ris, csl-json or cff", *format_param);
    }
    // The card's own citations are BibTeX or free text, kept as written: they are offered
    // in BibTeX only (and in the JSON overview), never converted.
    std::string body;
    if (*format == CitationFormat::Bibtex) {
        for (const auto& o : own) {
            if (!o.bibtex) continue;
            body += o.text;
            body += "\n\n";
        }
    }
    if (source == "card" && body.empty()) {
        return error_response(404,
                              "NotFound",
                              *format == CitationFormat::Bibtex
                                  ? "the card has no citation of its own in BibTeX"
                                  : "the card's own citations are offered in BibTeX only",
                              c.id);
    }
    if (want_generated) body += generated_citation(c, *format);
    return text_response(std::move(body), *format, c);
}

}  // namespace cardex::server
