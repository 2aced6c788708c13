#include "server_log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include "json_writer.h"

namespace cardex::server {

namespace {

std::string utc_now() {
    const auto now = std::chrono::system_clock::now();
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[96];
    std::snprintf(buf,
                  sizeof buf,
                  "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                  tm.tm_year + 1900,
                  tm.tm_mon + 1,
                  tm.tm_mday,
                  tm.tm_hour,
                  tm.tm_min,
                  tm.tm_sec,
                  static_cast<int>(ms % 1000));
    return buf;
}

// A text value: bare when it is plain, else quoted with control characters, quotes,
// backslashes and non-ASCII bytes as \xNN (values are attacker-chosen).
void append_text_value(std::string& out, std::string_view v) {
    bool plain = !v.empty();
    for (const char ch : v) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7F || c == '"' || c == '\\' || c == '=') plain = false;
    }
    if (plain) {
        out.append(v);
        return;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (const char ch : v) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
            out.append("\\x");
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
        } else {
            out.push_back(ch);
        }
    }
    out.push_back('"');
}

bool secret_param(std::string_view name) {
    std::string lower;
    for (const char ch : name.substr(0, 32)) {
        lower.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
    }
    for (std::string_view s : {"token",
                               "access_token",
                               "api_key",
                               "apikey",
                               "key",
                               "password",
                               "secret",
                               "signature",
                               "sig",
                               "auth",
                               "authorization"}) {
        if (lower == s) return true;
    }
    return false;
}

}  // namespace

void ServerLog::write(std::string_view level,
                      std::string_view msg,
                      std::initializer_list<LogField> fields) {
    std::string line;
    line.reserve(128);
    if (format_ == LogFormat::Json) {
        line.append("{\"ts\":\"").append(utc_now()).append("\",\"level\":");
        append_json_string(line, level);
        line.append(",\"msg\":");
        append_json_string(line, msg);
        for (const auto& f : fields) {
            line.push_back(',');
            append_json_string(line, f.key);
            line.push_back(':');
            if (f.number) {
                line.append(f.value);
            } else {
                append_json_string(line, f.value);
            }
        }
        line.push_back('}');
    } else {
        line.append(utc_now()).push_back(' ');
        line.append(level).push_back(' ');
        line.append(msg);
        for (const auto& f : fields) {
            line.push_back(' ');
            line.append(f.key).push_back('=');
            if (f.number) {
                line.append(f.value);
            } else {
                append_text_value(line, f.value);
            }
        }
    }
    line.push_back('\n');
    std::lock_guard lock(mu_);
    out_.write(line.data(), static_cast<std::streamsize>(line.size()));
    out_.flush();
}

std::string redact_target(std::string_view target) {
    constexpr std::size_t kMax = 2048;
    const bool cut = target.size() > kMax;
    target = target.substr(0, kMax);
    const std::size_t q = target.find('?');
    std::string out(target.substr(0, q == std::string_view::npos ? target.size() : q + 1));
    if (q != std::string_view::npos) {
        std::string_view rest = target.substr(q + 1);
        bool first = true;
        while (true) {
            const std::size_t amp = rest.find('&');
            const std::string_view pair = rest.substr(0, amp);
            if (!first) out.push_back('&');
            first = false;
            const std::size_t eq = pair.find('=');
            if (eq != std::string_view::npos && secret_param(pair.substr(0, eq))) {
                out.append(pair.substr(0, eq + 1)).append("REDACTED");
            } else {
                out.append(pair);
            }
            if (amp == std::string_view::npos) break;
            rest = rest.substr(amp + 1);
        }
    }
    if (cut) out.append("...");
    return out;
}

std::string request_id(std::string_view from_client) {
    if (!from_client.empty() && from_client.size() <= 64) {
        bool ok = true;
        for (const char c : from_client) {
            ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-');
        }
        if (ok) return std::string(from_client);
    }
    static const std::uint32_t prefix = [] {
        std::random_device rd;
        return static_cast<std::uint32_t>(rd());
    }();
    static std::atomic<std::uint64_t> counter{0};
    char buf[32];
    std::snprintf(buf,
                  sizeof buf,
                  "%08x-%08llx",
                  prefix,
                  static_cast<unsigned long long>(counter.fetch_add(1) + 1));
    return buf;
}

}  // namespace cardex::server
