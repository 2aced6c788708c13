// Stored summaries compressed with a dictionary (index/summary.h). Any bytes given as a
// dictionary load or give DataLoss, and one that loads round-trips a card; any bytes given
// as a stored summary decode or give DataLoss, with the fixture's dictionary, without one and
// with the input's own; and a valid frame with the input XORed into it does the same, so
// that zstd's dictionary path sees damaged frames, not only frames it rejects at the magic.
#include <cstdint>
#include <string>
#include <vector>

#include "cardex/index/summary.h"
#include "fuzz_support.h"

namespace {

using cardex::index::Card;
using cardex::index::SummaryDictionary;
using cardex::index::SummaryParts;

struct Fixture {
    std::vector<Card> cards;
    std::shared_ptr<const SummaryDictionary> dict;
    std::vector<std::string> frames;  // each card compressed with dict
};

const Fixture& fixture() {
    static const Fixture f = [] {
        Fixture out;
        out.cards = cardex::fuzz::fixture_cards();
        // A dozen cards are too few to train on: copies under other ids and counts.
        std::vector<std::string> samples;
        for (int copy = 0; copy < 40; ++copy) {
            for (Card c : out.cards) {
                c.id += "-" + std::to_string(copy);
                c.downloads += copy * 7919;
                samples.push_back(cardex::index::summary_bytes(c));
            }
        }
        auto d = SummaryDictionary::train(samples, 16 * 1024);
        if (!d) cardex::fuzz::fail("train fixture dictionary", d.error().message);
        out.dict = std::move(d).value();
        for (const auto& c : out.cards) {
            out.frames.push_back(cardex::index::encode_summary(c, out.dict.get()));
        }
        return out;
    }();
    return f;
}

void decode_any(std::string_view bytes, const SummaryDictionary* dict) {
    auto c = cardex::index::decode_summary(bytes, SummaryParts::WithMarkdown, dict);
    if (!c && c.error().code != cardex::Errc::DataLoss) {
        cardex::fuzz::fail("decode_summary: not DataLoss", c.error().message);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Fixture& f = fixture();
    const std::string_view in(reinterpret_cast<const char*>(data), size);

    auto loaded = SummaryDictionary::load(in);
    if (!loaded && loaded.error().code != cardex::Errc::DataLoss) {
        cardex::fuzz::fail("load: not DataLoss", loaded.error().message);
    }
    if (loaded) {
        const SummaryDictionary* d = loaded.value().get();
        const Card& card = f.cards[size % f.cards.size()];
        const std::string packed = cardex::index::encode_summary(card, d);
        if (!packed.empty()) {  // empty: zstd could not digest it (then nothing to decode)
            auto back = cardex::index::decode_summary(packed, SummaryParts::WithMarkdown, d);
            if (!back)
                cardex::fuzz::fail("round trip with a loaded dictionary", back.error().message);
            if (cardex::index::summary_bytes(*back) != cardex::index::summary_bytes(card))
                cardex::fuzz::fail("round trip changed the card", card.id);
        }
        decode_any(f.frames[0], d);
    }

    decode_any(in, f.dict.get());
    decode_any(in, nullptr);

    if (size > 0) {
        std::string frame = f.frames[data[0] % f.frames.size()];
        const std::size_t at = size > 1 ? data[1] % frame.size() : 0;
        for (std::size_t i = 2; i < size && at + i - 2 < frame.size(); ++i) {
            frame[at + i - 2] = static_cast<char>(frame[at + i - 2] ^ data[i]);
        }
        decode_any(frame, f.dict.get());
    }
    return 0;
}
