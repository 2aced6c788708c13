#include "cardex/index/card.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace cardex::index {

std::string_view card_type_name(CardType type) noexcept {
    switch (type) {
        case CardType::Model: return "model";
        case CardType::Dataset: return "dataset";
        case CardType::Space: return "space";
    }
    return "model";
}

std::optional<CardType> parse_card_type(std::string_view text) noexcept {
    std::string t(text);
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) {
        return static_cast<char>(std::tolower(c));
    });
    if (t == "model" || t == "models") return CardType::Model;
    if (t == "dataset" || t == "datasets") return CardType::Dataset;
    if (t == "space" || t == "spaces") return CardType::Space;
    return std::nullopt;
}

std::string_view gated_name(Gated gated) noexcept {
    switch (gated) {
        case Gated::No: return "false";
        case Gated::Auto: return "auto";
        case Gated::Manual: return "manual";
    }
    return "false";
}

}  // namespace cardex::index
