// libFuzzer target: bytes of a source (JSON Lines of cards or listing items, a JSON array,
// CSV with a header row) -> ingest::read_cards_from_text -> cards and a report.
//
// Invariants: nothing is lost (read = accepted + rejected + merged); every accepted card
// has an id the Hub could have (repo_id_problem) and a JSON object as cardData; every
// rejection and warning names its source and a reason.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cardex/ingest/sources.h"
#include "fuzz_support.h"

using namespace cardex;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::vocabulary();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    // The name is a type hint below --type (a "datasets" file); vary it with the input.
    const std::string name = size % 2 == 0 ? "fuzz.jsonl" : "fuzz-datasets.csv";
    std::size_t cards = 0;
    const auto report = ingest::read_cards_from_text(
        input,
        name,
        fuzz::vocabulary(),
        {},
        [&](index::Card&& c) {
            ++cards;
            if (auto problem = ingest::repo_id_problem(c.id)) fuzz::fail("accepted a bad id", c.id);
            if (!fuzz::json_object(c.card_data_json)) {
                fuzz::fail("cardData is not a JSON object", c.card_data_json);
            }
            if (!fuzz::valid_utf8(c.title) || !fuzz::valid_utf8(c.body)) {
                fuzz::fail("text is not UTF-8", c.id);
            }
        },
        1);
    if (report.read != report.accepted + report.rejected + report.merged ||
        cards != report.accepted) {
        fuzz::fail("records lost", std::to_string(report.read));
    }
    for (const auto* issues : {&report.rejections, &report.warnings}) {
        for (const auto& i : *issues) {
            if (i.reason.empty() || i.source.rfind(name, 0) != 0)
                fuzz::fail("issue without source", i.message);
        }
    }
    return 0;
}
