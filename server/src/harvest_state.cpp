// The harvest checkpoint file: Boost.JSON in, Boost.JSON out, replaced atomically.
#include "harvest_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>

namespace fs = std::filesystem;

namespace cardex::server::harvesting {

namespace {

constexpr std::int64_t kFormat = 1;

Error bad_state(const std::string& path, const std::string& why) {
    return make_error(Errc::InvalidArgument,
                      "the harvest state file is not one cardex wrote (" + why +
                          "); move it away to start the harvest again",
                      path);
}

std::string str(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::uint64_t count(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v && v->is_uint64()) return v->as_uint64();
    if (v && v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
    return 0;
}

Status write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return make_error(Errc::Internal, std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
    return Ok{};
}

}  // namespace

Result<HarvestState> load_state(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::error_code ec;
        if (!fs::exists(path, ec)) return make_error(Errc::NotFound, "no harvest state", path);
        return make_error(Errc::Internal, "cannot read the harvest state", path);
    }
    std::stringstream buf;
    buf << in.rdbuf();
    boost::system::error_code ec;
    const boost::json::value root = boost::json::parse(buf.str(), ec);
    if (ec) return bad_state(path, "not JSON: " + ec.message());
    if (!root.is_object()) return bad_state(path, "not a JSON object");
    const auto& o = root.as_object();
    const auto* format = o.if_contains("format");
    if (!format || !format->is_int64() || format->as_int64() != kFormat) {
        return bad_state(path, "no \"format\": 1");
    }
    HarvestState s;
    s.origin = str(o, "origin");
    if (const auto* r = o.if_contains("renumber_pending"); r && r->is_bool()) {
        s.renumber_pending = r->as_bool();
    }
    if (str(o, "listing_form") == "full") s.listing_form = "full";
    if (const auto* types = o.if_contains("types"); types && types->is_object()) {
        for (const auto& [name, tv] : types->as_object()) {
            if (!tv.is_object()) return bad_state(path, "types." + std::string(name));
            const auto& t = tv.as_object();
            TypeState ts;
            ts.high_water = str(t, "high_water");
            if (const auto* p = t.if_contains("pass"); p && p->is_object()) {
                const auto& po = p->as_object();
                PassState pass;
                pass.since = str(po, "since");
                pass.next = str(po, "next");
                pass.high_water = str(po, "high_water");
                pass.pages = count(po, "pages");
                pass.listed = count(po, "listed");
                pass.failures = count(po, "failures");
                if (pass.next.empty()) return bad_state(path, "a pass without \"next\"");
                ts.pass = std::move(pass);
            }
            if (const auto* f = t.if_contains("failed"); f && f->is_array()) {
                for (const auto& e : f->as_array()) {
                    if (!e.is_object()) continue;
                    FailedCard fc{str(e.as_object(), "id"), str(e.as_object(), "error")};
                    if (!fc.id.empty()) ts.failed.push_back(std::move(fc));
                }
            }
            s.types.emplace(std::string(name), std::move(ts));
        }
    }
    return s;
}

Status save_state(const std::string& path, const HarvestState& s) {
    boost::json::object o;
    o["format"] = kFormat;
    o["origin"] = s.origin;
    o["renumber_pending"] = s.renumber_pending;
    o["listing_form"] = s.listing_form;
    boost::json::object types;
    for (const auto& [name, ts] : s.types) {
        boost::json::object t;
        if (!ts.high_water.empty()) t["high_water"] = ts.high_water;
        if (ts.pass) {
            boost::json::object p;
            p["since"] = ts.pass->since;
            p["next"] = ts.pass->next;
            p["high_water"] = ts.pass->high_water;
            p["pages"] = ts.pass->pages;
            p["listed"] = ts.pass->listed;
            p["failures"] = ts.pass->failures;
            t["pass"] = std::move(p);
        }
        boost::json::array failed;
        for (const auto& f : ts.failed) failed.push_back({{"id", f.id}, {"error", f.error}});
        t["failed"] = std::move(failed);
        types[name] = std::move(t);
    }
    o["types"] = std::move(types);
    const std::string text = boost::json::serialize(o) + "\n";

    const fs::path target(path);
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    const fs::path tmp = dir / (target.filename().string() + ".tmp-" + std::to_string(::getpid()));
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return make_error(Errc::Internal,
                          std::string("cannot write the harvest state: ") + std::strerror(errno),
                          tmp.string());
    }
    auto st = write_all(fd, text);
    const bool synced = st && ::fsync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!st || !synced) {
        ::unlink(tmp.c_str());
        return make_error(err == ENOSPC ? Errc::ResourceExhausted : Errc::Internal,
                          std::string("cannot write the harvest state: ") + std::strerror(err),
                          tmp.string());
    }
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        const int e = errno;
        ::unlink(tmp.c_str());
        return make_error(Errc::Internal,
                          std::string("cannot replace the harvest state: ") + std::strerror(e),
                          path);
    }
    // The rename is durable once the directory is.
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        const bool ok = ::fsync(dfd) == 0;
        ::close(dfd);
        if (!ok)
            return make_error(Errc::Internal, "cannot sync the harvest state's directory", dir);
    }
    return Ok{};
}

std::optional<std::int64_t> parse_iso8601_ms(std::string_view t) {
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    std::size_t i = 0;
    auto digits = [&](std::size_t n, int& out) {
        if (i + n > t.size()) return false;
        out = 0;
        for (std::size_t k = 0; k < n; ++k) {
            const char c = t[i + k];
            if (c < '0' || c > '9') return false;
            out = out * 10 + (c - '0');
        }
        i += n;
        return true;
    };
    auto expect = [&](char c) {
        if (i < t.size() && t[i] == c) {
            ++i;
            return true;
        }
        return false;
    };
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
    if (!digits(4, y) || !expect('-') || !digits(2, mo) || !expect('-') || !digits(2, d)) {
        return std::nullopt;
    }
    std::int64_t offset_s = 0;
    if (i < t.size()) {
        if (t[i] != 'T' && t[i] != 't' && t[i] != ' ') return std::nullopt;
        ++i;
        if (!digits(2, h) || !expect(':') || !digits(2, mi)) return std::nullopt;
        if (expect(':')) {
            if (!digits(2, s)) return std::nullopt;
            if (expect('.') || expect(',')) {
                std::size_t n = 0;
                int frac = 0;
                while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
                    if (n < 3) frac = frac * 10 + (t[i] - '0');
                    ++n;
                    ++i;
                }
                if (n == 0) return std::nullopt;
                for (std::size_t k = n; k < 3; ++k) frac *= 10;
                ms = frac;
            }
        }
        if (i < t.size()) {
            if (t[i] == 'Z' || t[i] == 'z') {
                ++i;
            } else if (t[i] == '+' || t[i] == '-') {
                const int sign = t[i] == '-' ? -1 : 1;
                ++i;
                int oh = 0, om = 0;
                if (!digits(2, oh)) return std::nullopt;
                expect(':');
                if (i < t.size() && !digits(2, om)) return std::nullopt;
                if (oh > 23 || om > 59) return std::nullopt;
                offset_s = sign * (oh * 3600 + om * 60);
            }
        }
        if (i != t.size()) return std::nullopt;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    const std::time_t secs = ::timegm(&tm);
    return (static_cast<std::int64_t>(secs) - offset_s) * 1000 + ms;
}

}  // namespace cardex::server::harvesting
