// libFuzzer target: a README (YAML front matter + markdown) -> CardParser -> Card, then the
// card's summary (what the index stores) encoded and decoded again.
//
// Invariants beyond "no crash, leak or UB": a parse never fails for a record with a valid
// id (bad text is repaired, never rejected, unless too large); cardData is a JSON object;
// every text field is valid UTF-8; tags are bounded; the summary round-trips the id.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cardex/index/summary.h"
#include "cardex/ingest/card_parser.h"
#include "fuzz_support.h"

using namespace cardex;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::vocabulary();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static ingest::CardParser parser(fuzz::vocabulary());
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    // The type changes what is read (a Space's sdk, a dataset's task_ids): take it from the
    // input's length so every seed is tried as each type over a run.
    ingest::RawRecord raw;
    raw.source = "fuzz:1";
    raw.id = "org/fuzz-card";
    raw.type = static_cast<index::CardType>(size % 3);
    raw.readme = std::string(input);
    std::vector<ingest::Issue> warnings;
    auto card = parser.parse(raw, warnings);
    if (!card) {
        if (card.error().detail != "too-large") fuzz::fail("card rejected", card.error().message);
        return 0;
    }
    const index::Card& c = card.value();
    if (!fuzz::json_object(c.card_data_json)) {
        fuzz::fail("cardData is not a JSON object", c.card_data_json);
    }
    for (const std::string* s : {&c.title, &c.description, &c.body, &c.markdown, &c.license_name}) {
        if (!fuzz::valid_utf8(*s)) fuzz::fail("text is not UTF-8", *s);
    }
    for (const auto* list : {&c.tags, &c.languages, &c.tasks, &c.datasets, &c.dois}) {
        for (const auto& s : *list) {
            if (s.empty() || !fuzz::valid_utf8(s)) fuzz::fail("bad list value", s);
        }
    }
    if (c.tags.size() > 1000) fuzz::fail("more than 1000 tags", std::to_string(c.tags.size()));
    for (const auto& w : warnings) {
        if (w.source != raw.source || w.reason.empty())
            fuzz::fail("warning without source", w.message);
    }

    const std::string summary = index::encode_summary(c);
    auto back = index::decode_summary(summary, index::SummaryParts::WithMarkdown);
    if (!back || back->id != c.id || back->title != c.title) {
        fuzz::fail("summary does not round-trip", c.title);
    }
    return 0;
}
