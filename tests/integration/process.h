#pragma once
// Runs a command (the cardex executable) for the integration suites.
#include <array>
#include <cstdio>
#include <string>
#include <utility>

#include <sys/wait.h>

#include <catch2/catch.hpp>

namespace cardex::test {

/// Runs `cmd` through the shell: its exit status and what it wrote (stdout and stderr).
inline std::pair<int, std::string> run(const std::string& cmd) {
    std::array<char, 4096> buf;
    std::string out;
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    REQUIRE(p != nullptr);
    while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
    const int status = ::pclose(p);
    return {WEXITSTATUS(status), out};
}

}  // namespace cardex::test
