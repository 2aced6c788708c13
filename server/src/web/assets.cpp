// Lookup of embedded files and their cache-busting versions.
#include "web/assets.h"

#include <cstdint>
#include <string>
#include <unordered_map>

namespace cardex::server::web {
namespace {

struct Index {
    std::unordered_map<std::string_view, std::string_view> files;
    std::unordered_map<std::string_view, std::string> versions;
};

const Index& index_of_files() {
    // Built once, on first use (thread-safe static init), then read-only.
    static const Index idx = [] {
        Index i;
        for (const auto& f : embedded_files()) {
            i.files.emplace(f.name, f.data);
            std::uint64_t h = 1469598103934665603ULL;  // FNV-1a: stable across runs
            for (const char c : f.data) {
                h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
            }
            static constexpr char kHex[] = "0123456789abcdef";
            std::string v;
            for (int shift = 60; shift >= 32; shift -= 4) v += kHex[(h >> shift) & 0xf];
            i.versions.emplace(f.name, std::move(v));
        }
        return i;
    }();
    return idx;
}

}  // namespace

std::string_view embedded(std::string_view name) noexcept {
    const auto& files = index_of_files().files;
    const auto it = files.find(name);
    return it == files.end() ? std::string_view{} : it->second;
}

std::string_view asset_version(std::string_view name) noexcept {
    const auto& versions = index_of_files().versions;
    const auto it = versions.find(name);
    return it == versions.end() ? std::string_view{} : std::string_view(it->second);
}

}  // namespace cardex::server::web
