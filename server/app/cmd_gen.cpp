// `cardex gen --count N --seed S --out FILE`: a deterministic synthetic corpus of cards in
// the JSON Lines card format, for benchmarks (distributions from data/synth, see synth.h).
#include <chrono>
#include <cstdio>
#include <iostream>

#include "cardex/ingest/synth.h"
#include "commands.h"

namespace cardex::app {

namespace {

struct GenArgs {
    std::size_t count = 1000;
    std::uint64_t seed = 1;
    std::string out = "-";
    std::string profile;
    bool quiet = false;
};

int run_gen(const GenArgs& a) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string dir = a.profile.empty() ? ingest::SynthProfile::default_dir() : a.profile;
    auto profile = ingest::SynthProfile::load(dir);
    if (!profile) {
        std::cerr << "cardex gen: " << profile.error().message << ": " << profile.error().detail
                  << "\n";
        return kExitFailure;
    }
    const auto t1 = std::chrono::steady_clock::now();
    auto bytes = ingest::write_synth_cards(a.out, profile.value(), {a.seed, a.count});
    if (!bytes) {
        std::cerr << "cardex gen: " << bytes.error().message << ": " << bytes.error().detail
                  << "\n";
        return kExitFailure;
    }
    const auto t2 = std::chrono::steady_clock::now();
    if (!a.quiet) {
        const double load_s = std::chrono::duration<double>(t1 - t0).count();
        const double gen_s = std::chrono::duration<double>(t2 - t1).count();
        std::fprintf(stderr,
                     "gen: %zu cards, %.1f MB in %.2f s (%.0f cards/s, %.0f MB/s; profile load "
                     "%.2f s)\n",
                     a.count, static_cast<double>(*bytes) / 1e6, gen_s,
                     static_cast<double>(a.count) / std::max(gen_s, 1e-9),
                     static_cast<double>(*bytes) / 1e6 / std::max(gen_s, 1e-9), load_s);
    }
    return kExitOk;
}

}  // namespace

void add_gen(CLI::App& app, int& rc) {
    auto args = std::make_shared<GenArgs>();
    auto* cmd = app.add_subcommand("gen", "Write a deterministic synthetic corpus of cards (JSON Lines)");
    cmd->add_option("--count", args->count, "Number of cards")->required();
    cmd->add_option("--seed", args->seed, "PRNG seed (same seed and count: same bytes)");
    cmd->add_option("--out", args->out, "Output file (- for standard output)");
    cmd->add_option("--profile", args->profile, "Profile directory (default: data/synth)");
    cmd->add_flag("--quiet", args->quiet, "No summary on standard error");
    cmd->callback([args, &rc]() { rc = run_gen(*args); });
}

}  // namespace cardex::app
