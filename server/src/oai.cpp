// OAI-PMH 2.0: the six verbs, their arguments and errors, and resumption tokens. The
// records themselves are written by oai_records.cpp. See oai.h and docs/GLAM.md.
#include "oai.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "http_errors.h"
#include "json_writer.h"
#include "url.h"
#include "xml.h"

namespace cardex::server {
namespace {

using index::Card;
using index::CardType;

constexpr std::string_view kOaiDc = "oai_dc";
constexpr std::size_t kRecordsPage = 100;
constexpr std::size_t kIdentifiersPage = 500;
constexpr std::size_t kSetsPage = 500;
constexpr std::size_t kDeletedScan = 1000;   // deletion records read per scan
constexpr int kDeletedScansPerRequest = 20;  // at most this many scans per response

// ---- small codecs ----

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64(std::string_view in) {
    std::string out;
    std::uint32_t buf = 0;
    int bits = 0;
    for (const char c : in) {
        buf = (buf << 8) | static_cast<unsigned char>(c);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kB64[(buf >> bits) & 63];
        }
    }
    if (bits > 0) out += kB64[(buf << (6 - bits)) & 63];
    return out;
}

std::optional<std::string> unb64(std::string_view in) {
    std::string out;
    std::uint32_t buf = 0;
    int bits = 0;
    for (const char c : in) {
        const char* p = std::find(kB64, kB64 + 64, c);
        if (p == kB64 + 64) return std::nullopt;
        buf = (buf << 6) | static_cast<std::uint32_t>(p - kB64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buf >> bits) & 0xFF);
        }
    }
    return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (std::size_t start = 0;;) {
        const auto at = s.find(sep, start);
        out.push_back(s.substr(start, at == std::string_view::npos ? at : at - start));
        if (at == std::string_view::npos) return out;
        start = at + 1;
    }
}

// OAI-PMH dates: "YYYY-MM-DD" (day granularity) or "YYYY-MM-DDThh:mm:ssZ".
struct OaiDate {
    std::int64_t seconds = 0;
    bool day = false;
};
std::optional<OaiDate> parse_oai_date(std::string_view s) {
    int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
    const std::string t(s);
    if (s.size() == 10) {
        if (std::sscanf(t.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
            return std::nullopt;
    } else if (s.size() == 20 && s[10] == 'T' && s[19] == 'Z') {
        if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &se, &n) !=
                6 ||
            n != 20) {
            return std::nullopt;
        }
    } else {
        return std::nullopt;
    }
    using namespace std::chrono;
    const year_month_day ymd{
        year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || se > 59 || t[4] != '-' || t[7] != '-')
        return std::nullopt;
    const auto secs = sys_days{ymd}.time_since_epoch() + hours{h} + minutes{mi} + seconds{se};
    return OaiDate{duration_cast<seconds>(secs).count(), s.size() == 10};
}

// Where a list continues: the live cards after `hash` (descending key hash), then the
// deletion records after `key`. The request's own arguments come along, so the token alone
// is the whole request, as the protocol wants.
struct Token {
    char phase = 'L';  // L: live cards, D: deletion records
    std::string prefix;
    std::optional<std::int64_t> from, until;
    std::string set;
    std::optional<std::uint64_t> hash;  // last key hash delivered
    std::string key;                    // last deletion record key read
    std::uint64_t cursor = 0;           // records delivered before this page
};

std::string encode_token(const Token& t) {
    auto num = [](const auto& v) { return v ? std::to_string(*v) : std::string("-"); };
    return std::string("1.") + t.phase + "." + b64(t.prefix) + "." + num(t.from) + "." +
           num(t.until) + "." + b64(t.set) + "." + num(t.hash) + "." + b64(t.key) + "." +
           std::to_string(t.cursor);
}

std::optional<Token> decode_token(std::string_view s) {
    const auto f = split(s, '.');
    if (f.size() != 9 || f[0] != "1" || (f[1] != "L" && f[1] != "D")) return std::nullopt;
    Token t;
    t.phase = f[1][0];
    auto text = [](std::string_view v, std::string& out) {
        auto d = unb64(v);
        if (!d) return false;
        out = std::move(*d);
        return true;
    };
    auto num = [](std::string_view v, auto& out) {
        if (v == "-") return true;
        const auto n = parse_uint(v);
        if (!n) return false;
        out = static_cast<std::remove_reference_t<decltype(*out)>>(*n);
        return true;
    };
    const auto cursor = parse_uint(f[8]);
    if (!text(f[2], t.prefix) || !num(f[3], t.from) || !num(f[4], t.until) || !text(f[5], t.set) ||
        !num(f[6], t.hash) || !text(f[7], t.key) || !cursor) {
        return std::nullopt;
    }
    t.cursor = *cursor;
    return t;
}

// ---- the response envelope ----

class Response {
  public:
    Response(const RouteContext& ctx, std::string_view verb)
        : base_(public_base_url(ctx)), verb_(verb) {}

    // <request> with the arguments echoed (not after badVerb or badArgument).
    void request(const QueryParams& args, bool echo) {
        out_ += "<request";
        if (echo) {
            for (const auto& [k, v] : args.items()) {
                out_ += ' ';
                append_xml(out_, k);
                out_ += "=\"";
                append_xml(out_, v);
                out_ += '"';
            }
        }
        out_ += '>';
        append_xml(out_, base_ + "/oai");
        out_ += "</request>";
    }

    std::string& body() { return out_; }
    const std::string& base() const { return base_; }

    HttpResponse finish() {
        std::string doc =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\" "
            "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
            "xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/ "
            "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd\">\n<responseDate>";
        doc += utc_datetime(static_cast<std::int64_t>(std::time(nullptr)));
        doc += "</responseDate>\n";
        doc += out_;
        doc += "\n</OAI-PMH>\n";
        HttpResponse res;
        res.status = 200;
        res.content_type = "text/xml; charset=utf-8";
        res.body = std::move(doc);
        return res;
    }

  private:
    std::string out_;
    std::string base_;
    std::string verb_;
};

HttpResponse oai_error(const RouteContext& ctx,
                       const QueryParams& args,
                       std::string_view code,
                       std::string_view message) {
    Response r(ctx, "");
    r.request(args, code != "badVerb" && code != "badArgument");
    r.body() += "\n<error code=\"";
    r.body() += code;
    r.body() += "\">";
    append_xml(r.body(), message);
    r.body() += "</error>";
    return r.finish();
}

// Every argument must be one the verb takes, and none may repeat.
std::optional<std::string> check_args(const QueryParams& args,
                                      std::initializer_list<std::string_view> allowed) {
    for (const auto& [k, v] : args.items()) {
        if (k == "verb") continue;
        if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
            return "illegal argument '" + k + "'";
        }
        if (args.all(k).size() > 1) return "argument '" + k + "' is repeated";
    }
    return std::nullopt;
}

// ---- sets ----

// The facet filter of a leaf set (type:model, org:acme, ...). A parent set has none: its
// members are the cards with any value of its facet, which the list keeps by their sets
// (a filter naming every value would be unbounded; query/request.h limits filter values).
std::optional<query::FacetFilter> set_filter(const oai::SetSpec& set) {
    if (set.value.empty()) return std::nullopt;
    return query::FacetFilter{set.parent == "org" ? "author" : set.parent, {set.value}, {}};
}

bool in_parent_set(const Card& c, const oai::SetSpec& set) {
    if (!set.value.empty() || set.parent == "type") return true;
    const std::string prefix = set.parent + ":";
    for (const auto& s : oai::sets_of(c.type, c.author, c.tasks, c.reuse)) {
        if (s.starts_with(prefix)) return true;
    }
    return false;
}

std::string set_name(std::string_view parent, std::string_view value) {
    if (value.empty()) {
        if (parent == "type") return "Cards by type";
        if (parent == "org") return "Cards by organisation (namespace)";
        if (parent == "task") return "Cards by task";
        return "Cards by license reuse class";
    }
    if (parent == "type") return std::string(value) + "s";
    if (parent == "org") return "Published by " + std::string(value);
    if (parent == "task") return "Task: " + std::string(value);
    return "License reuse class: " + std::string(value);
}

HttpResponse list_sets(const RouteContext& ctx,
                       query::Searcher& searcher,
                       const QueryParams& args) {
    if (auto bad = check_args(args, {"resumptionToken"}))
        return oai_error(ctx, args, "badArgument", *bad);
    std::size_t offset = 0;
    if (auto tok = args.last("resumptionToken")) {
        const auto n = tok->starts_with("sets.") ? parse_uint(tok->substr(5)) : std::nullopt;
        if (!n)
            return oai_error(
                ctx, args, "badResumptionToken", "not a ListSets token of this repository");
        offset = static_cast<std::size_t>(*n);
    }
    query::SearchRequest req;
    restrict_to_caller(ctx, req);
    req.limit = 0;
    req.snippets = false;
    // Every value: the sets are paged here, kSetsPage at a time.
    for (const char* f : {"type", "author", "task", "reuse"}) req.facets.push_back({f, 0, true});
    auto r = searcher.search(req);
    if (!r) return error_response(r.error());
    std::vector<std::pair<std::string, std::string>> sets;  // spec, name
    const char* parents[] = {"type", "org", "task", "reuse"};
    for (std::size_t i = 0; i < 4; ++i) {
        std::vector<std::string> values;
        for (const auto& v : r->facets.at(i).values) {
            if (v.count > 0 && oai::valid_set_value(v.value)) values.push_back(v.value);
        }
        std::sort(values.begin(), values.end());
        sets.emplace_back(parents[i], set_name(parents[i], ""));
        for (const auto& v : values)
            sets.emplace_back(std::string(parents[i]) + ":" + v, set_name(parents[i], v));
    }
    if (offset > sets.size())
        return oai_error(ctx, args, "badResumptionToken", "the list of sets is shorter");
    Response out(ctx, "ListSets");
    out.request(args, true);
    std::string& b = out.body();
    b += "\n<ListSets>";
    const std::size_t end = std::min(sets.size(), offset + kSetsPage);
    for (std::size_t i = offset; i < end; ++i) {
        b += "<set><setSpec>";
        append_xml(b, sets[i].first);
        b += "</setSpec><setName>";
        append_xml(b, sets[i].second);
        b += "</setName></set>\n";
    }
    if (offset > 0 || end < sets.size()) {
        b += "<resumptionToken completeListSize=\"" + std::to_string(sets.size()) + "\" cursor=\"" +
             std::to_string(offset) + "\">";
        if (end < sets.size()) b += "sets." + std::to_string(end);
        b += "</resumptionToken>";
    }
    b += "</ListSets>";
    return out.finish();
}

// ---- Identify, ListMetadataFormats, GetRecord ----

// The guaranteed lower bound of every datestamp: the oldest card's (found by bisecting a
// range count) or the oldest deletion's, whichever is earlier.
Result<std::int64_t> earliest_datestamp(query::Searcher& searcher, const Principal& who) {
    auto count_upto = [&](std::int64_t t) -> Result<std::uint64_t> {
        query::SearchRequest req;
        // From what the caller may see: a private card's datestamp is not everyone's.
        req.private_namespaces = who.namespaces;
        req.all_private = who.admin;
        req.limit = 0;
        req.snippets = false;
        req.ranges.push_back({"datestamp", std::nullopt, static_cast<double>(t)});
        auto r = searcher.search(req);
        if (!r) return std::move(r).error();
        return r->total;
    };
    std::int64_t lo = 0, hi = static_cast<std::int64_t>(std::time(nullptr)) + 86400;
    auto any = count_upto(hi);
    if (!any) return std::move(any).error();
    std::int64_t earliest = *any > 0 ? hi : lo;
    if (*any > 0) {
        while (lo < hi) {  // smallest t with count_upto(t) > 0
            const std::int64_t mid = lo + (hi - lo) / 2;
            auto n = count_upto(mid);
            if (!n) return std::move(n).error();
            if (*n > 0)
                hi = mid;
            else
                lo = mid + 1;
        }
        earliest = lo;
    }
    std::string after;
    for (int scans = 0; scans < 100; ++scans) {
        auto d = searcher.deleted(after, kDeletedScan, who.namespaces, who.admin);
        if (!d) return std::move(d).error();
        for (const auto& t : d->items) earliest = std::min(earliest, t.deleted_at);
        if (d->end) return earliest;
        after = d->last;
    }
    return std::int64_t{0};  // too many deletions to look at: the epoch is a true lower bound
}

HttpResponse identify(const RouteContext& ctx, query::Searcher& searcher, const QueryParams& args) {
    if (auto bad = check_args(args, {})) return oai_error(ctx, args, "badArgument", *bad);
    auto earliest = earliest_datestamp(searcher, ctx.principal);
    if (!earliest) return error_response(earliest.error());
    Response out(ctx, "Identify");
    out.request(args, true);
    std::string& b = out.body();
    b += "\n<Identify><repositoryName>cardex</repositoryName><baseURL>";
    append_xml(b, out.base() + "/oai");
    b += "</baseURL><protocolVersion>2.0</protocolVersion><adminEmail>";
    append_xml(b, ctx.config.oai_admin_email);
    b += "</adminEmail><earliestDatestamp>" + utc_datetime(*earliest) +
         "</earliestDatestamp><deletedRecord>persistent</deletedRecord>"
         "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify>";
    return out.finish();
}

// The record an identifier names, live or deleted, as the caller may see it; neither when
// there is none (or it is not one of our identifiers).
struct FoundRecord {
    std::optional<Card> card;
    std::optional<index::Tombstone> gone;
    bool exists() const { return card || gone; }
};
Result<FoundRecord> find_record(const RouteContext& ctx,
                                query::Searcher& searcher,
                                std::string_view identifier) {
    FoundRecord found;
    const auto key = oai::parse_identifier(identifier);
    if (!key) return found;
    auto card = searcher.get(key->type, key->id, ctx.principal.namespaces, ctx.principal.admin);
    if (card) {
        found.card = std::move(card).value();
        return found;
    }
    if (card.error().code != Errc::NotFound) return std::move(card).error();
    auto gone =
        searcher.deleted_card(key->type, key->id, ctx.principal.namespaces, ctx.principal.admin);
    if (!gone) return std::move(gone).error();
    found.gone = std::move(gone).value();
    return found;
}

HttpResponse list_metadata_formats(const RouteContext& ctx,
                                   query::Searcher& searcher,
                                   const QueryParams& args) {
    if (auto bad = check_args(args, {"identifier"}))
        return oai_error(ctx, args, "badArgument", *bad);
    if (auto id = args.last("identifier")) {
        auto found = find_record(ctx, searcher, *id);
        if (!found) return error_response(found.error());
        if (!found->exists())
            return oai_error(ctx, args, "idDoesNotExist", "no record has this identifier");
    }
    Response out(ctx, "ListMetadataFormats");
    out.request(args, true);
    out.body() +=
        "\n<ListMetadataFormats><metadataFormat><metadataPrefix>oai_dc</metadataPrefix>"
        "<schema>http://www.openarchives.org/OAI/2.0/oai_dc.xsd</schema>"
        "<metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace>"
        "</metadataFormat></ListMetadataFormats>";
    return out.finish();
}

HttpResponse get_record(const RouteContext& ctx,
                        query::Searcher& searcher,
                        const QueryParams& args) {
    if (auto bad = check_args(args, {"identifier", "metadataPrefix"})) {
        return oai_error(ctx, args, "badArgument", *bad);
    }
    const auto id = args.last("identifier");
    const auto prefix = args.last("metadataPrefix");
    if (!id || !prefix) {
        return oai_error(ctx, args, "badArgument", "GetRecord needs identifier and metadataPrefix");
    }
    auto found = find_record(ctx, searcher, *id);
    if (!found) return error_response(found.error());
    if (!found->exists())
        return oai_error(ctx, args, "idDoesNotExist", "no record has this identifier");
    if (*prefix != kOaiDc) {
        return oai_error(
            ctx, args, "cannotDisseminateFormat", "this repository offers oai_dc only");
    }
    std::string record = "<record>";
    if (found->card) {
        oai::write_header(record, *found->card);
        oai::write_oai_dc(record, *found->card, public_base_url(ctx));
    } else {
        oai::write_deleted_header(record, *found->gone);
    }
    record += "</record>";
    Response out(ctx, "GetRecord");
    out.request(args, true);
    out.body() += "\n<GetRecord>" + record + "</GetRecord>";
    return out.finish();
}

// ---- ListIdentifiers, ListRecords ----

HttpResponse list_records(const RouteContext& ctx,
                          query::Searcher& searcher,
                          const QueryParams& args,
                          bool records) {
    if (auto bad =
            check_args(args, {"metadataPrefix", "from", "until", "set", "resumptionToken"})) {
        return oai_error(ctx, args, "badArgument", *bad);
    }
    Token t;
    if (const auto tok = args.last("resumptionToken")) {
        if (args.items().size() > 2) {
            return oai_error(ctx, args, "badArgument", "resumptionToken is an exclusive argument");
        }
        auto decoded = decode_token(*tok);
        // A token this repository issued names oai_dc and a set that parses.
        if (!decoded || decoded->prefix != kOaiDc ||
            (!decoded->set.empty() && !oai::parse_set(decoded->set))) {
            return oai_error(ctx, args, "badResumptionToken", "not a token of this repository");
        }
        t = std::move(*decoded);
    } else {
        const auto prefix = args.last("metadataPrefix");
        if (!prefix) return oai_error(ctx, args, "badArgument", "metadataPrefix is required");
        t.prefix = *prefix;
        std::optional<OaiDate> from, until;
        if (auto f = args.last("from")) {
            from = parse_oai_date(*f);
            if (!from)
                return oai_error(
                    ctx, args, "badArgument", "'from' is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ");
            t.from = from->seconds;
        }
        if (auto u = args.last("until")) {
            until = parse_oai_date(*u);
            if (!until)
                return oai_error(
                    ctx, args, "badArgument", "'until' is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ");
            // A day means all of it.
            t.until = until->seconds + (until->day ? 86399 : 0);
        }
        if (from && until && from->day != until->day) {
            return oai_error(
                ctx, args, "badArgument", "'from' and 'until' must have the same granularity");
        }
        if (from && until && from->seconds > until->seconds) {
            return oai_error(ctx, args, "badArgument", "'from' is after 'until'");
        }
        if (auto s = args.last("set")) t.set = *s;
    }
    if (t.prefix != kOaiDc) {
        return oai_error(
            ctx, args, "cannotDisseminateFormat", "this repository offers oai_dc only");
    }
    std::optional<oai::SetSpec> set;
    if (!t.set.empty()) {
        set = oai::parse_set(t.set);
        if (!set) {
            return oai_error(
                ctx,
                args,
                "badArgument",
                "setSpec must be type, org, task or reuse, optionally ':' and a value");
        }
    }
    const std::size_t page = records ? kRecordsPage : kIdentifiersPage;
    const std::string base = public_base_url(ctx);
    std::string items;
    std::size_t n = 0;
    Token next = t;
    bool more = false;
    if (t.phase == 'L') {
        query::SearchRequest req;
        restrict_to_caller(ctx, req);
        req.sort = query::Sort::Key;
        req.limit = page;
        req.snippets = false;
        if (t.from || t.until) {
            req.ranges.push_back(
                {"datestamp",
                 t.from ? std::optional<double>(static_cast<double>(*t.from)) : std::nullopt,
                 t.until ? std::optional<double>(static_cast<double>(*t.until)) : std::nullopt});
        }
        if (t.hash) {
            if (*t.hash == 0)
                return oai_error(ctx, args, "badResumptionToken", "token is past the end");
            req.ranges.push_back({"key_hash", std::nullopt, static_cast<double>(*t.hash - 1)});
        }
        if (set) {
            if (auto f = set_filter(*set)) req.filters.push_back(std::move(*f));
        }
        auto r = searcher.search(req);
        if (!r) return error_response(r.error());
        for (const auto& h : r->hits) {
            // A page of a parent set may hold fewer records than cards it looked at.
            if (set && !in_parent_set(h.card, *set)) continue;
            if (records) {
                items += "<record>";
                oai::write_header(items, h.card);
                oai::write_oai_dc(items, h.card, base);
                items += "</record>\n";
            } else {
                oai::write_header(items, h.card);
                items += '\n';
            }
            ++n;
        }
        if (!r->hits.empty())
            next.hash = index::key_hash(r->hits.back().card.type, r->hits.back().card.id);
        if (!r->next_cursor.empty()) {
            more = true;
        } else {
            next.phase = 'D';  // the live cards are done: the deletion records follow
            next.key.clear();
        }
    }
    if (next.phase == 'D' && !more) {
        // Deletion records in key order. A page stops only before a record it would
        // deliver, so the page a token leads to is never empty (unless the scan budget of
        // a request runs out first, among very many deletion records that do not match).
        bool done = false;
        for (int scans = 0; scans < kDeletedScansPerRequest && !done; ++scans) {
            auto d = searcher.deleted(
                next.key, kDeletedScan, ctx.principal.namespaces, ctx.principal.admin);
            if (!d) return error_response(d.error());
            bool stopped = false;
            for (const auto& ts : d->items) {
                const std::string key = index::record_key(ts.type, ts.id);
                if ((t.from && ts.deleted_at < *t.from) || (t.until && ts.deleted_at > *t.until) ||
                    (set && !oai::in_set(ts, *set))) {
                    next.key = key;
                    continue;
                }
                if (n >= page) {
                    stopped = true;
                    break;
                }
                next.key = key;
                if (records) items += "<record>";
                oai::write_deleted_header(items, ts);
                items += records ? "</record>\n" : "\n";
                ++n;
            }
            if (stopped) {
                more = true;
                break;
            }
            if (!d->last.empty()) next.key = d->last;  // past records the caller may not see
            done = d->end;
        }
        if (!done) more = true;
    }
    const bool continued = args.last("resumptionToken").has_value();
    if (n == 0 && !continued && !more) {
        return oai_error(ctx, args, "noRecordsMatch", "no record matches these arguments");
    }
    Response out(ctx, records ? "ListRecords" : "ListIdentifiers");
    out.request(args, true);
    std::string& b = out.body();
    b += records ? "\n<ListRecords>\n" : "\n<ListIdentifiers>\n";
    b += items;
    next.cursor = t.cursor + n;
    // A list in one response has no token; every page of a longer one has, the last one
    // empty.
    if (more || continued) {
        b += "<resumptionToken cursor=\"" + std::to_string(t.cursor) + "\">";
        if (more) append_xml(b, encode_token(next));
        b += "</resumptionToken>";
    }
    b += records ? "</ListRecords>" : "</ListIdentifiers>";
    return out.finish();
}

}  // namespace

HttpResponse oai_endpoint(const RouteContext& ctx, query::Searcher& searcher) {
    // POST carries the arguments as a form body (the protocol allows both).
    std::optional<QueryParams> form;
    if (ctx.request.method == "POST") {
        form = QueryParams::parse(ctx.request.body);
        if (!form) return oai_error(ctx, ctx.params, "badArgument", "malformed form body");
    }
    const QueryParams& args = form ? *form : ctx.params;
    const auto verbs = args.all("verb");
    if (verbs.size() != 1) {
        return oai_error(
            ctx, args, "badVerb", verbs.empty() ? "verb is missing" : "verb is repeated");
    }
    const std::string& verb = verbs.front();
    if (verb == "Identify") return identify(ctx, searcher, args);
    if (verb == "ListMetadataFormats") return list_metadata_formats(ctx, searcher, args);
    if (verb == "ListSets") return list_sets(ctx, searcher, args);
    if (verb == "GetRecord") return get_record(ctx, searcher, args);
    if (verb == "ListIdentifiers") return list_records(ctx, searcher, args, false);
    if (verb == "ListRecords") return list_records(ctx, searcher, args, true);
    return oai_error(ctx, args, "badVerb", "no such verb: " + verb);
}

}  // namespace cardex::server
