// The bytes a search over shards reads (index/shards.h, schema.h): a shard facet slot's
// packed values (unpack_facet_values), a deployment's stub of `remote HOST:PORT` lines
// (remote_shards) and a SHARDS file (shard_count). Any input gives values or an error,
// never a crash; values that unpack pack and unpack to the same values; a parsed stub names
// hosts and ports in range.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "cardex/index/schema.h"
#include "cardex/index/shards.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cardex::index;
    const std::string in(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> values;
    if (unpack_facet_values(in, values)) {
        // (A non-minimal length, 0x80 0x00, unpacks too, so the bytes may repack otherwise;
        // the values may not.)
        const std::string repacked = pack_facet_values(values);
        std::vector<std::string_view> again;
        if (!unpack_facet_values(repacked, again) || again != values) std::abort();
    }
    // One directory per process, removed at exit.
    static const struct Dir {
        std::string path;
        Dir() {
            path = (std::filesystem::temp_directory_path() /
                    ("cardex-fuzz-shards-" + std::to_string(::getpid())))
                       .string();
            std::filesystem::create_directories(path);
        }
        ~Dir() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    } tmp;
    const std::string& dir = tmp.path;
    {
        std::ofstream(dir + "/XAPIANDB", std::ios::trunc | std::ios::binary) << in;
        std::ofstream(dir + "/SHARDS", std::ios::trunc | std::ios::binary) << in;
    }
    if (auto r = remote_shards(dir)) {
        for (const auto& s : *r) {
            if (s.host.empty() || s.port == 0 || s.port > 65535) std::abort();
        }
    }
    if (auto k = shard_count(dir); k && (*k > 1024)) std::abort();
    return 0;
}
