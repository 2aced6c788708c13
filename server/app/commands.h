#pragma once
// The cardex executable's subcommands. Each returns the process exit code.
#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

namespace cardex::app {

/// Exit codes: 0 ok, 1 failure, 2 usage, 3 done but with rejected records, 4 another
/// writer holds the index.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRejects = 3;
inline constexpr int kExitLocked = 4;

/// `text` with control characters, bidi overrides and invalid UTF-8 bytes escaped (\x1b,
/// \u202e): card text printed on a terminal cannot drive it. Other UTF-8 passes through.
std::string terminal_text(std::string_view text);

void add_reindex(CLI::App& app, int& rc);
void add_search(CLI::App& app, int& rc);
void add_serve(CLI::App& app, int& rc);
void add_gen(CLI::App& app, int& rc);
void add_eval(CLI::App& app, int& rc);
void add_ingest(CLI::App& app, int& rc);  // ingest and delete
void add_harvest(CLI::App& app, int& rc);
void add_follow(CLI::App& app, int& rc);  // read replicas (cmd_follow.cpp)

}  // namespace cardex::app
