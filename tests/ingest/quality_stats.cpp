// cardex_quality_stats [--cards] SOURCE...: the documentation quality of the cards, the
// numbers of docs/QUALITY.md. Reads the sources exactly as `cardex reindex` does
// (read_cards) and reports, per card type, the distribution of scores (by tens and by band)
// and how many cards meet, miss, or are not asked each criterion. With --cards, one line per
// card (type, id, score, criteria met, criteria missed) for spot checks.
#include <array>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "cardex/index/quality.h"
#include "cardex/ingest/sources.h"

using namespace cardex;

namespace {

struct Stats {
    std::size_t cards = 0;
    std::array<std::size_t, 11> by_ten{};  // 0-9, ..., 90-99, 100
    std::map<std::string_view, std::size_t> bands;
    std::array<std::size_t, index::kCriterionCount> met{}, missed{};
    double score_sum = 0;
};

std::string join(const std::vector<std::string_view>& names) {
    std::string out;
    for (const auto n : names) out.append(out.empty() ? "" : ",").append(n);
    return out.empty() ? "-" : out;
}

}  // namespace

int main(int argc, char** argv) {
    bool per_card = false;
    std::vector<std::string> sources;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--cards") == 0) {
            per_card = true;
        } else {
            sources.emplace_back(argv[i]);
        }
    }
    if (sources.empty()) {
        std::fprintf(stderr, "usage: cardex_quality_stats [--cards] SOURCE...\n");
        return 2;
    }
    auto tables = index::Vocabulary::load(index::Vocabulary::default_dir());
    if (!tables) {
        std::fprintf(stderr, "tables: %s\n", tables.error().message.c_str());
        return 1;
    }
    std::map<std::string_view, Stats> by_type;
    auto report = ingest::read_cards(sources, tables.value(), {}, [&](index::Card&& c) {
        if (per_card) {
            std::printf("%s\t%s\t%d\t%s\t%s\n",
                        std::string(index::card_type_name(c.type)).c_str(),
                        c.id.c_str(),
                        c.quality_score,
                        join(index::criterion_names(c.quality_present)).c_str(),
                        join(index::criterion_names(c.quality_missing)).c_str());
            return;
        }
        Stats& s = by_type[index::card_type_name(c.type)];
        ++s.cards;
        s.score_sum += c.quality_score;
        ++s.by_ten[static_cast<std::size_t>(c.quality_score / 10)];
        ++s.bands[index::quality_band(c.quality_score)];
        for (std::size_t i = 0; i < index::kCriterionCount; ++i) {
            const auto bit = index::criterion_bit(index::kCriteria[i].criterion);
            s.met[i] += (c.quality_present & bit) != 0;
            s.missed[i] += (c.quality_missing & bit) != 0;
        }
    });
    if (per_card) return 0;
    std::printf("sources: read %zu, rejected %zu, merged %zu\n",
                report.read,
                report.rejected,
                report.merged);
    for (const auto& [type, s] : by_type) {
        std::printf("\n%s: %zu cards, mean score %.1f\n",
                    std::string(type).c_str(),
                    s.cards,
                    s.cards ? s.score_sum / static_cast<double>(s.cards) : 0.0);
        std::printf("  bands:");
        for (const auto band : index::kQualityBands) {
            const auto it = s.bands.find(band);
            std::printf(" %s %zu", std::string(band).c_str(), it == s.bands.end() ? 0 : it->second);
        }
        std::printf("\n  scores:");
        for (std::size_t t = 0; t < s.by_ten.size(); ++t) {
            std::printf(" %zu%s %zu", t * 10, t == 10 ? "" : "s", s.by_ten[t]);
        }
        std::printf("\n  criterion: met / missing / not asked\n");
        for (std::size_t i = 0; i < index::kCriterionCount; ++i) {
            std::printf("    %-13s %5zu / %5zu / %5zu\n",
                        std::string(index::kCriteria[i].name).c_str(),
                        s.met[i],
                        s.missed[i],
                        s.cards - s.met[i] - s.missed[i]);
        }
    }
    return 0;
}
