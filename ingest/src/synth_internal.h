#pragma once
// Internals of the synthetic corpus generator shared by synth_profile.cpp (loading) and
// synth.cpp (generating): the PRNG, samplers and the parsed profile.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "cardex/ingest/synth.h"

namespace cardex::ingest::synth {

// xoshiro256** seeded by splitmix64: fast, and the same numbers on every platform (the
// std distributions are implementation-defined, so none is used).
class Rng {
public:
    explicit Rng(std::uint64_t seed) {
        for (auto& x : s_) {
            seed += 0x9e3779b97f4a7c15ULL;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            x = z ^ (z >> 31);
        }
    }
    std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    std::size_t below(std::size_t n) noexcept {
        return std::min(n - 1, static_cast<std::size_t>(uniform() * static_cast<double>(n)));
    }
    bool chance(double p) noexcept { return uniform() < p; }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    std::array<std::uint64_t, 4> s_{};
};

// Vose's alias method: O(1) draws from a discrete distribution (the 20k-word vocabulary).
class Alias {
public:
    Alias() = default;
    explicit Alias(const std::vector<double>& weights) {
        const std::size_t n = weights.size();
        prob_.assign(n, 0.0);
        alias_.assign(n, 0);
        double sum = 0;
        for (double w : weights) sum += w;
        if (n == 0 || sum <= 0) return;
        std::vector<double> scaled(n);
        std::vector<std::uint32_t> small, large;
        for (std::size_t i = 0; i < n; ++i) {
            scaled[i] = weights[i] * static_cast<double>(n) / sum;
            (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
        }
        while (!small.empty() && !large.empty()) {
            const auto s = small.back(), l = large.back();
            small.pop_back();
            prob_[s] = scaled[s];
            alias_[s] = l;
            scaled[l] = scaled[l] + scaled[s] - 1.0;
            if (scaled[l] < 1.0) {
                large.pop_back();
                small.push_back(l);
            }
        }
        for (auto i : large) prob_[i] = 1.0;
        for (auto i : small) prob_[i] = 1.0;
    }
    bool empty() const noexcept { return prob_.empty(); }
    std::size_t sample(Rng& rng) const noexcept {
        const std::size_t i = rng.below(prob_.size());
        return rng.uniform() < prob_[i] ? i : alias_[i];
    }

private:
    std::vector<double> prob_;
    std::vector<std::uint32_t> alias_;
};

struct Weighted {
    std::vector<std::string> values;
    std::vector<double> weights;
    Alias alias;
    void add(std::string v, double w) {
        values.push_back(std::move(v));
        weights.push_back(w);
    }
    void finish() { alias = Alias(weights); }
    bool empty() const noexcept { return values.empty(); }
    const std::string& sample(Rng& rng) const { return values[alias.sample(rng)]; }
};

// Evenly spaced quantiles (q = 0, 1/(n-1), ..., 1); draws interpolate between them, in
// log(1 + x) space for the heavy-tailed ones so the draws stay heavy-tailed.
struct Quantiles {
    std::vector<double> v;
    double at(double u, bool log_space) const {
        if (v.empty()) return 0;
        const double pos = u * static_cast<double>(v.size() - 1);
        const auto i = std::min(static_cast<std::size_t>(pos), v.size() - 1);
        const std::size_t j = std::min(i + 1, v.size() - 1);
        const double f = pos - static_cast<double>(i);
        if (!log_space) return v[i] + (v[j] - v[i]) * f;
        const double a = std::log1p(v[i]), b = std::log1p(v[j]);
        return std::expm1(a + (b - a) * f);
    }
};

struct Phrase {
    std::string kind;  // task | language | domain
    std::string text;
    std::string value;  // the facet value it belongs to (pipeline tag, language, tag)
    double with = 0, without = 0;
};

struct TypeProfile {
    std::unordered_map<std::string, double> field_share;
    std::unordered_map<std::string, Weighted> values;  // facet -> values
    std::unordered_map<std::string, Weighted> multi;   // facet -> "n" values
    Quantiles length;
    std::vector<Phrase> phrases;
    double share(const std::string& key, double scale) const {
        auto it = field_share.find(key);
        return it == field_share.end() ? 0.0 : std::min(1.0, it->second * scale);
    }
};

}  // namespace cardex::ingest::synth

namespace cardex::ingest {

// Everything a generator draws from; immutable after SynthProfile::load.
struct SynthProfile::Data {
    std::array<synth::TypeProfile, 3> types;  // model, dataset, space (Spaces: hard-coded)
    std::array<double, 3> type_share{0.54, 0.13, 0.33};
    double zero_downloads = 0.45;
    synth::Quantiles downloads;
    std::vector<synth::Quantiles> likes;  // by floor(log2(1 + downloads))
    synth::Weighted namespace_sizes;
    synth::Quantiles created, modified_gap;
    synth::Weighted base_models;
    synth::Weighted relations;
    double gated_auto = 0, gated_manual = 0, private_share = 0, trending_share = 0;
    double legacy_share = 0;
    std::array<double, 3> front_matter{0.97, 0.99, 1.0};
    synth::Weighted headings;             // JSON-escaped
    std::vector<std::string> name_words;  // vocabulary ranks 50..5000: ids and titles
    std::string pool;  // JSON-escaped Zipf text, cut at spaces (see synth.cpp's comment)
};

}  // namespace cardex::ingest
