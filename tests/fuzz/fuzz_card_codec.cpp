// The spill codec of a bounded-memory build (index/card_codec.h): any bytes decode to a card
// or to DataLoss, never a crash or an unbounded allocation; what decodes re-encodes to the
// same bytes. The seeds are encoded cards; the fuzzer also wraps its input in a valid zstd
// frame so that the record parser, not only zstd's checks, sees mutated bytes.
#include <zstd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "cardex/index/card_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cardex::index;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    auto check = [](std::string_view bytes) {
        auto card = decode_card(bytes);
        if (!card) return;
        // Bytes, not operator==: a NaN read from the input never equals itself.
        const std::string once = encode_card(*card);
        auto again = decode_card(once);
        if (!again || encode_card(*again) != once) std::abort();
    };
    check(in);
    std::string framed(ZSTD_compressBound(size), '\0');
    framed.resize(ZSTD_compress(framed.data(), framed.size(), data, size, 1));
    check(framed);
    return 0;
}
