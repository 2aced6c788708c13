#pragma once
// Names and file operations of the generation layout (private to index/; the layout is
// described in cardex/index/store.h).
#include <filesystem>
#include <string>
#include <string_view>

#include "cardex/index/result.h"

namespace cardex::index {

inline constexpr std::string_view kStubName = "XAPIANDB";
inline constexpr std::string_view kGenPrefix = "gen-";
inline constexpr std::string_view kBuildPrefix = "build-";
/// In every generation: readers hold a shared flock on it (GenerationPin).
inline constexpr std::string_view kReaderLock = "reader.lock";
/// In every generation: the directory of the per-namespace private databases (store.h).
inline constexpr std::string_view kPrivateDir = "private";
/// A private database being created is built under this prefix and renamed into place.
inline constexpr std::string_view kPrivateTempPrefix = ".new-";

/// The generation the stub of `dir` names ("gen-000007"), or "" if there is no stub.
std::string read_stub(const std::filesystem::path& dir);
/// Points the stub at `generation` atomically (write a temporary, fsync, rename, fsync dir).
Status write_stub(const std::filesystem::path& dir, const std::string& generation);
/// fsync of a file or a directory; ResourceExhausted on ENOSPC.
Status fsync_path(const std::filesystem::path& path, bool directory);
/// N of "gen-N", or -1 for any other name.
int generation_number(const std::string& name);
/// The name of the next generation of `dir`: "gen-" and one more than the highest there.
std::string next_generation_name(const std::filesystem::path& dir);
/// Publishes `build`/`gen_name`, a complete generation built there: syncs every file and
/// directory of it, moves it into `dir`, switches the stub to it and removes what no reader
/// pins; `build` is removed in every case. The caller holds the writer lock. A failure at
/// any step leaves the live generation as it was.
Status publish_generation(const std::filesystem::path& dir,
                          const std::filesystem::path& build,
                          const std::string& gen_name);

}  // namespace cardex::index
