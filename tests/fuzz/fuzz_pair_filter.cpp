// The pair filter's file (index/pairs.h): any bytes open as a filter or fail with DataLoss
// naming the path, never a crash or a read outside the file; on what opens, every block's
// test, block_of and frequent() stay inside it. Most mutations break a checksum, so each
// input is also tried with its header repaired (magic, version, size and both checksums made
// right): the offsets, terms and words then see the mutated bytes.
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cardex/index/pairs.h"
#include "fuzz_support.h"

namespace {

using cardex::Errc;
using cardex::index::PairFilter;

constexpr std::size_t kHeader = 64;

const std::string& temp_path() {
    static const struct File {
        std::string path;
        File() {
            path = (std::filesystem::temp_directory_path() /
                    ("cardex-fuzz-pairs-" + std::to_string(::getpid())))
                       .string();
        }
        ~File() {
            std::error_code ec;
            std::filesystem::remove(path, ec);
        }
    } file;
    return file.path;
}

void check(const std::string& bytes) {
    const std::string& path = temp_path();
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << bytes;
        out.close();
        if (!out) cardex::fuzz::fail("cannot write the input to", path);
    }
    auto f = PairFilter::open(path);
    if (!f) {
        if (f.error().code != Errc::DataLoss || f.error().detail != path)
            cardex::fuzz::fail("open: not DataLoss naming the path", f.error().message);
        return;
    }
    const PairFilter& filter = *f.value();
    if (filter.file_bytes() != bytes.size()) cardex::fuzz::fail("file_bytes");
    const std::vector<std::uint64_t> keys = {PairFilter::pair_key("the", "model"),
                                             PairFilter::pair_key("a", "b"),
                                             PairFilter::pair_key("", ""),
                                             0,
                                             ~std::uint64_t{0}};
    const std::uint32_t lo = filter.first_docid(), hi = filter.last_docid();
    for (const std::uint32_t d : {0u, lo, hi, lo + 1, hi - 1, lo + 64, 0xffffffffu}) {
        const std::uint32_t b = filter.block_of(d);
        if (b != PairFilter::kNoBlock && (d < lo || d > hi))
            cardex::fuzz::fail("a block for a docid outside the filter");
        (void)filter.may_hold(b, keys);
        for (const auto k : keys) (void)filter.may_hold(b, {k});
    }
    for (std::uint32_t b = 0; b < 4096; ++b) (void)filter.may_hold(b, keys);
    for (const char* t : {"the", "model", "", "a", "zzzz"}) (void)filter.frequent(t);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string in(reinterpret_cast<const char*>(data), size);
    check(in);
    if (size >= kHeader) {
        std::string fixed = in;
        std::memcpy(fixed.data(), "CDXPAIR1", 8);
        cardex::fuzz::set_u32(fixed, 8, 1);
        cardex::fuzz::set_u64(fixed, 56, fixed.size());
        cardex::fuzz::set_u32(
            fixed, 36, cardex::fuzz::crc32_of(fixed.data() + kHeader, fixed.size() - kHeader));
        cardex::fuzz::set_u32(fixed, 12, 0);
        cardex::fuzz::set_u32(fixed, 12, cardex::fuzz::crc32_of(fixed.data(), kHeader));
        if (fixed != in) check(fixed);
    }
    return 0;
}
